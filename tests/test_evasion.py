"""Evasive spellings of an injected ad: normalization folds them to the plain
phrase, and findings map back to exactly the evasive slice of the original."""

from __future__ import annotations

import math

import pytest

from detector import Detector
from detector.normalize import normalize

SEED = "杨方线上配资股票"
CONTACT = "加微信abc12345领取福利"
HOST = "今年以来全市工业增加值同比增长百分之六。会议强调要深化产融合作。"

INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"]
INVISIBLES += ["\u180f", "\U0001bca0", "\U000e0080", "\U000e0fff"]  # default-ignorable too
# Unicode 14's Default_Ignorable_Code_Point (DerivedCoreProperties.txt).
DEFAULT_IGNORABLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]  # fmt: skip
SEPARATORS = [
    " ", "\u00a0", "\u3000", "\t", "  ", "    ", "·", "・", "•", "*", "-", "|", ".", "_", "~",
    "/", "—", "\u2013", "－", "＊", "｜", "．", " * ", " | ", "\u200b \u200b",
    # White space that NFKC keeps and the braille blank, read as a space.
    "\x0b", "\x0c", "\x85", "\u1680", "\u2800", "\x0b\x0b", "\x0c\u2800",
]  # fmt: skip


# Any punctuation or symbol but clause punctuation, when it is between every
# character (pictographs also alone, see test_normalize.py); \u02c7 is a caron.
SPACED_OUT_SEPARATORS = [
    '"',
    "'",
    "\u4e28",
    "\u4e36",  # 丶, the dot stroke radical, written as a separator like 丨
    "→",
    "▲",
    "■",
    "◎",
    "✔",
    "\u02c7",
    "§",
    "🔥",
    "💰",
    "⭐",
]
EMOJI = ["🔥", "💰", "👉", "✨", "🎁", "🧧", "⭐"]
# Between every character, characters that are no separator once folded
# (NFKC: ‼ is "!!", ⁉ "!?", ™ "tm", ゜ a space and a combining mark), marks that
# Unicode counts as letters or numbers (々, ー, the ideographic zero), and the line
# and paragraph separators, which browsers do not show as line breaks.
FILLERS = ["‼\ufe0f", "⁉\ufe0f", "‼", "™", "\u309c", "々", "\u3007", "\u2028", "\u2029"]
FILLERS += ["ー", "ｰ", "〱"]  # the prolonged sound mark, half-width too; a kana repeat mark
# Clause punctuation between every character of six or more (not 、 or 。).
CLAUSE_MARKS = ["，", "：", "；", "！", "？", ",", "!"]
# The same letter or digit between every character of six or more, as clause
# punctuation (not also before the first: X年X月X日X时X分X秒 is a template).
LETTERS = ["x", "X", "q", "7"]
# White space that NFKC keeps and that ends no clause (vertical tab, form feed,
# next line, Ogham space mark), and the braille blank: each reads as a space.
BLANKS = ["\x0b", "\x0c", "\x85", "\u1680", "\u2800"]


# Nonspacing and enclosing marks of other scripts on every character: Thai,
# Tibetan, an ideographic tone mark, the kana voiced mark, the Khitan filler,
# a Hebrew accent, an Arabic vowel sign, two Thai marks stacked.
OTHER_MARKS = [
    "\u0e31", "\u0f71", "\u302a", "\u3099", "\U00016fe4", "\u0591", "\u064b", "\u0e34\u0e48",
]  # fmt: skip


def spread(phrase: str, separator: str) -> str:
    return separator.join(phrase)


def taking_turns(phrase: str, separators: list[str]) -> str:
    """``phrase`` with ``separators`` between its characters, in turn."""
    out = phrase[0]
    for i, ch in enumerate(phrase[1:]):
        out += separators[i % len(separators)] + ch
    return out


def references(phrase: str) -> str:
    """Every other character as an HTML character reference, hex and decimal."""
    return "".join(
        (f"&#x{ord(c):x};" if i % 4 == 1 else f"&#{ord(c)};") if i % 2 else c
        for i, c in enumerate(phrase)
    )


def enclosed(phrase: str, digits: str, letters: str) -> str:
    """``phrase`` with its ASCII digits and lower-case letters replaced by the
    enclosed forms starting at ``digits`` (for 1) and ``letters`` (for a)."""
    out = []
    for ch in phrase:
        if "1" <= ch <= "9":
            out.append(chr(ord(digits) + ord(ch) - ord("1")))
        elif "a" <= ch <= "z":
            out.append(chr(ord(letters) + ord(ch) - ord("a")))
        else:
            out.append(ch)
    return "".join(out)


def full_width(phrase: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in phrase)


SEED_EVASIONS = (
    [spread(SEED, ch) for ch in INVISIBLES]
    + [spread(SEED, sep) for sep in SEPARATORS]
    + [
        "楊方線上配資股票",
        "楊 方 線 上 配 資 股 票",
        "杨\u200b方 线·上*配\u00ad资|股\ufeff票",
        "楊\u3000方\u200d線上-配資\u00a0股票",
        "杨\u0336方\u0336线\u0336上\u0336配\u0336资\u0336股\u0336票",  # strike-through
    ]
    + [spread(SEED, mark) for mark in OTHER_MARKS]
    + [spread(SEED, sep) for sep in SPACED_OUT_SEPARATORS]
    + [
        taking_turns(SEED, EMOJI),
        taking_turns(SEED, ["★", " ", "♡", "🔥", "\u4e28"]),
        taking_turns(SEED, ["，", "；", "！", "？"]),
        taking_turns(SEED, ['"', "→", "§", "¶", " ", "丨", "~"]),  # any but brackets and quotes
        taking_turns(SEED, ["\u2028", " ", "\u2029", "\x0b", "★"]),  # line separators too
        "杨方🔥线上配资股票",  # one pictograph between CJK characters
        spread(SEED, "&nbsp;"),
        references(SEED),
        "&#x6768;方线上配资股&#31080;",  # references at both ends
        "".join(ch * 2 for ch in SEED),
        "".join(ch * 3 for ch in SEED),
        "".join(ch * 2 for ch in "楊方線上配資股票"),
    ]
    + [spread(SEED, sep) for sep in FILLERS + CLAUSE_MARKS + LETTERS]
)
CONTACT_EVASIONS = [
    full_width(CONTACT),
    full_width(CONTACT.upper()),
    enclosed(CONTACT, "①", "ⓐ"),  # circled
    enclosed(CONTACT, "⑴", "⒜"),  # parenthesized
    enclosed(CONTACT.upper(), "❶", "Ⓐ"),  # dingbat negative circled, circled capitals
    enclosed(CONTACT, "⒈", "ⓐ"),  # digit full stop
    spread(CONTACT, " "),
    "加\u200b微 信·\uff41 b ⓒ 1 ② ⑶ 4 5领\u00ad取福利",
    # Lookalike letters beside a Latin one: Cyrillic a and es around a Latin b.
    "加微信\u0430b\u044112345领取福利",
    "加微信\u03b1b\u03f212345领取福利",  # Greek alpha and lunate sigma beside a Latin b
    "加微信\u1d00\u0299\u1d0412345领取福利",  # small capitals
    "加微信abc\u0661\u0662\u0663\u0664\u0665领取福利",  # Arabic-Indic digits
    "加微信abc&#49;&#x32;345领取福利",
    spread(CONTACT, "🔥"),
    spread(CONTACT, "‼\ufe0f"),
    spread(CONTACT, "™"),
    spread(CONTACT, "\u2028"),
]


def evasive_slice(text: str, plain: str) -> str:
    norm = normalize(text)
    start = norm.text.index(plain)
    s, e = norm.to_original(start, start + len(plain))
    return text[s:e]


@pytest.mark.parametrize("evasive", SEED_EVASIONS)
def test_seed_evasions_normalize_to_the_phrase(evasive: str) -> None:
    text = f"强化金融精准有效服务{evasive},深化产融合作"
    assert SEED in normalize(text).text
    assert evasive_slice(text, SEED) == evasive


@pytest.mark.parametrize("evasive", CONTACT_EVASIONS)
def test_contact_evasions_normalize_to_the_phrase(evasive: str) -> None:
    text = f"强化金融精准有效服务{evasive},深化产融合作"
    assert CONTACT in normalize(text).text
    assert evasive_slice(text, CONTACT) == evasive


@pytest.mark.parametrize("evasive", SEED_EVASIONS + CONTACT_EVASIONS)
def test_findings_cover_the_evasive_text_in_the_original(
    tiny_detector: Detector, evasive: str
) -> None:
    text = HOST + f"强化服务{evasive},推动循环。"
    start = text.index(evasive)
    end = start + len(evasive)
    findings = tiny_detector.scan(text).findings
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert any(f.start <= start and f.end >= end for f in findings), (evasive, findings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加 微 信 a b c 1 2 3", "加微信abc123"),  # lone letters and digits: spaced out
        ("Q Q 1 2 3 4 5 6", "qq123456"),
        ("hello world 中国", "hello world中国"),  # spaces beside CJK always go
        ("使用 iPhone 手机", "使用iphone手机"),  # spaces beside CJK always go
        ("共 3 人", "共3人"),
        ("增长 3.5 个百分点", "增长3.5个百分点"),  # '.' '-' '~' between digits mean something
        ("比分 3-1 落后", "比分3-1落后"),
        ("1~3 天", "1~3天"),
        ("北京、上海、广州", "北京、上海、广州"),  # real punctuation stays
        ("北京,上海", "北京,上海"),
        ("姓名          张三", "姓名张三"),  # spaces beside CJK always go
        # Spaced out, every character: the separators go however they read
        # between digits, punctuation and links, and separators written between
        # the characters of a longer separator leave that one (".", "//").
        ("来.电.0.9.5.2.-.3.6.2.9", "来电0952-3629"),
        ("关·注·热·线·，·独·家·研·报", "关注热线,独家研报"),
        ("入-口-：-x-h-y-.-i-c-u", "入口:xhy.icu"),
        ("h t t p s : / / w w w . a b 8 . c o m", "https://www.ab8.com"),
        ("w  w  w  .  a  b  8  .  c  o  m", "www.ab8.com"),
        ("瀚|禧|(|C|h|i|n|a|)|官|网", "瀚禧(china)官网"),
        # Fewer than four separators in a row, or one between longer pieces: kept.
        ("第1-2-3-4名", "第1-2-3-4名"),
        ("版本1.2.3发布", "版本1.2.3发布"),
        ("ip 10.0.0.1 和 2025-1-5", "ip 10.0.0.1和2025-1-5"),
        ("a / b / c / d", "a / b / c / d"),
        ("代办违章丶代交车船税与年票丶代办", "代办违章丶代交车船税与年票丶代办"),  # 丶 as a 、
        ("丨丶大丶丨", "丨丶大丶丨"),  # a user name's decoration
        ("1.\n2.\n3.\n4.\n5.", "1.\n2.\n3.\n4.\n5."),  # a line break is not spaced out
    ],
)
def test_separator_decisions(text: str, expected: str) -> None:
    assert normalize(text).text == expected


# Unicode 14's dash punctuation (Pd) below U+20000, and the one above it.
DASHES = "-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
DASHES += "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"


def test_every_dash_between_chinese_characters_is_dropped() -> None:
    """As ``-`` and ``—`` always were: the wave dash 〜 (杨〜方〜线〜上 kept
    the seed's four characters apart), the wavy dash 〰, the two-em dash ⸺ …
    Between digits they stay (``1〜3``)."""
    kept = [f"U+{ord(d):04X}" for d in DASHES if normalize(f"杨{d}方").text != "杨方"]
    assert kept == []
    assert normalize("配〜资〜股〜票").text == "配资股票"
    assert normalize("1〜3天").text == "1〜3天"


def test_every_default_ignorable_code_point_is_dropped() -> None:
    """Renderers draw none of them, so between every character of an ad they
    hide nothing.  U+180F, U+FFF0..U+FFF8, the shorthand format controls
    U+1BCA0..U+1BCA3 and the unassigned rest of plane 14 were kept (the seed
    spread with U+1BCA0 scored 0.0)."""
    codes = [c for low, high in DEFAULT_IGNORABLE for c in range(low, high + 1)]
    kept = [f"U+{c:04X}" for c in codes if normalize(f"杨{chr(c)}方").text != "杨方"]
    assert kept == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("①②③", "123"),
        ("⑴⑽⒇", "11020"),
        ("⒈⒉", "12"),
        ("❶➀➊⓵⓫", "111111"),
        ("ⒶⓐⒷ⒝", "aabb"),
        ("🅐🅰🄰🄐", "aaaa"),
        ("㈠㊀", "一一"),
        ("1\ufe0f\u20e3", "1"),  # keycap
        ("a\x01b\x7fc", "abc"),  # control characters
        ("a\U000e0041b", "ab"),  # tag character
    ],
)
def test_enclosed_and_invisible_characters(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_line_breaks_and_tabs_between_words_survive() -> None:
    assert normalize("第一段\n第二段").text == "第一段\n第二段"
    assert normalize("ab\tcd\r\nef").text == "ab\tcd\r\nef"


@pytest.mark.parametrize(
    "mark",
    [
        *["\u0336", "\u20e3", "\ufe0f", "\u0301", "\U000e0100", "&#x336;", "&#8419;"],
        *["\u0336&#x336;", "\u0e31", "&#x0e31;", "\u0336\u0e31", "\u302a"],
    ],
)
def test_a_span_ends_after_the_marks_of_its_last_character(
    tiny_detector: Detector, mark: str
) -> None:
    evasive = "".join(ch + mark for ch in SEED)
    text = HOST + f"强化服务{evasive},推动循环。"
    findings = tiny_detector.scan(text).findings
    end = text.index(evasive) + len(evasive)
    assert any(f.end == end for f in findings), findings
    assert all(not text[f.end :].startswith(mark) for f in findings)


@pytest.mark.parametrize(
    "spliced",
    ["杨|方|线|上|配|资|股|票", "杨|方线上配资股票"],
)
def test_bars_between_single_characters_do_not_cut_the_span(
    tiny_detector: Detector, spliced: str
) -> None:
    text = HOST + f"强化服务{spliced},推动循环。"
    findings = tiny_detector.scan(text).findings
    start = text.index(spliced)
    assert any(f.start <= start and f.end >= start + len(spliced) for f in findings), findings
    # ... and does not swallow the clause either.
    assert all(f.start >= text.index("强化服务") + 2 for f in findings), findings


@pytest.fixture(scope="module")
def default() -> Detector:
    return Detector.default()


def _written_apart(detector: Detector, score: float) -> float:
    """``score`` lifted by the model's stacking weight for a clause written with
    its characters apart (Detector.spaced): the heads read the folded text as
    they read the plain one, and the stretch's spacing adds its own weight."""
    weight = detector.model.params["stack"][4]
    logit = math.log(score / (1 - score)) + weight
    return 1 / (1 + math.exp(-logit))


NEWS = "强化金融精准有效服务{},深化产融合作,推动科技产业金融良性循环。"


@pytest.mark.parametrize("separator", FILLERS + CLAUSE_MARKS + BLANKS + LETTERS)
def test_the_shipped_model_blocks_the_spaced_out_ad_and_reports_just_it(
    default: Detector, separator: str
) -> None:
    """Blocked like the plain ad (0.972; with a comma, 0.892: the comma after the
    ad is taken for one more separator, and the ad is read with the next words),
    the finding exactly the evasive characters.  Before, each character was a
    clause of its own (0.0) or read with the marks (゜ 0.57, 0.82 with :)."""
    assert default.scan(NEWS.format(SEED)).is_spam
    evasive = spread(SEED, separator)
    verdict = default.scan(NEWS.format(evasive))
    assert verdict.is_spam
    assert [f.text for f in verdict.findings] == [evasive]


def test_the_shipped_model_blocks_the_ad_spaced_out_by_clause_punctuation_taking_turns(
    default: Detector,
) -> None:
    """As with one mark (0.892: the comma after the ad is read as one more);
    before, only the same mark between every character was dropped (0.0)."""
    evasive = taking_turns(SEED, ["，", "；", "！", "？"])
    verdict = default.scan(NEWS.format(evasive))
    assert verdict.is_spam
    assert [f.text for f in verdict.findings] == [evasive]


@pytest.mark.parametrize("ad", [SEED, "配资股票"])
@pytest.mark.parametrize("separators", [['"', "→"], ["§", "¶", "丨"], ["↓", " "], ["→", "\u2028"]])
def test_the_shipped_model_blocks_the_ad_spaced_out_by_separators_taking_turns(
    default: Detector, ad: str, separators: list[str]
) -> None:
    """Between Chinese characters any separators but brackets and quotes may
    take turns; before, only blanks, bars and pictographs did (0.0).  Read as
    the plain ad is, and lifted by the stacking's weight for text written apart
    where it is spaced out (seven characters or more, not 配资股票)."""
    plain = default.scan(NEWS.format(ad))
    evasive = taking_turns(ad, separators)
    verdict = default.scan(NEWS.format(evasive))
    expected_score = _written_apart(default, plain.score) if len(ad) >= 7 else plain.score
    assert verdict.score == pytest.approx(expected_score) and verdict.is_spam
    expected = [f.text.replace(ad, evasive) for f in plain.findings]
    assert [f.text for f in verdict.findings] == expected


@pytest.mark.parametrize("mark", OTHER_MARKS)
def test_the_shipped_model_blocks_the_ad_under_marks_of_other_scripts(
    default: Detector, mark: str
) -> None:
    """A mark of another script on every character kept each one apart (0.0);
    after a Chinese character it now goes, as U+0300..U+036F always did.  Read
    as the plain ad is, and lifted for being written apart."""
    evasive = "".join(ch + mark for ch in SEED)
    verdict = default.scan(NEWS.format(evasive))
    plain = default.scan(NEWS.format(SEED)).score
    assert verdict.score == pytest.approx(_written_apart(default, plain)) and verdict.is_spam
    assert [f.text for f in verdict.findings] == [evasive]


# Separators that space out four Chinese characters (three times), none a
# numeral, no two alike: punctuation and symbols, bars, fillers.
SHORT_SEPARATORS = ['"', "丨", "丶", "→", "▲", "‼", "々", "ー", "™", "\u2028", "\u3007"]


@pytest.mark.parametrize("separator", BLANKS + SHORT_SEPARATORS)
def test_a_short_ad_spread_out_is_blocked(default: Detector, separator: str) -> None:
    """Four characters spread out are blocked like the plain ones (配资股票
    0.968), the span the same.  Before, they were 0.0: a blank reads as a space
    wherever it is (\\x0b, \\x0c and \\x85 were characters of their own), and
    other separators spaced out a stretch only four times in a row."""
    ad = "配资股票"
    plain = default.scan(NEWS.format(ad))
    assert plain.is_spam
    evasive = spread(ad, separator)
    verdict = default.scan(NEWS.format(evasive))
    assert verdict.score == plain.score and verdict.is_spam
    # The same span as the plain ad's (which takes 服务 before it).
    expected = [f.text.replace(ad, evasive) for f in plain.findings]
    assert [f.text for f in verdict.findings] == expected


LINKS = ["www.xyz888.com", "xyz888.com/abc", "https://www.abc123.com/x", "www.163.com"]


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("stop", ["\u3002", "\uff61"])  # ideographic full stop, half-width
def test_a_link_written_with_ideographic_full_stops_is_a_link(
    default: Detector, link: str, stop: str
) -> None:
    """Same findings, at the same offsets, as the link written with dots: one
    character for one.  Before, each full stop ended a sentence (www。xyz888。com
    in a sentence was 0.0)."""
    for template in ["访问{}注册就送", "强化服务{},推动循环。", "{}"]:
        plain = default.scan(template.format(link))
        evasive = template.format(link.replace(".", stop))
        verdict = default.scan(evasive)
        assert [(f.start, f.end, f.category) for f in verdict.findings] == [
            (f.start, f.end, f.category) for f in plain.findings
        ]
        assert verdict.score == plain.score and verdict.is_spam == plain.is_spam
        assert all(evasive[f.start : f.end] == f.text for f in verdict.findings)

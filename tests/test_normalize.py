from __future__ import annotations

import pytest

from detector.core import Detector
from detector.normalize import normalize, spaced_out

SEED = "杨方线上配资股票"


def original_span(text: str, needle_in_norm: str) -> str:
    norm = normalize(text)
    start = norm.text.index(needle_in_norm)
    s, e = norm.to_original(start, start + len(needle_in_norm))
    return text[s:e]


def test_plain_chinese_is_unchanged_and_maps_one_to_one() -> None:
    text = "强化金融精准有效服务，深化产融合作。"
    norm = normalize(text)
    assert norm.text == "强化金融精准有效服务,深化产融合作。"
    assert list(norm.src) == list(range(len(text)))


@pytest.mark.parametrize(
    "evasive",
    [
        "杨\u200b方\u200b线\u200b上\u200b配\u200b资\u200b股\u200b票",
        "杨 方 线 上 配 资 股 票",
        "杨·方·线·上·配·资·股·票",
        "杨.方.线.上.配.资.股.票",
        "楊方線上配資股票",
        "杨\ufeff方线上\u00ad配资股票",
    ],
)
def test_evasions_normalize_to_the_phrase_and_map_back_to_the_evasive_text(evasive: str) -> None:
    text = f"强化金融精准有效服务{evasive},深化产融合作"
    assert SEED in normalize(text).text
    assert original_span(text, SEED) == evasive


def test_full_width_letters_digits_and_case_fold() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "WWW.ABC888.COM")
    text = f"访问{full_width}注册"
    norm = normalize(text)
    assert "www.abc888.com" in norm.text
    assert original_span(text, "abc888") == full_width[4:10]


def test_circled_digits_and_letters_are_mapped() -> None:
    text = "加微信①②③ⓐⓑ"
    assert normalize(text).text == "加微信123ab"


def test_expansion_maps_every_output_character_to_its_source() -> None:
    text = "增长……明显"
    norm = normalize(text)
    assert norm.text == "增长......明显"
    s, e = norm.to_original(norm.text.index("明"), len(norm.text))
    assert text[s:e] == "明显"


def test_spaces_between_latin_words_are_kept_and_spaces_beside_cjk_dropped() -> None:
    norm = normalize("hello world 中国 2013 年\n 中")
    assert norm.text == "hello world中国2013年\n 中"
    assert norm.to_original(norm.text.index("2013"), norm.text.index("年") + 1) == (15, 21)


def test_empty_span_is_rejected() -> None:
    with pytest.raises(ValueError):
        normalize("abc").to_original(1, 1)


FAMILY = "👨\u200d👩\u200d👧"  # one emoji: three joined by zero-width joiners


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Any punctuation or symbol between every character of a stretch.
        ('杨"方"线"上"配', "杨方线上配"),
        ("杨\u4e28方\u4e28线\u4e28上\u4e28配", "杨方线上配"),
        ("杨→方→线→上→配", "杨方线上配"),
        # Pictographs and blanks taking turns.
        ("杨🔥方💰线 上★配", "杨方线上配"),
        # Symbols and dashes taking turns, the wave dash 〜 among them.
        ("杨〜方_线^上=配+资#股〜票", "杨方线上配资股票"),
        ("w🔥x💰8✨8👉8", "wx888"),
        # A separator of several pictographs (skin tone, a ZWJ family, two of
        # them) around spaced-out punctuation: the punctuation stays, they go.
        ("w👉🏻w👉🏻w👉🏻.👉🏻x👉🏻y👉🏻z👉🏻8👉🏻.👉🏻c👉🏻o👉🏻m", "www.xyz8.com"),
        ("w🔥💰w🔥💰w🔥💰.🔥💰x🔥💰y🔥💰z🔥💰.🔥💰c🔥💰o🔥💰m", "www.xyz.com"),
        (FAMILY.join("138-12"), "138-12"),
        ("金👉🏻沙👉🏻娱👉🏻乐👉🏻(👉🏻中👉🏻国👉🏻)👉🏻官👉🏻网", "金沙娱乐(中国)官网"),
        # One pictograph between CJK characters or lone letters and digits.
        ("杨方🔥线上", "杨方线上"),
        ("加微信w⭐x", "加微信wx"),
        # Character references.
        ("&nbsp;杨&nbsp;方", " 杨方"),
        ("加&#x5fae;&#20449;", "加微信"),
        ("&amp;lt;&AMP;gt;&#38;amp;", "<>&"),
        ("\uff06nbsp;中", " 中"),
        # Repetitions: five doubled or four tripled CJK characters.
        ("杨杨方方线线上上配配", "杨方线上配"),
        ("配配配资资资股股股票票票", "配资股票"),
        # Nine or more digits with at least two Chinese numerals.
        ("电话一三八一二三四五六七八", "电话13812345678"),
        ("壹叁捌壹贰叁肆伍陆柒捌", "13812345678"),
        ("138\u3007\u300712345", "138" + "00" + "12345"),
        ("幺三八一二三4567", "138123" + "4567"),
        # Lookalike letters and other scripts' digits.
        ("w\u0445888", "wx888"),
        ("\u051a\u051a:12345", "qq:12345"),
        ("\u1d21\u1d21\u1d21.\u1d00\u0299\u1d04.com", "www.abc.com"),
        ("\u0661\u0663\u0668", "138"),
        # A character that is no separator once folded, between every character.
        ("杨‼\ufe0f方‼\ufe0f线‼\ufe0f上‼\ufe0f配", "杨方线上配"),
        ("杨™方™线™上™配", "杨方线上配"),
        ("w\u309cx\u309c8\u309c8\u309c8", "wx888"),
        ("杨\u3007方\u3007线\u3007上\u3007配", "杨方线上配"),
        ("杨々方々线々上々配", "杨方线上配"),
        ("杨ー方ー线ー上ー配", "杨方线上配"),
        ("杨ｰ方ｰ线ｰ上ｰ配", "杨方线上配"),
        ("杨ﾞ方ﾞ线ﾞ上ﾞ配", "杨方线上配"),
        ("杨\u2028方\u2028线\u2028上\u2028配", "杨方线上配"),
        ("杨\u2028方 线\u2029上\x0b配", "杨方线上配"),  # taking turns with blanks
        ("杨 \u2028 方 \u2028 线 \u2028 上 \u2028 配", "杨方线上配"),
        # Three times between four Chinese characters, none a numeral, no two alike.
        ("配丨资丨股丨票", "配资股票"),
        ("配‼资‼股‼票", "配资股票"),
        # Any separators but brackets and quotes taking turns between them.
        ('配"资→股§票', "配资股票"),
        ("配↓资 股↓票 平↓台", "配资股票平台"),
        ('服务配"资"股"票,推动', "服务配资股票,推动"),
        # Clause punctuation between every character of six or more.
        ("配，资，股，票，平，台", "配资股票平台"),
        ("配!资!股!票!平!台", "配资股票平台"),
        ("快来：配：资：股：票：平：台", "快来配资股票平台"),
        ("配，资；股！票？平，台", "配资股票平台"),  # taking turns
        ("配,资:股;票!平?台", "配资股票平台"),
        # A letter or digit, the same, between every character of six or more.
        ("杨x方x线x上x配x资", "杨方线上配资"),
        ("杨X方x线X上x配X资", "杨方线上配资"),
        ("杨7方7线7上7配7资7股", "杨方线上配资股"),
        # Ideographic full stops in a host.
        ("www。xyz。com", "www.xyz.com"),
        ("访问xyz888。com/abc", "访问xyz888.com/abc"),
        ("abc@qq。com", "abc@qq.com"),
        ("访问abc。top注册", "访问abc.top注册"),
        ("ABC。COM", "abc.com"),
        ("www。NBA。Top", "www.nba.top"),
        ("https://a-b。xyz。cn/", "https://a-b.xyz.cn/"),
        ("www\uff61163\uff61com", "www.163.com"),
        ("\uff57\uff57\uff57。\uff38\uff39\uff3a。com", "www.xyz.com"),  # full-width
    ],
)
def test_evasions_that_fold(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        # Lists of one-character names, clause punctuation between characters.
        "英、法、德、俄、美五国",
        "金,铜,锂,钒,锌",
        "比例为1:2:3:4:5",
        # Arrows carry meaning where they stand alone.
        "评级由3→5上调",
        "北京→上海",
        # Greek letters in science and product names; one Cyrillic letter.
        "\u03b177相机",
        "\u03b2弹性",
        "\u03b3射线",
        "浓度35\u03bcg/m3",
        "两架\u0432-52",
        # Doubled words, fewer than five in a row; years, and two of them.
        "家家户户实实在在",
        "哈哈哈哈",
        "二\u3007二四年",
        "一九二五一九四九年",
        "一二三四五六七八",
        # Degrees; an ampersand that starts no reference; line breaks.
        "气温5°c以上",
        "AT&T和S&P",
        "杨\n方\n线\n上\n配",
        # The ideographic zero in numbers, 々 in a name, line and paragraph
        # separators in prose.
        "二\u3007二五年",
        "从二\u3007二\u3007年到二\u3007三五年",
        "一\u3007一",
        "第一\u3007一\u3007一\u3007一次",
        "佐々木",
        # Marks on the letters of their own scripts: Thai, Hindi, Arabic, kana.
        "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a",
        "\u0928\u092e\u0938\u094d\u0924\u0947",
        "\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
        "\u304b\u3099\u30cf\u309a",
        # Separators between three characters, between numerals or characters
        # alike, or that begin and end differently (the SMS corpus, a list).
        "龙@唬@斗",
        '一个""踩""与赞',
        "一丨二丨三丨四",
        "《易》《书》《诗》《礼》",
        "由“黑”变“绿”再到“金”",
        "夏(冬)令营【新】【旧】【老】",
        # Korean, emoji reactions, a date template.
        "서울시는 오늘 새 정책을 발표했다",
        "太好了😀",
        "太好了😀😀😀",
        "X月X日",
        # Kana marks after kana: Japanese words (Go! four times; a name).
        "ゴーゴーゴーゴー",
        "あゝいゝうゝえゝお",
        "仮面ライダー",
        "第一段\u2028第二段\u2029第三段",
        # Lists of one-character names with 、 however long, with a comma or
        # semicolon up to five; dialogue that repeats itself or is short.
        "金、木、水、火、土、日、月",
        "英、法、德、俄、美、日、韩、澳",
        "金;铜;锂;钒;锌",
        "好!好!好!好!好!好!",
        "金,铜;锂,钒;锌",  # turns between five
        # Letters and digits between fewer characters, or also before the first
        # (templates and masked digits).
        "X月X日X时X分",
        "于x月x至x月x全场",
        "X年X月X日X时X分X秒",
        # A digit or letter before a unit of date or time is a number or its mask,
        # not a mark spacing a stretch out, wherever the stretch starts.
        "今天1月1日1时1分1秒",
        "2020年1月1日1时1分1秒",
        "今天X月X日X时X分X秒",
        "您于x月x日x时x分x秒在",
        "“走!快!跑!”",
        "对!对!对!就是这样!",
        # A full stop after a word, before another that is no top-level domain.
        "我用python。java也行",
        "评级为a。b级",
        "1。2。3",
        # An English sentence starting after 。 with a word that is also a
        # top-level domain: a capitalized word, no www or scheme.
        "他加盟了NBA。Top级别的球队",
        "苹果宣布Apple。Store店员加薪",
        "记者Li。Wang报道",
        "展会在HK。Asia规模最大",
        "数据来源:Wind。Info显示",
    ],
)
def test_news_that_stays(text: str) -> None:
    assert normalize(text).text == text.lower()
    assert normalize(text).src.tolist() == list(range(len(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NFKC folds them, as before: not between every character.
        ("太好了‼真的‼", "太好了!!真的!!"),
        ("哈‼哈‼哈‼哈", "哈!!哈!!哈!!哈"),  # characters alike: laughter
        ("什么⁉", "什么!?"),
        ("品牌™商标", "品牌tm商标"),
        ("气温5℃，8℃，9℃，1℃", "气温5°c,8°c,9°c,1°c"),
        ("金，铜，锂，钒，锌", "金,铜,锂,钒,锌"),
        ("“好！好！好！好！好！好！”", "“好!好!好!好!好!好!”"),
        ("一\u3007一\u3007一\u3007一\u3007一", "101010101"),  # spelled-out digits
    ],
)
def test_news_that_folds_as_before(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    ("evasive", "first_two"),
    [
        ("&#x6768;方线上配资股&#31080;", "&#x6768;方"),
        ("杨杨方方线线上上配配资资股股票票", "杨杨方方"),
        ("杨杨杨方方方线线线上上上配配配资资资股股股票票票", "杨杨杨方方方"),
        ("杨&#x6768;方方线线上上配配资资股股票&#31080;", "杨&#x6768;方方"),
    ],
)
def test_a_character_standing_for_several_maps_back_to_all_of_them(
    evasive: str, first_two: str
) -> None:
    text = f"强化服务{evasive},推动循环"
    assert original_span(text, SEED) == evasive
    assert original_span(text, SEED[:2]) == first_two


def test_shipped_punctuation_and_symbol_table_matches_unicodedata() -> None:
    """The spaced-out rule's separators come from a table shipped in
    ``_chardata`` (computing it took ~50 ms at every start); it is Unicode 14's."""
    import unicodedata

    from detector._chardata import PAIRED_PUNCTUATION_RANGES, PUNCTUATION_SYMBOL_RANGES

    flat = [code for pair in PUNCTUATION_SYMBOL_RANGES for code in pair]
    assert flat == sorted(flat) and all(b >= a for a, b in PUNCTUATION_SYMBOL_RANGES)
    inside = {code for a, b in PUNCTUATION_SYMBOL_RANGES for code in range(a, b + 1)}
    assert {ord(c) for c in '"→🔥★、，'} <= inside and not {ord(c) for c in "丨a1中"} & inside
    if unicodedata.unidata_version == "14.0.0":  # the version the table was built with
        expected = {c for c in range(0x20000) if unicodedata.category(chr(c))[0] in "PS"}
        assert inside == expected
    # Brackets and quotes, which never space out Chinese characters taking turns.
    paired = {code for a, b in PAIRED_PUNCTUATION_RANGES for code in range(a, b + 1)}
    assert {ord(c) for c in "“”‘’《》（）【】「」()[]{}"} <= paired <= inside
    assert not {ord(c) for c in "\"'→§丨"} & paired
    if unicodedata.unidata_version == "14.0.0":
        kinds = ("Ps", "Pe", "Pi", "Pf")
        assert paired == {c for c in range(0x20000) if unicodedata.category(chr(c)) in kinds}


def test_data_runs_are_dropped_and_shorter_tokens_kept() -> None:
    """A base64 blob (an inline image) read as text looked like one long handle:
    a news article carrying 40 KB of it was blocked whole as "contact"."""
    import base64

    blob = base64.b64encode(bytes(range(256)) * 2).decode()  # 684 characters, + / =
    news = "国家统计局今天发布数据。"
    norm = normalize(news + blob + news)
    assert norm.text == news + news
    assert [int(i) for i in norm.src[len(news) : len(news) + 2]] == [
        len(news) + len(blob),
        len(news) + len(blob) + 1,
    ]
    token = "a1" * 127  # 254 characters: a long handle or hash stays text
    assert normalize(news + token).text == news + token
    link = "https://example.com/" + "a" * 300  # punctuation breaks the run
    assert normalize(link).text.startswith("https://example.com/")


def test_an_article_carrying_a_data_blob_is_judged_by_its_words(
    tiny_detector: Detector,
) -> None:
    import base64

    blob = base64.b64encode(bytes(range(256)) * 40).decode()
    news = "农业农村部部署秋粮收获工作。\n"
    assert tiny_detector.scan(news + blob + "\n" + news).findings == ()
    ad = "科研团队在量子通信领域取得突破加微信abc12345领取福利。"
    (finding,) = tiny_detector.scan(news + blob + "\n" + ad).findings
    assert finding.text == "加微信abc12345领取福利"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Any separator normalization drops, between every character of seven or
        # more: the stretch, across its own punctuation, and nothing beside it.
        ("今天转·发·本·文·领·取·神·器，好", "转发本文领取神器"),
        ("柳 州 江 北 养 生 馆", "柳州江北养生馆"),
        ("仅\u200b剩\u200b7\u200b个\u200b名\u200b额\u200b，\u200b独\u200b家", "仅剩7个名额,独家"),
        ("w|w|w|.|h|o|t|4|4|.|n|e|t 见", "www.hot44.net"),
        ("看金·沙·体·育·(·中·国·)·官·方·网·站｜央视快讯", "金沙体育(中国)官方网站"),
        ("杨🔥方💰线✨上🔥配💰资✨股🔥票", "杨方线上配资股票"),  # separators taking turns
        ("见 转 发 本 文 领 取 神 器", "见转发本文领取神器"),  # spaces throughout: one stretch
        # Six characters apart are no stretch (news has some: `年 6 月 1 日`, a
        # comment spelling out an insult); nor characters a reference or a
        # doubling stands for, nor full-width or traditional ones.
        ("转·发·本·文·领·取神器", ""),
        ("2018年 6 月 1 日，", ""),
        ("杨杨方方线线上上配配资资股股票票", ""),
        ("&#x5fae;&#x4fe1;&#x5fae;&#x4fe1;&#x5fae;&#x4fe1;&#x5fae;&#x4fe1;", ""),
        ("楊方線上配資股票ＡＢＣ１２３", ""),
    ],
)
def test_spaced_out_marks_stretches_written_with_every_character_apart(
    text: str, expected: str
) -> None:
    norm = normalize(text)
    member = spaced_out(norm, text, 7)
    assert len(member) == len(norm.text)
    assert "".join(ch for ch, m in zip(norm.text, member, strict=True) if m) == expected

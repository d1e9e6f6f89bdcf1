"""Property-based tests: invariants of normalize, split_clauses and scan over
arbitrary Unicode and over hand-written articles with randomly evaded injections."""

from __future__ import annotations

import itertools
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector import Detector, Verdict, cutout
from detector.core import _Span
from detector.normalize import normalize
from detector.results import Finding
from detector.segment import MAX_CLAUSE_CHARS, split_clauses

# DETECTOR_EXAMPLES=5000 pytest tests/test_properties.py for a long hunt.
SETTINGS = settings(
    max_examples=int(os.environ.get("DETECTOR_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Any code point but surrogates: control characters, combining marks, private use,
# unassigned, astral planes.
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
# Characters the normalizer treats specially, to hit its corner cases often.
TRICKY = st.sampled_from(
    [
        *"杨方线上配资股票楊線資加微信abcABC123①⑴⒈❶ⓐ⒜🅐㈠，。,.!?;\n\r\t -·*|_~/—・•",
        *["\uff41", "\uff22", "\uff11", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u3000"],
        *["\u00a0", "\u0336", "\u20e3", "\x00", "\x07", "\x85", "\u2028", "\U000e0041"],
        *["\ufe0f", "\U0001f600", "\ufffd", "\u3307", "\u247d", "\ufdfa", "\u2474"],
    ]
)
TEXT = st.text(st.one_of(ANY_CHAR, TRICKY), max_size=300)

# Hand-written news sentences and ad phrases (no punctuation inside the ads).
SENTENCES = [
    "市政府召开新闻发布会介绍今年前三季度经济运行情况",
    "新建的城市公园向市民免费开放",
    "研究人员发现一种新的水稻品种抗旱能力更强",
    "地铁三号线延伸段预计年底通车",
    "社区志愿者为独居老人上门送餐",
    "省气象台预计本周末将迎来大范围降温",
    "监管部门提醒投资者警惕场外配资风险",
    "图书馆延长周末开放时间方便读者借阅",
]
ADS = [
    ("杨方线上配资股票", "楊方線上配資股票"),
    ("正规实盘配资官网", "正規實盤配資官網"),
    ("加微信abc12345领取福利", "加微信abc12345領取福利"),
    ("银河娱乐app下载登录入口", "銀河娛樂app下載登錄入口"),
    ("无抵押贷款当天放款", "無抵押貸款當天放款"),
]
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"]
SEPARATORS = [" ", "\u3000", "\u00a0", "\t", "·", "*", "|", "_", " * ", "•"]
ENCLOSED_DIGITS = ["①", "⑴", "⒈", "❶", "➀"]
ENCLOSED_LETTERS = ["ⓐ", "⒜", "Ⓐ", "🅐", "🅰"]


def check_verdict(text: str, verdict: Verdict, classes: Sequence[str]) -> None:
    assert 0.0 <= verdict.score <= 1.0
    previous_end = 0
    for finding in verdict.findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        assert finding.start >= previous_end, "findings overlap or are out of order"
        previous_end = finding.end
        assert 0.0 <= finding.score <= 1.0
        assert finding.category in classes and finding.category != "clean"
    assert verdict.score == max((f.score for f in verdict.findings), default=0.0)


def remove_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Cut spans out of ``text`` right to left.
    TODO: point this property at detector.clean.remove_spans once it lands."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


# -- normalize and split_clauses over arbitrary text ------------------------------


@SETTINGS
@given(TEXT)
def test_normalize_map_is_non_decreasing_and_in_bounds(text: str) -> None:
    norm = normalize(text)
    assert len(norm.src) == len(norm.text)
    assert norm.original_length == len(text)
    src = [int(i) for i in norm.src]
    assert all(0 <= i < len(text) for i in src)
    assert src == sorted(src)
    if norm.text:
        s, e = norm.to_original(0, len(norm.text))
        assert 0 <= s < e <= len(text)


@SETTINGS
@given(TEXT)
def test_normalize_is_idempotent_on_its_own_output(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@SETTINGS
@given(TEXT)
def test_clauses_are_ordered_disjoint_trimmed_and_bounded(text: str) -> None:
    end = 0
    for clause in split_clauses(text):
        assert end <= clause.start < clause.end <= len(text)
        assert clause.end - clause.start <= MAX_CLAUSE_CHARS
        assert not text[clause.start].isspace()
        end = clause.end


# -- scan over arbitrary text --------------------------------------------------------


@SETTINGS
@given(TEXT)
def test_scan_never_raises_and_findings_slice_the_text(tiny_detector: Detector, text: str) -> None:
    verdict = tiny_detector.scan(text)
    check_verdict(text, verdict, tiny_detector.model.classes)
    assert tiny_detector.scan(text) == verdict  # deterministic


@SETTINGS
@given(
    st.text(st.sampled_from(["\u3307", "\u247d", "\ufdfa", "a", "杨", "\u200b", " "]), max_size=40),
    st.data(),
)
def test_spans_cut_inside_an_expanded_character_never_overlap(
    text: str, data: st.DataObject
) -> None:
    """NFKC turns one character into several ("㌇" → five katakana); spans that
    split such a run map to the same original character and must be joined."""
    norm = normalize(text)
    if len(norm.text) < 2:
        return
    cuts = sorted(data.draw(st.sets(st.integers(1, len(norm.text) - 1), max_size=6)))
    bounds = [0, *cuts, len(norm.text)]
    spans = [_Span(a, b, 0.9, "promotion") for a, b in itertools.pairwise(bounds)]
    findings = Detector._to_findings(text, norm, 0, spans)
    end = 0
    for finding in findings:
        assert end <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        end = finding.end


# -- articles with randomly evaded injections ------------------------------------------


@st.composite
def evaded(draw: st.DrawFn, phrase: str, traditional: str) -> str:
    """``phrase`` in one or more evasive spellings that all normalize back to it."""
    text = traditional if draw(st.booleans()) else phrase
    style = draw(st.sampled_from(["plain", "spread", "full-width", "enclosed"]))
    if style == "spread":
        text = draw(st.sampled_from(SEPARATORS)).join(text)
    elif style == "full-width":
        text = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
        if draw(st.booleans()):
            text = text.upper()
    elif style == "enclosed":
        digits = draw(st.sampled_from(ENCLOSED_DIGITS))
        letters = draw(st.sampled_from(ENCLOSED_LETTERS))
        text = "".join(
            chr(ord(digits) + int(c) - 1) if c in "123456789"
            else chr(ord(letters) + ord(c) - ord("a")) if "a" <= c <= "z"
            else c
            for c in text
        )  # fmt: skip
    if draw(st.booleans()):  # sprinkle invisible characters inside the phrase
        chars = [text[0]]
        for ch in text[1:]:
            if draw(st.integers(0, 3)) == 0:
                chars.append(draw(st.sampled_from(INVISIBLES)))
            chars.append(ch)
        text = "".join(chars)
    return text


@st.composite
def injected_articles(draw: st.DrawFn) -> tuple[str, str, int, int]:
    """(article, ad phrase, start, end) with the evaded ad spliced in mid-sentence."""
    sentences = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))
    phrase, traditional = draw(st.sampled_from(ADS))
    ad = draw(evaded(phrase, traditional))
    host = draw(st.integers(0, len(sentences) - 1))
    cut = draw(st.integers(1, len(sentences[host]) - 1))
    before = "".join(s + "。" for s in sentences[:host]) + sentences[host][:cut]
    after = sentences[host][cut:] + "。" + "".join(s + "。" for s in sentences[host + 1 :])
    return before + ad + after, phrase, len(before), len(before) + len(ad)


@SETTINGS
@given(injected_articles())
def test_evaded_injection_normalizes_to_the_phrase_and_maps_back(
    case: tuple[str, str, int, int],
) -> None:
    article, phrase, start, end = case
    norm = normalize(article)
    plain = normalize(phrase).text
    assert plain in norm.text
    at = norm.text.index(plain)
    assert norm.to_original(at, at + len(plain)) == (start, end)


@SETTINGS
@given(injected_articles())
def test_scan_on_injected_articles(
    tiny_detector: Detector, case: tuple[str, str, int, int]
) -> None:
    article = case[0]
    verdict = tiny_detector.scan(article)
    check_verdict(article, verdict, tiny_detector.model.classes)


@SETTINGS
@given(injected_articles())
def test_removing_flagged_spans_removes_only_them(
    tiny_detector: Detector, case: tuple[str, str, int, int]
) -> None:
    article = case[0]
    spans = [(f.start, f.end) for f in tiny_detector.scan(article).findings]
    cleaned = remove_spans(article, spans)
    kept = []
    position = 0
    for start, end in spans:
        kept.append(article[position:start])
        position = end
    kept.append(article[position:])
    assert cleaned == "".join(kept)
    assert len(cleaned) == len(article) - sum(e - s for s, e in spans)


@pytest.mark.parametrize("seed_text", ["", " ", "。", "\u200b" * 50, "杨" * 1000])
def test_degenerate_texts(tiny_detector: Detector, seed_text: str) -> None:
    check_verdict(seed_text, tiny_detector.scan(seed_text), tiny_detector.model.classes)


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive ``positions`` (ascending) as spans."""
    runs: list[list[int]] = []
    for i in positions:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [(run[0], run[-1] + 1) for run in runs]


def _plain_trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and unicodedata.category(text[start])[0] in "PZC":
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in "PZC":
        end -= 1
    return start, end


def _reference_cut_out(
    findings: Sequence[Finding],
    text: str,
    cuts: Sequence[tuple[int, int]],
    judged: list[Finding],
    unweighed: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """cut_out as first written: every finding against every cut character by
    character, every piece against every finding of the second scan; with
    ``unweighed`` spans kept in the pieces but not where a piece is judged."""
    cut = {i for start, end in cuts for i in range(start, end)}
    quiet = {i for start, end in unweighed for i in range(start, end)}
    out = []
    for f in findings:
        if not any(i in cut or i in quiet for i in range(f.start, f.end)):
            out.append(f)
            continue
        for piece in _runs([i for i in range(f.start, f.end) if i not in cut]):
            start, end = _plain_trim(text, *piece)
            probes = [
                _plain_trim(text, *run)
                for run in _runs([i for i in range(start, end) if i not in quiet])
            ]
            over = [g for a, b in probes if a < b for g in judged if g.start < b and a < g.end]
            if over and end - start >= 2:
                top = max(over, key=lambda g: g.score)
                out.append(Finding(start, end, text[start:end], top.score, top.category))
    return out


def _spans(size: int, most: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Up to ``most`` spans of ``[0, size)``, any order, overlapping or not."""
    bound = st.integers(0, size)
    return st.lists(st.tuples(bound, bound), max_size=most).map(
        lambda pairs: [(min(a, b), max(a, b)) for a, b in pairs if a != b]
    )


@SETTINGS
@given(st.data())
def test_cut_out_and_masked_match_the_plain_reading(data: st.DataObject) -> None:
    """Bisection over merged cuts (cutout.cut_out, cutout.masked) gives what
    cutting character by character gives, for cuts and unweighed spans in any
    order that overlap, touch or repeat, each other too."""
    text = data.draw(st.text(st.sampled_from("金沙娱乐配资，。 .w"), min_size=1, max_size=60))
    cuts = data.draw(_spans(len(text), 6))
    unweighed = data.draw(_spans(len(text), 3))

    # Findings of a scan are disjoint and in order; so are the second scan's.
    def disjoint(spans: list[tuple[int, int]]) -> list[Finding]:
        out: list[Finding] = []
        for start, end in sorted(spans):
            if not out or start >= out[-1].end:
                score = data.draw(st.floats(0, 1))
                out.append(Finding(start, end, text[start:end], score, "gambling"))
        return out

    findings = disjoint(data.draw(_spans(len(text), 6)))
    kept, origin = cutout.masked(text, [*cuts, *unweighed])
    cut = {i for start, end in [*cuts, *unweighed] for i in range(start, end)}
    assert origin == [i for i in range(len(text)) if i not in cut]
    assert kept == "".join(text[i] for i in origin)
    second = disjoint(data.draw(_spans(len(kept), 4)))
    judged = [
        Finding(origin[g.start], origin[g.end - 1] + 1, "", g.score, g.category) for g in second
    ]
    judged = [replace(g, text=text[g.start : g.end]) for g in judged]
    got = cutout.cut_out(
        findings, text, cuts, lambda masked: second if masked == kept else [], unweighed
    )
    assert got == _reference_cut_out(findings, text, cuts, judged, unweighed)

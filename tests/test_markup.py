"""The text of HTML fragments in item fields, and the way back to the markup."""

from __future__ import annotations

import time

import pytest

from detector.clean import remove_spans
from detector.markup import looks_like_html, markup_text
from detector.results import Finding, Verdict


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<p>新闻</p>", True),
        ("新闻<br/>更多", True),
        ('<a href="http://x.cn">链接</a>', True),
        ("正文<!-- 广告位 -->", True),
        ("<DIV CLASS=x>新闻</DIV>", True),
        ("股价<5元，涨幅>3%", False),
        ("《人民日报》<人民日报>", False),
        ("a <= b, <c-d>", False),
        ("纯文本", False),
    ],
)
def test_looks_like_html(value: str, expected: bool) -> None:
    assert looks_like_html(value) is expected


def test_text_is_what_a_reader_sees() -> None:
    source = (
        "<!doctype html><div><p class='a>b'>第一段&nbsp;A&amp;B&#x4E2D;&#22269;&bogus;</p>"
        "<!-- 注释 --><script>var ad = '<p>广告</p>';</script><style>p{}</style>"
        "<p>第二<b>段</b><br>第三行 x<5</p></div>"
    )
    markup = markup_text(source)
    assert markup.text == "第一段\xa0A&B中国&bogus;\n第二段\n第三行 x<5\n"
    assert len(markup.starts) == len(markup.ends) == len(markup.text)
    for i, char in enumerate(markup.text):
        piece = source[markup.starts[i] : markup.ends[i]]
        if piece:  # an added line break comes from no source character
            assert piece == char or piece.startswith("&")
        else:
            assert char == "\n"


def test_findings_go_back_onto_the_markup_without_tags() -> None:
    source = '<p>新闻<a href="http://ad.cn">杨方<b>线上</b>配资</a>&amp;更多</p>'
    markup = markup_text(source)
    start = markup.text.index("杨方")
    finding = Finding(start, start + 7, "杨方线上配资&", 0.9, "stock-margin")
    verdict, cut = markup.to_source(Verdict(True, 0.9, (finding,)), 0.8)
    [moved] = verdict.findings
    assert moved.text == source[moved.start : moved.end] == "杨方<b>线上</b>配资</a>&amp;"
    assert (moved.score, moved.category, verdict.is_spam) == (0.9, "stock-margin", True)
    assert remove_spans(source, cut) == '<p>新闻<a href="http://ad.cn"><b></b></a>更多</p>'


def test_a_finding_of_added_line_breaks_only_is_dropped() -> None:
    markup = markup_text("<p>新闻</p><p>更多</p>")
    assert markup.text == "新闻\n更多\n"
    kept = Finding(0, 2, "新闻", 0.5, "loan")
    newline = 2
    verdict = Verdict(True, 0.9, (kept, Finding(newline, newline + 1, "\n", 0.9, "loan")))
    moved, cut = markup.to_source(verdict, 0.8)
    assert [f.text for f in moved.findings] == ["新闻"]
    assert (moved.score, moved.is_spam) == (0.5, False)
    assert cut == [(3, 5)]


@pytest.mark.parametrize(
    "source",
    ["<a" * 50_000, "<!--" * 50_000, "<script>" * 30_000, '<a "' * 40_000, "&#" * 80_000],
)
def test_hostile_markup_stays_linear(source: str) -> None:
    began = time.perf_counter()
    markup = markup_text(source)
    assert time.perf_counter() - began < 5.0
    assert len(markup.text) == len(markup.starts)

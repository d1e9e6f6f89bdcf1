"""HTML input: visible and hidden text, offsets, source positions, deep nesting."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.cli import main
from detector.html import extract, is_hidden_style
from detector.inputs import Document, iter_documents
from detector.markup import markup_text

PAGE = """<!DOCTYPE html>
<html><head><title>秋粮收获</title><style>.x{color:red}</style>
<script>var ad = "杨方线上配资股票";</script></head>
<body>
<p>会议强调要深化产融合作。</p>
<p>强化服务杨方线上配资股票,推动循环。</p>
<div style="display: none">王磊在线配资平台</div>
</body></html>
"""


def test_visible_text_in_document_order_without_script_and_style() -> None:
    page = extract(PAGE)
    lines = [line for line in page.text.split("\n") if line]
    assert lines == [
        "秋粮收获",
        "会议强调要深化产融合作。",
        "强化服务杨方线上配资股票,推动循环。",
        "王磊在线配资平台",
    ]
    assert "var ad" not in page.text and "color" not in page.text


def test_hidden_ranges_slice_the_extracted_text() -> None:
    page = extract(PAGE)
    assert [page.text[s:e] for s, e in page.hidden] == ["王磊在线配资平台"]


@pytest.mark.parametrize(
    "attributes",
    [
        'style="display:none"',
        'style="DISPLAY: NONE !important"',
        'style="visibility:hidden"',
        'style="font-size:0"',
        'style="font-size: 0px"',
        'style="position:absolute; left:-9999px"',
        'style="text-indent:-10000px"',
        'style="opacity:0"',
        "hidden",
    ],
)
def test_hiding_styles(attributes: str) -> None:
    page = extract(f"<p>正文。</p><span {attributes}><b>隐藏</b>文字</span><p>结尾</p>")
    assert [page.text[s:e] for s, e in page.hidden] == ["隐藏文字"]


@pytest.mark.parametrize(
    "style", ["display:block", "font-size:12px", "left:10px", "color:red", "margin-left:-5px"]
)
def test_visible_styles(style: str) -> None:
    assert not is_hidden_style(style)


def test_entities_are_decoded_and_offsets_map_to_source() -> None:
    source = "<p>甲&amp;乙</p>\n<p>强化服务杨方线上配资股票</p>"
    page = extract(source)
    start = page.text.index("杨方")
    offset = page.source_offset(start)
    assert source[offset : offset + 2] == "杨方"
    assert "甲&乙" in page.text


def test_hundred_thousand_nested_divs_do_not_crash_or_lose_text() -> None:
    depth = 100_000
    source = "<div>" * depth + "强化服务杨方线上配资股票" + "</div>" * depth
    started = time.monotonic()
    page = extract(source)
    assert page.text.strip() == "强化服务杨方线上配资股票"
    assert time.monotonic() - started < 10


def test_unclosed_and_broken_markup_is_tolerated() -> None:
    page = extract("<div><p>会议<span style='display:none'>隐藏<p>下一段</div></i></b><<>")
    assert "会议" in page.text and "下一段" in page.text


def test_html_files_are_read_by_suffix(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(PAGE, encoding="utf-8")
    (doc,) = list(iter_documents([str(path)]))
    assert isinstance(doc, Document) and doc.html is not None
    assert doc.fields[None] == doc.html.text


def scan_json(model: Path, path: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(
        main, ["scan", "--model", str(model), "--format", "jsonl", str(path)]
    )
    return result.exit_code, json.loads(result.stdout)


def test_cli_reports_model_and_hidden_text_findings(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    code, record = scan_json(tiny_model_dir, path)
    assert code == 1
    text = extract(PAGE).text
    findings = record["findings"]
    assert isinstance(findings, list)
    for finding in findings:
        assert text[finding["start"] : finding["end"]] == finding["text"]
    categories = {(f["category"], f["text"]) for f in findings}
    assert ("hidden-text", "王磊在线配资平台") in categories
    hidden = next(f for f in findings if f["category"] == "hidden-text")
    inside = [
        f for f in findings if f["category"] != "hidden-text" and f["start"] >= hidden["start"]
    ]
    assert hidden["score"] == max(f["score"] for f in inside)


def test_cli_text_lines_point_into_the_html_source(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--model", str(tiny_model_dir), str(path)])
    source_lines = PAGE.split("\n")
    for line in result.stdout.splitlines():
        where, _, rest = line.partition(": ")
        _, line_no, col = where.rsplit(":", 2)
        snippet = json.loads(rest.split(" ", 2)[2])
        assert source_lines[int(line_no) - 1][int(col) - 1 :].startswith(snippet[:4])


def test_hidden_menus_without_ads_are_not_reported(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<p>农业农村部部署秋粮收获工作。</p><ul style='display:none'><li>首页</li></ul>",
        encoding="utf-8",
    )
    code, record = scan_json(tiny_model_dir, path)
    assert code == 0 and record["findings"] == []


def test_inline_marker_in_an_html_comment(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<p>会议强调要深化产融合作。</p>\n"
        "<p>强化服务杨方线上配资股票,推动循环。</p> <!-- detector: allow -->\n",
        encoding="utf-8",
    )
    code, record = scan_json(tiny_model_dir, path)
    assert code == 0 and record["findings"] == []


def test_text_across_crlf_line_breaks_maps_to_the_source() -> None:
    """The parser reads a CRLF (and a lone CR) as LF: a paragraph running over
    lines of a page saved with Windows line endings was not found in the source,
    so its ad was reported at the paragraph's start and clean left it in place."""
    ad = "杨方线上配资股票"
    source = (
        f"<p>会议强调要深化产融合作。\r\n强化服务{ad},\r\n推动循环。</p>\r\n<p>第二段\r{ad}</p>"
    )
    page = extract(source)
    for start in (page.text.index(ad), page.text.rindex(ad)):
        at = page.source_offset(start)
        assert source[at : at + len(ad)] == ad
        assert page.source_ranges(start, start + len(ad)) == [(at, at + len(ad))]
    # A span over a line break covers the CRLF whole.
    first = page.text.index("强化服务")
    ((low, high),) = page.source_ranges(first - 4, first + 4) or []
    assert source[low:high] == "合作。\r\n强化服务"


def test_text_is_not_anchored_in_a_script_or_comment_holding_the_same_words() -> None:
    """A page's JSON-LD repeats its paragraphs, and a comment may keep an old one:
    the paragraph was found in the script (after its ``>``) or in the comment
    (after a ``>`` inside it), so its ad was reported in <head> and clean refused
    to cut it (not plain text there)."""
    line = "强化服务杨方线上配资股票,推动循环。"
    source = (
        f'<html><head><script type="application/ld+json">{{"description": "{line}"}}</script>'
        f"</head><body><!-- <p>{line}</p> --><style>p{{}}</style><p>{line}</p></body></html>"
    )
    page = extract(source)
    start = page.text.index(line)
    at = source.rindex(line)
    assert page.source_offset(start) == at
    assert page.source_ranges(start, start + len(line)) == [(at, at + len(line))]


@pytest.mark.parametrize("tag", ["center", "legend", "menu", "hgroup", "dir", "listing"])
def test_blocks_browsers_show_on_their_own_line_start_a_new_line(tag: str) -> None:
    """<center> (image captions on many Chinese news sites) and the other elements
    browsers render as blocks ran into the next line's text: one clause for the model,
    so an ad could span a caption and the paragraph after it."""
    source = f"<{tag}>图为会议现场</{tag}><{tag}>杨方线上配资股票</{tag}>正文"
    assert extract(source).text.split() == ["图为会议现场", "杨方线上配资股票", "正文"]
    assert markup_text(source).text.split() == ["图为会议现场", "杨方线上配资股票", "正文"]


def test_an_entity_elsewhere_in_a_paragraph_does_not_lose_the_ads_place() -> None:
    """Chinese news pages indent paragraphs with ``&nbsp;`` and quote with
    ``&ldquo;``: one character reference anywhere in a text node made the whole
    node inexact, so its ad was reported at the node's first literal characters
    and clean refused to remove it.  Only a span over the reference itself is
    not written as plain text."""
    ad = "杨方线上配资股票"
    source = f"<p>&nbsp;&nbsp;&ldquo;会议&rdquo;强调&amp深化,强化服务{ad},推动循环。</p>"
    page = extract(source)
    assert page.text.startswith("\xa0\xa0“会议”强调&深化")
    start = page.text.index(ad)
    at = source.index(ad)
    assert page.source_offset(start) == at
    assert page.source_ranges(start, start + len(ad)) == [(at, at + len(ad))]
    quoted = page.text.index("会议") - 1
    assert page.source_offset(quoted) == source.index("&ldquo;")
    assert page.source_offset(quoted + 1) == source.index("会议")
    assert page.source_ranges(quoted, quoted + 3) is None


def test_a_long_page_of_paragraphs_with_entities_is_read_in_linear_time() -> None:
    """Each text node holding a character reference (``&nbsp;`` indenting every
    paragraph) was first looked up whole in the source, where it is not written:
    a search to the end of the page for each paragraph, 7 s for a 2.9 MB page."""
    para = "<p>&nbsp;&nbsp;会议强调要深化产融合作,强化服务实体经济,推动循环。</p>\n"
    small = extract(para * 2_000)
    began = time.perf_counter()
    page = extract(para * 40_000)
    assert time.perf_counter() - began < 3.0
    assert page.text == small.text * 20

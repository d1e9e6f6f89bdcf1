"""Links to trusted sites are citations: they are cut out of findings, and what is
left of a finding is judged on the text without them."""

from __future__ import annotations

import pytest

from detector import Detector, core
from detector.cutout import cut_out, masked, minus
from detector.explain import explain
from detector.links import is_trusted_host, trusted_link_spans
from detector.normalize import normalize
from detector.results import Finding

HOST = "会议强调要深化产融合作。"


@pytest.mark.parametrize(
    "host, trusted",
    [
        ("www.csrc.gov.cn", True),
        ("gov.cn", True),
        ("www.kjzfw.mil.cn", True),  # like gov.cn, registered to the state only
        ("mil.cn.evil.top", False),
        ("finance.sina.com.cn", True),
        ("FINANCE.Sina.com.cn.", True),
        ("blog.sina.com.cn", False),  # anyone can publish there
        ("sina.com.cn", False),
        ("xz.sina1663s.info", False),
        ("gov.cn.evil.top", False),
        ("evilgov.cn", False),
        ("cn", False),
    ],
)
def test_a_host_is_trusted_only_under_a_listed_one(host: str, trusted: bool) -> None:
    assert is_trusted_host(host) is trusted


@pytest.mark.parametrize(
    "text, links",
    [
        ("详见http://finance.sina.com.cn/a/1.shtml。", ["http://finance.sina.com.cn/a/1.shtml"]),
        ("请登录官网www.hrss.gov.cn查询", ["www.hrss.gov.cn"]),
        (
            "（http://www.gov.cn http://www.pbc.gov.cn/）",
            ["http://www.gov.cn", "http://www.pbc.gov.cn/"],
        ),
        ("邮箱：wanglei@people.com.cn", ["wanglei@people.com.cn"]),  # the mailbox too
        ("邮箱：wanglei@xz.sina1663s.info", []),
        ("http://www.gov.cn 和 https://xz.sina1663s.info", ["http://www.gov.cn"]),
        ("https://t.cn/A6xyz", []),
        ("加微信abc123", []),
        ("", []),
    ],
)
def test_trusted_link_spans_finds_the_links_to_trusted_hosts(text: str, links: list[str]) -> None:
    assert [text[a:b] for a, b in trusted_link_spans(text, 0, len(text))] == links


def test_trusted_link_spans_reads_normalized_text_and_stays_in_its_range() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "WWW.CSRC.GOV.CN")  # full-width
    text = normalize(f"见{wide}，或 abc@people.com.cn").text
    assert [text[a:b] for a, b in trusted_link_spans(text, 0, len(text))] == [
        "www.csrc.gov.cn",
        "abc@people.com.cn",
    ]
    at = text.index("people")
    # From inside the mailbox on: only what lies in the range.
    assert [text[a:b] for a, b in trusted_link_spans(text, at - 1, len(text))] == ["people.com.cn"]
    assert trusted_link_spans(text, 0, text.index(".")) == []


def test_cut_out_judges_what_is_left_of_a_finding_without_the_cuts() -> None:
    text = "请登录官网www.hrss.gov.cn，下载金沙娱乐app注册送88元"
    link = (text.index("www"), text.index("，"))
    seen: list[str] = []

    def rescore(kept: str) -> list[Finding]:  # a detector that knows one brand
        seen.append(kept)
        at = kept.find("下载金沙")
        return [] if at < 0 else [Finding(at, len(kept), kept[at:], 0.99, "gambling")]

    # The first scan's finding ran from the notice over the link into the ad: the
    # notice's piece goes (nothing flags it without the link), the ad's stays,
    # with the score and category the text without the link gives it.
    whole = Finding(2, len(text), text[2:], 0.9, "link")
    left = cut_out([whole], text, [link], rescore)
    assert [(f.text, f.score, f.category) for f in left] == [
        ("下载金沙娱乐app注册送88元", 0.99, "gambling")
    ]
    assert seen == ["请登录官网，下载金沙娱乐app注册送88元"]  # scanned once, without the link
    # A finding made only of the cut (and punctuation) goes; one it does not touch
    # stays as it was, and then nothing is scanned again.
    only_link = Finding(link[0], link[1] + 1, text[link[0] : link[1] + 1], 0.9, "link")
    assert cut_out([only_link], text, [link], rescore) == []
    notice = Finding(0, 5, text[:5], 0.97, "phishing")
    seen.clear()
    assert cut_out([notice], text, [link], rescore) == [notice] and seen == []


def test_cut_out_over_many_findings_and_cuts() -> None:
    """A page of thousands of cited links and findings: one scan again, each
    finding cut by its own link (a finding is looked up among the cuts and the
    second scan's findings, not compared with every one)."""
    line = "下载金沙娱乐app注册送88元www.gov.cn，"
    text = line * 2000
    cuts = [(at + 15, at + 25) for at in range(0, len(text), len(line))]
    findings = [Finding(a - 15, b, text[a - 15 : b], 0.9, "link") for a, b in cuts]
    calls: list[str] = []

    def rescore(kept: str) -> list[Finding]:
        calls.append(kept)
        step = len(line) - 10
        return [
            Finding(a, a + 15, kept[a : a + 15], 0.99, "gambling")
            for a in range(0, len(kept), step)
        ]

    left = cut_out(findings, text, cuts, rescore)
    assert len(calls) == 1 and calls[0] == "下载金沙娱乐app注册送88元，" * 2000
    assert [(f.start, f.end, f.score) for f in left] == [(a - 15, a, 0.99) for a, _ in cuts]
    # Cuts that overlap or touch are one; their order does not matter.
    assert masked("abcdefgh", [(5, 7), (1, 3), (2, 4), (4, 5)]) == ("ah", [0, 7])


def test_masked_and_minus() -> None:
    assert masked("abcdef", [(1, 3)]) == ("adef", [0, 3, 4, 5])
    assert minus([(0, 10)], [(2, 4), (6, 12)]) == [(0, 2), (4, 6)]


def test_the_detector_cuts_trusted_links_out_of_its_findings(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Links in a clause with Chinese text, which is judged whatever it holds (a
    # clause of Latin letters alone is judged only when it holds a link to a
    # host that is not trusted, a phone number or a handle).
    cited = HOST + "详见http://www.xyz888.gov.cn/reg"  # a gov.cn host
    ad = HOST + "详见http://www.xyz888.com/reg"
    official = HOST + "请登录官网www.xyz888.gov.cn查询"
    beside = HOST + "详见www.gov.cn杨方线上配资股票"
    mailbox = HOST + "记者邮箱：abc@xyz888.gov.cn"
    assert tiny_detector.scan(cited).findings == ()
    assert tiny_detector.scan(official).findings == ()
    assert tiny_detector.scan(mailbox).findings == ()
    assert [f.text for f in tiny_detector.scan(ad).findings] == ["http://www.xyz888.com/reg"]
    (kept,) = tiny_detector.scan(beside).findings
    assert (kept.text, kept.category) == ("杨方线上配资股票", "stock-margin")
    assert tiny_detector.link_cuts(beside) == [(beside.index("www"), beside.index("杨方"))]
    assert tiny_detector.link_cuts(ad) == []
    # Without the cut, the model flags the links (so the cut is what passes them).
    monkeypatch.setattr(core, "trusted_link_spans", lambda text, start, end: [])
    assert [f.text for f in tiny_detector.scan(cited).findings] == ["http://www.xyz888.gov.cn/reg"]
    assert [f.text for f in tiny_detector.scan(official).findings] == ["登录官网www.xyz888.gov.cn"]
    assert [f.text for f in tiny_detector.scan(beside).findings] == ["www.gov.cn杨方线上配资股票"]


def test_a_long_text_is_cut_segment_by_segment(tiny_detector: Detector) -> None:
    filler = "今年以来全市工业增加值同比增长百分之六。\n" * 7000  # over 131,072 characters
    text = filler + HOST + "详见www.gov.cn杨方线上配资股票"
    assert len(tiny_detector.segments(text)) > 1
    (kept,) = tiny_detector.scan(text).findings
    assert kept.text == "杨方线上配资股票" and text[kept.start : kept.end] == kept.text
    at = text.index("www.gov.cn")
    assert tiny_detector.link_cuts(text) == [(at, at + len("www.gov.cn"))]


def test_explain_explains_what_is_left_on_the_text_without_the_link(
    tiny_detector: Detector,
) -> None:
    text = HOST + "详见www.gov.cn杨方线上配资股票"
    (item,) = explain(tiny_detector, text)
    assert item.finding.text == "杨方线上配资股票" and item.without_trusted_links
    assert "gov" not in item.scope and "杨方" in item.scope
    assert item.score == pytest.approx(item.finding.score)
    assert item.to_dict()["without_trusted_links"] is True
    plain = HOST + "杨方线上配资股票"
    (untouched,) = explain(tiny_detector, plain)
    assert not untouched.without_trusted_links

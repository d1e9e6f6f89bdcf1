"""Greetings are judged out of findings: an interview's 您好 is not an ad, an
ad that opens with one still is (detector/greetings.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from detector import Detector, core
from detector.cli import main
from detector.explain import explain
from detector.greetings import greeting_spans

# Blocked by the shipped model for the greeting alone before greetings were
# judged out (0.97, 0.85, 0.96, 0.93, 0.98).
QUOTED = [
    "尊敬的各位来宾，大家好！",
    "他表示，祝愿中国人民新春快乐，万事如意！",
    "您好，这里是12345市民热线。",
    "“你好，我想咨询一下社保怎么办理。”市民王先生说。",
    "记者：您好，请问您是从哪里赶过来的？",
]
AD = "您好，代开各类发票，电话13812345678。"


@pytest.fixture(scope="module")
def default() -> Detector:
    return Detector.default()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("记者：您好，请问", ["您好"]),
        ("尊敬的各位来宾，大家好！", ["尊敬的", "大家好"]),
        ("亲爱的用户，早上好", ["亲爱的", "早上好"]),
        ("同学们好，老师好", ["同学们好", "老师好"]),
        ("祝大家新春快乐、万事如意！", ["祝大家", "新春快乐", "万事如意"]),
        ("你好好休息，这本书大家好看吗", []),  # 好 starting another word
        ("今天天气很好，一切都好", []),
    ],
)
def test_greeting_spans(text: str, found: list[str]) -> None:
    assert [text[a:b] for a, b in greeting_spans(text, 0, len(text))] == found


def test_greeting_spans_only_those_overlapping_the_span() -> None:
    text = "您好，请问。大家好，谢谢"
    # A span that starts inside a greeting reaches it; one beside it does not.
    assert greeting_spans(text, 1, 5) == [(0, 2)]
    assert greeting_spans(text, 2, 6) == []
    assert greeting_spans(text, 5, 8) == [(6, 9)]


@pytest.mark.parametrize("line", QUOTED)
def test_a_quoted_greeting_is_not_blocked(
    default: Detector, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = f"{line}\n记者从有关部门获悉，相关工作正在有序推进。"
    assert not default.scan(line).is_spam
    assert not default.scan(article).is_spam
    assert default.cuts(line).greetings
    # Weighed, the greeting is what blocked the line.
    monkeypatch.setattr(core, "greeting_spans", lambda text, start, end: [])
    assert default.scan(line).is_spam


def test_an_ad_opening_with_a_greeting_keeps_it_and_is_still_blocked(default: Detector) -> None:
    text = f"今年以来全市工业增加值同比增长百分之六。{AD}"
    verdict = default.scan(text)
    assert verdict.is_spam
    (finding,) = verdict.findings
    # The greeting came with the ad: it stays in the finding (clean removes it).
    assert finding.text.startswith("您好") and "13812345678" in finding.text
    at = text.index("您好")
    assert default.cuts(text) == ([], [(at, at + 2)])
    assert default.link_cuts(text) == []


def test_explain_says_the_finding_was_judged_without_its_greeting(default: Detector) -> None:
    text = f"今年以来全市工业增加值同比增长百分之六。{AD}"
    (item,) = explain(default, text)
    assert item.without_greetings and not item.without_trusted_links
    assert "您好" not in item.scope
    assert item.score == pytest.approx(item.finding.score)
    assert item.to_dict()["without_greetings"] is True
    (plain,) = explain(default, "强化金融精准有效服务杨方线上配资股票,深化产融合作")
    assert not plain.without_greetings


def test_explain_cli_prints_it() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["explain", AD])
    assert out.exit_code == 1, out.output
    assert "judged on the text without its greetings" in out.output
    out = runner.invoke(main, ["explain", "--format", "json", AD])
    (item,) = json.loads(out.output)
    assert item["without_greetings"] is True


def test_an_ad_with_good_wishes_is_still_blocked(default: Detector) -> None:
    text = "新春快乐！杨方线上配资股票，最高10倍杠杆"
    verdict = default.scan(text)
    assert verdict.is_spam
    assert [f.text for f in verdict.findings] == [text]  # the wish goes with the ad
    assert default.cuts(text).greetings == [(0, 4)]

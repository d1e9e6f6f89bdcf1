"""What stands at either end of a spaced-out stretch belongs to the text around
it: the clause punctuation that ends the clause before or after a stretch
spaced out by another mark, and a line or paragraph separator that starts or
ends the line the stretch is on.  Taken for one more separator, it joined the
next words to the ad (the finding took them in, or the ad was read with them
and missed)."""

from __future__ import annotations

import pytest

from detector import Detector
from detector.normalize import normalize

SEED = "杨方线上配资股票"
CONTACT = "加微信领红包"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A comma, colon or exclamation mark beside a stretch spaced out by
        # another mark ends the clause before or after it.
        (
            "天气很好，杨！方！线！上！配！资！股！票，明天继续",
            "天气很好,杨方线上配资股票,明天继续",
        ),
        ("会议强调：加；微；信；领；红；包。", "会议强调:加微信领红包。"),
        ("好！配，资，股，票，平，台！好！", "好!配资股票平台!好!"),
        ("据新华社报道，爱！你！哦！宝！贝！呀。", "据新华社报道,爱你哦宝贝呀。"),
        # Marks that take turns still go, as does the same mark before the
        # stretch (快来：配：…, as before).
        ("配；资！股？票，平；台", "配资股票平台"),
        ("快来：配：资：股：票：平：台", "快来配资股票平台"),
        # A line or paragraph separator beside a stretch is a line break.
        ("为-回-馈-老-会-员\u2028\u2028中国计量学院", "为回馈老会员\u2028\u2028中国计量学院"),
        ("天气很好\u2028杨-方-线-上-配\u2029明天继续", "天气很好\u2028杨方线上配\u2029明天继续"),
        ("第一段文字\u2028甲·乙·丙·丁\u2028第二段文字", "第一段文字\u2028甲乙丙丁\u2028第二段文字"),
        ("h  t  t  p  :  /  /  x  y  z  .  c  o  m\u2028网络游戏", "http://xyz.com\u2028网络游戏"),
        ("第一段文字\u2028配 资 股 票", "第一段文字\u2028配资股票"),
        # A paragraph break after a stretch spread out by line separators.
        ("配\u2028资\u2028股\u2028票\u2028\u2028正文内容", "配资股票\u2028\u2028正文内容"),
        ("标题文字\u2029\u2029加\u2028微\u2028信\u2028领", "标题文字\u2029\u2029加微信领"),
        # Line separators that take turns or repeat in the stretch still go.
        ("杨\u2028方 线\u2028上 配", "杨方线上配"),
        ("杨\u2028方 线\u2029上\x0b配", "杨方线上配"),
        ("杨\u2028方\u2028线\u2028上\u2028配", "杨方线上配"),
        ("配\u2028资→股\u2028票", "配资股票"),
    ],
)
def test_what_ends_the_text_around_a_stretch_stays(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.fixture(scope="module")
def default() -> Detector:
    return Detector.default()


@pytest.mark.parametrize(
    ("template", "ad", "marks"),
    [
        ("今天天气很好，{}，明天继续。", SEED, "！：；"),
        ("北京—上海—广州，{}", SEED, "！：；"),
        ("会议强调：{}。", CONTACT, "！；，"),
        ("好！{}！好！", CONTACT, "：；，"),
    ],
)
def test_the_clause_beside_a_spread_ad_stays_out_of_its_finding(
    default: Detector, template: str, ad: str, marks: str
) -> None:
    """The finding is the one of the plain ad, spread out; the words before or
    after it (很好，, 北京—上海—广州，) were taken in, and 加 of 会议强调：加！微！…
    was left out.  (The ad spread out by the mark the text around it uses there
    was read with it before as well.)"""
    plain = default.scan(template.format(ad))
    for mark in marks:
        evasive = mark.join(ad)
        verdict = default.scan(template.format(evasive))
        assert verdict.is_spam
        expected = [f.text.replace(ad, evasive) for f in plain.findings]
        assert [f.text for f in verdict.findings] == expected, mark


@pytest.mark.parametrize(
    "text",
    [
        "为-回-馈-老-会-员\u2028\u2028中国计量学院考研初试成绩查询开通",
        "h  t  t  p  s  :  /  /  w  w  w  .  x  y  z  8  8  8  .  c  o  m\u2028网络游戏成为新贵",
        "北京前门商铺日租每平米六十元\u2028\u2028刘 生 有 【进*项】 潽*通 【做*帐】 联系电话",
        "今天天气很好\u2028杨-方-线-上-配-资-股-票\u2028明天继续努力工作",
    ],
)
def test_a_line_separator_beside_a_spread_ad_is_a_line_break(default: Detector, text: str) -> None:
    """The same findings as with line feeds: the ad was missed (为-回-馈-…
    0.943 → 0.0, the link 1.0 → 0.78) or its finding took in the line before."""
    verdict = default.scan(text)
    with_line_feeds = default.scan(text.replace("\u2028", "\n"))
    assert with_line_feeds.findings
    assert [(f.start, f.end, f.category) for f in verdict.findings] == [
        (f.start, f.end, f.category) for f in with_line_feeds.findings
    ]
    assert verdict.is_spam == with_line_feeds.is_spam

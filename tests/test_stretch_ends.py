"""What stands at either end of a spaced-out stretch belongs to the text around
it: the clause punctuation that ends the clause before or after a stretch
spaced out by another mark.  Taken for one more separator, it joined the next
words to the ad (the finding took them in, or left the ad's first character
out)."""

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

"""The few tests that touch the shipped model: the seed case and a clean article.

The articles are the project's own (examples/); the seed clause is the canonical
injection `…强化金融精准有效服务杨方线上配资股票,深化产融合作…`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detector import Detector

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def default() -> Detector:
    return Detector.default()


def test_seed_injection_yields_exactly_the_ad(default: Detector) -> None:
    text = (EXAMPLES / "injected_margin.txt").read_text(encoding="utf-8")
    verdict = default.scan(text)
    assert verdict.is_spam
    assert [(f.text, f.category) for f in verdict.findings] == [
        ("杨方线上配资股票", "stock-margin")
    ]
    finding = verdict.findings[0]
    assert text[finding.start : finding.end] == finding.text


def test_seed_clause_alone(default: Detector) -> None:
    text = "强化金融精准有效服务杨方线上配资股票,深化产融合作,推动科技产业金融良性循环。"
    assert [f.text for f in default.scan(text).findings] == ["杨方线上配资股票"]


def test_clean_article_about_margin_regulation_passes(default: Detector) -> None:
    text = (EXAMPLES / "clean_regulator.txt").read_text(encoding="utf-8")
    assert default.scan(text).findings == ()


def test_default_is_loaded_once(default: Detector) -> None:
    assert Detector.default() is default
    assert default.model.card["sha256"]

"""Tests for detector.training.grammar (tiny inline grammars + the shipped files)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from detector.categories import CLEAN, MODEL_CLASSES
from detector.training.grammar import (
    NOVEL_SHARE,
    GrammarError,
    load_grammar,
    load_lines,
    load_seo,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training_data"
AD_CATEGORIES = set(MODEL_CLASSES) - {CLEAN}


def write(tmp_path: Path, data: dict[str, Any], name: str = "g.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


TINY: dict[str, Any] = {
    "slots": {
        "digit": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "surname": ["杨", "王", "李"],
        "given": ["方", "明", "华"],
        "person": ["{surname}{given}", "{surname}{given}{given}"],
        "brand": {"train": ["金沙", "皇冠"], "dev": ["银河"]},
        "phone": ["1{digit}{digit}{digit}{digit}"],
    },
    "categories": {
        "stock-margin": {"templates": ["{person}线上配资股票", "{person}在线配资平台"]},
        "gambling": {
            "templates": {
                "train": ["{brand}体育官方网站"],
                "dev": ["{brand}娱乐app下载", "{brand}体育登录入口"],
            }
        },
        "contact": {"templates": ["加微信{phone}"]},
    },
}


def test_expansion_fills_every_slot(tmp_path: Path) -> None:
    grammar = load_grammar(write(tmp_path, TINY))
    rng = random.Random(1)
    assert grammar.categories == ("stock-margin", "gambling", "contact")
    for split in ("train", "dev"):
        for category in grammar.categories:
            for _ in range(50):
                text = grammar.expand(category, rng, split)
                assert "{" not in text and "}" not in text
                assert text
    phone = grammar.expand("contact", rng)
    assert phone.startswith("加微信1") and phone[3:].isdigit() and len(phone) == 8


def test_expansion_is_deterministic(tmp_path: Path) -> None:
    grammar = load_grammar(write(tmp_path, TINY))
    first = [grammar.expand(c, random.Random(7), "train") for c in grammar.categories]
    again = [grammar.expand(c, random.Random(7), "train") for c in grammar.categories]
    assert first == again
    rng_a, rng_b = random.Random(42), random.Random(42)
    seq_a = [grammar.expand("stock-margin", rng_a) for _ in range(30)]
    seq_b = [grammar.expand("stock-margin", rng_b) for _ in range(30)]
    assert seq_a == seq_b
    assert len(set(seq_a)) > 1


def test_train_dev_separation(tmp_path: Path) -> None:
    grammar = load_grammar(write(tmp_path, TINY))
    rng = random.Random(3)
    train = {grammar.expand("gambling", rng, "train") for _ in range(300)}
    dev = {grammar.expand("gambling", rng, "dev") for _ in range(300)}
    assert not any("银河" in t for t in train)
    assert not any("娱乐" in t or "登录入口" in t for t in train)
    assert all("银河" in d for d in dev)
    assert train.isdisjoint(dev)


def test_fit_and_novel_divide_the_train_alternatives(tmp_path: Path) -> None:
    """``fit`` and ``novel`` split each train/dev object's train list in two
    (disjoint, together the whole list, ``novel`` about NOVEL_SHARE of it, the
    same division on every load); plain lists and the dev lists are shared;
    an object too small for both keeps its whole list in each."""
    names = [f"品牌{i:03d}" for i in range(200)]
    data = {
        "slots": {
            "brand": {"train": names, "dev": ["银河"]},
            "small": {"train": ["金沙"], "dev": ["美高梅"]},
            "city": ["北京", "上海"],
        },
        "categories": {"gambling": {"templates": ["{city}{brand}{small}体育"]}},
    }
    grammar = load_grammar(write(tmp_path, data))
    brand = grammar.slots["brand"]
    fit, novel = set(brand["fit"]), set(brand["novel"])
    assert fit.isdisjoint(novel) and fit | novel == set(names)
    assert abs(len(novel) / len(names) - NOVEL_SHARE) < 0.08
    assert brand["dev"] == ("银河",)
    assert grammar.slots["small"]["fit"] == grammar.slots["small"]["novel"] == ("金沙",)
    assert grammar.slots["city"]["novel"] == grammar.slots["city"]["train"]
    again = load_grammar(write(tmp_path, data, "again.json"))
    assert again.slots["brand"]["novel"] == brand["novel"]
    rng = random.Random(5)
    for split, allowed in (("fit", fit), ("novel", novel)):
        for _ in range(100):
            text = grammar.expand("gambling", rng, split)
            assert text[2:-4] in allowed and text.endswith("金沙体育")


def test_shipped_grammars_hold_novel_fillers() -> None:
    """Every split slot of the shipped ad grammar with twenty train fillers or
    more holds some back from the draft model (see TrainConfig.novel_stack)."""
    grammar = load_grammar(DATA / "grammars" / "ad_phrases.json")
    split_slots = [
        choices
        for choices in grammar.slots.values()
        if choices["train"] != choices["dev"] and len(choices["train"]) >= 20
    ]
    assert split_slots
    for choices in split_slots:
        assert choices["novel"] and set(choices["novel"]) < set(choices["train"])
        assert set(choices["fit"]) == set(choices["train"]) - set(choices["novel"])


def test_unknown_split_and_category(tmp_path: Path) -> None:
    grammar = load_grammar(write(tmp_path, TINY))
    with pytest.raises(GrammarError):
        grammar.expand("gambling", random.Random(0), "test")
    with pytest.raises(GrammarError):
        grammar.expand("nope", random.Random(0))


def test_cycle_is_reported(tmp_path: Path) -> None:
    data = {
        "slots": {"a": ["x{b}"], "b": ["y{c}", "z"], "c": ["{a}"]},
        "categories": {"link": {"templates": ["{a}"]}},
    }
    path = write(tmp_path, data, "cyclic.json")
    with pytest.raises(GrammarError, match="cycle") as info:
        load_grammar(path)
    assert "cyclic.json" in str(info.value)


def test_self_reference_is_a_cycle(tmp_path: Path) -> None:
    data = {"slots": {"a": ["{a}1", "2"]}, "categories": {"link": {"templates": ["{a}"]}}}
    with pytest.raises(GrammarError, match="'a'"):
        load_grammar(write(tmp_path, data))


def test_unknown_slot_is_reported(tmp_path: Path) -> None:
    data = {"slots": {"a": ["{missing}"]}, "categories": {"link": {"templates": ["{a}"]}}}
    path = write(tmp_path, data, "unknown.json")
    with pytest.raises(GrammarError, match="missing") as info:
        load_grammar(path)
    assert "unknown.json" in str(info.value) and "'a'" in str(info.value)
    data = {"slots": {}, "categories": {"link": {"templates": ["{nowhere}"]}}}
    with pytest.raises(GrammarError, match="nowhere"):
        load_grammar(write(tmp_path, data))


def test_overlapping_split_is_reported(tmp_path: Path) -> None:
    data = {
        "slots": {"brand": {"train": ["金沙", "银河"], "dev": ["银河"]}},
        "categories": {"gambling": {"templates": ["{brand}"]}},
    }
    path = write(tmp_path, data, "overlap.json")
    with pytest.raises(GrammarError, match="brand") as info:
        load_grammar(path)
    assert "overlap.json" in str(info.value) and "银河" in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [
        {"slots": {"a": []}, "categories": {"x": {"templates": ["{a}"]}}},
        {"slots": {"a": ["b{"]}, "categories": {"x": {"templates": ["{a}"]}}},
        {"slots": {"a": {"train": ["1"]}}, "categories": {"x": {"templates": ["{a}"]}}},
        {"slots": {}, "categories": {}},
        {"slots": {}, "categories": {"x": {"nope": []}}},
    ],
)
def test_malformed_grammars(tmp_path: Path, bad: dict[str, Any]) -> None:
    with pytest.raises(GrammarError):
        load_grammar(write(tmp_path, bad))


def test_seo_article_shape(tmp_path: Path) -> None:
    data = {
        "slots": {"num": ["3", "5", "10"], "city": {"train": ["上海"], "dev": ["深圳"]}},
        "keywords": {"stock-margin": {"train": ["股票配资"], "dev": ["配资门户"]}},
        "titles": ["{keyword}：{city}投资者的{num}个建议"],
        "sentences": [
            "选择正规的{keyword}平台很重要。",
            "{city}的{keyword}用户越来越多。",
            "资金安全是第一位的。",
            "市场波动时要控制仓位。",
        ],
        "category_sentences": {"stock-margin": ["{keyword}杠杆最高{num}倍。"]},
    }
    seo = load_seo(write(tmp_path, data))
    for seed in range(20):
        title, body = seo.article("stock-margin", random.Random(seed), "train")
        assert title.startswith("股票配资：上海")
        paragraphs = body.split("\n")
        assert 3 <= len(paragraphs) <= 8
        assert "{" not in body and "配资门户" not in body and "深圳" not in body
        assert sum("股票配资" in p for p in paragraphs) > len(paragraphs) / 2
    title_a, body_a = seo.article("stock-margin", random.Random(5), "dev")
    title_b, body_b = seo.article("stock-margin", random.Random(5), "dev")
    assert (title_a, body_a) == (title_b, body_b)
    assert "配资门户" in title_a and "股票配资" not in body_a


def test_seo_rejects_unknown_slot(tmp_path: Path) -> None:
    data = {
        "keywords": {"gambling": ["博彩"]},
        "titles": ["{keyword}"],
        "sentences": ["{oops}"],
    }
    with pytest.raises(GrammarError, match="oops"):
        load_seo(write(tmp_path, data))


def test_load_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("# comment\n\n  第一行  \n第二行\n   # indented comment\n", encoding="utf-8")
    assert load_lines(path) == ["第一行", "第二行"]


# --- the shipped files -------------------------------------------------------


def _assert_splits_disjoint(path: Path) -> None:
    """No train/dev object of the shipped file at ``path`` shares a value."""
    for where, train, dev in _raw_split_lists(json.loads(path.read_text(encoding="utf-8"))):
        assert set(train).isdisjoint(dev), where


def _raw_split_lists(data: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    found: list[tuple[str, list[str], list[str]]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if set(node) == {"train", "dev"}:
                found.append((where, node["train"], node["dev"]))
                return
            for key, value in node.items():
                walk(value, f"{where}.{key}")

    walk(data, "")
    return found


def test_shipped_ad_grammar() -> None:
    path = DATA / "grammars" / "ad_phrases.json"
    grammar = load_grammar(path)
    assert AD_CATEGORIES <= set(grammar.categories)
    assert "clean" in grammar.categories
    rng = random.Random(2024)
    for category in grammar.categories:
        for split in ("train", "dev"):
            phrases = {grammar.expand(category, rng, split) for _ in range(200)}
            for phrase in phrases:
                assert "{" not in phrase and "}" not in phrase, (category, phrase)
            assert len(phrases) > 50, (category, split, len(phrases))
        if category != "clean":
            assert grammar.size(category, "train") >= 1000, category
    _assert_splits_disjoint(path)


def test_shipped_finance_grammar() -> None:
    path = DATA / "grammars" / "finance_news.json"
    grammar = load_grammar(path)
    assert set(grammar.categories) == {"clean", "page"}
    rng = random.Random(5)
    for category in grammar.categories:
        phrases = {grammar.expand(category, rng, "train") for _ in range(300)}
        assert len(phrases) > 200, category
        for phrase in phrases:
            assert "{" not in phrase and "}" not in phrase, (category, phrase)
    # Page furniture is what a page carries around an article: a date line, stock
    # codes, a filing number or a copyright year, with at most a label, a source
    # or a byline beside them.
    page = [grammar.expand("page", rng, "train") for _ in range(300)]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", p) for p in page)
    assert any(re.fullmatch(r"\d{6}( \d{6})+", p) for p in page)
    assert any(re.fullmatch(r"[\u4e00-\u9fff]ICP备\d{8}号(-\d)?", p) for p in page)
    assert all(sum(c.isdigit() for c in p) >= 4 for p in page)
    _assert_splits_disjoint(path)


def test_shipped_seo_grammar() -> None:
    path = DATA / "grammars" / "seo_articles.json"
    seo = load_seo(path)
    assert {"stock-margin", "gambling"} <= set(seo.categories)
    rng = random.Random(11)
    for category in seo.categories:
        for split in ("train", "dev"):
            for _ in range(20):
                title, body = seo.article(category, rng, split)
                assert title and "{" not in title and "}" not in title
                assert "{" not in body and "}" not in body
                assert 3 <= len(body.split("\n")) <= 8
    _assert_splits_disjoint(path)


def test_shipped_hard_negatives() -> None:
    train = load_lines(DATA / "hard_negatives" / "train.txt")
    dev = load_lines(DATA / "hard_negatives" / "dev.txt")
    assert len(train) >= 180 and len(dev) >= 90
    assert len(set(train)) == len(train) and len(set(dev)) == len(dev)
    assert set(train).isdisjoint(dev)

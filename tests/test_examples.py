"""Tests for the clause examples training builds (detector.training.examples)."""

from __future__ import annotations

import random

import numpy as np

from detector.categories import CLEAN
from detector.training.examples import ClauseExample, focus_examples

HOST_LEFT, AD, HOST_RIGHT = "要强化金融精准有效服务", "杨方线上配资股票", "深化产融合作"


def _spliced() -> ClauseExample:
    text = HOST_LEFT + AD + HOST_RIGHT
    labels = np.zeros(len(text), np.int8)
    labels[len(HOST_LEFT) : len(HOST_LEFT) + len(AD)] = 1
    return ClauseExample(text, "stock-margin", labels)


def test_focus_examples_are_the_ad_run_with_a_little_of_its_clause() -> None:
    rng = random.Random(0)
    examples = [e for _ in range(50) for e in focus_examples([_spliced()], 3, rng)]
    assert len(examples) == 50  # one ad run per clause
    widths = set()
    for example in examples:
        assert example.category == "stock-margin"
        assert example.char_labels is not None
        start = example.text.index(AD)
        left, right = start, len(example.text) - start - len(AD)
        assert 0 <= left <= 3 and 0 <= right <= 3
        assert example.text[:left] == HOST_LEFT[len(HOST_LEFT) - left :]
        assert example.text[start + len(AD) :] == HOST_RIGHT[:right]
        assert example.char_labels.tolist() == [0] * left + [1] * len(AD) + [0] * right
        widths.add((left, right))
    assert len(widths) > 4  # the context varies


def test_focus_examples_skip_clean_whole_ad_and_one_character_runs() -> None:
    clean = ClauseExample("今天天气很好", CLEAN, np.zeros(6, np.int8))
    whole = ClauseExample(AD, "stock-margin", np.ones(len(AD), np.int8))
    single = ClauseExample("今天天气很好", "contact", np.array([0, 0, 1, 0, 0, 0], np.int8))
    assert focus_examples([clean, whole, single], 4, random.Random(0)) == []


def test_focus_examples_take_every_run_and_stay_inside_the_clause() -> None:
    text = "加微信ab12，今天，访问x.cn"
    labels = np.array([1] * 7 + [0] * 4 + [1] * 6, np.int8)
    clause = ClauseExample(text, "contact", labels)
    examples = focus_examples([clause], 10, random.Random(1))
    assert len(examples) == 2
    assert all(e.char_labels is not None and e.char_labels.any() for e in examples)
    assert examples[0].text.startswith("加微信ab12") and examples[1].text.endswith("访问x.cn")
    assert all(e.text in text for e in examples)

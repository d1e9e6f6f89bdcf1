from __future__ import annotations

import numpy as np

from detector import features
from detector.localize import decode_spans, tagger_features


def test_decode_spans_returns_runs_above_threshold() -> None:
    text = "服务杨方线上配资股票,深化"
    probs = np.array([0.1, 0.2, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.7, 0.1, 0.0, 0.0])
    assert decode_spans(text, 0, probs) == [(2, 10)]


def test_decode_spans_bridges_one_character_gaps_and_trims_punctuation() -> None:
    text = "x,加微信a1,y"
    probs = np.array([0.0, 0.9, 0.9, 0.9, 0.3, 0.9, 0.9, 0.9, 0.0])
    assert decode_spans(text, 0, probs) == [(2, 7)]


def test_decode_spans_drops_single_characters() -> None:
    assert decode_spans("甲乙丙", 0, np.array([0.0, 0.9, 0.0])) == []


def test_decode_spans_offsets_are_absolute() -> None:
    assert decode_spans("前缀配资平台", 2, np.array([0.9, 0.9, 0.9, 0.9])) == [(2, 6)]


def test_tagger_features_give_every_position_the_same_number_of_features() -> None:
    text = "服务杨方线上配资"
    rows = features.row_ids(len(text), [(0, len(text))])
    positions = np.arange(len(text))
    index, cols = tagger_features(features.codepoints(text), rows, positions, 12)
    counts = np.bincount(index)
    assert len(counts) == len(text) and len(set(counts.tolist())) == 1
    assert cols.min() >= 0 and cols.max() < 1 << 12


def test_tagger_features_depend_on_context() -> None:
    a = "服务杨方线上配资"
    b = "服务杨方银行贷款"
    pos = np.array([2])
    fa = tagger_features(features.codepoints(a), features.row_ids(8, [(0, 8)]), pos, 16)[1]
    fb = tagger_features(features.codepoints(b), features.row_ids(8, [(0, 8)]), pos, 16)[1]
    assert set(fa.tolist()) != set(fb.tolist())

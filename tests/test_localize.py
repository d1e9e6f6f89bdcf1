from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import features, localize
from detector.localize import snap_to_runs, snap_to_words, tagger_features, trim_spans


def test_trim_spans_strips_punctuation_and_spaces_at_the_edges() -> None:
    text = "x,加微信a1,y"
    assert trim_spans(text, [(1, 8)]) == [(2, 7)]


def test_trim_spans_drops_single_characters() -> None:
    assert trim_spans("甲乙丙", [(1, 2)]) == []
    assert trim_spans("甲,乙", [(0, 3)]) == [(0, 3)]


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


def test_best_spans_finds_the_strongest_run_and_skips_short_extras() -> None:
    from detector.localize import best_spans

    evidence = np.array([-1.0, 2.0, 2.0, 2.0, -5.0, -5.0, 2.5, 2.5, -1.0])
    # The best run is [1, 4); the two-character run [6, 8) is an extra span
    # shorter than min_extra and is left out.
    assert best_spans(evidence, cost=1.0) == [(1, 4)]
    assert best_spans(evidence, cost=1.0, min_extra=2) == [(1, 4), (6, 8)]
    assert best_spans(np.array([-1.0, 0.5, -1.0]), cost=1.0) == []


def test_split_at_separators_cuts_where_the_original_had_a_title_bar() -> None:
    from detector.localize import split_at_separators
    from detector.normalize import normalize

    original = "金沙娱乐官网｜新赛季"
    norm = normalize(original)
    assert norm.text == "金沙娱乐官网新赛季"  # the bar between CJK characters is folded away
    evidence = np.array([1.0] * 6 + [-0.5, 0.1, 0.1])
    spans = split_at_separators(original, norm.src, [(0, 9)], evidence, 0, cost=3.0)
    assert spans == [(0, 6)]


def test_a_title_piece_needs_the_span_cost_to_stay() -> None:
    """The tagger reads context across the bar, so a title's first words after a
    brand get a little positive evidence: "金沙娱乐(中国)官方网站｜足球联赛开幕"
    was reported with "｜足球联赛" (and ``clean`` cut the title down to 开幕)."""
    from detector.localize import split_at_separators
    from detector.normalize import normalize

    original = "金沙娱乐官网｜足球联赛"
    norm = normalize(original)
    evidence = np.array([6.0] * 6 + [4.6, 1.5, -0.5, -4.6 + 1.0])  # the title piece sums to 2.0
    assert split_at_separators(original, norm.src, [(0, 10)], evidence, 0, cost=3.0) == [(0, 6)]
    assert split_at_separators(original, norm.src, [(0, 10)], evidence, 0, cost=1.5) == [
        (0, 6),
        (6, 10),
    ]
    # No piece reaches the cost: the best one is kept, not nothing.
    weak = np.array([0.4] * 6 + [0.1] * 4)
    assert split_at_separators(original, norm.src, [(0, 10)], weak, 0, cost=3.0) == [(0, 6)]


def test_separators_between_single_characters_are_not_cut() -> None:
    """``杨|方|线|上…`` is an evasion, one ad: it was cut into pieces of two
    characters at every other bar, and pieces were lost."""
    from detector.localize import split_at_separators
    from detector.normalize import normalize

    original = "w|w|w|.|h|o|t|4|4|.|n|e|t"
    norm = normalize(original)
    assert norm.text == "www.hot44.net"
    evidence = np.array([2.0, -1.0, 2.0, 0.5, 2.0, -1.0, 2.0, 1.0, 1.0, 0.5, 2.0, -1.0, 2.0])
    whole = [(0, len(norm.text))]
    assert split_at_separators(original, norm.src, whole, evidence, 0, cost=3.0) == whole


def test_snap_to_runs_widens_a_cut_phone_number_or_link_to_the_whole_run() -> None:
    text = "干扰全天致电400-651-8339了136架"
    start = text.index("全")
    cut = text.index("8339") + 1  # the localizer stopped inside the number
    assert snap_to_runs(text, [(start, cut)], 0, len(text)) == [(start, text.index("了"))]
    link = "访问https://xz.sina1663s.info了解"
    inner = (link.index("t"), link.index("nfo"))
    assert snap_to_runs(link, [inner], 0, len(link)) == [(2, link.index("了"))]


def test_snap_to_runs_keeps_cjk_edges_and_the_clause_bounds() -> None:
    text = "abc123杨方线上配资def456"
    span = (6, 12)  # 杨方线上配资: CJK at both edges
    assert snap_to_runs(text, [span], 0, len(text)) == [span]
    # Inside a run, but the clause ends where the span does: nothing to widen into.
    assert snap_to_runs(text, [(1, 3)], 1, 3) == [(1, 3)]
    assert snap_to_runs(text, [(1, 3)], 0, len(text)) == [(0, 6)]


def _reference_neighbour(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, d: int
) -> np.ndarray:
    idx = positions + d
    inside = (idx >= 0) & (idx < len(codes))
    safe = np.where(inside, idx, 0)
    same = inside & (rows[safe] == rows[positions])
    return np.where(same, codes[safe], localize._SENTINEL)


def reference_tagger_features(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """tagger_features one neighbour and one key at a time."""

    def ngram_key(offsets: tuple[int, ...] | range, template: int) -> np.ndarray:
        key = np.full(len(positions), np.uint64(template), dtype=np.uint64)
        for d in offsets:
            key = key * features._PRIME + _reference_neighbour(codes, rows, positions, d)
        return key

    keys = [ngram_key(offsets, template) for template, offsets in localize._TEMPLATES]
    for template, window in localize._BAGS:
        keys.extend(ngram_key((d, d + 1, d + 2), template) for d in window)
    classes = localize._char_class(codes)
    class_key = np.full(len(positions), np.uint64(localize._CLASS_TEMPLATE), dtype=np.uint64)
    for d in (-1, 0, 1):
        neighbour = _reference_neighbour(classes, rows, positions, d)
        class_key = class_key * features._PRIME + np.where(
            neighbour == localize._SENTINEL, 0, neighbour
        )
    keys.append(class_key)
    keys.append(np.full(len(positions), np.uint64(localize._BIAS_TEMPLATE), dtype=np.uint64))
    stacked = np.stack(keys, axis=1)
    index = np.repeat(np.arange(len(positions), dtype=np.int64), stacked.shape[1])
    return index, features._bucket(features._mix(stacked.ravel()), bits)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 12), max_size=6),
    st.text(alphabet="加微信杨方线配资a1 ,。", min_size=1, max_size=60),
    st.data(),
)
def test_tagger_features_match_the_one_offset_at_a_time_reference(
    cuts: list[int], text: str, data: st.DataObject
) -> None:
    """Rows of varied lengths (and characters outside every row), all positions
    or some of them."""
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    spans = [(a, b) for a, b in itertools.pairwise(bounds) if data.draw(st.booleans())]
    rows = features.row_ids(len(text), spans)
    codes = features.codepoints(text)
    positions = np.array(
        data.draw(st.lists(st.integers(0, len(text) - 1), min_size=1, max_size=20)), np.int64
    )
    got = tagger_features(codes, rows, positions, 14)
    expected = reference_tagger_features(codes, rows, positions, 14)
    assert got[0].tolist() == expected[0].tolist()
    assert got[1].tolist() == expected[1].tolist()


def test_trim_spans_keeps_a_closing_bracket_opened_inside_the_span() -> None:
    text = "x致电13577357350(顾问常经理)。"
    assert trim_spans(text, [(1, len(text))]) == [(1, len(text) - 1)]
    # An unmatched closing bracket is still trimmed.
    assert trim_spans("加微信a1)", [(0, 6)]) == [(0, 5)]


def test_snap_to_words_moves_edges_inside_a_word_by_the_word_s_evidence() -> None:
    # Words: 强化|服务|杨方|线上|配资|股票|深化  (cuts at 0,2,4,6,...,14)
    cuts = np.arange(0, 15, 2)
    evidence = np.array([-2, -2, -2, -1, 1.5, 1, 2, 2, 2, 2, 2, 0.5, -2, -2], dtype=float)
    # A start inside 服务 (whole word negative) moves in; an end inside 股票
    # (whole word positive) moves out.
    assert snap_to_words([(3, 11)], cuts, evidence, 0) == [(4, 12)]
    # Edges already between words stay; evidence offsets shift with ``offset``.
    assert snap_to_words([(4, 12)], cuts, evidence, 0) == [(4, 12)]
    assert snap_to_words([(13, 21)], cuts + 10, evidence, 10) == [(14, 22)]
    # A word the span only grazes, with evidence barely above zero (the seed's
    # 服|务 at -0.17, +0.33), stays out; one clearly positive comes in whole.
    grazed = evidence.copy()
    grazed[2:4] = [-0.17, 0.33]
    assert snap_to_words([(3, 12)], cuts, grazed, 0) == [(4, 12)]
    grazed[2:4] = [0.2, 0.6]
    assert snap_to_words([(3, 12)], cuts, grazed, 0) == [(2, 12)]

"""Character tagging: which characters of a flagged clause are the injected ad.

Jieba cannot place the boundaries (stock jieba cuts the seed's
``服务杨方线上配资股票`` as ``杨方线/上/配资/股票``), so boundaries come from a
per-character linear tagger over hashed context features (the characters around
a position, bigrams and trigrams at fixed offsets, bags of trigrams to the left
and right, character classes) and from two character language models, news and
ads; ``best_spans`` picks the stretch where the evidence favours the ad most.
"""

from __future__ import annotations

import itertools

import numpy as np

from detector.features import _PRIME, _bucket, _mix
from detector.model import Head

__all__ = [
    "best_spans",
    "bigram_buckets",
    "lm_logprob",
    "lm_total",
    "snap_to_runs",
    "snap_to_words",
    "split_at_separators",
    "tagger_features",
    "tagger_logits",
    "trim_spans",
]

_SENTINEL = np.uint64(0x110000)  # stands for "outside the clause"

# (template id, offsets) for position-specific n-grams.
_TEMPLATES: tuple[tuple[int, tuple[int, ...]], ...] = (
    (1, (-2,)), (2, (-1,)), (3, (0,)), (4, (1,)), (5, (2,)),
    (6, (-2, -1)), (7, (-1, 0)), (8, (0, 1)), (9, (1, 2)),
    (10, (-2, -1, 0)), (11, (-1, 0, 1)), (12, (0, 1, 2)),
    (13, (-3, -2, -1)), (14, (1, 2, 3)),
)  # fmt: skip
# Bags: trigrams anywhere in a window, position not recorded.
_BAGS: tuple[tuple[int, range], ...] = ((20, range(-8, -3)), (21, range(2, 7)))
_CLASS_TEMPLATE = 30
_BIAS_TEMPLATE = 31


def _char_class(codes: np.ndarray) -> np.ndarray:
    cls = np.full(codes.shape, 4, dtype=np.uint64)  # other / punctuation
    cls[(codes >= 0x4E00) & (codes <= 0x9FFF)] = 1
    cls[(codes >= 0x30) & (codes <= 0x39)] = 2
    cls[(codes >= 0x61) & (codes <= 0x7A)] = 3
    cls[codes == 0x20] = 5
    cls[codes == _SENTINEL] = 0
    return cls


def _neighbours(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, low: int, high: int
) -> np.ndarray:
    """The code ``d`` characters from each position, for every ``d`` in
    ``low..high``, as the rows of a ``(high - low + 1, len(positions))`` array;
    the sentinel where that character is outside the position's row."""
    idx = positions[None, :] + np.arange(low, high + 1)[:, None]
    inside = (idx >= 0) & (idx < len(codes))
    safe = np.where(inside, idx, 0)
    same = inside & (rows[safe] == rows[positions][None, :])
    return np.where(same, codes[safe], _SENTINEL)


def _powers(count: int) -> list[np.uint64]:
    """``_PRIME ** k`` (wrapping uint64) for ``k < count``."""
    out = [np.uint64(1)]
    with np.errstate(over="ignore"):
        for _ in range(count - 1):
            out.append(out[-1] * _PRIME)
    return out


def _feature_layout() -> tuple[int, int, np.ndarray, np.ndarray]:
    """How :func:`tagger_features` builds its n-gram keys from one table.

    A key ``((t * P + a) * P + b) * P + c`` equals ``t * P**3 + ((a * P + b) * P
    + c)`` in wrapping uint64 arithmetic, and every template and bag trigram uses
    consecutive offsets, so each key is a constant plus one row of the table
    [unigrams; bigrams; trigrams] of the neighbours at every offset.  Returns
    (low offset, high offset, table row of each key, constant of each key)."""
    offsets = [d for _, ds in _TEMPLATES for d in ds]
    offsets += [d + k for _, window in _BAGS for d in window for k in range(3)]
    low, high = min(offsets), max(offsets)
    span = high - low + 1  # unigram rows; then span - 1 bigram and span - 2 trigram rows
    first_row = {1: 0, 2: span, 3: 2 * span - 1}
    power = _powers(4)
    rows: list[int] = []
    constants: list[np.uint64] = []
    for template, ds in _TEMPLATES:
        assert list(ds) == list(range(ds[0], ds[0] + len(ds)))
        rows.append(first_row[len(ds)] + ds[0] - low)
        with np.errstate(over="ignore"):
            constants.append(np.uint64(template) * power[len(ds)])
    for template, window in _BAGS:
        for d in window:
            rows.append(first_row[3] + d - low)
            with np.errstate(over="ignore"):
                constants.append(np.uint64(template) * power[3])
    return low, high, np.array(rows, dtype=np.int64), np.array(constants, dtype=np.uint64)


_LOW, _HIGH, _KEY_ROWS, _KEY_CONSTANTS = _feature_layout()
_CLASS_BASE = np.uint64(_CLASS_TEMPLATE)


def _tagger_buckets(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, bits: int
) -> np.ndarray:
    """The tagger's feature buckets of each position, one row per feature: every
    position gets the same number of features, so they are built a feature at a
    time for all positions, without Python loops over characters."""
    low = _LOW
    around = _neighbours(codes, rows, positions, low, _HIGH)  # row d - low: offset d
    bigrams = around[:-1] * _PRIME + around[1:]
    trigrams = bigrams[:-1] * _PRIME + around[2:]
    table = np.concatenate([around, bigrams, trigrams])
    n_keys = len(_KEY_ROWS)
    keys = np.empty((n_keys + 2, len(positions)), dtype=np.uint64)
    np.add(table[_KEY_ROWS], _KEY_CONSTANTS[:, None], out=keys[:n_keys])
    # A neighbour outside the clause has class 0 (_char_class of the sentinel).
    classes = _char_class(around[-1 - low : 2 - low])  # offsets -1, 0, 1
    class_key = keys[n_keys]
    class_key[:] = _CLASS_BASE
    for row in classes:
        class_key *= _PRIME
        class_key += row
    keys[n_keys + 1] = np.uint64(_BIAS_TEMPLATE)
    return _bucket(_mix(keys), bits)


def tagger_features(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(position index, bucket) pairs, position by position (for training)."""
    buckets = _tagger_buckets(codes, rows, positions, bits)
    index = np.arange(len(positions), dtype=np.int64).repeat(len(buckets))
    return index, buckets.T.ravel()


def tagger_logits(
    codes: np.ndarray, rows: np.ndarray, positions: np.ndarray, bits: int, head: Head
) -> np.ndarray:
    """The tagger head's logit at each position: its features' coefficients
    added up in float64 in the order :func:`tagger_features` lists them."""
    buckets = _tagger_buckets(codes, rows, positions, bits)
    return head.coef[buckets].sum(axis=0, dtype=np.float64) + float(head.intercept[0])


_TRIM = set(" \t\r\n,.;:!?()[]{}<>\"'、。:“”‘’《》【】-_|/\\~·")


_SEPARATOR_MARKS = set("|｜】【")


def split_at_separators(
    original: str,
    src: np.ndarray,
    spans: list[tuple[int, int]],
    evidence: np.ndarray,
    offset: int,
    cost: float,
) -> list[tuple[int, int]]:
    """Cut spans where the original text had a title separator (``|``, ``【】``)
    that normalization folded away, and keep the pieces whose evidence reaches
    ``cost``, what a span needs (:func:`best_spans`), or else the best piece: a
    brand prefixed to a title ("XX娱乐官方网站｜足球联赛开幕") must not take the
    title's first words along, though the tagger's context, which reads across
    the separator, still favours them a little.  A cut that would leave a piece
    of one character, or at a separator next to another (`杨|方|线|上…`: an
    evasion, not a title's), is not made.  ``src`` maps normalized
    positions to ``original``; ``evidence[i]`` belongs to normalized position
    ``offset + i``."""
    out = []
    for s, e in spans:
        # Where normalization dropped a separator between i and i + 1.
        marked = [
            i
            for i in ((src[s + 1 : e] - src[s : e - 1] > 1).nonzero()[0] + s).tolist()
            if not _SEPARATOR_MARKS.isdisjoint(original[int(src[i]) + 1 : int(src[i + 1])])
        ]
        cuts = [s]
        for i in marked:
            evasion = i - 1 in marked or i + 1 in marked  # 杨|方|线: no piece is a word
            if not evasion and i + 1 - cuts[-1] >= 2 and e - i - 1 >= 2:
                cuts.append(i + 1)
        cuts.append(e)
        if len(cuts) == 2:
            out.append((s, e))
            continue
        pieces = list(itertools.pairwise(cuts))
        sums = [float(evidence[a - offset : b - offset].sum()) for a, b in pieces]
        kept = [piece for piece, total in zip(pieces, sums, strict=True) if total >= cost]
        out.extend(kept or [pieces[max(range(len(pieces)), key=sums.__getitem__)]])
    return out


def trim_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans without punctuation or spaces at their edges, of two characters or
    more; a closing bracket stays when its opening one is inside the span
    ("致电…(顾问曾总)" keeps its ")")."""
    out = []
    for s, e in spans:
        while s < e and text[s] in _TRIM:
            s += 1
        while e > s and text[e - 1] in _TRIM and not _closes(text, s, e - 1):
            e -= 1
        if e - s >= 2:
            out.append((s, e))
    return out


_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<", "》": "《", "】": "【", "”": "“", "’": "‘"}


def _closes(text: str, start: int, i: int) -> bool:
    """Whether ``text[i]`` closes a bracket opened in ``text[start:i]``."""
    opener = _PAIRS.get(text[i])
    if opener is None:
        return False
    inside = text[start:i]
    return inside.count(opener) > inside.count(text[i])


# -- boundaries from two character language models --------------------------------
#
# Content farms splice an ad into a sentence at a word boundary, so the characters
# at the edges of the ad are unlikely continuations of the news around them
# ("服务|杨方…"), while inside the ad each character is a likely continuation of ad
# text.  Two bigram models (news and ads) score every character; the ad span is the
# stretch where the ad model wins by the most, found exactly by a maximum-sum
# subarray (a three-state host → ad → host path).

LM_BITS = 20
UNIGRAM_BITS = 18


def bigram_buckets(
    codes: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unigram bucket of c[i], unigram bucket of c[i-1], bigram bucket of
    c[i-1] c[i]) per position; the character before the first one of a row is a
    boundary sentinel."""
    previous = np.empty_like(codes)
    previous[1:] = codes[:-1]
    if len(codes):
        previous[0] = _SENTINEL
    starts = np.ones(len(codes), dtype=bool)
    starts[1:] = rows[1:] != rows[:-1]
    previous[starts] = _SENTINEL
    # The three keys of every position, mixed in one pass.
    keys = np.empty((3, len(codes)), dtype=np.uint64)
    np.multiply(codes, _PRIME, out=keys[0])
    keys[0] += np.uint64(77)
    np.multiply(previous, _PRIME, out=keys[1])
    np.add(keys[1], codes, out=keys[2])
    keys[2] *= _PRIME
    keys[2] += np.uint64(78)
    keys[1] += np.uint64(77)
    mixed = _mix(keys)
    unigrams = _bucket(mixed[:2], UNIGRAM_BITS)
    return unigrams[0], unigrams[1], _bucket(mixed[2], LM_BITS)


def lm_total(history: np.ndarray) -> float:
    """The add-one unigram denominator of :func:`lm_logprob`."""
    return float(history.sum()) + len(history)


def lm_logprob(
    unigram: np.ndarray,
    bigram: np.ndarray,
    counts: np.ndarray,
    history: np.ndarray,
    previous_unigram: np.ndarray,
    interpolation: float = 0.8,
    total: float | None = None,
) -> np.ndarray:
    """log P(c[i] | c[i-1]), a bigram model interpolated with add-one unigrams.

    ``counts`` holds bigram counts (``LM_BITS``), ``history`` unigram counts
    (``UNIGRAM_BITS``); ``total`` is :func:`lm_total` of ``history`` (computed
    here when not given)."""
    if total is None:
        total = lm_total(history)
    p_unigram = (history[unigram].astype(np.float64) + 1.0) / total
    seen = history[previous_unigram].astype(np.float64)
    p_bigram = np.where(seen > 0, counts[bigram] / np.maximum(seen, 1.0), 0.0)
    weight = np.where(seen > 0, interpolation, 0.0)
    return np.log(weight * p_bigram + (1.0 - weight) * p_unigram)


def best_spans(
    evidence: np.ndarray, cost: float, max_spans: int = 3, min_extra: int = 4
) -> list[tuple[int, int]]:
    """Non-overlapping ``[s, e)`` maximizing ``sum(evidence[s:e]) - cost``, best
    first and then in what is left on either side, while that stays positive.
    A second or third span of a clause needs ``min_extra`` characters: two
    characters next to an ad ("足球" beside a betting brand) are noise."""
    found: list[tuple[int, int]] = []
    pending = [(0, len(evidence))]
    values = evidence.tolist()
    while pending and len(found) < max_spans:
        low, high = pending.pop()
        best, best_span = 0.0, None
        running, start = 0.0, low
        for i in range(low, high):
            if running <= 0.0:
                running, start = 0.0, i
            running += values[i]
            if running - cost > best:
                best, best_span = running - cost, (start, i + 1)
        if best_span is not None:
            if not found or best_span[1] - best_span[0] >= min_extra:
                found.append(best_span)
            pending.extend([(low, best_span[0]), (best_span[1], high)])
    return sorted(found)


_RUN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@:/%?=&#~+"
)


def snap_to_runs(
    text: str, spans: list[tuple[int, int]], low: int, high: int, limit: int = 64
) -> list[tuple[int, int]]:
    """Widen spans whose edge falls inside a run of ASCII letters, digits and URL
    punctuation (a phone number, a handle, a link) to the whole run, within
    ``[low, high)`` and at most ``limit`` characters each way: such a run is one
    token, and half a phone number is not a useful finding."""
    out = []
    for s, e in spans:
        stop = max(low, s - limit)
        while s > stop and text[s] in _RUN_CHARS and text[s - 1] in _RUN_CHARS:
            s -= 1
        stop = min(high, e + limit)
        while e < stop and text[e - 1] in _RUN_CHARS and text[e] in _RUN_CHARS:
            e += 1
        out.append((s, e))
    return out


# Evidence per character (log-odds, after the per-character cost) a word cut by a
# span edge needs to join the span whole.  0.25 leaves the dev benchmark's span
# metrics unchanged (F1 0.8674 -> 0.8673) and keeps near-zero host words out.
WORD_MARGIN = 0.25


def snap_to_words(
    spans: list[tuple[int, int]], cuts: np.ndarray, evidence: np.ndarray, offset: int
) -> list[tuple[int, int]]:
    """Move span edges that fall inside a word (``cuts``: sorted word boundaries)
    to one of the word's edges: the word goes in whole when its evidence is at
    least ``WORD_MARGIN`` per character, else out (``evidence[i]`` belongs to
    position ``offset + i``).  An ad spliced into a sentence starts and ends
    between words; a span that stops inside one ("金|莎国际", "排行|榜") lost a
    character to noise, and a host word the span only grazes ("服|务杨方…", its
    evidence +0.16 over two characters) stays out."""
    out = []
    for s, e in spans:
        s = _snap_edge(s, cuts, evidence, offset, widen_to_start=True)
        e = _snap_edge(e, cuts, evidence, offset, widen_to_start=False)
        if e > s:
            out.append((s, e))
    return out


def _snap_edge(
    at: int, cuts: np.ndarray, evidence: np.ndarray, offset: int, widen_to_start: bool
) -> int:
    j = int(cuts.searchsorted(at))
    if j == 0 or j >= len(cuts) or cuts[j] == at:
        return at
    before, after = int(cuts[j - 1]), int(cuts[j])
    word = evidence[before - offset : after - offset]
    whole_word_in = float(word.sum()) >= WORD_MARGIN * len(word)
    return before if whole_word_in == widen_to_start else after

"""Hashed features: character n-grams and jieba words → sparse count rows.

Everything here is deterministic and independent of the Python hash seed, so a
model trained on one machine scores identically on another.  Character n-grams
are hashed in NumPy over the whole text at once (no Python loop per character);
words are hashed with CRC-32.  ``tfidf`` and ``linear_scores`` reproduce
scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` + linear model exactly.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

import numpy as np

from detector import words
from detector._arrays import ranges, run_sizes, run_starts

__all__ = [
    "char_ngram_sums",
    "char_ngrams",
    "char_unigram_table",
    "codepoints",
    "is_word_feature",
    "linear_scores",
    "row_ids",
    "tfidf",
    "word_buckets",
    "word_features",
    "words_to_features",
]

_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_WORD_SALT = 0x5BD1E995


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer (wrapping uint64 arithmetic) of a new array."""
    x = x ^ (x >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def _bucket(hashes: np.ndarray, bits: int) -> np.ndarray:
    return (hashes >> np.uint64(64 - bits)).astype(np.int64)


_DIGITS = str.maketrans("123456789", "000000000")


def fold_digits(text: str) -> str:
    """Every ASCII digit becomes ``0``: a phone number, a price and a date are
    told apart by their shape, not by which digits they hold (the spam corpora
    mask digits, so digit identity carries no signal, only noise)."""
    return text.translate(_DIGITS)


def codepoints(text: str) -> np.ndarray:
    """Code points of ``text`` as uint64 (one element per character), digits folded."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.uint64
    )
    codes[(codes >= 0x31) & (codes <= 0x39)] = 0x30
    return codes


def row_ids(length: int, spans: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
    """Array of ``length`` giving, per character, the index of the span holding it
    (-1 outside every span).  Spans must be disjoint."""
    ids = np.full(length, -1, dtype=np.int64)
    if len(spans):
        bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        positions, owner = ranges(bounds[:, 0], bounds[:, 1] - bounds[:, 0])
        ids[positions] = owner
    return ids


def _ngram_keys(
    codes: np.ndarray, ngram_range: tuple[int, int]
) -> Iterator[tuple[int, np.ndarray]]:
    """For each n-gram length n of the range: n and the salted key of the n-gram
    starting at every position ``0 .. len(codes) - n``, unmixed.  The n-grams of
    length n extend those of length n - 1 by one character (the same wrapping
    uint64 arithmetic as hashing each n-gram from its first character)."""
    low, high = ngram_range
    key = codes
    for n in range(1, min(high, len(codes)) + 1):
        if n > 1:
            key = key[: len(codes) - n + 1] * _PRIME + codes[n - 1 :]
        if n >= low:
            yield n, key ^ np.uint64(n * 0x9E3779B97F4A7C15 % (1 << 64))


def char_ngrams(
    codes: np.ndarray, rows: np.ndarray, ngram_range: tuple[int, int], bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) pairs of every character n-gram lying inside one row, in
    text order (by first character, then length), so the rows never decrease.

    ``rows`` comes from :func:`row_ids`; n-grams never cross rows or touch
    characters outside them.
    """
    low, high = ngram_range
    length = len(codes)
    if high < low or length < low:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Column n - low of row i: the n-gram starting at i; all are mixed in one pass.
    keys = np.zeros((length, high - low + 1), dtype=np.uint64)
    valid = np.zeros(keys.shape, dtype=bool)
    for n, key in _ngram_keys(codes, ngram_range):
        count = len(key)
        keys[:count, n - low] = key
        start_rows = rows[:count]
        valid[:count, n - low] = (start_rows >= 0) & (start_rows == rows[n - 1 :])
    inside = valid.ravel()
    return (
        rows.repeat(keys.shape[1])[inside],
        _bucket(_mix(keys.ravel()[inside]), bits),
    )


# Characters whose unigram rows char_unigram_table lists: the Basic Multilingual
# Plane, which holds all but a rare few of the characters of Chinese text.
_UNIGRAM_CODES = 1 << 16


def char_unigram_table(table: np.ndarray, ngram_range: tuple[int, int], bits: int) -> np.ndarray:
    """The row of ``table`` each Basic Multilingual Plane character's unigram
    hashes to, by code point (a copy of those rows; empty when the range has no
    unigrams), for :func:`char_ngram_sums`.  With it, a text's unigrams are one
    gather from 1 MB instead of a hash of every character and a gather from the
    whole table (over 5 MB of news: 2 ms where it took 7-9 ms)."""
    if ngram_range[0] > 1:
        return np.empty((0, table.shape[1]), dtype=table.dtype)
    codes = np.arange(_UNIGRAM_CODES, dtype=np.uint64)
    ((_, key),) = _ngram_keys(codes, (1, 1))
    return np.take(table, _bucket(_mix(key), bits), axis=0)


def char_ngram_sums(
    codes: np.ndarray,
    spans: np.ndarray,
    table: np.ndarray,
    ngram_range: tuple[int, int],
    bits: int,
    unigrams: np.ndarray | None = None,
) -> np.ndarray:
    """Per span of ``spans`` (disjoint ``[start, end)`` rows, in text order), the
    sum of ``table[bucket]`` over the character n-grams lying inside it: what
    summing ``table`` over the columns of :func:`char_ngrams` row by row gives,
    without listing the n-grams.

    Every position's n-gram of each length is hashed and looked up; the
    n-grams that start in a span and end past it are zeroed; the lengths are
    added up per position, in float64, and one ``reduceat`` over all spans
    sums each span's positions.  No mask, no row per n-gram.  (Through
    ``char_ngrams`` the document and prefilter heads took twice the time; one
    ``reduceat`` per length, with its float64 accumulation of the float32
    table, took a quarter more than this.)  ``unigrams``: what
    :func:`char_unigram_table` gives for ``table``, to look the unigrams of a
    text without characters beyond it up there (the same rows)."""
    n_spans = len(spans)
    if not n_spans:
        return np.zeros((0, table.shape[1]))
    starts, ends = spans[:, 0], spans[:, 1]
    length = len(codes)
    # Per position, the sum over lengths of its n-gram's row; one zero row past
    # the end, so that a span ending the text has a bound.
    total = np.zeros((length + 1, table.shape[1]))
    listed = unigrams is not None and len(unigrams) and length and codes.max() < len(unigrams)
    for n, key in _ngram_keys(codes, ngram_range):
        count = len(key)
        if n == 1 and listed:
            assert unigrams is not None
            # Code points are below 2**63: their uint64 bits read as int64 are the same.
            weights = np.take(unigrams, codes.view(np.int64), axis=0)
        else:
            weights = np.take(table, _bucket(_mix(key), bits), axis=0)
        if n > 1:
            # The n-grams starting at end - n + 1 .. end - 1 of a span cross its end.
            crossing = (ends[:, None] - np.arange(1, n)).ravel()
            crossing = crossing[(crossing >= np.repeat(starts, n - 1)) & (crossing < count)]
            weights[crossing] = 0
        total[:count] += weights
    bounds = np.empty(2 * n_spans, dtype=np.int64)
    bounds[0::2] = starts
    bounds[1::2] = ends
    # Segments alternate: a span's positions, then the gap to the next span.
    sums = np.add.reduceat(total, np.minimum(bounds, length), axis=0)[0::2]
    sums[ends == starts] = 0  # reduceat gives an empty segment its first row
    return sums


def word_features(
    text: str, spans: Sequence[tuple[int, int]], bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) pairs of the jieba words (two characters or more) of each span."""
    return words_to_features(
        words.cut_many([fold_digits(text[start:end]) for start, end in spans]), bits
    )


def words_to_features(cuts: Sequence[Sequence[str]], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`word_features` given each span's words (cut from its digit-folded text)."""
    out_rows: list[int] = []
    found: list[str] = []
    for row, cut in enumerate(cuts):
        for word in cut:
            if is_word_feature(word):
                out_rows.append(row)
                found.append(word)
    return np.asarray(out_rows, dtype=np.int64), word_buckets(found, bits)


def is_word_feature(word: str) -> bool:
    """Whether ``word`` is a word feature: two characters or more, not white space."""
    return len(word) > 1 and not word.isspace()


def word_buckets(found: Sequence[str], bits: int) -> np.ndarray:
    """The bucket of each word (a CRC-32 of its UTF-8, mixed)."""
    crcs = [zlib.crc32(word.encode("utf-8"), _WORD_SALT) for word in found]
    return _bucket(_mix(np.asarray(crcs, dtype=np.uint64) | np.uint64(1 << 40)), bits)


def radix_order(key: np.ndarray, key_bits: int) -> np.ndarray:
    """A permutation that sorts ``key`` (non-negative, below ``2**key_bits``)
    stably: ``key[radix_order(key, bits)]`` is ``np.sort(key)``.

    One stable argsort per 16-bit digit, least significant first: NumPy
    radix-sorts 8- and 16-bit integers in linear time, while its general sort
    of 32-bit keys took twice as long here."""
    order: np.ndarray | None = None
    for shift in range(0, key_bits, 16):
        digit = (key >> shift).astype(np.uint8 if key_bits - shift <= 8 else np.uint16)
        step = np.argsort(digit if order is None else digit[order], kind="stable")
        order = step if order is None else order[step]
    return np.arange(len(key)) if order is None else order


def _unique_counts(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of the sorted ``ordered`` and how often each occurs."""
    starts = run_starts(ordered)
    return ordered[starts], run_sizes(starts, len(ordered))


def tfidf(
    rows: np.ndarray,
    cols: np.ndarray,
    n_rows: int,
    idf: np.ndarray,
    bits: int,
    l2: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse sublinear tf-idf rows as (row, col, value) triples, sorted by row
    then column; l2-normalized per row unless ``l2`` is false."""
    key = (rows << bits) | cols
    unique, counts = _unique_counts(key[radix_order(key, bits + max(n_rows - 1, 0).bit_length())])
    r = unique >> bits
    c = unique & ((1 << bits) - 1)
    values = idf[c].astype(np.float64)
    repeated = (counts > 1).nonzero()[0]  # 1 + log(1) is 1: most n-grams occur once
    values[repeated] *= 1.0 + np.log(counts[repeated])
    if not l2:
        return r, c, values
    norms = np.sqrt(np.bincount(r, values * values, minlength=n_rows))
    return r, c, values / np.where(norms > 0, norms, 1.0)[r]


def linear_scores(
    r: np.ndarray,
    c: np.ndarray,
    values: np.ndarray,
    n_rows: int,
    coef: np.ndarray,
    intercept: np.ndarray,
) -> np.ndarray:
    """Decision values ``X @ coef + intercept`` for sparse rows; shape (n_rows, K)."""
    if coef.ndim == 1:
        out = np.bincount(r, coef[c] * values, minlength=n_rows)[:, None]
        return out + intercept.reshape(1, -1)
    coef2 = coef.reshape(coef.shape[0], -1)
    # np.take: indexing a 2-D array by rows is several times slower.
    contrib = np.take(coef2, c, axis=0).astype(np.float64) * values[:, None]
    out = np.empty((n_rows, coef2.shape[1]), dtype=np.float64)
    for k in range(coef2.shape[1]):
        out[:, k] = np.bincount(r, contrib[:, k], minlength=n_rows)
    return out + intercept.reshape(1, -1)

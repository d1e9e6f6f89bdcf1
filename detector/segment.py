"""Split normalized text into clauses, the unit the classifier scores.

Clauses end at sentence punctuation, commas, semicolons and line breaks (after
normalization full-width punctuation is ASCII).  A run longer than
``MAX_CLAUSE_CHARS`` without any break (a scraped page without punctuation) is cut
into windows, so the work stays linear in the input length.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from detector import _chardata
from detector._arrays import ranges, run_sizes, run_starts

__all__ = [
    "MAX_CLAUSE_CHARS",
    "MIN_CLAUSE_CHARS",
    "NEIGHBOUR_GAP",
    "Clause",
    "are_neighbours",
    "clause_bounds",
    "merge_short",
    "split_clauses",
    "text_segments",
    "windows",
]

MAX_CLAUSE_CHARS = 160
#: Two clauses at most this many characters apart (the punctuation and spaces
#: between them) and with no line break between them are neighbours: one ad
#: split by its own punctuation (see ``Detector._bridges``).
NEIGHBOUR_GAP = 2
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")
#: A clause shorter than this is scored together with its neighbour in the same
#: sentence: two or three characters ("还有", "电话") carry too little evidence.
MIN_CLAUSE_CHARS = 6
#: Where a long text is cut into segments (:func:`text_segments`), best first.
_SEGMENT_ENDS = ("\n", "。", "！", "？", "!", "?")
_SENTENCE_END_CODES = np.array([ord(c) for c in "。!?\n\r\u2028\u2029"], dtype=np.uint32)

# A clause is a run of characters that are not breaks (sentence ends, commas,
# semicolons, line breaks); '.' breaks only before white space or at the end.
# Written as "runs of plain characters joined by dots" rather than
# "(?:plain|dot)+": the regex engine keeps a backtracking frame per iteration of
# a group, which cost ~140 bytes per character on a page without punctuation.
_PLAIN_RUN = r"[^。!?;,\r\n\u2028\u2029.]"
_DOT_BREAK = r"\.(?=\S)"
_BREAKS = re.compile(f"{_PLAIN_RUN}+(?:{_DOT_BREAK}{_PLAIN_RUN}*)*|(?:{_DOT_BREAK}{_PLAIN_RUN}*)+")
_CONTENT = re.compile(r"\S")
_BREAK_CODES = np.array([ord(c) for c in "。!?;,\r\n\u2028\u2029"], dtype=np.uint32)
_SPACE_CODES = np.array(_chardata.WHITE_SPACE_CODES, dtype=np.uint32)
_DOT = 0x2E


_SPACE_BIT, _BREAK_BIT, _SENTENCE_END_BIT = 1, 2, 4


@lru_cache(maxsize=1)
def _flags() -> np.ndarray:
    """Per code point: white space, clause break, sentence end (bit flags); a
    lookup is much cheaper than ``np.isin`` on every scan."""
    flags = np.zeros(0x110000, dtype=np.uint8)
    flags[_SPACE_CODES] |= _SPACE_BIT
    flags[_BREAK_CODES] |= _BREAK_BIT
    flags[_SENTENCE_END_CODES] |= _SENTENCE_END_BIT
    return flags


class Clause(NamedTuple):
    start: int
    end: int


def split_clauses(text: str) -> list[Clause]:
    """Half-open clause spans of ``text`` without surrounding white space.

    Spans contain at least one non-space character, never overlap and are in
    order; short clauses are joined to a neighbour (see :func:`merge_short`).  A
    '.' only breaks a clause when followed by white space or the end of the text,
    so URLs and decimals stay whole.
    """
    clauses: list[Clause] = []
    for match in _BREAKS.finditer(text):
        start, end = match.span()
        first = _CONTENT.search(text, start, end)
        if first is None:
            continue
        start = first.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        while end - start > MAX_CLAUSE_CHARS:
            cut = start + MAX_CLAUSE_CHARS
            clauses.append(Clause(start, cut))
            start = cut
        clauses.append(Clause(start, end))
    if not clauses:
        return clauses
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    bounds = merge_short(codes, np.array(clauses, dtype=np.int64))
    return [Clause(int(a), int(b)) for a, b in bounds]


def merge_short(codes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Join each clause shorter than ``MIN_CLAUSE_CHARS`` to the next clause, or
    else the previous one, when no sentence end lies between them; the joined
    span then holds the comma between them.  Long windows are never joined.

    In order: a short clause is held back; the next clause takes it in when
    joinable (and is held back in turn while still short); otherwise the held
    clause joins the last clause kept so far when joinable, or stays alone.
    Only short clauses and the clauses right after them change anything, so
    the loop visits those alone."""
    return _merge_short(_flags()[codes.astype(np.uint32, copy=False)], bounds)


def _merge_short(flags: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """:func:`merge_short` given the ``_flags()`` of the text's characters."""
    sizes = bounds[:, 1] - bounds[:, 0]
    if not len(bounds) or sizes.min() >= MIN_CLAUSE_CHARS:
        return bounds
    ends_before = np.zeros(len(flags) + 1, dtype=np.int64)
    ((flags & _SENTENCE_END_BIT) > 0).cumsum(out=ends_before[1:])
    short = (sizes < MIN_CLAUSE_CHARS).nonzero()[0]
    marked = np.zeros(len(bounds) + 1, dtype=bool)
    marked[short] = True
    marked[short + 1] = True
    visit = marked[:-1].nonzero()[0]  # short clauses and the clauses after them
    starts, ends = bounds[:, 0].tolist(), bounds[:, 1].tolist()
    keep = np.ones(len(bounds), dtype=bool)

    def joinable(left_end: int, right_start: int) -> bool:
        return bool(ends_before[right_start] == ends_before[left_end])

    last = -1  # the last clause kept so far
    held = -1  # the short clause held back
    visited = -1
    for i in visit.tolist():
        if i - 1 > visited:  # the clauses between two visits are kept as they are
            last = i - 1
        visited = i
        if held >= 0:  # held is i - 1, visited just before
            if joinable(ends[held], starts[i]):
                starts[i] = starts[held]
                keep[held] = False
            elif last >= 0 and joinable(ends[last], starts[held]):
                ends[last] = ends[held]
                keep[held] = False
            else:
                last = held
            held = -1
        if ends[i] - starts[i] < MIN_CLAUSE_CHARS:
            held = i
        else:
            last = i
    if held >= 0 and last >= 0 and joinable(ends[last], starts[held]):
        ends[last] = ends[held]
        keep[held] = False
    return np.stack([np.array(starts)[keep], np.array(ends)[keep]], axis=1).astype(np.int64)


def clause_bounds(codes: np.ndarray) -> np.ndarray:
    """The spans of :func:`split_clauses` as a ``(k, 2)`` int64 array, computed
    from the code points of the text without a Python loop per clause."""
    codes = codes.astype(np.uint32, copy=False)
    flags = _flags()[codes]
    space = (flags & _SPACE_BIT) > 0
    breaks = (flags & _BREAK_BIT) > 0
    dots = (codes == _DOT).nonzero()[0]
    if len(dots):
        # '.' breaks before white space or at the very end.
        after = dots + 1
        last = after >= len(codes)
        follows_space = np.zeros(len(dots), dtype=bool)
        follows_space[~last] = space[after[~last]]
        breaks[dots[last | follows_space]] = True
    content = (~breaks & ~space).nonzero()[0]
    if not len(content):
        return np.empty((0, 2), dtype=np.int64)
    runs = run_starts(breaks.cumsum()[content])  # runs of non-break characters
    starts = content[runs].astype(np.int64)
    ends = content[runs + run_sizes(runs, len(content)) - 1].astype(np.int64) + 1
    pieces = (ends - starts + MAX_CLAUSE_CHARS - 1) // MAX_CLAUSE_CHARS
    if (pieces > 1).any():
        nth, which = ranges(np.zeros_like(pieces), pieces)  # piece nth of run ``which``
        piece_starts = starts[which] + nth * MAX_CLAUSE_CHARS
        ends = np.minimum(piece_starts + MAX_CLAUSE_CHARS, ends[which])
        starts = piece_starts
    return _merge_short(flags, np.stack([starts, ends], axis=1))


def windows(bounds: np.ndarray, width: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Units to score for each clause in ``bounds``: the clause itself and, when it
    is longer than ``width``, windows of ``width`` characters every ``stride``
    (the last one ending at the clause's end).  A few ad characters spliced into a
    long clause are a small part of its features but a large part of a window's.

    Returns (units as an (n, 2) array of [start, end), index of each unit's clause).
    """
    units: list[tuple[int, int]] = []
    owner: list[int] = []
    for index, (start, end) in enumerate(bounds.tolist()):
        units.append((start, end))
        owner.append(index)
        if end - start > width:
            last = end - width
            for begin in [*range(start, last, stride), last]:
                units.append((begin, begin + width))
                owner.append(index)
    return (
        np.asarray(units, dtype=np.int64).reshape(-1, 2),
        np.asarray(owner, dtype=np.int64),
    )


def are_neighbours(text: str, end: int, next_start: int) -> bool:
    """Whether a clause ending at ``end`` of ``text`` and the next one, starting
    at ``next_start``, are neighbours (``NEIGHBOUR_GAP``).  A line break always
    parts them: a paragraph, or in a batch the next text."""
    return 0 < next_start - end <= NEIGHBOUR_GAP and _LINE_BREAKS.isdisjoint(text[end:next_start])


def text_segments(text: str, limit: int) -> list[tuple[int, int]]:
    """``[start, end)`` bounds of consecutive segments of ``text``, each at most
    ``limit`` characters (one segment when the text is no longer): cut after the
    last line break in the second half of the limit, else after the last sentence
    end there, else at the limit (a text without either, which no news page is)."""
    bounds = []
    start = 0
    while len(text) - start > limit:
        low, high = start + limit // 2, start + limit
        cut = -1
        for end in _SEGMENT_ENDS:
            cut = text.rfind(end, low, high)
            if cut >= 0:
                break
        cut = cut + 1 if cut >= 0 else high
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds

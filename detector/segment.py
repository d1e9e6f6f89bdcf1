"""Split normalized text into clauses, the unit the classifier scores.

Clauses end at sentence punctuation, commas, semicolons and line breaks (after
normalization full-width punctuation is ASCII).  A run longer than
``MAX_CLAUSE_CHARS`` without any break (a scraped page without punctuation) is cut
into windows, so the work stays linear in the input length.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

__all__ = ["MAX_CLAUSE_CHARS", "Clause", "clause_bounds", "split_clauses"]

MAX_CLAUSE_CHARS = 160

# A clause is a run of characters that are not breaks (sentence ends, commas,
# semicolons, line breaks); '.' breaks only before white space or at the end.
_BREAKS = re.compile(r"(?:[^。!?;,\r\n\u2028\u2029.]|\.(?=\S))+")
_CONTENT = re.compile(r"\S")
_BREAK_CODES = np.array([ord(c) for c in "。!?;,\r\n\u2028\u2029"], dtype=np.uint32)
# Code points for which str.isspace() (and re's \s) is true.
_SPACE_CODES = np.array(
    [ord(c) for c in "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"]
    + list(range(0x2000, 0x200B)),
    dtype=np.uint32,
)
_DOT = 0x2E


class Clause(NamedTuple):
    start: int
    end: int


def split_clauses(text: str) -> list[Clause]:
    """Half-open clause spans of ``text`` without surrounding white space.

    Spans contain at least one non-space character, never overlap and are in
    order.  A '.' only breaks a clause when followed by white space or the end of
    the text, so URLs and decimals stay whole.
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
    return clauses


def clause_bounds(codes: np.ndarray) -> np.ndarray:
    """The spans of :func:`split_clauses` as a ``(k, 2)`` int64 array, computed
    from the code points of the text without a Python loop per clause."""
    codes = codes.astype(np.uint32, copy=False)
    space = np.isin(codes, _SPACE_CODES)
    breaks = np.isin(codes, _BREAK_CODES)
    dots = np.flatnonzero(codes == _DOT)
    if len(dots):
        # '.' breaks before white space or at the very end.
        after = dots + 1
        last = after >= len(codes)
        follows_space = np.zeros(len(dots), dtype=bool)
        follows_space[~last] = space[after[~last]]
        breaks[dots[last | follows_space]] = True
    content = np.flatnonzero(~breaks & ~space)
    if not len(content):
        return np.empty((0, 2), dtype=np.int64)
    run = np.cumsum(breaks)[content]  # runs of non-break characters
    new = np.flatnonzero(np.diff(run)) + 1
    starts = content[np.concatenate(([0], new))].astype(np.int64)
    ends = content[np.concatenate((new - 1, [len(content) - 1]))].astype(np.int64) + 1
    pieces = (ends - starts + MAX_CLAUSE_CHARS - 1) // MAX_CLAUSE_CHARS
    if (pieces > 1).any():
        which = np.repeat(np.arange(len(starts)), pieces)
        first = np.repeat(np.cumsum(pieces) - pieces, pieces)
        piece_starts = starts[which] + (np.arange(len(which)) - first) * MAX_CLAUSE_CHARS
        ends = np.minimum(piece_starts + MAX_CLAUSE_CHARS, ends[which])
        starts = piece_starts
    return np.stack([starts, ends], axis=1)

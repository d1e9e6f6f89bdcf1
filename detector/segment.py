"""Split normalized text into clauses, the unit the classifier scores.

Clauses end at sentence punctuation, commas, semicolons and line breaks (after
normalization full-width punctuation is ASCII).  A run longer than
``MAX_CLAUSE_CHARS`` without any break (a scraped page without punctuation) is cut
into windows, so the work stays linear in the input length.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["MAX_CLAUSE_CHARS", "Clause", "split_clauses"]

MAX_CLAUSE_CHARS = 160

# A clause is a run of characters that are not breaks (sentence ends, commas,
# semicolons, line breaks); '.' breaks only before white space or at the end.
# Written as "runs of plain characters joined by dots" rather than
# "(?:plain|dot)+": the regex engine keeps a backtracking frame per iteration of
# a group, which cost ~140 bytes per character on a page without punctuation.
_PLAIN_RUN = r"[^。!?;,\r\n\u2028\u2029.]"
_DOT = r"\.(?=\S)"
_BREAKS = re.compile(f"{_PLAIN_RUN}+(?:{_DOT}{_PLAIN_RUN}*)*|(?:{_DOT}{_PLAIN_RUN}*)+")
_CONTENT = re.compile(r"\S")


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

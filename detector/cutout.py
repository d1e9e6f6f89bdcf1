"""Cutting spans that are not evidence of an ad out of findings, and judging
what is left.

Two kinds of text are never an ad, whatever a finding that holds them scores: a
phrase the user allows (``allow`` in ``.detector.toml``, see
:mod:`detector.suppress`) and a link to a trusted site (:mod:`detector.links`).
Both weigh in the model's scores all the same (``详情可登录市人社局官网
www.hrss.gov.cn查询`` was blocked for the shape of its link), so they are cut out
of the findings, and what is left of a finding is judged again: the text is
scanned with the cut spans deleted, and a piece stays a finding only where a
finding of that text overlaps it, with that finding's score and category (its
edges stay the first scan's, which saw the text as written).  A third kind,
greetings (:mod:`detector.greetings`), is not weighed either but stays in the
findings it opens: deleted for the judgement, not cut out.  Pure: the caller
passes the scan.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Sequence

from detector.results import Finding

__all__ = ["Rescore", "cut_out", "masked", "merged", "minus"]

#: The findings of a text (``Detector.scan(text).findings``).
Rescore = Callable[[str], Sequence[Finding]]


def cut_out(
    findings: Sequence[Finding],
    text: str,
    cuts: Sequence[tuple[int, int]],
    rescore: Rescore,
    unweighed: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """``findings`` (of ``text``) with the ``cuts`` (spans of ``text``) cut out of
    them, each piece left (punctuation and spaces trimmed, two characters or
    more) judged on ``text`` without the cuts (``rescore``): it stays where a
    finding of that text overlaps it, with the score and category of the best
    such finding.  The ``unweighed`` spans are deleted for that judgement too,
    but stay in the pieces: a piece stays where a finding of the text without
    both overlaps its part outside them (a greeting is not weighed, and goes
    with the ad it opens; see :mod:`detector.greetings`).  Findings neither
    touches stay as they are, and ``rescore`` runs only when one does.  Linear
    in the findings and spans (a page of thousands of cited links and
    findings)."""
    cut = _Spans(cuts)
    quiet = _Spans(unweighed)
    either = _Spans([*cut.spans, *quiet.spans])
    out: list[Finding] = []
    judged: _Spans | None = None
    found: list[Finding] = []
    for finding in findings:
        if not either.over(finding.start, finding.end):
            out.append(finding)
            continue
        if judged is None:
            found = _judged(text, either.spans, rescore)
            judged = _Spans([(f.start, f.end) for f in found], merge=False)
        for start, end in minus(
            [(finding.start, finding.end)], cut.over(finding.start, finding.end)
        ):
            start, end = _trimmed(text, start, end)
            if end - start < 2:
                continue
            probes = (
                _trimmed(text, a, b) for a, b in minus([(start, end)], quiet.over(start, end))
            )
            over = [found[k] for a, b in probes if a < b for k in judged.indices(a, b)]
            if over:
                top = max(over, key=lambda f: f.score)
                out.append(Finding(start, end, text[start:end], top.score, top.category))
    return out


class _Spans:
    """Sorted spans (overlapping or touching ones joined unless ``merge`` is
    false, when they must be sorted by start and end alike, as findings are),
    and the ones that overlap a span, by bisection."""

    def __init__(self, spans: Sequence[tuple[int, int]], merge: bool = True) -> None:
        self.spans = merged(spans) if merge else list(spans)
        self._ends = [end for _, end in self.spans]

    def indices(self, start: int, end: int) -> range:
        """Where the spans that overlap ``[start, end)`` stand in ``spans``."""
        first = last = bisect.bisect_right(self._ends, start)
        while last < len(self.spans) and self.spans[last][0] < end:
            last += 1
        return range(first, last)

    def over(self, start: int, end: int) -> list[tuple[int, int]]:
        """The spans that overlap ``[start, end)``."""
        found = self.indices(start, end)
        return self.spans[found.start : found.stop]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without punctuation, spaces or invisibles at its ends."""
    while start < end and _is_filler(text[start]):
        start += 1
    while end > start and _is_filler(text[end - 1]):
        end -= 1
    return start, end


def _judged(text: str, cuts: list[tuple[int, int]], rescore: Rescore) -> list[Finding]:
    """The findings of ``text`` scanned with the ``cuts`` (sorted, disjoint)
    deleted, put back on ``text`` in order (a finding across a deleted span
    spans it)."""
    kept, origin = masked(text, cuts)
    out = []
    for f in sorted(rescore(kept), key=lambda f: f.start):
        start, end = origin[f.start], origin[f.end - 1] + 1
        out.append(Finding(start, end, text[start:end], f.score, f.category))
    return out


def masked(text: str, cuts: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """``text`` without the ``cuts`` spans, and where each character left is in ``text``."""
    kept, position = [], 0
    for start, end in merged(cuts):
        if start > position:
            kept.append((position, start))
        position = max(position, end)
    if position < len(text):
        kept.append((position, len(text)))
    origin = [i for start, end in kept for i in range(start, end)]  # masked -> text
    return "".join(text[start:end] for start, end in kept), origin


def merged(cuts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``cuts`` (``[start, end)`` spans) sorted, with those that overlap or touch joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(cuts):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _is_filler(ch: str) -> bool:
    """Punctuation, a space or an invisible character: not worth a finding alone."""
    return unicodedata.category(ch)[0] in "PZC"


def minus(spans: list[tuple[int, int]], cuts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` without the characters of ``cuts``."""
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in spans:
            if cut_end <= start or end <= cut_start:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        spans = pieces
    return spans

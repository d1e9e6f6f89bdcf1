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
edges stay the first scan's, which saw the text as written).  Pure: the caller
passes the scan.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from detector.results import Finding

__all__ = ["Rescore", "cut_out", "masked", "minus"]

#: The findings of a text (``Detector.scan(text).findings``).
Rescore = Callable[[str], Sequence[Finding]]


def cut_out(
    findings: Sequence[Finding], text: str, cuts: Sequence[tuple[int, int]], rescore: Rescore
) -> list[Finding]:
    """``findings`` (of ``text``) with the ``cuts`` (spans of ``text``) cut out of
    them, each piece left (punctuation and spaces trimmed, two characters or
    more) judged on ``text`` without the cuts (``rescore``): it stays where a
    finding of that text overlaps it, with the score and category of the best
    such finding.  Findings the cuts do not touch stay as they are, and
    ``rescore`` runs only when one does."""
    out: list[Finding] = []
    judged: list[Finding] | None = None
    for finding in findings:
        pieces = minus([(finding.start, finding.end)], cuts)
        if pieces == [(finding.start, finding.end)]:
            out.append(finding)
            continue
        if judged is None:
            judged = _judged(text, cuts, rescore)
        for start, end in pieces:
            while start < end and _is_filler(text[start]):
                start += 1
            while end > start and _is_filler(text[end - 1]):
                end -= 1
            over = [f for f in judged if f.start < end and start < f.end]
            if over and end - start >= 2:
                top = max(over, key=lambda f: f.score)
                out.append(Finding(start, end, text[start:end], top.score, top.category))
    return out


def _judged(text: str, cuts: Sequence[tuple[int, int]], rescore: Rescore) -> list[Finding]:
    """The findings of ``text`` scanned with the ``cuts`` deleted, put back on
    ``text`` (a finding across a deleted span spans it)."""
    kept, origin = masked(text, cuts)
    out = []
    for f in rescore(kept):
        start, end = origin[f.start], origin[f.end - 1] + 1
        out.append(Finding(start, end, text[start:end], f.score, f.category))
    return out


def masked(text: str, cuts: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """``text`` without the ``cuts`` spans, and where each character left is in ``text``."""
    kept = minus([(0, len(text))], sorted(cuts))
    origin = [i for start, end in kept for i in range(start, end)]  # masked -> text
    return "".join(text[start:end] for start, end in kept), origin


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

"""The findings that recur across documents, in bounded memory (pure: no I/O).

A hijacked mirror splices the same ad into thousands of the pages it copies, and
an outlet's own line that reads as an ad (an app download link, a follow-us
line) is flagged on every page of that outlet.  Either way, over a crawl a few
finding texts account for most findings, and they are what a person triages
first: confirm the campaign, or allowlist the outlet's line.  ``detector scan
--summary`` and the Scrapy pipeline report them.

Texts are compared as the allowlist and the baseline compare them
(:func:`detector.suppress.normalized_texts`: width, traditional characters,
spacing and case folded), so a zero-width or spaced-out copy of an ad counts with
the plain one, and each is counted once per document however often it occurs
there.  Memory is bounded: at most ``2 * capacity`` texts are held; when the
table is full the ``capacity`` texts found in the fewest documents are
forgotten (a *lossy count*).  A count is therefore never more than the true
number of documents, and it is exact unless texts have been forgotten; a text
forgotten once and seen again is counted from then on, and reported as a lower
bound (``at least``).  A text is forgotten only when ``capacity`` others have
each been counted in at least as many documents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from detector.results import FieldVerdicts, Finding

__all__ = ["Recurrence", "Recurring"]

#: Longer texts (a whole machine-written article reported as one finding) are
#: keyed by a digest of their normalized form, and shown cut short.
_KEY_CHARS = 200
_SHOWN_CHARS = 40


@dataclass(frozen=True)
class Recurrence:
    """A finding text found in ``documents`` documents (at least that many when
    not ``exact``), shown as it was first found, with that finding's category."""

    text: str
    category: str
    documents: int
    exact: bool

    def describe(self) -> str:
        """``812 documents "杨方线上配资股票" (stock-margin)``; ``at least 40 …``
        for a lower bound; a long text cut to its first 40 characters and ``…``."""
        shown = self.text if len(self.text) <= _SHOWN_CHARS else self.text[:_SHOWN_CHARS] + "…"
        # One line, whatever it spanned; quoted as scan's text output quotes
        # (control characters and quotes escaped).
        shown = json.dumps(" ".join(shown.split()), ensure_ascii=False)
        bound = "" if self.exact else "at least "
        return f"{bound}{self.documents:,} documents {shown} ({self.category})"


class Recurring:
    """Counts, for each finding text, the documents it was found in."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._counts: dict[str, int] = {}
        self._first: dict[str, tuple[str, str]] = {}  # key -> (text, category)
        self._forgot = False
        self._inexact: set[str] = set()  # keys first counted after something was forgotten
        # Keys counted since begin(), for undo(); None: not kept (a scan or a
        # crawl never undoes, and the list would grow with it).
        self._journal: list[str] | None = None

    def add(self, findings: Iterable[Finding]) -> None:
        """Count one document's findings (a text found twice there counts once)."""
        from detector.suppress import normalized_texts

        findings = list(findings)
        if not findings:
            return
        keys = normalized_texts([f.text for f in findings])
        seen: set[str] = set()
        for finding, normalized in zip(findings, keys, strict=True):
            key = self._key(normalized)
            if key in seen:
                continue
            seen.add(key)
            if self._journal is not None:
                self._journal.append(key)
            if key in self._counts:
                self._counts[key] += 1
                continue
            self._counts[key] = 1
            self._first[key] = (finding.text, finding.category)
            if self._forgot:  # it may have been counted and forgotten before
                self._inexact.add(key)
        if len(self._counts) >= 2 * self.capacity:
            self._forget()

    def add_result(self, result: FieldVerdicts) -> None:
        """Count the findings of all the fields of one document, record or item
        (a scan's result, or a :class:`~detector.integrations.HookResult`)."""
        self.add(f for verdict in result.verdicts.values() for f in verdict.findings)

    def begin(self) -> None:
        """Start remembering what is counted, for :meth:`undo` (one reference
        per text and document until the next ``begin``)."""
        self._journal = []

    def undo(self) -> None:
        """Uncount what was counted since :meth:`begin` (an input whose cleaning
        failed and was left as it was: nothing was removed from it); without a
        ``begin`` since the last ``undo``, nothing."""
        for key in self._journal or ():
            count = self._counts.get(key)
            if count is None:  # forgotten since
                continue
            if count > 1:
                self._counts[key] = count - 1
            else:
                del self._counts[key]
                del self._first[key]
                self._inexact.discard(key)
        self._journal = None

    @staticmethod
    def _key(normalized: str) -> str:
        if len(normalized) <= _KEY_CHARS:
            return normalized
        return "#" + hashlib.sha1(normalized.encode("utf-8", "surrogatepass")).hexdigest()

    def _forget(self) -> None:
        """Keep the ``capacity`` texts found in the most documents."""
        ranked = sorted(self._counts.items(), key=lambda item: -item[1])
        for key, _ in ranked[self.capacity :]:
            del self._counts[key]
            del self._first[key]
            self._inexact.discard(key)
        self._forgot = True
        # Ties forgotten the same way every run: sorted() is stable over the
        # dict's insertion order, which follows the input.

    def top(self, n: int = 5, at_least: int = 2) -> list[Recurrence]:
        """The ``n`` texts found in the most documents (and in ``at_least`` of
        them), most first, ties in the order they were first found."""
        ranked = sorted(
            (item for item in self._counts.items() if item[1] >= at_least),
            key=lambda item: -item[1],
        )
        return [
            Recurrence(*self._first[key], count, key not in self._inexact)
            for key, count in ranked[:n]
        ]

    def line(self, n: int = 5) -> str | None:
        """``recurring findings: 812 documents "…" (stock-margin); 40 documents
        "…" (promotion)``, or None when no text was found in two documents."""
        top = self.top(n)
        if not top:
            return None
        return "recurring findings: " + "; ".join(r.describe() for r in top)

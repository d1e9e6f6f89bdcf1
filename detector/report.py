"""Turning verdicts into output records and lines (no I/O here)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from detector.inputs import Document
from detector.jsontext import RecordPositions
from detector.lines import Lines
from detector.recurring import Recurring
from detector.results import FieldVerdicts, Finding, Verdict

__all__ = ["DocumentResult", "Tally", "counted", "one_line", "places", "text_lines", "to_record"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class DocumentResult(FieldVerdicts):
    document: Document
    verdicts: dict[str | None, Verdict]  # field name (None for a plain file) → verdict

    @property
    def findings(self) -> list[tuple[str | None, Finding]]:
        return [(name, f) for name, v in self.verdicts.items() for f in v.findings]


def to_record(result: DocumentResult) -> dict[str, Any]:
    """The JSON object for one scanned document (see README, "Output schema")."""
    doc = result.document
    record: dict[str, Any] = {"path": doc.path}
    if doc.line is not None:
        record["line"] = doc.line
        record["id"] = doc.id
    record["is_spam"] = result.is_spam
    record["score"] = round(result.score, 4)
    findings = []
    for name, finding in result.findings:
        item = finding.to_dict()
        if doc.line is not None:
            item = {"field": name, **item}
        findings.append(item)
    record["findings"] = findings
    return record


def one_line(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\t``, ``\\x1b`` …),
    for output read line by line: a file name holding a newline would otherwise
    split (or forge) a ``path:line:col:`` line, and an escape sequence would
    reach the terminal.  Like :func:`detector.inputs.printable` for bad bytes."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def _snippet(text: str, limit: int = 60) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(short, ensure_ascii=False)


def text_lines(result: DocumentResult) -> list[str]:
    """Linter-style lines: ``path:line:col: category score "snippet"``, and
    `` [field]`` for a record's field; line:col is where the finding starts in
    the file as written (:func:`places`)."""
    doc = result.document
    lines = []
    for (name, finding), (line, col) in zip(
        result.findings, places(doc, result.findings), strict=True
    ):
        suffix = "" if doc.line is None else f" [{name}]"
        lines.append(
            f"{one_line(doc.path)}:{line}:{col}: {finding.category} {finding.score:.2f}"
            f" {_snippet(finding.text)}{suffix}"
        )
    return lines


def places(
    document: Document, findings: Iterable[tuple[str | None, Finding]]
) -> Iterator[tuple[int, int]]:
    """The line and column in the file as written where each of ``findings``
    (field name, finding of ``document``) starts: for an HTML page, in its
    source; for a record's field, in the field's JSON string, its escapes
    counted as written (:mod:`detector.jsontext`).  ``scan``'s text output and
    ``explain`` show them."""
    # One per field (or HTML source): each field's findings come in order.
    positions: dict[str | None, Lines] = {}
    record: RecordPositions | None = None
    for name, finding in findings:
        if document.html is not None:
            # HTML: offsets index the extracted text; point into the HTML source.
            where = positions.setdefault(name, Lines(document.html.source))
            yield where.line_col(document.html.source_offset(finding.start))
        elif document.line is None:
            where = positions.setdefault(name, Lines(document.fields[name]))
            yield where.line_col(finding.start)
        else:
            record = record or RecordPositions.of(document)
            assert record is not None  # a record: document.line is set
            yield record.place(name, finding.start)


def counted(n: int, noun: str) -> str:
    """``n`` with ``noun`` after it, plural but for one: ``3,304 documents``, ``1 error``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class Tally:
    """What a scan saw, for ``detector scan --summary``: documents (files, pages,
    records), those with findings and those blocked, findings per category,
    inputs that failed and inputs skipped on purpose, and the finding texts
    found in the most documents (:mod:`detector.recurring`)."""

    documents: int = 0
    flagged: int = 0
    blocked: int = 0
    errors: int = 0
    skipped: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    # Counted only when given (``--summary``): it costs a normalization per document
    # with findings.
    recurring: Recurring | None = None

    def add(self, result: DocumentResult) -> None:
        self.documents += 1
        findings = result.findings
        if findings:
            self.flagged += 1
            self.categories.update(finding.category for _, finding in findings)
            if self.recurring is not None:
                self.recurring.add_result(result)
        if result.is_spam:
            self.blocked += 1

    def summary(self, seconds: float) -> str:
        """One line, e.g. ``3,304 documents in 0.52 s: 41 with findings, 38
        blocked; findings: stock-margin 12, gambling 9; 0 errors, 1 skipped``;
        categories by count, then by name."""
        line = (
            f"{counted(self.documents, 'document')} in {seconds:.2f} s:"
            f" {self.flagged:,} with findings, {self.blocked:,} blocked"
        )
        if self.categories:
            ranked = sorted(self.categories.items(), key=lambda item: (-item[1], item[0]))
            line += "; findings: " + ", ".join(f"{name} {count:,}" for name, count in ranked)
        return line + f"; {counted(self.errors, 'error')}, {self.skipped:,} skipped"

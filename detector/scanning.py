"""Scanning one input document: the model, HTML hidden text, then suppressions.

Pure glue between :mod:`detector.inputs` documents and the core; the CLI and
other adapters call :func:`scan_document` and only print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from detector.core import Detector
from detector.inputs import Document, InputError, Notice
from detector.report import DocumentResult
from detector.results import Finding, Verdict
from detector.suppress import Suppressions, without

__all__ = ["ScanOptions", "ScannedDocument", "scan_document", "scan_documents"]


@dataclass(frozen=True)
class ScannedDocument:
    """A document's result after suppressions, and the reported findings with
    their fingerprints (``kept``: field name, finding, fingerprint)."""

    result: DocumentResult
    kept: tuple[tuple[str | None, Finding, str], ...]


def scan_document(
    detector: Detector,
    document: Document,
    suppressions: Suppressions | None = None,
    use_baseline: bool = True,
    scanned: dict[str | None, Verdict] | None = None,
) -> ScannedDocument:
    """Scan every field of ``document`` and drop suppressed findings.

    ``scanned`` holds verdicts already computed for the fields (by worker
    processes, see :mod:`detector.parallel`); missing fields are scanned here."""
    suppressions = suppressions or Suppressions()
    page = document.html
    verdicts: dict[str | None, Verdict] = {}
    kept_all: list[tuple[str | None, Finding, str]] = []
    for name, text in document.fields.items():
        verdict = scanned[name] if scanned and name in scanned else detector.scan(text)
        if page is not None:
            from detector.html import hidden_findings  # here: most inputs are not HTML

            verdict = hidden_findings(page, verdict)
        kept = suppressions.keep(
            verdict.findings,
            path=document.path,
            text=text,
            record_id=document.id,
            field=name,
            marker_text=page.source if page is not None else None,
            marker_offset=page.source_offset if page is not None else None,
            use_baseline=use_baseline,
        )
        verdicts[name] = without(verdict, [f for f, _ in kept], detector.block_threshold)
        kept_all.extend((name, f, fingerprint) for f, fingerprint in kept)
    return ScannedDocument(DocumentResult(document, verdicts), tuple(kept_all))


@dataclass(frozen=True)
class ScanOptions:
    """How inputs are read (see :func:`detector.inputs.iter_documents`) and
    findings suppressed: the same in every worker process."""

    input_format: str = "auto"
    text_fields: tuple[str, ...] = ("text",)
    encoding: str | None = None
    suppressions: Suppressions = field(default_factory=Suppressions)
    use_baseline: bool = True


def scan_documents(
    detector: Detector,
    items: Sequence[Document | InputError | Notice],
    options: ScanOptions,
) -> list[ScannedDocument | InputError | Notice]:
    """:func:`scan_document` for each document of ``items`` (errors and notices
    pass through), every field of every document scanned in one
    ``Detector.scan_many`` call."""
    texts = [text for item in items if isinstance(item, Document) for text in item.fields.values()]
    verdicts = iter(detector.scan_many(texts))
    results: list[ScannedDocument | InputError | Notice] = []
    for item in items:
        if isinstance(item, Document):
            scanned = {name: next(verdicts) for name in item.fields}
            results.append(
                scan_document(detector, item, options.suppressions, options.use_baseline, scanned)
            )
        else:
            results.append(item)
    return results

"""Scanning one input document: the model, HTML hidden text, then suppressions.

Pure glue between :mod:`detector.inputs` documents and the core; the CLI and
other adapters call :func:`scan_document` and only print.
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.core import Detector
from detector.html import hidden_findings
from detector.inputs import Document
from detector.report import DocumentResult
from detector.results import Finding, Verdict
from detector.suppress import Suppressions, without

__all__ = ["ScannedDocument", "scan_document"]


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

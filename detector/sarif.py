"""SARIF 2.1.0 output (``detector scan --format sarif``), built from scan results.

One run; ``tool.driver`` is ``detector`` with one rule per category
(descriptions from :mod:`detector.categories`); columns count Unicode code points
(``run.columnKind``).  Regions:

* text files: ``startLine``/``startColumn``/``endLine``/``endColumn`` (end column
  exclusive) plus ``charOffset``/``charLength`` into the decoded file text;
* HTML files: the same, into the HTML source (through the text → source map of
  :mod:`detector.html`);
* JSONL/JSON records: ``startLine``/``startColumn``/``endLine``/``endColumn``
  of the finding in the file as written, inside the field's JSON string (through
  :mod:`detector.jsontext`: an escape such as ``\\n``, ``\\"`` or ``\\u4e2d``
  counts as the characters it is written with, so the region covers them), with
  no ``charOffset``/``charLength`` (a JSONL record does not know its offset in
  the file).  The finding's offsets index the field's decoded string; the field
  and those offsets are in the result's ``properties``.  Should the field's
  string not be found in the record's text (not expected), the region is the
  record's ``startLine`` only.

``partialFingerprints["detectorFinding/v1"]`` is the content fingerprint also used
by baselines (:func:`detector.suppress.fingerprints`), as the scan computed it
(``ScannedDocument.kept``): over all findings before suppression and on the text
scanned (a markup field's readable text), so it is the one a baseline records.
``level`` is ``error`` for findings at or above the model's *block* threshold,
else ``warning``.  A file under the current directory is located by its URI
relative to it with ``uriBaseId`` ``%SRCROOT%`` (``run.originalUriBaseIds``
gives the directory), as code scanning maps results to a repository's files,
however the path was given; any other file by its absolute ``file:`` URI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from detector.categories import DESCRIPTIONS
from detector.jsontext import RecordPositions
from detector.lines import Lines
from detector.report import DocumentResult
from detector.results import Finding

if TYPE_CHECKING:
    from detector.scanning import ScannedDocument

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "document_results", "sarif_log", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "detectorFinding/v1"


#: The base of the artifacts' relative URIs: the directory detector ran in (the
#: repository's root in CI), given in ``run.originalUriBaseIds``.
SRCROOT = "%SRCROOT%"
_STDIN = "<stdin>"


def _quoted(path: str) -> str:
    """``path`` as a URI path: from the file name's bytes (``os.fsencode``), percent
    encoded, ``/`` between its parts."""
    if os.sep != "/":  # Windows: "\\" separates; on POSIX it is part of a name
        path = path.replace(os.sep, "/")
    return quote(os.fsencode(path), safe="/@")


def _file_uri(path: str) -> str:
    """The ``file:`` URI of the absolute ``path``."""
    quoted = _quoted(path)
    return "file://" + (quoted if quoted.startswith("/") else "/" + quoted)


def _artifact(path: str, real_paths: Mapping[str, str], root: str) -> dict[str, str]:
    """The ``artifactLocation`` of a document's ``path``: a file under ``root``
    (the current directory) by its URI relative to it, with ``uriBaseId``
    %SRCROOT% (so that code scanning maps it to the repository, whether detector
    was given ``articles/a.txt`` or ``$PWD/articles/a.txt``), any other file by
    its absolute ``file:`` URI; stdin as ``<stdin>``.

    Built from the file name's bytes (``os.fsencode`` of the real path, percent
    encoded), not from the printed path: that shows a byte that is not UTF-8 as
    the four characters ``\\xff``, whose backslash became a ``/`` here
    (``tree/bad/xff.txt``).  A backslash in a POSIX name and a ``:`` (which
    would read as a URI scheme) are percent-encoded too."""
    if path == _STDIN and path not in real_paths:
        return {"uri": quote(path)}
    absolute = os.path.abspath(real_paths.get(path, path))
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return {"uri": _file_uri(absolute)}
    return {"uri": _quoted(relative), "uriBaseId": SRCROOT}


def _rule(category: str) -> dict[str, Any]:
    description = DESCRIPTIONS[category]
    return {
        "id": category,
        "name": "".join(part.capitalize() for part in category.split("-")),
        "shortDescription": {"text": description},
        "fullDescription": {"text": f"Injected advertising: {description}."},
        "defaultConfiguration": {"level": "warning"},
    }


def _lines(result: DocumentResult, field: str | None) -> Lines | None:
    """What a field's regions count lines in (the HTML source for HTML); None for
    a record of a JSON or JSONL file, whose regions :func:`_record_region` finds."""
    doc = result.document
    if doc.line is not None:
        return None
    return Lines(doc.html.source if doc.html is not None else doc.fields[field])


def _record_region(
    result: DocumentResult, field: str | None, finding: Finding, positions: RecordPositions | None
) -> dict[str, Any]:
    """The region of a finding in a record's field: where it is written in the
    file, or the record's line when that cannot be found."""
    start = end = None
    if positions is not None:
        start = positions.line_col(field, finding.start)
        end = positions.line_col(field, finding.end)
    if start is None or end is None:
        return {"startLine": result.document.line}
    return {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]}


def _region(result: DocumentResult, finding: Finding, lines: Lines) -> dict[str, Any]:
    doc = result.document
    if doc.html is not None:
        start = doc.html.source_offset(finding.start)
        end = doc.html.source_offset(finding.end)
        if end <= start:
            end = min(start + len(finding.text), len(doc.html.source))
    else:
        start, end = finding.start, finding.end
    start_line, start_col = lines.line_col(start)
    end_line, end_col = lines.line_col(end)
    return {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
        "charOffset": start,
        "charLength": end - start,
    }


def to_sarif(
    results: Iterable[ScannedDocument],
    tool_version: str,
    block_threshold: float,
    real_paths: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The SARIF log (a JSON-ready dict) for the scanned ``results``.
    ``real_paths`` maps a document's printed ``path`` to the path as the file
    system names it, when they differ (:func:`detector.inputs.printable`)."""
    sarif_results = [
        item
        for scanned in results
        for item in document_results(scanned, block_threshold, real_paths)
    ]
    return sarif_log(sarif_results, tool_version)


def document_results(
    scanned: ScannedDocument,
    block_threshold: float,
    real_paths: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The SARIF results of one scanned document (see :func:`to_sarif`).  The CLI
    makes them as each document comes, so that it does not hold every document,
    text included, until the end (on 5,000 JSONL records of 5–20 KB, 60 MB in
    all, the CLI took 316 MB that way, 218 MB this way)."""
    real_paths = real_paths or {}
    root = os.getcwd()
    rule_ids = list(DESCRIPTIONS)
    sarif_results: list[dict[str, Any]] = []
    result = scanned.result
    doc = result.document
    record = RecordPositions.of(doc)
    for field, verdict in result.verdicts.items():
        # Recomputed here they numbered repeats among the findings left after
        # suppression, and hashed a markup field's source text: not the
        # baseline's fingerprints.
        prints = [fingerprint for name, _, fingerprint in scanned.kept if name == field]
        lines = _lines(result, field)
        for finding, fingerprint in zip(verdict.findings, prints, strict=True):
            if lines is None:
                region = _record_region(result, field, finding, record)
            else:
                region = _region(result, finding, lines)
            properties: dict[str, Any] = {"score": round(finding.score, 4)}
            if doc.line is not None:
                properties.update(field=field, id=doc.id, start=finding.start, end=finding.end)
            where = f" in field {field!r}" if field is not None else ""
            sarif_results.append(
                {
                    "ruleId": finding.category,
                    "ruleIndex": rule_ids.index(finding.category),
                    "level": "error" if finding.score >= block_threshold else "warning",
                    "message": {
                        "text": f"{finding.category} ({finding.score:.2f}){where}: {finding.text}"
                    },
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": _artifact(doc.path, real_paths, root),
                                "region": region,
                            }
                        }
                    ],
                    "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
                    "properties": properties,
                }
            )
    return sarif_results


def sarif_log(sarif_results: list[dict[str, Any]], tool_version: str) -> dict[str, Any]:
    """The SARIF log holding ``sarif_results`` (of :func:`document_results`)."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "detector",
                        "version": tool_version,
                        "rules": [_rule(category) for category in DESCRIPTIONS],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"uri": _file_uri(os.getcwd()) + "/"}},
                "results": sarif_results,
            }
        ],
    }

"""Scanning one input document: the model, HTML hidden text, then suppressions.

Pure glue between :mod:`detector.inputs` documents and the core; the CLI and
other adapters call :func:`scan_document` and only print.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from detector.core import Detector
from detector.inputs import Document, InputError, Notice
from detector.markup import MarkupText
from detector.report import DocumentResult
from detector.results import Finding, Verdict
from detector.suppress import Suppressions, without

__all__ = [
    "NO_SUPPRESSIONS",
    "ScanLater",
    "ScanMany",
    "ScanOptions",
    "ScannedDocument",
    "ScannedField",
    "field_views",
    "scan_document",
    "scan_documents",
    "scan_field",
    "scan_fields",
    "scan_fields_ahead",
    "scan_fields_ahead_by_window",
    "scan_fields_later",
    "scanning_ahead",
]


@dataclass(frozen=True)
class ScannedDocument:
    """A document's result after suppressions, and the reported findings with
    their fingerprints (``kept``: field name, finding, fingerprint)."""

    result: DocumentResult
    kept: tuple[tuple[str | None, Finding, str], ...]


def field_views(document: Document) -> dict[str | None, MarkupText | None]:
    """For each field of ``document``, its markup view when it is a record's field
    (JSON, JSONL) holding HTML (:func:`detector.markup.readable`), else None.  A
    text file is scanned as written (``--input-format html`` reads a page), and an
    HTML page's text is already extracted (:mod:`detector.html`)."""
    if document.html is not None or None in document.fields:
        return dict.fromkeys(document.fields)
    from detector.markup import readable

    return {name: readable(text) for name, text in document.fields.items()}


#: No suppressions at all: not even the inline marker, which in scraped text would be
#: the spammer's (an ad hiding itself).
NO_SUPPRESSIONS = Suppressions(inline=False)


#: Field strings scanned ahead (:func:`scan_fields_ahead`): each one's markup
#: view (None: read as written) and the verdict of the text read.
FieldsAhead = Mapping[str, tuple[MarkupText | None, Verdict]]


def scan_field(
    detector: Detector,
    text: str,
    suppressions: Suppressions = NO_SUPPRESSIONS,
    ahead: FieldsAhead | None = None,
) -> tuple[Verdict, Sequence[Finding] | list[tuple[int, int]]]:
    """One string field of an item or a record, scanned as :func:`scan_document`
    scans a record's field (through its markup view when it holds HTML, findings
    on the field's string, ``suppressions`` applied, no baseline), and what to cut
    from it to clean it: the findings, or for markup only the ads' characters
    (:meth:`detector.markup.MarkupText.cuts`).  The hook, the Scrapy pipeline,
    Spark and ``clean`` on JSON and JSONL all scan a field with this; the last
    two (and the hook's ``check_items``) scan their fields ``ahead``, many at a
    time (:func:`scanning_ahead`)."""
    known = ahead.get(text) if ahead else None
    scanned: dict[str | None, Verdict] | None
    if known is None:
        from detector.markup import readable

        view, scanned = readable(text), None
    else:
        view, verdict = known
        scanned = {"field": verdict}
    document = Document("", {"field": text})
    result = scan_document(
        detector, document, suppressions, use_baseline=False, scanned=scanned, views={"field": view}
    )
    verdict = result.result.verdicts["field"]
    return verdict, verdict.findings if view is None else view.cuts(verdict.findings)


#: ``Detector.scan_many``, or something that gives the same verdicts (a
#: :class:`detector.parallel.ScanPool`'s, which shares the work out).
ScanMany = Callable[[Sequence[str]], list[Verdict]]


def scan_fields_ahead(
    detector: Detector, texts: Iterable[str], scan_many: ScanMany | None = None
) -> FieldsAhead:
    """The markup view and the model's verdict of each of ``texts`` (field
    strings, as :func:`scan_field` reads them), all scanned in one
    ``scan_many`` call (default: ``detector.scan_many``): given to
    :func:`scan_field` as ``ahead``, the same results as scanning each field on
    its own, without the cost of a scan per field (~0.3 ms each; ``clean`` on
    5 MB of JSONL records took 1.5 s a record at a time)."""
    many = scan_many or detector.scan_many
    return scan_fields_later(texts, lambda read: functools.partial(many, read))()


#: Starts scanning texts (elsewhere, or not yet) and returns a function that
#: gives their verdicts, ``Detector.scan_many``'s (``ScanPool.submit``).
ScanLater = Callable[[Sequence[str]], Callable[[], list[Verdict]]]


def scan_fields_later(texts: Iterable[str], submit: ScanLater) -> Callable[[], FieldsAhead]:
    """:func:`scan_fields_ahead` in two steps: the markup views now and the
    scan handed to ``submit``; the function returned waits for the verdicts.
    ``clean --jobs`` reads and cleans one batch of JSONL records while the
    workers scan the next."""
    from detector.markup import readable

    unique = list(dict.fromkeys(texts))
    views = [readable(text) for text in unique]
    read = [text if view is None else view.text for text, view in zip(unique, views, strict=True)]
    verdicts = submit(read)

    def ahead() -> FieldsAhead:
        return dict(zip(unique, zip(views, verdicts(), strict=True), strict=True))

    return ahead


def scan_fields_ahead_by_window(
    detector: Detector,
    texts: Sequence[str],
    most: int = 512,
    chars: int = 1 << 20,
    scan_many: ScanMany | None = None,
) -> Iterator[FieldsAhead]:
    """:func:`scan_fields_ahead` of ``texts`` a window at a time (up to ``most``
    texts or ``chars`` characters), in order: for many fields at once (a JSON
    file, an Arrow batch), whose markup views all at once would take ~16 bytes
    per character of their HTML."""
    start = 0
    while start < len(texts):
        end, size = start, 0
        while end < len(texts) and end - start < most and size < chars:
            size += len(texts[end])
            end += 1
        yield scan_fields_ahead(detector, texts[start:end], scan_many)
        start = end


def scanning_ahead(
    detector: Detector,
    texts: Sequence[str],
    suppressions: Suppressions = NO_SUPPRESSIONS,
    most: int = 512,
    chars: int = 1 << 20,
    scan_many: ScanMany | None = None,
) -> Callable[[str], tuple[Verdict, Sequence[Finding] | list[tuple[int, int]]]]:
    """:func:`scan_field` for fields that will be asked for in the order of
    ``texts``, which are scanned a window at a time as they come
    (:func:`scan_fields_ahead_by_window`, by ``scan_many``); a field asked for
    out of that order is scanned alone.  ``clean`` on JSON and JSONL, the
    hook's ``check_items`` and the Spark adapter scan their fields with it."""
    windows = scan_fields_ahead_by_window(detector, texts, most, chars, scan_many)
    ahead: FieldsAhead = {}

    def scan(text: str) -> tuple[Verdict, Sequence[Finding] | list[tuple[int, int]]]:
        nonlocal ahead
        if text not in ahead:
            ahead = next(windows, {})
        return scan_field(detector, text, suppressions, ahead)

    return scan


@dataclass(frozen=True)
class ScannedField:
    """One field of a document as :func:`scan_fields` judges it, before its
    findings are put back on the field's string: ``read``, the text scored (the
    field's string, the text of its markup ``view``, or a page's text);
    ``verdict``, the model's verdict of ``read`` without the findings of ignored
    categories (a page's hidden-text findings added), before the other
    suppressions; ``kept``, the findings reported (on ``read``:
    what the allowlist leaves of a finding included) with their fingerprints.
    ``detector explain`` explains ``kept`` on ``read``."""

    name: str | None
    read: str
    verdict: Verdict
    kept: tuple[tuple[Finding, str], ...]
    view: MarkupText | None


def scan_fields(
    detector: Detector,
    document: Document,
    suppressions: Suppressions | None = None,
    use_baseline: bool = True,
    scanned: dict[str | None, Verdict] | None = None,
    views: dict[str | None, MarkupText | None] | None = None,
) -> list[ScannedField]:
    """Every field of ``document`` scanned and its suppressed findings dropped,
    the findings left on the text read (see :func:`scan_document`, which puts
    them on the field's string)."""
    suppressions = suppressions or Suppressions()
    views = field_views(document) if views is None else views
    page = document.html
    fields = []
    for name, text in document.fields.items():
        view = views.get(name)
        read = text if view is None else view.text
        verdict = scanned[name] if scanned and name in scanned else detector.scan(read)
        verdict = suppressions.heeded(verdict, detector.block_threshold)
        marker_text, marker_offset = None, None
        if page is not None:
            from detector.html import hidden_findings  # here: most inputs are not HTML

            verdict = hidden_findings(page, verdict)
            marker_text, marker_offset = page.source, page.source_offset
        elif view is not None:
            marker_text, marker_offset = view.source, view.source_offset
        kept = suppressions.keep(
            verdict.findings,
            path=document.path,
            text=read,
            record_id=document.id,
            field=name,
            marker_text=marker_text,
            marker_offset=marker_offset,
            use_baseline=use_baseline,
            rescore=functools.partial(_findings, detector),
        )
        fields.append(ScannedField(name, read, verdict, tuple(kept), view))
    return fields


def scan_document(
    detector: Detector,
    document: Document,
    suppressions: Suppressions | None = None,
    use_baseline: bool = True,
    scanned: dict[str | None, Verdict] | None = None,
    views: dict[str | None, MarkupText | None] | None = None,
) -> ScannedDocument:
    """Scan every field of ``document`` and drop suppressed findings.

    A field holding HTML is scanned by the text a reader sees (its view, see
    :mod:`detector.markup`; ``views`` from :func:`field_views`, computed here
    when not given), and its findings are put back on the field's string.
    ``scanned`` holds verdicts already computed for the fields (of their views'
    text; by worker processes, see :mod:`detector.parallel`); missing fields are
    scanned here."""
    verdicts: dict[str | None, Verdict] = {}
    kept_all: list[tuple[str | None, Finding, str]] = []
    for judged in scan_fields(detector, document, suppressions, use_baseline, scanned, views):
        kept = list(judged.kept)
        verdict = without(judged.verdict, [f for f, _ in kept], detector.block_threshold)
        if judged.view is not None:
            verdict, _ = judged.view.to_source(verdict, detector.block_threshold)
            mapped = [(judged.view.finding_to_source(f), fingerprint) for f, fingerprint in kept]
            kept = [(f, fingerprint) for f, fingerprint in mapped if f is not None]
        verdicts[judged.name] = verdict
        kept_all.extend((judged.name, f, fingerprint) for f, fingerprint in kept)
    return ScannedDocument(DocumentResult(document, verdicts), tuple(kept_all))


def _findings(detector: Detector, text: str) -> tuple[Finding, ...]:
    """The findings of ``text`` (see :meth:`detector.suppress.Suppressions.without_allowed`)."""
    return detector.scan(text).findings


@dataclass(frozen=True)
class ScanOptions:
    """How inputs are read (see :func:`detector.inputs.iter_documents`) and
    findings suppressed: the same in every worker process."""

    input_format: str = "auto"
    text_fields: tuple[str, ...] = ("text",)
    encoding: str | None = None
    id_field: str = "id"
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
    views = [field_views(item) if isinstance(item, Document) else {} for item in items]
    texts = [
        text if view is None else view.text
        for item, item_views in zip(items, views, strict=True)
        if isinstance(item, Document)
        for text, view in zip(item.fields.values(), item_views.values(), strict=True)
    ]
    verdicts = iter(detector.scan_many(texts))
    results: list[ScannedDocument | InputError | Notice] = []
    for item, item_views in zip(items, views, strict=True):
        if isinstance(item, Document):
            scanned = {name: next(verdicts) for name in item.fields}
            results.append(
                scan_document(
                    detector, item, options.suppressions, options.use_baseline, scanned, item_views
                )
            )
        else:
            results.append(item)
    return results

"""Removing flagged spans from text, from the fields of JSON records and from the
text of HTML pages (pure).

Everything here is a function of its arguments: no I/O, no model.  The CLI's
``detector clean`` and the scraper hook call these with the findings of a scan.

Guarantee: only the characters inside the given spans go; every other character
(newlines, spaces, punctuation around the span) stays exactly as it was.

What is removed: every finding of a document the detector blocks (``is_spam``:
a span at the block threshold; for a record, in any of its text fields), and
nothing of one it does not.  Spans under the block threshold are for review: on
the dev benchmark 35 of 497 clean articles and 38 of 306 hard negatives have
one, and removing them cut text out of legitimate news (4 and 9 are blocked); in
a blocked article they are mostly the rest of the same injection.  The hook, the
Scrapy pipeline and Spark clean, and drop, by the same rule.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, BinaryIO, Protocol

from detector.inputs import (
    LONE_SURROGATE,
    JsonFileError,
    RecordText,
    json_message,
    json_records,
)
from detector.jsontext import object_members
from detector.lines import Lines
from detector.recurring import Recurring
from detector.results import Finding, Verdict

if TYPE_CHECKING:
    from detector.html import HtmlText

__all__ = [
    "CleanTally",
    "CleanedBytes",
    "CleanedFields",
    "Span",
    "clean_fields",
    "clean_html_bytes",
    "clean_json_bytes",
    "clean_jsonl_line",
    "clean_text_bytes",
    "decode_exact",
    "escape_lone_surrogates",
    "json_string",
    "jsonl_lines",
    "merge_spans",
    "remove_spans",
    "replace_json_strings",
]

Scan = Callable[[str], Verdict]
#: A record field's scan: its verdict and what to cut from it (``scanning.scan_field``).
FieldScan = Callable[[str], "tuple[Verdict, Sequence[Span] | list[tuple[int, int]]]"]

_ASCII_SPACE = " \t\n\r\x0b\x0c"  # a blank JSONL line holds only these, as for scan


class Span(Protocol):
    """Anything with half-open ``start``/``end`` character offsets (a ``Finding``)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def merge_spans(spans: Iterable[Span | tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ``(start, end)`` ranges covering the same characters.

    Overlapping and touching spans are joined; empty spans vanish.  Raises
    ``ValueError`` for a span outside ``0..length`` or with ``start > end``.
    """
    ranges: list[tuple[int, int]] = []
    for span in spans:
        start, end = span if isinstance(span, tuple) else (span.start, span.end)
        if not 0 <= start <= end <= length:
            raise ValueError(f"span {start}..{end} is outside the text (length {length})")
        if start < end:
            ranges.append((start, end))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def remove_spans(text: str, spans: Iterable[Span | tuple[int, int]]) -> str:
    """``text`` without the characters covered by ``spans`` and nothing else.

    ``spans`` are half-open character offsets into ``text`` (``Finding`` objects
    or ``(start, end)`` pairs), in any order, possibly overlapping.

    >>> remove_spans("深化产融合作杨方线上配资股票,推动发展", [(6, 14)])
    '深化产融合作,推动发展'
    """
    pieces = []
    position = 0
    for start, end in merge_spans(spans, len(text)):
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# Why a text is left alone: cleaning must give back every other byte as it was.
_NOT_EXACT = (
    "cannot be written back byte for byte in the encoding it is read with (broken UTF-8"
    " or mixed encodings); left unchanged"
)
_CARRIED = (
    "reads otherwise on its own in {encoding} than after the lines before it, as scan"
    " reads it (a shift or designation made on an earlier line still holds), so it"
    " cannot be rewritten on its own; left unchanged"
)


def decode_exact(
    data: bytes, html: bool = False, encoding: str | None = None
) -> tuple[bytes, str, str] | None:
    """Split ``data`` into ``(bom, text, encoding)`` so that
    ``bom + text.encode(encoding) == data``, or ``None`` when the encoding
    ``detector scan`` reads ``data`` with does not round-trip it exactly.

    The encoding is the scanner's (:func:`detector.encodings.detect`: UTF-8,
    GB18030, Big5, …), so offsets agree with ``detector scan``; a Big5 file is
    cleaned as Big5 (trying GB18030 after UTF-8, as this did, decoded Big5 bytes
    into other characters and found nothing to remove).  A byte-order mark is
    kept aside, and a UTF-16 or UTF-32 text is written back in the byte order it
    names; a text the scanner reads with replacement characters (broken
    UTF-8) gives ``None``.  ``html``: read as an HTML page, whose ``<meta charset>``
    counts (as it does for ``detector scan``).  ``encoding`` (``--encoding``,
    checked by :func:`detector.encodings.check_encoding`) is used instead of
    detecting one, as ``scan --encoding`` reads ``data``; a byte-order mark
    still wins over it, as it does for scan.  UTF-16 or UTF-32 without a mark
    is then read and written in the machine's byte order, as scan reads it.
    """
    from detector.encodings import byte_order_mark, detect, unmarked_codec

    # A mark names the byte order: the text is written back in that order
    # (``"utf-16"`` writes the machine's, and a big-endian file was refused).
    bom, _, marked = byte_order_mark(data) or (b"", "", "")
    body = data[len(bom) :]
    if marked:
        encoding = marked
    elif encoding is not None:
        encoding = unmarked_codec(encoding)
    else:
        encoding = detect(body, html=html)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return None
    if text.encode(encoding) != body:
        return None
    return bom, text, encoding


def escape_lone_surrogates(json_text: str) -> str:
    """``json_text`` (from ``json.dumps(..., ensure_ascii=False)``) with each lone
    surrogate written as its ``\\udXXX`` escape.  ``json.dumps`` emits the
    surrogate itself, which no encoding can write; the escape reads back as the
    same string.  Surrogates can only occur inside JSON strings, so this is safe."""
    if not LONE_SURROGATE.search(json_text):
        return json_text
    return LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the characters an encoding cannot write, as the JSON
    escapes they were read from (``\\ud83d\\ude00`` in a Big5 file)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return json.dumps(bad)[1:-1], error.end


# Only a rewritten JSON string can hold a character the file's encoding cannot
# write (every other character was decoded from it), so a record's text is
# encoded with this: such a character becomes its escape.
_JSON_ESCAPES = "detector-json-escapes"
codecs.register_error(_JSON_ESCAPES, _json_escapes)


def json_string(value: str, escaped: bool = False) -> str:
    """``value`` as a JSON string literal: UTF-8 characters kept as they are, a lone
    surrogate escaped (:func:`escape_lone_surrogates`), so the line round-trips;
    with ``escaped``, every character beyond ASCII written as its ``\\uXXXX``
    escape."""
    if escaped:
        return json.dumps(value)
    return escape_lone_surrogates(json.dumps(value, ensure_ascii=False))


def replace_json_strings(line: str, values: Mapping[str, str | Sequence[str]]) -> str:
    """Rewrite the top-level string values named in ``values`` inside one JSON object
    text, leaving every other character of ``line`` untouched (key order, spacing,
    escapes and number formatting of the other fields).

    A replaced value is written by :func:`json_string` (a list of strings as a
    one-line JSON array of them), with ``\\uXXXX`` escapes when the value it
    replaces was written in ASCII (as Scrapy's JSON exports write Chinese), its
    characters as they are otherwise.  With a
    duplicated key the last occurrence is rewritten, the one ``json.loads`` keeps.
    Raises ``ValueError`` if ``line`` is not a JSON object or a named key is missing.
    """
    where = object_members(line)
    missing = [name for name in values if name not in where]
    if missing:
        raise ValueError(f"no top-level field {missing[0]!r}")
    pieces = []
    position = 0
    for start, end, name in sorted((*where[name], name) for name in values):
        pieces.append(line[position:start])
        value = values[name]
        escaped = line[start:end].isascii()
        if isinstance(value, str):
            pieces.append(json_string(value, escaped))
        else:  # a list of strings, written on one line
            pieces.append("[" + ", ".join(json_string(item, escaped) for item in value) + "]")
        position = end
    pieces.append(line[position:])
    return "".join(pieces)


@dataclass(frozen=True)
class CleanedBytes:
    """The cleaned bytes of one file or JSONL line, and what was taken out.

    ``removed`` maps a field name (``None`` for a whole text file) to the findings
    removed from it; offsets index the ORIGINAL decoded text.  ``texts`` holds those
    original texts (for reporting line and column).  When ``errors`` is not empty
    the input could not be (fully) cleaned; ``data`` then still holds the input,
    unchanged where it could not be cleaned, so nothing is lost.  ``skipped`` is a
    notice for input left alone on purpose (a binary file).
    """

    data: bytes
    removed: dict[str | None, tuple[Finding, ...]] = field(default_factory=dict)
    texts: dict[str | None, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    skipped: str | None = None
    # A JSONL or JSON record as written and where it starts: the line:col of its
    # removals in the file (see detector.jsontext), as scan prints its findings.
    record: RecordText | None = None
    # A record left out (``--drop``): the line as it was, in UTF-8, for the
    # quarantine file.
    dropped: bytes | None = None


@dataclass
class CleanTally:
    """What ``detector clean --summary`` reports: the inputs (files, stdin) read,
    the documents (files, pages, records) that lost spans and the spans they
    lost, the records dropped whole, errors and inputs skipped on purpose, and
    the texts removed from the most documents (:mod:`detector.recurring`)."""

    inputs: int = 0
    cleaned: int = 0
    spans: int = 0
    dropped: int = 0
    errors: int = 0
    skipped: int = 0
    recurring: Recurring | None = None  # counted only when given (--summary)

    def add(self, cleaned: CleanedBytes) -> None:
        """Count one file's or record's :class:`CleanedBytes`."""
        if cleaned.skipped:
            self.skipped += 1
        if self.recurring is not None:
            self.recurring.add(f for findings in cleaned.removed.values() for f in findings)
        if cleaned.dropped is not None:
            self.dropped += 1
        elif cleaned.removed:
            self.cleaned += 1
            self.spans += sum(len(findings) for findings in cleaned.removed.values())

    def summary(self, seconds: float) -> str:
        """One line, e.g. ``3 inputs in 0.41 s: 9 documents cleaned (31 spans
        removed), 2 records dropped; 0 errors, 1 skipped``."""
        from detector.report import counted

        return (
            f"{counted(self.inputs, 'input')} in {seconds:.2f} s:"
            f" {counted(self.cleaned, 'document')} cleaned"
            f" ({counted(self.spans, 'span')} removed),"
            f" {counted(self.dropped, 'record')} dropped;"
            f" {counted(self.errors, 'error')}, {self.skipped:,} skipped"
        )


def clean_text_bytes(data: bytes, scan: Scan, encoding: str | None = None) -> CleanedBytes:
    """Remove the flagged spans from a whole text file's bytes.

    Bytes outside the removed spans are kept exactly: line endings, a byte-order
    mark, and the encoding ``detector scan`` reads the file with (UTF-8, GB18030,
    Big5, UTF-16 with its mark …; ``encoding`` if given, as for ``scan
    --encoding``, see :func:`decode_exact`).  A file that encoding does not
    round-trip exactly is returned unchanged with an error; a file scan skips as
    binary (:func:`detector.inputs.looks_binary`: a NUL in its first 8 KiB) is
    returned unchanged and marked skipped, as is a web archive
    (:func:`detector.inputs.skip_reason`).
    """
    from detector.inputs import skip_reason

    skipped = skip_reason(data, encoding)
    if skipped is not None:
        return CleanedBytes(data, skipped=skipped)
    decoded = decode_exact(data, encoding=encoding)
    if decoded is None:
        return CleanedBytes(data, errors=(_NOT_EXACT,))
    bom, text, encoding = decoded
    verdict = scan(text)
    if not verdict.is_spam:  # only a blocked document loses text
        return CleanedBytes(data)
    cleaned = remove_spans(text, verdict.findings)
    return CleanedBytes(bom + cleaned.encode(encoding), {None: verdict.findings}, {None: text})


def clean_html_bytes(
    data: bytes, scan_page: Callable[[HtmlText], Verdict], encoding: str | None = None
) -> CleanedBytes:
    """Remove the flagged spans of an HTML page from its source bytes.

    ``scan_page`` gives the findings of the page's extracted text (see
    :mod:`detector.html`; ``detector scan``'s findings, hidden text included).
    Only the characters of those findings go, where they stand in the source as
    character data (checked with :meth:`detector.markup.MarkupText.literal`):
    tags, attributes, comments and scripts are never touched, and every other
    byte is kept (encoding, byte-order mark, line endings).  A finding
    whose text is not written literally in the source (an entity such as
    ``&#x5fae;`` or ``&nbsp;`` inside it) stays in place and is reported as an
    error; the others are still removed.  The findings in ``removed`` index the
    source (``texts`` holds it), so reports point at its lines, as ``scan``'s do.
    ``encoding``: read and written in it instead of the detected one (or the
    ``<meta charset>``), as ``scan --encoding`` reads the page.
    """
    from detector.html import extract
    from detector.inputs import skip_reason
    from detector.markup import markup_text

    skipped = skip_reason(data, encoding)  # what scan skips, clean leaves as it is
    if skipped is not None:
        return CleanedBytes(data, skipped=skipped)
    decoded = decode_exact(data, html=True, encoding=encoding)
    if decoded is None:
        return CleanedBytes(data, errors=(_NOT_EXACT,))
    bom, source, encoding = decoded
    page = extract(source)
    verdict = scan_page(page)
    if not verdict.is_spam:  # only a blocked document loses text
        return CleanedBytes(data)
    # A second opinion on where text stands, by another reader than the tree
    # builder: extract() finds each text node by searching the source.
    literal = markup_text(source).literal()
    cuts: list[tuple[int, int]] = []
    removed: list[Finding] = []
    errors: list[str] = []
    lines = Lines(source)
    for finding in verdict.findings:
        ranges = page.source_ranges(finding.start, finding.end)
        if ranges and all(literal[start:end].all() for start, end in ranges):
            cuts += ranges
            removed.append(replace(finding, start=ranges[0][0], end=ranges[-1][1]))
            continue
        row, column = lines.line_col(page.source_offset(finding.start))
        snippet = json.dumps(finding.text[:60], ensure_ascii=False)
        errors.append(
            f"{row}:{column}: {finding.category} {snippet} is not written as plain text in the"
            " markup (an entity such as &amp; or collapsed white space inside it); left in place"
        )
    if not cuts:
        return CleanedBytes(data, errors=tuple(errors))
    cleaned = remove_spans(source, cuts)
    return CleanedBytes(
        bom + cleaned.encode(encoding), {None: tuple(removed)}, {None: source}, tuple(errors)
    )


def _split_line_ending(raw: bytes) -> tuple[bytes, bytes]:
    if raw.endswith(b"\r\n"):
        return raw[:-2], b"\r\n"
    if raw.endswith(b"\n"):
        return raw[:-1], b"\n"
    return raw, b""


def _decoded_line(raw: bytes, encoding: str | None) -> tuple[bytes, str, str, str] | None:
    """``(bom, text, line ending, encoding)`` of one JSONL line, such that
    ``raw == bom + (text + ending).encode(encoding)``, or None when the encoding
    does not give ``raw`` back exactly.  ``encoding`` is the one
    :func:`jsonl_lines` gives; None: the line's own, as :func:`decode_exact`
    finds it."""
    if encoding is None:
        body, end = _split_line_ending(raw)
        decoded = decode_exact(body)
        if decoded is None:
            return None
        bom, text, encoding = decoded
        return bom, text, end.decode("ascii"), encoding
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    if text.encode(encoding) != raw:  # a codec with two ways of writing a character
        return None
    mark = b""
    if text.startswith("\ufeff"):  # the file's byte-order mark, on its first line
        mark, text = raw[: len("\ufeff".encode(encoding))], text[1:]
    ending = "\r\n" if text.endswith("\r\n") else "\n" if text.endswith("\n") else ""
    return mark, text[: len(text) - len(ending)], ending, encoding


def jsonl_lines(
    source: BinaryIO, encoding: str | None = None
) -> Iterator[tuple[bytes, str, str | None]]:
    """The lines of a JSONL stream, each with its line break, the encoding to
    read each with, chosen as ``detector scan`` chooses it (see
    :mod:`detector.inputs`): a UTF-16 or UTF-32 byte-order mark names the codec
    of the file (its lines split where a whole character is a line break; split
    at each 0x0A byte, such a file came apart inside its characters), a UTF-8
    mark makes every line UTF-8; otherwise ``encoding`` (``--encoding``), if
    given, is every line's codec (UTF-16 or UTF-32 without a mark in the
    machine's byte order, as scan reads it); otherwise a UTF-8 line is UTF-8,
    and the other lines take one codec, detected once from the first of them
    and the 64 KiB after it.  Detected line by line, a short GBK line was read
    as Thai, and the ad ``scan`` reports in it was left in place.

    The third item is None, or the line's text as ``scan`` reads it when that is
    not the line decoded on its own: with ``encoding``, scan decodes the file as
    one stream, and in a stateful codec (ISO-2022, HZ) a shift or designation
    made on one line holds on the next (see :func:`clean_jsonl_line`)."""
    from detector.encodings import byte_order_mark, incremental_decoder, unmarked_codec
    from detector.inputs import line_codecs

    first = source.readline()
    _, marked, codec = byte_order_mark(first) or (b"", None, "")
    if not marked and encoding is not None:
        codec = unmarked_codec(encoding)
        if "\n".encode(codec) == b"\n":  # an ASCII line break: streamed line by line
            decoder = incremental_decoder(codec, first)  # scan's (inputs._jsonl_lines)
            for raw in chain((first,), source) if first else ():
                text = decoder.decode(raw)
                yield raw, codec, None if text == raw.decode(codec, "replace") else text
            return
        marked = "wide"  # UTF-16, UTF-32, EBCDIC …: split where a character is a line break
    if marked in ("utf-16", "utf-32", "wide"):
        for raw in _wide_lines(first + source.read(), codec):
            yield raw, codec, None
        return
    raws = chain((first,), source) if first else iter(())
    for raw, line_codec, _ in line_codecs(raws, "utf-8" if marked else None):
        yield raw, line_codec, None


def _wide_lines(data: bytes, codec: str) -> Iterator[bytes]:
    """The lines of ``data`` in the UTF-16 or UTF-32 ``codec`` (or another codec
    whose characters all have the width of its line break: an EBCDIC code
    page's is one byte, 0x25), split after each line break that is a whole
    character."""
    unit = len("\n".encode(codec))
    newline = "\n".encode(codec)
    start = 0
    index = data.find(newline)
    while index != -1:
        if index % unit:  # the bytes of two other characters
            index = data.find(newline, index + 1)
            continue
        yield data[start : index + unit]
        start = index + unit
        index = data.find(newline, start)
    if start < len(data):
        yield data[start:]


def clean_jsonl_line(
    raw: bytes,
    text_fields: Sequence[str],
    scan: FieldScan,
    line: int = 1,
    drop: bool = False,
    encoding: str | None = None,
    scan_text: str | None = None,
) -> CleanedBytes:
    """Remove the flagged spans from the ``text_fields`` of one JSONL line.

    Only the cleaned string values are rewritten (see :func:`replace_json_strings`);
    every other byte of the line, its line ending included, is kept.  Blank lines
    pass through; a line that is not a JSON object, or whose fields are not
    strings, is returned unchanged (or cleaned in its string fields) with errors
    worded like ``detector scan``'s (too deep nesting and over-long integers
    included: one bad line never stops a batch).  A lone surrogate escape is
    scanned as U+FFFD, as scan does, and written back as the same escape.  A
    field holding HTML loses its ads' characters only (see ``_clean_record``).
    ``line`` is the line's number in its file.  With ``drop`` a blocked record
    is left out whole (``data`` empty but for the file's byte-order mark, ``dropped``
    the line as it was, in UTF-8 without a byte-order mark) instead.
    ``encoding``: the line's codec, as :func:`jsonl_lines` gives it (the file's,
    as ``scan`` reads it); None: detected for the line on its own.  ``scan_text``:
    the line as ``scan`` reads it, when that is not the line decoded on its own
    (:func:`jsonl_lines`): such a line is left unchanged with an error, as it
    cannot be rewritten on its own (once it was cleaned as read on its own:
    text scan never reported).
    """
    if scan_text is not None:
        return CleanedBytes(raw, errors=(_CARRIED.format(encoding=encoding),))
    decoded = _decoded_line(raw, encoding)
    if decoded is None:
        return CleanedBytes(raw, errors=(_NOT_EXACT,))
    bom, text, ending, encoding = decoded
    if not text.strip(_ASCII_SPACE):
        return CleanedBytes(raw)
    try:
        # Parsed with its line ending, as scan parses it: the messages agree.
        record = json.loads(text + ending)
    except (ValueError, RecursionError) as exc:
        return CleanedBytes(raw, errors=(json_message(exc),))
    if not isinstance(record, dict):
        return CleanedBytes(raw, errors=("a JSONL record must be an object",))
    cleaned, removed, texts, errors = _clean_record(record, text_fields, scan)
    if not cleaned:
        return CleanedBytes(raw, errors=tuple(errors))
    if drop:  # cleaned: the record is blocked
        written = RecordText(text, line)
        # The quarantine file is UTF-8 JSONL: the line as written, in UTF-8 and
        # without a byte-order mark, whatever the file's encoding (a GBK line,
        # or the mark, made it unreadable as one file).
        quarantined = (text + ending).encode("utf-8")
        # The file's byte-order mark stays at the start of the output.
        return CleanedBytes(bom, removed, texts, tuple(errors), record=written, dropped=quarantined)
    try:
        rewritten = replace_json_strings(text, cleaned)
    except (RecursionError, ValueError) as exc:  # json.loads read the line: not expected
        why = f"cannot rewrite the line ({exc}); left unchanged"
        return CleanedBytes(raw, errors=(*errors, why))
    data = bom + (rewritten + ending).encode(encoding, _JSON_ESCAPES)
    return CleanedBytes(data, removed, texts, tuple(errors), record=RecordText(text, line))


@dataclass(frozen=True)
class CleanedFields:
    """:func:`clean_fields` of one record or item: the verdict of each field
    scanned (keyed as :func:`detector.inputs.text_elements` names them:
    ``content``, ``content[0]`` …), the new value of each field that lost text
    (a string, or a list or tuple of strings like the old one), and the findings
    removed and the original text of each element that lost some."""

    verdicts: dict[str, Verdict]
    values: dict[str, str | list[str] | tuple[str, ...]]
    removed: dict[str, tuple[Finding, ...]]
    texts: dict[str, str]


def clean_fields(
    record: Mapping[str, object], fields: Sequence[str], scan: FieldScan, remove: bool = True
) -> CleanedFields:
    """Scan each of ``fields`` of ``record`` (a string, or a list or tuple of
    strings element by element; other values are not scanned) with ``scan``, and
    when ``remove`` and the record is blocked (a field's verdict ``is_spam``),
    remove every finding (``scan``'s cuts) from its field: only a blocked record
    loses text (see the module documentation).  ``record`` is not changed."""
    from detector.inputs import text_elements

    verdicts: dict[str, Verdict] = {}
    scanned = []
    for name in dict.fromkeys(fields):
        value = record.get(name)
        results = []
        for key, text in text_elements(name, value):
            verdict, cuts = scan(text)
            verdicts[key] = verdict
            results.append((key, text, verdict, cuts))
        scanned.append((name, value, results))
    values: dict[str, str | list[str] | tuple[str, ...]] = {}
    removed: dict[str, tuple[Finding, ...]] = {}
    texts: dict[str, str] = {}
    if remove and any(verdict.is_spam for verdict in verdicts.values()):
        for name, value, results in scanned:
            new_texts = []
            for key, text, verdict, cuts in results:
                if verdict.findings:
                    removed[key], texts[key] = verdict.findings, text
                    text = remove_spans(text, cuts)
                new_texts.append(text)
            if any(key in removed for key, *_ in results):
                if isinstance(value, str):
                    values[name] = new_texts[0]
                else:
                    values[name] = tuple(new_texts) if isinstance(value, tuple) else new_texts
    return CleanedFields(verdicts, values, removed, texts)


def _clean_record(
    record: dict[str, object], text_fields: Sequence[str], scan: FieldScan
) -> tuple[
    dict[str, str | list[str] | tuple[str, ...]],
    dict[str | None, tuple[Finding, ...]],
    dict[str | None, str],
    list[str],
]:
    """(cleaned values, removed findings, original texts, errors) of the
    ``text_fields`` of one JSON record (:func:`clean_fields`), with ``detector
    scan``'s errors.  A field holding a list of strings is cleaned element by
    element (findings and texts keyed ``content[0]`` … as scan names them).

    ``scan`` reads a field holding HTML markup by its text (see
    :func:`detector.scanning.scan_field`), and only its ads' characters go: never
    a tag or an attribute (cut as plain text, ``<p>…</p><p>`` became ``<p>…</p><><p>``)."""
    from detector.inputs import NOT_TEXT, missing_fields, text_elements

    errors = [
        f"field {name!r} is {NOT_TEXT}"
        for name in dict.fromkeys(text_fields)
        if record.get(name) is not None and not text_elements(name, record.get(name))
    ]
    # A lone surrogate is scanned as U+FFFD, as scan reads it (the same length).
    cleaned = clean_fields(
        record, text_fields, lambda text: scan(LONE_SURROGATE.sub("\ufffd", text))
    )
    if not any(name in record for name in text_fields):
        errors.append(missing_fields(record, text_fields))
    removed: dict[str | None, tuple[Finding, ...]] = {k: v for k, v in cleaned.removed.items()}
    texts: dict[str | None, str] = {k: v for k, v in cleaned.texts.items()}
    return dict(cleaned.values), removed, texts, errors


def clean_json_bytes(
    data: bytes,
    text_fields: Sequence[str],
    scan: FieldScan,
    drop: bool = False,
    encoding: str | None = None,
) -> tuple[bytes, list[tuple[int | None, CleanedBytes]]]:
    """Remove the flagged spans from the ``text_fields`` of the records of a JSON
    file (an array of records, or one record), as ``detector scan`` reads it.

    Returns the file's new bytes and, per record that had something removed or
    an error, its line and what (``CleanedBytes`` without data); line ``None``
    for the file as a whole.  As in JSONL, only the cleaned string values are
    rewritten and every other byte is kept; a file that is not valid JSON, or not
    a record or an array of them, is returned unchanged with an error.

    With ``drop`` a blocked record is left out of the array whole, with the
    separator after it (before it, when it was the last one kept), and its
    report's ``dropped`` is the record on one line (its text as written, the
    line breaks between tokens taken out) in UTF-8, for a JSONL quarantine
    file.  A file holding one blocked record, not an array, becomes empty, as
    a JSONL file whose one line is dropped does.  ``encoding``: read and written
    in it instead of the detected one, as ``scan --encoding`` reads the file."""
    decoded = decode_exact(data, encoding=encoding)
    if decoded is None:
        return data, [(None, CleanedBytes(b"", errors=(_NOT_EXACT,)))]
    bom, text, encoding = decoded
    try:
        records = list(json_records(text))
    except JsonFileError as exc:
        return data, [(exc.line, CleanedBytes(b"", errors=(f"{exc.message}; left unchanged",)))]
    # Each record as it goes out: its text, rewritten where cleaned; None: dropped.
    items: list[str | None] = []
    reports: list[tuple[int | None, CleanedBytes]] = []
    changed = False
    for start, end, record, kind, line, column in records:
        written_text = text[start:end]
        if not isinstance(record, dict):
            reports.append((line, CleanedBytes(b"", errors=(f"{kind} must be an object",))))
            items.append(written_text)
            continue
        cleaned, removed, texts, errors = _clean_record(record, text_fields, scan)
        dropped = None
        if cleaned and drop:  # cleaned: the record is blocked
            dropped = _one_line(written_text).encode("utf-8")
            items.append(None)
        else:
            items.append(replace_json_strings(written_text, cleaned) if cleaned else written_text)
        changed = changed or bool(cleaned)
        if cleaned or errors:
            written = RecordText(written_text, line, column)
            report = CleanedBytes(
                b"", removed, texts, tuple(errors), record=written, dropped=dropped
            )
            reports.append((line, report))
    if not changed:
        return data, reports
    return bom + _joined(text, records, items).encode(encoding, _JSON_ESCAPES), reports


def _one_line(record_text: str) -> str:
    """A JSON value's text on one line: the line breaks between its tokens, and
    the indentation after them, taken out (a JSON string holds no line break)."""
    return _LINE_BREAKS_AND_INDENT.sub("", record_text)


_LINE_BREAKS_AND_INDENT = re.compile(r"[\r\n]+[ \t]*")


def _joined(
    text: str, records: Sequence[tuple[int, int, object, str, int, int]], items: list[str | None]
) -> str:
    """``text`` (a JSON file) with its records' texts replaced by ``items``; a
    record whose item is None is left out with the separator after it (so the
    last record kept is followed by what followed the last record: the space
    before the closing bracket); an array left empty is written ``[]``."""
    kept = [index for index, item in enumerate(items) if item is not None]
    if not kept:  # one record, not in an array: nothing left; else an empty array
        return (
            ""
            if records[0][3] == "a JSON record"
            else (text[: records[0][0]].rstrip() + text[records[-1][1] :].lstrip())
        )
    pieces = [text[: records[0][0]]]
    for position, index in enumerate(kept):
        pieces.append(items[index] or "")
        if position + 1 < len(kept):  # the separator that followed this record
            pieces.append(text[records[index][1] : records[index + 1][0]])
    pieces.append(text[records[-1][1] :])
    return "".join(pieces)

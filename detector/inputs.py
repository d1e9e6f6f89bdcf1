"""Reading what the user asks to scan: files, directories, stdin, JSONL records,
JSON arrays of records and HTML pages, each compressed or not.

Readers yield ``Document`` objects or ``InputError`` objects, never raise for a
bad input: one unreadable file or malformed line must not stop a batch.  Every
input is opened by :func:`open_input`, which decompresses gzip, bzip2, xz (and
zstd where Python has it) as it is read (:mod:`detector.compressed`), so what
follows reads the same bytes as for a plain file.  JSONL is streamed line by
line so memory stays bounded on large corpora.  Bytes are decoded by
:func:`detector.encodings.decode` (UTF-8, GB18030/GBK, Big5 … detected); a JSONL
file's encoding is detected once, not line by line.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from detector.compressed import SUFFIXES as COMPRESSION_SUFFIXES
from detector.compressed import (
    CompressionError,
    UnsupportedCompression,
    decompressed,
    read_to_error,
    sniff,
)
from detector.encodings import bom_encoding, detect, incremental_decoder
from detector.encodings import decode as _decode
from detector.lines import Lines

if TYPE_CHECKING:
    from detector.html import HtmlText

__all__ = [
    "COMPRESSION_SUFFIXES",
    "INPUT_FORMATS",
    "LONE_SURROGATE",
    "STDIN",
    "Document",
    "Input",
    "InputError",
    "JsonFileError",
    "Notice",
    "RecordText",
    "decode",
    "format_for",
    "inner_suffix",
    "input_waiting",
    "iter_documents",
    "iter_paths",
    "json_message",
    "json_records",
    "jsonl_line_documents",
    "line_codecs",
    "line_texts",
    "looks_binary",
    "open_input",
    "printable",
    "skip_reason",
    "skip_space",
]

INPUT_FORMATS = ("auto", "text", "jsonl", "json", "html")
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst", ".csv", ".tsv", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
STDIN = "-"
# A JSON string may hold an unpaired "\\ud800" escape; such a string cannot be
# written out as UTF-8.  Each one becomes U+FFFD, one code point for one, so
# offsets into the field are unchanged.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A file with a NUL in its first 8 KiB is binary; nothing more of it is read.
_BINARY_HEAD = 8192
# The bytes of a JSONL file its encoding is detected from (see line_codecs).
_SAMPLE = 1 << 16
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips


@dataclass(frozen=True)
class RecordText:
    """A JSONL or JSON record as written: its JSON ``text`` (decoded from the
    file's encoding, as read) and the 1-based ``line`` and ``column`` (in
    characters) of its first character in the file.  What the line:col of a
    finding in one of its fields is counted from (:mod:`detector.jsontext`)."""

    text: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Document:
    """One scannable unit: a whole text or HTML file, or one JSONL/JSON record.

    ``fields`` maps a field name to its text (``None`` for a plain file; for an
    HTML file the extracted text, see :mod:`detector.html`); ``line`` is the
    record's 1-based line number in a JSONL file, or the line where the record
    starts in a JSON array file; ``raw`` is a record's text as written and where
    it starts (for the line and column of its findings); ``html`` keeps an HTML
    page's hidden ranges and the map back to its source.
    """

    path: str
    fields: dict[str | None, str]
    line: int | None = None
    id: object = None
    html: HtmlText | None = field(default=None, compare=False)
    raw: RecordText | None = field(default=None, compare=False)


@dataclass(frozen=True)
class InputError:
    """An input that could not be scanned, with where and why."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Notice:
    """Something skipped on purpose (a binary file), reported but not an error;
    or, not ``skipped``, a word about an input that is read all the same (stdin
    that looks like JSON records, scanned as text)."""

    path: str
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def decode(data: bytes, encoding: str | None = None, html: bool = False, final: bool = True) -> str:
    """Bytes → text, never raising (see :mod:`detector.encodings`; ``final``
    False: of a file cut short)."""
    return _decode(data, encoding, html, final)


def printable(path: str) -> str:
    """``path`` as it can be printed: bytes that are not UTF-8 in a file name
    (kept by Python as lone surrogates) are shown as ``\\xff`` escapes."""
    if not LONE_SURROGATE.search(path):
        return path
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _scrub(value: object) -> object:
    """A JSON value with every lone surrogate replaced and every NaN or
    Infinity (which Python's parser accepts) as the string of it: it is printed
    back, in JSON output that must parse.

    A list or object goes through ``json`` (C code) rather than a recursive
    Python walk: an id nested 500 deep, which the parser accepts, overflowed the
    Python stack and stopped the whole batch."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # NaN, Infinity: what JSON cannot print, as text
    if not isinstance(value, (list, dict)):
        return value
    text = json.dumps(value, ensure_ascii=False)
    if not LONE_SURROGATE.search(text) and "NaN" not in text and "Infinity" not in text:
        return value
    return json.loads(LONE_SURROGATE.sub("\ufffd", text), parse_constant=str)


def looks_binary(data: bytes, encoding: str | None = None) -> bool:
    """Whether a file that starts with ``data`` is binary, as ``scan`` judges it
    (and skips it): its first 8 KiB read with its byte-order mark's codec, else
    with ``encoding`` (``--encoding``), else as bytes (see :func:`_looks_binary`).
    ``detector clean`` leaves what this calls binary alone."""
    head = data[:_BINARY_HEAD]
    return _looks_binary(head, bom_encoding(head) or encoding)


# What a web archive starts with: WARC (any version) and ARC.
_WEB_ARCHIVE = (b"WARC/", b"filedesc://")
WEB_ARCHIVE_SKIPPED = (
    "web archive skipped (read its pages with: python -m detector.integrations.warc FILE"
    " | detector scan --input-format jsonl -)"
)


def skip_reason(data: bytes, encoding: str | None = None) -> str | None:
    """Why ``scan`` and ``clean`` leave alone a text or HTML file that starts
    with ``data`` (decompressed), or None: a web archive, or binary
    (:func:`looks_binary`).  Read as text, a WARC's HTTP headers were findings (`HTTP/1.1
    200 OK` as phishing), and ``clean --in-place`` cut them and the ads out of
    its records, whose lengths then no longer held: the archive was broken."""
    if data.startswith(_WEB_ARCHIVE):  # first: its images and gzip payloads are binary
        return WEB_ARCHIVE_SKIPPED
    if looks_binary(data, encoding):
        return "binary file skipped"
    return None


def _looks_binary(head: bytes, encoding: str | None) -> bool:
    """A NUL in ``head``: a NUL byte, or, when the encoding is known (a
    byte-order mark or ``--encoding``), a NUL character once decoded, because
    UTF-16 and UTF-32 text is full of NUL bytes but text never holds U+0000."""
    if encoding is None:
        return b"\x00" in head
    return "\x00" in incremental_decoder(encoding, head).decode(head)


def iter_paths(paths: Sequence[str]) -> Iterator[str | InputError | Notice]:
    """Expand directories (recursively, sorted, following no symlink loops).

    A path named on the command line is read whatever it is (``<(cmd)`` is a
    pipe); inside a directory only regular files are, so a FIFO or a device
    found while walking cannot block or flood the scan."""
    for raw in paths:
        if raw == STDIN:
            yield STDIN
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _walk(raw)
        elif path.exists() or path.is_symlink():
            yield raw  # as given, and so are directories (str(Path) drops a leading ./)
        else:
            yield InputError(printable(raw), "no such file or directory")


def _walk(root: str) -> Iterator[str | InputError | Notice]:
    """Files under ``root`` in sorted order, each directory's files before its
    subdirectories.  Entry types come from the directory listing, so a regular
    file costs no ``stat`` call (only directories, for the loop check, and
    symlinks are looked up)."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            info = os.stat(directory)
        except OSError as exc:
            # A path past PATH_MAX (a deep tree), or a directory gone since it
            # was listed: its files are not scanned, so say so (it was silent).
            yield InputError(printable(directory), f"cannot list directory ({exc.strerror})")
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:
            # A symlink loop or a second link to a scanned directory: nothing is
            # left unscanned, so this is a notice, not an error.
            yield Notice(printable(directory), "directory already scanned (symlink), skipped")
            continue
        seen.add(key)
        try:
            with os.scandir(directory) as listing:
                entries = sorted(
                    (e for e in listing if not e.name.startswith(".")), key=lambda e: e.name
                )
        except OSError as exc:
            where = printable(str(exc.filename or directory))
            yield InputError(where, f"cannot list directory ({exc.strerror})")
            continue
        subdirectories = []
        for entry in entries:
            if _is_dir(entry):
                subdirectories.append(entry.path)
            else:
                yield _regular_file(entry)
        stack.extend(reversed(subdirectories))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks, as the walk does
    except OSError:
        return False


def _regular_file(entry: os.DirEntry[str]) -> str | Notice:
    """The entry's path, or a notice when it is a FIFO, socket or device.  A
    broken symlink stays a path: opening it reports the error."""
    try:
        if entry.is_file():
            return entry.path
        os.stat(entry.path)
    except OSError:
        return entry.path
    return Notice(printable(entry.path), "not a regular file, skipped")


def input_waiting(stream: Any) -> bool:
    """Whether reading ``stream`` (stdin, say) would return at once: input is
    waiting, or it has ended.  True where this cannot be told (no ``select``
    for it, as for a pipe on Windows, or a stream without a file descriptor),
    so that a caller that flushes its output for a live stream when nothing is
    waiting never does so for input that is all there."""
    import select

    try:
        waiting, _, _ = select.select([stream], [], [], 0)
    except (OSError, ValueError, TypeError):  # closed, replaced, or no select for it
        return True
    return bool(waiting)


def inner_suffix(path: str) -> str:
    """The suffix of ``path`` that names its format, lower case: its last one, or
    for a compressed file's name the one before the compression's (``a.jsonl.gz``:
    ``.jsonl``; ``a.gz``: none)."""
    root, suffix = os.path.splitext(path)
    if suffix.lower() in COMPRESSION_SUFFIXES:
        suffix = os.path.splitext(root)[1]
    return suffix.lower()


def format_for(path: str, input_format: str) -> str:
    """The format ``path`` is read as: ``input_format`` unless it is ``auto``,
    else told by its suffix (:func:`inner_suffix`), whether it is compressed or
    not."""
    if input_format != "auto":
        return input_format
    if path == STDIN:
        return "text"
    suffix = inner_suffix(path)
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in HTML_SUFFIXES:
        return "html"
    return "text"


class Input:
    """A ``path`` or stdin opened for reading (:func:`open_input`): ``format``, how it
    is read (:func:`format_for`), and, looked at on first use, ``compression``
    (told by its first bytes, see :mod:`detector.compressed`; None: none) and
    ``stream``, its bytes decompressed.  Reading them raises ``OSError`` for a
    read error (``compressed.CompressionError`` for compressed data that cannot
    be read), and ``compressed.UnsupportedCompression`` for zstd where Python
    has no module for it."""

    def __init__(self, path: str, input_format: str = "auto") -> None:
        self.path = path
        self.format = format_for(path, input_format)
        self._raw: BinaryIO = sys.stdin.buffer if path == STDIN else open(path, "rb")
        self._owned = path != STDIN
        self._opened: tuple[str | None, BinaryIO] | None = None

    def _open(self) -> tuple[str | None, BinaryIO]:
        if self._opened is None:
            kind, stream = sniff(self._raw)
            self._opened = kind, stream if kind is None else decompressed(stream, kind)
        return self._opened

    @property
    def compression(self) -> str | None:
        return self._open()[0]

    @property
    def stream(self) -> BinaryIO:
        return self._open()[1]

    def close(self) -> None:
        """Close the file and its decompression (stdin stays open)."""
        if self._opened is not None and self._opened[1] is not self._raw:
            self._opened[1].close()  # never the stream it reads (stdin)
        if self._owned:
            self._raw.close()

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_input(path: str, input_format: str = "auto") -> Input:
    """``path`` (``-``: stdin) opened for reading as :class:`Input`: the one way
    ``scan``, ``explain`` and ``clean`` read an input, compressed or not.
    Raises ``OSError`` when it cannot be opened."""
    return Input(path, input_format)


def iter_documents(
    paths: Iterable[str | InputError | Notice],
    input_format: str = "auto",
    text_fields: Sequence[str] = ("text",),
    encoding: str | None = None,
    id_field: str = "id",
) -> Iterator[Document | InputError | Notice]:
    """Documents of each path; ``encoding`` forces a codec (else detected); a
    record's ``id_field`` is its document's ``id``."""
    for item in paths:
        if isinstance(item, (InputError, Notice)):
            yield item
            continue
        display = "<stdin>" if item == STDIN else printable(item)
        try:
            source = open_input(item, input_format)
        except IsADirectoryError:
            yield InputError(display, "is a directory")
            continue
        except OSError as exc:
            yield InputError(display, f"cannot open ({exc.strerror or exc})")
            continue
        fmt = source.format
        try:
            if fmt == "jsonl":
                yield from _jsonl_documents(display, source.stream, text_fields, encoding, id_field)
            elif fmt == "json":
                yield from _json_documents(display, source.stream, text_fields, encoding, id_field)
            elif fmt == "html":
                yield from _text_document(display, source.stream, encoding, html=True)
            else:
                for document in _text_document(display, source.stream, encoding):
                    if item == STDIN and input_format == "auto" and _looks_like_jsonl(document):
                        yield Notice(display, _STDIN_JSONL, skipped=False)
                    yield document
        except UnsupportedCompression as exc:
            yield InputError(display, str(exc))
        except OSError as exc:
            yield InputError(display, f"cannot read ({exc.strerror or exc})")
        finally:
            source.close()


_STDIN_JSONL = "looks like JSON records; scanned as text (use --input-format jsonl or json)"


def _looks_like_jsonl(document: Document | InputError | Notice) -> bool:
    """Whether text read from stdin starts with a JSON object or an array of
    them: piped JSONL is scanned as text unless ``--input-format`` says otherwise
    (stdin has no suffix to tell), and its spans then hold JSON syntax."""
    if not isinstance(document, Document):
        return False
    text = document.fields[None].lstrip()
    if text.startswith("["):  # an array of records: "[{", or "[" and "{" on the next line
        text = text[1:].lstrip()
    if not text.startswith("{"):
        return False
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict)


def _text_document(
    display: str, handle: BinaryIO, encoding: str | None = None, html: bool = False
) -> Iterator[Document | InputError | Notice]:
    """A text or HTML file read whole; of a compressed file cut short, the text
    before the cut, then the error (see :func:`_cut_short`)."""
    # The head is tested before the rest is read: a video file in a crawl, or
    # /dev/zero, costs 8 KiB, not its size.
    head, failed = read_to_error(handle, _BINARY_HEAD)
    skipped = skip_reason(head, encoding)
    data = head
    # Less than asked comes only at the end of the stream (or at an error): most
    # articles fit in the head, and need no second read.
    if skipped is None and failed is None and len(head) == _BINARY_HEAD:
        data, failed = read_to_error(handle, head=head)
    if failed is not None and (skipped is not None or not _usable(data, failed)):
        yield InputError(display, f"cannot read ({failed})")  # nothing of it is scanned
        return
    if skipped is not None:
        yield Notice(display, skipped)
        return
    if not html:
        text = decode(data, encoding, final=failed is None)
        yield Document(display, {None: text})
        if failed is not None:
            yield _cut_short(display, text, failed)
        return
    from detector.html import extract

    source = decode(data, encoding, html=True, final=failed is None)
    page = extract(source)
    yield Document(display, {None: page.text}, html=page)
    if failed is not None:
        yield _cut_short(display, source, failed)


def _usable(data: bytes, failed: CompressionError) -> bool:
    """Whether ``data``, read before ``failed``, is worth scanning: some bytes,
    as written (a file cut short; corrupt data may come out wrong before its
    error shows)."""
    return bool(data) and failed.intact


def _cut_short(display: str, text: str, failed: CompressionError) -> InputError:
    """The error of a file whose ``text`` was read before ``failed`` cut it short
    (a truncated compressed file), placed on the line the text ends in, as a
    JSONL file's is: what was read is scanned, and the exit code says the rest
    was not."""
    return InputError(display, f"cannot read ({failed})", Lines(text).line(len(text)))


def _json_documents(
    display: str,
    handle: BinaryIO,
    text_fields: Sequence[str],
    encoding: str | None = None,
    id_field: str = "id",
) -> Iterator[Document | InputError]:
    """A JSON file holding one array of records, each scanned like a JSONL record;
    ``line`` is the line where the record starts in the file.  Of a compressed
    file cut short, the records before the cut (each one a whole JSON value, as
    written), then the error; the record the cut falls in gives no 'invalid
    JSON' of its own (its error is on the line the text ends in)."""
    data, failed = read_to_error(handle)
    if failed is not None and not _usable(data, failed):
        yield InputError(display, f"cannot read ({failed})")
        return
    text = decode(data, encoding, final=failed is None)
    cut = None if failed is None else _cut_short(display, text, failed)
    try:
        for start, end, record, kind, line, column in json_records(text):
            raw = RecordText(text[start:end], line, column)
            yield from _record_document(display, record, line, text_fields, kind, raw, id_field)
    except JsonFileError as exc:
        if cut is None or exc.line != cut.line:  # on the line of the cut: the cut's doing
            yield InputError(display, exc.message, exc.line)
    if cut is not None:
        yield cut


class JsonFileError(ValueError):
    """Why a JSON file is not one record or an array of them (worded for the user)
    and the line where it shows (None: the file as a whole)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def json_records(text: str) -> Iterator[tuple[int, int, object, str, int, int]]:
    """``(start, end, value, kind, line, column)`` of each record of a JSON file's
    text, in order (``line`` and ``column`` of ``start``, 1-based): the items of
    its top-level array (``kind`` "a JSON array item"), or its one top-level
    object ("a JSON record").  Raises :class:`JsonFileError` where
    the text stops being that, after the records before it (``scan`` reports
    those; ``clean`` rewrites nothing then)."""
    decoder = json.JSONDecoder()
    lines = Lines(text)  # counted on from record to record: one pass over the file
    index = skip_space(text, 0)
    if index == len(text):  # an empty file holds no records, like an empty JSONL file
        return
    if text.startswith("{", index):
        # A single record on its own is scanned like a one-item array.
        value, end = _decoded_value(decoder, text, index, lines)
        if text[end:].strip():
            raise JsonFileError("invalid JSON (extra data after the record)", None)
        yield index, end, value, "a JSON record", *lines.line_col(index)
        return
    if not text.startswith("[", index):
        raise JsonFileError("a JSON file must hold an array of records (objects)", None)
    index = skip_space(text, index + 1)
    if text.startswith("]", index):
        return
    while True:
        line, column = lines.line_col(index)
        value, end = _decoded_value(decoder, text, index, lines)
        yield index, end, value, "a JSON array item", line, column
        index = skip_space(text, end)
        if text.startswith(",", index):
            index = skip_space(text, index + 1)
            continue
        if text.startswith("]", index) and not text[index + 1 :].strip():
            return
        message = "invalid JSON (expected ',' or ']' after an array item)"
        raise JsonFileError(message, lines.line(index))


def _decoded_value(
    decoder: json.JSONDecoder, text: str, index: int, lines: Lines
) -> tuple[object, int]:
    """The JSON value at ``index`` and where it ends; a :class:`JsonFileError` on
    the line of a syntax error, else on the value's first line."""
    try:
        return decoder.raw_decode(text, index)
    except (ValueError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else lines.line(index)
        raise JsonFileError(json_message(exc), line) from None


def skip_space(text: str, index: int) -> int:
    """``index`` moved past JSON white space."""
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def json_message(exc: ValueError | RecursionError) -> str:
    """Why a JSON value could not be parsed: a syntax error, nesting deeper than
    the parser's recursion limit, or an integer literal beyond Python's digit
    limit (each raised by ``json`` and none may stop the batch)."""
    if isinstance(exc, json.JSONDecodeError):
        message = exc.msg.removesuffix(" at")  # "Invalid control character at"
        return f"invalid JSON ({message} at column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "invalid JSON (nested too deeply)"
    digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    if digits and "int_max_str_digits" in str(exc):  # Python's advice is for programmers
        return f"invalid JSON (an integer of more than {digits} digits)"
    return f"invalid JSON ({exc})"


def _jsonl_documents(
    display: str,
    handle: BinaryIO,
    text_fields: Sequence[str],
    encoding: str | None = None,
    id_field: str = "id",
) -> Iterator[Document | InputError]:
    """The records of a JSONL file; a read error (a truncated ``.jsonl.gz``) after
    them, at the line it stopped in."""
    read = 0

    def lines() -> Iterator[str]:
        nonlocal read
        for line in _jsonl_lines(handle, encoding):
            read += 1
            yield line

    try:
        yield from jsonl_line_documents(display, lines(), text_fields, id_field=id_field)
    except OSError as exc:
        yield InputError(display, f"cannot read ({exc.strerror or exc})", read + 1)


def jsonl_line_documents(
    display: str,
    lines: Iterable[str],
    text_fields: Sequence[str],
    first: int = 1,
    id_field: str = "id",
) -> Iterator[Document | InputError]:
    """The documents and errors of the decoded ``lines`` of a JSONL file (each
    with its line break, as read), the first of them line ``first`` of the file;
    also what a worker process reads a range of lines with
    (:mod:`detector.parallel`)."""
    for number, line in enumerate(lines, start=first):
        if not line.strip(_ASCII_SPACE):  # a line of U+3000 is no blank line but an error
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield InputError(display, json_message(exc), number)
            continue
        raw = RecordText(line, number)
        yield from _record_document(
            display, record, number, text_fields, "a JSONL record", raw, id_field
        )


def _jsonl_lines(handle: BinaryIO, encoding: str | None) -> Iterator[str]:
    """The decoded lines of a JSONL file, read one at a time.

    A byte-order mark or ``--encoding`` fixes the codec of the whole file, which
    is decoded as one stream and split on ``\\n`` after decoding (in UTF-16 a line
    break is two bytes, and other characters hold 0x0A bytes too).  Otherwise a
    line that is valid UTF-8 is UTF-8, and the other lines are decoded with one
    codec, detected once from the first such line and the lines after it (64
    KiB): a short record decoded on its own can pass for Japanese or Korean, and
    two records of one file must not come out in two encodings.  A file of UTF-8
    lines is never read ahead, so a stream on stdin is scanned as it comes.
    """
    raws = iter(handle)
    first = next(raws, b"")
    codec = bom_encoding(first) or encoding
    if codec is not None:
        yield from _split_lines(_decoded(chain((first,), raws), codec, first))
        return
    yield from line_texts(chain((first,), raws) if first else raws)


def line_texts(raws: Iterator[bytes]) -> Iterator[str]:
    """The lines ``raws`` of a JSONL file without a byte-order mark, decoded as
    :func:`line_codecs` chooses (a UTF-8 line loses a byte-order mark, as
    :func:`decode` drops one)."""
    for raw, codec, text in line_codecs(raws):
        yield raw.decode(codec, errors="replace") if text is None else text.removeprefix("\ufeff")


def line_codecs(
    raws: Iterator[bytes], fallback: str | None = None
) -> Iterator[tuple[bytes, str, str | None]]:
    """Each of the lines ``raws`` of a JSONL file without a byte-order mark,
    the codec it is read with and its text if that is UTF-8: a line that is
    valid UTF-8 is UTF-8; the other lines take ``fallback``, else one codec,
    detected once from the first of them and the lines after it, up to
    ``_SAMPLE`` bytes (read ahead).  The one rule for ``scan`` and ``clean``.
    A read error (a truncated ``.jsonl.gz``) met while reading ahead is raised
    once the lines read before it are given: they were lost, and the error
    placed at the first of them."""
    ahead: deque[bytes] = deque()
    failed: OSError | None = None
    while True:
        raw: bytes | None
        if ahead:
            raw = ahead.popleft()
        elif failed is not None:
            raise failed
        else:
            raw = next(raws, None)
        if raw is None:
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if fallback is None:
                size = len(raw) + sum(map(len, ahead))
                try:
                    while size < _SAMPLE and (extra := next(raws, None)) is not None:
                        ahead.append(extra)
                        size += len(extra)
                except OSError as exc:
                    failed = exc
                fallback = detect(b"".join([raw, *ahead]))
            yield raw, fallback, None
        else:
            yield raw, "utf-8", text


def _decoded(pieces: Iterable[bytes], encoding: str, head: bytes) -> Iterator[str]:
    """``pieces`` decoded as one stream (a character may span two pieces)."""
    decoder = incremental_decoder(encoding, head)
    for piece in pieces:
        yield decoder.decode(piece)
    yield decoder.decode(b"", final=True)


def _split_lines(texts: Iterable[str]) -> Iterator[str]:
    """The lines of the concatenated ``texts``, split on ``\\n`` only (a JSON
    string may hold U+2028, which ``str.splitlines`` would split on)."""
    parts: list[str] = []
    for text in texts:
        *ends, rest = text.split("\n")
        for end in ends:
            parts.append(end)
            yield "".join(parts)
            parts = []
        if rest:
            parts.append(rest)
    if parts:
        yield "".join(parts)


#: How a record field that cannot be scanned is described in errors.
NOT_TEXT = "not a string or a list of strings"


def text_elements(name: str, value: object) -> list[tuple[str, str]]:
    """(field key, text) of what is scanned in a record's or an item's field: a
    string as it is, a list (or tuple) of strings element by element
    (``content[0]``, ``content[1]`` …), an empty one as an empty text (what
    Scrapy's ``.getall()`` gives for a page without the paragraphs: it was an
    error, "not a string or a list of strings"); nothing for any other value.
    The one rule for ``detector scan``, ``clean``, the hook and the Scrapy
    pipeline."""
    if isinstance(value, str):
        return [(name, value)]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [(f"{name}[{i}]", text) for i, text in enumerate(value)] or [(name, "")]
    return []


def missing_fields(record: dict[str, object], text_fields: Sequence[str]) -> str:
    """The error for a record that has none of ``text_fields``, naming the fields
    it has that could be scanned (a crawl's ``content``, ``title`` …), since the
    usual cause is a schema other than the default ``text``."""
    names = ", ".join(repr(n) for n in text_fields)
    has = [repr(key) for key, value in record.items() if text_elements(str(key), value)]
    if not has:
        return f"record has none of the text fields {names}"
    more = f" (and {len(has) - 5} more)" if len(has) > 5 else ""
    return (
        f"record has none of the text fields {names}; it has "
        f"{', '.join(has[:5])}{more}: name the ones to scan with --text-field"
    )


def _record_document(
    display: str,
    record: object,
    number: int,
    text_fields: Sequence[str],
    kind: str,
    raw: RecordText | None = None,
    id_field: str = "id",
) -> Iterator[Document | InputError]:
    if not isinstance(record, dict):
        yield InputError(display, f"{kind} must be an object", number)
        return
    found: dict[str | None, str] = {}
    wrong_type = False
    for name in text_fields:
        value = record.get(name)
        elements = text_elements(name, value)
        if elements:
            for key, text in elements:
                found[key] = LONE_SURROGATE.sub("\ufffd", text)
        elif value is not None:
            wrong_type = True
            yield InputError(display, f"field {name!r} is {NOT_TEXT}", number)
    if not found and wrong_type:  # nothing was scanned: do not print it as clean
        return
    if not found and not any(name in record for name in text_fields):
        yield InputError(display, missing_fields(record, text_fields), number)
        return
    try:
        record_id = _scrub(record.get(id_field))
    except RecursionError:  # nested just below the parser's limit, re-encoded deeper
        yield InputError(display, "invalid JSON (nested too deeply)", number)
        return
    yield Document(display, found, line=number, id=record_id, raw=raw)

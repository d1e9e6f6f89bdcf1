"""Web archives (WARC, WET, ARC) to JSONL records that ``detector`` reads.

Install with ``pip install '.[warc]'`` (warcio).  This module is the only place
that imports it.

A crawl stored as WARC (Heritrix, wget ``--warc-file``, Browsertrix, Common
Crawl) holds each page as an HTTP response.  This writes one JSON line per page
to standard output, the page's text in ``text``, so everything ``detector``
does with JSONL records applies to it (a field holding HTML is scanned by the
text a reader sees; ``clean`` removes the ads' characters and keeps every tag)::

    python -m detector.integrations.warc crawl.warc.gz | detector scan --input-format jsonl -
    python -m detector.integrations.warc crawl.warc.gz > pages.jsonl
    detector clean --drop --quarantine ads.jsonl -o clean.jsonl pages.jsonl

A record's line::

    {"id": URL, "url": URL, "date": WARC-Date, "warc": file, "offset": byte offset of
     the record in the (compressed) file, "record_id": WARC-Record-ID (ARC: null),
     "content_type": "text/html", "text": the page}

Read: ``response`` records with an HTTP status of 200-299 (``resource``
records too) whose type is HTML, XHTML or plain text, and the ``conversion``
records of WET files (Common Crawl's extracted text).  Skipped, counted in the
summary on standard error: requests, metadata, revisits, other media types,
redirects and error pages, and bodies with a NUL in their first 8 KiB whatever
their type says (as ``detector scan`` skips a binary file).  warcio undoes
chunked transfer encoding and gzip or deflate content encoding.  The text is
decoded as :mod:`detector.encodings` decodes an HTML file (its bytes decide:
byte-order mark, valid UTF-8, ``<meta charset>``, then GB18030 or Big5), except
that the charset of the HTTP ``Content-Type`` header is taken when the bytes
decode under it without error and it is not a single-byte codec (servers send
``ISO-8859-1`` for Chinese pages they know nothing about).

A file that is not a web archive, or is corrupt or cut short, or holds a record
whose length does not match its block, is an error naming it and the byte
offset where reading stopped; the pages read before are
written, the other files are read, and the exit code is 2.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import logging
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import click

from detector.cli import OutputError
from detector.encodings import decode
from detector.inputs import looks_binary, printable
from detector.report import one_line

try:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"detector.integrations.warc needs warcio ({exc}); install it with"
        " pip install '.[warc]' in detector's checkout"
    ) from exc

__all__ = ["Page", "Skipped", "WarcError", "iter_pages", "main"]

# warcio logs a URI it mends (spaces in WARC-Target-URI); with no handler of its
# own Python's last resort printed that on stderr, where it would read as one of
# the complaints _warcio_says turns into errors.  An application that sets up
# logging still gets it.
logging.getLogger("warcio").addHandler(logging.NullHandler())

#: Media types whose payload is a page's text.
TEXT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class Page:
    """One page of an archive: where it is and its text."""

    url: str
    date: str | None
    offset: int
    record_id: str | None
    content_type: str
    text: str

    def to_record(self, warc: str) -> dict[str, Any]:
        return {
            "id": self.url,
            "url": self.url,
            "date": self.date,
            "warc": warc,
            "offset": self.offset,
            "record_id": self.record_id,
            "content_type": self.content_type,
            "text": self.text,
        }


@dataclass(frozen=True)
class Skipped:
    """A record that holds no page to scan, and why (a summary's key)."""

    offset: int
    reason: str


class WarcError(ValueError):
    """An archive that cannot be read on from ``offset`` (the end of the last
    record read whole: where the one that failed starts)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _media_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type in lower case, charset) of a ``Content-Type`` value."""
    if not value:
        return None, None
    kind, _, rest = value.partition(";")
    charset = None
    for parameter in rest.split(";"):
        name, _, setting = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = setting.strip().strip("\"'") or None
    return kind.strip().lower() or None, charset


def _declared(charset: str | None, payload: bytes) -> str | None:
    """The codec of the HTTP header's ``charset`` when ``payload`` decodes under
    it without error and it is not a single-byte codec (which decodes anything,
    and is what servers send for pages they know nothing about)."""
    if not charset:
        return None
    try:
        codec = codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    try:
        text = payload.decode(codec.name)
    except (UnicodeDecodeError, ValueError):
        return None
    if len(text) == len(payload) and payload:  # one character per byte
        return None
    return codec.name


def page_text(payload: bytes, media_type: str | None, charset: str | None) -> str:
    """``payload`` decoded (see the module documentation)."""
    html = media_type in _HTML_TYPES
    return decode(payload, _declared(charset, payload), html=html)


def _skip_reason(record: Any) -> str | None:
    """Why ``record`` holds no page to scan, or None (it does)."""
    kind = record.rec_type
    if kind not in ("response", "resource", "conversion"):
        return kind or "unknown"
    if kind == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        if not (status.isdigit() and 200 <= int(status) < 300):
            return f"status {status or 'unknown'}"
    return None


def _where(record: Any) -> tuple[str, str | None, str | None]:
    """(URL, date, record id) of a WARC record, or of an ARC one (read as it
    is: converted to WARC, warcio gave it a random record id, so the same file
    gave other lines on each run)."""
    headers = record.rec_headers
    if record.format == "arc":
        stamp = headers.get_header("archive-date") or ""
        try:
            date = datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            date = None
        return headers.get_header("uri") or "", date, None
    return (
        headers.get_header("WARC-Target-URI") or "",
        headers.get_header("WARC-Date"),
        headers.get_header("WARC-Record-ID"),
    )


def _content_type(record: Any) -> str | None:
    if record.rec_type == "response" and record.http_headers is not None:
        return record.http_headers.get_header("Content-Type")
    return record.rec_headers.get_header("Content-Type")


class _Counted:
    """A binary stream that counts the bytes read from it and keeps the last
    ones (what follows the last whole record)."""

    _KEEP = 1 << 16

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        self.tail = (self.tail + data)[-self._KEEP :]
        return data

    def only_blank_after(self, offset: int) -> bool:
        """Whether the bytes read after ``offset`` are blank lines (what ends an
        uncompressed record) or nothing."""
        rest = self.count - offset
        return rest <= 0 or (rest <= len(self.tail) and not self.tail[-rest:].strip())


def iter_pages(stream: BinaryIO) -> Iterator[Page | Skipped]:
    """The pages of the archive read from ``stream`` (gzip-compressed or not),
    and the records skipped.  Raises :class:`WarcError` where the archive cannot
    be read on (what came before has been yielded), a file cut short included
    (warcio stops at the last whole record without a word)."""
    counted = _Counted(stream)
    records = ArchiveIterator(counted)
    walk = iter(records)
    end = 0  # where the next record starts: the end of the last one read whole
    while True:
        # warcio raises what its parsers meet in broken data (ArchiveLoadFailed,
        # zlib.error, EOFError, even AttributeError on a record without a
        # WARC-Target-URI): anything raised in it is the archive's fault.
        try:
            with _warcio_says(end):
                record = next(walk, None)
        except WarcError:
            raise
        except Exception as exc:
            raise _broken(exc, end) from None
        if record is None:
            break
        reason = _skip_reason(record)
        media_type, charset = _media_type(_content_type(record))
        if reason is None and media_type is not None and media_type not in TEXT_TYPES:
            reason = media_type
        try:
            with _warcio_says(end):
                payload = b"" if reason is not None else record.content_stream().read()
                # Asked after the payload is read: asking reads the record to its end.
                offset = records.get_record_offset()
                length = records.get_record_length()
        except WarcError:
            raise
        except Exception as exc:
            raise _broken(exc, end) from None
        # An uncompressed archive cut inside its last record gives the record
        # with what is left of it, and no word: its block is short.
        missing = getattr(record.raw_stream, "limit", 0)
        if missing:
            raise WarcError(f"cut short: the record's last {missing} byte(s) are missing", offset)
        end = offset + length
        # A page whose bytes are binary whatever its type says (an image or a
        # gzip body served as text/html) is no text: as scan skips such a file.
        if reason is None and looks_binary(payload[:8192]):
            reason = "binary"
        if reason is not None:
            yield Skipped(offset, reason)
            continue
        url, date, record_id = _where(record)
        text = page_text(payload, media_type, charset)
        yield Page(url, date, offset, record_id, media_type or "text/plain", text)
    if not counted.only_blank_after(end):
        raise WarcError(
            f"cut short: the {counted.count - end} byte(s) after the last whole record"
            " are no record",
            end,
        )


@contextlib.contextmanager
def _warcio_says(end: int) -> Iterator[None]:
    """Turns what warcio writes on stderr while reading into an error.  It says
    there, and reads on, when a record's length does not match what follows it
    (``Record not followed by newline, perhaps Content-Length is invalid``: the
    next record is then looked for past a line of this one) and when a gzip
    member fails its check (the block's data dropped): pages cut or merged, not
    an archive read.  stderr is swapped only for the call (a thread writing to
    it then would be caught too)."""
    saved, sys.stderr = sys.stderr, io.StringIO()
    try:
        yield
    finally:
        said, sys.stderr = sys.stderr.getvalue(), saved
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    if lines:
        detail = lines[0].removeprefix("WARNING:").strip()
        raise WarcError(f"a broken record ({one_line(detail[:100])})", end)


def _broken(exc: Exception, end: int) -> WarcError:
    """The error for what warcio raised reading the record at ``end``."""
    if isinstance(exc, ArchiveLoadFailed) and end == 0:
        return WarcError("not a WARC, WET or ARC file", end)
    if isinstance(exc, ArchiveLoadFailed):
        detail = "no record starts here"  # warcio's message quotes the bytes it met
    elif isinstance(exc, (OSError, EOFError, zlib.error)) and str(exc).strip():
        detail = str(exc).strip().splitlines()[0][:100]
    else:  # a parser's own error on headers it cannot read
        detail = "its headers cannot be read"
    return WarcError(f"a broken record ({one_line(detail)})", end)


def _write(out: BinaryIO, record: dict[str, Any]) -> None:
    """One JSON line, in UTF-8 whatever the locale; a failed write (a closed
    pipe, a full disk) raises ``OutputError``: exit code 2, a closed pipe
    without a word (its reader chose to stop)."""
    try:
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    except OSError as exc:
        raise OutputError(exc) from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--summary",
    is_flag=True,
    help="At the end, print on stderr how many pages were written and records skipped, by reason.",
)
def main(paths: tuple[str, ...], summary: bool) -> None:
    """Write the pages of WARC, WET or ARC files (gzip-compressed or not; - for
    stdin) to standard output as JSONL records for detector scan and clean.

    \b
    Examples:
      python -m detector.integrations.warc crawl.warc.gz | detector scan --input-format jsonl -
      python -m detector.integrations.warc CC-MAIN-*.warc.wet.gz > pages.jsonl
    """
    out = sys.stdout.buffer
    written = 0
    skipped: Counter[str] = Counter()
    errors = 0
    for path in paths:
        # As scan names its inputs: a name's bytes that are not UTF-8 escaped (as
        # lone surrogates they failed the UTF-8 line: a traceback), and on stderr
        # its control characters too.
        name = "<stdin>" if path == "-" else printable(path)
        shown = one_line(name)
        try:
            handle: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as exc:
            click.echo(f"detector: error: {shown}: cannot open ({exc.strerror or exc})", err=True)
            errors += 1
            continue
        try:
            for item in iter_pages(handle):
                if isinstance(item, Skipped):
                    skipped[item.reason] += 1
                    continue
                _write(out, item.to_record(name))
                written += 1
        except WarcError as exc:
            click.echo(f"detector: error: {shown}: at byte {exc.offset}: {exc}", err=True)
            errors += 1
        finally:
            if path != "-":
                handle.close()
    try:
        out.flush()
    except OSError as exc:
        raise OutputError(exc) from None
    if summary:
        reasons = ", ".join(f"{reason} {n}" for reason, n in skipped.most_common())
        click.echo(
            f"detector: {written} page(s) written, {sum(skipped.values())} record(s) skipped"
            + (f" ({reasons})" if reasons else "")
            + f", {errors} error(s)",
            err=True,
        )
    sys.exit(2 if errors else 0)


if __name__ == "__main__":
    main()

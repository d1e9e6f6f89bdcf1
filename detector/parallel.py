"""Scanning a stream of inputs in chunks, in this process or in worker processes.

Results come back in input order whatever the number of jobs, and are the same
(``Detector.scan_many`` is deterministic and per text).  Only a bounded number
of chunks is in flight, so memory stays bounded on inputs of any size.

With ``jobs`` N, this process and N - 1 worker processes scan.  Workers get
plain text and HTML files (compressed or not) as paths, and read, decompress,
decode, scan and check them against the suppressions themselves; they get a
JSONL file that is all UTF-8 as ranges of its lines (:class:`JsonlRange`), and
read, decode and parse each range's records themselves.  This process reads
only what has to be read in order (stdin, JSON files and other JSONL files,
compressed ones among them, split into their records; of a UTF-8 JSONL file,
one pass that checks it is UTF-8 and finds the ranges), walks
the directories, hands out chunks, scans a chunk itself whenever the workers
have enough queued, and passes the results on.  (Scanning here rather than
waiting for one more worker saves that worker's start and the pickling of its
share of the results.)  Each worker holds one detector: inherited from this
process where processes fork, loaded once by the pool initializer otherwise.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import io
import itertools
import os
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from detector.compressed import compression_of
from detector.inputs import (
    STDIN,
    Document,
    InputError,
    Notice,
    RecordText,
    format_for,
    input_waiting,
    iter_documents,
    jsonl_line_documents,
    line_texts,
    printable,
)
from detector.report import DocumentResult
from detector.results import Verdict
from detector.scanning import ScannedDocument, ScanOptions, scan_documents

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from detector.core import Detector

__all__ = [
    "CHUNK_BYTES",
    "CHUNK_CHARS",
    "CHUNK_TEXTS",
    "POOL_CHARS",
    "JsonlRange",
    "ScanPool",
    "available_cores",
    "scan_inputs",
]

# A chunk ends after this many texts (or files) or characters, whichever comes
# first: large enough to amortize the inter-process round trip and the fixed cost
# of a scan batch (the character bound is the core's batch size; short news
# files reach it before the text bound), small enough to keep both cores busy
# until the end.
CHUNK_TEXTS = 256
CHUNK_CHARS = 1 << 17
# ... or, for files handed out as paths, after this many bytes of them (128 K
# characters of Chinese are 384 KiB of UTF-8): a directory of large files goes out
# a few files at a time, so that every process gets some and memory stays bounded.
# (Twelve 13.5 MB files were one chunk: --jobs 2 ran them in one process.)
# A UTF-8 JSONL file goes out in ranges of lines of about this many bytes.
CHUNK_BYTES = 1 << 19
# The blocks a JSONL file is read in to check it is UTF-8 and find its ranges,
# and the pieces they are decoded in (a quarter faster than a block at once: the
# decoded text stays in the CPU cache).
_BLOCK = 1 << 20
_PIECE = 1 << 16


@dataclasses.dataclass(frozen=True)
class JsonlRange:
    """Lines of a JSONL file for a worker to read: the bytes ``start`` to ``end``
    (whole lines) of the file at ``path``, the first of them line ``line``."""

    path: str
    start: int
    end: int
    line: int


# What a chunk holds: a path for the worker to read (a text or HTML file), a
# range of a JSONL file's lines for it to read, a document the parent read, or
# an input error or notice passed through in order.
Unit = str | JsonlRange | Document | InputError | Notice
Result = ScannedDocument | InputError | Notice

_worker: tuple[Detector, ScanOptions] | None = None


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _read(path: str, options: ScanOptions) -> Iterator[Document | InputError | Notice]:
    return iter_documents(
        [path], options.input_format, options.text_fields, options.encoding, options.id_field
    )


def _units(
    items: Iterable[str | InputError | Notice], options: ScanOptions, ranges: bool = False
) -> Iterator[Unit]:
    """Path items as units: text and HTML files stay paths for a worker to read;
    with ``ranges``, a JSONL file that is all UTF-8 goes out as ranges of its
    lines (see :func:`_jsonl_ranges`); stdin, JSON and other JSONL files are read
    here, a record at a time."""
    for item in items:
        if not isinstance(item, str):
            yield item
            continue
        fmt = "text" if item == STDIN else format_for(item, options.input_format)
        if item != STDIN and fmt in ("text", "html"):
            yield item
            continue
        found = None
        if ranges and item != STDIN and fmt == "jsonl" and options.encoding is None:
            found = _jsonl_ranges(item)
        if found is not None:
            yield from found
        else:
            yield from _read(item, options)


def _jsonl_ranges(path: str) -> list[JsonlRange] | None:
    """The ranges of about ``CHUNK_BYTES`` of whole lines a JSONL file is read in
    by workers; None (read it here, as ``--jobs 1`` does) unless it is a regular
    file that is all UTF-8 without a byte-order mark, where every line decodes
    as UTF-8 alone and nothing is detected (:func:`detector.inputs._jsonl_lines`),
    and not compressed (no range of a compressed stream can be read on its own).
    One pass in blocks: memory stays bounded."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return _line_ranges(path, handle)
    except (OSError, UnicodeDecodeError):  # reading it here reports an error
        return None


def _line_ranges(path: str, handle: BinaryIO) -> list[JsonlRange] | None:
    """:func:`_jsonl_ranges` of the open file ``handle``; raises
    ``UnicodeDecodeError`` where it is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    ranges: list[JsonlRange] = []
    start, start_line = 0, 1
    line = 1  # the line number at ``offset``
    offset = 0
    while block := handle.read(_BLOCK):
        if offset == 0 and (block.startswith(codecs.BOM_UTF8) or compression_of(block)):
            return None  # a compressed file's lines are read here, as it is decompressed
        view = memoryview(block)
        for piece in range(0, len(block), _PIECE):
            decoder.decode(view[piece : piece + _PIECE])
        done = 0  # the line breaks of block[:done] are counted
        while True:
            want = max(start + CHUNK_BYTES - 1 - offset, done)
            end = block.find(b"\n", want) if want < len(block) else -1
            if end < 0:
                break
            line += block.count(b"\n", done, end + 1)
            done = end + 1
            ranges.append(JsonlRange(path, start, offset + done, start_line))
            start, start_line = offset + done, line
        line += block.count(b"\n", done)
        offset += len(block)
    decoder.decode(b"", final=True)
    if start < offset:
        ranges.append(JsonlRange(path, start, offset, start_line))
    return ranges


def _range_documents(
    unit: JsonlRange, options: ScanOptions
) -> list[Document | InputError | Notice]:
    """The documents and errors of a range of a UTF-8 JSONL file's lines, as
    :func:`detector.inputs.iter_documents` reads them."""
    display = printable(unit.path)
    try:
        handle = open(unit.path, "rb")
    except OSError as exc:
        return [InputError(display, f"cannot open ({exc.strerror or exc})")]
    try:
        with handle:
            handle.seek(unit.start)
            data = handle.read(unit.end - unit.start)
    except OSError as exc:
        return [InputError(display, f"cannot read ({exc.strerror or exc})")]
    # Lines split on b"\n" only, each keeping its break, as a file is iterated,
    # and decoded as iter_documents decodes a JSONL file's lines.
    lines = line_texts(iter(io.BytesIO(data)))
    return list(
        jsonl_line_documents(display, lines, options.text_fields, unit.line, options.id_field)
    )


def _chunks(units: Iterable[Unit]) -> Iterator[list[Unit]]:
    """``units`` in chunks (see ``CHUNK_TEXTS``); a chunk of records from stdin
    also ends when no more input is waiting (:func:`_idle`)."""
    chunk: list[Unit] = []
    chars = size = 0
    for unit in units:
        chunk.append(unit)
        if isinstance(unit, Document):
            chars += sum(len(text) for text in unit.fields.values())
        elif isinstance(unit, str):
            size += _file_size(unit)
        elif isinstance(unit, JsonlRange):
            size += unit.end - unit.start
        full = len(chunk) >= CHUNK_TEXTS or chars >= CHUNK_CHARS or size >= CHUNK_BYTES
        if full or _idle(chunk):
            yield chunk
            chunk, chars, size = [], 0, 0
    if chunk:
        yield chunk


def _idle(chunk: list[Unit]) -> bool:
    """Whether ``chunk`` ends with a record read from stdin and no more input is
    waiting there: a live stream (a crawler piping its items in) gets each record's
    result when it is scanned, not once 256 of them have come (or the stream
    ends).  Reading ahead from a stream that is ready costs no wait, so a pipe
    from a fast writer still fills whole chunks."""
    last = chunk[-1] if chunk else None
    if not isinstance(last, (Document, InputError, Notice)) or last.path != "<stdin>":
        return False
    return not input_waiting(sys.stdin)


def _file_size(path: str) -> int:
    """The size of the file at ``path`` (0 when it cannot be read: reading it will
    report why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _scan_chunk(detector: Detector, options: ScanOptions, chunk: list[Unit]) -> list[Result]:
    """Read the paths and JSONL ranges of ``chunk`` and scan every document in it."""
    documents: list[Document | InputError | Notice] = []
    for unit in chunk:
        if isinstance(unit, str):
            documents.extend(_read(unit, options))
        elif isinstance(unit, JsonlRange):
            documents.extend(_range_documents(unit, options))
        else:
            documents.append(unit)
    return scan_documents(detector, documents, options)


def _init_worker(model: str | None, threshold: float, options: ScanOptions) -> None:
    global _worker
    _tie_to_parent()
    if _worker is None:  # not inherited through fork
        from detector.core import Detector

        base = Detector.default() if model is None else Detector.from_path(model)
        _worker = (Detector(base.model, threshold=threshold), options)


def _tie_to_parent() -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the pool (each
    worker printed a KeyboardInterrupt traceback), take the defaults of SIGTERM
    and SIGHUP back from the CLI's handler inherited through fork (a terminal
    that closed sent SIGHUP to every worker, and each printed a traceback of
    ``_Terminated``; ignored under ``nohup``, it stays ignored), and, on Linux,
    die with the parent.  A parent killed by SIGTERM or SIGKILL left its
    workers waiting forever, holding stdout open, so that a reader of
    ``detector scan --jobs 2 | …`` never saw its end."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None and signal.getsignal(hangup) is not signal.SIG_IGN:
        signal.signal(hangup, signal.SIG_DFL)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):
        return
    pr_set_pdeathsig = 1  # <linux/prctl.h>
    prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


class _NoFindings(NamedTuple):
    """A document a worker found nothing in, as it is sent back: its place and its
    field names.  Its verdicts are all ``Verdict(False, 0.0, (), model version)``,
    and only a finding's line:col reads a document's text.  (Sending the whole
    result, text included, made ``--jobs 2`` spend ~20 % more CPU than ``--jobs
    1`` on 5 MB of news: 5.4 MB of pickles, ~65 ms to write and read them, half
    of it in this process.)"""

    path: str
    fields: tuple[str | None, ...]
    line: int | None
    id: object


def _scan_in_worker(chunk: list[Unit]) -> list[Result | _NoFindings]:
    """A chunk's results, each document without findings as a :class:`_NoFindings`."""
    assert _worker is not None
    empty = Verdict(False, 0.0, (), _worker[0].model_version)
    return [_compact(result, empty) for result in _scan_chunk(*_worker, chunk)]


def _compact(result: Result, empty: Verdict) -> Result | _NoFindings:
    """``result`` as a :class:`_NoFindings` when every verdict of it is ``empty``."""
    if not isinstance(result, ScannedDocument) or result.kept:
        return result
    document, verdicts = result.result.document, result.result.verdicts
    if document.fields.keys() != verdicts.keys() or any(v != empty for v in verdicts.values()):
        return result
    return _NoFindings(document.path, tuple(document.fields), document.line, document.id)


def _expanded(result: Result | _NoFindings, empty: Verdict) -> Result:
    """A worker's result as :func:`_scan_chunk` returned it (the text of a document
    without findings left empty)."""
    if not isinstance(result, _NoFindings):
        return result
    document = Document(result.path, dict.fromkeys(result.fields, ""), result.line, result.id)
    verdicts = dict.fromkeys(result.fields, empty)
    return ScannedDocument(DocumentResult(document, verdicts), ())


def scan_inputs(
    detector: Detector,
    items: Iterable[str | InputError | Notice],
    options: ScanOptions,
    jobs: int | None = 1,
    model: str | Path | None = None,
) -> Iterator[Result]:
    """Scan the path items of :func:`detector.inputs.iter_paths` (``-`` for
    stdin); yield one result per document, error or notice, in input order.

    ``jobs`` processes scan chunks of inputs, this one and ``jobs - 1`` workers
    (``None``: one per core when the input is larger than one chunk, this
    process alone otherwise).  ``model`` is
    the path ``detector`` was loaded from (``None``: the packaged model), for
    workers that cannot inherit it.
    """
    # --jobs 1 reads every input as iter_documents does; more jobs hand out UTF-8
    # JSONL files in ranges of lines.
    chunks = _chunks(_units(items, options, ranges=jobs != 1))
    if jobs is None:
        first = next(chunks, None)
        if first is None:
            return
        if _idle(first):  # a stream with nothing more waiting: scanned here as it comes
            chunks, jobs = itertools.chain([first], chunks), 1
        else:
            second = next(chunks, None)
            chunks = itertools.chain([first], [] if second is None else [second], chunks)
            jobs = available_cores() if second is not None else 1
    if jobs <= 1:
        for chunk in chunks:
            yield from _scan_chunk(detector, options, chunk)
        return
    yield from _scan_in_pool(detector, options, chunks, jobs, model)


def _scan_in_pool(
    detector: Detector,
    options: ScanOptions,
    chunks: Iterator[list[Unit]],
    jobs: int,
    model: str | Path | None,
) -> Iterator[Result]:
    global _worker
    workers = jobs - 1  # and this process
    empty = Verdict(False, 0.0, (), detector.model_version)
    pending: deque[_Sent | list[Result]] = deque()
    pool, forked = _worker_pool(detector, options, workers, model)
    try:
        with pool:
            try:
                for chunk in chunks:
                    queued = sum(1 for p in pending if not _ready(p))
                    if queued < 2 * workers:
                        future = pool.submit(_scan_in_worker, _without_raw(chunk))
                        pending.append(_Sent(future, chunk))
                    else:  # the workers have enough to do: scan this one here
                        pending.append(_scan_chunk(detector, options, chunk))
                    # In input order, and as soon as possible: waiting for the first
                    # once 2 * jobs chunks are in flight, which bounds memory, or
                    # while stdin has nothing more waiting, which prints the results
                    # of a live stream as it goes.
                    while pending and (
                        _ready(pending[0]) or len(pending) >= 2 * jobs or _idle(chunk)
                    ):
                        yield from _results(pending.popleft(), empty)
                while pending:
                    yield from _results(pending.popleft(), empty)
            except BaseException:  # Ctrl-C, SIGTERM, stdout failed, the consumer stopped
                # Chunks still queued are dropped instead of scanned first.  And
                # waited for: shutdown(wait=False) let the pool's manager thread
                # close its wake-up pipe while the interpreter's exit wrote to it
                # ("Exception ignored ... Bad file descriptor" after Ctrl-C, one
                # run in four).
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        for item in pending:
            if not isinstance(item, list):
                item.future.cancel()
        if forked:
            _worker = None


def _worker_pool(
    detector: Detector, options: ScanOptions, workers: int, model: str | Path | None
) -> tuple[ProcessPoolExecutor, bool]:
    """``workers`` processes that scan as ``detector`` does, and whether they
    are forked: then they inherit it through ``_worker``, which the caller
    resets when the pool is done (no second load of the model, of the word
    dictionary or of the tables built on first use: ~35 ms of CPU per worker);
    elsewhere each loads ``model`` (None: the packaged one)."""
    global _worker
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    forked = context.get_start_method() == "fork"
    if forked:
        detector.warm_up()
        _worker = (detector, options)
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(None if model is None else str(model), detector.threshold, options),
        )
    except BaseException:
        if forked:
            _worker = None
        raise
    return pool, forked


@dataclasses.dataclass(frozen=True)
class _Sent:
    """A chunk sent to a worker, and the chunk as this process read it."""

    future: Future[list[Result | _NoFindings]]
    chunk: list[Unit]


def _without_raw(chunk: list[Unit]) -> list[Unit]:
    """``chunk`` as a worker needs it: records without their text as written
    (only this process prints their line:col), which would double what goes
    through the pipe for a record made mostly of its scanned text."""
    return [
        dataclasses.replace(unit, raw=None)
        if isinstance(unit, Document) and unit.raw is not None
        else unit
        for unit in chunk
    ]


def _ready(item: _Sent | list[Result]) -> bool:
    return isinstance(item, list) or item.future.done()


def _results(item: _Sent | list[Result], empty: Verdict) -> list[Result]:
    """A chunk's results, its records given back their text as written; ``empty``:
    the verdict of a field without findings."""
    if isinstance(item, list):
        return item
    results = [_expanded(result, empty) for result in item.future.result()]
    # In input order for each path and line: a JSON array written on one line
    # holds several records of one line (keyed by it alone, each took the last
    # one's text, and its findings' line:col pointed elsewhere than --jobs 1's).
    raws: dict[tuple[str, int | None], deque[RecordText]] = {}
    for unit in item.chunk:
        if isinstance(unit, Document) and unit.raw is not None:
            raws.setdefault((unit.path, unit.line), deque()).append(unit.raw)
    if not raws:
        return results
    out: list[Result] = []
    for result in results:
        if isinstance(result, ScannedDocument) and result.result.document.raw is None:
            document = result.result.document
            queue = raws.get((document.path, document.line))
            raw = queue.popleft() if queue else None
            if raw is not None:
                document = dataclasses.replace(document, raw=raw)
                result = dataclasses.replace(
                    result, result=dataclasses.replace(result.result, document=document)
                )
        out.append(result)
    return out


#: A batch of texts shorter than this (in characters) is scanned by
#: :class:`ScanPool` in this process alone: handing it out would cost more than
#: it saves, and a small input never starts a worker.
POOL_CHARS = 1 << 15


class ScanPool:
    """``Detector.scan_many`` in ``jobs`` processes, this one and ``jobs - 1``
    workers started on the first batch large enough (``POOL_CHARS``): a batch is
    cut into ``jobs`` runs of texts of about equal length, each worker scans one
    and this process the last, and the verdicts come back in the batch's order,
    the same as one process gives (``scan_many`` is deterministic and per text).
    ``clean --jobs`` scans its read-ahead windows through it; reading, cleaning
    and writing stay in this process.  A context manager: leaving it stops the
    workers.  ``model``: the path ``detector`` was loaded from (None: the
    packaged model), for workers that cannot inherit it."""

    def __init__(self, detector: Detector, jobs: int, model: str | Path | None = None) -> None:
        self.detector = detector
        self.jobs = max(1, jobs)
        self._model = model
        self._pool: ProcessPoolExecutor | None = None
        self._forked = False

    def __enter__(self) -> ScanPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (queued work is dropped); the pool can start again."""
        global _worker
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._forked:
            _worker, self._forked = None, False

    def scan_many(self, texts: Sequence[str]) -> list[Verdict]:
        """``self.detector.scan_many(texts)``, the work shared between processes."""
        texts = list(texts)
        if self.jobs == 1 or sum(map(len, texts)) < POOL_CHARS or len(texts) < 2:
            return self.detector.scan_many(texts)
        runs = _runs_of_equal_length(texts, self.jobs)
        if len(runs) == 1:  # one text holds nearly all of it
            return self.detector.scan_many(texts)
        theirs = self._send(runs[:-1])
        try:
            mine = self.detector.scan_many(runs[-1])
        except BaseException:  # Ctrl-C: stop the workers too
            self.close()
            raise
        return theirs() + mine

    def submit(self, texts: Sequence[str]) -> Callable[[], list[Verdict]]:
        """Start scanning ``texts`` in the workers, all of them, while this
        process goes on with other work (``clean`` cleans the batch before);
        the function returned waits for the verdicts, ``scan_many``'s.  With
        one job, or a batch under ``POOL_CHARS``, that function scans them here."""
        texts = list(texts)
        if self.jobs == 1 or sum(map(len, texts)) < POOL_CHARS:
            return functools.partial(self.detector.scan_many, texts)
        return self._send(_runs_of_equal_length(texts, self.jobs - 1))

    def _send(self, runs: list[list[str]]) -> Callable[[], list[Verdict]]:
        """Each of ``runs`` to a worker (started if need be); the function
        returned waits for their verdicts, in order."""
        if self._pool is None:
            self._pool, self._forked = _worker_pool(
                self.detector, ScanOptions(), self.jobs - 1, self._model
            )
        sent = [self._pool.submit(_scan_texts_in_worker, run) for run in runs]

        def verdicts() -> list[Verdict]:
            try:
                return [verdict for future in sent for verdict in future.result()]
            except BaseException:  # Ctrl-C, a worker that died: stop them all
                self.close()
                raise

        return verdicts


def _runs_of_equal_length(texts: list[str], parts: int) -> list[list[str]]:
    """``texts`` cut, in order, into at most ``parts`` runs of about equal total
    length (none empty)."""
    total = sum(map(len, texts))
    runs: list[list[str]] = [[]]
    done = 0
    for text in texts:
        if runs[-1] and done >= total * len(runs) / parts and len(runs) < parts:
            runs.append([])
        runs[-1].append(text)
        done += len(text)
    return runs


def _scan_texts_in_worker(texts: list[str]) -> list[Verdict]:
    assert _worker is not None
    return _worker[0].scan_many(texts)

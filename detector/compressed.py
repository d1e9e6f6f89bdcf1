"""Compressed inputs and outputs: gzip, bzip2 and xz (Python's ``gzip``, ``bz2``
and ``lzma``), and zstd where Python has ``compression.zstd`` (3.14 and later).

A compressed input is told by its first bytes (its magic number), never by its
name: a ``.gz`` without the suffix is read too, and a file named ``.gz`` that is
not compressed is read as it is.  Its bytes are read as they are decompressed,
a piece at a time, so a JSONL stream is still read a line at a time, and a live
stream (stdin) a record at a time as its compressed bytes come.  Decompression
errors (a truncated or corrupt file) become :class:`CompressionError`, an
``OSError`` worded for the user, as other read errors are; :func:`read_to_error`
reads a file whole and keeps what was decompressed before one.
"""

from __future__ import annotations

import contextlib
import errno
import io
import platform
from collections.abc import Callable
from types import ModuleType
from typing import Any, BinaryIO, Protocol, cast

__all__ = [
    "HEAD",
    "SUFFIXES",
    "AppendLog",
    "CompressionError",
    "Compressor",
    "Sink",
    "UnsupportedCompression",
    "compression_of",
    "decompressed",
    "read_to_error",
    "sniff",
]

#: File name suffixes of compressed files and the compression each names.
SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}


def _literal(data: bytes) -> tuple[bytes, ...]:
    return tuple(bytes([byte]) for byte in data)


# The first bytes of each format, position by position: the bytes allowed there.
# bzip2's "BZh" and a level are followed by a block's magic or, for an empty
# stream, the end-of-stream magic (checked too: text may start with "BZh9").  A
# zstd file may start with a skippable frame (0x184D2A50 to 0x184D2A5F,
# little-endian), as the seekable format's does.
_LEVELS = b"123456789"
_MAGIC: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("gzip", _literal(b"\x1f\x8b\x08")),  # deflate, the only method gzip defines
    ("bzip2", (*_literal(b"BZh"), _LEVELS, *_literal(b"1AY&SY"))),
    ("bzip2", (*_literal(b"BZh"), _LEVELS, *_literal(b"\x17rE8P\x90"))),
    ("xz", _literal(b"\xfd7zXZ\x00")),
    ("zstd", _literal(b"\x28\xb5\x2f\xfd")),
    ("zstd", (bytes(range(0x50, 0x60)), *_literal(b"\x2a\x4d\x18"))),
)
#: The bytes that tell every format above.
HEAD = max(len(pattern) for _, pattern in _MAGIC)
# The bytes any format's magic may start with: a head that starts with none of
# them (any text) is told at its first byte, not pattern by pattern (~3 us a
# file, 10 ms of a directory of 3,300 news files).
_FIRST_BYTES = frozenset(byte for _, pattern in _MAGIC for byte in pattern[0])


class CompressionError(OSError):
    """Compressed data that cannot be read: truncated or corrupt.  ``str()`` is
    the message alone; ``line``: the line of a JSONL file it stops in, where the
    reader knows it; ``intact``: the bytes decompressed before it are the
    file's as written (the file was cut short, or a complete stream is
    followed by data that is not compressed), where corrupt data may come out
    wrong for a while before the error shows."""

    def __init__(self, message: str, intact: bool = False) -> None:
        super().__init__(None, message)
        self.line: int | None = None
        self.intact = intact

    def __str__(self) -> str:
        return str(self.strerror)


class UnsupportedCompression(OSError):
    """A compression this Python cannot read or write (zstd before 3.14), with
    what to do instead; ``str()`` is the message alone."""

    def __init__(self, message: str, filename: str | None = None) -> None:
        super().__init__(None, message, filename)

    def __str__(self) -> str:
        return str(self.strerror)


def _fits(head: bytes, pattern: tuple[bytes, ...]) -> bool:
    return all(
        byte in allowed for byte, allowed in zip(head, pattern, strict=False)
    )  # head may be shorter


def compression_of(head: bytes) -> str | None:
    """The compression of data that starts with ``head`` (``gzip``, ``bzip2``,
    ``xz``, ``zstd``), or None: not compressed (or not enough of ``head`` to tell,
    :data:`HEAD` bytes tell every format)."""
    if not head or head[0] not in _FIRST_BYTES:
        return None
    for kind, pattern in _MAGIC:
        if len(head) >= len(pattern) and _fits(head, pattern):
            return kind
    return None


def _undecided(head: bytes) -> bool:
    """Whether more bytes could make ``head`` a compressed format's magic."""
    if head and head[0] not in _FIRST_BYTES:
        return False
    return any(len(head) < len(pattern) and _fits(head, pattern) for _, pattern in _MAGIC)


def _read1(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``, what one read gives (on a pipe, what
    is there, not waiting for ``size``)."""
    read1 = getattr(stream, "read1", None)
    return read1(size) if read1 is not None else stream.read(size)


def sniff(stream: BinaryIO) -> tuple[str | None, BinaryIO]:
    """The compression of what ``stream`` holds (see :func:`compression_of`) and
    a stream that reads it from its first byte: ``stream`` itself when it can
    look ahead far enough (a file, stdin), else one that gives back the bytes
    read to tell.  No more is read than tells: a live stream whose first line is
    short is not waited on past it."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        head = peek(HEAD)[:HEAD]
        if not head or not _undecided(head):
            return compression_of(head), stream
    head = b""
    while _undecided(head):
        piece = _read1(stream, HEAD - len(head))
        if not piece:
            break
        head += piece
    return compression_of(head), io.BufferedReader(_Reads(head, stream))


class _Reads(io.RawIOBase):
    """``head`` (bytes read from ``stream`` to tell its compression), then the
    rest of ``stream``, each read giving what one read of it gives: on a pipe,
    what is there.  (A decompressor reads through this, so that a record of a
    live stream comes out once its bytes are there: a buffered read waits for
    all it asks, 128 KiB for gzip.)"""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = _read1(self._stream, len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _zstd(action: str, name: str | None = None) -> ModuleType:
    """``compression.zstd``, or an :class:`UnsupportedCompression` saying what to
    do instead of ``action`` (``read``, or writing the output ``name``)."""
    import importlib

    try:
        return importlib.import_module("compression.zstd")
    except ImportError:
        version = platform.python_version()
        if action == "read":
            raise UnsupportedCompression(
                f"zstd-compressed, and this Python ({version}) cannot decompress zstd:"
                " run detector with Python 3.14 or later (its compression.zstd reads it),"
                " or decompress the file first (zstd -d)"
            ) from None
        raise UnsupportedCompression(
            f"cannot write zstd: this Python ({version}) has no zstd (Python 3.14 or later"
            " has compression.zstd); write another compression (-o FILE.gz) or none",
            name,
        ) from None


def decompressed(stream: BinaryIO, kind: str) -> BinaryIO:
    """What ``stream`` holds, compressed as ``kind``, decompressed: a buffered
    binary stream (``read``, ``readline``, iteration) whose reads raise
    :class:`CompressionError` for a truncated or corrupt stream.  Concatenated
    streams (``cat a.gz b.gz``) are read one after the other, as the tools do;
    zero bytes after the last end the file, other data is an error (``intact``:
    the streams before it are whole).
    Raises :class:`UnsupportedCompression` for zstd without ``compression.zstd``."""
    import bz2
    import gzip
    import lzma
    import zlib

    errors: tuple[type[BaseException], ...] = (zlib.error, lzma.LZMAError)
    source = cast(BinaryIO, _Reads(b"", stream))
    inner: Any
    if kind == "gzip":
        inner = gzip.GzipFile(fileobj=source, mode="rb")
    elif kind == "bzip2":
        inner = _Streams(source, kind, bz2.BZ2Decompressor)
    elif kind == "xz":
        inner = _Streams(source, kind, lzma.LZMADecompressor)
    else:
        zstd = _zstd("read")
        inner = zstd.ZstdFile(source, "rb")
        errors += (getattr(zstd, "ZstdError", zlib.error),)
    return io.BufferedReader(_Decompressing(inner, kind, errors), buffer_size=1 << 16)


class _NotCompressed(Exception):
    """Data after a compressed file's last stream that is not one more stream."""


class _Streams:
    """The streams of a bzip2 or xz file, one after the other, as ``bz2.BZ2File``
    and ``lzma.LZMAFile`` read them, but for what follows the last one: zero
    bytes (xz's stream padding) end the file, anything else raises
    :class:`_NotCompressed`.  Those readers ignore it without a word, so plain
    lines appended to an ``.xz`` were not scanned, and ``clean --in-place``
    rewrote the file without them; zero bytes after an ``.xz`` were read as a
    truncated stream.  (gzip's reader raises for the one, skips the other.)
    ``read1`` gives what is decompressed as soon as there is some, reading what
    ``source`` has (a live stream, a record at a time)."""

    def __init__(self, source: BinaryIO, kind: str, new: Callable[[], Any]) -> None:
        self._source, self._kind, self._new = source, kind, new
        self._decompressor = new()
        self._pending = b""  # read from source, not yet given to the decompressor
        self._ended = False

    def read1(self, size: int) -> bytes:
        size = size if size > 0 else io.DEFAULT_BUFFER_SIZE
        while not self._ended:
            if self._decompressor.eof:
                self._next_stream(self._decompressor.unused_data)
                continue
            if self._pending:
                block, self._pending = self._pending, b""
            elif self._decompressor.needs_input:
                block = _read1(self._source, io.DEFAULT_BUFFER_SIZE)
                if not block:
                    raise EOFError("the file ends inside its compressed stream")
            else:
                block = b""
            data = self._decompressor.decompress(block, size)
            if data:
                return bytes(data)
        return b""

    def read(self, size: int = -1) -> bytes:
        if size >= 0:
            return self.read1(size)
        pieces = []
        while piece := self.read1(1 << 20):
            pieces.append(piece)
        return b"".join(pieces)

    def _next_stream(self, rest: bytes) -> None:
        """After a stream's end, with ``rest`` read after it: the next stream,
        or the end of the file (nothing, or zero bytes, after it)."""
        rest = rest.lstrip(b"\0")
        while len(rest) < HEAD:  # enough to tell a stream by
            block = _read1(self._source, io.DEFAULT_BUFFER_SIZE)
            if not block:
                break
            rest = (rest + block).lstrip(b"\0")
        if not rest:
            self._ended = True
        elif compression_of(rest[:HEAD]) != self._kind:
            self._ended = True
            raise _NotCompressed
        else:
            self._decompressor, self._pending = self._new(), rest

    def close(self) -> None:
        self._ended = True


class _Decompressing(io.RawIOBase):
    """The reads of a decompressing file object (``gzip.GzipFile`` …), each
    giving what is decompressed so far, their errors as :class:`CompressionError`."""

    def __init__(self, inner: Any, kind: str, errors: tuple[type[BaseException], ...]) -> None:
        self._inner, self._kind, self._errors = inner, kind, errors

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._translated(self._inner.read1, len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self._translated(self._inner.read, -1)

    def _translated(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            return read(size)
        except EOFError:
            raise CompressionError(
                f"truncated {self._kind} data: the file ends inside its compressed stream",
                intact=True,
            ) from None
        except _NotCompressed:
            raise self._not_compressed() from None
        except OSError as exc:
            if exc.errno is not None:  # the file could not be read: not its data
                raise
            if str(exc).startswith("Not a gzipped file"):
                # The header of a next member (the first one's was sniffed).
                raise self._not_compressed() from None
            raise CompressionError(f"corrupt {self._kind} data: {exc}") from None
        except self._errors as exc:
            raise CompressionError(f"corrupt {self._kind} data: {exc}") from None

    def _not_compressed(self) -> CompressionError:
        """Data after a complete stream that is not one more: the streams
        before it are whole, their checksums checked."""
        why = f"what follows the end of its compressed stream is not {self._kind}"
        return CompressionError(f"corrupt {self._kind} data: {why}", intact=True)

    def close(self) -> None:
        self._inner.close()  # not the stream it reads: its opener closes that
        super().close()


def read_to_error(
    stream: BinaryIO, size: int = -1, head: bytes = b""
) -> tuple[bytes, CompressionError | None]:
    """``head`` (bytes read before) and up to ``size`` bytes more of ``stream``
    (-1: to its end), and the :class:`CompressionError` that ended them early,
    if one did: the bytes are those decompressed before it, which ``read()``
    loses when it raises (and which are the file's as written if it is
    ``intact``).  What is read whole (a text, HTML or JSON file) is read so: of
    a file cut short, what was decompressed before the cut is scanned."""
    pieces = [head]
    left = size
    try:
        while left:
            piece = _read1(stream, _PIECE if left < 0 else min(left, _PIECE))
            if not piece:
                break
            pieces.append(piece)
            if left > 0:
                left -= len(piece)
    except CompressionError as exc:
        return b"".join(pieces), exc
    return b"".join(pieces), None


# The most read_to_error reads at a time (one read of a plain file).
_PIECE = 1 << 20


class Sink(Protocol):
    """Where a :class:`Compressor` writes."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class Compressor:
    """Writes what it is given to ``sink`` compressed as ``kind``, as the command
    line tools write it by default (gzip's level 6, bzip2's 9, xz's preset 6; a
    gzip header without a name or time, as ``gzip -n`` writes it).  ``flush()``
    pushes out what is written so far where the format allows it (gzip and zstd;
    a bzip2 or xz stream can only be ended); ``finish()`` ends the stream, and
    is left out when the input could not be read whole, so that the output is as
    truncated as the input.  Raises :class:`UnsupportedCompression` for zstd
    without ``compression.zstd``, naming the output ``name``."""

    def __init__(self, sink: Sink, kind: str, name: str | None = None) -> None:
        import bz2
        import lzma
        import zlib

        self._sink = sink
        self._sync: Callable[[], bytes] | None = None
        if kind == "gzip":
            engine: Any = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header
            self._sync = lambda: engine.flush(zlib.Z_SYNC_FLUSH)
        elif kind == "bzip2":
            engine = bz2.BZ2Compressor(9)
        elif kind == "xz":
            engine = lzma.LZMACompressor(lzma.FORMAT_XZ)
        else:
            engine = _zstd("write", name).ZstdCompressor()
            self._sync = lambda: engine.flush(engine.FLUSH_BLOCK)
        self._engine = engine

    def write(self, data: bytes) -> int:
        packed = self._engine.compress(data)
        if packed:
            self._sink.write(packed)
        return len(data)

    def flush(self) -> None:
        if self._sync is not None:
            self._sink.write(self._sync())
        self._sink.flush()

    def finish(self) -> None:
        self._sink.write(self._engine.flush())


def _whole(data: bytes, kind: str, name: str) -> bytes:
    """``data`` as one complete ``kind`` stream (the settings of :class:`Compressor`)."""
    import bz2
    import gzip
    import lzma

    if kind == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if kind == "bzip2":
        return bz2.compress(data, 9)
    if kind == "xz":
        return lzma.compress(data, lzma.FORMAT_XZ)
    return bytes(_zstd("write", name).compress(data))


class AppendLog:
    """A file records are appended to, each in one piece as it comes (a quarantine
    file): plain, or, when the file is compressed (told by its first bytes) or
    is new or empty and named as a compressed file (``ads.jsonl.gz``), each
    record as a whole compressed stream of its own.  The tools read concatenated
    streams as one file (``zcat``, ``bzcat``, ``xzcat``, and :func:`decompressed`
    here), so the file stays readable whatever was appended before and if the
    process is killed between two records; plain lines appended to a gzip file
    made it unreadable past its first stream.

    Opening raises ``OSError`` (and :class:`UnsupportedCompression` for a zstd
    file where Python has no zstd); :meth:`append` raises ``OSError`` naming the
    file."""

    def __init__(self, path: str) -> None:
        import os

        self.name = path
        # Unbuffered: each record is written when it comes, and a failed write
        # leaves nothing in a buffer to fail again at close.
        self._handle = open(path, "ab", buffering=0)
        try:
            head = b""
            if os.fstat(self._handle.fileno()).st_size:  # a regular file with data
                with open(path, "rb") as existing:
                    head = existing.read(HEAD)
            suffix = os.path.splitext(path)[1].lower()
            self.compression = compression_of(head) if head else SUFFIXES.get(suffix)
            if self.compression == "zstd":
                _zstd("write", path)
        except BaseException:
            self._handle.close()
            raise

    def append(self, data: bytes) -> None:
        packed = data if self.compression is None else _whole(data, self.compression, self.name)
        view = memoryview(packed)
        try:
            while view:  # an unbuffered write may take part of it
                written = self._handle.write(view)
                if not written:
                    raise OSError(errno.EIO, "nothing could be written")
                view = view[written:]
        except OSError as exc:  # named, not taken for an error of the input
            self._take_back(len(packed) - len(view))
            raise OSError(exc.errno, exc.strerror, self.name) from None

    def _take_back(self, written: int) -> None:
        """Remove the ``written`` bytes of a record that could not be written
        whole (a full disk): the next one, appended to them, made a line of
        invalid JSON of both, and a compressed file unreadable from there on.
        Only from a regular file, and only if they are still its end (another
        process appending since is left alone)."""
        import os
        import stat

        if not written:
            return
        with contextlib.suppress(OSError):
            descriptor = self._handle.fileno()
            end = os.lseek(descriptor, 0, os.SEEK_CUR)  # after this record's part
            info = os.fstat(descriptor)
            if stat.S_ISREG(info.st_mode) and info.st_size == end:
                os.ftruncate(descriptor, end - written)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> AppendLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""Telling an input's compression by its first bytes (detector.compressed)."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pytest

from detector import compressed


def _told_pattern_by_pattern(head: bytes) -> tuple[str | None, bool]:
    """(compression, undecided) of ``head`` matched against every magic pattern
    byte by byte, without the first-byte shortcut."""
    kind = None
    for name, pattern in compressed._MAGIC:
        if len(head) >= len(pattern) and compressed._fits(head, pattern):
            kind = name
            break
    undecided = any(
        len(head) < len(pattern) and compressed._fits(head, pattern)
        for _, pattern in compressed._MAGIC
    )
    return kind, undecided


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"x"),
        bz2.compress(b"x"),
        bz2.compress(b""),
        lzma.compress(b"x"),
        b"\x28\xb5\x2f\xfd\x24\x00",  # a zstd frame header
        b"\x5a\x2a\x4d\x18\x04\x00\x00\x00",  # a zstd skippable frame
        "杨方线上配资股票".encode(),
        "杨方线上配资股票".encode("gbk"),
        b"BZh9 is how this text starts",  # bzip2's first bytes, then text
        b"\x1f\x8bnot gzip",
        b"\xef\xbb\xbf\xe6\x96\xb0",  # UTF-8 with a byte order mark
        b"",
    ],
)
def test_every_head_is_told_as_pattern_by_pattern_matching_tells_it(data: bytes) -> None:
    for size in range(len(data[: compressed.HEAD]) + 1):
        head = data[:size]
        kind, undecided = _told_pattern_by_pattern(head)
        assert compressed.compression_of(head) == kind, head
        assert compressed._undecided(head) == undecided, head


def test_the_compressed_formats_are_told_and_text_is_told_at_its_first_byte() -> None:
    assert compressed.compression_of(gzip.compress(b"x")[: compressed.HEAD]) == "gzip"
    assert compressed.compression_of(bz2.compress(b"x")[: compressed.HEAD]) == "bzip2"
    assert compressed.compression_of(lzma.compress(b"x")[: compressed.HEAD]) == "xz"
    assert compressed.compression_of(b"\x28\xb5\x2f\xfd\x24\x00") == "zstd"
    # No magic starts with the first byte of a Chinese character in UTF-8 or GBK.
    for head in ("新闻".encode(), "新闻".encode("gbk")):
        assert head[0] not in compressed._FIRST_BYTES
        assert compressed.compression_of(head) is None
        assert not compressed._undecided(head[:1])
    # One byte that starts a magic leaves it open: a live stream is read further.
    assert compressed._undecided(b"\x1f")
    assert compressed._undecided(b"B")

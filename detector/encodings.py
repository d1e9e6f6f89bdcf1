"""Bytes → text for scraped files whose encoding nobody declared.

Order of decisions (first that applies wins):

1. a byte-order mark: UTF-8, UTF-16 or UTF-32 (BOM stripped), even over
   ``--encoding``: the file says what it is (a UTF-16/32 mark followed by
   UTF-8 is taken for broken UTF-8, see :func:`bom_encoding`);
2. an encoding the caller forces (``--encoding``): that codec, bad bytes → U+FFFD;
3. valid UTF-8: UTF-8;
4. an HTML ``<meta charset>`` naming a known codec: that codec;
5. *mostly* UTF-8 (more well-formed multi-byte characters than broken bytes):
   UTF-8 with U+FFFD for the broken bytes, so a few corrupt bytes in a UTF-8
   article never make it look like GBK;
6. ``charset-normalizer`` (GB18030/GBK, Big5, …); GBK and GB2312 are read as
   their superset GB18030;
7. otherwise UTF-8 with replacement characters.

Decoding never raises: the rest of a text is always scanned.
"""

from __future__ import annotations

import codecs
import re
import sys

__all__ = [
    "UnknownEncodingError",
    "bom_encoding",
    "check_encoding",
    "decode",
    "incremental_decoder",
]

_UTF8_BOM = b"\xef\xbb\xbf"
# UTF-32's little-endian mark starts with UTF-16's, so it is looked for first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (_UTF8_BOM, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Chinese single-byte-looking codecs are read as the superset that decodes more.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}


class UnknownEncodingError(ValueError):
    """``--encoding`` names no codec Python knows."""


def check_encoding(name: str) -> str:
    """The canonical codec name for ``name``; raises :class:`UnknownEncodingError`."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnknownEncodingError(f"unknown encoding {name!r}") from None


def bom_encoding(data: bytes) -> str | None:
    """The codec named by the byte-order mark ``data`` starts with, or None.

    The codecs returned (``utf-8-sig``, ``utf-16``, ``utf-32``) strip the mark.
    A UTF-16 or UTF-32 mark followed by UTF-8 is not taken for one: the broken
    first bytes of a UTF-8 file can be FF FE."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            after = data[len(bom) : len(bom) + 8192]
            return None if name != "utf-8-sig" and _reads_as_utf8(after) else name
    return None


def _reads_as_utf8(data: bytes) -> bool:
    """Mostly well-formed UTF-8 with some multi-byte characters and no NUL byte
    (UTF-16 and UTF-32 text has NUL bytes, or none of its characters is ASCII and
    it is mostly broken as UTF-8)."""
    if b"\x00" in data:
        return False
    text = data.decode("utf-8", errors="replace")
    return _mostly_utf8(text) and any(ord(ch) > 0x7F and ch != "\ufffd" for ch in text)


def incremental_decoder(encoding: str, head: bytes) -> codecs.IncrementalDecoder:
    """A decoder (bad bytes → U+FFFD) for a stream in ``encoding`` that starts
    with ``head``, decoding as ``bytes.decode`` does: Python's incremental UTF-16
    and UTF-32 decoders refuse a stream without a byte-order mark, where
    ``bytes.decode`` reads it in the machine's byte order."""
    name = codecs.lookup(encoding).name
    if name in ("utf-16", "utf-32") and bom_encoding(head) != name:
        name += "-le" if sys.byteorder == "little" else "-be"
    return codecs.getincrementaldecoder(name)(errors="replace")


def _superset(name: str) -> str:
    canonical = codecs.lookup(name).name
    return _SUPERSETS.get(canonical, canonical)


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    try:
        return _superset(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def _mostly_utf8(text: str) -> bool:
    broken = text.count("\ufffd")
    wide = sum(1 for ch in text if ord(ch) > 0x7F) - broken
    return wide >= 4 * broken


def decode(data: bytes, encoding: str | None = None, html: bool = False) -> str:
    """Decode ``data`` (see the module docstring for the order of decisions)."""
    forced = bom_encoding(data) or encoding
    if forced is not None:
        return data.decode(forced, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if html:
        declared = _declared_html_charset(data)
        if declared is not None:
            return data.decode(declared, errors="replace")
    lenient = data.decode("utf-8", errors="replace")
    if _mostly_utf8(lenient):
        return lenient
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return lenient
    return data.decode(_superset(best.encoding), errors="replace")

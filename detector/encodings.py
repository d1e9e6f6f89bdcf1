"""Bytes → text for scraped files whose encoding nobody declared.

Order of decisions (first that applies wins):

1. a UTF-8 BOM: UTF-8, BOM stripped;
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

__all__ = ["UnknownEncodingError", "check_encoding", "decode"]

_UTF8_BOM = b"\xef\xbb\xbf"
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
    if data.startswith(_UTF8_BOM):
        return data[len(_UTF8_BOM) :].decode("utf-8", errors="replace")
    if encoding is not None:
        return data.decode(encoding, errors="replace")
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

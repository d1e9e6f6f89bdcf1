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
6. Chinese: GB18030 (a superset of GBK and GB2312) or Big5-HKSCS, when one of
   them decodes every byte and at least half of the non-ASCII characters it gives
   are in that standard's own frequently-used set (GB2312 level 1 or Big5 level
   1, with their punctuation); the one with more such characters wins, GB18030
   on a tie.  This comes before charset-normalizer because the tool reads
   Chinese news: charset-normalizer takes a short GBK text (one scraped field,
   a one-line file) for Japanese or Korean (``加微信abc123咨询`` came out as
   ``ｼﾓﾎ｢ﾐﾅabc123ﾗﾉﾑｯ``) and the ad in it was missed.  The price: a legacy
   Korean (EUC-KR), EUC-JP or Cyrillic file is read as Chinese (``--encoding``
   reads it right; Shift-JIS is not taken for Chinese);
7. ``charset-normalizer`` (Shift-JIS, Latin-1, …); GBK and GB2312 are read as
   their superset GB18030, Big5 as Big5-HKSCS;
8. otherwise UTF-8 with replacement characters.

Decoding never raises: the rest of a text is always scanned.
"""

from __future__ import annotations

import codecs
import re
import sys
from functools import cache
from itertools import islice

__all__ = [
    "UnknownEncodingError",
    "bom_encoding",
    "byte_order_mark",
    "check_encoding",
    "decode",
    "detect",
    "incremental_decoder",
    "unmarked_codec",
]

_UTF8_BOM = b"\xef\xbb\xbf"
# UTF-32's little-endian mark starts with UTF-16's, so it is looked for first.
# Each mark, the codec that reads it and strips it, and the codec of what follows
# it (the byte order the mark names).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be"),
    (_UTF8_BOM, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Chinese single-byte-looking codecs are read as the superset that decodes more.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}
_CHINESE = ("gb18030", "big5hkscs")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# Enough characters to tell GBK from Big5 (a scraped article has thousands).
_SAMPLE_CHARS = 4096
# A codec that cannot decode this (ASCII, a line break, UTF-8, GBK and stray
# bytes) with errors replaced cannot decode a scraped file either.
_PROBE = b"abc\n\xe4\xb8\xad\xd6\xd0\xff\x80"


class UnknownEncodingError(ValueError):
    """``--encoding`` names no text codec Python can decode files with."""


def check_encoding(name: str) -> str:
    """The canonical codec name for ``name``; raises :class:`UnknownEncodingError`
    also for a codec that is not bytes → text (``base64``, ``rot13``, ``zlib``)
    or cannot decode with replacement characters (``idna``, ``punycode``), so
    that ``--encoding`` fails as a usage error before any file is read."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise UnknownEncodingError(f"unknown encoding {name!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise UnknownEncodingError(f"{name!r} is not a text encoding")
    try:
        _PROBE.decode(info.name, errors="replace")
        incremental_decoder(info.name, _PROBE).decode(_PROBE, final=True)
    except (LookupError, UnicodeError, TypeError, ValueError):
        raise UnknownEncodingError(f"{name!r} cannot decode text files") from None
    return info.name


def bom_encoding(data: bytes) -> str | None:
    """The codec named by the byte-order mark ``data`` starts with, or None.

    The codecs returned (``utf-8-sig``, ``utf-16``, ``utf-32``) strip the mark.
    A UTF-16 or UTF-32 mark followed by UTF-8 is not taken for one: the broken
    first bytes of a UTF-8 file can be FF FE."""
    marked = byte_order_mark(data)
    return None if marked is None else marked[1]


def byte_order_mark(data: bytes) -> tuple[bytes, str, str] | None:
    """``(mark, codec, codec after it)`` of the byte-order mark ``data`` starts
    with (``codec`` as :func:`bom_encoding` names it; ``codec after it`` reads
    what follows the mark, in the byte order it names: ``utf-16-be``), or None
    where :func:`bom_encoding` gives None."""
    for bom, name, after_mark in _BOMS:
        if data.startswith(bom):
            after = data[len(bom) : len(bom) + 8192]
            if name != "utf-8-sig" and _reads_as_utf8(after):
                return None
            return bom, name, after_mark
    return None


def _reads_as_utf8(data: bytes) -> bool:
    """Mostly well-formed UTF-8 with some multi-byte characters and no NUL byte
    (UTF-16 and UTF-32 text has NUL bytes, or none of its characters is ASCII and
    it is mostly broken as UTF-8)."""
    if b"\x00" in data:
        return False
    text = data.decode("utf-8", errors="replace")
    return _mostly_utf8(text) and any(ord(ch) > 0x7F and ch != "\ufffd" for ch in text)


def incremental_decoder(
    encoding: str, head: bytes, errors: str = "replace"
) -> codecs.IncrementalDecoder:
    """A decoder (bad bytes → U+FFFD, or as ``errors`` says) for a stream in
    ``encoding`` that starts with ``head``, decoding as ``bytes.decode`` does:
    Python's incremental UTF-16 and UTF-32 decoders refuse a stream without a
    byte-order mark, where ``bytes.decode`` reads it in the machine's byte
    order."""
    name = codecs.lookup(encoding).name
    if bom_encoding(head) != name:
        name = unmarked_codec(name)
    return codecs.getincrementaldecoder(name)(errors=errors)


def _text(data: bytes, codec: str, errors: str = "strict", final: bool = True) -> str:
    """``data`` decoded with ``codec``; not ``final``: a character cut at its end
    (the text of a file cut short) is left out, neither an error nor U+FFFD."""
    if final:
        return data.decode(codec, errors)
    return incremental_decoder(codec, data, errors).decode(data)


def unmarked_codec(encoding: str) -> str:
    """The codec that reads text in ``encoding`` without a byte-order mark and
    writes it back the same way: ``utf-16`` and ``utf-32`` in the machine's byte
    order (as ``bytes.decode`` reads them without a mark, and where their encoder
    would write a mark), ``utf-8-sig`` as ``utf-8``; any other codec as it is
    (canonical name).  What ``detector clean --encoding`` writes a file back in."""
    name = codecs.lookup(encoding).name
    if name in ("utf-16", "utf-32"):
        return name + ("-le" if sys.byteorder == "little" else "-be")
    return "utf-8" if name == "utf-8-sig" else name


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


def _pairs(leads: tuple[range, ...], trails: tuple[range, ...]) -> list[bytes]:
    """Every two-byte code with a lead byte in ``leads`` and a trail in ``trails``."""
    return [bytes((a, b)) for span in leads for a in span for row in trails for b in row]


@cache
def _frequent(codec: str) -> frozenset[str]:
    """The characters a Chinese text in ``codec`` is mostly made of: the standard's
    frequently-used hanzi and its punctuation.  GB2312: rows 0xA1–0xA3 (symbols,
    full-width forms) and level 1 (0xB0A1–0xD7FE, 3755 hanzi); Big5: 0xA140–0xA3BF
    and level 1 (0xA440–0xC67E, 5401 hanzi).  Bytes of the other standard decode
    mostly to rarer characters, kana or private-use code points."""
    if codec == "gb18030":
        pairs = _pairs((range(0xA1, 0xA4), range(0xB0, 0xD8)), (range(0xA1, 0xFF),))
    else:
        pairs = _pairs((range(0xA1, 0xC7),), (range(0x40, 0x7F), range(0xA1, 0xFF)))
        pairs = [p for p in pairs if p <= b"\xa3\xbf" or b"\xa4\x40" <= p <= b"\xc6\x7e"]
    # Every pair decodes (GB18030 maps the gaps of GB2312 to private use), so one
    # call decodes them all.
    text = b"".join(pairs).decode(codec)
    return frozenset(ch for ch in text if not "\ue000" <= ch <= "\uf8ff")


def _chinese(data: bytes, final: bool = True) -> tuple[str, str] | None:
    """``(codec, text)`` when ``data`` reads as Chinese (step 6 of the module
    docstring), else None."""
    best: tuple[int, str, str] | None = None
    for codec in _CHINESE:
        try:
            text = _text(data, codec, final=final)
        except UnicodeDecodeError:
            continue
        sample = [m.group() for m in islice(_NON_ASCII.finditer(text), _SAMPLE_CHARS)]
        frequent = _frequent(codec)
        score = sum(1 for ch in sample if ch in frequent)
        if score and 2 * score >= len(sample) and (best is None or score > best[0]):
            best = (score, codec, text)
    return None if best is None else best[1:]


def _decoded(data: bytes, html: bool, final: bool = True) -> tuple[str, str]:
    """``(codec, text)`` by steps 3–8 of the module docstring (``final``: see
    :func:`decode`)."""
    try:
        return "utf-8", _text(data, "utf-8", final=final)
    except UnicodeDecodeError:
        pass
    if html:
        declared = _declared_html_charset(data)
        if declared is not None:
            return declared, _text(data, declared, "replace", final)
    lenient = _text(data, "utf-8", "replace", final)
    if _mostly_utf8(lenient):
        return "utf-8", lenient
    chinese = _chinese(data, final)
    if chinese is not None:
        return chinese
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return "utf-8", lenient
    codec = _superset(best.encoding)
    return codec, _text(data, codec, "replace", final)


def detect(data: bytes, html: bool = False) -> str:
    """The codec :func:`decode` reads ``data`` with when no encoding is forced."""
    return bom_encoding(data) or _decoded(data, html)[0]


def decode(data: bytes, encoding: str | None = None, html: bool = False, final: bool = True) -> str:
    """Decode ``data`` (see the module docstring for the order of decisions).
    ``final`` False: ``data`` is the start of a file cut short (a truncated
    compressed file), which may end inside a character: that character is left
    out, and the codec chosen as if it were not there (with half a GBK character
    at its end, no Chinese codec decoded a text whole, and it came out as Latin
    letters)."""
    forced = bom_encoding(data) or encoding
    if forced is not None:
        return _text(data, forced, "replace", final)
    return _decoded(data, html, final)[1]

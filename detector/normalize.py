"""Normalization that keeps a character map back to the caller's original text.

Spammers evade keyword and n-gram filters with full-width letters, zero-width
characters, separators between characters and traditional characters.  The model
sees the normalized text; every finding is mapped back through ``Normalized.src``
so offsets always point into the string the caller gave.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from detector import _chardata

__all__ = ["Normalized", "normalize"]

# Invisible characters removed outright: zero-width space/joiners, direction marks,
# word joiner and friends, BOM, soft hyphen, combining grapheme joiner, Mongolian
# vowel separator, variation selectors, invisible math operators, Hangul fillers.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
# Everything outside this class is looked at one by one (NFKC, case folding,
# invisibles); the class is what ordinary Chinese news is made of, so the common
# case stays in NumPy (a lookup table per code point).
_PLAIN = "\x00-\x7f\u3001\u3002\u3008-\u3011\u4e00-\u9fff\u201c\u201d\u2018\u2019\u2014"
_UNUSUAL = re.compile(f"[^{_PLAIN}]|[{_INVISIBLE}]")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators dropped when they stand between two CJK characters: "杨 方 线",
# "杨·方·线", "杨*方", "杨|方" all read as "杨方线".
_SEPARATORS = " \u00a0\u00b7\u2022\u2027\u30fb\\-*|._~/\\\\+=#"
_SPLIT_CJK = re.compile(f"(?<=[{_CJK}])[{_SEPARATORS}]{{1,3}}(?=[{_CJK}])")


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, for each of its characters, the index of the
    original character it came from (``src[i]``)."""

    text: str
    src: np.ndarray
    original_length: int

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span ``[start, end)`` of ``text`` to the original string."""
        if end <= start:
            raise ValueError(f"empty span [{start}, {end})")
        return int(self.src[start]), int(self.src[end - 1]) + 1


def _translate_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    # Full-width ASCII (U+FF01..U+FF5E) and the ideographic space: NFKC maps each
    # to exactly one character, so str.translate keeps the map one-to-one.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    table[0x3000] = " "
    for trad, simp in _chardata.traditional_to_simplified().items():
        table[ord(trad)] = simp
    return table


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    return _translate_table()


@lru_cache(maxsize=1)
def _code_table() -> np.ndarray:
    """``_table()`` as a lookup array over all code points (every replacement is
    one character), so the translation is one NumPy gather instead of a dict
    lookup per character."""
    table = np.arange(0x110000, dtype=np.uint32)
    for code, replacement in _table().items():
        table[code] = ord(replacement)
    return table


def _translate(text: str) -> tuple[str, np.ndarray]:
    """``text.translate(_table())`` and the code points of the result."""
    codes = _code_table()[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)]
    return codes.tobytes().decode("utf-32-le", "surrogatepass"), codes


_UNUSUAL_BIT, _CJK_BIT, _SEPARATOR_BIT = 1, 2, 4


def _class_ranges(members: str) -> list[tuple[int, int]]:
    """Code point ranges of a regex character class body made of single
    characters, ``a-b`` ranges and backslash escapes (the classes above)."""
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(members):
        if members[i] == "\\":
            i += 1
        low = ord(members[i])
        i += 1
        if i + 1 < len(members) and members[i] == "-":
            i += 1
            if members[i] == "\\":
                i += 1
            ranges.append((low, ord(members[i])))
            i += 1
        else:
            ranges.append((low, low))
    return ranges


@lru_cache(maxsize=1)
def _char_flags() -> np.ndarray:
    """Per code point: matched by ``_UNUSUAL``, CJK, separator (bit flags)."""
    flags = np.full(0x110000, _UNUSUAL_BIT, dtype=np.uint8)
    for low, high in _class_ranges(_PLAIN):
        flags[low : high + 1] = 0
    for members, bit in (
        (_INVISIBLE, _UNUSUAL_BIT),
        (_CJK, _CJK_BIT),
        (_SEPARATORS, _SEPARATOR_BIT),
    ):
        for low, high in _class_ranges(members):
            flags[low : high + 1] |= np.uint8(bit)
    return flags


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if re.fullmatch(f"[{_INVISIBLE}]", ch):
        return ""
    folded = unicodedata.normalize("NFKC", ch).lower()
    simplified = _chardata.traditional_to_simplified()
    return "".join(simplified.get(c, c) for c in folded)


def _apply_edits(
    text: str, src: np.ndarray, edits: list[tuple[int, int, str]]
) -> tuple[str, np.ndarray]:
    """Replace each ``[start, end)`` of ``text`` by its replacement.  Every new
    character takes the source index of the first replaced character."""
    if not edits:
        return text, src
    pieces: list[str] = []
    sources: list[np.ndarray] = []
    pos = 0
    for start, end, replacement in edits:
        pieces.append(text[pos:start])
        sources.append(src[pos:start])
        if replacement:
            pieces.append(replacement)
            sources.append(np.full(len(replacement), src[start], dtype=src.dtype))
        pos = end
    pieces.append(text[pos:])
    sources.append(src[pos:])
    return "".join(pieces), np.concatenate(sources)


def normalize(text: str) -> Normalized:
    """NFKC + lower case, full-width to half-width, invisible characters removed,
    traditional to simplified, separators between CJK characters collapsed, spaces
    beside CJK characters dropped."""
    src = np.arange(len(text), dtype=np.int64)
    folded, codes = _translate(text)
    flags = _char_flags()[codes]
    edits = []
    # Ordinary news has few characters outside the plain class: look at those only.
    for position in np.flatnonzero(flags & _UNUSUAL_BIT).tolist():
        ch = folded[position]
        replacement = _fold_char(ch)
        if replacement != ch:
            edits.append((position, position + 1, replacement))
    if edits:
        folded, src = _apply_edits(folded, src, edits)
        flags = _char_flags()[np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), np.uint32)]
    candidates = (flags[1:] & _SEPARATOR_BIT).astype(bool) & (flags[:-1] & _CJK_BIT).astype(bool)
    edits = []
    end = 0
    # A collapsible run starts at a separator that follows a CJK character: try
    # the regex there only (the same matches as finditer over the whole text).
    for position in (np.flatnonzero(candidates) + 1).tolist():
        if position < end:
            continue
        match = _SPLIT_CJK.match(folded, position)
        if match:
            edits.append((position, match.end(), ""))
            end = match.end()
    folded, src = _apply_edits(folded, src, edits)
    folded, src = _drop_spaces_by_cjk(folded, src)
    return Normalized(folded, src, len(text))


# Code points for which str.isspace() is true.
_WHITE_SPACE = np.array(
    [ord(c) for c in "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"]
    + list(range(0x2000, 0x200B)),
    dtype=np.uint32,
)


def _drop_spaces_by_cjk(text: str, src: np.ndarray) -> tuple[str, np.ndarray]:
    """Remove runs of spaces that touch a CJK character on one side and a
    non-space on the other ("自 2013 年", "加 微 信 abc"): Chinese typesetting
    differs between outlets and spam, and the spaces carry no meaning."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    space = codes == 0x20
    if not space.any():
        return text, src
    edges = np.flatnonzero(np.diff(np.concatenate(([0], space.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    inner = (starts > 0) & (ends < len(codes))  # runs with a character on both sides
    starts, ends = starts[inner], ends[inner]
    cjk = (_char_flags()[codes] & _CJK_BIT).astype(bool)
    blank = np.isin(codes, _WHITE_SPACE)
    before, after = starts - 1, ends
    keep = (cjk[before] & ~blank[after]) | (cjk[after] & ~blank[before])
    edits = [(int(a), int(b), "") for a, b in zip(starts[keep], ends[keep], strict=True)]
    return _apply_edits(text, src, edits)

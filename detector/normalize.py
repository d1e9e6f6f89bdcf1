"""Normalization that keeps a character map back to the caller's original text.

Spammers evade keyword and n-gram filters with full-width letters, zero-width
characters, separators between characters and traditional characters.  The model
sees the normalized text; every finding is mapped back through ``Normalized.src``
so offsets always point into the string the caller gave.

What is folded, and why:

* NFKC and lower case, one character at a time (so the map stays exact):
  full-width letters and digits (U+FF01..U+FF5E) → ASCII, mathematical letters, superscripts.
* Enclosed letters and numbers become the bare letter or number: ``①⑴⒈❶➀⓵``
  → ``1``, ``Ⓐⓐ⒜🅐🅰`` → ``a``, ``㈠㊀`` → ``一``.  NFKC alone keeps the
  parentheses of ``⑴`` and leaves the dingbat and negative forms untouched.
* Invisible characters are dropped: zero-width space/joiners, direction marks,
  word joiner, BOM, soft hyphen, variation selectors, tag characters, C0/C1
  control characters other than line breaks and tabs, and combining diacritical
  and enclosing marks (``杨\\u0336方`` strike-through, ``1\\u20e3`` keycaps).  Chinese
  news has no use for a combining mark on its own; a Latin letter loses its accent
  only when the accent was written as a separate code point.
* Traditional → simplified, character by character.
* Separators between two CJK characters are dropped (``杨 方 线``, ``杨·方``,
  ``杨*方``, ``杨|方``, ``杨.方``, ``杨-方``, ``杨—方``, tabs, up to four spaces around
  up to three symbols): Chinese is written without spaces, so nothing is lost.
  Commas and the enumeration comma ``、`` are kept: they are real punctuation
  (``北京、上海``) and clause boundaries.
* Between a CJK character and a *lone* letter or digit, or between two lone letters
  or digits (``加 微 信 a b c 1 2 3`` → ``加微信abc123``), only blank and decorative
  separators (spaces, tabs, ``·``, ``*``, ``|``, ``_``, stars) are dropped: spaced-out
  handles and numbers are a common evasion, while ``. - / + : ~`` between digits
  carry meaning (``3.5``, ``3-1``, ``1~3``) and stay.  A separator next to a whole
  word is kept (``hello world 中国``), so Latin text and the usual space between
  Chinese and an English word survive.
* A spaced-out stretch loses its separators whatever sits between them: four or
  more separator runs in a row, each beginning and ending with the same separator,
  with one character between neighbours (``来.电.0.9.5.2.-.3.6`` → ``来电0952-36``,
  ``关·注·热·线·，·独·家`` → ``关注热线,独家``, ``h t t p s : / / w w w`` →
  ``https://www``).  One character between separators four times over is how an ad
  is spaced out, not how numbers (``1.2.3``, ``3-1``) or dates are written; a
  separator written between the characters of a longer one leaves that one
  (``x-h-y-.-i-c-u`` → ``xhy.icu``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from detector import _chardata
from detector._arrays import ranges

__all__ = ["Normalized", "end_of_marks", "normalize"]

# Invisible characters removed outright: zero-width space/joiners, direction marks,
# word joiner and friends, BOM, soft hyphen, combining grapheme joiner, Mongolian
# vowel separator, variation selectors, invisible math operators, Hangul fillers,
# control characters (not tab or line breaks), combining diacritical and enclosing
# marks, tag characters and musical formatting marks.
_INVISIBLE = (
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u0300-\u036f\u0488\u0489\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff"
    "\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffb"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
_IS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
# Characters outside this class, and invisible ones, are looked at one by one
# (NFKC, case folding, invisibles); the class is what ordinary Chinese news is made
# of, so the common case stays in NumPy (a table lookup per character).
_PLAIN = "\x00-\x7f\u3001\u3002\u3008-\u3011\u4e00-\u9fff\u201c\u201d\u2018\u2019\u2014"

# Blocks of enclosed letters and numbers (circled, parenthesized, with a full stop,
# negative, dingbat, squared, regional indicators).
_ENCLOSED_BLOCKS = ((0x2460, 0x2500), (0x2776, 0x2794), (0x3200, 0x3300), (0x1F100, 0x1F200))
_NUMBER_WORDS = {
    name: str(value)
    for value, name in enumerate(
        "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN"
        " FOURTEEN FIFTEEN SIXTEEN SEVENTEEN EIGHTEEN NINETEEN TWENTY".split()
    )
}
_NUMBER_WORDS.update({"THIRTY": "30", "FORTY": "40", "FIFTY": "50", "SIXTY": "60"})
_NUMBER_WORDS.update({"SEVENTY": "70", "EIGHTY": "80"})
_ENCLOSED_NAME = re.compile(r"(?:DIGIT|NUMBER|LETTER) ([A-Z]+)$")
# NFKC of an enclosed form: "(1)", "1.", "0," or a tortoise-shell bracketed letter.
_ENCLOSED_NFKC = re.compile("[(\u3014]?([^()\u3014\u3015.,]+)[)\u3015]?[.,]?")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators dropped between two CJK characters: "杨 方 线", "杨·方·线", "杨*方",
# "杨|方", "杨-方", "杨—方" all read as "杨方线".  After folding, full-width forms
# and exotic spaces are already ASCII.
_SYMBOLS = (
    "\u00b7\u2022\u2027\u30fb\u2219\u22c5\u2218\u25cf\u25cb\u25c6\u25c7\u2605\u2606"
    "\u2661\u2665\u2764\u273f\u2740\u203b\\-\u2010-\u2015\u2212*|._~/\\\\+=#^"
)
# Between a lone letter or digit and its neighbour only blank and decorative
# separators go: ". - / + = : ~ #" between digits carry meaning (3.5, 3-1, 1~3).
_DECORATIVE = (
    "\u00b7\u2022\u2027\u30fb\u2219\u22c5\u25cf\u25cb\u25c6\u25c7\u2605\u2606"
    "\u2661\u2665\u2764\u273f\u2740\u203b*|_"
)
_BLANK = " \t"


def _separator_run(symbols: str) -> str:
    """Up to three symbols with up to four blanks around each, or blanks alone."""
    return f"(?:[{_BLANK}]{{1,4}}|[{_BLANK}]{{0,4}}(?:[{symbols}][{_BLANK}]{{0,4}}){{1,3}})"


# A run of these characters is dropped when it is all one separator run: of
# _SYMBOLS between two CJK characters, or of _DECORATIVE between CJK characters
# or lone letters or digits (which side is which is looked up in NumPy).  As one
# regex, "(?<=[CJK])symbols(?=[CJK])|(?:(?<=[CJK])|lone)decorative(?=[CJK]|lone)"
# tried at each run's start (tests/test_fast_paths.py keeps it as the reference),
# the classes of CJK characters alone took ~8 ms to compile at every start.
_SPLIT_CANDIDATE = f"{_BLANK}{_SYMBOLS}{_DECORATIVE}"
_SYMBOL_RUN = re.compile(_separator_run(_SYMBOLS))
_DECORATIVE_RUN = re.compile(_separator_run(_DECORATIVE))
_ALNUM = "a-z0-9"
# A spaced-out stretch: at least this many separator runs in a row, each with one
# character before and after it (``来.电.0.9.5.2``, ``关·注·金·股，·独·家``).
_SPACED_OUT_RUNS = 4

# Any run of spaces beside a CJK character goes too ("自 2013 年", "还有 0 "): outlets
# typeset Chinese next to numbers and words differently, and the spaces would
# otherwise become features of where a text came from rather than what it says.
# That is, a run of " " with a CJK character before it and a non-space after it,
# or a non-space before it and a CJK character after it.

# Bit flags per code point (see _tables).
_CANDIDATE_BIT, _CJK_BIT, _ALNUM_BIT, _SPACE_BIT, _UNUSUAL_BIT = 1, 2, 4, 8, 16
_CODE_POINTS = 0x110000


def _class_ranges(body: str) -> list[tuple[int, int]]:
    """Inclusive code point ranges of a regex character class body as written in
    this module: characters, ``a-b`` ranges and backslash-escaped punctuation."""
    items: list[tuple[int, int]] = []
    i = 0

    def char_at(j: int) -> tuple[int, int]:
        """The code point at ``j`` and the index after it."""
        if body[j] == "\\":
            return ord(body[j + 1]), j + 2
        return ord(body[j]), j + 1

    while i < len(body):
        low, i = char_at(i)
        if i + 1 < len(body) and body[i] == "-":
            high, i = char_at(i + 1)
            items.append((low, high))
        else:
            items.append((low, low))
    return items


@dataclass(frozen=True)
class _Tables:
    fold: np.ndarray  # uint32 per code point: the one-to-one map of _table()
    flags: np.ndarray  # uint8 per code point: the _*_BIT classes


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    fold = np.arange(_CODE_POINTS, dtype=np.uint32)
    table = _table()
    fold[np.fromiter(table, dtype=np.int64)] = [ord(c) for c in table.values()]
    flags = np.zeros(_CODE_POINTS, dtype=np.uint8)
    for body, bit in (
        (_SPLIT_CANDIDATE, _CANDIDATE_BIT),
        (_CJK, _CJK_BIT),
        (_ALNUM, _ALNUM_BIT),
    ):
        for low, high in _class_ranges(body):
            flags[low : high + 1] |= bit
    flags[list(_chardata.WHITE_SPACE_CODES)] |= _SPACE_BIT
    unusual = np.ones(_CODE_POINTS, dtype=bool)
    for low, high in _class_ranges(_PLAIN):
        unusual[low : high + 1] = False
    for low, high in _class_ranges(_INVISIBLE):
        unusual[low : high + 1] = True
    flags[unusual] |= _UNUSUAL_BIT
    return _Tables(fold, flags)


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(codes: np.ndarray) -> str:
    return codes.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the runs of True in ``mask``."""
    padded = np.zeros(len(mask) + 2, dtype=bool)
    padded[1:-1] = mask
    edges = (padded[1:] != padded[:-1]).nonzero()[0]
    return edges[0::2], edges[1::2]


def _separators(
    codes: np.ndarray, flags: np.ndarray, runs: tuple[np.ndarray, np.ndarray]
) -> np.ndarray | None:
    """The runs of candidate characters (``runs``, see ``_runs``) that are
    separator runs (see above): a mask of the characters to drop, or None."""
    starts, ends = runs
    inside = (starts > 0) & (ends < len(codes))
    starts, ends = starts[inside], ends[inside]
    if not len(starts):
        return None
    # A lone letter or digit: no letter or digit right before (resp. after) it.
    alnum = np.concatenate(([False], (flags & _ALNUM_BIT) > 0, [False]))  # index + 1
    cjk = (flags & _CJK_BIT) > 0
    cjk_before, cjk_after = cjk[starts - 1], cjk[ends]
    before = cjk_before | (alnum[starts] & ~alnum[starts - 1])
    after = cjk_after | (alnum[ends + 1] & ~alnum[ends + 2])
    possible = before & after
    if not possible.any():
        return None
    text = _text(codes)
    drop = np.zeros(len(codes), dtype=bool)
    between_cjk = (cjk_before & cjk_after)[possible].tolist()
    for start, end, cjk_both in zip(
        starts[possible].tolist(), ends[possible].tolist(), between_cjk, strict=True
    ):
        # _DECORATIVE is part of _SYMBOLS: between CJK characters, all of it goes.
        run = _SYMBOL_RUN if cjk_both else _DECORATIVE_RUN
        if run.fullmatch(text, start, end):
            drop[start:end] = True
    return drop


def _spaced_out(
    codes: np.ndarray, flags: np.ndarray, runs: tuple[np.ndarray, np.ndarray]
) -> np.ndarray | None:
    """Separators of a spaced-out stretch (see above): a mask of them, or None.

    Separator runs (of candidate characters) with exactly one other character
    between neighbours, not white space, that begin and end with the same
    character, ``_SPACED_OUT_RUNS`` of them or more in a row.  The chain's
    separator is its shortest run; a longer run is separators with spaced-out
    candidate characters between them (``-.-``, `` / / ``), which stay
    (``x-h-y-.-i-c-u`` → ``xhy.icu``); a run of any other length loses a
    separator's length at each end.  ``runs``: the candidate runs (``_runs``)."""
    starts, ends = runs
    if len(starts) < _SPACED_OUT_RUNS:
        return None
    first, last = codes[starts], codes[ends - 1]
    link = (
        (starts[1:] - ends[:-1] == 1)
        & ((flags[ends[:-1]] & _SPACE_BIT) == 0)
        & (first[1:] == first[:-1])
        & (first[1:] == last[1:])
        & (first[:-1] == last[:-1])
    )
    # Link k joins run k to run k + 1; a chain of n links holds n + 1 runs.
    chain_starts, chain_ends = _runs(link)
    long = chain_ends - chain_starts >= _SPACED_OUT_RUNS - 1
    if not long.any():
        return None
    chain_first, chain_size = chain_starts[long], chain_ends[long] - chain_starts[long] + 1
    run_index, chain = ranges(chain_first, chain_size)
    lengths = ends[run_index] - starts[run_index]
    separator = np.minimum.reduceat(lengths, chain_size.cumsum() - chain_size)[chain]
    positions, owner = ranges(starts[run_index], lengths)
    offset = positions - starts[run_index][owner]
    size, length = separator[owner], lengths[owner]
    regular = (length - size) % (size + 1) == 0
    drop = np.zeros(len(codes), dtype=bool)
    drop[positions] = np.where(
        regular, offset % (size + 1) != size, (offset < size) | (offset >= length - size)
    )
    return drop


def _spaces_by_cjk(codes: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """Runs of spaces beside a CJK character (see above): a mask of them, or None."""
    starts, ends = _runs(codes == 0x20)
    inside = (starts > 0) & (ends < len(codes))
    starts, ends = starts[inside], ends[inside]
    if not len(starts):
        return None
    before, after = flags[starts - 1], flags[ends]
    cjk_before = ((before & _CJK_BIT) > 0) & ((after & _SPACE_BIT) == 0)
    cjk_after = ((before & _SPACE_BIT) == 0) & ((after & _CJK_BIT) > 0)
    remove = cjk_before | cjk_after
    if not remove.any():
        return None
    # Runs are disjoint and apart, so no two starts or ends coincide.
    edges = np.zeros(len(codes) + 1, dtype=np.int8)
    edges[starts[remove]] = 1
    edges[ends[remove]] = -1
    return edges[:-1].cumsum() > 0


# What normalization drops that belongs to the character before it: combining and
# enclosing marks, variation selectors, the zero-width joiner, tag characters.
_ATTACHED = re.compile(
    "[\u0300-\u036f\u0488\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u200d\u20d0-\u20ff"
    "\ufe00-\ufe0f\ufe20-\ufe2f\U000e0000-\U000e007f\U000e0100-\U000e01ef]*"
)


def end_of_marks(text: str, end: int) -> int:
    """``end`` moved past the marks that follow it (``杨\u0336`` struck through,
    ``1\u20e3`` a keycap): a span ending at a character ends after its marks, so
    that removing it leaves none behind on the next character."""
    match = _ATTACHED.match(text, end)  # always matches (``*``), maybe empty
    return match.end() if match else end


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
def _enclosed() -> dict[str, str]:
    """Enclosed letter or number → the bare letter or number (``⑴`` → ``1``)."""
    table: dict[str, str] = {}
    for low, high in _ENCLOSED_BLOCKS:
        for code in range(low, high):
            ch = chr(code)
            folded = unicodedata.normalize("NFKC", ch)
            if folded != ch:
                bare = _ENCLOSED_NFKC.fullmatch(folded)
                if bare and bare.group(1) != folded:
                    table[ch] = bare.group(1)
                continue
            named = _ENCLOSED_NAME.search(unicodedata.name(ch, ""))
            if named is None:
                continue
            word = named.group(1)
            if len(word) == 1:
                table[ch] = word
            elif word in _NUMBER_WORDS:
                table[ch] = _NUMBER_WORDS[word]
    return table


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if _IS_INVISIBLE.fullmatch(ch):
        return ""
    folded = _enclosed().get(ch) or unicodedata.normalize("NFKC", ch)
    folded = _IS_INVISIBLE.sub("", folded).lower()
    simplified = _chardata.traditional_to_simplified()
    return "".join(simplified.get(c, c) for c in folded)


def _apply_edits(
    codes: np.ndarray, src: np.ndarray, edits: list[tuple[int, int, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Replace each ``[start, end)`` of ``codes`` by the code points of its
    replacement.  Every new character takes the source index of the first
    replaced character."""
    if not edits:
        return codes, src
    pieces: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    pos = 0
    for start, end, replacement in edits:
        pieces.append(codes[pos:start])
        sources.append(src[pos:start])
        if replacement:
            pieces.append(_codepoints(replacement))
            sources.append(np.full(len(replacement), src[start], dtype=src.dtype))
        pos = end
    pieces.append(codes[pos:])
    sources.append(src[pos:])
    return np.concatenate(pieces), np.concatenate(sources)


def normalize(text: str) -> Normalized:
    """NFKC + lower case, full-width to half-width, enclosed letters and numbers
    unwrapped, invisible characters removed, traditional to simplified, separators
    between CJK characters and lone letters or digits dropped, spaces beside CJK
    characters dropped (see the module docstring)."""
    tables = _tables()
    codes = tables.fold[_codepoints(text)]
    src = np.arange(len(text), dtype=np.int64)
    flags = tables.flags[codes]
    present = int(np.bitwise_or.reduce(flags)) if len(flags) else 0
    if present & _UNUSUAL_BIT:
        unusual = (flags & _UNUSUAL_BIT).nonzero()[0]
        edits = []
        for i, code in zip(unusual.tolist(), codes[unusual].tolist(), strict=True):
            ch = chr(code)
            replacement = _fold_char(ch)
            if replacement != ch:
                edits.append((i, i + 1, replacement))
        codes, src = _apply_edits(codes, src, edits)
        flags = tables.flags[codes]
        present = int(np.bitwise_or.reduce(flags)) if len(flags) else 0
    if present & _CANDIDATE_BIT:  # separators, spaces among them
        # Both read the same separator runs, and what a spaced-out stretch keeps
        # of a run is what the separator rules would keep of it once the
        # stretch's separators were gone: one mask, one pass.
        runs = _runs((flags & _CANDIDATE_BIT) > 0)
        masks = [
            m
            for m in (_spaced_out(codes, flags, runs), _separators(codes, flags, runs))
            if m is not None
        ]
        if masks:
            keep = ~(masks[0] | masks[-1])
            codes, src, flags = codes[keep], src[keep], flags[keep]
        drop = _spaces_by_cjk(codes, flags)
        if drop is not None:
            keep = ~drop
            codes, src, flags = codes[keep], src[keep], flags[keep]
    return Normalized(_text(codes), src, len(text))

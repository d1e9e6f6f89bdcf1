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
  control characters other than tabs and line breaks, and combining diacritical
  and enclosing marks (``杨\\u0336方`` strike-through, ``1\\u20e3`` keycaps), and
  after a Chinese character any nonspacing or enclosing mark of any script (Thai,
  Tibetan, the ideographic tone marks: ``杨\\u0e31方``).  Chinese news has no use
  for a combining mark on its own; a Latin letter loses its accent only when the
  accent was written as a separate code point, and the marks of other scripts
  stay on their letters.
* White space that NFKC leaves as it is and the clause splitter does not break
  at (vertical tab, form feed, next line U+0085, the Ogham space mark) and the
  braille blank U+2800, which is drawn as one, read as a space (``杨\\x0b方``,
  ``杨⠀方`` → ``杨方``, see below): kept, they held the characters of a
  spread-out ad apart.  ``\\n``, ``\\r``, U+2028 and U+2029 stay: they end a
  clause.
* Traditional → simplified, character by character.
* Separators between two CJK characters are dropped (``杨 方 线``, ``杨·方``,
  ``杨*方``, ``杨|方``, ``杨.方``, ``杨-方``, ``杨—方``, any dash: ``杨〜方``,
  ``杨⸺方``, tabs, up to four spaces around up to three symbols): Chinese is
  written without spaces, so nothing is lost.
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
  (``x-h-y-.-i-c-u`` → ``xhy.icu``).  The separator of such a stretch may be any
  punctuation or symbol but the clause punctuation ``, 、 。 ; ! ? :`` (lists of
  one-character names, ``英、法、德、俄``, are real Chinese): ``杨"方"线"上``,
  ``杨→方→线→上``, ``杨丨方丨线丨上``, ``杨丶方丶线丶上``, and the line and
  paragraph separators U+2028 and U+2029, which browsers do not show as a line
  break (a space, nothing or a box; alone, U+2028 is a line break and ends a
  clause, and so it is at either end of a stretch unless the run next to it or
  the one after that holds as many: ``为-回-馈-老-会-员\\u2028\\u2028中国…`` keeps
  its paragraph break); and different pictographs, blanks, bars and line
  separators may take turns (``杨🔥方💰线 上★配``, ``杨\\u2028方 线\\u2028上``),
  also around spaced-out punctuation and when a separator is several of them
  (``w👉🏻w👉🏻w👉🏻.👉🏻x``: an emoji with its skin tone).  Between Chinese
  characters, none a numeral and no two neighbours alike, any separators but
  brackets and quotes may take turns (``配"资→股§票``; ``由“黑”变“绿”`` stays),
  and three runs are enough between four (``配丨资丨股丨票``: a short ad spread
  out); between three they stay (``龙@唬@斗`` and ``个""踩""与`` are in the SMS
  corpus).  Line breaks are never touched.
* A stretch may also be spaced out by one character that is no separator once
  folded, the same one between every character four times or more (three
  between four Chinese characters, as above: ``配‼资‼股‼票``): punctuation
  and symbols that NFKC turns into letters, digits or clause punctuation
  (``杨‼️方‼️线‼️上``: ``‼`` is ``!!``; ``™`` is ``tm``, ``゜`` a space and a
  combining mark), the modifier letters of the CJK, kana and half-width blocks
  (the iteration marks ``々 〻 ゝ ゞ ヽ ヾ 〱 〵``, the prolonged sound mark ``ー``
  and ``ｰ ﾞ ﾟ``; not after a kana letter, where they belong to a Japanese word:
  ``ゴーゴーゴーゴー``), the closing mark and the ideographic zero (``〆 〇``,
  which Unicode counts as a letter and a number).  Anywhere else they stay
  (``太好了‼`` is ``太好了!!``), ``〇`` also next to a numeral (``二〇二五年``,
  ``一〇一〇一〇一〇一``).
* Clause punctuation ``, ; : ! ?`` between every character of six or more Chinese
  characters, none of them a numeral and no two neighbours alike, goes too
  (``配，资，股，票，平，台``, also taking turns: ``配，资；股！票？平，台``): lists
  of one-character names use a comma or semicolon between fewer
  (``金,铜,锂,钒,锌``), dialogue repeats itself
  (``好！好！好！``), and ``、`` and ``。`` are never dropped (``英、法、德、俄``).
  A mark at either end of such a stretch that differs from the next one in,
  while that one is the same as the one after it, is the punctuation of the
  text around and stays (``很好，杨！方！线！…``: the comma ends the clause
  before; taken in, it joined the clause to the ad).  So does a letter or
  digit, the same one between every character of six or more
  (``杨x方x线x上x配x资``), unless it also stands before the first, as in a
  template (``X年X月X日X时X分X秒``), or before a unit of date or time (a number:
  ``今天1月1日1时1分1秒``); between fewer it stays (``X月X日X时X分``,
  and the SMS corpus masks digits so: ``于x月x至x月x全场``).
* An ideographic full stop between the labels of a host (``www。xyz。com``,
  ``xyz。com/abc``, ``abc@qq。com``) is a ``.``: a link written with ``。`` is a
  link, not three sentences.  The host must have a ``。`` before its top-level
  domain (letters only) and start with ``www`` or a scheme, or end in a domain
  that spam uses and English prose does not spell (``com``, ``cn``, ``net``,
  ``xyz`` …, not ``me``, ``it``, ``in``): ``我用Python。Java`` stays.  Several
  of those are English words all the same (``top``, ``store``, ``net``,
  ``online``, ``info``, the surname ``Wang``): written as a capitalized word
  (``NBA。Top 10``, ``Apple。Store``), a host without www or a scheme is an
  English sentence starting after ``。``, and stays.
* Pictographs (emoji, dingbats, geometric shapes, box drawing: U+2300..U+23FF,
  U+2500..U+27BF, U+2B00..U+2BFF, U+1F000..U+1FAFF) are decorative separators like
  ``★``: one between two CJK characters or lone letters or digits is dropped
  (``杨方🔥线上``).  Arrows (U+2190..U+21FF) are not: ``3→5`` and ``北京→上海``
  mean something.
* Letters that only look Latin are read as Latin: small capitals (U+1D00 ...),
  script g, Latin alpha, dotless i and j always; Cyrillic and Greek lookalikes
  (Cyrillic a, o, p, c, x, Greek alpha, omicron, rho, nu, ...) inside a word that
  also holds a Latin letter (``w`` + Cyrillic ``x`` + ``888``), or that is all
  lookalikes, two or more with a Cyrillic one (Cyrillic ``QQ``), so that Greek
  letters in science and product names (alpha 77 cameras, beta, gamma 射线) stay.  Any
  Unicode decimal digit is read as its ASCII digit (Arabic-Indic 3 → ``3``).
* HTML character references left in the text are decoded (``&nbsp;``,
  ``&#x5fae;``, ``&#24494;``, ``&amp;lt;``), then folded like the rest.
* A stretch of five or more CJK characters each written twice, or four or more
  each written three times or more (``杨杨方方线线上上配配``, ``配配配资资资股股股票票票``),
  keeps one of each.  News doubles words (``家家户户``, ``实实在在``), but not five
  in a row, and triples none.
* A run of nine or more digits written with at least two Chinese numerals
  (``一三八一二三四五六七八``, ``壹叁捌…``, ``138`` + two ideographic zeros +
  ``12345``) becomes ASCII digits: phone numbers and handles spelled out; years
  (``二零二四``) are shorter, and so are two of them back to back (eight digits).

Characters that stand for several of the original (a decoded reference, a
collapsed repetition) map back to all of them: ``Normalized.to_original`` ends a
span after the last one.
"""

from __future__ import annotations

import html.entities
import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from detector import _chardata
from detector._arrays import consecutive_starts, ranges, run_sizes

__all__ = ["Normalized", "cjk_ranges", "end_of_marks", "normalize", "spaced_out"]

# Read as a space (see _translate_table): white space that NFKC leaves as it is
# and that ends no clause (vertical tab, form feed, next line, Ogham space mark),
# and the braille blank.
_READ_AS_SPACE = "\x0b\x0c\x85\u1680\u2800"
# Invisible characters removed outright: every default-ignorable code point of
# Unicode (zero-width space/joiners, direction marks, word joiner and friends,
# BOM, soft hyphen, combining grapheme joiner, Mongolian free variation
# selectors and vowel separator, variation selectors, invisible math operators,
# Hangul fillers, shorthand format controls, musical formatting marks, tag
# characters and the rest of plane 14), control characters (not tab or line
# breaks), interlinear annotation marks, combining diacritical and enclosing marks.
_INVISIBLE = (
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u0300-\u036f\u0488\u0489\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff"
    "\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff0-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
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
# Pictographs: misc technical (⌚), box drawing, blocks, geometric shapes, misc
# symbols, dingbats, misc symbols and arrows (⭐), and the emoji planes.
_PICTOGRAPHS = "\u2300-\u23ff\u2500-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
# Dashes: every dash punctuation character (Pd) NFKC keeps (the others fold to
# "-", "—" or "–"), the wave and wavy dashes 〜 〰 and the two- and three-em
# dashes among them.
_DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d"
    "\u301c\u3030\u30a0\U00010ead"
)
_SYMBOLS = (
    "\u00b7\u2022\u2027\u30fb\u2219\u22c5\u2218\u25cf\u25cb\u25c6\u25c7\u2605\u2606"
    "\u2661\u2665\u2764\u273f\u2740\u203b\u2212*|._~/\\\\+=#^" + _DASHES + _PICTOGRAPHS
)
# Between a lone letter or digit and its neighbour only blank and decorative
# separators go: ". - / + = : ~ #" between digits carry meaning (3.5, 3-1, 1~3).
_DECORATIVE = (
    "\u00b7\u2022\u2027\u30fb\u2219\u22c5\u25cf\u25cb\u25c6\u25c7\u2605\u2606"
    "\u2661\u2665\u2764\u273f\u2740\u203b*|_" + _PICTOGRAPHS
)
# What may separate the characters of a spaced-out stretch besides _SPLIT_CANDIDATE
# (see _tables): any punctuation or symbol, spacing modifier letters (ˇ ˉ), the
# bar 丨 and the dot 丶 (radicals drawn as one stroke, written as | and 、), but
# not clause punctuation, which lists of one-character names use (英、法、德、俄;
# 金,铜,锂,钒), nor U+FFFD, which mojibake puts between characters.
_NOT_SPACERS = "、,;!?:。\ufffd"
_MODIFIER_LETTERS = (0x02B0, 0x0300)
_BARS = "\u4e28\u4e36"  # 丨 丶
# The line and paragraph separators: a line break to the clause splitter, but not
# to a browser; they may space out a stretch and take turns with blanks.
_LINE_SEPARATORS = "\u2028\u2029"
# Chinese numerals that spell out digits: ideographic zero and 零 for 0, the everyday and the
# financial (大写) forms, 幺 for 1 as phone numbers are read aloud.  参 is 參
# (traditional 叁) after folding.
_CHINESE_DIGITS = {
    **dict.fromkeys("\u3007零", "0"),
    **dict(zip("一二三四五六七八九", "123456789", strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)),
    "参": "3",
    "幺": "1",
}
# A run of digits at least this long, with at least _CHINESE_DIGITS_MIN of them
# Chinese numerals, is read as ASCII digits.  Not eight: two years back to back
# (一九二五—一九四九 once the dash between CJK characters is gone).
_SPELLED_DIGITS = 9  # (_spelled_digits tests for nine in a row as 8 + 1)
_CHINESE_DIGITS_MIN = 2
# A stretch of at least this many CJK characters each written twice, or of one
# less each written three times or more, keeps one of each.
_REPEATED_RUNS = 5
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
# Or one less between four Chinese characters, none a numeral, no two neighbours
# alike (配丨资丨股丨票, 配‼资‼股‼票): a short ad spread out.  Not fewer: the SMS
# corpus writes 龙@唬@斗 and 个""踩""与.
_SHORT_SPACED_OUT_RUNS = 3
# Marks that Unicode counts as letters or numbers but that are no part of a
# Chinese word: a spaced-out stretch may use one as its separator (see
# _filler_runs), like the punctuation and symbols that folding turns into
# something else (see _is_filler).  The modifier letters (Lm) of the CJK
# symbols, kana and half-width blocks: iteration marks 々 〱-〵 〻 ゝ ゞ ヽ ヾ, the
# prolonged sound mark ー and the half-width ｰ ﾞ ﾟ; the closing mark 〆, the
# ideographic zero 〇.
_MARK_FILLERS = (
    "\u3005\u3031\u3032\u3033\u3034\u3035\u303b\u309d\u309e\u30fc\u30fd\u30fe"
    "\uff70\uff9e\uff9f\u3006\u3007"
)
# A numeral: 〇 next to one is a digit (二〇二五), not a separator.
_NUMERAL_FILLERS = "\u3007"
# Kana marks among them, and the kana letters (hiragana, katakana, half-width
# katakana) after which they belong to a Japanese word (ゴーゴーゴーゴー, こゝろ):
# no filler there.
_KANA_MARKS = "\u3031\u3032\u3033\u3034\u3035\u309d\u309e\u30fc\u30fd\u30fe\uff70\uff9e\uff9f"
_KANA_LETTERS = ((0x3041, 0x3096), (0x30A1, 0x30FA), (0xFF66, 0xFF6F), (0xFF71, 0xFF9D))
# Clause punctuation that may separate the characters of a stretch of Chinese
# characters (see _clause_runs), and how many runs of it in a row it takes; a
# letter or digit may too, unless it is also before the stretch (a template).
_CLAUSE_SPACERS = ",;:!?"
# A letter or digit before one of these is a number (or a template's mask for
# one), not a mark spacing a stretch out.
_DATE_UNITS = frozenset(map(ord, "年月日时時分秒"))
_CLAUSE_RUNS = 5
# The ideographic full stop, read as "." between the labels of a host (see
# _ideographic_hosts).  A host: labels with "." or "。" between them, "。" before
# the last, which is letters only; not inside a longer word or host.
_IDEOGRAPHIC_STOP = 0x3002
_HOST = re.compile(
    r"(?<![a-z0-9.\u3002-])(https?://)?"
    r"((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?[.\u3002])*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"\u3002([a-z]{2,}))(?![a-z0-9-])"
)
# Top-level domains that make a host of a name without "www" or a scheme:
# those of spam and Chinese sites, not English words (me, in, it, to, tv, live).
_HOST_TLDS = frozenset(
    "com net org cn cc top xyz vip info biz club site online shop store wang ltd asia"
    " hk tw mo icu cyou".split()
)

# Any run of spaces beside a CJK character goes too ("自 2013 年", "还有 0 "): outlets
# typeset Chinese next to numbers and words differently, and the spaces would
# otherwise become features of where a text came from rather than what it says.
# That is, a run of " " with a CJK character before it and a non-space after it,
# or a non-space before it and a CJK character after it.

# Bit flags per code point (see _tables).
_CANDIDATE_BIT, _CJK_BIT, _ALNUM_BIT, _SPACE_BIT, _UNUSUAL_BIT = 1, 2, 4, 8, 16
# May separate a spaced-out stretch; may take turns with other ones in it
# (blanks and _DECORATIVE); an ASCII digit or a Chinese numeral.
_SPACER_BIT, _TURNS_BIT, _DIGIT_BIT = 32, 64, 128
_CODE_POINTS = 0x110000
# Where categories are looked up for _SPACER_BIT (no punctuation or symbol beyond
# the emoji planes is used as a separator).
_CATEGORY_LIMIT = 0x20000
# Clause punctuation (, ; : ! ? 、 。) is in no class: its flags are 0, so the
# flags show where clause punctuation, a letter or a digit may space out a
# stretch (five marks with a Chinese character that is no numeral between each
# two, see _clause_runs) or where clause punctuation may be the dot before a
# host's top-level domain (a mark after a letter or
# digit and before a letter, see _ideographic_hosts).  News has neither, and
# looking must cost it little: one regex search of the flags as bytes (~0.2 us
# a call and ~0.5 ns a character: the marks are common bytes) and two byte
# string searches (see _probe) or, for a long text or a batch, a few NumPy
# passes (~0.4 us a call, ~0.02 ns a character).
_NO_CLASS = 0
# Below this many characters, byte-string searches of the flags beat NumPy
# passes over them (~0.4 us a call each).
_SHORT = 8192


def _byte(flags: int) -> bytes:
    """A byte of flags, as a regex matches it."""
    return b"\\x%02x" % flags


_NO = _byte(_NO_CLASS)
# The flags of what may space out a stretch of Chinese characters (see
# _clause_runs): clause punctuation, a letter, a digit.
_MARK_FLAGS = frozenset((_NO_CLASS, _ALNUM_BIT, _ALNUM_BIT | _DIGIT_BIT))
_ALNUM_FLAGS = b"[" + _byte(_ALNUM_BIT) + _byte(_ALNUM_BIT | _DIGIT_BIT) + b"]"
_MARK = b"[" + b"".join(_byte(f) for f in sorted(_MARK_FLAGS)) + b"]"
_CLAUSE_TAIL = (_byte(_CJK_BIT) + _MARK) * (_CLAUSE_RUNS - 1)
_HOST_TAIL = _byte(_ALNUM_BIT) + b"(?<=" + _ALNUM_FLAGS + _NO + _byte(_ALNUM_BIT) + b")"
_CLAUSE_PROBE = re.compile(_MARK + _CLAUSE_TAIL)
_HOST_PROBE = re.compile(_NO + _HOST_TAIL)
# The probe of a short text: clause punctuation (a regex starting with its
# byte, which the engine looks for fast), or rows of the same letter or digit
# class (byte strings: a regex starting with a class of three bytes took ~3 us
# a call).  A stretch spaced out by letters or digits holds one of those rows:
# its marks are the same letter or digit.
_PROBE = re.compile(
    _NO + b"(?:" + (_byte(_CJK_BIT) + _NO) * (_CLAUSE_RUNS - 1) + b"|" + _HOST_TAIL + b")"
)
_LETTERS_SPACING, _DIGITS_SPACING = (
    bytes([mark]) + bytes([_CJK_BIT, mark]) * (_CLAUSE_RUNS - 1)
    for mark in (_ALNUM_BIT, _ALNUM_BIT | _DIGIT_BIT)
)


def _probe(flags: np.ndarray, present: int) -> bool:
    """Whether a short text may hold a stretch spaced out by clause
    punctuation, letters or digits, or a host written with "。" (see _NO_CLASS)."""
    if _PROBE.search(flags.data) is not None:
        return True
    if not present & _ALNUM_BIT:
        return False
    data = flags.tobytes()
    return _LETTERS_SPACING in data or _DIGITS_SPACING in data


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


@lru_cache(maxsize=1)
def cjk_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive code point ranges of the Chinese characters this module knows
    (ideographs, extension A, compatibility ideographs), in normalized text."""
    return tuple(_class_ranges(_CJK))


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
    for low, high in _class_ranges(_BLANK + _DECORATIVE + _BARS + _LINE_SEPARATORS):
        flags[low : high + 1] |= _TURNS_BIT
    spacer = np.zeros(_CATEGORY_LIMIT, dtype=bool)
    for low, high in _chardata.PUNCTUATION_SYMBOL_RANGES:
        spacer[low : high + 1] = True
    spacer[_MODIFIER_LETTERS[0] : _MODIFIER_LETTERS[1]] = True
    spacer[[ord(c) for c in _NOT_SPACERS]] = False
    flags[: len(spacer)][spacer] |= _SPACER_BIT
    flags[(flags & (_CANDIDATE_BIT | _TURNS_BIT)) > 0] |= _SPACER_BIT
    flags[[ord(c) for c in "0123456789" + "".join(_CHINESE_DIGITS)]] |= _DIGIT_BIT
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


# A run of this many letters, digits and base64 symbols with no space or other
# punctuation is data (an inline base64 image, a hash, a token), not words: no
# reader sees an ad in it, and read as text it looked like one long handle, so
# a news article carrying one was blocked whole (a 40 KB blob: 0.88, "contact").
_BLOB_CHARS = 256
_BLOB_SYMBOLS = tuple(ord(c) for c in "+/=-_")
# A run right after one of these is the rest of a link (a host, a path, a query):
# kept, so that a long tracking path does not cut a link's host in two.
_LINK_MARKS = frozenset(ord(c) for c in ".:@%?&#~")


def _blobs(codes: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """A mask of the characters of data runs (see ``_BLOB_CHARS``), or None."""
    mask = (flags & _ALNUM_BIT) > 0
    for symbol in _BLOB_SYMBOLS:
        mask |= codes == symbol
    starts, ends = _runs(mask)
    long = (ends - starts) >= _BLOB_CHARS
    if not long.any():
        return None
    drop = np.zeros(len(codes), dtype=bool)
    found = False
    for start, end in zip(starts[long].tolist(), ends[long].tolist(), strict=True):
        if start == 0 or int(codes[start - 1]) not in _LINK_MARKS:
            drop[start:end] = found = True
    return drop if found else None


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


def _turn_runs(flags: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which separator runs ``[starts, ends)`` hold only _TURNS_BIT characters."""
    others = np.flatnonzero((flags & (_SPACER_BIT | _TURNS_BIT)) == _SPACER_BIT)
    if not len(others):
        return np.ones(len(starts), dtype=bool)
    # The first other separator at or after each run's start lies past its end.
    after = others.searchsorted(starts)
    return (after == len(others)) | (others[np.minimum(after, len(others) - 1)] >= ends)


def _spaced_out(codes: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """Separators of a spaced-out stretch (see above): a mask of them, or None.

    Runs of separators (``_SPACER_BIT``) with exactly one other character between
    neighbours, not white space, ``_SPACED_OUT_RUNS`` of them or more in a row
    (``_SHORT_SPACED_OUT_RUNS`` between four Chinese characters), each linked
    to the next by the same separator (both begin and end with one character),
    by both beginning and ending with blanks and decorative separators, which
    may take turns (``_TURNS_BIT``: ``🔥``, ``★``, `` ``; a separator of
    several, ``👉🏻`` with its skin tone or ``🔥💰``, around a spaced-out ``.``),
    or by both standing between Chinese characters (see _between_chinese:
    there any separators but brackets and quotes may take turns, ``配"资→股§票``).
    A run of blanks and decorative separators, or between Chinese characters,
    goes whole.  Line or paragraph separators at either end of a chain are a
    line break, not one of its runs, unless they take turns or repeat there
    (see _line_breaks).
    Otherwise the chain's separator is its shortest run; a longer run is
    separators with spaced-out separator characters between them (``-.-``,
    `` / / ``), which stay (``x-h-y-.-i-c-u`` → ``xhy.icu``); a run of any other
    length loses a separator's length at each end."""
    starts, ends = _runs((flags & _SPACER_BIT) > 0)
    if len(starts) < _SHORT_SPACED_OUT_RUNS:
        return None
    apart = (starts[1:] - ends[:-1] == 1) & ((flags[ends[:-1]] & _SPACE_BIT) == 0)
    # Runs one character apart, _SHORT_SPACED_OUT_RUNS in a row (rare: test that first).
    in_row = apart[:-1] & apart[1:]
    if not in_row.any():
        return None
    first, last = codes[starts], codes[ends - 1]
    same = (first[1:] == first[:-1]) & (first[1:] == last[1:]) & (first[:-1] == last[:-1])
    between = _between_chinese(codes, flags, starts, ends)
    link = apart & (same | (between[1:] & between[:-1]))
    turns = None
    if (apart & ~same).any():
        turns = _turn_runs(flags, starts, ends)
        # Begins and ends with one that may take turns: a run of them, or one
        # around a spaced-out character (``👉🏻.👉🏻``, ``🔥💰.🔥💰``).
        edged = (flags[starts] & flags[ends - 1] & _TURNS_BIT) > 0
        link |= apart & edged[1:] & edged[:-1]
    chain_starts, chain_ends, long = _long_chains(link, between)
    if not long.any():
        return None
    cut = _line_breaks(codes, starts, ends, chain_starts[long], chain_ends[long])
    if cut is not None:
        link[cut] = False
        chain_starts, chain_ends, long = _long_chains(link, between)
        if not long.any():
            return None
    if turns is None:
        turns = _turn_runs(flags, starts, ends)
    chain_first, chain_size = chain_starts[long], chain_ends[long] - chain_starts[long] + 1
    run_index, chain = ranges(chain_first, chain_size)
    lengths = ends[run_index] - starts[run_index]
    separator = np.minimum.reduceat(lengths, chain_size.cumsum() - chain_size)[chain]
    positions, owner = ranges(starts[run_index], lengths)
    offset = positions - starts[run_index][owner]
    size, length = separator[owner], lengths[owner]
    regular = (length - size) % (size + 1) == 0
    drop = np.zeros(len(codes), dtype=bool)
    drop[positions] = (turns | between)[run_index][owner] | np.where(
        regular, offset % (size + 1) != size, (offset < size) | (offset >= length - size)
    )
    return drop


def _long_chains(
    link: np.ndarray, between: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chains of ``link`` (see _spaced_out) and which of them space out a
    stretch: _SPACED_OUT_RUNS runs or more, or _SHORT_SPACED_OUT_RUNS each
    between two Chinese characters (``between``)."""
    # Link k joins run k to run k + 1; a chain of n links holds n + 1 runs.
    chain_starts, chain_ends = _runs(link)
    links = chain_ends - chain_starts
    long = links >= _SPACED_OUT_RUNS - 1
    # A shorter chain of runs each between two Chinese characters.
    counted = np.concatenate(([0], between.cumsum()))
    all_between = counted[chain_ends + 1] - counted[chain_starts] == links + 1
    long |= (links == _SHORT_SPACED_OUT_RUNS - 1) & all_between
    return chain_starts, chain_ends, long


def _line_breaks(
    codes: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    first_runs: np.ndarray,
    last_runs: np.ndarray,
) -> np.ndarray | None:
    """The links (see _spaced_out) that take line or paragraph separators into
    a chain of runs ``[starts, ends)`` at either end, from its first run
    ``first_runs`` or its last ``last_runs``, or None.  Unless the run next to
    it or the one after that holds as many (``杨\u2028方 线\u2029上``: they take
    turns or repeat), they are the line break before or after the line the
    stretch is on (``为-回-馈-老-会-员\u2028\u2028中国…``: the next line was
    read with the ad; ``配\u2028资\u2028股\u2028票\u2028\u2028正文``)."""
    line = (codes == ord(_LINE_SEPARATORS[0])) | (codes == ord(_LINE_SEPARATORS[1]))
    counted = np.concatenate(([0], line.cumsum()))
    # How many each run holds; -1 past the last run (no run holds as many).
    held = np.concatenate((counted[ends] - counted[starts], [-1, -1]))
    first, last = first_runs, last_runs
    # (A chain holds two runs or more: first + 1 and last - 1 are in it.)
    after = (held[first + 1] == held[first]) | (
        (held[first + 2] == held[first]) & (first + 2 <= last)
    )
    two_back = held[np.maximum(last - 2, 0)] == held[last]
    before = (held[last - 1] == held[last]) | (two_back & (last - 2 >= first))
    cut_first = (held[first] > 0) & ~after
    cut_last = (held[last] > 0) & ~before
    if not (cut_first.any() or cut_last.any()):
        return None
    # Link k joins run k to run k + 1.
    return np.concatenate((first[cut_first], last[cut_last] - 1))


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


@lru_cache(maxsize=1)
def _paired_codes() -> np.ndarray:
    """The code points of brackets and quotes (Ps, Pe, Pi, Pf), sorted."""
    spans = [np.arange(a, b + 1) for a, b in _chardata.PAIRED_PUNCTUATION_RANGES]
    return np.concatenate(spans).astype(np.uint32)


def _between_chinese(
    codes: np.ndarray, flags: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Which separator runs ``[starts, ends)`` stand between two Chinese
    characters, none a numeral or a separator, not alike, and hold no bracket
    or quote (``由“黑”变“绿”``, ``《易》《书》``: what they enclose is a word)."""
    inside = (starts > 0) & (ends < len(codes))
    before, after = starts - 1, np.minimum(ends, len(codes) - 1)  # (inside says which hold)
    flags_before, flags_after = flags[before], flags[after]
    chinese = (flags_before & flags_after & _CJK_BIT) > 0
    chinese &= ((flags_before | flags_after) & (_DIGIT_BIT | _SPACER_BIT)) == 0
    between = inside & chinese & (codes[before] != codes[after])
    if between.any():
        at = np.flatnonzero(between)
        positions, owner = ranges(starts[at], ends[at] - starts[at])
        paired = _paired_codes()
        found = codes[positions]
        is_paired = paired[np.minimum(paired.searchsorted(found), len(paired) - 1)] == found
        between[at[owner[is_paired]]] = False
    return between


def _chinese_around(codes: np.ndarray, flags: np.ndarray, around: list[int]) -> bool:
    """Whether the characters at ``around`` (around the runs of a short
    spaced-out stretch, see _SHORT_SPACED_OUT_RUNS) are Chinese characters,
    none a numeral or a separator, no two neighbours alike."""
    if around[0] < 0 or around[-1] >= len(flags):
        return False
    chinese = all(flags[at] & (_CJK_BIT | _DIGIT_BIT | _SPACER_BIT) == _CJK_BIT for at in around)
    return chinese and all(codes[a] != codes[b] for a, b in itertools.pairwise(around))


def _filler_runs(
    codes: np.ndarray, flags: np.ndarray, fillers: list[tuple[int, int, int]]
) -> list[int]:
    """Separators of stretches spaced out by a character that is none once
    folded (see above).

    ``fillers`` are the text's such characters, in order, as (where their fold
    starts in the folded text, code point, length of the fold): each is a run
    (``‼`` the run ``!!``).  Runs of the same character, at least
    _SPACED_OUT_RUNS of them in a row (_SHORT_SPACED_OUT_RUNS between four
    Chinese characters, see _chinese_around), one character that is not white
    space between each two; the ideographic zero never next to a numeral.  (A
    text holds few of them: a plain loop.)"""

    def digit(at: int) -> bool:
        return 0 <= at < len(flags) and bool(flags[at] & _DIGIT_BIT)

    def alone(run: tuple[int, int, int]) -> bool:
        start, code, size = run
        return chr(code) not in _NUMERAL_FILLERS or not (digit(start - 1) or digit(start + size))

    def linked(left: tuple[int, int, int], right: tuple[int, int, int]) -> bool:
        between = left[0] + left[2]
        return (
            right[1] == left[1]
            and right[0] == between + 1
            and not flags[between] & _SPACE_BIT
            and alone(left)
            and alone(right)
        )

    drop: list[int] = []
    k = 0
    while k < len(fillers):
        end = k
        while end + 1 < len(fillers) and linked(fillers[end], fillers[end + 1]):
            end += 1
        chain = fillers[k : end + 1]
        short = len(chain) == _SHORT_SPACED_OUT_RUNS and _chinese_around(
            codes, flags, [chain[0][0] - 1, *(start + size for start, _, size in chain)]
        )
        if len(chain) >= _SPACED_OUT_RUNS or short:
            for start, _, size in chain:
                drop.extend(range(start, start + size))
        k = end + 1
    return drop


def _punctuation(flags: np.ndarray) -> tuple[list[int], list[int]]:
    """Where clause punctuation, a letter or a digit may space out a stretch and
    where clause punctuation may be the dot before a host's top-level domain
    (see _NO_CLASS): marks in such stretches, at least one in each, and marks
    after a letter or digit and before a letter."""
    if len(flags) < _SHORT:
        return (
            [m.start() for m in _CLAUSE_PROBE.finditer(flags.data)],
            [m.start() for m in _HOST_PROBE.finditer(flags.data)],
        )
    mark = flags == _NO_CLASS
    spacer = mark | (flags == _ALNUM_BIT) | (flags == _ALNUM_BIT | _DIGIT_BIT)
    # Two marks with a Chinese character that is no numeral between them (rare
    # in news), then those with three more such after them.
    pairs = (spacer[:-2] & (flags[1:-1] == _CJK_BIT) & spacer[2:]).nonzero()[0]
    linked = np.zeros(len(flags), dtype=bool)
    linked[pairs] = True
    pairs = pairs[pairs < len(flags) - 8]
    row = linked[pairs + 2] & linked[pairs + 4] & linked[pairs + 6]
    # Marks before a letter (rare in news), then those after a letter or digit.
    hosts = (mark[1:-1] & (flags[2:] == _ALNUM_BIT)).nonzero()[0] + 1
    hosts = hosts[(flags[hosts - 1] & _ALNUM_BIT) > 0]
    return pairs[row].tolist(), hosts.tolist()


def _clause_runs(codes: np.ndarray, flags: np.ndarray, marks: list[int]) -> list[int]:
    """Positions of clause punctuation, letters or digits between every
    character of a stretch of Chinese characters (see above), looked for around
    ``marks`` (see _punctuation): the same mark, or clause punctuation taking
    turns, between six or more characters, none of them a numeral (flags
    _CJK_BIT and no other), no two neighbours alike; a letter or digit not also
    right before the first character, nor before a unit of date or time."""
    found: list[int] = []
    done = 0
    for at in marks:
        if at < done:
            continue
        # The stretch of marks two apart with a Chinese character between.
        first, last = at, at
        while first >= 2 and flags[first - 1] == _CJK_BIT and flags[first - 2] in _MARK_FLAGS:
            first -= 2
        while (
            last + 2 < len(flags) and flags[last + 1] == _CJK_BIT and flags[last + 2] in _MARK_FLAGS
        ):
            last += 2
        done = last + 1
        if first == 0 or flags[first - 1] != _CJK_BIT:
            first += 2  # no Chinese character before the first mark
        if last + 1 == len(flags) or flags[last + 1] != _CJK_BIT:
            last -= 2
        if last - first < 2 * (_CLAUSE_RUNS - 1):
            continue
        around = codes[first - 1 : last + 2].tolist()
        # Mark k is around[2k + 1], between characters around[2k] and around[2k + 2].
        spaced = [
            _spaces_clauses(chr(around[2 * k + 1])) and around[2 * k] != around[2 * k + 2]
            for k in range((len(around) - 1) // 2)
        ]
        k = 0
        while k < len(spaced):
            end = k
            while (
                spaced[k]
                and end + 1 < len(spaced)
                and spaced[end + 1]
                and _take_turns(chr(around[2 * end + 3]), chr(around[2 * k + 1]))
            ):
                end += 1
            # A letter or digit before the first character as well, or before a
            # unit of a date or time: a number or a template (X年X月X日X时X分X秒,
            # 今天1月1日1时1分1秒, the SMS corpus's 于x月x日x时x分x秒), not a spread.
            mark, before = around[2 * k + 1], first + 2 * k - 2
            template = chr(mark) not in _CLAUSE_SPACERS and (
                (before >= 0 and codes[before] == mark)
                or not _DATE_UNITS.isdisjoint(around[2 * k : 2 * end + 3 : 2])
            )
            own_first, own_last = _own_marks(around, k, end)
            if spaced[k] and own_last - own_first + 1 >= _CLAUSE_RUNS and not template:
                found.extend(first + 2 * j for j in range(own_first, own_last + 1))
            k = end + 1
    return found


def _own_marks(around: list[int], first: int, last: int) -> tuple[int, int]:
    """The first and last of the marks ``first`` .. ``last`` of a stretch
    (mark k is ``around[2k + 1]``, see _clause_runs) that are its own: clause
    punctuation at either end that differs from the next mark in while that
    one is the same as the one after it ends the clause before or after the
    stretch (``很好，杨！方！线！…``, ``会议强调：加；微；…``), as it did before
    marks took turns; marks that take turns throughout are all the stretch's."""
    if last - first < 2:
        return first, last
    mark = [around[2 * k + 1] for k in (first, first + 1, first + 2, last - 2, last - 1, last)]
    own_first = first + 1 if mark[0] != mark[1] == mark[2] else first
    own_last = last - 1 if mark[5] != mark[4] == mark[3] else last
    return own_first, own_last


def _take_turns(mark: str, first: str) -> bool:
    """Whether ``mark`` may follow ``first`` in a stretch of _clause_runs: the
    same one, or clause punctuation both (``配，资；股！票？平，台``)."""
    return mark == first or (mark in _CLAUSE_SPACERS and first in _CLAUSE_SPACERS)


def _spaces_clauses(ch: str) -> bool:
    """Whether ``ch`` may space out a stretch of Chinese characters (see _clause_runs)."""
    return ch in _CLAUSE_SPACERS or ("a" <= ch <= "z") or ("0" <= ch <= "9")


def _capitalized(text: str, src: np.ndarray, start: int, word: str) -> bool:
    """Whether ``word``, at ``start`` of the folded text, is written in ``text``
    with a capital and then small letters (``Top``, not ``top`` or ``TOP``)."""
    written = "".join(text[int(at)] for at in src[start : start + len(word)])
    return written.istitle()


_HOST_CODES = frozenset(ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789.-:/\u3002")


def _ideographic_hosts(
    codes: np.ndarray, marks: list[int], text: str, src: np.ndarray
) -> list[int]:
    """Positions of the ideographic full stops between the labels of a host
    (see above), looked for around ``marks`` (see _punctuation): in each run of
    the characters a link is written with that holds one, _HOST's matches.
    Without www or a scheme, a top-level domain written as a capitalized word in
    ``text`` (the original, ``src`` maps ``codes`` to it) starts a sentence:
    ``NBA。Top 10``, ``Apple。Store``, ``Li。Wang``."""
    found: list[int] = []
    done = 0
    for at in marks:
        if at < done or codes[at] != _IDEOGRAPHIC_STOP:
            continue
        first, last = at, at + 1
        while first > 0 and int(codes[first - 1]) in _HOST_CODES:
            first -= 1
        while last < len(codes) and int(codes[last]) in _HOST_CODES:
            last += 1
        done = last
        # The run's neighbours are no host characters: _HOST reads it as it
        # would read the whole text.
        for host in _HOST.finditer(_text(codes[first:last])):
            scheme, name, tld = host.groups()
            if "\u3002" in name and (
                scheme
                or name.startswith(("www.", "www\u3002"))
                or (tld in _HOST_TLDS and not _capitalized(text, src, first + host.start(3), tld))
            ):
                offset = first + host.start(2)
                found.extend(offset + i for i, ch in enumerate(name) if ch == "\u3002")
    return found


# What normalization drops that belongs to the character before it: combining and
# enclosing marks, variation selectors, the zero-width joiner, tag characters.
_ATTACHED = re.compile(
    "[\u0300-\u036f\u0488\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u200d\u20d0-\u20ff"
    "\ufe00-\ufe0f\ufe20-\ufe2f\U000e0000-\U000e0fff]*"
)


def end_of_marks(text: str, end: int) -> int:
    """``end`` moved past the marks that follow it (``杨\u0336`` struck through,
    ``1\u20e3`` a keycap; after a Chinese character any nonspacing or enclosing
    mark, ``杨\u0e31``), written as they are or as character references
    (``杨&#x336;``, decoded before folding): a span ending at a character ends
    after its marks, so that removing it leaves none behind on the next character."""
    tables = _tables()
    after_cjk = end > 0 and bool(tables.flags[tables.fold[ord(text[end - 1])]] & _CJK_BIT)

    def attached(value: str) -> bool:
        """Whether ``value`` (not empty) is marks that go with the character."""
        return _ATTACHED.fullmatch(value) is not None or (
            after_cjk and all(_is_mark(c) for c in value)
        )

    while True:
        match = _ATTACHED.match(text, end)  # always matches (``*``), maybe empty
        end = match.end() if match else end
        if end < len(text) and attached(text[end]):
            end += 1
            continue
        if not text.startswith(("&", "\uff06", "\ufe60"), end):
            return end
        # Folded as normalize folds it (one character for one: same length).
        reference = _REFERENCE.match(text[end : end + _REFERENCE_CHARS].translate(_table()))
        if reference is None:
            return end
        value = _reference_value(reference)
        if not value or not attached(value):
            return end
        end += reference.end()


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, for each of its characters, the index of the
    original character it came from (``src[i]``).  A character that stands for
    several original ones (a decoded ``&#x5fae;``, the kept one of ``杨杨``) has
    the index of the first; ``wide`` maps that index to the end of the last."""

    text: str
    src: np.ndarray
    original_length: int
    wide: Mapping[int, int] = field(default_factory=dict)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span ``[start, end)`` of ``text`` to the original string."""
        if end <= start:
            raise ValueError(f"empty span [{start}, {end})")
        last = int(self.src[end - 1])
        return int(self.src[start]), self.wide.get(last, last + 1)


def _translate_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    # Full-width ASCII (U+FF01..U+FF5E) and the ideographic space: NFKC maps each
    # to exactly one character, so str.translate keeps the map one-to-one.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    table[0x3000] = " "
    for ch in _READ_AS_SPACE:
        table[ord(ch)] = " "
    table[0xFE60] = "&"  # small ampersand: an "&" for character references
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


# Latin letters that NFKC leaves alone but that read as plain ones: small
# capitals (U+1D00.., "fancy text"), script g, Latin alpha, dotless i and j.
_LATIN_LOOKALIKE_BLOCKS = ((0x0100, 0x0300), (0x1D00, 0x1DC0), (0xA720, 0xA800))
_LATIN_LOOKALIKE_NAME = re.compile(
    r"LATIN (?:LETTER SMALL CAPITAL|SMALL LETTER DOTLESS|SMALL LETTER SCRIPT) ([A-Z])"
    r"|LATIN SMALL LETTER (ALPHA)"
)


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[str, str]:
    table: dict[str, str] = {}
    for low, high in _LATIN_LOOKALIKE_BLOCKS:
        for code in range(low, high):
            named = _LATIN_LOOKALIKE_NAME.fullmatch(unicodedata.name(chr(code), ""))
            if named:
                table[chr(code)] = (named.group(1) or "a").lower()
    return table


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if _IS_INVISIBLE.fullmatch(ch):
        return ""
    folded = _enclosed().get(ch) or unicodedata.normalize("NFKC", ch)
    folded = _IS_INVISIBLE.sub("", folded).lower()
    simplified = _chardata.traditional_to_simplified()
    latin = _latin_lookalikes()
    out = []
    for c in folded:
        c = latin.get(c) or simplified.get(c, c)
        digit = unicodedata.decimal(c, -1) if c > "\x7f" else -1
        out.append(str(digit) if digit >= 0 else c)
    return "".join(out)


@lru_cache(maxsize=4096)
def _is_mark(ch: str) -> bool:
    """Whether ``ch`` is a nonspacing or enclosing mark (Mn, Me) of any script."""
    return unicodedata.category(ch) in ("Mn", "Me")


def _after_cjk(codes: np.ndarray, flags: np.ndarray, at: int) -> bool:
    """Whether the character before ``at`` is a Chinese one, past the marks
    and invisible characters between (``杨\u0336\u0e31``)."""
    at -= 1
    while at >= 0 and not flags[at] & _CJK_BIT:
        ch = chr(codes[at])
        if not (_is_mark(ch) or _IS_INVISIBLE.match(ch)):
            return False
        at -= 1
    return at >= 0


@lru_cache(maxsize=4096)
def _is_filler(ch: str) -> bool:
    """Whether ``ch`` (an unusual character) may space out a stretch though it
    is no separator once folded: one of _MARK_FILLERS, or punctuation or a
    symbol that folds to something else than separators, clause punctuation
    of its own (``﹐`` is a comma) or the one letter or digit it encloses."""
    if ch in _MARK_FILLERS:
        return True
    flags = _tables().flags
    if not flags[ord(ch)] & _SPACER_BIT:
        return False
    folded = _fold_char(ch)
    if len(folded) == 1 and (folded in _NOT_SPACERS or (folded.isascii() and folded.isalnum())):
        return False
    return any(not flags[ord(c)] & _SPACER_BIT for c in folded)


def _is_kana(code: int) -> bool:
    return any(low <= code <= high for low, high in _KANA_LETTERS)


# Cyrillic and Greek letters that look like Latin ones, both cases (capital
# eta is H, small eta is n).  Not μ: "μg/m3" is read as written.
_SCRIPT_LOOKALIKES = dict(
    zip(
        # Cyrillic a b r e e k m h o n p c t y x b i i j s v h l d q w y
        "\u0430\u0432\u0433\u0435\u0451\u043a\u043c\u043d\u043e\u043f\u0440\u0441\u0442"
        "\u0443\u0445\u044c\u0456\u0457\u0458\u0455\u0475\u04bb\u04cf\u0501\u051b\u051d"
        "\u04af"
        # Cyrillic capitals A B E K M H O P C T Y X S I J Q W H Y I V
        "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
        "\u0405\u0406\u0408\u051a\u051c\u04ba\u04ae\u04c0\u0474"
        # Greek a b y e z n i k v o p t u x w, final sigma (and lunate sigma, folded) c
        "\u03b1\u03b2\u03b3\u03b5\u03b6\u03b7\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5"
        "\u03c7\u03c9\u03c2"
        # Greek capitals A B E Z H I K M N O P T Y X
        "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
        "\u03a5\u03a7",
        "abreekmhonpctyxbiijsvhldqwyabekmhopctyxsijqwhyivabyeznikvoptuxwcabezhikmnoptyx",
        strict=True,
    )
)
# A word: letters of any of these scripts, digits and what links and handles hold.
_WORD_CLASS = "[0-9a-z._:/@\\-\u0370-\u03ff\u0400-\u052f]"
_WORD = re.compile(_WORD_CLASS + "+")
_WORD_CHAR = re.compile(_WORD_CLASS)
_SCRIPT_CHARS = ("\u0370", "\u0530")  # Greek and Cyrillic


def _script_lookalikes(text: str, codes: np.ndarray, src: np.ndarray) -> list[tuple[int, int, str]]:
    """Edits reading the Cyrillic and Greek lookalikes of ``codes`` (folded from
    ``text``, ``src`` its map) as Latin letters, in words that hold a Latin letter
    or that hold two or more Cyrillic and Greek letters, all lookalikes, one of
    them Cyrillic (few Russian words are all lookalikes; a Greek letter alone,
    alpha 77, is Greek, and one Cyrillic letter may be a typist's B-52)."""
    folded = _text(codes)
    edits = []
    # Only the words around a Greek or Cyrillic letter (a page of news with one
    # "μg" took 30 ms when every word of it was looked at).
    scripts_at = (codes >= ord(_SCRIPT_CHARS[0])) & (codes < ord(_SCRIPT_CHARS[1]))
    done = 0
    for at in np.flatnonzero(scripts_at).tolist():
        if at < done:
            continue
        start = at
        while start > done and _WORD_CHAR.match(folded, start - 1):
            start -= 1
        word = _WORD.match(folded, start)
        assert word is not None  # folded[at] is a word character
        done = word.end()
        part = word.group()
        scripts = [c for c in part if c >= "\u0370"]  # Greek and Cyrillic letters
        if not any("a" <= c <= "z" for c in part) and not (
            len(scripts) >= 2
            and max(scripts) >= "\u0400"
            and all(c in _SCRIPT_LOOKALIKES for c in scripts)
        ):
            continue
        for i, c in enumerate(part, word.start()):
            if _SCRIPT_CHARS[0] <= c < _SCRIPT_CHARS[1]:
                original = unicodedata.normalize("NFKC", text[src[i]])
                latin = _SCRIPT_LOOKALIKES.get(original) or _SCRIPT_LOOKALIKES.get(c)
                if latin:
                    edits.append((i, i + 1, latin))
    return edits


# A character reference, after any number of escaped ampersands in front of it
# (``&amp;nbsp;`` is ``&nbsp;`` escaped once more), on folded (lower-case) text.
_REFERENCE = re.compile(
    r"&(?:amp;|#0*38;|#x0*26;)*(?:#([0-9]{1,7})|#x([0-9a-f]{1,6})|([a-z][a-z0-9]{1,31}));"
)


@lru_cache(maxsize=1)
def _entities() -> dict[str, str]:
    """HTML5 named references with their semicolon, by lower-case name."""
    table: dict[str, str] = {}
    for name, value in html.entities.html5.items():
        if name.endswith(";") and (name.lower() not in table or name.islower()):
            table[name.lower()[:-1]] = value
    return table


# The longest reference looked at (escaped ampersands included).
_REFERENCE_CHARS = 64


def _references(codes: np.ndarray) -> list[tuple[int, int, str]]:
    """Edits decoding the character references of ``codes`` (folded); the
    characters they stand for are not folded yet.  Only the text after each "&"
    is looked at."""
    edits: list[tuple[int, int, str]] = []
    for at in np.flatnonzero(codes == 0x26).tolist():
        if edits and at < edits[-1][1]:
            continue
        match = _REFERENCE.match(_text(codes[at : at + _REFERENCE_CHARS]))
        if match is None:
            continue
        value = _reference_value(match)
        if value is not None:
            edits.append((at, at + match.end(), value))
    return edits


def _reference_value(match: re.Match[str]) -> str | None:
    """What a match of ``_REFERENCE`` stands for, or None (an unknown name, a
    code point that is not a character)."""
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _entities().get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    valid = 0 < code < _CODE_POINTS and not 0xD800 <= code < 0xE000
    return chr(code) if valid else None


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


def _repeated(codes: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """Runs of CJK characters, ``_REPEATED_RUNS`` or more in a row, each written
    twice (``杨杨方方线线上上配配``), or one less, each written three times or more
    (``杨杨杨方方方线线线上上上``): a mask of the characters to drop (all but the
    first of each run), or None.  Worked out on the (few) repeats alone."""
    # Character p + 1 repeats character p, a CJK one.
    pairs = np.flatnonzero(codes[1:] == codes[:-1])
    if len(pairs) < _REPEATED_RUNS:  # the fewest a stretch has (five doubled)
        return None
    pairs = pairs[(flags[pairs] & _CJK_BIT) > 0]
    if len(pairs) < _REPEATED_RUNS:
        return None
    at = consecutive_starts(pairs)
    starts, repeats = pairs[at], run_sizes(at, len(pairs))  # run: starts .. starts + repeats
    link = (starts[1:] == starts[:-1] + repeats[:-1] + 1) & (repeats[1:] == repeats[:-1])
    chain_starts, chain_ends = _runs(link)
    needed = np.where(repeats[chain_starts] >= 2, _REPEATED_RUNS - 1, _REPEATED_RUNS)
    long = chain_ends - chain_starts + 1 >= needed
    if not long.any():
        return None
    first_run, size = chain_starts[long], chain_ends[long] - chain_starts[long] + 1
    run_index, _ = ranges(first_run, size)
    drop = np.zeros(len(codes), dtype=bool)
    positions, _ = ranges(starts[run_index] + 1, repeats[run_index])
    drop[positions] = True
    return drop


@lru_cache(maxsize=1)
def _digit_values() -> np.ndarray:
    """Code point → ASCII digit code point, for Chinese numerals (0 elsewhere)."""
    values = np.zeros(0x10000, dtype=np.uint32)
    for numeral, digit in _CHINESE_DIGITS.items():
        values[ord(numeral)] = ord(digit)
    return values


# Flags byte -> 1 for a digit (ASCII or Chinese numeral), 0 for anything else.
_DIGIT_BYTES = bytes(1 if flags & _DIGIT_BIT else 0 for flags in range(256))
_DIGIT_ROW = b"\x01" * _SPELLED_DIGITS


def _spelled_digits(codes: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
    """``codes`` with the Chinese numerals of long runs of digits (see above)
    read as ASCII digits, or None when there are none."""
    if len(codes) < _SPELLED_DIGITS:
        return None
    # Nearly every article has a numeral (一 is one) and none has nine digits in
    # a row: a byte search says so in ~0.4 us, the passes below take ~3 us.  (A
    # batch of articles nearly always has such a run, a phone or stock number.)
    if len(flags) < _SHORT and flags.tobytes().translate(_DIGIT_BYTES).find(_DIGIT_ROW) < 0:
        return None
    mask = flags >= _DIGIT_BIT  # (the highest bit)
    # Where nine digits in a row begin: 2, 4 and 8 in a row, then one more.
    row = mask[:-1] & mask[1:]
    row = row[:-2] & row[2:]
    row = row[:-4] & row[4:]
    begins = (row[:-1] & mask[_SPELLED_DIGITS - 1 :]).nonzero()[0]
    if not len(begins):
        return None
    # A long run is the union of the nine-digit windows beginning in it.
    at = consecutive_starts(begins)
    sizes = run_sizes(at, len(begins)) + _SPELLED_DIGITS - 1
    positions, owner = ranges(begins[at], sizes)
    chinese = codes[positions] > 0x7F
    counts = np.bincount(owner, weights=chinese, minlength=len(at))
    read = chinese & (counts[owner] >= _CHINESE_DIGITS_MIN)
    if not read.any():
        return None
    codes = codes.copy()
    codes[positions[read]] = _digit_values()[codes[positions[read]]]
    return codes


def normalize(text: str) -> Normalized:
    """NFKC + lower case, full-width to half-width, enclosed letters and numbers
    unwrapped, invisible characters removed, traditional to simplified, separators
    between CJK characters and lone letters or digits dropped, spaces beside CJK
    characters dropped (see the module docstring)."""
    tables = _tables()
    codes = tables.fold[_codepoints(text)]
    src = np.arange(len(text), dtype=np.int64)
    wide: dict[int, int] = {}
    if "&" in text or "\uff06" in text or "\ufe60" in text:  # character references
        edits = _references(codes)
        if edits:
            for start, end, _ in edits:
                wide[start] = end  # src is still the identity
            codes, src = _apply_edits(codes, src, edits)
            codes = tables.fold[codes]
    flags = tables.flags[codes]
    present = int(np.bitwise_or.reduce(flags)) if len(flags) else 0
    if len(codes) >= _BLOB_CHARS and present & _ALNUM_BIT:
        drop = _blobs(codes, flags)
        if drop is not None:
            keep = ~drop
            codes, src, flags = codes[keep], src[keep], flags[keep]
    if present & _UNUSUAL_BIT:
        unusual = (flags & _UNUSUAL_BIT).nonzero()[0]
        edits = []
        scripts = False
        fillers = []  # see _filler_runs
        grown = 0  # how much longer the edits so far made the text
        for i, code in zip(unusual.tolist(), codes[unusual].tolist(), strict=True):
            ch = chr(code)
            replacement = _fold_char(ch)
            if replacement and _is_mark(ch) and _after_cjk(codes, flags, i):
                replacement = ""  # a mark of another script on a Chinese character
            if replacement != ch:
                edits.append((i, i + 1, replacement))
            scripts = scripts or any(_SCRIPT_CHARS[0] <= c < _SCRIPT_CHARS[1] for c in replacement)
            if _is_filler(ch) and not (ch in _KANA_MARKS and i and _is_kana(int(codes[i - 1]))):
                fillers.append((i + grown, code, len(replacement)))
            grown += len(replacement) - 1
        codes, src = _apply_edits(codes, src, edits)
        if scripts:  # (one character for one)
            codes, src = _apply_edits(codes, src, _script_lookalikes(text, codes, src))
        flags = tables.flags[codes]
        present = int(np.bitwise_or.reduce(flags)) if len(flags) else 0
        gone = _filler_runs(codes, flags, fillers) if len(fillers) >= _SHORT_SPACED_OUT_RUNS else []
        if gone:
            keep = np.ones(len(codes), dtype=bool)
            keep[gone] = False
            codes, src, flags = codes[keep], src[keep], flags[keep]
    if present & (_CJK_BIT | _ALNUM_BIT) and (len(flags) >= _SHORT or _probe(flags, present)):
        spaced, between = _punctuation(flags)
        stops = _ideographic_hosts(codes, between, text, src) if between else []
        if stops:
            codes[stops] = ord(".")
            flags[stops] = tables.flags[ord(".")]
            present |= int(tables.flags[ord(".")])
        marks = _clause_runs(codes, flags, spaced) if spaced else []
        if marks:
            keep = np.ones(len(codes), dtype=bool)
            keep[marks] = False
            codes, src, flags = codes[keep], src[keep], flags[keep]
    if present & _SPACER_BIT:  # separators, spaces among them
        # Both read separator runs, and what a spaced-out stretch keeps of a run
        # is what the separator rules would keep of it once the stretch's
        # separators were gone: one mask, one pass.
        masks = [
            m
            for m in (
                _spaced_out(codes, flags),
                _separators(codes, flags, _runs((flags & _CANDIDATE_BIT) > 0)),
            )
            if m is not None
        ]
        if masks:
            keep = ~(masks[0] | masks[-1])
            codes, src, flags = codes[keep], src[keep], flags[keep]
        drop = _spaces_by_cjk(codes, flags)
        if drop is not None:
            keep = ~drop
            codes, src, flags = codes[keep], src[keep], flags[keep]
    if present & _CJK_BIT:
        drop = _repeated(codes, flags)
        if drop is not None:
            # The kept character of a run stands for the whole run.
            starts, ends = _runs(drop)
            for kept, last in zip(src[starts - 1].tolist(), src[ends - 1].tolist(), strict=True):
                wide[kept] = wide.get(last, last + 1)
            keep = ~drop
            codes, src, flags = codes[keep], src[keep], flags[keep]
    if present & _DIGIT_BIT:
        spelled = _spelled_digits(codes, flags)
        if spelled is not None:
            codes = spelled
    return Normalized(_text(codes), src, len(text), wide)


def spaced_out(norm: Normalized, original: str, min_chars: int) -> np.ndarray:
    """Per character of ``norm.text`` (normalized from ``original``): whether it
    belongs to a stretch of at least ``min_chars`` characters each of which
    stood apart from the next in the original (something normalization dropped
    lies between them: a separator, a space, a zero-width character).  What
    spammers write to dodge filters (`转·发·本·文·领·取`, `柳 州 江 北 养 生 馆`)
    and what news does not: in 新闻联播 stories, Eastmoney articles, 股吧
    comments and THUCNews titles (16,000 texts) no such stretch is longer than
    six characters.  A character that stands for several (a decoded reference,
    the kept one of `杨杨`) is one character here; full-width and traditional
    characters are not apart.  A separator at either end of a stretch that
    none of its others is, is the text's own (`w|w|w|.|x|y|z 见`, the space
    beside a Chinese character; `金·沙·体·育｜央视快讯`, a title's bar), and the
    character past it is not in the stretch."""
    src = norm.src
    length = len(src)
    member = np.zeros(length, dtype=bool)
    if length < max(2, min_chars):
        return member
    ends = src[:-1] + 1
    if norm.wide:
        wide = np.fromiter(norm.wide.items(), dtype=np.dtype((np.int64, 2)), count=len(norm.wide))
        at = np.searchsorted(src, wide[:, 0])
        found = at < length - 1
        found[found] = src[at[found]] == wide[found, 0]
        ends[at[found]] = wide[found, 1]
    starts, stops = _runs(src[1:] > ends)  # runs of gaps between pairs i, i + 1
    long = stops - starts >= min_chars - 1  # a run of k gaps joins k + 1 characters
    for start, stop in zip(starts[long].tolist(), stops[long].tolist(), strict=True):
        # Pairs start .. stop - 1, and what was dropped between each.
        dropped = [original[int(ends[i]) : int(src[i + 1])] for i in range(start, stop)]
        first, last = dropped[0] not in dropped[1:], dropped[-1] not in dropped[:-1]
        start, stop = start + first, stop - last
        if stop - start >= min_chars - 1:
            member[start : stop + 1] = True
    return member

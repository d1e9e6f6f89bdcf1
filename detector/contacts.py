"""Clauses that hold a way to reach someone: a link, a phone number, a handle.

The prefilter judges a whole clause by its character n-grams, so a short ad
spliced into a long clause (`办理的1000多件来电0799-9605635案件`) is diluted by
the news around it and never reaches the clause head.  Links, phone numbers and
messenger handles are what contact and link ads carry and what news rarely
does, and their shape does not depend on wording the model may not have seen;
a clause that holds one is assessed by the clause head whatever the prefilter
says.  The pattern only decides which clauses the model looks at: it never
makes a finding by itself.
"""

from __future__ import annotations

import re

import numpy as np

from detector._arrays import consecutive_starts, ranges, run_sizes
from detector.links import LINK, is_trusted_host

__all__ = ["contact_clauses"]

# On normalized text (full-width folded, separators between lone letters and
# digits dropped).  A phone number: a mobile number, an area code and a local
# number, or a 400 service number, not inside a longer run of digits or a decimal
# number.  A handle: 6 to 20 ASCII letters, digits, '_' or '-', starting with a
# letter, holding at least two letters and three digits (`weicz62016`, `cj28462`;
# not `RX580`, `iPhone15` or `COVID19`).
_PHONE_OR_HANDLE = re.compile(
    r"(?<![\d.])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})(?![\d.])"
    r"|(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d{3})(?=[A-Za-z0-9_-]*[A-Za-z]{2})"
    r"[A-Za-z][A-Za-z0-9_-]{5,19}(?![A-Za-z0-9_-])"
)
# A QQ number: `qq`, `qq群` or `qq号` and 5 to 11 digits, with spaces or a colon
# between (`QQ 123456789`, `QQ群：123456789`); a handle-like `qq123456` is a handle.
_QQ = re.compile(r"qq(?:群|号码|号)?[\s:]*\d{5,11}(?!\d)")
_FIRST_PRINTABLE, _PRINTABLE = np.uint64(0x21), np.uint64(0x7E - 0x21 + 1)
_ZERO, _DOT, _CASE, _A, _LETTERS = (np.uint64(x) for x in (0x30, 0x2E, 0x20, 0x61, 26))
_Q = np.uint64(0x71)
# Stock codes read as domains: `00388.hk`, `000002.sz`, `600519.sh`.
_TICKER = re.compile(r"\d{4,6}\.(?:hk|sz|sh|ss|bj)", re.IGNORECASE)


def contact_clauses(
    text: str,
    codes: np.ndarray,
    clauses: np.ndarray,
    original: tuple[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Per clause of ``clauses`` (``[start, end)`` rows into ``text``; ``codes``
    from :func:`features.codepoints`, digits folded to 0): whether it holds a
    link to a host that is not trusted, a phone number, a QQ number or a
    handle.  Given ``original``, the text ``text`` was normalized from and the
    index of each normalized character's original one (``Normalized.src``), a
    handle written with a capital letter is taken for the model number it looks
    like (`Xbox360`, `LA46B530`, `XR520E` in product news) and does not count.

    Only runs of printable ASCII that could hold one (6 characters or more, with
    digits and letters, ten digits, or a dot and letters) are searched: the
    patterns' lookarounds at every position of a text cost ~10x more."""
    found = np.zeros(len(clauses), dtype=bool)
    if not len(clauses):
        return found
    positions, owner = ranges(clauses[:, 0], clauses[:, 1] - clauses[:, 0])
    printable = ((codes[positions] - _FIRST_PRINTABLE) < _PRINTABLE).nonzero()[0]
    if not len(printable):
        return found
    at, owner = positions[printable], owner[printable]
    # Runs of consecutive positions within one clause: a new clause adds one
    # to ``owner``, so ``at + owner`` skips there even where the clauses touch.
    runs = consecutive_starts(at + owner)
    size = run_sizes(runs, len(at))
    ascii_codes = codes[at]
    # The clauses that hold a 'q' are searched for QQ numbers (``owner`` never
    # decreases; np.unique would import numpy.ma, ~20 ms of a CLI start).
    with_q = owner[ascii_codes == _Q]
    if len(with_q):
        with_q = with_q[np.diff(with_q, prepend=-1) != 0]
        _qq_numbers(text, clauses[with_q], found, with_q)
    digits = np.add.reduceat((ascii_codes == _ZERO).view(np.int8), runs, dtype=np.int64)
    dots = np.add.reduceat((ascii_codes == _DOT).view(np.int8), runs, dtype=np.int64)
    lower = (ascii_codes | _CASE) - _A
    letters = np.add.reduceat((lower < _LETTERS).view(np.int8), runs, dtype=np.int64)
    maybe = (size >= 6) & (
        ((digits >= 3) & (letters >= 2)) | (digits >= 10) | ((dots >= 1) & (letters >= 4))
    )
    for start, length, clause in zip(
        at[runs[maybe]].tolist(), size[maybe].tolist(), owner[runs[maybe]].tolist(), strict=True
    ):
        part = text[start : start + length]
        link = LINK.search(part) if "." in part else None
        if link is None:
            found[clause] |= any(
                original is None or not _capitalized(original, start + m.start(), start + m.end())
                for m in _PHONE_OR_HANDLE.finditer(part)
            )
        elif not is_trusted_host(link.group(1)) and not _TICKER.fullmatch(link.group(1)):
            found[clause] = True
    return found


def _qq_numbers(text: str, clauses: np.ndarray, found: np.ndarray, index: np.ndarray) -> None:
    """Mark ``found[index[k]]`` where clause ``clauses[k]`` holds a QQ number."""
    for (start, end), k in zip(clauses.tolist(), index.tolist(), strict=True):
        found[k] |= _QQ.search(text, start, end) is not None


def _capitalized(original: tuple[str, np.ndarray], start: int, end: int) -> bool:
    """Whether the original of normalized ``[start, end)`` holds a capital letter."""
    text, src = original
    return any(text[i].isupper() for i in src[start:end].tolist())

"""Print ``PUNCTUATION_SYMBOL_RANGES`` and ``PAIRED_PUNCTUATION_RANGES`` for
``detector/_chardata.py``.

The ranges of code points below U+20000 whose Unicode general category is
punctuation (P*) or symbol (S*), and of those that open or close (Ps, Pe, Pi,
Pf: brackets and quotes), from this Python's ``unicodedata``.  They are
shipped as constants rather than computed at start-up: the loop over 131,072
code points took ~50 ms of every process's first scan, and a table fixed at one
Unicode version reads the same on every Python.  Usage::

    .venv/bin/python scripts/build_chardata.py
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

LIMIT = 0x20000


def ranges(inside: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Inclusive ranges of the code points below LIMIT whose category ``inside`` takes."""
    found: list[tuple[int, int]] = []
    start = None
    for code in range(LIMIT + 1):
        taken = code < LIMIT and inside(unicodedata.category(chr(code)))
        if taken and start is None:
            start = code
        elif not taken and start is not None:
            found.append((start, code - 1))
            start = None
    return found


def print_ranges(name: str, what: str, found: list[tuple[int, int]]) -> None:
    pairs = [f"(0x{a:X}, 0x{b:X})" for a, b in found]
    print(f"#: Unicode {unicodedata.unidata_version}: code points below U+{LIMIT:X} of general")
    print(f"#: {what}, as inclusive ranges (scripts/build_chardata.py).")
    print(f"{name} = (")
    line = "   "
    for pair in pairs:
        if len(line) + len(pair) + 2 > 96:
            print(line)
            line = "   "
        line += f" {pair},"
    print(line)
    print(")")


def main() -> None:
    print_ranges("PUNCTUATION_SYMBOL_RANGES", "category P* or S*", ranges(lambda c: c[0] in "PS"))
    print_ranges(
        "PAIRED_PUNCTUATION_RANGES",
        "category Ps, Pe, Pi or Pf (brackets, quotes)",
        ranges(lambda c: c in ("Ps", "Pe", "Pi", "Pf")),
    )


if __name__ == "__main__":
    main()

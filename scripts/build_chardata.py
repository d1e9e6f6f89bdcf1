"""Print ``PUNCTUATION_SYMBOL_RANGES`` for ``detector/_chardata.py``.

The ranges of code points below U+20000 whose Unicode general category is
punctuation (P*) or symbol (S*), from this Python's ``unicodedata``.  They are
shipped as a constant rather than computed at start-up: the loop over 131,072
code points took ~50 ms of every process's first scan, and a table fixed at one
Unicode version reads the same on every Python.  Usage::

    .venv/bin/python scripts/build_chardata.py
"""

from __future__ import annotations

import unicodedata

LIMIT = 0x20000


def ranges() -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    start = None
    for code in range(LIMIT + 1):
        inside = code < LIMIT and unicodedata.category(chr(code))[0] in "PS"
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            found.append((start, code - 1))
            start = None
    return found


def main() -> None:
    pairs = [f"(0x{a:X}, 0x{b:X})" for a, b in ranges()]
    print(f"#: Unicode {unicodedata.unidata_version}: code points below U+{LIMIT:X} of general")
    print("#: category P* or S*, as inclusive ranges (scripts/build_chardata.py).")
    print("PUNCTUATION_SYMBOL_RANGES = (")
    line = "   "
    for pair in pairs:
        if len(line) + len(pair) + 2 > 96:
            print(line)
            line = "   "
        line += f" {pair},"
    print(line)
    print(")")


if __name__ == "__main__":
    main()

"""Character tables shipped with the package (loaded lazily, once)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

#: Code points of the characters for which ``str.isspace()`` (and ``re``'s ``\\s``)
#: is true.
WHITE_SPACE_CODES = (
    *(ord(c) for c in "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"),
    *range(0x2000, 0x200B),
)


@lru_cache(maxsize=1)
def traditional_to_simplified() -> dict[str, str]:
    """Single-character traditional → simplified map (``data/t2s.tsv``)."""
    table: dict[str, str] = {}
    path = Path(__file__).parent / "data" / "t2s.tsv"
    if not path.is_file():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        trad, simp = line.split("\t")[:2]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[trad] = simp
    return table

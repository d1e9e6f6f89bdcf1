"""Regenerate detector/data/t2s.tsv from OpenCC's TSCharacters dictionary.

Usage: pip install opencc-python-reimplemented && python scripts/build_t2s.py
Only one-to-one character pairs are kept so normalization never changes lengths.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "detector" / "data" / "t2s.tsv"


def main() -> None:
    source = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        trad, _, candidates = line.partition("\t")
        simp = candidates.split(" ")[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            rows.append(f"{trad}\t{simp}")
    header = (
        "# traditional<TAB>simplified, one character each.\n"
        "# Derived from OpenCC's TSCharacters.txt (Apache License 2.0,"
        " https://github.com/BYVoid/OpenCC) by scripts/build_t2s.py.\n"
    )
    OUT.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} pairs to {OUT}")


if __name__ == "__main__":
    main()

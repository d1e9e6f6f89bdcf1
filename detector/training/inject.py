"""Injection recipes that mimic content farms, keeping exact gold spans.

A recipe takes a clean host article and an ad phrase and returns the injected
text with the ad's half-open character span.  Recipes:

- ``splice``: inside a clause, at a jieba word boundary (the canonical
  ``…有效服务杨方线上配资股票,深化…``);
- ``clause-end``: at the end of a clause, before its punctuation;
- ``append`` / ``prepend``: a promotion line after or before the article;
- ``title``: a brand prefixed to the first line (``XX体育｜…``).

``evade`` rewrites an ad the way spammers dodge filters (zero-width characters,
separators between characters, full-width letters, traditional characters).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from detector import words
from detector._chardata import traditional_to_simplified

__all__ = ["RECIPES", "GoldSpan", "Injected", "evade", "inject"]

RECIPES = ("splice", "clause-end", "append", "prepend", "title")
EVASIONS = ("zero-width", "spaces", "dots", "full-width", "traditional")

_CLAUSE = re.compile(r"[^，。；！？,;!?\n]+")


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    category: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "category": self.category}


@dataclass(frozen=True)
class Injected:
    text: str
    spans: tuple[GoldSpan, ...]
    recipe: str


def _insert(host: str, at: int, ad: str, category: str, recipe: str) -> Injected:
    return Injected(host[:at] + ad + host[at:], (GoldSpan(at, at + len(ad), category),), recipe)


def _clauses(host: str, min_len: int) -> list[tuple[int, int]]:
    return [m.span() for m in _CLAUSE.finditer(host) if m.end() - m.start() >= min_len]


def inject(host: str, ad: str, category: str, recipe: str, rng: random.Random) -> Injected:
    """Put ``ad`` into ``host`` following ``recipe``."""
    if recipe in ("splice", "clause-end"):
        clauses = _clauses(host, 6)
        if not clauses:
            recipe = "append"
        else:
            start, end = rng.choice(clauses)
            if recipe == "clause-end":
                return _insert(host, end, ad, category, recipe)
            boundaries, pos = [], start
            for word in words.cut(host[start:end])[:-1]:
                pos += len(word)
                boundaries.append(pos)
            if not boundaries:
                return _insert(host, end, ad, category, "clause-end")
            return _insert(host, rng.choice(boundaries), ad, category, recipe)
    if recipe == "append":
        sep = rng.choice(["\n", "\n\n", "", " "])
        at = len(host) + len(sep)
        text = host + sep + ad
        return Injected(text, (GoldSpan(at, at + len(ad), category),), recipe)
    if recipe == "prepend":
        sep = rng.choice(["\n", "\n\n", " "])
        return Injected(ad + sep + host, (GoldSpan(0, len(ad), category),), recipe)
    if recipe == "title":
        sep = rng.choice(["｜", "|", "：", " ", "-", "】"])
        prefix = ("【" + ad) if sep == "】" else ad
        return Injected(prefix + sep + host, (GoldSpan(0, len(prefix), category),), recipe)
    raise ValueError(f"unknown recipe {recipe!r}")


_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]


def _simplified_to_traditional() -> dict[str, str]:
    table: dict[str, str] = {}
    for trad, simp in sorted(traditional_to_simplified().items()):
        table.setdefault(simp, trad)
    return table


def evade(ad: str, how: str, rng: random.Random) -> str:
    """``ad`` rewritten by one evasion technique."""
    if how == "zero-width":
        return rng.choice(_ZERO_WIDTH).join(ad)
    if how == "spaces":
        return rng.choice([" ", "\u00a0", "  "]).join(ad)
    if how == "dots":
        return rng.choice(["·", ".", "*", "|", "-"]).join(ad)
    if how == "full-width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ad)
    if how == "traditional":
        table = _simplified_to_traditional()
        return "".join(table.get(c, c) for c in ad)
    raise ValueError(f"unknown evasion {how!r}")

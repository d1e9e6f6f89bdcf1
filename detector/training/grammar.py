"""Slot grammars that expand into synthetic training text.

A grammar file is JSON with two sections::

    {
      "slots": {
        "surname": ["杨", "王"],
        "brand": {"train": ["金沙"], "dev": ["银河"]},
        "person": ["{surname}{given}"]
      },
      "categories": {
        "stock-margin": {"templates": ["{person}线上配资"]}
      }
    }

A slot (or a category's template list) is either a plain list of alternatives,
shared by both splits, or an object ``{"train": [...], "dev": [...]}`` whose two
lists must be disjoint so the dev split only sees held-out fillers.

Two more splits divide the train alternatives of every such object by a stable
hash of each alternative: ``novel`` holds about ``NOVEL_SHARE`` of them and
``fit`` the rest (an object with too few alternatives for both keeps them all in
each).  Training fits a draft model on ``fit`` and validates it on ads made from
``novel``: ads whose wording the draft never saw, like the ads of a new site.
Alternatives may reference other slots as ``{name}``; references may nest but
must not form cycles.

``load_seo`` reads a second format for whole machine-written SEO articles:
``slots`` as above, ``keywords`` (category -> list or split object),
``titles`` and ``sentences`` (list or split object, may use ``{keyword}``) and
optionally ``category_sentences`` (category -> list or split object) for
sentences that only fit one category.

Expansion is deterministic for a given :class:`random.Random` state.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DERIVED_SPLITS",
    "NOVEL_SHARE",
    "SPLITS",
    "Grammar",
    "GrammarError",
    "SeoGrammar",
    "load_grammar",
    "load_lines",
    "load_seo",
]

SPLITS: tuple[str, ...] = ("train", "dev")
#: Splits of the train alternatives (see the module docstring).
DERIVED_SPLITS: tuple[str, ...] = ("fit", "novel")
NOVEL_SHARE = 0.2
_ALL_SPLITS = SPLITS + DERIVED_SPLITS

_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_DEPTH = 64

# slot name -> split -> alternatives
_SplitTable = dict[str, dict[str, tuple[str, ...]]]


class GrammarError(ValueError):
    """A grammar file is malformed (unknown slot, cycle, split overlap, ...)."""


def _check_split(split: str) -> None:
    if split not in _ALL_SPLITS:
        raise GrammarError(f"unknown split {split!r}; expected one of {_ALL_SPLITS}")


def _fit_and_novel(train: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from detector.training.corpora import stable_fraction

    # The key's "val:" prefix fixes which fillers are novel; the shipped model's
    # stacking weights were fitted with it, so changing it redraws them.
    novel = tuple(x for x in train if stable_fraction("val:" + x) < NOVEL_SHARE)
    if not novel or len(novel) == len(train):
        return train, train
    return tuple(x for x in train if x not in novel), novel


def _normalise_choices(value: Any, where: str, source: str) -> dict[str, tuple[str, ...]]:
    """Turn a list or a ``{"train", "dev"}`` object into split -> alternatives
    (the derived splits included)."""
    if isinstance(value, list):
        items = _string_tuple(value, where, source)
        return {split: items for split in _ALL_SPLITS}
    if isinstance(value, dict):
        keys = set(value)
        if keys != set(SPLITS):
            raise GrammarError(
                f"{source}: {where} must be a list or an object with exactly the keys "
                f"'train' and 'dev' (got {sorted(keys)})"
            )
        train = _string_tuple(value["train"], f"{where}.train", source)
        dev = _string_tuple(value["dev"], f"{where}.dev", source)
        overlap = sorted(set(train) & set(dev))
        if overlap:
            shown = ", ".join(repr(v) for v in overlap[:5])
            raise GrammarError(f"{source}: {where} has values in both train and dev: {shown}")
        fit, novel = _fit_and_novel(train)
        return {"train": train, "dev": dev, "fit": fit, "novel": novel}
    raise GrammarError(f"{source}: {where} must be a list or a train/dev object")


def _string_tuple(value: Any, where: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise GrammarError(f"{source}: {where} must be a non-empty list of strings")
    for item in value:
        if not isinstance(item, str) or not item:
            raise GrammarError(f"{source}: {where} contains a non-string or empty value: {item!r}")
        stripped = _REF.sub("", item)
        if "{" in stripped or "}" in stripped:
            raise GrammarError(f"{source}: {where} has a stray brace in {item!r}")
    return tuple(item for item in value)


def _refs(text: str) -> list[str]:
    return _REF.findall(text)


def _all_texts(choices: Mapping[str, tuple[str, ...]]) -> list[str]:
    seen: dict[str, None] = {}
    for split in SPLITS:
        for text in choices[split]:
            seen.setdefault(text, None)
    return list(seen)


def _check_refs(
    table: Mapping[str, Mapping[str, tuple[str, ...]]],
    known: set[str],
    kind: str,
    source: str,
) -> None:
    for name, choices in table.items():
        for text in _all_texts(choices):
            for ref in _refs(text):
                if ref not in known:
                    raise GrammarError(
                        f"{source}: {kind} {name!r} references unknown slot {{{ref}}} in {text!r}"
                    )


def _check_cycles(slots: _SplitTable, source: str) -> None:
    edges = {
        name: sorted({ref for text in _all_texts(choices) for ref in _refs(text) if ref in slots})
        for name, choices in slots.items()
    }
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        path.append(name)
        for ref in edges[name]:
            mark = state.get(ref, 0)
            if mark == 1:
                cycle = " -> ".join([*path[path.index(ref) :], ref])
                raise GrammarError(f"{source}: slot {ref!r} is part of a cycle: {cycle}")
            if mark == 0:
                visit(ref, path)
        path.pop()
        state[name] = 2

    for name in slots:
        if state.get(name, 0) == 0:
            visit(name, [])


def _load_slots(raw: Any, source: str) -> _SplitTable:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GrammarError(f"{source}: 'slots' must be an object")
    slots: _SplitTable = {}
    for name, value in raw.items():
        if not _REF.fullmatch("{" + name + "}"):
            raise GrammarError(f"{source}: invalid slot name {name!r}")
        slots[name] = _normalise_choices(value, f"slot {name!r}", source)
    return slots


def _read_json(path: str | Path) -> tuple[dict[str, Any], str]:
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GrammarError(f"{source}: invalid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise GrammarError(f"{source}: not UTF-8 (byte {exc.start})") from None
    if not isinstance(data, dict):
        raise GrammarError(f"{source}: top level must be an object")
    return data, source


@dataclass(frozen=True)
class _Expander:
    slots: Mapping[str, Mapping[str, tuple[str, ...]]]
    source: str

    def fill(
        self,
        text: str,
        rng: random.Random,
        split: str,
        extra: Mapping[str, str] | None = None,
        depth: int = 0,
    ) -> str:
        if depth > _MAX_DEPTH:
            raise GrammarError(f"{self.source}: expansion nested deeper than {_MAX_DEPTH}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if extra is not None and name in extra:
                return extra[name]
            choice = rng.choice(self.slots[name][split])
            return self.fill(choice, rng, split, extra, depth + 1)

        return _REF.sub(replace, text)

    def count(self, text: str, split: str, memo: dict[str, int]) -> int:
        total = 1
        for ref in _refs(text):
            if ref not in memo:
                memo[ref] = sum(self.count(alt, split, memo) for alt in self.slots[ref][split])
            total *= memo[ref]
        return total


@dataclass(frozen=True)
class Grammar:
    """Phrase grammar: category templates expanded through shared slots."""

    source: str
    slots: Mapping[str, Mapping[str, tuple[str, ...]]]
    templates: Mapping[str, Mapping[str, tuple[str, ...]]]
    _expander: _Expander = field(repr=False, compare=False)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.templates)

    def expand(self, category: str, rng: random.Random, split: str = "train") -> str:
        """Pick one template of ``category`` for ``split`` and fill every slot."""
        _check_split(split)
        if category not in self.templates:
            raise GrammarError(f"{self.source}: unknown category {category!r}")
        template = rng.choice(self.templates[category][split])
        return self._expander.fill(template, rng, split)

    def size(self, category: str, split: str = "train") -> int:
        """Number of derivations of ``category`` (an upper bound on distinct phrases)."""
        _check_split(split)
        memo: dict[str, int] = {}
        return sum(self._expander.count(t, split, memo) for t in self.templates[category][split])


def load_grammar(path: str | Path) -> Grammar:
    """Load and validate a phrase grammar file."""
    data, source = _read_json(path)
    unknown = set(data) - {"slots", "categories"}
    if unknown:
        raise GrammarError(f"{source}: unknown top-level keys {sorted(unknown)}")
    slots = _load_slots(data.get("slots"), source)
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, dict) or not raw_categories:
        raise GrammarError(f"{source}: 'categories' must be a non-empty object")
    templates: _SplitTable = {}
    for name, value in raw_categories.items():
        if not isinstance(value, dict) or "templates" not in value:
            raise GrammarError(f"{source}: category {name!r} needs a 'templates' entry")
        templates[name] = _normalise_choices(
            value["templates"], f"category {name!r} templates", source
        )
    known = set(slots)
    _check_refs(slots, known, "slot", source)
    _check_refs(templates, known, "category", source)
    _check_cycles(slots, source)
    return Grammar(source, slots, templates, _Expander(slots, source))


@dataclass(frozen=True)
class SeoGrammar:
    """Grammar for whole keyword-stuffed SEO articles."""

    source: str
    slots: Mapping[str, Mapping[str, tuple[str, ...]]]
    keywords: Mapping[str, Mapping[str, tuple[str, ...]]]
    titles: Mapping[str, tuple[str, ...]]
    sentences: Mapping[str, tuple[str, ...]]
    category_sentences: Mapping[str, Mapping[str, tuple[str, ...]]]
    _expander: _Expander = field(repr=False, compare=False)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.keywords)

    def article(self, category: str, rng: random.Random, split: str = "train") -> tuple[str, str]:
        """Return ``(title, body)``; body paragraphs are separated by ``"\\n"``.

        The body has 3-8 paragraphs of 2-5 sentences; most paragraphs contain
        the article's keyword.
        """
        _check_split(split)
        if category not in self.keywords:
            raise GrammarError(f"{self.source}: unknown SEO category {category!r}")
        keyword = self._expander.fill(rng.choice(self.keywords[category][split]), rng, split)
        extra = {"keyword": keyword}
        pool = list(self.sentences[split])
        if category in self.category_sentences:
            pool.extend(self.category_sentences[category][split])
        with_kw = [s for s in pool if "{keyword}" in s]
        without_kw = [s for s in pool if "{keyword}" not in s]
        title = self._expander.fill(rng.choice(self.titles[split]), rng, split, extra)

        used: set[str] = set()

        def pick(candidates: list[str]) -> str:
            # Prefer unused sentences of the wanted kind, then any unused
            # sentence, and only repeat once the whole pool is exhausted.
            fresh = [c for c in candidates if c not in used]
            if not fresh:
                fresh = [c for c in pool if c not in used] or candidates
            choice = rng.choice(fresh)
            used.add(choice)
            return choice

        paragraphs: list[str] = []
        for index in range(rng.randint(3, 8)):
            n = rng.randint(2, 5)
            mention = bool(with_kw) and (index == 0 or rng.random() < 0.8 or not without_kw)
            chosen: list[str] = []
            if mention:
                chosen.append(pick(with_kw))
            while len(chosen) < n:
                use_kw = bool(with_kw) and (not without_kw or rng.random() < 0.35)
                chosen.append(pick(with_kw if use_kw else without_kw))
            rng.shuffle(chosen)
            paragraphs.append("".join(self._expander.fill(s, rng, split, extra) for s in chosen))
        return title, "\n".join(paragraphs)


def load_seo(path: str | Path) -> SeoGrammar:
    """Load and validate an SEO article grammar file."""
    data, source = _read_json(path)
    allowed = {"slots", "keywords", "titles", "sentences", "category_sentences"}
    unknown = set(data) - allowed
    if unknown:
        raise GrammarError(f"{source}: unknown top-level keys {sorted(unknown)}")
    slots = _load_slots(data.get("slots"), source)
    if "keyword" in slots:
        raise GrammarError(f"{source}: slot name 'keyword' is reserved")
    raw_keywords = data.get("keywords")
    if not isinstance(raw_keywords, dict) or not raw_keywords:
        raise GrammarError(f"{source}: 'keywords' must be a non-empty object")
    keywords = {
        cat: _normalise_choices(value, f"keywords {cat!r}", source)
        for cat, value in raw_keywords.items()
    }
    if "titles" not in data or "sentences" not in data:
        raise GrammarError(f"{source}: 'titles' and 'sentences' are required")
    titles = _normalise_choices(data["titles"], "titles", source)
    sentences = _normalise_choices(data["sentences"], "sentences", source)
    raw_cat_sentences = data.get("category_sentences") or {}
    if not isinstance(raw_cat_sentences, dict):
        raise GrammarError(f"{source}: 'category_sentences' must be an object")
    category_sentences: _SplitTable = {}
    for cat, value in raw_cat_sentences.items():
        if cat not in keywords:
            raise GrammarError(f"{source}: category_sentences {cat!r} has no keywords entry")
        category_sentences[cat] = _normalise_choices(value, f"category_sentences {cat!r}", source)
    known = set(slots)
    _check_refs(slots, known, "slot", source)
    _check_refs(keywords, known, "keywords", source)
    with_keyword = known | {"keyword"}
    _check_refs({"titles": titles}, with_keyword, "section", source)
    _check_refs({"sentences": sentences}, with_keyword, "section", source)
    _check_refs(category_sentences, with_keyword, "category_sentences", source)
    _check_cycles(slots, source)
    return SeoGrammar(
        source,
        slots,
        keywords,
        titles,
        sentences,
        category_sentences,
        _Expander(slots, source),
    )


def load_lines(path: str | Path) -> list[str]:
    """Read a one-sentence-per-line file, skipping blanks and ``#`` comments."""
    lines: list[str] = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GrammarError(f"{path}: not UTF-8 (byte {exc.start})") from None
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines

"""Labelled examples for every model head, built from documents with gold spans.

Documents are turned into clauses exactly as the detector sees them (normalize,
then ``split_clauses``); each clause and character is labelled by overlap with the
gold spans mapped into normalized coordinates, so training and inference agree on
what a clause is.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from detector.categories import CLEAN, MODEL_CLASSES
from detector.normalize import normalize
from detector.segment import are_neighbours, split_clauses
from detector.training import corpora
from detector.training.grammar import (
    Grammar,
    GrammarError,
    SeoGrammar,
    _read_json,
    load_grammar,
    load_lines,
    load_seo,
)
from detector.training.inject import EVASIONS, RECIPES, GoldSpan, Injected, evade, inject

__all__ = ["ClauseExample", "Datasets", "GoldDocument", "build_documents", "clause_examples"]


# Recipes that add a whole line: real spam lines fit there as well as grammar ads.
LINE_RECIPES = ("append", "prepend")
# The finance grammar's category of page furniture: a scraped page's date lines,
# bylines, stock-code lists and footer filing numbers (clean, beside its "clean"
# finance prose).
PAGE = "page"


@dataclass(frozen=True)
class GoldDocument:
    """A document with gold spans; ``kind`` is clean, hard-negative, injected or
    seo; ``source``, where the host text came from; ``origin``, where the
    injected ad's wording came from (:data:`ORIGINS`; empty for the others)."""

    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    kind: str
    recipe: str
    source: str
    origin: str = ""

    def to_dict(self) -> dict[str, object]:
        record: dict[str, object] = {
            "id": self.id,
            "text": self.text,
            "spans": [s.to_dict() for s in self.spans],
            "kind": self.kind,
            "recipe": self.recipe,
            "source": self.source,
        }
        if self.origin:
            record["origin"] = self.origin
        return record


#: Where an injected ad's wording comes from: a whole line of the real SMS or FBS
#: spam, a piece of one, a domain of the lexicon's list, or the grammars.
ORIGINS = ("spam line", "spam piece", "domain list", "grammar")


@dataclass(frozen=True)
class ClauseExample:
    text: str  # normalized clause text
    category: str
    char_labels: np.ndarray | None = None  # 1 where the character is injected


@dataclass
class Datasets:
    documents: list[GoldDocument] = field(default_factory=list)
    phrases: list[tuple[str, str]] = field(default_factory=list)  # (text, category)


@dataclass
class Sources:
    grammar: Grammar
    finance: Grammar  # clean finance prose (numbers, stock words) and page furniture
    seo: SeoGrammar
    hard_negatives: list[str]
    spam: list[tuple[str, str]]  # (text, category) real spam lines
    ham: list[str]
    domains: list[str]
    # Relative draw frequencies from training_data/recipes.json.
    recipes: dict[str, float]
    categories: dict[str, float]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


# Which stable fractions of its key a spam line or a domain needs for each split
# (``novel`` is an eighth of ``train`` here, a fifth of the grammar fillers there:
# the spam and domains are far more numerous than any slot's fillers).
_SOURCE_SHARES = {"dev": (0.0, 0.2), "train": (0.2, 1.0), "novel": (0.2, 0.3), "fit": (0.3, 1.0)}


def load_sources(
    training_data: Path, corpora_root: Path, split: str, seed: int, retail_spam: bool = True
) -> Sources:
    """Everything the examples are made from, for ``split`` (see
    :mod:`detector.training.grammar`; the real spam and the domains are divided
    like the grammars' fillers: a fifth to dev, and of the train part a
    ``novel`` eighth).  ``retail_spam=False`` leaves out SMS/FBS shop and
    service promotions (a genre unlike injected ads)."""
    rng = random.Random(seed)
    low, high = _SOURCE_SHARES[split]

    def keep(key: str) -> bool:
        return low <= corpora.stable_fraction(key) < high

    spam: list[tuple[str, str]] = []
    ham: list[str] = []
    for label, text in corpora.sms_lines(corpora_root, rng):
        if not keep("sms:" + text):
            continue
        if label:
            category = _sms_category(text)
            if retail_spam or category != "promotion":
                spam.append((text, category))
        else:
            ham.append(text)
    for line in corpora.fbs_spam(corpora_root, rng):
        if keep("fbs:" + line.text) and (retail_spam or line.category != "promotion"):
            spam.append((line.text, line.category))
    domains = [d for d in corpora.illegal_domains(corpora_root) if keep("domain:" + d)]
    recipes, source = _read_json(training_data / "recipes.json")
    for table in ("recipes", "categories"):
        if not isinstance(recipes.get(table), dict):
            raise GrammarError(f"{source}: {table!r} must be an object of draw weights")
    return Sources(
        recipes=recipes["recipes"],
        categories=recipes["categories"],
        grammar=load_grammar(training_data / "grammars" / "ad_phrases.json"),
        finance=load_grammar(training_data / "grammars" / "finance_news.json"),
        seo=load_seo(training_data / "grammars" / "seo_articles.json"),
        hard_negatives=load_lines(
            training_data / "hard_negatives" / ("dev.txt" if split == "dev" else "train.txt")
        ),
        spam=spam,
        ham=ham,
        domains=domains,
    )


_SMS_RULES = (
    ("gambling", ("娱乐", "博彩", "百家乐", "彩金", "赌", "棋牌", "投注", "六合彩", "时时彩")),
    ("fake-invoice", ("发票", "办证", "代开", "刻章", "证件")),
    ("loan", ("贷款", "借款", "放款", "信用贷", "额度", "低息")),
    ("stock-margin", ("配资", "股票", "牛股", "涨停")),
    ("adult", ("按摩", "约炮", "上门服务", "小姐")),
    ("phishing", ("积分兑换", "账户异常", "冻结", "中奖")),
)


def _sms_category(text: str) -> str:
    """Rough category for an unlabelled SMS spam line (the corpus has none)."""
    for category, keys in _SMS_RULES:
        if any(k in text for k in keys):
            return category
    return "promotion"


def draw_ad(sources: Sources, rng: random.Random, split: str, recipe: str) -> tuple[str, str, str]:
    """(ad text, category, origin: one of :data:`ORIGINS`) for one injection."""
    if recipe in LINE_RECIPES and sources.spam and rng.random() < 0.35:
        text, category = rng.choice(sources.spam)
        return text[:120], category, "spam line"
    if sources.spam and rng.random() < 0.15:
        # A piece of a real spam message spliced in: wording no grammar has.
        text, category = rng.choice(sources.spam)
        pieces = [p for p in re.split(r"[，。！!？?；;,\s]+", text) if 6 <= len(p) <= 30]
        if pieces:
            return rng.choice(pieces), category, "spam piece"
    category = _weighted(rng, sources.categories)
    if category == "link" and sources.domains and rng.random() < 0.4:
        domain = rng.choice(sources.domains)
        return rng.choice(["", "www.", "http://", "https://"]) + domain, category, "domain list"
    ad = sources.grammar.expand(category, rng, split)
    if recipe in LINE_RECIPES and rng.random() < 0.5:
        extra = _weighted(rng, {"contact": 2, "link": 1, "promotion": 1})
        ad = ad + rng.choice(["，", " ", "！", "。"]) + sources.grammar.expand(extra, rng, split)
    return ad, category, "grammar"


def build_documents(
    hosts: Sequence[tuple[str, str, str]],
    sources: Sources,
    split: str,
    seed: int,
    injected_fraction: float = 0.5,
    evasion_fraction: float = 0.1,
    n_hard_negative_docs: int = 0,
    n_seo: int = 0,
) -> list[GoldDocument]:
    """Clean, injected, hard-negative and SEO documents from host articles.

    ``hosts`` are (id, source, text); each becomes a clean or an injected document.
    Hard-negative documents put a legitimate sentence that uses ad vocabulary into
    a host; SEO documents are whole machine-written articles.
    """
    rng = random.Random(seed)
    documents: list[GoldDocument] = []
    for doc_id, source, text in hosts:
        if rng.random() >= injected_fraction:
            documents.append(GoldDocument(doc_id, text, (), "clean", "", source))
            continue
        recipe = _weighted(rng, sources.recipes)
        ad, category, origin = draw_ad(sources, rng, split, recipe)
        label = recipe
        if rng.random() < evasion_fraction and recipe != "title":
            how = rng.choice(EVASIONS)
            ad = evade(ad, how, rng)
            label = f"{recipe}+{how}"
        injected: Injected = inject(text, ad, category, recipe, rng)
        documents.append(
            GoldDocument(doc_id, injected.text, injected.spans, "injected", label, source, origin)
        )
    negatives = (
        sources.hard_negatives
        + [sources.grammar.expand(CLEAN, rng, split) for _ in sources.hard_negatives]
        + [sources.finance.expand(CLEAN, rng, split) for _ in sources.hard_negatives]
    )
    for i in range(n_hard_negative_docs):
        _, source, host = hosts[rng.randrange(len(hosts))]
        sentence = rng.choice(negatives)
        if not sentence.endswith(("。", "！", "？")):
            sentence += "。"
        cut = host.find("。", rng.randrange(max(1, len(host))))
        at = len(host) if cut < 0 else cut + 1
        text = host[:at] + sentence + host[at:]
        documents.append(GoldDocument(f"hard-negative:{i}", text, (), "hard-negative", "", source))
    categories = sources.seo.categories
    for i in range(n_seo):
        category = rng.choice(categories)
        title, body = sources.seo.article(category, rng, split)
        text = f"{title}\n{body}"
        whole = (GoldSpan(0, len(text), category),)
        documents.append(GoldDocument(f"seo:{i}", text, whole, "seo", "seo", "grammar", "grammar"))
    return documents


def gold_codes(doc: GoldDocument, src: np.ndarray) -> np.ndarray:
    """Category index per normalized character (0 = clean)."""
    codes = np.zeros(len(src), dtype=np.int64)
    for span in doc.spans:
        inside = (src >= span.start) & (src < span.end)
        codes[inside] = MODEL_CLASSES.index(span.category)
    return codes


def clause_examples(documents: Iterable[GoldDocument]) -> list[ClauseExample]:
    """Clauses of clean, hard-negative and injected documents, labelled by overlap.

    A clause is labelled with an ad category when at least two of its characters,
    or half of it, are gold; the characters carry per-character labels for the
    tagger.  SEO documents are left to the document head: their sentences read as
    finance prose one by one.
    """
    out: list[ClauseExample] = []
    for doc in documents:
        if doc.kind == "seo":
            continue
        norm = normalize(doc.text)
        codes = gold_codes(doc, norm.src)
        for clause in split_clauses(norm.text):
            out.append(_labelled(norm.text, codes, clause.start, clause.end))
    return out


def _labelled(text: str, codes: np.ndarray, start: int, end: int) -> ClauseExample:
    unit_codes = codes[start:end]
    hits = int((unit_codes > 0).sum())
    if hits >= 2 or (hits and hits * 2 >= len(unit_codes)):
        category = MODEL_CLASSES[int(np.bincount(unit_codes[unit_codes > 0]).argmax())]
        return ClauseExample(text[start:end], category, (unit_codes > 0).astype(np.int8))
    return ClauseExample(text[start:end], CLEAN, np.zeros(end - start, np.int8))


def fragment_examples(
    clauses: Sequence[ClauseExample], n: int, rng: random.Random, longest: int = 24
) -> list[ClauseExample]:
    """``n`` clean pieces of 2..``longest`` characters cut from clean clauses.

    Ad phrases are short and news clauses long, so without these a linear model
    learns "short means ad" and flags any short piece of news (a section header,
    a table cell, a span the localizer cut out of a clean clause)."""
    clean = [c.text for c in clauses if c.category == CLEAN and len(c.text) >= 4]
    out = []
    for _ in range(n if clean else 0):
        text = rng.choice(clean)
        size = rng.randint(2, min(longest, len(text)))
        start = rng.randrange(len(text) - size + 1)
        piece = text[start : start + size]
        out.append(ClauseExample(piece, CLEAN, np.zeros(len(piece), np.int8)))
    return out


def label_runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """The ``[start, end)`` runs of nonzero ``labels`` (a clause's ad characters)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (labels != 0).astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def focus_examples(
    clauses: Sequence[ClauseExample], context: int, rng: random.Random
) -> list[ClauseExample]:
    """Each run of ad characters (two or more) in an ad clause that holds news
    too, with 0..``context`` characters of the clause on either side.

    This is the unit the detector scores as a clause's focus (its best span
    widened by a few characters, see ``Detector._focus_units``): whole clauses
    bury a spliced ad in news, stand-alone phrases have no news at all, so the
    clause head saw neither the ad with a little context around it."""
    out = []
    for clause in clauses:
        labels = clause.char_labels
        if clause.category == CLEAN or labels is None or labels.all():
            continue
        for start, end in label_runs(labels):
            if end - start < 2:
                continue
            left = max(0, start - rng.randint(0, context))
            right = min(len(clause.text), end + rng.randint(0, context))
            out.append(ClauseExample(clause.text[left:right], clause.category, labels[left:right]))
    return out


def bridge_examples(
    documents: Iterable[GoldDocument],
    context: int,
    focus: int,
    n_clean: int,
    rng: random.Random,
) -> list[ClauseExample]:
    """Units like the detector's bridges (``Detector._bridges``), from documents.

    Where an ad is split by its own punctuation into two neighbouring clauses
    and its runs reach that punctuation (each within ``focus`` characters of
    it), the stretch from the first run to the second with 0..``context``
    characters of the clauses either side; and ``n_clean`` clean pieces across
    the punctuation between two clean neighbouring clauses (1..12 characters of
    each), so that a comma in a short unit is not itself a sign of an ad.
    Focus examples and whole clauses never hold the punctuation between two
    clauses, so without these the clause head never saw what a bridge scores."""
    out: list[ClauseExample] = []
    pairs: list[tuple[str, int, int, int, int]] = []
    for doc in documents:
        if doc.kind == "seo":
            continue
        norm = normalize(doc.text)
        codes = gold_codes(doc, norm.src)
        clauses = split_clauses(norm.text)
        for a, b in itertools.pairwise(clauses):
            if not are_neighbours(norm.text, a.end, b.start):
                continue
            first, second = codes[a.start : a.end] > 0, codes[b.start : b.end] > 0
            if first.any() and second.any():
                (run_start, run_end), (next_start, next_end) = (
                    label_runs(first)[-1],
                    label_runs(second)[0],
                )
                if a.end - a.start - run_end > focus or next_start > focus:
                    continue
                left = max(a.start, a.start + run_start - rng.randint(0, context))
                right = min(b.end, b.start + next_end + rng.randint(0, context))
                unit = codes[left:right]
                category = MODEL_CLASSES[int(np.bincount(unit[unit > 0]).argmax())]
                out.append(
                    ClauseExample(norm.text[left:right], category, (unit > 0).astype(np.int8))
                )
            elif not first.any() and not second.any():
                pairs.append((norm.text, a.start, a.end, b.start, b.end))
    for _ in range(n_clean if pairs else 0):
        text, start, end, next_start, next_end = rng.choice(pairs)
        left = end - rng.randint(1, min(12, end - start))
        right = next_start + rng.randint(1, min(12, next_end - next_start))
        out.append(ClauseExample(text[left:right], CLEAN, np.zeros(right - left, np.int8)))
    return out


def phrase_examples(phrases: Iterable[tuple[str, str]]) -> list[ClauseExample]:
    """Stand-alone texts (ad phrases, spam lines, negatives) split into clauses the
    way the detector does; every character of an ad phrase is an ad character."""
    out = []
    for text, category in phrases:
        norm = normalize(text)
        for clause in split_clauses(norm.text):
            clause_text = norm.text[clause.start : clause.end]
            label = 0 if category == CLEAN else 1
            out.append(
                ClauseExample(clause_text, category, np.full(len(clause_text), label, np.int8))
            )
    return out


def standalone_phrases(
    sources: Sources, rng: random.Random, split: str, n_grammar: int, thuc_titles: Sequence[str]
) -> list[tuple[str, str]]:
    """Ad phrases and negatives that are not inside a host article."""
    phrases: list[tuple[str, str]] = []
    for _ in range(n_grammar):
        category = _weighted(rng, sources.categories)
        phrases.append((sources.grammar.expand(category, rng, split), category))
    phrases.extend(sources.spam)
    phrases.extend((t, CLEAN) for t in sources.ham)
    phrases.extend((t, CLEAN) for t in sources.hard_negatives)
    phrases.extend(
        (sources.grammar.expand(CLEAN, rng, split), CLEAN) for _ in range(n_grammar // 4)
    )
    phrases.extend(
        (sources.finance.expand(CLEAN, rng, split), CLEAN) for _ in range(n_grammar // 2)
    )
    phrases.extend((t, CLEAN) for t in thuc_titles)
    return phrases


__all__ += [
    "ORIGINS",
    "PAGE",
    "RECIPES",
    "Sources",
    "draw_ad",
    "focus_examples",
    "fragment_examples",
    "gold_codes",
    "label_runs",
    "load_sources",
    "phrase_examples",
    "standalone_phrases",
]

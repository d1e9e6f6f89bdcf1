"""The cross-source dev benchmark, built from ``../shared/corpora`` only.

Evaluation text comes from outlets the model never trained on: Eastmoney finance
articles (the training hosts are 新闻联播 stories and THUCNews titles), plus
新闻联播 stories from a later period (``DEV_FROM`` on) for in-domain drift.  Ads
use the grammars' *dev* fillers (brands, names, domains, templates held out from
training), real spam from the dev part of the SMS and FBS sets, and the dev
hard negatives.  Regenerate with ``detector benchmark``; never commit the output
(it contains corpus text).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from detector.inputs import json_message
from detector.training import corpora
from detector.training.examples import GoldDocument, build_documents, load_sources
from detector.training.train import DEV_FROM

__all__ = ["GoldFileError", "build_dev_benchmark", "read_gold", "write_jsonl"]

SEED = 7


def _dev_hosts(corpora_root: Path, n_xwlb: int, n_titles: int) -> list[tuple[str, str, str]]:
    hosts = [(d.key, d.source, d.text) for d in corpora.eastmoney_articles(corpora_root)]
    stories = [d for date, d in corpora.xwlb_stories(corpora_root) if date >= DEV_FROM]
    rng = random.Random(SEED)
    rng.shuffle(stories)
    hosts += [(d.key, d.source, d.text[:2500]) for d in stories[:n_xwlb]]
    titles = list(corpora.thucnews_titles(corpora_root, "test"))
    rng.shuffle(titles)
    hosts += [(f"thucnews:test:{i}", "thucnews", t) for i, t in enumerate(titles[:n_titles])]
    if not hosts:  # every document of the benchmark is built on one
        names = ", ".join(corpora.FILES[name] for name in ("eastmoney", "xwlb", "thucnews_test"))
        raise corpora.CorpusError(
            f"{corpora_root}: no news to build the dev benchmark on: {names} hold no"
            f" article (新闻联播 stories count from {DEV_FROM} on)"
        )
    return hosts


def build_dev_benchmark(
    training_data: Path, corpora_root: Path, n_xwlb: int = 400, n_titles: int = 300
) -> list[GoldDocument]:
    sources = load_sources(training_data, corpora_root, "dev", SEED)
    hosts = _dev_hosts(corpora_root, n_xwlb, n_titles)
    # Articles that discuss 配资 legitimately are the hardest negatives: keep them
    # whole and clean.
    real_negatives = [
        GoldDocument(key, text, (), "hard-negative", "real", source)
        for key, source, text in hosts
        if "配资" in text
    ]
    hosts = [h for h in hosts if "配资" not in h[2]]
    documents = build_documents(
        hosts, sources, "dev", SEED, injected_fraction=0.5, evasion_fraction=0.15,
        n_hard_negative_docs=300, n_seo=100,
    )  # fmt: skip
    return documents + real_negatives


def write_jsonl(documents: list[GoldDocument], path: Path) -> None:
    """Write ``documents`` to ``path`` as a gold JSONL file, atomically, as
    ``clean`` writes its outputs (:class:`detector._files.AtomicFile`): an
    interrupted or failed write leaves the old file as it was, and the new one
    keeps its mode (a ``mkstemp`` file renamed over it made it 0600)."""
    from detector._files import AtomicFile

    path.parent.mkdir(parents=True, exist_ok=True)
    with AtomicFile(str(path)) as atomic:
        for doc in documents:
            atomic.handle.write((json.dumps(doc.to_dict(), ensure_ascii=False) + "\n").encode())


class GoldFileError(ValueError):
    """Why a gold file cannot be scored: one message per bad line (all of them,
    so that a hand-labelled file is fixed in one pass)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def read_gold(path: Path) -> list[dict[str, Any]]:
    """Records of a gold JSONL file: a ``text`` string and either ``spans``, a
    list of ``{"start", "end", "category"}`` objects or ``[start, end]`` /
    ``[start, end, category]`` arrays (offsets into ``text``, ``0 <= start < end
    <= len(text)``; ``category`` optional, ``"unknown"`` without it; an empty
    list: a clean document), or ``is_spam`` (true / false), the page's label
    alone, with an optional ``category``: a page labelled as a whole counts in
    the document figures and not in the span figures.  Each record comes back
    with ``spans`` (objects), ``is_spam`` and ``spans_known``.  Raises
    :class:`GoldFileError` naming every bad line: scores over the rest would
    silently be of another set."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GoldFileError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GoldFileError([f"{path}: not UTF-8 (byte {exc.start})"]) from None
    records, errors = [], []
    # Lines end at "\n" only, as scan reads JSONL: a JSON string may hold U+2028,
    # U+2029 or U+0085 as written, where str.splitlines would cut the record.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            errors.append(f"{path}:{number}: {json_message(exc)}")
            continue
        try:
            records.append(_gold_record(value))
        except ValueError as exc:
            errors.append(f"{path}:{number}: {exc}")
    if errors:
        raise GoldFileError(errors)
    return records


def _gold_record(record: object) -> dict[str, Any]:
    """``record`` checked and with its labels in the one form scoring reads."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ValueError("a gold record needs a 'text' string")
    text: str = record["text"]
    raw = record.get("spans")
    label = record.get("is_spam")
    if label is not None and not isinstance(label, bool):
        raise ValueError("'is_spam' must be true or false")
    if raw is None:
        if label is None and "label" in record:  # another tool's field: not clean
            raise ValueError(
                "'label' is not read: give 'spans' (the ads' offsets) or 'is_spam'"
                " (true / false, the page as a whole)"
            )
        raw = []
    if not isinstance(raw, list):
        raise ValueError("'spans' must be a list of {start, end, category} objects")
    spans = [_gold_span(i, span, len(text)) for i, span in enumerate(raw)]
    if label is False and spans:
        raise ValueError("'is_spam' is false but the record has spans")
    positive = bool(spans) if label is None else label
    category = record.get("category")
    if category is not None and not isinstance(category, str):
        raise ValueError("'category' must be a string")
    known = bool(spans) or not positive
    out = {**record, "spans": spans, "is_spam": positive, "spans_known": known}
    if positive and not spans:
        out["category"] = category or "unknown"
    return out


def _gold_span(i: int, span: object, length: int) -> dict[str, Any]:
    """Span ``i`` of a record as ``{"start", "end", "category"}`` (and whatever
    else an object form holds), checked against the text's ``length``."""
    if isinstance(span, list) and len(span) in (2, 3):
        span = dict(zip(("start", "end", "category"), span, strict=False))
    if not isinstance(span, dict):
        raise ValueError(
            f"span {i} must be an object with start, end and category"
            " or an array [start, end] or [start, end, category]"
        )
    start, end = span.get("start"), span.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or bool in (type(start), type(end)):
        raise ValueError(f"span {i} needs integer 'start' and 'end'")
    if not 0 <= start < end <= length:
        bounds = f"0 <= start < end <= {length}"
        raise ValueError(f"span {i} ({start}, {end}) is not inside the text ({bounds})")
    category = span.get("category", "unknown")
    if not isinstance(category, str):
        raise ValueError(f"span {i}: 'category' must be a string")
    return {**span, "category": category}

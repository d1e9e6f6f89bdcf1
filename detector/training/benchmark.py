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
from collections.abc import Iterator
from pathlib import Path

from detector.training import corpora
from detector.training.examples import GoldDocument, build_documents, load_sources
from detector.training.train import DEV_FROM

__all__ = ["build_dev_benchmark", "write_jsonl"]

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
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")


def read_gold(path: Path) -> Iterator[dict[str, object]]:
    """Records of a gold JSONL file: ``text`` and ``spans`` (start, end, category)."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError(f"{path}:{number}: a gold record needs a 'text' string")
            yield record

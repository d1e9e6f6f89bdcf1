"""How often a model blocks real text that no benchmark holds (not a test).

The dev benchmark's clean documents are a few hundred articles; a scraper runs a
model over millions.  This prints, for each model, how many texts it blocks
(and flags: a finding at *review*) in three sets of real text from
``--corpora`` that neither training nor the dev benchmark reads:

- 新闻联播 stories of January to June 2025, between the training period (before
  2025) and the dev benchmark's (from July 2025);
- THUCNews test titles (the dev benchmark hosts 300 of the 10,000; training
  reads the dev file);
- the 股吧 comments of ``cute_crawlers`` (forum talk, not news: investors write
  about margin loans, and one comment among them is a real 配资 ad).

Every text blocked here is a false positive but that one comment: a figure of
this script is a false-positive rate on real text, which ``detector eval``
gives only on the benchmark's clean documents.

    python scripts/real_news.py                      # the packaged model
    python scripts/real_news.py --model /tmp/m1 --model /tmp/m2 -v
    python scripts/real_news.py --ignore-category promotion   # as scan would, so set
    python scripts/real_news.py --category-threshold promotion=0.99
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path


def _stories(corpora: Path) -> list[str]:
    """The stories between training's period and the dev benchmark's."""
    from detector.training import corpora as sources
    from detector.training.train import DEV_FROM, TRAIN_BEFORE

    return [
        document.text
        for date, document in sources.xwlb_stories(corpora)
        if TRAIN_BEFORE <= date < DEV_FROM
    ]


def _comments(corpora: Path) -> Iterator[str]:
    path = corpora / "cute_crawlers" / "eastmoney_guba_comments_2018.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield from (c for c in json.loads(line).get("comments", []) if isinstance(c, str))


def text_sets(corpora: Path) -> list[tuple[str, list[str]]]:
    """(name, texts) of the three sets."""
    from detector.training import corpora as sources

    return [
        ("新闻联播 2025 H1", _stories(corpora)),
        ("THUCNews test titles", list(sources.thucnews_titles(corpora, "test"))),
        ("股吧 comments 2018", list(_comments(corpora))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--model", action="append", help="model directory (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print what is blocked")
    parser.add_argument(
        "--ignore-category",
        action="append",
        default=[],
        metavar="NAME",
        help="drop the findings of this category first, as detector scan --ignore-category does",
    )
    parser.add_argument(
        "--category-threshold",
        action="append",
        default=[],
        metavar="NAME=X",
        help="drop the findings of category NAME under X first (0..1 or off), as scan does",
    )
    args = parser.parse_args(argv)

    from detector import Detector
    from detector.categories import parse_category_thresholds
    from detector.suppress import Suppressions

    try:
        bars = parse_category_thresholds(args.category_threshold)
        policy = Suppressions(
            inline=False,
            ignore_categories=frozenset(args.ignore_category),
            category_thresholds=tuple(bars.items()),
        )
    except ValueError as exc:
        parser.error(str(exc))

    sets = text_sets(args.corpora)
    for model in args.model or [None]:
        detector = Detector.default() if model is None else Detector.from_path(model)
        print(detector.model_version)
        for name, texts in sets:
            verdicts = [
                policy.heeded(v, detector.block_threshold) for v in detector.scan_many(texts)
            ]
            blocked = [(t, v) for t, v in zip(texts, verdicts, strict=True) if v.is_spam]
            flagged = sum(bool(v.findings) for v in verdicts)
            share = len(blocked) / max(1, len(texts))
            print(
                f"  {name:<22} blocked {len(blocked):>3} / {len(texts):<6} ({share:.2%}),"
                f" flagged {flagged}"
            )
            if args.verbose:
                for text, verdict in blocked:
                    top = max(verdict.findings, key=lambda f: f.score)
                    found = " ".join(top.text.split())
                    found = found if len(found) <= 40 else f"{found[:39]}…"
                    head = " ".join(text[:50].split())
                    print(f"    {verdict.score:.2f} {top.category:<13} [{found}]  {head}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

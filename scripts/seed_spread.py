"""Compare training configurations over several seeds (not a test).

The seed alone moves a model's dev figures by several points: the false-positive
budgets of the targets are 4 clean and 9 hard-negative documents of the dev
benchmark, so the best recall within them rests on a handful of documents' scores
(the seeds 20261125, 1 and 2 of one configuration have ranged 0.79-0.82).  A
change is worth keeping when it holds across seeds, and this trains a
configuration with each seed given (``--jobs`` at a time; a model takes 4-8 min of
one core) and prints, per model and as the mean over them: recall, F1, clean and
hard-negative false positives at the model's own block threshold, stock-margin
recall, the best recall within the targets' budgets (4 / 9) and within twice them
(8 / 18: fewer documents decide it), and how many of the legitimate margin-news
sentences of ``scripts/topic_news.py`` are blocked.

    python scripts/seed_spread.py                  # the shipped configuration, 3 seeds
    python scripts/seed_spread.py --set clause_c=8 --out /tmp/c8
    python scripts/seed_spread.py --model /tmp/c8/seed-1 --model detector/models/default

``--set`` takes any field of ``detector.training.train.TrainConfig``.  The dev
benchmark is read from ``build/dev_benchmark.jsonl`` (``make benchmark`` writes
it; built here when missing).  Models are kept under ``--out`` (default: a new
temporary directory, printed).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_BENCHMARK = ROOT / "build" / "dev_benchmark.jsonl"
BUDGETS = ((4, 9), (8, 18))
COUNTS = ("clean FP", "HN FP", "margin news blocked")


def _overrides(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as TrainConfig fields of the field's type."""
    from detector.training.train import TrainConfig

    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    defaults = TrainConfig()
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in fields or key == "seed":
            raise SystemExit(f"seed_spread: --set {pair!r}: not KEY=VALUE of a TrainConfig field")
        kind = type(getattr(defaults, key))
        if kind is bool:
            out[key] = value.lower() in ("1", "true", "yes")
        elif kind is tuple:
            out[key] = tuple(int(x) for x in value.split(","))
        else:
            out[key] = kind(value)
    return out


def _train(seed: int, overrides: dict[str, Any], out: Path, corpora: Path) -> Path:
    """Train one model in a child process (its log next to it); its directory."""
    target = out / f"seed-{seed}"
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from detector.training.train import TrainConfig, train\n"
        "args = json.loads(sys.argv[1])\n"
        "overrides = {k: tuple(v) if isinstance(v, list) else v"
        " for k, v in args['overrides'].items()}\n"
        "config = TrainConfig(seed=args['seed'], **overrides)\n"
        "train(Path(args['data']), Path(args['corpora']), Path(args['target']), config)\n"
    )
    payload = {
        "seed": seed,
        "overrides": overrides,
        "data": str(ROOT / "training_data"),
        "corpora": str(corpora),
        "target": str(target),
    }
    log = out / f"seed-{seed}.log"
    with log.open("w", encoding="utf-8") as handle:
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(payload)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"seed_spread: training seed {seed} failed, see {log}")
    return target


def _gold(corpora: Path) -> list[dict[str, Any]]:
    from detector.training.benchmark import build_dev_benchmark, read_gold, write_jsonl

    if not DEV_BENCHMARK.exists():
        DEV_BENCHMARK.parent.mkdir(exist_ok=True)
        write_jsonl(build_dev_benchmark(ROOT / "training_data", corpora), DEV_BENCHMARK)
    return read_gold(DEV_BENCHMARK)


def figures(model: Path | None, gold: list[dict[str, Any]]) -> dict[str, Any]:
    """The dev figures of one model (None: the packaged one): those of
    ``detector eval`` (the same predictions and scoring) and the best recall
    within each of ``BUDGETS``."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import numpy as np
    import topic_news

    from detector import Detector
    from detector.evaluate import score
    from detector.training.evaluation import predict_record

    detector = Detector.default() if model is None else Detector.from_path(model)
    predictions = [predict_record(detector, record["text"]) for record in gold]
    metrics = score(gold, predictions)
    rates = metrics["false_positive_rate"]
    out: dict[str, Any] = {
        "model": detector.model_version,
        "recall": metrics["document"]["recall"],
        "F1": metrics["document"]["f1"],
        "clean FP": round(rates["clean"] * rates["clean_documents"]),
        "HN FP": round(rates["hard_negative"] * rates["hard_negative_documents"]),
        "stock-margin": metrics["recall_by_category"].get("stock-margin", 0.0),
    }
    kinds = np.array([record.get("kind") for record in gold])
    injected = np.array([record["is_spam"] for record in gold])
    scores = np.array([prediction.score for prediction in predictions])
    # Over every threshold (each score), from the highest down: documents at or
    # above it of each kind.
    order = np.argsort(-scores, kind="stable")
    ends = np.r_[(np.diff(scores[order]) != 0).nonzero()[0], len(order) - 1]
    clean = np.cumsum(kinds[order] == "clean")[ends]
    hard = np.cumsum(kinds[order] == "hard-negative")[ends]
    found = np.cumsum(injected[order])[ends]
    for clean_budget, hard_budget in BUDGETS:
        within = (clean <= clean_budget) & (hard <= hard_budget)
        best = int(found[within].max()) if within.any() else 0
        out[f"best {clean_budget}/{hard_budget}"] = best / max(1, int(injected.sum()))
    news = detector.scan_many(topic_news.SENTENCES)
    out["margin news blocked"] = sum(v.is_spam for v in news)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[20261125, 1, 2])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--model", action="append", type=Path, help="evaluate, do not train")
    parser.add_argument("--out", type=Path, help="where the trained models go")
    parser.add_argument("--jobs", type=int, default=2, help="trainings at a time (default 2)")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args(argv)

    gold = _gold(args.corpora)
    if args.model:
        models = list(args.model)
    else:
        overrides = _overrides(args.set)
        out = args.out or Path(tempfile.mkdtemp(prefix="seed-spread-"))
        out.mkdir(parents=True, exist_ok=True)
        taken = [out / f"seed-{s}" for s in args.seeds if (out / f"seed-{s}").exists()]
        if taken:  # a model trained before: not replaced unasked
            raise SystemExit(f"seed_spread: {taken[0]} exists; remove it or give another --out")
        print(f"training {len(args.seeds)} models in {out} ({args.jobs} at a time)", flush=True)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            models = list(pool.map(lambda s: _train(s, overrides, out, args.corpora), args.seeds))
    rows = [figures(model, gold) for model in models]
    names = [k for k in rows[0] if k != "model"]
    widths = {n: max(len(n), 6) + 2 for n in names}
    print("model".ljust(22) + "".join(n.rjust(widths[n]) for n in names))
    for row in rows:
        print(row["model"].ljust(22) + "".join(_cell(n, row[n]).rjust(widths[n]) for n in names))
    if len(rows) > 1:
        means = {n: statistics.fmean(row[n] for row in rows) for n in names}
        print("mean".ljust(22) + "".join(_cell(n, means[n]).rjust(widths[n]) for n in names))
    return 0


def _cell(name: str, value: float) -> str:
    if name in COUNTS:
        return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())

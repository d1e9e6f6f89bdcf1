"""Running the model and the two baselines over a gold set, and printing the table."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from detector.core import Detector
from detector.evaluate import Prediction, score
from detector.results import Verdict
from detector.training import corpora
from detector.training.baselines import OBVIOUS_AD_WORDS, DocumentTfidfBaseline, KeywordBaseline
from detector.training.examples import GoldDocument

__all__ = ["TARGETS", "evaluate_all", "format_table", "predict", "predict_record"]

#: The quality targets (issue: detection quality); checked on the dev benchmark.
TARGETS = {
    "document F1": (">=", 0.95),
    "clean FPR": ("<=", 0.01),
    "hard-negative FPR": ("<=", 0.03),
    "span F1 (chars)": (">=", 0.85),
    "stock-margin recall": (">=", 0.98),
}


def predict(detector: Detector, text: str) -> Prediction:
    """The model's prediction on ``text`` scanned as it is (training chooses the
    localizer's parameters on these)."""
    return _prediction(detector.scan(text))


def predict_record(detector: Detector, text: str) -> Prediction:
    """The model's prediction on a gold record's ``text`` as ``detector scan``
    reports it for a record's field: a text holding HTML read by the text a reader
    sees, its findings put back on the markup (:func:`detector.scanning.scan_field`;
    no suppressions).  ``detector eval`` scores these."""
    from detector.scanning import scan_field

    return _prediction(scan_field(detector, text)[0])


def _prediction(verdict: Verdict) -> Prediction:
    return Prediction(
        verdict.is_spam,
        tuple((f.start, f.end, f.category) for f in verdict.findings),
        verdict.score,
    )


def evaluate_all(
    detector: Detector,
    gold: Sequence[Mapping[str, Any]],
    corpora_root: Path | None = None,
    training_documents: Sequence[GoldDocument] | None = None,
) -> dict[str, Any]:
    """Metrics for the model and, when their inputs are given, the baselines."""
    texts = [str(record["text"]) for record in gold]
    predictions = [predict_record(detector, t) for t in texts]
    results: dict[str, Any] = {"model": score(gold, predictions)}
    if corpora_root is not None:
        keyword = KeywordBaseline([*corpora.lexicon_words(corpora_root), *OBVIOUS_AD_WORDS])
        results["keyword"] = score(gold, [keyword.predict(t) for t in texts])
    if training_documents:
        tfidf = DocumentTfidfBaseline(training_documents)
        results["document_tfidf"] = score(gold, tfidf.predict_many(texts))
    return results


def _rows(metrics: Mapping[str, Any]) -> dict[str, float | None]:
    span = metrics["span"] or {}
    rows: dict[str, float | None] = {
        "document precision": metrics["document"]["precision"],
        "document recall": metrics["document"]["recall"],
        "document F1": metrics["document"]["f1"],
        "clean FPR": metrics["false_positive_rate"]["clean"],
        "hard-negative FPR": metrics["false_positive_rate"]["hard_negative"],
        "span precision (chars)": span.get("precision"),
        "span recall (chars)": span.get("recall"),
        "span F1 (chars)": span.get("f1"),
        "span exact match": span.get("exact_match"),
        "category accuracy": (metrics.get("category") or {}).get("accuracy"),
    }
    for category, value in metrics["recall_by_category"].items():
        rows[f"{category} recall"] = value
    for recipe, value in metrics["recall_by_recipe"].items():
        rows[f"recipe {recipe} recall"] = value
    # Model cards written before the origins were recorded have none.
    for origin, value in metrics.get("recall_by_origin", {}).items():
        rows[f"origin {origin} recall"] = value
    return rows


def format_table(results: Mapping[str, Any]) -> str:
    """A fixed-width table: one row per metric, one column per system (the
    model's followed by its 95 % interval, where the metric is a rate over
    documents), plus the target and whether the model meets it."""
    systems = list(results)
    tables = {name: _rows(results[name]) for name in systems}
    names = list(tables["model"])
    intervals = results["model"].get("intervals", {})
    header = f"{'metric':<34}"
    for system in systems:
        header += f"{system:>16}" + (f"{'95% interval':>16}" if system == "model" else "")
    header += f"{'target':>10}  ok"
    lines = [header, "-" * len(header)]
    for name in names:
        cells = ""
        for system in systems:
            value = tables[system].get(name)
            cells += f"{'-' if value is None else f'{value:.4f}':>16}"
            if system == "model":
                bounds = intervals.get(name)
                cells += f"{'-' if bounds is None else f'{bounds[0]:.3f}-{bounds[1]:.3f}':>16}"
        target = TARGETS.get(name)
        mark = ""
        if target is not None:
            op, bound = target
            value = tables["model"][name]
            ok = value is not None and (value >= bound if op == ">=" else value <= bound)
            mark = f"{op + format(bound, 'g'):>10}  {'yes' if ok else 'NO'}"
        lines.append(f"{name:<34}{cells}{mark}")
    counts = results["model"]
    rates = counts["false_positive_rate"]
    lines.append(
        f"documents: {counts['documents']} (clean {rates['clean_documents']},"
        f" hard-negative {rates['hard_negative_documents']})"
    )
    if counts.get("calibration"):
        lines += ["", *format_calibration(counts["calibration"])]
    return "\n".join(lines)


def format_calibration(table: Mapping[str, Any]) -> list[str]:
    """The model's calibration table: per band of document score, the documents,
    their mean score and the share of them that hold an ad."""
    lines = [
        "calibration (documents by score: is a score the chance of an ad?)",
        f"{'score':<14}{'documents':>10}{'mean score':>12}{'ad share':>10}{'95% interval':>16}",
    ]
    for band in table["bands"]:
        name = f"{band['low']:g}-{band['high']:g}"
        if band["documents"]:
            low, high = band["interval"]
            interval = f"{low:.3f}-{high:.3f}"
            cells = f"{band['mean_score']:>12.3f}{band['ad_share']:>10.3f}{interval:>16}"
        else:
            cells = f"{'-':>12}{'-':>10}{'-':>16}"
        lines.append(f"{name:<14}{band['documents']:>10}{cells}")
    lines.append(f"Brier score {table['brier']:.4f}")
    return lines


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

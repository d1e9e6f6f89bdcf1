"""Metrics for ``detector eval``: documents, characters, categories, recipes,
the origins of the ads' wording, with 95 % intervals for the document-level
rates.

Pure functions over gold records and predictions, so any detector (the model, or
a baseline) is scored the same way.  A prediction is ``(is_spam, spans)`` with
spans as ``(start, end, category)`` in the gold text's offsets; ``spans`` is None
for detectors that only judge whole documents.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CALIBRATION_EDGES", "Prediction", "calibration", "score", "wilson_interval"]


@dataclass(frozen=True)
class Prediction:
    is_spam: bool
    spans: tuple[tuple[int, int, str], ...] | None
    # The document's score (0..1), for detectors that give one: the calibration
    # table compares it with how often documents so scored hold an ad.
    score: float | None = None
    # Whether the spans' categories are the detector's (a keyword filter's spans
    # name none): the category figures count only detectors that name them.
    named: bool = True


#: Score bands of the calibration table (the last one includes 1.0).  0.3 is the
#: shipped model's *review* threshold: documents under it have no finding.
CALIBRATION_EDGES = (0.0, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0)


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def wilson_interval(hits: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval (95 % for ``z`` 1.96) of the rate ``hits /
    total``; None without trials.  A dev set has tens of documents per category:
    a recall of 0.9 on 79 of them is anything from 0.81 to 0.95."""
    if total <= 0:
        return None
    rate = hits / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def calibration(
    labels: Sequence[bool], scores: Sequence[float], edges: Sequence[float] = CALIBRATION_EDGES
) -> dict[str, Any]:
    """How well scores work as probabilities: per score band, the documents in it,
    their mean score and the share of them that hold an ad (with its 95 %
    interval); and the Brier score (mean squared difference of score and label)
    over all documents.  A calibrated detector's mean score and share agree in
    every band, at the gold set's own share of ads."""
    bands = []
    for i, (low, high) in enumerate(itertools.pairwise(edges)):
        last = i == len(edges) - 2
        inside = [
            (label, value)
            for label, value in zip(labels, scores, strict=True)
            if low <= value < high or (last and value == high)
        ]
        ads = sum(label for label, _ in inside)
        bands.append(
            {
                "low": low,
                "high": high,
                "documents": len(inside),
                "mean_score": sum(v for _, v in inside) / len(inside) if inside else None,
                "ad_share": _ratio(ads, len(inside)) if inside else None,
                "interval": wilson_interval(ads, len(inside)),
            }
        )
    brier = sum((v - label) ** 2 for label, v in zip(labels, scores, strict=True))
    return {"bands": bands, "brier": brier / len(labels) if labels else None}


def _chars(spans: Sequence[tuple[int, int]]) -> set[int]:
    out: set[int] = set()
    for start, end in spans:
        out.update(range(start, end))
    return out


def _named(
    gold: Sequence[tuple[int, int, str]], predicted: Sequence[tuple[int, int, str]]
) -> list[tuple[str, bool]]:
    """For each gold span that a predicted span overlaps: its category, and
    whether the predicted span that overlaps it most names that category."""
    out = []
    for start, end, category in gold:
        overlap, named = max(
            ((min(end, e) - max(start, s), c) for s, e, c in predicted), default=(0, "")
        )
        if overlap > 0:
            out.append((category, named == category))
    return out


def score(gold: Sequence[Mapping[str, Any]], predictions: Sequence[Prediction]) -> dict[str, Any]:
    """All metrics as one JSON-ready dict.  A gold record is positive when its
    ``is_spam`` says so (else when it has ``spans``); one labelled as a whole
    (``spans_known`` false) counts in the document figures, its ``category`` in
    the recall by category, and not in the span figures.  The category figures
    are over the gold spans a prediction found (overlapped): the share whose
    most overlapping predicted span names their category."""
    tp = fp = fn = tn = 0
    clean_total = clean_flagged = hard_total = hard_flagged = 0
    char_tp = char_pred = char_gold = 0
    has_spans = all(p.spans is not None for p in predictions)
    names_categories = has_spans and all(p.named for p in predictions)
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_recipe: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_origin: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    exact_total = exact_hits = 0
    named: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record, prediction in zip(gold, predictions, strict=True):
        spans = [(int(s["start"]), int(s["end"]), str(s["category"])) for s in record["spans"]]
        positive = bool(record.get("is_spam", spans))
        kind = str(record.get("kind", "injected" if positive else "clean"))
        if positive and prediction.is_spam:
            tp += 1
        elif positive:
            fn += 1
        elif prediction.is_spam:
            fp += 1
        else:
            tn += 1
        if kind == "clean":
            clean_total += 1
            clean_flagged += prediction.is_spam
        elif kind == "hard-negative":
            hard_total += 1
            hard_flagged += prediction.is_spam
        for category in [s[2] for s in spans[:1]] or ([record["category"]] if positive else []):
            by_category[category][0] += 1
            by_category[category][1] += prediction.is_spam
        if positive:
            recipe = str(record.get("recipe") or "unknown")
            by_recipe[recipe][0] += 1
            by_recipe[recipe][1] += prediction.is_spam
            if record.get("origin"):  # the dev benchmark's: grammar, spam line …
                origin = str(record["origin"])
                by_origin[origin][0] += 1
                by_origin[origin][1] += prediction.is_spam
        if prediction.spans is not None and record.get("spans_known", True):
            gold_chars = _chars([(s, e) for s, e, _ in spans])
            pred_chars = _chars([(s, e) for s, e, _ in prediction.spans])
            char_tp += len(gold_chars & pred_chars)
            char_pred += len(pred_chars)
            char_gold += len(gold_chars)
            if positive and kind != "seo":
                exact_total += len(spans)
                predicted = {(s, e) for s, e, _ in prediction.spans}
                exact_hits += sum((s, e) in predicted for s, e, _ in spans)
            for category, right in _named(spans, prediction.spans):
                named[category][0] += 1
                named[category][1] += right
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    result: dict[str, Any] = {
        "documents": len(gold),
        "document": {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        },
        "false_positive_rate": {
            "clean": _ratio(clean_flagged, clean_total),
            "clean_documents": clean_total,
            "hard_negative": _ratio(hard_flagged, hard_total),
            "hard_negative_documents": hard_total,
        },
        "recall_by_category": {k: _ratio(v[1], v[0]) for k, v in sorted(by_category.items())},
        "recall_by_recipe": {k: _ratio(v[1], v[0]) for k, v in sorted(by_recipe.items())},
        "recall_by_origin": {k: _ratio(v[1], v[0]) for k, v in sorted(by_origin.items())},
        "span": None,
        "category": None,
    }
    # 95 % intervals of the rates over documents (and, for the category accuracy,
    # over the gold spans found), keyed by the names the table prints them under.
    rates = {
        "document precision": (tp, tp + fp),
        "document recall": (tp, tp + fn),
        "clean FPR": (clean_flagged, clean_total),
        "hard-negative FPR": (hard_flagged, hard_total),
    }
    rates.update({f"{k} recall": (v[1], v[0]) for k, v in sorted(by_category.items())})
    rates.update({f"recipe {k} recall": (v[1], v[0]) for k, v in sorted(by_recipe.items())})
    rates.update({f"origin {k} recall": (v[1], v[0]) for k, v in sorted(by_origin.items())})
    found = sum(v[0] for v in named.values())
    hits = sum(v[1] for v in named.values())
    if found and names_categories:
        rates["category accuracy"] = (hits, found)
    result["intervals"] = {name: wilson_interval(*counts) for name, counts in rates.items()}
    scores = [p.score for p in predictions if p.score is not None]
    result["calibration"] = (
        calibration([bool(record.get("is_spam", record["spans"])) for record in gold], scores)
        if scores and len(scores) == len(predictions)
        else None
    )
    if has_spans:
        span_precision, span_recall = _ratio(char_tp, char_pred), _ratio(char_tp, char_gold)
        result["span"] = {
            "precision": span_precision,
            "recall": span_recall,
            "f1": _f1(span_precision, span_recall),
            "exact_match": _ratio(exact_hits, exact_total),
        }
    if names_categories:
        result["category"] = {
            "accuracy": hits / found if found else None,
            "spans": found,
            "by_category": {k: _ratio(v[1], v[0]) for k, v in sorted(named.items())},
        }
    return result

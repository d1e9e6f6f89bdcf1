"""Typed, immutable results returned by :meth:`detector.Detector.scan`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["THRESHOLD_NAMES", "FieldVerdicts", "Finding", "Verdict"]

#: Thresholds a caller may name instead of giving a number (``--threshold block``,
#: ``Detector(model, threshold="block")``): the model's own, which move when it is
#: retrained, where a number would keep the old model's meaning.
THRESHOLD_NAMES = ("review", "block")


@dataclass(frozen=True)
class Finding:
    """One injected span.

    ``start``/``end`` are half-open character offsets into the caller's original
    string, so ``original[start:end] == text`` always holds.  ``score`` is the
    calibrated probability (0..1) that the span is injected advertising and
    ``category`` names its kind (``stock-margin``, ``gambling``, ``contact`` …).
    """

    start: int
    end: int
    text: str
    score: float
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "category": self.category,
        }


@dataclass(frozen=True)
class Verdict:
    """The decision for one document.

    ``score`` is the highest finding score (0.0 without findings); ``is_spam`` is
    true when it reaches the model's *block* threshold.  ``findings`` holds every
    span at or above the *review* threshold (or the caller's own threshold),
    ordered by ``start``.
    """

    is_spam: bool
    score: float
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_spam": self.is_spam,
            "score": round(self.score, 4),
            "findings": [f.to_dict() for f in self.findings],
            "model_version": self.model_version,
        }


class FieldVerdicts:
    """Aggregates over a ``verdicts`` mapping (one verdict per scanned field),
    shared by the results of records, items and documents."""

    verdicts: Mapping[Any, Verdict]

    @property
    def flagged(self) -> bool:
        """True when any scanned field has at least one finding."""
        return any(v.findings for v in self.verdicts.values())

    @property
    def is_spam(self) -> bool:
        """True when any field's verdict reaches the model's block threshold."""
        return any(v.is_spam for v in self.verdicts.values())

    @property
    def score(self) -> float:
        """The highest finding score (0..1) over all fields, 0.0 without findings."""
        return max((v.score for v in self.verdicts.values()), default=0.0)

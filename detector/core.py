"""The detection pipeline: normalize → clauses → features → scores → spans → verdict.

Pure functions of the text and the model: no I/O besides loading a model, no
global state besides the cached default detector.  One ``Detector`` may be shared
by many threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from detector import features
from detector.localize import decode_spans, tagger_features
from detector.model import Head, Model, load_model
from detector.normalize import Normalized, normalize
from detector.results import Finding, Verdict
from detector.segment import split_clauses

__all__ = ["Detector", "default_model_path"]

_DEFAULT_LOCK = threading.Lock()
_DEFAULT: Detector | None = None
_MERGE_GAP = set(" \t,.;:!?、。")


def default_model_path() -> Path:
    return Path(str(resources.files("detector").joinpath("models/default/model.json")))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class _Span:
    start: int  # offsets into the normalized text
    end: int
    score: float
    category: str


class Detector:
    """Finds injected advertising in one text at a time.

    ``threshold`` (0..1) overrides the model's *review* threshold: spans scoring
    at least this much are reported.  ``is_spam`` always uses the model's *block*
    threshold, or ``threshold`` when that is higher.
    """

    def __init__(self, model: Model, threshold: float | None = None) -> None:
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, got {threshold}")
        self.model = model
        self.threshold = model.thresholds["review"] if threshold is None else threshold
        self.block_threshold = max(model.thresholds["block"], self.threshold)
        params = model.params
        self._bits = int(params["bits"])
        self._tagger_bits = int(params["tagger_bits"])
        low, high = params["char_ngrams"]
        self._ngrams = (int(low), int(high))
        self._classes = model.classes
        self._heads = model.heads

    @classmethod
    def default(cls) -> Detector:
        """The packaged model, loaded once per process on first use."""
        global _DEFAULT
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = cls(load_model(default_model_path()))
            return _DEFAULT

    @classmethod
    def from_path(cls, path: str | Path, threshold: float | None = None) -> Detector:
        """A detector for the model at ``path`` (directory, card or ``.npz``)."""
        return cls(load_model(path), threshold=threshold)

    @property
    def model_version(self) -> str:
        return self.model.version

    # -- scoring -----------------------------------------------------------------

    def _head_scores(
        self, head: Head, rows: np.ndarray, cols: np.ndarray, n_rows: int
    ) -> np.ndarray:
        assert head.idf is not None
        r, c, v = features.tfidf(rows, cols, n_rows, head.idf, self._bits)
        return features.linear_scores(r, c, v, n_rows, head.coef, head.intercept)

    def _document_score(self, char_cols: np.ndarray) -> float:
        """Probability that the whole text is a machine-written ad article."""
        logit = self._head_scores(self._heads["document"], np.zeros_like(char_cols), char_cols, 1)
        return float(_sigmoid(logit[0, 0]))

    def document_score(self, text: str) -> float:
        """The document head's score (0..1) for ``text`` as a whole."""
        norm = normalize(text)
        clauses = split_clauses(norm.text)
        _, cols = features.char_ngrams(
            features.codepoints(norm.text),
            features.row_ids(len(norm.text), clauses),
            self._ngrams,
            self._bits,
        )
        return self._document_score(cols)

    def _clause_scores(
        self,
        text: str,
        clauses: Sequence[tuple[int, int]],
        char_rows: np.ndarray,
        char_cols: np.ndarray,
        selected: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ad probability (0..1) and category probabilities of the selected clauses."""
        remap = np.full(len(clauses), -1, dtype=np.int64)
        remap[selected] = np.arange(len(selected))
        keep = remap[char_rows] >= 0
        rows = remap[char_rows[keep]]
        cols = char_cols[keep]
        spans = [clauses[i] for i in selected]
        word_rows, word_cols = features.word_features(text, spans, self._bits)
        rows = np.concatenate([rows, word_rows])
        cols = np.concatenate([cols, word_cols])
        clause = self._heads["clause"]
        assert clause.idf is not None
        r, c, v = features.tfidf(rows, cols, len(selected), clause.idf, self._bits)
        ad = _sigmoid(features.linear_scores(r, c, v, len(selected), clause.coef, clause.intercept))
        category = self._heads["category"]
        kinds = _softmax(
            features.linear_scores(r, c, v, len(selected), category.coef, category.intercept)
        )
        return ad[:, 0], kinds

    def _localize(
        self,
        norm: Normalized,
        codes: np.ndarray,
        clause: tuple[int, int],
        score: float,
        category: str,
    ) -> list[_Span]:
        start, end = clause
        # Only the clause's own characters: the tagger never looks outside it, and
        # arrays over the whole text made localizing N clauses cost O(N x length).
        positions = np.arange(end - start, dtype=np.int64)
        rows = np.zeros(end - start, dtype=np.int64)
        index, cols = tagger_features(codes[start:end], rows, positions, self._tagger_bits)
        head = self._heads["tagger"]
        logits = np.bincount(index, head.coef[cols].astype(np.float64), minlength=len(positions))
        probs = _sigmoid(logits + float(head.intercept[0]))
        spans = decode_spans(norm.text, start, probs)
        if not spans:
            spans = decode_spans(norm.text, start, np.ones(end - start))
        return [_Span(s, e, score, category) for s, e in spans]

    def scan(self, text: str) -> Verdict:
        """Find injected spans in ``text``; offsets index into ``text`` itself."""
        if not isinstance(text, str):
            raise TypeError(f"scan() needs str, got {type(text).__name__}")
        norm = normalize(text)
        clauses = split_clauses(norm.text)
        if not clauses:
            return Verdict(False, 0.0, (), self.model_version)
        codes = features.codepoints(norm.text)
        char_rows, char_cols = features.char_ngrams(
            codes, features.row_ids(len(norm.text), clauses), self._ngrams, self._bits
        )
        thresholds = self.model.thresholds

        doc_score = self._document_score(char_cols)

        pre = _sigmoid(
            self._head_scores(self._heads["prefilter"], char_rows, char_cols, len(clauses))[:, 0]
        )
        selected = np.flatnonzero(pre >= thresholds["prefilter"])
        if doc_score >= thresholds["document"]:
            selected = np.arange(len(clauses))
        spans: list[_Span] = []
        category_mass = np.zeros(len(self._classes))
        if len(selected):
            scores, kinds = self._clause_scores(norm.text, clauses, char_rows, char_cols, selected)
            category_mass = (kinds * scores[:, None]).sum(axis=0)
            best = 1 + kinds[:, 1:].argmax(axis=1)
            for i, score, cls in zip(selected, scores, best, strict=True):
                if score >= self.threshold:
                    spans.extend(
                        self._localize(norm, codes, clauses[i], float(score), self._classes[cls])
                    )
        if doc_score >= thresholds["document"] and doc_score >= self.threshold:
            category = self._classes[1 + int(category_mass[1:].argmax())]
            first, last = clauses[0][0], clauses[-1][1]
            spans = [_Span(first, last, doc_score, category)]
        findings = self._to_findings(text, norm, self._merge(norm.text, spans))
        top = max((f.score for f in findings), default=0.0)
        return Verdict(top >= self.block_threshold, top, tuple(findings), self.model_version)

    @staticmethod
    def _merge(text: str, spans: list[_Span]) -> list[_Span]:
        """Join neighbouring spans of one category separated only by punctuation
        or spaces (an appended promotion line split into clauses)."""
        merged: list[_Span] = []
        for span in sorted(spans, key=lambda s: s.start):
            if merged:
                last = merged[-1]
                gap = text[last.end : span.start]
                if (
                    last.category == span.category
                    and len(gap) <= 3
                    and all(ch in _MERGE_GAP for ch in gap)
                ):
                    merged[-1] = _Span(
                        last.start, span.end, max(last.score, span.score), last.category
                    )
                    continue
            merged.append(span)
        return merged

    @staticmethod
    def _to_findings(text: str, norm: Normalized, spans: list[_Span]) -> list[Finding]:
        findings: list[Finding] = []
        for span in spans:
            start, end = norm.to_original(span.start, span.end)
            if findings and start < findings[-1].end:
                # One original character became several normalized ones (NFKC of
                # "㌇" is five katakana) and a span boundary fell inside them: both
                # spans map to that character.  Join them so findings never overlap.
                last = findings[-1]
                start, end = last.start, max(end, last.end)
                best = last if last.score >= span.score else span
                findings[-1] = Finding(start, end, text[start:end], best.score, best.category)
                continue
            findings.append(Finding(start, end, text[start:end], span.score, span.category))
        return findings

"""The detection pipeline: normalize → clauses → features → scores → spans → verdict.

Pure functions of the text and the model: no I/O besides loading a model, no
global state besides the cached default detector.  One ``Detector`` may be shared
by many threads.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from detector import cutout, features, words
from detector._arrays import consecutive_starts, ranges, run_sizes, run_starts
from detector._locks import ForkSafeLock
from detector.contacts import contact_clauses
from detector.greetings import greeting_spans
from detector.links import trusted_link_spans
from detector.localize import (
    best_spans,
    bigram_buckets,
    lm_logprob,
    lm_total,
    snap_to_runs,
    snap_to_words,
    split_at_separators,
    tagger_logits,
    trim_spans,
)
from detector.model import Model, ModelError, default_model_path, load_model
from detector.normalize import Normalized, cjk_ranges, end_of_marks, normalize, spaced_out
from detector.results import THRESHOLD_NAMES, Finding, Verdict
from detector.segment import (
    NEIGHBOUR_GAP,
    are_neighbours,
    clause_bounds,
    text_segments,
    windows,
)

__all__ = ["Detector", "default_model_path"]

_DEFAULT_LOCK = ForkSafeLock()
_DEFAULT: Detector | None = None
_MERGE_GAP = set(" \t,.;:!?、。")
# Texts are scanned in batches of about this many characters: memory stays
# bounded, and a batch's fixed cost (a few hundred NumPy calls, the trie walk of
# the word cut) is spread over a CLI chunk (64 files of news) at once; 32 K
# batches took ~9 % more CPU on the 5 MB bench corpus.
_BATCH_CHARS = 1 << 17
# A longer text is scanned a segment of at most this many characters at a time
# (Detector._scan_long).  Whole, a 5 M-character text took 580 MB and 2.6 s;
# in segments, 121 MB and 2.1 s, with the same findings.
_LONG_TEXT_CHARS = 1 << 17
# The stacking weights a model may have: clause logit, span evidence and intercept,
# a fourth for Detector.reachable (from model 2026.12.05-e92a0a3e on) and a fifth
# for Detector.spaced (from 2026.12.05-78b8c660 on).
_STACK_SIZES = (3, 4, 5)
# A spaced-out stretch is at least this many characters each apart from the next
# in the original (normalize.spaced_out; news has none longer than six), and a
# unit holding at least _SPACED_CHARS of its characters is spaced out
# (Detector.spaced): a clause cut from such a stretch by its own punctuation
# (`仅·剩·7·个·名·额·，·独·家`) is spaced out too.
_SPACED_STRETCH = 7
_SPACED_CHARS = 4
# A clause holding a link, phone number or handle is assessed when its prefilter
# score reaches this share of the prefilter's bar (Detector._assessed).
_CONTACT_BAR = 0.1
# A clause next to an assessed one (a bridge's other half) is assessed when its
# prefilter score reaches this share of the prefilter's bar (Detector._assessed).
_PARTNER_BAR = 0.3
# A clause without a Chinese character is assessed only when it holds at least
# this many digits (a phone or QQ number, spaced or not) or a link, phone number
# or handle (Detector._assessed).
_LATIN_DIGITS = 5
# The localizer's evidence is a sum over characters, so a run of digits gathered
# evidence in proportion to its length: a 19-digit donation account, or price
# levels scraped together (`关注：134513501355`), read as more of an ad than a
# phone number.  The shape of a contact number shows in its first digits (a QQ
# number has 5 to 11); past this many, a digit adds no evidence (it can take
# some away).
_DIGIT_RUN_EVIDENCE = 8
# News with an ad in it, for Detector.warm_up: every stage of a scan runs.
_WARM_UP_TEXT = "强化金融精准有效服务杨方线上配资股票,深化产融合作。加 微 信 abc12345 领取福利"


_ZERO = 0x30  # every digit, as features.codepoints folds them


def _cjk_and_digits(codes: np.ndarray, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per ``[start, end)`` row of ``spans``, how many Chinese characters and how
    many digits of ``codes`` it holds (only the spans' positions are read)."""
    positions, owner = ranges(spans[:, 0], spans[:, 1] - spans[:, 0])
    inside = codes[positions]
    cjk = np.zeros(len(inside), dtype=bool)
    for low, high in cjk_ranges():
        cjk |= (inside >= low) & (inside <= high)
    return (
        np.bincount(owner, weights=cjk, minlength=len(spans)),
        np.bincount(owner, weights=inside == _ZERO, minlength=len(spans)),
    )


def _resolve_threshold(model: Model, threshold: float | str | None) -> float | None:
    """``threshold`` as a number: a name of :data:`THRESHOLD_NAMES` is the model's
    threshold of that name; a number must be within 0..1."""
    if isinstance(threshold, str):
        name = threshold.strip().lower()
        if name not in THRESHOLD_NAMES:
            raise ValueError(
                f"threshold must be within 0..1 or one of {', '.join(THRESHOLD_NAMES)};"
                f" got {threshold!r}"
            )
        return float(model.thresholds[name])
    if threshold is None:
        return None
    # Any real number (a NumPy float32 from a quantile, a Fraction), not a bool.
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a number or a name, got {type(threshold).__name__}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within 0..1, got {threshold}")
    return float(threshold)


def _cap_long_digit_runs(evidence: np.ndarray, codes: np.ndarray, rows: np.ndarray) -> None:
    """Per character of ``codes`` (digits folded to 0; ``rows``: the unit of
    each, never decreasing): no positive ``evidence`` past the first
    ``_DIGIT_RUN_EVIDENCE`` digits of a run of digits within one unit."""
    digits = (codes == _ZERO).nonzero()[0]
    if len(digits) <= _DIGIT_RUN_EVIDENCE:
        return
    # A new unit adds one to ``rows``, so ``digits + rows`` skips there.
    starts = consecutive_starts(digits + rows[digits])
    place = np.arange(len(digits)) - np.repeat(starts, run_sizes(starts, len(digits)))
    beyond = digits[place >= _DIGIT_RUN_EVIDENCE]
    evidence[beyond] = np.minimum(evidence[beyond], 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0)))


def _scaled(total: np.ndarray, squares: np.ndarray) -> np.ndarray:
    """``total / sqrt(squares)``, 0 where ``squares`` is 0 (a row without n-grams)."""
    return np.divide(total, np.sqrt(squares), out=np.zeros_like(total), where=squares > 0)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


class Cuts(NamedTuple):
    """Spans of a text that its scan judged the findings holding them without
    (:meth:`Detector.cuts`)."""

    #: Links to trusted sites: cut out of the findings (:mod:`detector.links`).
    links: list[tuple[int, int]]
    #: Greetings: left in the findings, not weighed (:mod:`detector.greetings`).
    greetings: list[tuple[int, int]]


@dataclass(frozen=True)
class _Span:
    start: int  # offsets into the normalized text
    end: int
    score: float
    category: str


@dataclass(frozen=True)
class _Located:
    """Candidate spans of some clauses, before they are finished for reporting."""

    clauses: np.ndarray  # (n, 2) normalized bounds
    offsets: np.ndarray  # where each clause's characters begin in ``evidence``
    evidence: np.ndarray  # per character: ad evidence (positive) or news
    local: list[list[tuple[int, int]]]  # best spans, relative to each clause
    # The one with the most evidence of each clause (None: no spans).
    best: list[tuple[int, int] | None]
    # Words of each clause's digit-folded text (cut for the clause head), or None.
    words: list[list[str]] | None = None


@dataclass(frozen=True)
class _Bridges:
    """Units that join the best spans of two neighbouring clauses across the
    punctuation between them (see ``Detector._bridges``), scored."""

    units: np.ndarray  # (n, 2) normalized bounds
    left: np.ndarray  # index of each one's first clause; the second is the next
    ad: np.ndarray  # clause-head probability
    kinds: np.ndarray  # category probabilities
    strength: np.ndarray  # the evidence of each one's stretch between its spans


class Detector:
    """Finds injected advertising in one text at a time.

    ``threshold`` (0..1, or ``"review"`` or ``"block"`` for the model's own)
    overrides the model's *review* threshold: spans scoring at least this much are
    reported.  ``is_spam`` always uses the model's *block*
    threshold, or ``threshold`` when that is higher.
    """

    def __init__(self, model: Model, threshold: float | str | None = None) -> None:
        threshold = _resolve_threshold(model, threshold)
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
        self._l2 = params.get("norm", "l2") == "l2"  # the clause and category heads
        self._tagger_weight = float(params.get("tagger_weight", 0.5))
        self._span_cost = float(params.get("span_cost", 2.0))
        self._char_cost = float(params.get("char_cost", 1.0))
        self._words = bool(params.get("words", True))  # jieba words in the clause heads
        self._window = int(params.get("window", 0))  # 0: clauses are scored whole
        # Characters of context each side of a clause's best span, scored as one
        # more unit of the clause (0: no such unit).
        self._focus = int(params.get("focus", 0))
        # An article with this many ad clauses, making up this share of its
        # clauses, is a machine-written ad article (reported whole).
        self._article_clauses = int(params.get("article_clauses", 1 << 30))
        self._article_share = float(params.get("article_share", 1.0))
        stack = params.get("stack")
        self._stack = None if stack is None else tuple(float(x) for x in stack)
        if self._stack is not None and len(self._stack) not in _STACK_SIZES:
            # A newer model's stacking weighs inputs this version does not compute:
            # scoring without them would be wrong without saying so.
            raise ModelError(
                f"{model.version}: its stacking has {len(self._stack)} weights, this version"
                f" of detector knows {' or '.join(map(str, _STACK_SIZES))}; upgrade detector"
            )
        # The document head and the prefilter read linear-tf tf-idf of char
        # n-grams scaled by occurrences (see _char_head_scores): per bucket their
        # idf squared and idf x coefficient, side by side, so one gather fetches
        # all four.  The products are float32, and so is the table (8 MB, shared by
        # workers): the gather is the slow part, and the float64 segment sums of
        # float32 values are exact, so the scores do not depend on their order.
        if params.get("char_norm") != "occurrence-l2":
            raise ModelError(
                f"{model.version}: the document and prefilter heads of this model use an"
                " older feature scaling; retrain it with this version (detector train)"
            )
        document, prefilter = self._heads["document"], self._heads["prefilter"]
        assert document.idf is not None and prefilter.idf is not None
        # Written column by column into the float32 table: stacking the four
        # columns first took ~17 ms of every start, this ~1.5 ms.
        self._char_weights = np.empty((len(document.idf), 4), dtype=np.float32)
        for column, head in enumerate((document, prefilter)):
            assert head.idf is not None
            np.square(head.idf, out=self._char_weights[:, 2 * column], casting="same_kind")
            np.multiply(
                head.idf, head.coef, out=self._char_weights[:, 2 * column + 1], casting="same_kind"
            )
        self._char_unigrams = features.char_unigram_table(
            self._char_weights, self._ngrams, self._bits
        )
        self._char_intercepts = (float(document.intercept[0]), float(prefilter.intercept[0]))
        self._lm_totals = {}
        for name in ("ad_lm", "news_lm"):
            history = self._heads[name].idf
            assert history is not None
            self._lm_totals[name] = lm_total(history)

    def with_threshold(self, threshold: float | str | None) -> Detector:
        """This detector reporting spans from ``threshold`` (0..1) on; ``None``:
        this detector.  The model and the tables built from it are shared, so
        this costs microseconds, where a new ``Detector`` builds its tables again
        (an 8 MB array and ~2 ms for the packaged model)."""
        threshold = _resolve_threshold(self.model, threshold)
        if threshold is None:
            return self
        derived = copy.copy(self)
        derived.threshold = threshold
        derived.block_threshold = max(self.model.thresholds["block"], threshold)
        return derived

    @classmethod
    def default(cls) -> Detector:
        """The packaged model, loaded once per process on first use."""
        global _DEFAULT
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = cls(load_model(default_model_path()))
            return _DEFAULT

    @classmethod
    def from_path(cls, path: str | Path, threshold: float | str | None = None) -> Detector:
        """A detector for the model at ``path`` (directory, card or ``.npz``)."""
        return cls(load_model(path), threshold=threshold)

    @property
    def model_version(self) -> str:
        return self.model.version

    # -- scoring -----------------------------------------------------------------

    def _char_head_scores(
        self, codes: np.ndarray, clauses: np.ndarray, clause_text: np.ndarray, n_texts: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Document head scores (0..1) per text and prefilter scores per clause,
        from the char n-grams of ``clauses`` (clause ``k`` belongs to text
        ``clause_text[k]``).

        Both heads read linear-tf tf-idf divided by the root of the sum of idf
        squared over the row's n-gram occurrences (the l2 norm when no n-gram
        repeats), so a row's decision value is a sum of idf x coefficient over
        its n-grams divided by the root of a sum of idf squared: sums over the
        n-grams, with no need to find which repeat (no sort), and a text's sums
        are those of its clauses."""
        sums = features.char_ngram_sums(
            codes, clauses, self._char_weights, self._ngrams, self._bits, self._char_unigrams
        )
        text_sums = np.empty((n_texts, 2))
        for k in range(2):
            text_sums[:, k] = np.bincount(clause_text, sums[:, k], minlength=n_texts)
        document, prefilter = self._char_intercepts
        return (
            _sigmoid(_scaled(text_sums[:, 1], text_sums[:, 0]) + document),
            _sigmoid(_scaled(sums[:, 3], sums[:, 2]) + prefilter),
        )

    def _char_scores(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(clause bounds, document score, prefilter score per clause) of one
        normalized text, given as its code points."""
        clauses = clause_bounds(codes)
        document, prefilter = self._char_head_scores(
            codes, clauses, np.zeros(len(clauses), dtype=np.int64), 1
        )
        return clauses, document, prefilter

    def segments(self, text: str) -> list[tuple[int, int]]:
        """The ``[start, end)`` bounds of the segments ``text`` is scanned in, each
        judged as a text of its own (one for a text of at most 131,072
        characters; see ``_scan_long``)."""
        return text_segments(text, _LONG_TEXT_CHARS)

    def document_score(self, text: str) -> float:
        """The document head's score (0..1) for ``text`` as a whole."""
        return float(self._char_scores(features.codepoints(normalize(text).text))[1][0])

    @staticmethod
    def _unit_word_features(
        units: np.ndarray,
        owner: np.ndarray,
        clauses: np.ndarray,
        clause_cuts: list[list[str]],
        bits: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(unit, bucket) pairs of the words of each unit: the words of its
        clause (``clauses[owner[i]]``, cut whole as ``clause_cuts``, from its
        digit-folded text) that lie inside it, so one segmentation serves a
        clause, its windows and its spans, and a unit's edge never invents a word
        the clause does not have."""
        flat = [word for cut in clause_cuts for word in cut]
        counts = np.array([len(cut) for cut in clause_cuts], dtype=np.int64)
        lengths = np.array([len(word) for word in flat], dtype=np.int64)
        # Where each word ends in the text: the words of a clause cover it in order.
        clause_sizes = clauses[:, 1] - clauses[:, 0]
        shift = clauses[:, 0] - (clause_sizes.cumsum() - clause_sizes)
        ends = lengths.cumsum() + shift.repeat(counts)
        # (clause, position) keys of the words' bounds increase along ``flat``,
        # so the words inside a unit are the run from the first one starting
        # at or after its start to the last one ending at or before its end.
        stride = int(max(units[:, 1].max(initial=0), clauses[:, 1].max(initial=0))) + 1
        word_clause = np.arange(len(clauses), dtype=np.int64).repeat(counts) * stride
        low = (word_clause + ends - lengths).searchsorted(owner * stride + units[:, 0])
        high = (word_clause + ends).searchsorted(owner * stride + units[:, 1], side="right")
        sizes = np.maximum(high - low, 0)
        index, rows = ranges(low, sizes)
        useful = [features.is_word_feature(word) for word in flat]
        buckets = np.full(len(flat), -1, dtype=np.int64)
        buckets[useful] = features.word_buckets(list(itertools.compress(flat, useful)), bits)
        keep = np.array(useful, dtype=bool)[index]
        return rows[keep], buckets[index[keep]]

    def _unit_tfidf(
        self,
        text: str,
        units: np.ndarray,
        owner: np.ndarray,
        first: np.ndarray,
        cut: tuple[np.ndarray, list[list[str]]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[str]] | None]:
        """The clause heads' tf-idf rows (row, column, value) of each ``[start,
        end)`` of ``text`` in ``units`` (which may overlap; ``owner`` numbers each
        unit's clause, ``first`` is each clause's own unit), scored as a clause;
        and the words of each clause's digit-folded text (None without words).
        ``cut``: the bounds and words of the clauses ``owner`` numbers, cut
        already (``first`` is then not read: their units need not be scored)."""
        pieces = [text[start:end] for start, end in units.tolist()]
        gathered = "\n".join(pieces)
        sizes = units[:, 1] - units[:, 0]
        starts = (sizes + 1).cumsum() - sizes - 1
        spans = np.stack([starts, starts + sizes], axis=1)
        rows, cols = features.char_ngrams(
            features.codepoints(gathered),
            features.row_ids(len(gathered), spans),
            self._ngrams,
            self._bits,
        )
        cuts = None
        if self._words:
            if cut is None:
                clauses = units[first]
                cuts = words.cut_many([features.fold_digits(pieces[j]) for j in first.tolist()])
            else:
                clauses, cuts = cut
            word_rows, word_cols = self._unit_word_features(units, owner, clauses, cuts, self._bits)
            rows = np.concatenate([rows, word_rows])
            cols = np.concatenate([cols, word_cols])
        clause = self._heads["clause"]
        assert clause.idf is not None
        r, c, v = features.tfidf(rows, cols, len(units), clause.idf, self._bits, self._l2)
        return r, c, v, cuts

    def _ad_probability(
        self, r: np.ndarray, c: np.ndarray, v: np.ndarray, n_rows: int
    ) -> np.ndarray:
        clause = self._heads["clause"]
        return _sigmoid(features.linear_scores(r, c, v, n_rows, clause.coef, clause.intercept))[
            :, 0
        ]

    def _span_categories(
        self, text: str, spans: np.ndarray, clause: np.ndarray, located: _Located
    ) -> list[str]:
        """The category of each ``[start, end)`` row of ``spans`` (of normalized
        ``text``), a span of clause ``clause[i]`` of ``located``: the category
        head's over the span's own text (the clause's words inside it).  The
        clause's best unit (a window, the focus with its context) leans on the
        host's words: a QQ group spliced into a sentence about bank lending was
        named `loan`.  On the dev benchmark's found spans, category accuracy
        0.869 → 0.894 (on two more training seeds' models 0.878 → 0.903 and
        0.870 → 0.892)."""
        if not len(spans):
            return []
        index = np.arange(len(spans))
        cut = None
        if located.words is not None:
            cut = located.clauses[clause], [located.words[i] for i in clause.tolist()]
        r, c, v, _ = self._unit_tfidf(text, spans, index, index, cut)
        return [
            self._classes[1 + k]
            for k in self._categories(r, c, v, index, len(spans))[:, 1:].argmax(axis=1).tolist()
        ]

    def _units(self, clauses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What is scored for ``clauses``: (units, index of each unit's clause,
        index of each clause's own unit, which comes first among its units)."""
        if not self._window:
            index = np.arange(len(clauses))
            return clauses, index, index
        units, owner = windows(clauses, self._window, max(1, self._window // 2))
        return units, owner, run_starts(owner)

    def _focus_units(self, located: _Located) -> tuple[np.ndarray, np.ndarray]:
        """The best span of each clause of ``located`` that has one, widened by
        ``focus`` characters each side within its clause: (units, clause index of
        each).  An ad spliced into a long sentence is the span; the few characters
        around it are the context the clause head was trained to read."""
        units: list[tuple[int, int]] = []
        owner: list[int] = []
        if not self._focus:
            return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
        for i, ((start, end), best) in enumerate(
            zip(located.clauses.tolist(), located.best, strict=True)
        ):
            if best is not None:
                s, e = best
                units.append(
                    (max(start, start + s - self._focus), min(end, start + e + self._focus))
                )
                owner.append(i)
        return np.asarray(units, dtype=np.int64).reshape(-1, 2), np.asarray(owner, dtype=np.int64)

    def _scored_units(
        self, clauses: np.ndarray, located: _Located | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_units` plus, given ``located``, the focus unit of each clause
        with a candidate span."""
        units, owner, first = self._units(clauses)
        if located is not None:
            extra, extra_owner = self._focus_units(located)
            units = np.concatenate([units, extra])
            owner = np.concatenate([owner, extra_owner])
        return units, owner, first

    def _clause_scores(
        self, text: str, clauses: np.ndarray, located: _Located | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[list[str]] | None, np.ndarray]:
        """Ad probability and category probabilities of each clause: those of the
        best-scoring of the clause, its windows and (given ``located``, the
        clauses' candidate spans) the focus on its best span; the words of each
        clause's digit-folded text (None without word features); and the bounds
        of each clause's best unit."""
        units, owner, first = self._scored_units(clauses, located)
        r, c, v, clause_cuts = self._unit_tfidf(text, units, owner, first)
        ad = self._ad_probability(r, c, v, len(units))
        # The best unit of each clause: sort by (clause, score) and take the last
        # (of equal scores, the one listed last).
        order = np.lexsort((ad, owner))
        runs = run_starts(owner[order])
        best = order[runs + run_sizes(runs, len(order)) - 1]
        return ad[best], self._categories(r, c, v, best, len(units)), clause_cuts, units[best]

    def _categories(
        self, r: np.ndarray, c: np.ndarray, v: np.ndarray, chosen: np.ndarray, n_rows: int
    ) -> np.ndarray:
        """Category probabilities of the rows ``chosen`` (in that order) of the
        tf-idf rows (r, c, v) of ``n_rows`` units: the head runs on those only."""
        remap = np.full(n_rows, -1, dtype=np.int64)
        remap[chosen] = np.arange(len(chosen))
        keep = remap[r] >= 0
        category = self._heads["category"]
        return _softmax(
            features.linear_scores(
                remap[r[keep]], c[keep], v[keep], len(chosen), category.coef, category.intercept
            )
        )

    def _bridges(self, text: str, codes: np.ndarray, located: _Located) -> _Bridges | None:
        """An ad with punctuation inside (``快来抢购，免费领独家研报``) spliced into
        a sentence is two clauses, each half ad and half news, and neither half
        reads as much of an ad as the whole.  Where the best spans of two
        neighbouring clauses (``segment.are_neighbours``) reach the punctuation
        between them (each within ``focus`` characters of it: their focus units
        meet), the unit from the first span to the second, with ``focus``
        characters of context each side, is scored as one more unit of both
        clauses, its evidence that of the stretch from the first span's start
        to the second's end, read as one (``codes``: the code points of
        ``text``): the punctuation and the character pairs across it count, as
        they do in an ad scanned whole.  None when no clauses qualify.  (The
        gaps are checked in NumPy first: most clauses a batch assesses have no
        assessed neighbour.)"""
        clauses = located.clauses
        if not self._focus or len(clauses) < 2:
            return None
        gaps = clauses[1:, 0] - clauses[:-1, 1]
        candidates = ((gaps > 0) & (gaps <= NEIGHBOUR_GAP)).nonzero()[0].tolist()
        units: list[tuple[int, int]] = []
        stretches: list[tuple[int, int]] = []
        left: list[int] = []
        for k in candidates:
            (start, end), (next_start, next_end) = clauses[k].tolist(), clauses[k + 1].tolist()
            first, second = located.best[k], located.best[k + 1]
            if (
                first is None
                or second is None
                or end - start - first[1] > self._focus
                or second[0] > self._focus
                or not are_neighbours(text, end, next_start)
            ):
                continue
            units.append(
                (
                    start + max(0, first[0] - self._focus),
                    next_start + min(next_end - next_start, second[1] + self._focus),
                )
            )
            stretches.append((start + first[0], next_start + second[1]))
            left.append(k)
        if not units:
            return None
        bounds = np.array(units, dtype=np.int64)
        index = np.arange(len(units))
        r, c, v, _ = self._unit_tfidf(text, bounds, index, index)
        evidence, offsets = self._char_evidence(codes, np.array(stretches, dtype=np.int64))
        strength = np.maximum(np.add.reduceat(evidence, offsets), 0.0)
        return _Bridges(
            bounds,
            np.array(left, dtype=np.int64),
            self._ad_probability(r, c, v, len(units)),
            self._categories(r, c, v, index, len(units)),
            strength,
        )

    def _combine(
        self,
        clause: np.ndarray,
        strength: np.ndarray,
        reachable: np.ndarray,
        spaced: np.ndarray | None = None,
    ) -> np.ndarray:
        """The reported score: the clause head's probability combined with the
        localizer's evidence for its best span and (a fourth and a fifth
        stacking weight, where the model has them) whether the unit holds a way
        to reach someone (``reachable``, see :meth:`reachable`) and whether it is
        spaced out (``spaced``, see :meth:`spaced`; None: not), by the model's
        stacking weights (fitted on validation clauses); the clause probability
        alone without them."""
        if self._stack is None:
            return clause
        a, b, c, *indicators = self._stack
        p = np.clip(clause, 1e-9, 1 - 1e-9)
        logit = a * np.log(p / (1 - p)) + b * np.log1p(strength) + c
        if indicators:
            logit = logit + indicators[0] * reachable
        if len(indicators) > 1 and spaced is not None:
            logit = logit + indicators[1] * spaced
        return _sigmoid(logit)

    @property
    def reads_reach(self) -> bool:
        """Whether the model's scores depend on :meth:`reachable` (a fourth
        stacking weight)."""
        return self._stack is not None and len(self._stack) > 3

    @property
    def reads_spaced(self) -> bool:
        """Whether the model's scores depend on :meth:`spaced` (a fifth stacking
        weight)."""
        return self._stack is not None and len(self._stack) > 4

    def spaced(self, text: str, units: np.ndarray) -> np.ndarray:
        """Per ``[start, end)`` row of ``units`` (offsets into ``text`` once
        normalized, as ``clause_evidence(text)`` gives them): whether it is
        spaced out, holding ``_SPACED_CHARS`` or more characters of a stretch
        of the original in which each character stood apart from the next
        (:func:`detector.normalize.spaced_out`).  Normalization folds
        `转·发·本·文·领·取·选·股·神·器` into plain words for the heads, which then
        read only wording they may never have seen; that it was written apart
        is what news never does, and the stacking weighs it.  All False for a
        model without that weight; such a unit is assessed whatever its
        prefilter score."""
        units = np.asarray(units, dtype=np.int64).reshape(-1, 2)
        return self._spaced(self._spaced_prefix(normalize(text), text), units)

    def _spaced_prefix(self, norm: Normalized, original: str) -> np.ndarray | None:
        """Running count of the spaced-out characters of ``norm``, normalized
        from ``original`` (length + 1, from 0), for :meth:`_spaced`; None for a
        model that does not read it."""
        if not self.reads_spaced:
            return None
        member = spaced_out(norm, original, _SPACED_STRETCH)
        prefix = np.zeros(len(member) + 1, dtype=np.int64)
        np.cumsum(member, out=prefix[1:])
        return prefix

    @staticmethod
    def _stretches(prefix: np.ndarray | None, unit: np.ndarray) -> list[tuple[int, int]]:
        """The spaced-out stretches inside ``unit`` (one ``[start, end)`` row),
        given :meth:`_spaced_prefix`, when it is spaced out (see :meth:`spaced`)."""
        if prefix is None:
            return []
        start, end = int(unit[0]), int(unit[1])
        if prefix[end] - prefix[start] < _SPACED_CHARS:
            return []
        member = np.zeros(end - start + 2, dtype=bool)
        np.greater(prefix[start + 1 : end + 1], prefix[start:end], out=member[1:-1])
        edges = (member[1:] != member[:-1]).nonzero()[0] + start
        return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))

    @staticmethod
    def _spaced(prefix: np.ndarray | None, units: np.ndarray) -> np.ndarray:
        """:meth:`spaced` of ``units`` given :meth:`_spaced_prefix`."""
        if prefix is None or not len(units):
            return np.zeros(len(units), dtype=bool)
        return prefix[units[:, 1]] - prefix[units[:, 0]] >= _SPACED_CHARS

    def reachable(self, text: str, units: np.ndarray) -> np.ndarray:
        """Per ``[start, end)`` row of ``units`` (offsets into ``text`` once
        normalized, as ``clause_evidence(text)`` gives them): whether it holds a
        way to reach someone, a link to a host that is not trusted, a phone or
        QQ number or a messenger handle not written with capitals (see
        :func:`detector.contacts.contact_clauses`).  What an ad asks the reader
        to do, and what its wording does not show: a clause head that has not seen the wording
        around `加weitz82889` or `xh415.fun/zc418` is unsure, and the stacking
        weighs this in.  All False for a model without that weight."""
        units = np.asarray(units, dtype=np.int64).reshape(-1, 2)
        norm = normalize(text)
        return self._reach(norm, text, features.codepoints(norm.text), units)

    def _reach(
        self, norm: Normalized, original: str, codes: np.ndarray, units: np.ndarray
    ) -> np.ndarray:
        """:meth:`reachable` of ``units`` of ``norm``, normalized from ``original``,
        given its code points (``features.codepoints``)."""
        if not self.reads_reach or not len(units):
            return np.zeros(len(units), dtype=bool)
        return contact_clauses(norm.text, codes, units, (original, norm.src))

    def _char_evidence(self, codes: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The evidence of each character of ``units`` (``[start, end)`` rows
        of ``codes``), all tagged in one pass over their characters only, each
        unit read on its own; and where each unit's characters begin in it."""
        starts, sizes = units[:, 0], units[:, 1] - units[:, 0]
        positions, rows = ranges(starts, sizes)
        unit_codes = codes[positions]
        logits = tagger_logits(
            unit_codes,
            rows,
            np.arange(len(positions), dtype=np.int64),
            self._tagger_bits,
            self._heads["tagger"],
        )
        evidence = self._lm_ratio(unit_codes, rows) + self._tagger_weight * logits - self._char_cost
        _cap_long_digit_runs(evidence, unit_codes, rows)
        return evidence, sizes.cumsum() - sizes

    def _localize(self, codes: np.ndarray, clauses: np.ndarray) -> tuple[_Located, np.ndarray]:
        """Candidate spans of each of ``clauses`` (see :meth:`_char_evidence`)
        and the evidence of each clause's best span."""
        sizes = clauses[:, 1] - clauses[:, 0]
        evidence, offsets = self._char_evidence(codes, clauses)
        total = len(evidence)
        local: list[list[tuple[int, int]]] = []
        best: list[tuple[int, int] | None] = [None] * len(clauses)
        strength = np.zeros(len(clauses))
        # A span needs evidence above the span cost, and no stretch of a clause
        # adds up to more than its positive evidence: clauses short of the cost
        # by more than rounding have no spans (what best_spans would find).
        positive = np.add.reduceat(np.maximum(evidence, 0.0), offsets) if total else offsets
        hopeless = (positive < self._span_cost - 1e-6).tolist()
        for i, (size, offset) in enumerate(zip(sizes.tolist(), offsets.tolist(), strict=True)):
            if hopeless[i]:
                local.append([])
                continue
            clause_evidence = evidence[offset : offset + size]
            found = best_spans(clause_evidence, self._span_cost)
            if found:
                sums = [float(clause_evidence[s:e].sum()) for s, e in found]
                top = max(range(len(found)), key=sums.__getitem__)
                best[i], strength[i] = found[top], sums[top]
            local.append(found)
        return _Located(clauses, offsets, evidence, local, best), strength

    def _span_words(self, text: str, located: _Located, flagged: list[int]) -> dict[int, list[str]]:
        """Words of the clauses ``flagged`` of ``located`` that have candidate
        spans (``_spans`` snaps to them): the clause head's cut when folding
        digits did not change the clause, else all cut in one call."""
        out: dict[int, list[str]] = {}
        missing: list[int] = []
        for i in flagged:
            if not located.local[i]:
                continue
            start, end = (int(x) for x in located.clauses[i])
            clause = text[start:end]
            if located.words is not None and features.fold_digits(clause) == clause:
                out[i] = located.words[i]
            else:
                missing.append(i)
        if missing:
            texts = [text[int(located.clauses[i, 0]) : int(located.clauses[i, 1])] for i in missing]
            out.update(zip(missing, words.cut_many(texts), strict=True))
        return out

    def _spans(
        self,
        norm: Normalized,
        original: str,
        located: _Located,
        i: int,
        clause_words: list[str] | None,
        stretches: Sequence[tuple[int, int]] = (),
    ) -> list[tuple[int, int]]:
        """The reported spans of clause ``i`` of ``located`` (normalized offsets):
        edges moved to token and word boundaries, cut at title separators, trimmed;
        uncut when no piece stands out, the whole clause when no span does.  ``clause_words``: the
        words of the clause (None only when it has no candidate spans).  The
        clause's spaced-out ``stretches`` (see :meth:`spaced`) are reported
        whole, joined with the spans they overlap: that a stretch was written
        apart is the evidence, not how its words read (the localizer may find
        only `领·取` of `转·发·本·文·领·取·选·股·神·器`)."""
        text = norm.text
        start, end = (int(x) for x in located.clauses[i])
        offset = int(located.offsets[i])
        evidence = located.evidence
        spans = [(start + s, start + e) for s, e in located.local[i]]
        spans = snap_to_runs(text, spans, start, end)
        if spans:
            assert clause_words is not None  # _span_words cut every clause with spans
            cuts = np.cumsum([0, *(len(w) for w in clause_words)]) + start
            spans = snap_to_words(spans, cuts, evidence, start - offset)
        pieces = split_at_separators(
            original, norm.src, spans, evidence, start - offset, self._span_cost
        )
        found = trim_spans(text, pieces) or trim_spans(text, spans)
        if stretches:
            # A stretch's end character written against the text beyond it
            # (`杨,方,…,票,深化产融`: the comma after the ad is dropped like the
            # others) may be the text's: it is the stretch's only where its own
            # evidence says ad.
            kept = []
            for a, b in stretches:
                if b < end and norm.src[b] == norm.to_original(b - 1, b)[1]:
                    b -= evidence[b - 1 - start + offset] <= 0
                kept.append((a, b))
            found = cutout.merged([*found, *trim_spans(text, kept)])
        return found or trim_spans(text, [(start, end)])

    def _assess(
        self,
        norm: Normalized,
        original: str,
        codes: np.ndarray,
        clauses: np.ndarray,
        partners: np.ndarray,
        spaced: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, _Located]:
        """(score, category probabilities, candidate spans) of each of ``clauses``
        of ``norm``, normalized from ``original``; the ``partners`` (see
        ``_assessed``) score only through a bridge that reads as more of an ad
        than its other clause alone.  ``spaced``: :meth:`_spaced_prefix` of ``norm``."""
        located, strength = self._localize(codes, clauses)
        ad, kinds, clause_words, _ = self._clause_scores(norm.text, clauses, located)
        located = dataclasses.replace(located, words=clause_words)
        scores = self._combine(
            ad,
            strength,
            self._reach(norm, original, codes, clauses),
            self._spaced(spaced, clauses),
        )
        scores[partners] = 0.0
        bridges = self._bridges(norm.text, codes, located)
        if bridges is not None:
            # A clause takes its bridge's score and categories where they beat its
            # own; a partner only where the bridge also beats its neighbour's own
            # score (the two halves read as more of an ad than the assessed one).
            bridged = self._combine(
                bridges.ad,
                bridges.strength,
                self._reach(norm, original, codes, bridges.units),
                self._spaced(spaced, bridges.units),
            )
            own = scores.copy()
            for side, other in ((bridges.left, bridges.left + 1), (bridges.left + 1, bridges.left)):
                better = (bridged > scores[side]) & (~partners[side] | (bridged > own[other]))
                scores[side[better]] = bridged[better]
                kinds[side[better]] = bridges.kinds[better]
        return scores, kinds, located

    def clause_evidence(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For every clause of ``text`` (bounds in normalized offsets): the
        prefilter's and the clause head's probabilities and the localizer's
        best-span evidence, before they are combined; training fits the
        combination on these."""
        _, clauses, _, pre, _, ad, strength = self._evidence(text)
        return clauses, pre, ad, strength

    def bridge_evidence(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The bridge units of ``text`` that a scan scores (between two clauses
        it assesses, see ``_bridges``): their normalized bounds, the index of
        each one's first clause (as ``clause_evidence`` numbers them; the second
        is the next), the clause head's probability and the evidence of its stretch."""
        norm, _, document, pre, located, _, _ = self._evidence(text)
        codes = features.codepoints(norm.text)
        bridges = None if located is None else self._bridges(norm.text, codes, located)
        if bridges is None:
            return np.empty((0, 2), dtype=np.int64), np.empty(0, np.int64), np.zeros(0), np.zeros(0)
        assert located is not None  # bridges come from located spans
        assessed, _ = self._assessed_alone(norm, text, codes, located.clauses, document, pre)
        keep = assessed[bridges.left] & assessed[bridges.left + 1]
        return bridges.units[keep], bridges.left[keep], bridges.ad[keep], bridges.strength[keep]

    def partner_clauses(self, text: str) -> np.ndarray:
        """Which clauses of ``text`` (as ``clause_evidence`` numbers them) a scan
        assesses only as a bridge's other half (see ``_assessed``): their own
        score does not count."""
        norm = normalize(text)
        codes = features.codepoints(norm.text)
        clauses, document, pre = self._char_scores(codes)
        return self._assessed_alone(norm, text, codes, clauses, document, pre)[1]

    def _assessed_alone(
        self,
        norm: Normalized,
        original: str,
        codes: np.ndarray,
        clauses: np.ndarray,
        document: np.ndarray,
        pre: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``_assessed`` of the clauses of one text normalized from ``original``,
        given its document score (``document``, an array of one, as
        ``_char_scores`` gives it)."""
        in_document = np.full(len(pre), document[0] >= self.model.thresholds["document"])
        spaced = self._spaced(self._spaced_prefix(norm, original), clauses)
        return self._assessed(norm.text, codes, clauses, pre, in_document | spaced)

    def _assessed(
        self,
        text: str,
        codes: np.ndarray,
        clauses: np.ndarray,
        pre: np.ndarray,
        chosen: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``clauses`` of ``text`` a scan assesses (localizer, clause
        heads, bridges): those the prefilter passes; those that hold a link, a
        phone number or a handle and reach ``_CONTACT_BAR`` of the prefilter's bar
        (the prefilter averages over the clause, so a short ad in a long one is
        diluted; see :mod:`detector.contacts`); those ``chosen`` (per clause:
        every clause of a text the document head calls an ad article, and those
        spaced out, see :meth:`spaced`); and the
        neighbours of those (``segment.are_neighbours``) that reach
        ``_PARTNER_BAR`` of the bar: an ad split by its own punctuation
        (`新人专享38元，快来抢购`) spliced into a sentence is two clauses, and the
        half that took the sentence's words may fall under the bar, while a
        bridge (``_bridges``) needs both halves assessed; such a partner scores
        only through a bridge (the second array marks them).  But a
        clause without a Chinese character only when it holds a link, a phone
        number, a handle or ``_LATIN_DIGITS`` digits: the heads learned Chinese
        news against Chinese ads, in which Latin letters are mostly links and
        handles, so English prose read as an ad (a licence text blocked with 27
        findings), and a page of it was scanned at 0.4 MB/s, assessed clause by
        clause."""
        bar = self.model.thresholds["prefilter"]
        assessed = (pre >= bar) | chosen
        near = (~assessed & (pre >= bar * _CONTACT_BAR)).nonzero()[0]
        if len(near):
            assessed[near] = contact_clauses(text, codes, clauses[near])
        partners = self._partners(text, clauses, assessed, pre >= bar * _PARTNER_BAR)
        assessed |= partners
        chosen = assessed.nonzero()[0]
        if len(chosen):
            cjk, digits = _cjk_and_digits(codes, clauses[chosen])
            latin = chosen[(cjk == 0) & (digits < _LATIN_DIGITS)]
            if len(latin):
                assessed[latin] = contact_clauses(text, codes, clauses[latin])
        return assessed, partners & assessed

    @staticmethod
    def _partners(
        text: str, clauses: np.ndarray, assessed: np.ndarray, eligible: np.ndarray
    ) -> np.ndarray:
        """Which of ``clauses`` of ``text`` are ``eligible``, not ``assessed``
        and next to one that is (neighbours: ``segment.are_neighbours``)."""
        out = np.zeros(len(clauses), dtype=bool)
        if len(clauses) < 2:
            return out
        gaps = clauses[1:, 0] - clauses[:-1, 1]
        close = (gaps > 0) & (gaps <= NEIGHBOUR_GAP)
        # Pair k is clauses k and k + 1: one assessed, the other eligible and not.
        left = close & ~assessed[:-1] & eligible[:-1] & assessed[1:]
        right = close & assessed[:-1] & ~assessed[1:] & eligible[1:]
        for k in (left | right).nonzero()[0].tolist():
            if are_neighbours(text, int(clauses[k, 1]), int(clauses[k + 1, 0])):
                out[k if left[k] else k + 1] = True
        return out

    def _evidence(
        self, text: str
    ) -> tuple[
        Normalized, np.ndarray, np.ndarray, np.ndarray, _Located | None, np.ndarray, np.ndarray
    ]:
        """(normalized text, clause bounds, document score, prefilter, clause head
        and span evidence per clause, with the candidate spans) of every clause."""
        norm = normalize(text)
        codes = features.codepoints(norm.text)
        clauses, document, pre = self._char_scores(codes)
        if not len(clauses):
            return norm, clauses, document, pre, None, np.zeros(0), np.zeros(0)
        located, strength = self._localize(codes, clauses)
        ad, _, _, _ = self._clause_scores(norm.text, clauses, located)
        return norm, clauses, document, pre, located, ad, strength

    def best_unit(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The part of normalized ``text[start:end]`` (a clause) whose clause-head
        score is the clause's: the clause itself, its best window or the focus
        on its best span."""
        clause = np.array([[start, end]], dtype=np.int64)
        located, _ = self._localize(features.codepoints(text), clause)
        (best,) = self._clause_scores(text, clause, located)[3].tolist()
        return int(best[0]), int(best[1])

    def combine(
        self,
        clause_probability: float,
        evidence: float,
        reachable: bool = False,
        spaced: bool = False,
    ) -> float:
        """The reported score of a clause from its clause-head probability, its
        best span's evidence (see ``clause_evidence``), whether it holds a way
        to reach someone (see :meth:`reachable`) and whether it is spaced out
        (see :meth:`spaced`)."""
        return float(
            self._combine(
                np.array([clause_probability]),
                np.array([evidence]),
                np.array([reachable]),
                np.array([spaced]),
            )[0]
        )

    def _lm_ratio(self, codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """log P_ad(c | previous) - log P_news(c | previous) per character."""
        unigram, previous, bigram = bigram_buckets(codes, rows)
        out = np.zeros(len(codes))
        for name, sign in (("ad_lm", 1.0), ("news_lm", -1.0)):
            lm = self._heads[name]
            assert lm.idf is not None
            total = self._lm_totals[name]
            out += sign * lm_logprob(unigram, bigram, lm.coef, lm.idf, previous, total=total)
        return out

    def warm_up(self) -> None:
        """Build now what the first scans build on first use (the word dictionary,
        tables per code point): before forking worker processes, so that they
        share one copy instead of each building its own."""
        words.dictionary()
        self.scan(_WARM_UP_TEXT)

    def scan(self, text: str) -> Verdict:
        """Find injected spans in ``text``; offsets index into ``text`` itself."""
        if not isinstance(text, str):
            raise TypeError(f"scan() needs str, got {type(text).__name__}")
        return self.scan_many([text])[0]

    def scan_many(self, texts: Iterable[str]) -> list[Verdict]:
        """``[scan(t) for t in texts]``, computed a batch of texts at a time: the
        same verdicts, much less overhead per text for short articles."""
        if isinstance(texts, str):  # would be scanned one character at a time
            raise TypeError("scan_many() needs an iterable of str, got one str: use scan()")
        if isinstance(texts, (bytes, bytearray)):
            raise TypeError("scan_many() needs an iterable of str, got bytes: decode it first")
        verdicts: list[Verdict] = []
        batch: list[str] = []
        size = 0
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"scan_many() needs str items, got {type(text).__name__}")
            if len(text) > _LONG_TEXT_CHARS:
                if batch:
                    verdicts.extend(self._scan_batch(batch))
                    batch, size = [], 0
                verdicts.append(self._scan_long(text))
                continue
            batch.append(text)
            size += len(text) + 1
            if size >= _BATCH_CHARS:
                verdicts.extend(self._scan_batch(batch))
                batch, size = [], 0
        if batch:
            verdicts.extend(self._scan_batch(batch))
        return verdicts

    def _scan_long(self, text: str) -> Verdict:
        """The verdict of a text longer than ``_LONG_TEXT_CHARS``, scanned a segment at a time
        (:func:`segment.text_segments`, cut at line breaks where there are any), so
        that memory stays bounded and time linear in its length.  The document head
        and the whole-article rule judge each segment, as they would a file of its own:
        a machine-written article inside a long dump is still reported whole."""
        findings: list[Finding] = []
        for start, end in self.segments(text):
            verdict = self._scan_batch([text[start:end]])[0]
            findings.extend(
                dataclasses.replace(f, start=f.start + start, end=f.end + start)
                for f in verdict.findings
            )
        return self._verdict(findings)

    def _scan_batch(
        self,
        texts: Sequence[str],
        rejudge: bool = True,
        cuts: list[Cuts] | None = None,
    ) -> list[Verdict]:
        """Verdicts of ``texts`` scanned as one string joined by line breaks.

        A line break always ends a clause and is never changed by normalization,
        and every feature is computed per clause (the document head per text), so
        each verdict equals that of the text scanned alone.  Unless ``rejudge``
        is false, findings that hold a link to a trusted site or a greeting are
        judged again without them (:meth:`cuts`); ``cuts`` gets, per text, the
        spans they were judged without.
        """
        empty = Verdict(False, 0.0, (), self.model_version)
        lengths = np.array([len(t) + 1 for t in texts], dtype=np.int64)
        text_starts = lengths.cumsum() - lengths  # offsets into the joined original
        joined = "\n".join(texts)
        norm = normalize(joined)
        codes = features.codepoints(norm.text)
        clauses = clause_bounds(codes)
        if not len(clauses):
            return [empty] * len(texts)
        clause_text = text_starts.searchsorted(norm.src[clauses[:, 0]], side="right") - 1
        thresholds = self.model.thresholds
        doc_scores, pre = self._char_head_scores(codes, clauses, clause_text, len(texts))
        is_document = doc_scores >= thresholds["document"]
        spaced = self._spaced_prefix(norm, joined)
        assessed, partners = self._assessed(
            norm.text, codes, clauses, pre, is_document[clause_text] | self._spaced(spaced, clauses)
        )
        selected = assessed.nonzero()[0]
        doc_clauses = clause_text.searchsorted(np.arange(len(texts) + 1))
        # A machine-written ad article is reported as one span over all its
        # clauses: the document head says so, or many of its clauses are ads.
        replaced = is_document & (doc_scores >= self.threshold)
        whole_score = np.where(replaced, doc_scores, 0.0)
        spans: list[list[_Span]] = [[] for _ in texts]
        category_mass: dict[int, np.ndarray] = {}
        if len(selected):
            scores, kinds, located = self._assess(
                norm, joined, codes, clauses[selected], partners[selected], spaced
            )
            owner = clause_text[selected]
            # A partner lifted by its bridge is the same ad as its neighbour.
            ads = (scores >= thresholds["review"]) & ~partners[selected]
            ad_clauses = np.bincount(owner[ads], minlength=len(texts))
            article = (ad_clauses >= self._article_clauses) & (
                ad_clauses >= self._article_share * np.diff(doc_clauses)
            )
            top_clause = np.zeros(len(texts))
            np.maximum.at(top_clause, owner, scores)
            whole_score = np.where(article, np.maximum(whole_score, top_clause), whole_score)
            replaced |= article
            # (Not np.unique: in NumPy 2.x it imports numpy.ma, ~20 ms at start-up.)
            for doc in sorted(set(owner[replaced[owner]].tolist())):
                mine = owner == doc
                category_mass[doc] = (kinds[mine] * scores[mine, None]).sum(axis=0)
            flagged = ((scores >= self.threshold) & ~replaced[owner]).nonzero()[0].tolist()
            span_words = self._span_words(norm.text, located, flagged)
            found: list[tuple[int, int, int, int]] = []  # (clause, start, end, index of its text)
            for i in flagged:
                found.extend(
                    (i, s, e, int(owner[i]))
                    for s, e in self._spans(
                        norm,
                        joined,
                        located,
                        i,
                        span_words.get(i),
                        self._stretches(spaced, located.clauses[i]),
                    )
                )
            table = np.array(found, dtype=np.int64).reshape(-1, 4)
            named = self._span_categories(norm.text, table[:, 1:3], table[:, 0], located)
            for (i, s, e, doc), category in zip(found, named, strict=True):
                spans[doc].append(_Span(s, e, float(scores[i]), category))
        verdicts = []
        # Texts with a finding that holds a trusted link or a greeting: (index,
        # findings, what they are judged without).
        cited: list[tuple[int, list[Finding], Cuts]] = []
        bounds = doc_clauses.tolist()
        for doc, (text, whole) in enumerate(zip(texts, replaced.tolist(), strict=True)):
            first_clause, last = bounds[doc], bounds[doc + 1]
            if first_clause == last:
                verdicts.append(empty)
                continue
            doc_spans = spans[doc]
            if whole:
                mass = category_mass[doc]
                category = self._classes[1 + int(mass[1:].argmax())]
                start, end = int(clauses[first_clause, 0]), int(clauses[last - 1, 1])
                doc_spans = [_Span(start, end, float(whole_score[doc]), category)]
            elif not doc_spans:
                verdicts.append(empty)
                continue
            doc_spans = self._merge(norm.text, doc_spans)
            findings = self._to_findings(text, norm, int(text_starts[doc]), doc_spans)
            if rejudge and not whole:
                offset = int(text_starts[doc])
                without = Cuts(
                    self._link_cuts(norm, offset, len(text), doc_spans),
                    self._greeting_cuts(norm, offset, len(text), doc_spans),
                )
                if without.links or without.greetings:
                    cited.append((doc, findings, without))
            verdicts.append(self._verdict(findings))
        if cited:
            # What is left of their findings is judged without the links and
            # greetings, all in one batch (one text at a time cost ~1.5 ms each).
            masked = [cutout.masked(texts[doc], [*c.links, *c.greetings])[0] for doc, _, c in cited]
            judged = self._scan_batch(masked, rejudge=False)
            again = dict(zip(masked, (v.findings for v in judged), strict=True))
            for doc, findings, c in cited:
                verdicts[doc] = self._verdict(
                    cutout.cut_out(findings, texts[doc], c.links, again.__getitem__, c.greetings)
                )
        if cuts is not None:
            cut_in = {doc: c for doc, _, c in cited}
            cuts.extend(cut_in.get(doc, Cuts([], [])) for doc in range(len(texts)))
        return verdicts

    def _verdict(self, findings: Sequence[Finding]) -> Verdict:
        """The verdict of a text with ``findings``: its score is the best one's."""
        top = max((f.score for f in findings), default=0.0)
        return Verdict(top >= self.block_threshold, top, tuple(findings), self.model_version)

    def _unjudged_findings(self, text: str) -> tuple[Finding, ...]:
        """The findings of ``text`` as first judged, with the links to trusted
        sites and the greetings in them weighed (:meth:`cuts`)."""
        return self._scan_batch([text], rejudge=False)[0].findings

    @staticmethod
    def _link_cuts(
        norm: Normalized, offset: int, length: int, spans: list[_Span]
    ) -> list[tuple[int, int]]:
        """The links to trusted sites that ``spans`` (of the normalized batch)
        overlap, as spans of the text that begins at ``offset`` of the batch's
        original and is ``length`` long.  A link is a run of printable ASCII, so
        each span is widened to the runs at its ends, not the whole text searched."""
        text = norm.text
        cuts: set[tuple[int, int]] = set()
        for span in spans:
            start, end = span.start, span.end
            while start and " " < text[start - 1] <= "~":
                start -= 1
            while end < len(text) and " " < text[end] <= "~":
                end += 1
            if "." not in text[start:end]:
                continue
            for link_start, link_end in trusted_link_spans(text, start, end):
                if link_start < span.end and span.start < link_end:
                    first, last = norm.to_original(link_start, link_end)
                    cuts.add((max(first - offset, 0), min(last - offset, length)))
        return sorted(cuts)

    @staticmethod
    def _greeting_cuts(
        norm: Normalized, offset: int, length: int, spans: list[_Span]
    ) -> list[tuple[int, int]]:
        """The greetings that ``spans`` (of the normalized batch) overlap, as
        spans of the text that begins at ``offset`` of the batch's original and
        is ``length`` long."""
        found: set[tuple[int, int]] = set()
        for span in spans:
            for start, end in greeting_spans(norm.text, span.start, span.end):
                first, last = norm.to_original(start, end)
                found.add((max(first - offset, 0), min(last - offset, length)))
        return sorted(found)

    def cuts(self, text: str) -> Cuts:
        """Spans of ``text`` inside what the model flags there that it judged
        those findings without: links to trusted sites (an e-mail address at one
        with its mailbox), cut out of the findings, and greetings, left in them.
        Both weigh as ad evidence to the model (the spam it learned from carries
        links and opens with 您好) and are neither: the text is scanned again
        without them, and what is left of a finding stays where a finding of
        that text overlaps it, with its score and category
        (:func:`detector.cutout.cut_out`; ``详情可登录市人社局官网www.hrss.gov.cn
        查询`` is judged as ``详情可登录市人社局官网查询``, and ``记者：您好，请问…`` as
        ``记者：，请问…``).  A link to any other host is the model's call."""
        found = Cuts([], [])
        for start, end in self.segments(text):
            cuts: list[Cuts] = []
            self._scan_batch([text[start:end]], cuts=cuts)
            for c in cuts:
                found.links.extend((a + start, b + start) for a, b in c.links)
                found.greetings.extend((a + start, b + start) for a, b in c.greetings)
        return found

    def link_cuts(self, text: str) -> list[tuple[int, int]]:
        """The links to trusted sites of :meth:`cuts`: spans of ``text`` cut out
        of what the model flags there, the rest judged without them."""
        return self.cuts(text).links

    @staticmethod
    def _merge(text: str, spans: list[_Span]) -> list[_Span]:
        """Join neighbouring spans separated only by punctuation or spaces: an
        appended promotion line ("加微信…，每日荐股，访问www…") is one injection even
        when its clauses name different categories; the best-scoring one names it."""
        merged: list[_Span] = []
        for span in sorted(spans, key=lambda s: s.start):
            if merged:
                last = merged[-1]
                gap = text[last.end : span.start]
                if len(gap) <= 3 and all(ch in _MERGE_GAP for ch in gap):
                    top = last if last.score >= span.score else span
                    merged[-1] = _Span(last.start, span.end, top.score, top.category)
                    continue
            merged.append(span)
        return merged

    @staticmethod
    def _to_findings(text: str, norm: Normalized, offset: int, spans: list[_Span]) -> list[Finding]:
        """Findings in ``text``, which begins at ``offset`` of the normalized
        batch's original."""
        findings: list[Finding] = []
        for span in spans:
            start, end = norm.to_original(span.start, span.end)
            start, end = start - offset, end_of_marks(text, end - offset)
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

"""Why a span was flagged: the n-grams that contributed most to its score.

The clause model is linear over tf-idf features, so a clause's decision value is
exactly ``intercept + Σ weight(f) × tfidf(f)``; each term is one character n-gram
or jieba word of the scored text.  That text is the clause holding the finding,
its best-scoring window or the focus on its best span, or the bridge joining its
best span to a neighbouring clause's when that scored higher (or the whole text,
for a document-level finding).  A clause's reported score combines that decision
with the evidence of the localizer for its best span (or the bridge's);
both are shown.

:func:`explain_reported` explains what ``detector scan`` reports in a field
(:func:`detector.scanning.scan_fields`: the same reading, hidden text and
suppressions), where scan reports it: a finding the project's allowlist or an
inline marker silences is not explained, what the allowlist leaves of a finding
is explained as scan judged it, on the text without the allowed phrases, and a
finding in a field holding HTML is put on the field's markup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from detector import cutout, features, words
from detector.html import HIDDEN_TEXT, scored_by
from detector.normalize import normalize
from detector.results import Finding
from detector.segment import split_clauses

if TYPE_CHECKING:
    from detector.core import Detector
    from detector.scanning import ScannedField
    from detector.suppress import Suppressions

__all__ = ["Explanation", "explain", "explain_reported"]


@dataclass(frozen=True)
class Explanation:
    """``contributions`` are (feature, weight × tf-idf) pairs, largest first;
    ``decision`` = ``intercept`` + the sum of all contributions (not only the top)."""

    finding: Finding
    scope: str  # the normalized clause, window or document the model scored
    head: str  # "clause" or "document"
    intercept: float
    decision: float
    contributions: tuple[tuple[str, float], ...]
    # The localizer's evidence for the clause's best span and the score that
    # ``decision`` and it combine into (None for the document head).
    evidence: float | None = None
    score: float | None = None
    # Whether the scored clause (or bridge) holds a link to an untrusted host, a
    # phone or QQ number or a handle (Detector.reachable), which the model's
    # stacking weighs in (None for the document head and for a model whose
    # stacking does not).
    reachable: bool | None = None
    # Whether it is spaced out, written with its characters apart
    # (Detector.spaced), which the model's stacking weighs in (None as for
    # ``reachable``).
    spaced: bool | None = None
    # What the allowlist left of a finding, judged (and explained) on the text
    # without the allowed phrases: ``scope`` is from that text.
    without_allowed: bool = False
    # A finding judged again (and explained) on the text without the links to
    # trusted sites and the greetings of its text's findings (Detector.cuts):
    # which of the two that text had.
    without_trusted_links: bool = False
    without_greetings: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding.to_dict(),
            "scope": self.scope,
            "head": self.head,
            "intercept": round(self.intercept, 4),
            "decision": round(self.decision, 4),
            "contributions": [[name, round(value, 4)] for name, value in self.contributions],
            "evidence": None if self.evidence is None else round(self.evidence, 4),
            "score": None if self.score is None else round(self.score, 4),
            "reachable": self.reachable,
            "spaced": self.spaced,
            "without_allowed": self.without_allowed,
            "without_trusted_links": self.without_trusted_links,
            "without_greetings": self.without_greetings,
        }


def _named_features(
    text: str,
    ngram_range: tuple[int, int],
    bits: int,
    with_words: bool,
    cut: list[str] | None = None,
) -> list[tuple[str, int]]:
    """(feature name, bucket) for every feature of ``text`` taken as one row,
    in the order ``features`` emits them; ``cut``: its words, when they are not
    those of ``text`` cut on its own (a window's or a focus's, see ``_unit_words``)."""
    codes = features.codepoints(text)
    rows = features.row_ids(len(text), [(0, len(text))])
    _, cols = features.char_ngrams(codes, rows, ngram_range, bits)
    folded = features.fold_digits(text)
    # features.char_ngrams emits them by first character, then length.
    names = [
        folded[i : i + n]
        for i in range(len(text))
        for n in range(ngram_range[0], ngram_range[1] + 1)
        if i + n <= len(text)
    ]
    pairs = list(zip(names, cols.tolist(), strict=True))
    if with_words:
        kept = [
            w for w in (words.cut(folded) if cut is None else cut) if features.is_word_feature(w)
        ]
        word_cols = features.word_buckets(kept, bits)
        pairs += [(f"[{w}]", int(c)) for w, c in zip(kept, word_cols.tolist(), strict=True)]
    return pairs


def _unit_words(text: str, clause: tuple[int, int], unit: tuple[int, int]) -> list[str]:
    """The words the clause head reads in ``unit`` of the clause ``clause`` of
    ``text``: the clause's words (cut from its digit-folded text) that lie inside
    the unit, as the detector takes them for a window or a focus; cutting the
    unit on its own would invent words at its edges that were never scored."""
    position = clause[0]
    inside = []
    for word in words.cut(features.fold_digits(text[clause[0] : clause[1]])):
        if unit[0] <= position and position + len(word) <= unit[1]:
            inside.append(word)
        position += len(word)
    return inside


def _contributions(
    pairs: list[tuple[str, int]], idf: np.ndarray, coef: np.ndarray, top: int, norm_kind: str
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """The decision value (less the intercept) of the features ``pairs`` taken
    as one row and its ``top`` largest terms.  ``norm_kind``: "l2" or "none"
    (sublinear tf, as the clause heads read it) or "occurrence-l2" (linear tf,
    as the document head does)."""
    counts: dict[int, int] = defaultdict(int)
    names: dict[int, list[str]] = defaultdict(list)
    for name, bucket in pairs:
        counts[bucket] += 1
        if name not in names[bucket]:
            names[bucket].append(name)
    if norm_kind == "occurrence-l2":  # each occurrence adds idf² to the square
        values = {b: c * float(idf[b]) for b, c in counts.items()}
        norm = float(np.sqrt(sum(v * float(idf[b]) for b, v in values.items()))) or 1.0
    else:
        values = {b: (1.0 + np.log(c)) * float(idf[b]) for b, c in counts.items()}
        squares = sum(v * v for v in values.values())
        norm = float(np.sqrt(squares)) or 1.0 if norm_kind == "l2" else 1.0
    terms = {" | ".join(names[b]): float(coef[b]) * v / norm for b, v in values.items()}
    decision = sum(terms.values())
    ranked = sorted(terms.items(), key=lambda kv: -abs(kv[1]))[:top]
    return decision, tuple(ranked)


def explain(detector: Detector, text: str, top: int = 10) -> list[Explanation]:
    """One explanation per finding of ``detector.scan(text)``."""
    return _explain_findings(detector, text, detector.scan(text).findings, top)


def explain_reported(
    detector: Detector, scanned: ScannedField, suppressions: Suppressions, top: int = 10
) -> tuple[list[Explanation], int]:
    """One explanation per finding ``detector scan`` reports in the field
    ``scanned`` (:func:`detector.scanning.scan_fields`, with ``suppressions``),
    in its order, on the field's string as scan reports it (for a field holding
    HTML, its markup: :meth:`detector.markup.MarkupText.finding_to_source`), and
    the number of findings of the text read that they leave out.  Each is
    explained on the text read, as it was scored; what the allowlist leaves of a
    finding on the text without the allowed phrases, where scan judged it again
    (``without_allowed``)."""
    text = scanned.read
    findings = scanned.verdict.findings
    reported = [f for f, _ in scanned.kept]
    # A page's hidden-text finding is explained by the model finding it took
    # its score from (detector.html.hidden_findings), reported or not.
    sources = {
        f: source
        for f in reported
        if f.category == HIDDEN_TEXT and (source := scored_by(f, findings)) is not None
    }
    own = [f for f in reported if f in findings and f not in sources]
    to_explain = list(dict.fromkeys([*own, *sources.values()]))
    explanations = dict(
        zip(to_explain, _explain_findings(detector, text, to_explain, top), strict=True)
    )
    explained = {f: explanations[f] for f in own}
    for hidden, source in sources.items():
        explained[hidden] = replace(explanations[source], finding=hidden)
    pieces = [f for f in reported if f not in explained]
    if pieces:
        masked, origin = suppressions.masked(text)
        for piece, best in _explain_pieces(detector, masked, origin, pieces, top):
            explained[piece] = replace(best, finding=piece, without_allowed=True)
    left_out = sum(
        1 for f in findings if not any(r.start < f.end and f.start < r.end for r in reported)
    )
    out = [explained[f] for f in reported]
    if scanned.view is not None:  # on the field's markup, as scan reports them
        view = scanned.view
        mapped = [(e, view.finding_to_source(e.finding)) for e in out]
        out = [replace(e, finding=f) for e, f in mapped if f is not None]
    return out, left_out


def _explain_pieces(
    detector: Detector,
    masked: str,
    origin: list[int],
    pieces: Sequence[Finding],
    top: int,
    judged_findings: Sequence[Finding] | None = None,
) -> list[tuple[Finding, Explanation]]:
    """Each of ``pieces`` (what cutting spans out of findings left, see
    :func:`detector.cutout.cut_out`) with the explanation of the finding of the
    text without those spans (``masked``; ``origin`` maps it back) it took its
    score and category from: the best one over it.  ``judged_findings``: the
    findings of ``masked`` the pieces were judged by (default: its scan's)."""
    judged_once = judged_findings is not None  # findings no one judged again
    if judged_findings is None:
        judged_findings = detector.scan(masked).findings
    judged = [
        (origin[e.finding.start], origin[e.finding.end - 1] + 1, e)
        for e in _explain_findings(detector, masked, judged_findings, top, pieces_done=judged_once)
    ]
    out = []
    for piece in pieces:
        over = [e for start, end, e in judged if start < piece.end and piece.start < end]
        out.append((piece, max(over, key=lambda e: e.finding.score)))
    return out


def _explain_findings(
    detector: Detector,
    text: str,
    findings: Sequence[Finding],
    top: int,
    pieces_done: bool = False,
) -> list[Explanation]:
    """One explanation per finding of ``findings`` (of ``detector.scan(text)``).
    A long text is explained in the segments it is scanned in, each judged as a
    text of its own (:meth:`detector.core.Detector.segments`).  ``pieces_done``:
    none of ``findings`` was judged again without trusted links or greetings
    (they were explained already, or come from a scan that judged none again),
    so the text is not scanned again to find such findings."""
    if not findings:
        return []
    segments = detector.segments(text)
    if len(segments) > 1:
        explained: dict[Finding, Explanation] = {}
        for start, end in segments:
            inside = [f for f in findings if start <= f.start < end]
            shifted = [replace(f, start=f.start - start, end=f.end - start) for f in inside]
            ones = _explain_findings(detector, text[start:end], shifted, top)
            explained.update((f, replace(e, finding=f)) for f, e in zip(inside, ones, strict=True))
        return [explained[f] for f in findings]
    cuts = None if pieces_done else detector.cuts(text)
    if cuts is not None and (cuts.links or cuts.greetings):
        # What was judged again without the trusted links and greetings of the
        # findings (Detector.cuts) is explained on the text without them.
        first = set(detector._unjudged_findings(text))
        pieces = [f for f in findings if f not in first]
        if pieces:
            masked, origin = cutout.masked(text, [*cuts.links, *cuts.greetings])
            # Judged as the scan judged them: the text without those spans,
            # scanned with any other link or greeting left in (Detector._scan_batch).
            judged = detector._unjudged_findings(masked)
            explained = {
                piece: replace(
                    best,
                    finding=piece,
                    without_trusted_links=bool(cuts.links),
                    without_greetings=bool(cuts.greetings),
                )
                for piece, best in _explain_pieces(detector, masked, origin, pieces, top, judged)
            }
            others = [f for f in findings if f not in explained]
            rest = _explain_findings(detector, text, others, top, pieces_done=True)
            explained.update(zip(others, rest, strict=True))
            return [explained[f] for f in findings]
    norm = normalize(text)
    clauses = split_clauses(norm.text)
    params = detector.model.params
    bits = int(params["bits"])
    low, high = params["char_ngrams"]
    heads = detector.model.heads
    bounds, _, probabilities, strengths = detector.clause_evidence(text)
    bridges, bridge_left, bridge_probabilities, bridge_strengths = detector.bridge_evidence(text)
    reach = detector.reachable(text, bounds).tolist()
    bridge_reach = detector.reachable(text, bridges).tolist()
    spaced = detector.spaced(text, bounds).tolist()
    bridge_spaced = detector.spaced(text, bridges).tolist()
    partners = detector.partner_clauses(text).tolist()
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(bounds.tolist())}

    def own_score(i: int) -> float:
        return detector.combine(float(probabilities[i]), float(strengths[i]), reach[i], spaced[i])

    def clause_score(i: int) -> tuple[float, int | None]:
        """Clause ``i``'s reported score, and the bridge that gave it (None: its
        own best unit did): a bridge wins where it scores higher, as in a scan;
        a partner clause has no score of its own and takes a bridge only where
        it beats its neighbour's own score."""
        score = 0.0 if partners[i] else own_score(i)
        bridge = None
        for k in ((bridge_left == i) | (bridge_left + 1 == i)).nonzero()[0].tolist():
            bridged = detector.combine(
                float(bridge_probabilities[k]),
                float(bridge_strengths[k]),
                bridge_reach[k],
                bridge_spaced[k],
            )
            other = int(bridge_left[k]) + (1 if bridge_left[k] == i else 0)
            if bridged > score and (not partners[i] or bridged > own_score(other)):
                score, bridge = bridged, k
        return score, bridge

    out = []
    for finding in findings:
        covering = [
            c
            for c in clauses
            if norm.src[c.start] < finding.end and norm.src[c.end - 1] >= finding.start
        ]
        # A finding over the whole text at the document head's score is the
        # head's (a text of one clause too: its clause finding has another score).
        whole = len(covering) == len(clauses)
        evidence = score = reached = apart = None
        if whole and finding.score == detector.document_score(text):
            head_name = "document"
            scope = norm.text
            pairs = [
                pair
                for c in clauses
                for pair in _named_features(
                    norm.text[c.start : c.end], (int(low), int(high)), bits, with_words=False
                )
            ]
        else:
            head_name = "clause"
            # The clause scoring highest (by its own units or a bridge to a
            # neighbour, whichever scored higher) gave the finding its score; a
            # finding merged over several clauses is not always the one whose
            # clause head scored highest, as the span evidence weighs in too.
            scored = [(*clause_score(index[(c.start, c.end)]), c) for c in covering]
            score, bridge, best = max(scored, key=lambda item: item[0])
            i = index[(best.start, best.end)]
            cut: list[str] | None
            if bridge is None:
                evidence, reached, apart = float(strengths[i]), reach[i], spaced[i]
                start, end = detector.best_unit(norm.text, best.start, best.end)
                cut = _unit_words(norm.text, (best.start, best.end), (start, end))
            else:
                evidence, reached = float(bridge_strengths[bridge]), bridge_reach[bridge]
                apart = bridge_spaced[bridge]
                start, end = (int(x) for x in bridges[bridge])
                cut = None  # a bridge is cut whole
            scope = norm.text[start:end]
            pairs = _named_features(scope, (int(low), int(high)), bits, with_words=True, cut=cut)
        head = heads[head_name]
        assert head.idf is not None
        norm_kind = params["char_norm"] if head_name == "document" else params.get("norm", "l2")
        decision, ranked = _contributions(pairs, head.idf, head.coef.reshape(-1), top, norm_kind)
        intercept = float(head.intercept.reshape(-1)[0])
        out.append(
            Explanation(
                finding,
                scope,
                head_name,
                intercept,
                decision + intercept,
                ranked,
                evidence,
                score,
                reachable=reached if detector.reads_reach else None,
                spaced=apart if detector.reads_spaced else None,
            )
        )
    return out

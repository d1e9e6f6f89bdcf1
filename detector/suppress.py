"""Suppressions for a repository of stored articles (pure: no file I/O here).

Three ways to silence a finding someone has reviewed, and one to leave out a
category's findings, all of them or those under a score:

* an inline marker: ``detector: allow`` anywhere on the line where the finding
  starts (for HTML, the source line, so an ``<!-- detector: allow -->`` comment
  works too);
* an allowlist of phrases (``allow = [...]`` in ``[tool.detector]`` of
  ``pyproject.toml`` or in ``.detector.toml``): every occurrence of an allowed
  phrase in the text (compared normalized: full-width, traditional, spacing and
  case folded) is cut out of the findings it overlaps, and what is left of a
  finding stays one only where the text scanned without the phrases still has a
  finding.  A finding inside an outlet's own line ("财富APP下载" of "东方财富APP下载") goes;
  an ad merged with it ("东方财富APP下载，下载金沙娱乐APP注册送88元") keeps its own
  part instead of hiding behind the allowed phrase;
* a baseline: findings recorded by fingerprint in a JSON file;
* category thresholds (``category_thresholds = {promotion = 0.99}``,
  ``--category-threshold promotion=0.99``) and ignored categories
  (``ignore_categories = ["promotion"]``, ``--ignore-category``, a threshold
  of ``off``): the model's findings of a category under its threshold, or of an
  ignored one, are dropped before anything else reads them, so they neither
  report, block, clean nor make a hidden block of HTML a ``hidden-text``
  finding.  For an outlet whose own news reads as an ad of one category
  (shopping festivals as ``promotion``).

Fingerprints depend on content, not position: sha256 of the path, the record id
and field (JSONL/JSON), the category, the normalized finding text and the
occurrence index of that same (path, record, field, category, text) in the
document.  Moving a paragraph does not change them; a second copy of the same
ad gets its own.
"""

from __future__ import annotations

import hashlib
import json
import math
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from detector.categories import check_categories, check_category_thresholds
from detector.cutout import Rescore, cut_out, masked
from detector.lines import Lines
from detector.normalize import normalize
from detector.results import Finding, Verdict

__all__ = [
    "BASELINE_VERSION",
    "INLINE_MARKER",
    "BaselineError",
    "Suppressions",
    "baseline_entries",
    "dump_baseline",
    "fingerprints",
    "has_inline_marker",
    "parse_baseline",
    "path_key",
    "without",
]

INLINE_MARKER = "detector: allow"
BASELINE_VERSION = 1


class BaselineError(ValueError):
    """A baseline file that is not what ``--update-baseline`` writes."""


def normalized_text(text: str) -> str:
    """The comparison form of a phrase or finding: normalized, spaces removed."""
    return normalized_texts([text])[0]


# normalized_texts normalizes at most this many characters in one call (a longer
# text alone).  The findings of a 200 MB single-line dump cover all of it (each of
# its segments an ad article, reported whole): normalized in one call they took
# the scan to 2.9 GB (~35 bytes per character).
_NORMALIZE_CHARS = 1 << 17


def normalized_texts(texts: Sequence[str]) -> list[str]:
    """:func:`normalized_text` of each of ``texts``, in a few calls of ``normalize``
    (a call costs ~0.1 ms whatever the length), each on up to ``_NORMALIZE_CHARS``
    of them: normalization never changes a line break and treats one like the
    end of the text, so the texts joined by line breaks normalize to their forms
    joined by line breaks."""
    out: list[str] = []
    group: list[str] = []
    size = 0
    for text in texts:
        if group and size + len(text) > _NORMALIZE_CHARS:
            out += _normalized_group(group)
            group, size = [], 0
        group.append(text)
        size += len(text) + 1
    if group:
        out += _normalized_group(group)
    return out


def _normalized_group(texts: list[str]) -> list[str]:
    pieces = normalize("\n".join(texts)).text.split("\n")
    out, start = [], 0
    for text in texts:
        end = start + text.count("\n") + 1
        out.append("".join("".join(pieces[start:end]).split()).lower())
        start = end
    return out


def path_key(path: str) -> str:
    """``./a/b.txt``, ``a//b.txt`` and ``a\\b.txt`` name one file in fingerprints
    and baseline entries (``--update-baseline`` matches failed inputs by it)."""
    return posixpath.normpath(path.replace("\\", "/"))


def has_inline_marker(text: str, offset: int) -> bool:
    """Whether the line of ``text`` holding ``offset`` contains the inline marker."""
    return Lines(text).line(offset) in _marked_lines(text)


def _marked_lines(text: str) -> set[int]:
    """The lines of ``text`` that contain the inline marker (usually none)."""
    lines = Lines(text)
    marked = set()
    at = text.find(INLINE_MARKER)
    while at >= 0:
        marked.add(lines.line(at))
        at = text.find(INLINE_MARKER, at + len(INLINE_MARKER))
    return marked


def fingerprints(
    path: str,
    record_id: object,
    field: str | None,
    findings: Sequence[Finding],
    texts: Sequence[str] | None = None,
) -> list[str]:
    """One content fingerprint per finding (see the module docstring); ``texts``:
    the findings' ``normalized_text`` when already known."""
    seen: Counter[tuple[str, str]] = Counter()
    result = []
    where = path_key(path)
    record = "" if record_id is None else json.dumps(record_id, ensure_ascii=False)
    if texts is None:
        texts = normalized_texts([finding.text for finding in findings])
    for finding, text in zip(findings, texts, strict=True):
        key = (finding.category, text)
        occurrence = seen[key]
        seen[key] += 1
        material = "\0".join((where, record, field or "", finding.category, text, str(occurrence)))
        # surrogatepass: a lone surrogate (a scraped item's "\ud800", which
        # check_item scans as it is) once raised UnicodeEncodeError here and lost
        # the item; valid text encodes exactly as UTF-8, so fingerprints stay.
        result.append(hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest())
    return result


@dataclass(frozen=True)
class Suppressions:
    """What to drop: allowlisted phrases, baseline fingerprints, the findings of
    ignored categories and those under their category's threshold
    (``category_thresholds``: (category, score 0..1) pairs; checked: an unknown
    category or a score outside 0..1 raises ``ValueError``)."""

    allow: tuple[str, ...] = ()
    baseline: frozenset[str] = frozenset()
    inline: bool = True
    ignore_categories: frozenset[str] = frozenset()
    category_thresholds: tuple[tuple[str, float | str], ...] = ()
    _phrases: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _bars: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phrases = tuple(p for p in (normalized_text(a) for a in self.allow) if p)
        object.__setattr__(self, "_phrases", phrases)
        off, bars = check_category_thresholds(dict(self.category_thresholds))
        # Canonical: a category turned off is an ignored one, the bars are floats.
        ignored = check_categories(self.ignore_categories) | off
        object.__setattr__(self, "ignore_categories", ignored)
        object.__setattr__(self, "category_thresholds", bars)
        # An ignored category is one whose threshold no score reaches.
        object.__setattr__(self, "_bars", dict(bars) | dict.fromkeys(ignored, math.inf))

    def _heeds(self, finding: Finding) -> bool:
        return finding.score >= self._bars.get(finding.category, -math.inf)

    def heeded(self, verdict: Verdict, block_threshold: float) -> Verdict:
        """``verdict`` without the findings of ignored categories and those under
        their category's threshold (score and ``is_spam`` recomputed): the
        model's verdict as everything after it reads it."""
        if not self._bars:
            return verdict
        return without(verdict, [f for f in verdict.findings if self._heeds(f)], block_threshold)

    def without_allowed(
        self, findings: Sequence[Finding], scanned: str, rescore: Rescore
    ) -> list[Finding]:
        """``findings`` (of the text ``scanned``) with every occurrence of an
        allowed phrase cut out (see the module documentation).

        What is left of a finding was scored with the phrase beside it ("登录 |
        注册" flagged for its 注册), so ``rescore`` (the findings of a text)
        judges it again: ``scanned`` is scanned with the allowed phrases deleted,
        and a piece stays where a finding of that text overlaps it, with that
        finding's score and category (:func:`detector.cutout.cut_out`)."""
        if not self._phrases or not findings:
            return list(findings)
        allowed = self._occurrences(scanned)
        if not allowed:
            return list(findings)
        return cut_out(findings, scanned, allowed, rescore)

    def masked(self, text: str) -> tuple[str, list[int]]:
        """``text`` with every occurrence of an allowed phrase deleted, the text
        what is left of a finding is judged on, and the offset in ``text`` of
        each of its characters (``detector explain`` explains such a piece
        there)."""
        return masked(text, self._occurrences(text) if self._phrases else [])

    def _occurrences(self, text: str) -> list[tuple[int, int]]:
        """Where the allowed phrases stand in ``text``, as spans of it."""
        norm = normalize(text)
        kept = [i for i, ch in enumerate(norm.text) if not ch.isspace()]
        folded = "".join(
            ch if len(low := ch.lower()) != 1 else low for ch in (norm.text[i] for i in kept)
        )
        spans = []
        for phrase in self._phrases:
            at = folded.find(phrase)
            while at >= 0:
                spans.append(norm.to_original(kept[at], kept[at + len(phrase) - 1] + 1))
                at = folded.find(phrase, at + 1)
        return spans

    def keep(
        self,
        findings: Sequence[Finding],
        *,
        path: str,
        text: str,
        record_id: object = None,
        field: str | None = None,
        marker_text: str | None = None,
        marker_offset: Callable[[int], int] | None = None,
        use_baseline: bool = True,
        rescore: Rescore | None = None,
    ) -> list[tuple[Finding, str]]:
        """The findings not suppressed, each with its fingerprint.

        Fingerprints are computed over all ``findings`` first, so suppressing one
        copy of a phrase inline never renumbers the others.  The inline marker is
        looked for in ``marker_text`` (default ``text``) at
        ``marker_offset(finding.start)`` (default ``finding.start``).  With an
        allowlist, ``rescore`` judges what is left of a finding the phrases cut
        (see :meth:`without_allowed`).  Findings of ignored categories and
        under their category's threshold are dropped (fingerprints number
        occurrences per category and text: other categories' stay as they were).
        """
        if self._phrases:
            if rescore is None:
                raise ValueError("an allowlist needs rescore: what is left of a finding is judged")
            findings = self.without_allowed(findings, text, rescore)
        if self._bars:  # a piece the allowlist left is judged again, a page's
            # hidden-text findings are added after heeded(): either may be dropped
            findings = [f for f in findings if self._heeds(f)]
        if not findings:
            return []
        texts = normalized_texts([finding.text for finding in findings])
        prints = fingerprints(path, record_id, field, findings, texts)
        where = text if marker_text is None else marker_text
        # Marked lines found once per text, not a line scanned per finding: a long
        # single-line text with many findings stays linear.
        marked = _marked_lines(where) if self.inline else set()
        lines = Lines(where)
        kept = []
        for finding, fingerprint in zip(findings, prints, strict=True):
            if marked:
                offset = finding.start if marker_offset is None else marker_offset(finding.start)
                if lines.line(offset) in marked:
                    continue
            if use_baseline and fingerprint in self.baseline:
                continue
            kept.append((finding, fingerprint))
        return kept


def without(verdict: Verdict, kept: Sequence[Finding], block_threshold: float) -> Verdict:
    """``verdict`` holding ``kept`` instead of its findings (some dropped, some cut
    short by the allowlist), with score and ``is_spam`` recomputed."""
    if tuple(kept) == verdict.findings:
        return verdict
    score = max((f.score for f in kept), default=0.0)
    return replace(
        verdict, findings=tuple(kept), score=score, is_spam=bool(kept) and score >= block_threshold
    )


def baseline_entries(
    path: str, record_id: object, field: str | None, kept: Iterable[tuple[Finding, str]]
) -> list[dict[str, Any]]:
    """The baseline records of one document field's findings (from ``keep``)."""
    entries = []
    for finding, fingerprint in kept:
        entry: dict[str, Any] = {"fingerprint": fingerprint, "path": path_key(path)}
        if record_id is not None:
            entry["id"] = record_id
        if field is not None:
            entry["field"] = field
        entry["category"] = finding.category
        entry["text"] = finding.text
        entries.append(entry)
    return entries


def dump_baseline(entries: Iterable[dict[str, Any]]) -> str:
    """The baseline file: stable JSON, entries sorted, one trailing newline."""
    ordered = sorted(
        entries,
        key=lambda e: (e["path"], str(e.get("id", "")), e.get("field") or "", e["category"],
                       e["text"], e["fingerprint"]),
    )  # fmt: skip
    document = {"version": BASELINE_VERSION, "findings": ordered}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def parse_baseline(content: str) -> frozenset[str]:
    """The fingerprints in a baseline file's text; raises :class:`BaselineError`."""
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError("not a detector baseline (no 'findings' list)")
    if document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"unsupported baseline version {document.get('version')!r}")
    prints = set()
    for number, entry in enumerate(document["findings"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            # Which one: a hand-edited file has hundreds.
            raise BaselineError(f"entry {number} of 'findings' has no 'fingerprint' string")
        prints.add(entry["fingerprint"])
    return frozenset(prints)

"""Suppressions for a repository of stored articles (pure: no file I/O here).

Three ways to silence a finding someone has reviewed:

* an inline marker: ``detector: allow`` anywhere on the line where the finding
  starts (for HTML, the source line, so an ``<!-- detector: allow -->`` comment
  works too);
* an allowlist of phrases (``allow = [...]`` in ``[tool.detector]`` of
  ``pyproject.toml`` or in ``.detector.toml``): a finding whose normalized text
  contains an allowed phrase (normalized the same way) is dropped;
* a baseline: findings recorded by fingerprint in a JSON file.

Fingerprints depend on content, not position: sha256 of the path, the record id
and field (JSONL/JSON), the category, the normalized finding text and the
occurrence index of that same (path, record, field, category, text) in the
document.  Moving a paragraph does not change them; a second copy of the same
ad gets its own.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

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


def normalized_texts(texts: Sequence[str]) -> list[str]:
    """:func:`normalized_text` of each of ``texts``, in one call of ``normalize``
    (a call costs ~0.1 ms whatever the length): normalization never changes a
    line break and treats one like the end of the text, so the texts joined by
    line breaks normalize to their forms joined by line breaks."""
    if not texts:
        return []
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
        result.append(hashlib.sha256(material.encode("utf-8")).hexdigest())
    return result


@dataclass(frozen=True)
class Suppressions:
    """What to drop: allowlisted phrases and baseline fingerprints."""

    allow: tuple[str, ...] = ()
    baseline: frozenset[str] = frozenset()
    inline: bool = True
    _phrases: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phrases = tuple(p for p in (normalized_text(a) for a in self.allow) if p)
        object.__setattr__(self, "_phrases", phrases)

    def is_allowlisted(self, finding: Finding, text: str | None = None) -> bool:
        """Whether ``finding`` contains an allowed phrase (``text``: its
        ``normalized_text`` when already known)."""
        if not self._phrases:
            return False
        if text is None:
            text = normalized_text(finding.text)
        return any(phrase in text for phrase in self._phrases)

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
    ) -> list[tuple[Finding, str]]:
        """The findings not suppressed, each with its fingerprint.

        Fingerprints are computed over all ``findings`` first, so suppressing one
        copy of a phrase inline never renumbers the others.  The inline marker is
        looked for in ``marker_text`` (default ``text``) at
        ``marker_offset(finding.start)`` (default ``finding.start``).
        """
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
        for finding, fingerprint, finding_text in zip(findings, prints, texts, strict=True):
            if marked:
                offset = finding.start if marker_offset is None else marker_offset(finding.start)
                if lines.line(offset) in marked:
                    continue
            if self.is_allowlisted(finding, finding_text):
                continue
            if use_baseline and fingerprint in self.baseline:
                continue
            kept.append((finding, fingerprint))
        return kept


def without(verdict: Verdict, kept: Sequence[Finding], block_threshold: float) -> Verdict:
    """``verdict`` holding only ``kept``, with score and ``is_spam`` recomputed."""
    if len(kept) == len(verdict.findings):
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
    for entry in document["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError("a baseline entry has no 'fingerprint'")
        prints.add(entry["fingerprint"])
    return frozenset(prints)

"""The text of an HTML fragment held in a string field, mapped back to its markup (pure).

Scrapers often store an article body as markup (``response.css("div.content").get()``
gives ``<div class="content"><p>…</p></div>``).  Scanned as plain text, the tags,
attributes, URLs, scripts and styles were read as words: a clean article's
``<img src="…/abcd-1234.jpg">`` or ``style="display:none"`` was a ``link``
finding, so ``drop`` dropped clean articles, and ``clean`` cut through tags
(``<a href="</a>``), corrupting the rest of the markup.

:func:`markup_text` gives the fragment's text as a reader sees it, in source
order: text between tags, entities decoded (``&amp;`` is ``&``), a line break
for each block-level tag (``<p>``, ``<div>``, ``<br>`` …, as
:mod:`detector.html` does for files), and nothing from tags, attributes,
comments, or the contents of ``<script>``, ``<style>``, ``<template>``,
``<noscript>``, ``<iframe>`` and ``<textarea>``.  Hidden text is kept (it is
usually the ad).  Every character of the text knows the source range it came
from, so findings on the text can be put back on the markup
(:meth:`MarkupText.to_source`): a finding then covers the markup from the ad's
first character to its last (tags in between included), and what is removed
for it is only its characters, never a tag.

This is a tokenizer, not an HTML5 parser: it reads well-formed and the usual
sloppy markup (unquoted attributes, unclosed ``<p>``); a ``<`` that does not
open a tag is text.  Every step is bounded by the next ``<``, so time stays
linear on hostile input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from detector.clean import merge_spans
from detector.html import _BLOCK, _ENTITY
from detector.results import Finding, Verdict

__all__ = ["MarkupText", "looks_like_html", "markup_text", "readable"]

# Elements whose contents a reader never sees (raw text, or not rendered).
_RAW = frozenset({"script", "style", "template", "noscript", "iframe", "textarea", "xmp"})
# A field is taken for HTML when it holds one of these tags or a comment: names
# that plain text practically never puts between angle brackets.
_KNOWN = _BLOCK | _RAW | {
    "a", "abbr", "b", "big", "center", "cite", "code", "del", "em", "font", "i", "img",
    "input", "ins", "label", "link", "mark", "meta", "picture", "q", "s", "small",
    "source", "span", "strike", "strong", "sub", "sup", "time", "u", "video", "audio",
    "html", "head",
}  # fmt: skip
_HTML_TAG = re.compile(r"<!--|</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
_SPECIAL = re.compile(r"[<&]")
# A start or end tag, or a declaration (<!doctype …>, <?xml …?>).  The body stops
# at the next "<", so a "<" that opens no tag costs only the distance to the next.
_TAG = re.compile(
    r"<(?:(/?)([A-Za-z][A-Za-z0-9:-]*)(?:\"[^\"<]*\"|'[^'<]*'|[^'\"<>])*|[!?][^<>]*)>"
)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds HTML markup: a comment, or a tag of a common HTML
    element (``<p>``, ``</div>``, ``<br/>``, ``<a href=…>`` …)."""
    if "<" not in text:
        return False
    for match in _HTML_TAG.finditer(text):
        name = match.group(1)
        if name is None or name.lower() in _KNOWN:
            return True
    return False


@dataclass(frozen=True)
class MarkupText:
    """The text of an HTML fragment (see the module docstring).

    Character ``i`` of ``text`` came from ``source[starts[i]:ends[i]]`` (one
    character, or a whole entity); the line breaks that block-level tags add
    come from nothing (``starts[i] == ends[i]``, at the tag).
    """

    source: str
    text: str
    starts: np.ndarray
    ends: np.ndarray

    def literal(self) -> np.ndarray:
        """Per character of ``source``: whether it is text as written, outside
        tags, comments, scripts and styles and not part of an entity."""
        mask = np.zeros(len(self.source), dtype=bool)
        mask[self.starts[self.ends - self.starts == 1]] = True
        return mask

    def source_offset(self, offset: int) -> int:
        """Where character ``offset`` of ``text`` came from in ``source``."""
        return int(self.starts[offset])

    def finding_to_source(self, finding: Finding) -> Finding | None:
        """``finding`` (on ``text``) put on ``source``: from its first character's
        source to its last's, the tags between included (``source[start:end] ==
        finding.text``); None for a finding of nothing but added line breaks."""
        starts = self.starts[finding.start : finding.end]
        ends = self.ends[finding.start : finding.end]
        real = ends > starts
        if not real.any():
            return None
        start, end = int(starts[real][0]), int(ends[real][-1])
        return replace(finding, start=start, end=end, text=self.source[start:end])

    def cuts(self, findings: Iterable[Finding]) -> list[tuple[int, int]]:
        """The source ranges of the characters of ``text`` that ``findings`` (on
        ``source``, from :meth:`to_source`) cover, merged and sorted: what to remove
        to clean the markup without touching a tag."""
        cut: list[tuple[int, int]] = []
        for finding in findings:
            # Both maps rise along the text: the finding's characters are one run.
            low = int(self.starts.searchsorted(finding.start))
            high = int(self.ends.searchsorted(finding.end, side="right"))
            starts, ends = self.starts[low:high], self.ends[low:high]
            real = ends > starts
            cut.extend(zip(starts[real].tolist(), ends[real].tolist(), strict=True))
        return merge_spans(cut, len(self.source))

    def to_source(
        self, verdict: Verdict, block_threshold: float
    ) -> tuple[Verdict, list[tuple[int, int]]]:
        """``verdict`` (of ``text``) with its findings put on ``source``, and the
        source ranges that hold the findings' characters (merged, sorted): the
        ranges to remove to clean the markup without touching a tag.

        A finding covers ``source`` from its first character to its last, so
        ``source[start:end] == finding.text`` holds; the text may include the
        tags between them.  A finding of nothing but added line breaks is
        dropped (score and ``is_spam`` recomputed against ``block_threshold``)."""
        from detector.suppress import without

        mapped = [(finding, self.finding_to_source(finding)) for finding in verdict.findings]
        verdict = without(verdict, [f for f, m in mapped if m is not None], block_threshold)
        findings = tuple(m for _, m in mapped if m is not None)
        return replace(verdict, findings=findings), self.cuts(findings)


def readable(text: str) -> MarkupText | None:
    """The text a reader sees of a field that holds HTML (:func:`looks_like_html`),
    or None for a field of plain text, which is scanned as it is.  Every place that
    scans a string field (``detector scan`` and ``clean`` on JSON and JSONL, the
    Python hook, the Scrapy pipeline, Spark) reads it through this, so they agree."""
    return markup_text(text) if looks_like_html(text) else None


def markup_text(source: str) -> MarkupText:
    """The text of the HTML fragment ``source`` and where each character came from."""
    pieces: list[str] = []
    # Per piece of text: its source start and end; literal pieces map their
    # characters one to one, added ones (an entity, a line break) all to the range.
    sources: list[tuple[int, int, bool]] = []
    last = ""  # the last character of the text so far
    missing: dict[str, int] = {}  # a closing pattern known to be absent from here on

    def literal(start: int, end: int) -> None:
        nonlocal last
        if start < end:
            pieces.append(source[start:end])
            sources.append((start, end, True))
            last = source[end - 1]

    def added(value: str, start: int, end: int) -> None:
        nonlocal last
        pieces.append(value)
        sources.append((start, end, False))
        last = value[-1]

    def find(pattern: str, at: int) -> re.Match[str] | None:
        if missing.get(pattern, len(source) + 1) <= at:
            return None
        match = re.compile(pattern, re.IGNORECASE).search(source, at)
        if match is None:
            missing[pattern] = at
        return match

    position = 0
    while True:
        special = _SPECIAL.search(source, position)
        if special is None:
            literal(position, len(source))
            break
        at = special.start()
        literal(position, at)
        position = at + 1
        if source[at] == "&":
            entity = _ENTITY.match(source, at)
            if entity is not None and html.unescape(entity.group()) != entity.group():
                added(html.unescape(entity.group()), at, entity.end())
                position = entity.end()
            else:
                literal(at, at + 1)
            continue
        if source.startswith("<!--", at):
            close = find("-->", at + 4)
            if close is None:
                literal(at, at + 1)
            else:
                position = close.end()
            continue
        tag = _TAG.match(source, at)
        if tag is None:
            literal(at, at + 1)
            continue
        position = tag.end()
        slash, name = tag.group(1), (tag.group(2) or "").lower()
        if name in _RAW and not slash:
            close = find(rf"</{name}\s*>", position)
            if close is not None:
                position = close.end()
                continue
        if name in _BLOCK and last not in ("", "\n"):
            added("\n", at, at)
    sizes = np.array([len(piece) for piece in pieces], dtype=np.int64)
    table = np.array(sources, dtype=np.int64).reshape(-1, 3)
    first = sizes.cumsum() - sizes  # where each piece begins in the text
    one_to_one = table[:, 2].astype(bool).repeat(sizes)
    step = np.arange(int(sizes.sum()), dtype=np.int64) - first.repeat(sizes)
    starts = table[:, 0].repeat(sizes) + np.where(one_to_one, step, 0)
    ends = np.where(one_to_one, starts + 1, table[:, 1].repeat(sizes))
    return MarkupText(source, "".join(pieces), starts, ends)

"""Text of an HTML page, which parts of it are hidden, and where it came from.

``extract(source)`` returns an :class:`HtmlText`:

* ``text``: the page's text in document order, the contents of ``<title>`` and
  ``<body>``; block-level elements and ``<br>`` start a new line.  Script, style,
  template, noscript and other never-rendered elements are left out.  Hidden
  text is *included* (it is usually the ad), and its ranges are listed in
  ``hidden``.
* ``hidden``: half-open ranges of ``text`` inside an element hidden by an inline
  style (``display:none``, ``visibility:hidden``, ``font-size:0``,
  ``opacity:0``, off-screen ``left``/``top``/``text-indent``/``margin`` of -500px
  or further) or by the ``hidden`` attribute.
* ``source_offset(i)``: where character ``i`` of ``text`` sits in the HTML source,
  exactly when it is written literally there (a character reference such as
  ``&nbsp;``: at the reference's start), else the start of the text node's first
  literal piece, for a text node not found in the source as the parser reads it.

Findings on an HTML file index ``text`` (``text[start:end] == finding.text``);
the linter lines point into the HTML source through ``source_offset``.

The parser is selectolax (lexbor, HTML5 tree building).  Every walk here is
iterative, and nesting deeper than ``MAX_DEPTH`` is flattened before parsing
(tags dropped, text kept) because HTML5 tree building is quadratic in depth:
100,000 nested ``<div>`` would otherwise take half a minute.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from html import unescape

from detector.results import Finding, Verdict

__all__ = [
    "HIDDEN_TEXT",
    "MAX_DEPTH",
    "HtmlText",
    "extract",
    "hidden_findings",
    "is_hidden_style",
    "scored_by",
]

HIDDEN_TEXT = "hidden-text"

MAX_DEPTH = 512
_OFFSCREEN_PX = 500

_SKIP = frozenset(
    {"head", "script", "style", "template", "noscript", "iframe", "object", "svg", "math",
     "select", "textarea", "-comment", "!doctype"}
)  # fmt: skip
_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl",
     "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
     "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
     "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul", "body",
     "center", "dir", "hgroup", "legend", "listing", "menu", "search"}
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip

_DECLARATIONS = re.compile(r"([a-zA-Z-]+)\s*:\s*([^;]+)")
_NUMBER = re.compile(r"^(-?\d*\.?\d+)\s*([a-z%]*)")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^>]*?(/?)>")
_WORD = re.compile(r"\w+")
# A character reference as a parser reads it (also in markup.py's fields).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
# How far past the cursor a text node is looked for as written before it is
# spelled out piece by piece: the tags between two text nodes, mostly.
_NEAR = 2048
# Source that holds no text node of the page: comments, and the contents of
# raw-text elements (to their end tag, or the end of the page as the parser reads
# them unclosed).  A text node is never looked for there.
_UNREAD = re.compile(
    r"<!--(?:-?>|.*?(?:--!?>|\Z))"
    r"|<(script|style|xmp|iframe|noembed|noframes|textarea)\b[^>]*>.*?(?:</\1[\s/>]|\Z)",
    re.DOTALL | re.IGNORECASE,
)


def _length(value: str) -> tuple[float, str] | None:
    match = _NUMBER.match(value.strip().lower())
    if match is None:
        return None
    return float(match.group(1)), match.group(2)


def is_hidden_style(style: str) -> bool:
    """Whether an inline ``style`` attribute hides its element's text."""
    for name, raw in _DECLARATIONS.findall(style):
        prop = name.lower()
        value = raw.strip().lower().replace("!important", "").strip()
        if prop == "display" and value == "none":
            return True
        if prop == "visibility" and value in ("hidden", "collapse"):
            return True
        if prop in ("font-size", "opacity", "line-height", "max-height", "height"):
            size = _length(value)
            if size is not None and size[0] == 0 and prop != "line-height":
                return True
            if prop == "font-size" and size is not None and size[0] <= 0:
                return True
        if prop in ("left", "top", "right", "text-indent", "margin-left", "margin-top"):
            size = _length(value)
            if size is not None and size[0] <= -_OFFSCREEN_PX and size[1] in ("px", ""):
                return True
            if size is not None and size[0] <= -100 and size[1] in ("em", "rem", "%", "vw"):
                return True
    return False


def flatten_deep_nesting(source: str, max_depth: int = MAX_DEPTH) -> str:
    """Drop the tags (not the text) of elements nested deeper than ``max_depth``."""
    depth = 0
    deepest = 0
    for match in _TAG.finditer(source):
        closing, name, selfclosing = match.groups()
        if name.lower() in _VOID or selfclosing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    if deepest <= max_depth:
        return source
    pieces: list[str] = []
    last = 0
    depth = 0
    for match in _TAG.finditer(source):
        closing, name, selfclosing = match.groups()
        if name.lower() in _VOID or selfclosing:
            continue
        if closing:
            drop = depth > max_depth
            depth = max(depth - 1, 0)
        else:
            depth += 1
            drop = depth > max_depth
        if drop:
            pieces.append(source[last : match.start()])
            last = match.end()
    pieces.append(source[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class HtmlText:
    """The text of an HTML page (see the module docstring)."""

    text: str
    hidden: tuple[tuple[int, int], ...]
    source: str
    # (offset in text, offset in source, exact) for the start of each text node
    anchors: tuple[tuple[int, int, bool], ...]
    # the length of each text node's text, in the order of ``anchors``
    lengths: tuple[int, ...] = ()
    # Anchors index the source as the parser reads it, each CRLF one LF: where
    # those LFs stand there (see ``_in_source``).
    crlf: tuple[int, ...] = ()

    def _in_source(self, offset: int) -> int:
        """An offset into the source as the parser reads it, put on ``source``."""
        return offset + bisect.bisect_left(self.crlf, offset)

    def source_offset(self, offset: int) -> int:
        """The source offset of ``text[offset]`` (see the module docstring)."""
        if not self.anchors:
            return 0
        i = max(bisect.bisect_right(self.anchors, offset, key=_text_start) - 1, 0)
        text_start, source_start, exact = self.anchors[i]
        if exact:
            position = self._in_source(source_start + max(offset - text_start, 0))
            return min(position, len(self.source))
        return self._in_source(source_start)

    def source_ranges(self, start: int, end: int) -> list[tuple[int, int]] | None:
        """Where the characters of ``text[start:end]`` stand in the source, as
        half-open source ranges (the line breaks and spaces extraction puts
        between blocks stand nowhere); None when some of them are not literally
        in the source (a character reference, a text node not found there)."""
        ranges: list[tuple[int, int]] = []
        i = max(bisect.bisect_right(self.anchors, start, key=_text_start) - 1, 0)
        while i < len(self.anchors) and self.anchors[i][0] < end:
            text_start, source_start, exact = self.anchors[i]
            low, high = max(start, text_start), min(end, text_start + self.lengths[i])
            if low < high:
                if not exact:
                    return None
                low, high = source_start + low - text_start, source_start + high - text_start
                ranges.append((self._in_source(low), self._in_source(high)))
            i += 1
        return ranges


def _find_text(source: str, text: str, start: int, unread: list[tuple[int, int]]) -> int:
    """The first occurrence of ``text`` in ``source`` from ``start`` on that is not
    inside a tag (the words of a link's ``title`` before the link's text), judged
    by the last ``<`` and ``>`` before it, nor in one of the ``unread`` ranges
    (sorted; comments and scripts: a page's JSON-LD repeats its paragraphs); -1
    if none."""
    found = source.find(text, start)
    while found >= 0 and (after := _not_text(source, found, start, unread)) is not None:
        found = source.find(text, after)
    return found


def _not_text(source: str, found: int, start: int, unread: list[tuple[int, int]]) -> int | None:
    """None when ``source[found]`` may begin a text node looked for from
    ``start``; else where to look on: the end of the ``unread`` range holding
    it, or past it, inside a tag."""
    i = bisect.bisect_right(unread, (found, len(source))) - 1
    if i >= 0 and found < unread[i][1]:
        return unread[i][1]
    if source.rfind("<", start, found) > source.rfind(">", start, found):
        return found + 1
    return None


def _spelled(
    read: str, value: str, start: int
) -> tuple[list[tuple[int, int, bool, int]], int] | None:
    """How the text node ``value`` is written in ``read`` from ``start`` on: its
    pieces (offset in ``value``, offset in ``read``, literal, length), runs of
    literal text and the character references between them, and where it ends in
    ``read``; None when it is not written there."""
    pieces: list[tuple[int, int, bool, int]] = []
    i, at = 0, start
    while i < len(value):
        amp = read.find("&", at, at + len(value) - i)
        run = (at + len(value) - i if amp < 0 else amp) - at
        if run:
            if not read.startswith(value[i : i + run], at):
                return None
            pieces.append((i, at, True, run))
            i, at = i + run, at + run
            continue
        entity = _ENTITY.match(read, at)
        decoded = unescape(entity.group()) if entity is not None else "&"
        if entity is not None and decoded != entity.group() and value.startswith(decoded, i):
            pieces.append((i, at, False, len(decoded)))
            i, at = i + len(decoded), entity.end()
        elif value[i] == "&":
            pieces.append((i, at, True, 1))
            i, at = i + 1, at + 1
        else:
            return None
    return pieces, at


def _written_near(read: str, value: str, start: int, unread: list[tuple[int, int]]) -> int:
    """Where the text node ``value`` is written as it is in ``read`` within
    ``_NEAR`` characters of ``start``, outside tags and ``unread`` ranges (see
    :func:`_find_text`), as most text nodes are; -1 if not there (a character
    reference in it, or a long run of tags or script before it)."""
    found = read.find(value, start, start + _NEAR + len(value))
    return found if found >= 0 and _not_text(read, found, start, unread) is None else -1


def _spelled_near(
    read: str, value: str, cursor: int, unread: list[tuple[int, int]]
) -> tuple[list[tuple[int, int, bool, int]], int] | None:
    """:func:`_spelled` for a text node not written literally in the source: it
    starts after a ``>`` before its first word (letters, digits, hanzi, which a
    character reference rarely spells), the nearest that reads it."""
    word = _WORD.search(value)
    if word is None:
        return None
    found = _find_text(read, word.group()[:8], cursor, unread)
    while found >= cursor:
        tag = read.rfind(">", cursor, found)
        spelled = _spelled(read, value, max(tag + 1, cursor))
        if spelled is not None or tag < 0:
            return spelled
        found = tag
    return None


def _text_start(anchor: tuple[int, int, bool]) -> int:
    return anchor[0]


def _walk(root: object) -> Iterator[tuple[str, object, bool]]:
    """Yield ("text", node, hidden) and ("open"/"close", node, hidden) iteratively."""
    stack: list[tuple[object, bool, bool]] = [(root, False, False)]
    while stack:
        node, hidden, closing = stack.pop()
        if closing:
            yield "close", node, hidden
            continue
        if node.is_text_node:  # type: ignore[attr-defined]
            yield "text", node, hidden
            continue
        tag = (node.tag or "").lower()  # type: ignore[attr-defined]
        if tag in _SKIP and tag != "head":
            continue
        if tag == "head":
            # Only the title of <head> is shown to readers.
            title = node.css_first("title")  # type: ignore[attr-defined]
            if title is not None:
                stack.append((title, hidden, False))
            continue
        attrs = node.attributes if node.is_element_node else {}  # type: ignore[attr-defined]
        if "hidden" in attrs or is_hidden_style(attrs.get("style") or ""):
            hidden = True
        yield "open", node, hidden
        stack.append((node, hidden, True))
        children = []
        child = node.first_child  # type: ignore[attr-defined]
        while child is not None:
            children.append(child)
            child = child.next
        for child in reversed(children):
            stack.append((child, hidden, False))


def extract(source: str) -> HtmlText:
    """Parse ``source`` and return its text, hidden ranges and source anchors."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(flatten_deep_nesting(source))
    # The parser reads a CRLF, and a lone CR, as LF: text nodes are looked for in
    # the source as it reads it (a paragraph over lines of a page saved on Windows
    # was not found), and their offsets put back on ``source`` by ``HtmlText``.
    crlf = tuple(m.start() - i for i, m in enumerate(re.finditer("\r\n", source)))
    read = source.replace("\r\n", "\n").replace("\r", "\n")
    unread = [match.span() for match in _UNREAD.finditer(read)]
    parts: list[str] = []
    length = 0
    hidden: list[tuple[int, int]] = []
    anchors: list[tuple[int, int, bool]] = []
    lengths: list[int] = []
    cursor = 0

    def newline() -> None:
        nonlocal length
        if parts and not parts[-1].endswith("\n"):
            parts.append("\n")
            length += 1

    root = tree.root
    if root is None:
        return HtmlText("", (), source, ())
    for event, node, is_hidden in _walk(root):
        if event != "text":
            if (node.tag or "").lower() in _BLOCK:  # type: ignore[attr-defined]
                newline()
            continue
        value = node.text_content or ""  # type: ignore[attr-defined]
        if not value.strip():
            if value and parts and not parts[-1].endswith(("\n", " ")):
                parts.append(" ")
                length += 1
            continue
        # Found by its first word and read piece by piece: each literal run is
        # exact, a character reference (&nbsp;, &ldquo;) is not, so only a span
        # over one is not plain text.  (Looked up whole first, a node holding a
        # reference was searched for to the end of the page: quadratic time.)
        found = _written_near(read, value, cursor, unread)
        spelled = None if found >= 0 else _spelled_near(read, value, cursor, unread)
        if found < 0 and spelled is None:
            found = _find_text(read, value, cursor, unread)
        exact = found >= 0
        if spelled is not None:
            pieces, cursor = spelled
            for offset, where, literal, size in pieces:
                anchors.append((length + offset, where, literal))
                lengths.append(size)
        else:
            if not exact:
                piece = value.strip().split("&")[0][:8] or value.strip()[:1]
                found = _find_text(read, piece, cursor, unread)
            if found >= 0:
                anchors.append((length, found, exact))
                if exact:
                    cursor = found + len(value)
                else:
                    # The node runs on in the source at least to the next tag: left at
                    # its start, the next node was found inside it (both began 强化服务)
                    # and pointed a later paragraph's ad back at this one.
                    after = found + len(piece)
                    tag = read.find("<", after)
                    cursor = after if tag < 0 else tag
            else:
                anchors.append((length, cursor, False))
            lengths.append(len(value))
        if is_hidden:
            lead = len(value) - len(value.lstrip())
            hidden.append((length + lead, length + len(value.rstrip())))
        parts.append(value)
        length += len(value)
    text = "".join(parts)
    return HtmlText(text, _merge_ranges(text, hidden), source, tuple(anchors), tuple(lengths), crlf)


def _merge_ranges(text: str, ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Join hidden ranges separated only by spaces on one line (one block, many nodes)."""
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        gap = text[merged[-1][1] : start] if merged else "\n"
        if not gap.strip() and "\n" not in gap:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def hidden_findings(html: HtmlText, verdict: Verdict) -> Verdict:
    """``verdict`` plus one ``hidden-text`` finding per hidden range holding advertising.

    The model scans hidden text like any other; a hidden range is reported when a
    model finding overlaps it, with that finding's score (the highest, if several;
    :func:`scored_by`).  Hidden menus, dialogs and templates without advertising
    are not reported.
    """
    extra: list[Finding] = []
    for start, end in html.hidden:
        hidden = Finding(start, end, html.text[start:end], 0.0, HIDDEN_TEXT)
        source = scored_by(hidden, verdict.findings)
        if source is not None:
            extra.append(replace(hidden, score=source.score))
    if not extra:
        return verdict
    findings = tuple(sorted((*verdict.findings, *extra), key=lambda f: (f.start, f.end)))
    return replace(verdict, findings=findings)


def scored_by(hidden: Finding, findings: Iterable[Finding]) -> Finding | None:
    """The model finding of ``findings`` that the hidden-text finding ``hidden``
    takes its score from: the highest-scoring one overlapping it (the first of
    equals); None when none does.  ``detector explain`` explains ``hidden`` by it."""
    over = [
        f
        for f in findings
        if f.category != HIDDEN_TEXT and f.start < hidden.end and hidden.start < f.end
    ]
    return max(over, key=lambda f: f.score, default=None)

"""Where a record's fields are written in its JSON text (pure).

A finding in a field of a JSONL or JSON record indexes the field's decoded
string; the text output's ``path:line:col`` and the SARIF region point at the
finding in the file as written.  :class:`RecordPositions` maps an offset into a
field to the line and column of that character in the file: it finds the
field's string literal in the record's raw text (the top-level member, or an
item of a list for ``content[1]``), counts the escapes before the offset and the
characters each is written with (``\\n``, ``\\"`` and ``\\uXXXX`` decode to one
character each, a surrogate pair ``\\ud83d\\ude00`` to one in all, as ``json``
decodes them) and adds where the record starts in the file
(:class:`detector.inputs.RecordText`).  Columns count the
characters of the file's decoded text, as for a text file.

It is built for records with findings only, when their lines are printed: the
reader keeps the record's raw text, and nothing here runs for the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from detector.inputs import LONE_SURROGATE, Document, RecordText, skip_space
from detector.lines import Lines

__all__ = ["RecordPositions", "array_items", "object_members"]

# The escapes of a JSON string, each folded to one stand-in character (as it
# decodes to one character) that tells how many more characters it is written
# with: an escaped backslash first (the rest then each start at a backslash),
# then a surrogate pair (json joins a high and a low escape into one character),
# then one \uXXXX, then the two-character escapes.  A JSON string holds no
# control character as written, so the stand-ins are not mistaken.
_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_UNICODE = re.compile(r"\\u[0-9a-fA-F]{4}")
_SHORT = re.compile(r"\\.")
_EXTRA = {"\x00": 1, "\x01": 5, "\x02": 11}
# A list element's field name (``content[1]``, see inputs.text_elements).
_ELEMENT = re.compile(r"(.*)\[([0-9]+)\]", re.DOTALL)
_DECODER = json.JSONDecoder()


def object_members(text: str) -> dict[str, tuple[int, int]]:
    """Where the value of each top-level member of the JSON object ``text`` is
    written (start, end); with a duplicated key the last one, which
    ``json.loads`` keeps.  Raises ``ValueError`` if ``text`` is not an object."""
    index = skip_space(text, 0)
    if not text.startswith("{", index):
        raise ValueError("not a JSON object")
    index = skip_space(text, index + 1)
    where: dict[str, tuple[int, int]] = {}
    while not text.startswith("}", index):
        if not text.startswith('"', index):
            raise ValueError(f"expected a key at column {index + 1}")
        key, index = _DECODER.raw_decode(text, index)
        index = skip_space(text, index)
        if not text.startswith(":", index):
            raise ValueError(f"expected ':' at column {index + 1}")
        index = skip_space(text, index + 1)
        _, end = _DECODER.raw_decode(text, index)
        where[key] = (index, end)
        index = skip_space(text, end)
        if text.startswith(",", index):
            index = skip_space(text, index + 1)
        elif not text.startswith("}", index):
            raise ValueError(f"expected ',' or '}}' at column {index + 1}")
    return where


def array_items(text: str, start: int) -> Iterator[tuple[int, int]]:
    """Where each item of the JSON array written at ``text[start:]`` is written
    (start, end), in order.  Raises ``ValueError`` if it is not an array."""
    if not text.startswith("[", start):
        raise ValueError("not a JSON array")
    index = skip_space(text, start + 1)
    while not text.startswith("]", index):
        _, end = _DECODER.raw_decode(text, index)
        yield index, end
        index = skip_space(text, end)
        if text.startswith(",", index):
            index = skip_space(text, index + 1)
        elif not text.startswith("]", index):
            raise ValueError(f"expected ',' or ']' at column {index + 1}")


class _StringOffsets:
    """Offsets into the decoded value of the string literal ``text[start:end]``
    (quotes included) → offsets into ``text``."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self._start = start + 1
        body = text[start + 1 : end - 1]
        # The body with each escape folded to its stand-in: one character per
        # character of the value, so the escapes before an offset are counted.
        self._folded: str | None = None
        if "\\" in body:
            body = body.replace("\\\\", "\x00")
            if "\\u" in body:
                body = _UNICODE.sub("\x01", _PAIR.sub("\x02", body))
            body = self._folded = _SHORT.sub("\x00", body)
        self.length = len(body)  # the decoded value's

    def raw(self, offset: int) -> int:
        """Where the decoded character ``offset`` starts in ``text`` (``offset``
        the value's length: where its closing quote is)."""
        raw = self._start + offset
        if self._folded is not None:
            count = self._folded.count
            raw += sum(extra * count(mark, 0, offset) for mark, extra in _EXTRA.items())
        return raw


class RecordPositions:
    """Line and column in the file (1-based, columns in characters) of offsets
    into the fields of one record, whose raw text and start are ``record`` and
    whose scanned ``fields`` (name → decoded text) the offsets index."""

    def __init__(self, record: RecordText, fields: Mapping[str | None, str]) -> None:
        self._record = record
        self._fields = fields
        self._lines = Lines(record.text)
        self._members: dict[str, tuple[int, int]] | None = None
        self._strings: dict[str | None, _StringOffsets | None] = {}

    @classmethod
    def of(cls, document: Document) -> RecordPositions | None:
        """The positions of ``document``'s fields; None for a file.  A record read
        without its raw text finds no field (see :meth:`place`)."""
        if document.line is None:
            return None
        return cls(document.raw or RecordText("", document.line), document.fields)

    def place(self, field: str | None, offset: int) -> tuple[int, int]:
        """:meth:`line_col`, or when the field's string cannot be found (not
        expected) the record's first line and the offset into the field, 1-based."""
        return self.line_col(field, offset) or (self._record.line, offset + 1)

    def line_col(self, field: str | None, offset: int) -> tuple[int, int] | None:
        """Where character ``offset`` of ``field`` (or, at the field's length, its
        closing quote) is written in the file; None when the field's string
        cannot be found in the record's text (not expected)."""
        if field not in self._strings:
            self._strings[field] = self._find(field)
        string = self._strings[field]
        if string is None:
            return None
        line, col = self._lines.line_col(string.raw(offset))
        if line == 1:
            col += self._record.column - 1
        return self._record.line + line - 1, col

    def _find(self, field: str | None) -> _StringOffsets | None:
        """The offsets of ``field``'s string literal, checked to decode to the
        scanned text."""
        value = self._fields.get(field)
        if field is None or value is None:
            return None
        text = self._record.text
        try:
            span = self._literal(field)
            if span is None:
                return None
            decoded = _DECODER.decode(text[span[0] : span[1]])
        except (ValueError, RecursionError):
            return None
        if not isinstance(decoded, str) or LONE_SURROGATE.sub("\ufffd", decoded) != value:
            return None
        offsets = _StringOffsets(text, *span)
        return offsets if offsets.length == len(value) else None

    def _literal(self, field: str) -> tuple[int, int] | None:
        """Where the string ``field`` names is written: the member ``field`` when it
        holds a string, else item ``i`` of the list member ``name`` for
        ``name[i]``."""
        text = self._record.text
        if self._members is None:
            self._members = object_members(text)
        span = self._members.get(field)
        if span is not None and text.startswith('"', span[0]):
            return span
        element = _ELEMENT.fullmatch(field)
        if element is None:
            return None
        span = self._members.get(element.group(1))
        if span is None or not text.startswith("[", span[0]):
            return None
        wanted = int(element.group(2))
        for index, item in enumerate(array_items(text, span[0])):
            if index == wanted:
                return item if text.startswith('"', item[0]) else None
        return None

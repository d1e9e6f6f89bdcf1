"""Line and column numbers of offsets into one text, in one pass over it.

Counting the line breaks before an offset from the start of the text for every
finding (or every record of a JSON array) costs the text's length each time: a
13 MB single-line file with 900 findings took seconds, a 30 MB JSON array of
20,000 records a minute and a half.  :class:`Lines` counts on from the last
offset asked about, so offsets asked in increasing order (findings are ordered by
start; records come in file order) cost the text's length once in all.
"""

from __future__ import annotations

__all__ = ["Lines"]


class Lines:
    """1-based line and column (in characters) of offsets into ``text``."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0  # line breaks are counted up to here
        self._line = 1  # the line holding _offset
        self._line_start = 0  # where that line starts
        # Looked for once: per call, it read the whole text each time (a 42 MB JSON
        # array of 200,000 records took 343 s, 40,000 of them 12.7 s).
        self._has_cr = "\r" in text

    def line(self, offset: int) -> int:
        """The line holding ``offset``."""
        return self.line_col(offset)[0]

    def line_col(self, offset: int) -> tuple[int, int]:
        """Line and column of ``offset``; cheapest when offsets increase from one
        call to the next (an earlier offset is counted again from the start).
        A line ends at ``\n``, ``\r\n`` or a lone ``\r`` (old Mac files, and
        what SARIF viewers count)."""
        if offset < self._offset:
            self._offset, self._line, self._line_start = 0, 1, 0
        text, start = self._text, self._offset
        breaks = text.count("\n", start, offset)
        last = text.rfind("\n", start, offset) if breaks else -1
        if self._has_cr:
            # A \r is a break of its own unless a \n follows it (which is).
            breaks += text.count("\r", start, offset) - text.count("\r\n", start, offset + 1)
            cr = text.rfind("\r", max(start, last), offset)
            while cr > last and text.startswith("\n", cr + 1):
                cr = text.rfind("\r", max(start, last), cr)
            last = max(last, cr)
        if breaks:
            self._line += breaks
            self._line_start = last + 1
        self._offset = offset
        return self._line, offset - self._line_start + 1

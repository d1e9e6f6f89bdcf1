"""A one-line progress indicator on stderr for long scans of files and directories.

Drawn only when the stream is a terminal, and only once a scan has run for
``delay_s`` seconds, so short scans and piped or redirected runs (CI, ``2> log``)
never see it; nor does a pre-commit hook, which pre-commit runs on a
pseudo-terminal of its own (to keep colours) whose output it collects and prints
as the hook's report.  ``clear()`` wipes the line before other output.  It
counts the files read of those found and the documents (files, pages, records)
scanned, so a single large JSONL file shows its records going by.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

__all__ = ["Progress", "is_terminal", "wants_progress"]


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for a closed or replaced one)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def wants_progress(stream: TextIO, has_files: bool) -> bool:
    """Whether to show progress: a scan of files or directories (not of stdin
    alone) with ``stream`` on a terminal, not run by pre-commit (which sets
    ``PRE_COMMIT`` and gives its hooks a pseudo-terminal: the line went into the
    hook's report)."""
    return has_files and not os.environ.get("PRE_COMMIT") and is_terminal(stream)


class Progress:
    """``advance()`` after each file, ``document()`` after each document
    scanned; ``close()`` at the end."""

    def __init__(
        self, total: int, stream: TextIO, delay_s: float = 0.5, interval_s: float = 0.1
    ) -> None:
        self.total = total
        self.done = 0
        self.documents = 0
        self._label = ""
        self.stream = stream
        self._started = time.monotonic()
        self._delay_s = delay_s
        self._interval_s = interval_s
        self._drawn_at = 0.0
        self._visible = False

    def reading(self, label: str) -> None:
        """Name the file now being read."""
        self._label = label

    def advance(self, label: str | None = None) -> None:
        self.done += 1
        if label is not None:
            self._label = label
        self._draw()

    def document(self) -> None:
        self.documents += 1
        self._draw()

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self._started < self._delay_s or now - self._drawn_at < self._interval_s:
            return
        self._drawn_at = now
        from detector.report import counted

        scanned = f"{counted(self.documents, 'document')} {self._label}"
        if self.total <= 1:  # one file: no bar to fill, its records go by
            line = f"scanning {scanned}"
        else:
            percent = 100 * self.done // self.total
            width = 30
            filled = width * self.done // self.total
            bar = "#" * filled + "-" * (width - filled)
            line = f"scanning [{bar}] {self.done}/{self.total} {percent:3d}% {scanned}"
        self.stream.write("\r\x1b[K" + line[:120])
        self.stream.flush()
        self._visible = True

    def clear(self) -> None:
        if self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False

    def close(self) -> None:
        self.clear()

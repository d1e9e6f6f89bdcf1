"""A one-line progress indicator on stderr for long scans of files and directories.

Drawn only when the stream is a terminal, and only once a scan has run for
``delay_s`` seconds, so short scans and piped or redirected runs (CI, ``2> log``)
never see it; nor does a pre-commit hook, which pre-commit runs on a
pseudo-terminal of its own (to keep colours) whose output it collects and prints
as the hook's report.  ``clear()`` wipes the line before other output.  It
counts the files whose results are all written of those found and the
documents (files, pages, records) written, so a single large JSONL file shows
its records going by, and names the file whose result was written last: what
the output shows, not what the scan reads ahead (a chunk of up to 256 files,
and with ``--jobs`` several chunks in flight).
"""

from __future__ import annotations

import os
import time
from collections import deque
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
    """The line of a scan of ``total`` files: ``taken(name)`` as the scan takes
    each file (in input order), ``written(name)`` after each result written (a
    document; ``document=False``: an error or a notice), ``close()`` at the end.

    A file is done once a result of a file taken after it is written: results
    come in input order, and a file may have none (an empty JSONL file) or many
    (its records).  Counted as the scan took them, the files ran ahead of the
    output, and the line named one whose results were yet to come."""

    def __init__(
        self, total: int, stream: TextIO, delay_s: float = 0.5, interval_s: float = 0.1
    ) -> None:
        self.total = total
        self.done = 0
        self.documents = 0
        self._label = ""
        self._taken: deque[str] = deque()  # taken and not known to be done
        self.stream = stream
        self._started = time.monotonic()
        self._delay_s = delay_s
        self._interval_s = interval_s
        self._drawn_at = 0.0
        self._visible = False

    def taken(self, name: str) -> None:
        """The scan took the file ``name`` (as its results name it)."""
        self._taken.append(name)

    def written(self, name: str, document: bool = True) -> None:
        """A result of ``name`` was written: the files taken before it are done,
        and the line names it (a name never taken, a missing file's, changes
        neither); a document is counted, and the line drawn."""
        if name in self._taken:
            while self._taken[0] != name:
                self._taken.popleft()
                self.done += 1
            self._label = name
        if document:
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

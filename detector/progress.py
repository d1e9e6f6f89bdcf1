"""A one-line progress indicator on stderr for long directory scans.

Drawn only when the stream is a terminal, and only once a scan has run for
``delay_s`` seconds, so short scans and piped or redirected runs (CI, pre-commit,
``2> log``) never see it.  ``clear()`` wipes the line before other output.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress", "wants_progress"]


def wants_progress(stream: TextIO, has_directory: bool) -> bool:
    """Whether to show progress: a directory scan with ``stream`` on a terminal."""
    try:
        return has_directory and stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``advance()`` after each file; ``close()`` at the end."""

    def __init__(
        self, total: int, stream: TextIO, delay_s: float = 0.5, interval_s: float = 0.1
    ) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self._started = time.monotonic()
        self._delay_s = delay_s
        self._interval_s = interval_s
        self._drawn_at = 0.0
        self._visible = False

    def advance(self, label: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._started < self._delay_s or now - self._drawn_at < self._interval_s:
            return
        self._drawn_at = now
        percent = 100 * self.done // max(self.total, 1)
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        line = f"scanning [{bar}] {self.done}/{self.total} {percent:3d}% {label}"
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

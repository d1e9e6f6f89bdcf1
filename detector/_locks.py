"""Locks for what is loaded once per process, made anew in every forked child.

A lock that another thread holds when the process forks stays held in the
child, where that thread does not exist: a child forked while a thread was
loading the default model (``Detector.default()``, ~0.5 s), the word dictionary
(~2 s when it is first built) or a model by path waited for it forever at its
first scan.  ``logging`` replaces its locks after a fork for the same reason.
What these locks guard is published by one assignment (``_DEFAULT = ...``), so a
child finds it loaded, or not at all and loads it itself.
"""

from __future__ import annotations

import os
import threading
import weakref
from types import TracebackType

__all__ = ["ForkSafeLock"]


class ForkSafeLock:
    """A ``threading.Lock`` (as a context manager) that a forked child gets back
    released, whichever thread of the parent held it."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        _LOCKS.add(self)

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()


_LOCKS: weakref.WeakSet[ForkSafeLock] = weakref.WeakSet()


def _renew_in_child() -> None:
    for lock in list(_LOCKS):
        lock._lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_renew_in_child)

"""An exclusive lock on a directory, held while files in it are read, changed and
replaced (a model saved, a baseline updated): two runs doing it at once take
turns instead of mixing their temporary files or losing each other's update.

``flock`` on the directory itself, so no lock file is left behind; released when
the descriptor is closed, also when the process dies.  Advisory: readers
(``load_model``, ``scan --baseline``) do not take it, as they need not (the
files are replaced by rename).  Where there is no ``flock`` (Windows) or the
file system refuses it on a directory, runs are not serialized, as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(directory: str | Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``directory`` (which must exist) for the block;
    ``waiting`` is called once if another process (or thread) holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # not openable: whatever comes next reports the directory
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # no flock on this file system (some network ones)
            pass
        yield
    finally:
        os.close(descriptor)

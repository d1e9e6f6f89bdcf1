"""Writing files the user gave without losing them: a file replaced whole or
not at all (:class:`AtomicFile`: ``clean``'s outputs, baselines, the dev
benchmark), and a lock on a directory (:func:`locked`: a model save, a baseline
update), so that two runs doing it at once take turns instead of mixing their
temporary files or losing each other's update.

The lock is ``flock`` on the directory itself, so no lock file is left behind;
it is released when the descriptor is closed, also when the process dies.
Advisory: readers (``load_model``, ``scan --baseline``) do not take it, as they
need not (the files are replaced by rename).  Where there is no ``flock``
(Windows) or the file system refuses it on a directory, runs are not
serialized, as before.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast


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
            with contextlib.suppress(OSError):  # it cannot be waited for (ENOLCK): as below
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # no flock on this file system (some network ones)
            pass
        yield
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP that come during the block are raised as it ends, so
    that what it does (a temporary file created and named, renamed or removed)
    is done whole: one landing in between left ``.NAME.XXXXXXXX.tmp`` files
    behind.  The signals are blocked in this thread, so they wait, and their
    handlers only note one that another thread of the process takes (the kernel
    hands it to a thread that does not block it: OpenBLAS's, say), to raise it
    again once the block is done; blocked alone, such a signal was raised in
    the middle of the block.  (In a thread other than the main one, nothing is
    deferred; without ``pthread_sigmask`` (Windows), only what a handler notes.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGHUP"):
        held.append(signal.SIGHUP)
    came: list[int] = []

    def note(signum: int, frame: object) -> None:
        came.append(signum)

    mask = getattr(signal, "pthread_sigmask", None)
    blocked = None if mask is None else mask(signal.SIG_BLOCK, held)
    handlers: dict[int, Any] = {}
    try:
        for signum in held:
            handler = signal.getsignal(signum)
            if handler is not None and handler is not signal.SIG_IGN:  # None: not Python's
                handlers[signum] = signal.signal(signum, note)
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        if mask is not None and blocked is not None:
            mask(signal.SIG_SETMASK, blocked)  # one that waited is handled now
        for signum in dict.fromkeys(came):  # one another thread took, again
            signal.raise_signal(signum)


def version_of(info: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is replaced or written to: its inode, size, and
    times of modification and change."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def open_descriptor(path: str) -> int | None:
    """The descriptor of this process that ``path`` names (``/dev/stdout``,
    ``/dev/fd/1``, ``/proc/self/fd/1``: 1), or None.  Such a name leads, through
    ``/proc``, to the file the descriptor is open on, which a rename would
    replace: with standard output redirected (``>> all.txt``), what the shell
    had written there was lost, and the shell wrote on to the old file, no
    longer named.  Written to the descriptor, the output goes where ``-o -``
    sends it, after what is there."""
    import re

    own = re.compile(rf"/(?:dev/fd|proc/self/fd|proc/{os.getpid()}/fd)/(\d+)")
    for _ in range(40):  # symlinks followed, as the system follows them
        found = own.fullmatch(os.path.normpath(path))
        if found is not None:
            return int(found.group(1))
        if not os.path.islink(path):
            return None
        try:
            path = os.path.join(os.path.dirname(path), os.readlink(path))
        except OSError:
            return None
    return None


def names_a_directory(path: str) -> bool:
    """Whether ``path`` ends in a separator, ``.`` or ``..`` (``out/``,
    ``out/.``): a name only a directory can have, whether or not it exists."""
    return os.path.basename(path) in ("", os.curdir, os.pardir)


#: At most this many bytes of a file's name go into its temporary's.
_NAME_KEPT = 128


class AtomicFile:
    """Writes ``path`` when the block completes.

    A regular file (or a new one) is replaced: a temporary file is written beside
    the file ``path`` finally names, then renamed over it (``os.replace``), so
    readers see the old file or the new one, never a part.  Symlinks are followed
    first (``os.path.realpath``): the file a link points to is rewritten and the
    link stays a link; replacing the link itself would leave the target
    uncleaned.  A FIFO, a terminal or another device is not replaced but written
    directly: a reader waiting on the FIFO gets the data; so is a name of one of
    this process's descriptors (``/dev/stdout``, :func:`open_descriptor`).
    Errors name ``path`` as the user gave it, not the temporary file.  The new
    file is a new inode: other hard links to the old one keep the old contents.

    ``unchanged_since``: the file's ``os.stat`` when it was read (``clean
    --in-place``); a file that is no longer that one (another size, time of
    change or inode: a crawler appended to it meanwhile) is not replaced, since
    what was written to it since would be lost (:meth:`check_unchanged`).

    ``spool``: up to this many bytes are held in memory, and the temporary file
    is created only when more come or the block completes with the file kept
    (``clean --in-place``: most files of a crawl are left as they are, and
    creating, writing and removing a temporary beside each took about as long
    as cleaning it).
    """

    def __init__(
        self, path: str, unchanged_since: os.stat_result | None = None, spool: int = 0
    ) -> None:
        self.path = path
        self._keep = True
        self._temp: str | None = None
        self._read = unchanged_since
        self._spool = spool
        self._spooled: _Spooled | None = None
        self._opened: BinaryIO | None = None  # the temporary file, open
        self.handle: BinaryIO  # what the block writes to (set on entering)

    def _error(self, exc: OSError) -> OSError:
        """``exc`` naming the user's path (not a temporary or resolved one)."""
        return type(exc)(exc.errno, exc.strerror, self.path)

    def check(self) -> int | None:
        """Raise ``OSError`` where the file would be refused: a directory, a name
        only a directory has (``out/``, ``out/.``: resolved, it lost its slash
        or dot, and a file ``out`` was written), a new file in a directory that
        does not exist, or, without
        ``unchanged_since``, a write-protected file (:meth:`check_writable`).
        Else the mode of the file (None: a new one).  Done on entering; called
        before the work as well where the file is written after it (``scan
        --update-baseline``'s baseline), so that it is not refused at the end."""
        import stat

        if names_a_directory(self.path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), self.path)
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:  # a new file (or a dangling symlink's target)
            try:  # in a directory that is there
                os.stat(os.path.dirname(os.path.realpath(self.path)))
            except OSError as exc:
                raise self._error(exc) from None
            return None
        except OSError as exc:
            raise self._error(exc) from None
        if stat.S_ISDIR(mode):
            # Checked now, not when os.replace fails after all the work is done.
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), self.path)
        if stat.S_ISREG(mode) and self._read is None:
            self.check_writable()  # now (-o, a baseline), not after all the work
        return mode

    def __enter__(self) -> AtomicFile:
        import stat

        descriptor = open_descriptor(self.path)
        if descriptor is not None:  # /dev/stdout: where the shell redirected it
            try:
                self.handle = os.fdopen(os.dup(descriptor), "wb")
            except OSError as exc:
                raise self._error(exc) from None
            return self
        mode = self.check()
        if mode is not None and not stat.S_ISREG(mode):
            self.handle = open(self.path, "wb")
            return self
        self._target = os.path.realpath(self.path)
        if self._spool:
            self._spooled = _Spooled(self._spool, self._temporary)
            self.handle = cast(BinaryIO, self._spooled)  # writes and flushes
            return self
        self.handle = self._temporary()
        return self

    def _temporary(self) -> BinaryIO:
        """Create and open the temporary file beside the target."""
        import tempfile

        # The name cut short: one near the system's limit (255 bytes, 85 Chinese
        # characters in UTF-8) left no room for the temporary's dot and suffix.
        name = os.path.basename(self._target)[:_NAME_KEPT]
        while len(os.fsencode(name)) > _NAME_KEPT:
            name = name[:-1]
        fd = -1
        try:
            with deferred_interrupts():  # created, named and opened in one piece
                fd, self._temp = tempfile.mkstemp(
                    prefix=f".{name}.",
                    suffix=".tmp",
                    dir=os.path.dirname(self._target),
                )
                self._opened = os.fdopen(fd, "wb")
                return self._opened
        except OSError as exc:
            raise self._error(exc) from None
        except BaseException:  # an interrupt, raised as the block ended
            if fd >= 0 and self._opened is None:
                os.close(fd)
            self._remove_temporary()
            raise

    def discard(self) -> None:
        self._keep = False

    def check_writable(self, now: os.stat_result | None = None) -> None:
        """Raise ``OSError`` if the file exists and is write-protected: no write
        permission for anyone (``chmod a-w``), or none for this process (another
        user's file).  A rename needs only the directory's permission, so such a
        file was replaced all the same, keeping its read-only mode."""
        import stat

        try:
            info = now or os.stat(self.path)
        except FileNotFoundError:
            return
        if info.st_mode & 0o222 and os.access(self.path, os.W_OK):
            return
        mode = f"mode {stat.S_IMODE(info.st_mode):o}"
        why = f"write-protected ({mode}): left as it is (make it writable to have it rewritten)"
        raise OSError(errno.EACCES, why, self.path)

    def check_unchanged(self, now: os.stat_result | None = None) -> None:
        """Raise ``OSError`` if the file is not as it was read (``unchanged_since``)."""
        if self._read is None:
            return
        if version_of(now or os.stat(self.path)) != version_of(self._read):
            why = "changed while it was cleaned (another process writing to it?)"
            raise OSError(errno.EAGAIN, f"{why}; left as it is: clean it again", self.path)

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if self._spooled is not None:
            if kind is not None or not self._keep:
                if self._temp is not None:  # more than the spool came
                    self._remove_temporary()
                return
            try:
                self.handle = self._spooled.file()  # the temporary, created now if not yet
            except OSError as exc:
                self._remove_temporary()
                raise self._error(exc) from None
            except BaseException:  # an interrupt while what was held is written
                self._remove_temporary()
                raise
            self._spooled = None
        if self._temp is None:  # written directly (a FIFO or device)
            try:
                self.handle.close()  # flushes what is buffered: /dev/full fails here
            except OSError as exc:
                if kind is None:
                    raise self._error(exc) from None
            return
        try:
            if kind is None and self._keep:
                self.handle.flush()
                os.fsync(self.handle.fileno())
                with deferred_interrupts():  # replaced, or not, with its mode
                    self._replace()
        except OSError as exc:
            raise self._error(exc) from None
        finally:
            self._remove_temporary()

    def _remove_temporary(self) -> None:
        """Close and remove the temporary file unless it was renamed (failed or
        discarded), whatever interrupts it."""
        with deferred_interrupts():
            try:
                with contextlib.suppress(OSError):  # flushed before when it matters
                    if self._opened is not None:
                        self._opened.close()
            finally:
                if self._temp is not None and os.path.lexists(self._temp):
                    os.unlink(self._temp)

    def _replace(self) -> None:
        assert self._temp is not None
        try:
            old = os.stat(self._target)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self._temp, 0o666 & ~umask)
        else:
            self.check_writable(old)  # again: the moment before it is replaced
            self.check_unchanged(old)
            # Keep an existing file's owner and group where this process may set
            # them (root cleaning a crawl owned by a service account made the files
            # root's), then its mode (chown may clear set-id bits).
            if hasattr(os, "chown") and (old.st_uid, old.st_gid) != self._owner():
                with contextlib.suppress(PermissionError):
                    os.chown(self._temp, old.st_uid, old.st_gid)
            os.chmod(self._temp, old.st_mode & 0o7777)
        os.replace(self._temp, self._target)

    def _owner(self) -> tuple[int, int]:
        assert self._temp is not None
        info = os.stat(self._temp)
        return info.st_uid, info.st_gid


class _Spooled:
    """What an :class:`AtomicFile` with ``spool`` writes: held in memory up to
    ``limit`` bytes, then written to the temporary file ``create`` makes (and
    opens), and everything after it too."""

    def __init__(self, limit: int, create: Callable[[], BinaryIO]) -> None:
        self._limit, self._create = limit, create
        self._held: list[bytes] = []
        self._size = 0
        self._file: BinaryIO | None = None

    def write(self, data: bytes) -> int:
        if self._file is None and self._size + len(data) <= self._limit:
            self._held.append(bytes(data))
            self._size += len(data)
            return len(data)
        return self.file().write(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def file(self) -> BinaryIO:
        """The temporary file, created now (what was held written to it) if not yet."""
        if self._file is None:
            self._file = self._create()
            self._file.write(b"".join(self._held))
            self._held.clear()
        return self._file

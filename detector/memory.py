"""Process-wide memory settings for batch scanning (opt-in).

Scanning a batch of texts allocates and frees a few MB of NumPy temporaries.
With glibc's default thresholds the freed memory goes back to the system after
each batch and is faulted in again for the next: over 5 MB of news in one
process, ~50,000 page faults per :meth:`detector.Detector.scan_many` and ~30 %
of its time (0.29-0.31 s against 0.20-0.22 s with :func:`keep_freed_memory`,
~7,000 faults).  The setting is the process's, not the detector's, so a library
does not make it on its own: ``detector scan``, ``clean`` and the Spark executors call it,
and a batch job of your own can (or set ``MALLOC_TOP_PAD_=16777216`` in its
environment, which has the same effect).
"""

from __future__ import annotations

__all__ = ["keep_freed_memory"]


def keep_freed_memory() -> bool:
    """Let glibc keep freed heap memory for reuse instead of returning it to
    the system (``mallopt``: blocks up to 32 MB from the heap, trimmed past 256
    MB).  Peak memory is about the same; memory stays near its peak.  Returns
    whether it was set: nothing happens where ``mallopt`` does not exist
    (macOS, Windows, musl)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # no mallopt; Windows: no CDLL(None)
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    done = mallopt(m_mmap_threshold, 32 << 20) == 1  # larger blocks are still mapped alone
    return mallopt(m_trim_threshold, 256 << 20) == 1 and done

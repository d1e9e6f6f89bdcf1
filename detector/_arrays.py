"""Small NumPy helpers over runs and ranges of integers, shared by the scan's
modules (segmentation, features, the core).

Written for the small arrays of one article as much as for a whole batch:
NumPy's ``np.diff(..., append=)`` costs ~8 us a call, more than the work.
"""

from __future__ import annotations

import numpy as np

__all__ = ["consecutive_starts", "ranges", "run_sizes", "run_starts"]


def ranges(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integers of the ranges ``starts[i] .. starts[i] + sizes[i] - 1``, one
    range after another, and for each the index ``i`` of its range."""
    owner = np.arange(len(sizes), dtype=np.int64).repeat(sizes)
    values = (starts - sizes.cumsum() + sizes).repeat(sizes) + np.arange(len(owner))
    return values, owner


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours in ``values`` begins (0 first)."""
    changes = np.empty(len(values), dtype=bool)
    changes[:1] = True
    np.not_equal(values[1:], values[:-1], out=changes[1:])
    return changes.nonzero()[0]


def consecutive_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of consecutive integers (v, v + 1, ...) in ``values``
    begins (0 first)."""
    breaks = np.empty(len(values), dtype=bool)
    breaks[:1] = True
    np.not_equal(values[1:], values[:-1] + 1, out=breaks[1:])
    return breaks.nonzero()[0]


def run_sizes(starts: np.ndarray, total: int) -> np.ndarray:
    """``np.diff(starts, append=total)``: the size of each run (or segment) given
    where they start, the last ending at ``total``.  (np.diff with ``append``
    costs ~8 us a call, several times a scan.)"""
    sizes = np.empty(len(starts), dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=sizes[:-1])
    np.subtract(total, starts[-1:], out=sizes[-1:])
    return sizes

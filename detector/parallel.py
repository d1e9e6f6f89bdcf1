"""Scanning a stream of documents in chunks, in this process or in worker processes.

Results come back in input order whatever the number of jobs, and are the same
(``Detector.scan_many`` is deterministic and per text).  Only a bounded number
of chunks is in flight, so memory stays bounded on inputs of any size.  Each
worker holds one detector: inherited from the parent where processes fork,
loaded once by the pool initializer otherwise.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

    from detector.core import Detector
    from detector.results import Verdict

__all__ = ["CHUNK_CHARS", "CHUNK_TEXTS", "available_cores", "scan_fields"]

T = TypeVar("T")
Fields = dict[str | None, str]
Verdicts = dict[str | None, "Verdict"]

# A chunk ends after this many texts or characters, whichever comes first: large
# enough to amortize the inter-process round trip, small enough to keep both
# cores busy until the end.
CHUNK_TEXTS = 64
CHUNK_CHARS = 1 << 17

_worker: Detector | None = None


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _chunks(items: Iterable[tuple[T, Fields | None]]) -> Iterator[list[tuple[T, Fields | None]]]:
    chunk: list[tuple[T, Fields | None]] = []
    chars = 0
    for item, fields in items:
        chunk.append((item, fields))
        if fields is not None:
            chars += sum(len(text) for text in fields.values())
        if len(chunk) >= CHUNK_TEXTS or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _scan_chunk(detector: Detector, fields: list[Fields]) -> list[Verdicts]:
    texts = [text for group in fields for text in group.values()]
    verdicts = iter(detector.scan_many(texts))
    return [{name: next(verdicts) for name in group} for group in fields]


def _init_worker(model: str | None, threshold: float) -> None:
    global _worker
    if _worker is None:  # not inherited through fork
        from detector.core import Detector

        base = Detector.default() if model is None else Detector.from_path(model)
        _worker = Detector(base.model, threshold=threshold)


def _scan_in_worker(fields: list[Fields]) -> list[Verdicts]:
    assert _worker is not None
    return _scan_chunk(_worker, fields)


def _with_verdicts(
    chunk: list[tuple[T, Fields | None]], verdicts: list[Verdicts]
) -> Iterator[tuple[T, Verdicts | None]]:
    found = iter(verdicts)
    for item, fields in chunk:
        yield item, None if fields is None else next(found)


def scan_fields(
    detector: Detector,
    items: Iterable[tuple[T, Fields | None]],
    jobs: int | None = 1,
    model: str | Path | None = None,
) -> Iterator[tuple[T, Verdicts | None]]:
    """Yield ``(item, {field: verdict})`` for each ``(item, {field: text})`` of
    ``items`` in order; items whose fields are ``None`` pass through with ``None``.

    ``jobs`` worker processes scan chunks of documents (``None``: one per core
    when the input is larger than one chunk, this process otherwise).  ``model``
    is the path ``detector`` was loaded from (``None``: the packaged model), for
    workers that cannot inherit it.
    """
    chunks = _chunks(items)
    if jobs is None:
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        chunks = _chain(first, second, chunks)
        jobs = available_cores() if second is not None else 1
    if jobs <= 1:
        for chunk in chunks:
            verdicts = _scan_chunk(detector, [f for _, f in chunk if f is not None])
            yield from _with_verdicts(chunk, verdicts)
        return
    yield from _scan_in_pool(detector, chunks, jobs, model)


def _chain(
    first: list[tuple[T, Fields | None]],
    second: list[tuple[T, Fields | None]] | None,
    rest: Iterator[list[tuple[T, Fields | None]]],
) -> Iterator[list[tuple[T, Fields | None]]]:
    yield first
    if second is not None:
        yield second
        yield from rest


def _scan_in_pool(
    detector: Detector,
    chunks: Iterator[list[tuple[T, Fields | None]]],
    jobs: int,
    model: str | Path | None,
) -> Iterator[tuple[T, Verdicts | None]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _worker
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if context.get_start_method() == "fork":
        # Inherited by the forked workers: no second load of the model or of
        # the word dictionary.
        from detector import words

        words.dictionary()
        _worker = detector
    pending: deque[tuple[list[tuple[T, Fields | None]], Future[list[Verdicts]]]] = deque()
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(None if model is None else str(model), detector.threshold),
        ) as pool:
            for chunk in chunks:
                fields = [f for _, f in chunk if f is not None]
                pending.append((chunk, pool.submit(_scan_in_worker, fields)))
                if len(pending) >= 2 * jobs:
                    done, future = pending.popleft()
                    yield from _with_verdicts(done, future.result())
            while pending:
                done, future = pending.popleft()
                yield from _with_verdicts(done, future.result())
    finally:
        for _, future in pending:
            future.cancel()
        if context.get_start_method() == "fork":
            _worker = None

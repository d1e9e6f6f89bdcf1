"""jieba word segmentation (``jieba.Tokenizer.cut(text, HMM=False)``) without
loading jieba's dictionary into Python objects on every run.

jieba keeps its dictionary as a dict of ~500,000 words and word prefixes, which
takes ~0.7 s and ~80 MB to load in every process that cuts a single word.  Here
the same dictionary (the stock one plus ``data/userdict.txt``, for ad vocabulary
such as 配资 that it lacks) is a trie stored as NumPy arrays, built once from
jieba (~2 s) and cached under ``$XDG_CACHE_HOME/detector`` as ``.npy`` files that
are memory-mapped: loading takes a millisecond, and forked workers share them.
The cut itself follows jieba's HMM-free algorithm step by step (same blocks, same
word graph, same floating-point route scores, same ties), so the words are
exactly jieba's: ``tests/test_words.py`` compares them.

``DETECTOR_SEGMENTER=rjieba`` (with ``pip install rjieba``) cuts with jieba-rs
instead: the same dictionary and algorithm, ~5x faster per character, but ~0.14 s
to build its dictionary on first use, so it pays in long-running processes (a
crawl, a service), not in a one-file scan.  It is used only if it cuts a probe of
sentences exactly as this module does; otherwise a warning says why and the
Python cut is used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detector._locks import ForkSafeLock

__all__ = ["Dictionary", "cut", "cut_many", "dictionary", "jieba_tokenizer", "segmenter_name"]

SEGMENTER_VARIABLE = "DETECTOR_SEGMENTER"
_SEGMENTERS = ("python", "rjieba")

_LOCK = ForkSafeLock()
_DICTIONARY: Dictionary | None = None
# The accelerated cut (text -> words), once chosen: None for the Python cut.
_ACCELERATED: Callable[[str], list[str]] | None = None
_CHOSEN = False
_CHOOSING = ForkSafeLock()  # not _LOCK: the choice loads the dictionary
# Bump when the cached arrays change meaning.
_FORMAT = 1
_CHAR_BITS = 21  # every code point fits
# Between two blocks in the joined code array: no trie key ends in it.
_GAP = (1 << _CHAR_BITS) - 1
_GROUP_CHARS = 1 << 15

# jieba's own patterns (jieba/__init__.py: re_han_default, re_skip_default, re_eng).
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile("(\r\n|\\s)")
_ENG = re.compile("[a-zA-Z0-9]")


@dataclass(frozen=True)
class Dictionary:
    """jieba's prefix dictionary as a trie: node ``i`` is a word or word prefix,
    ``keys[i]`` is ``(parent + 1) << 21 | last code point`` (parent 0 for a
    one-character entry).  Keys are sorted, so a child is found by binary search."""

    keys: np.ndarray  # uint64, sorted
    is_word: np.ndarray  # bool: frequency > 0 (not only a prefix of longer words)
    cost: np.ndarray  # float64: log(frequency) - log(total), as jieba computes it
    single_cost: float  # log(1) - log(total): a character that starts no word

    @classmethod
    def from_frequencies(cls, freq: dict[str, int], total: int) -> Dictionary:
        """The trie of jieba's ``Tokenizer.FREQ`` (every prefix of a word is a key)."""
        by_length: dict[int, list[str]] = {}
        for word in freq:
            by_length.setdefault(len(word), []).append(word)
        node: dict[str, int] = {}
        keys: list[int] = []
        words: list[str] = []
        # Level by level, each level sorted: every key of a level is larger than
        # every key of the previous one (its parent's index is), so the whole
        # array is sorted and a node's index is its position.
        for length in range(1, max(by_length, default=0) + 1):
            level = by_length.get(length, [])
            level_keys = {
                w: (node[w[:-1]] + 1 << _CHAR_BITS if length > 1 else 0) | ord(w[-1]) for w in level
            }
            for w in sorted(level, key=level_keys.__getitem__):
                node[w] = len(keys)
                keys.append(level_keys[w])
                words.append(w)
        logtotal = math.log(total)
        return cls(
            np.array(keys, dtype=np.uint64),
            np.array([freq[w] > 0 for w in words], dtype=bool),
            np.array([math.log(freq[w] or 1) - logtotal for w in words], dtype=np.float64),
            math.log(1) - logtotal,
        )


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "detector"


def _userdict() -> bytes:
    return (Path(__file__).parent / "data" / "userdict.txt").read_bytes()


def _userdict_words() -> list[str]:
    """The userdict's words (one a line, ``#`` starts a comment)."""
    lines = _userdict().decode("utf-8").splitlines()
    return [word for word in (line.split("#", 1)[0].strip() for line in lines) if word]


def _jieba_dictionary_path() -> Path | None:
    """jieba's dict.txt, found without importing jieba (~0.2 s)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "dict.txt"


def _stock_record() -> str:
    """jieba's dict.txt as the cache path is named after it: path, size and
    modification time ("" without jieba)."""
    stock = _jieba_dictionary_path()
    if stock is None:
        return ""
    stat = stock.stat()
    return f"{stock} {stat.st_size} {stat.st_mtime_ns}\n"


def _cache_path() -> Path:
    """Cache directory named after everything the dictionary is made from."""
    digest = hashlib.sha256(f"format {_FORMAT}\n".encode())
    digest.update(_stock_record().encode())
    digest.update(_userdict())
    return _cache_dir() / f"words-{digest.hexdigest()[:16]}"


# Written into each cache directory: the jieba dictionary it was built from.
_SOURCE = "source.txt"


def _stale(cache: Path) -> bool:
    """Whether the cache directory ``cache`` can never be used again: the jieba
    dict.txt it was built from (its path, size and modification time are in its
    name's hash) is gone or has changed (jieba reinstalled, the virtual
    environment deleted), so no install has it as its cache path.  A directory
    without the record (built before it was written) is not known to be stale."""
    try:
        record = (cache / _SOURCE).read_text("utf-8")
        path, size, mtime = record.rstrip("\n").rsplit(" ", 2)
    except (OSError, ValueError):
        return False
    if not (size.isdigit() and mtime.isdigit()):
        return False  # not a record this module wrote
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return f"{stat.st_size} {stat.st_mtime_ns}" != f"{size} {mtime}"


def _prune(directory: Path, keep: Path) -> None:
    """Remove the stale word caches of ``directory`` (see :func:`_stale`) but
    ``keep``: every new virtual environment, and every install of another
    jieba, builds a cache of ~8.5 MB, and nothing else removes the old ones.
    Run when a cache is built (rarely); caches still in use are never stale."""
    try:
        caches = [p for p in directory.glob("words-*") if p != keep and p.is_dir()]
    except OSError:
        return
    for cache in caches:
        if _stale(cache):
            shutil.rmtree(cache, ignore_errors=True)


def jieba_tokenizer() -> Any:
    """A jieba tokenizer with the userdict, quiet, caching under the cache dir:
    the reference this module reproduces (and what the dictionary is built from)."""
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache = _cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache)
    except OSError:
        pass  # read-only home: jieba falls back to its own temp dir
    tokenizer.initialize()
    for word in _userdict_words():
        tokenizer.add_word(word, freq=None)
    return tokenizer


_ARRAYS = ("keys", "is_word", "cost", "single_cost")


def _load_dictionary() -> Dictionary:
    """The cached arrays, mapped rather than read (pages load as the trie is
    walked, and forked workers share them), or built from jieba and cached."""
    path = _cache_path()
    try:
        # Plain arrays over the maps: indexing a np.memmap goes through Python.
        keys, is_word, cost, single = (
            np.asarray(np.load(path / f"{name}.npy", mmap_mode="r")) for name in _ARRAYS
        )
        return Dictionary(keys, is_word, cost, float(single[0]))
    except (OSError, ValueError, IndexError):
        pass  # not built yet, or unreadable: build it
    import tempfile  # only to build the cache, which is rare: not at every start

    tokenizer = jieba_tokenizer()
    built = Dictionary.from_frequencies(tokenizer.FREQ, tokenizer.total)
    arrays = (built.keys, built.is_word, built.cost, np.array([built.single_cost]))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=path.parent, prefix=".words-"))
        try:
            for name, array in zip(_ARRAYS, arrays, strict=True):
                np.save(partial / f"{name}.npy", array)
            (partial / _SOURCE).write_text(_stock_record(), "utf-8")
            os.rename(partial, path)  # atomic; fails when another process was first
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    except OSError:
        pass  # read-only cache, or built meanwhile by another process
    _prune(path.parent, keep=path)
    return built


def dictionary() -> Dictionary:
    """The shared dictionary, loaded once even when many threads ask at once."""
    global _DICTIONARY
    if _DICTIONARY is None:
        with _LOCK:
            if _DICTIONARY is None:
                _DICTIONARY = _load_dictionary()
    return _DICTIONARY


def _routes(blocks: list[str]) -> list[list[int]]:
    """For each block, jieba's best route: ``route[x]`` is the last index of the
    word starting at ``x`` (``Tokenizer.get_DAG`` and ``Tokenizer.calc``)."""
    trie = dictionary()
    # Blocks hold no NUL (see _HAN): one after each marks the gaps.
    joined = "\0".join(blocks) + "\0"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    codes[codes == 0] = _GAP
    # The word graph: every (start, end) with text[start:end + 1] a word, found a
    # character at a time by walking down the trie from every start at once.
    # Every trie node reached is kept (start, node, length); the words among them
    # are picked out once at the end, in the same order.
    hit_start: list[np.ndarray] = []
    hit_node: list[np.ndarray] = []
    hit_length: list[int] = []
    position = np.arange(len(codes), dtype=np.int64)
    parent = np.zeros(len(codes), dtype=np.uint64)  # (node + 1) << _CHAR_BITS
    last_key = len(trie.keys) - 1
    length = 0
    while len(position):
        query = parent | codes[position + length]
        found = trie.keys.searchsorted(query)
        np.minimum(found, last_key, out=found)
        hit = trie.keys[found] == query
        position, node = position[hit], found[hit]
        hit_start.append(position)
        hit_node.append(node)
        hit_length.append(len(position))
        parent = (node + 1).astype(np.uint64) << np.uint64(_CHAR_BITS)
        length += 1  # a gap follows every block, so position + length stays in range
    nodes = np.concatenate(hit_node)
    word = trie.is_word[nodes]
    lengths = np.arange(len(hit_length), dtype=np.int64).repeat(hit_length)[word]
    all_starts = np.concatenate(hit_start)[word]
    order = np.argsort(all_starts, kind="stable")  # per start: ends ascending
    first_edge = all_starts[order].searchsorted(np.arange(len(codes) + 1)).tolist()
    ends = (all_starts + lengths)[order].tolist()
    costs = trie.cost[nodes[word]][order].tolist()
    single = trie.single_cost
    routes = []
    start = 0
    for block in blocks:
        size = len(block)
        score = [0.0] * (size + 1)
        route = [0] * size
        hi = first_edge[start + size]
        for x in range(size - 1, -1, -1):
            lo = first_edge[start + x]
            if lo == hi:  # no word starts here: the character alone
                best, best_end = single + score[x + 1], x
            elif hi - lo == 1:  # one word: it is the route
                best_end = ends[lo] - start
                best = costs[lo] + score[best_end + 1]
            else:
                best, best_end = -math.inf, -1
                for e in range(lo, hi):
                    end = ends[e] - start
                    value = costs[e] + score[end + 1]
                    if value >= best:  # ties go to the longer word, as max((v, x)) does
                        best, best_end = value, end
            score[x] = best
            route[x] = best_end
            hi = lo
        routes.append(route)
        start += size + 1
    return routes


def _cut_block(block: str, route: list[int]) -> list[str]:
    """``Tokenizer.__cut_DAG_NO_HMM``: the route's words, runs of single ASCII
    letters or digits joined."""
    out: list[str] = []
    buffer = ""
    x = 0
    while x < len(block):
        y = route[x] + 1
        word = block[x:y]
        if y - x == 1 and _ENG.match(word):
            buffer += word
        else:
            if buffer:
                out.append(buffer)
                buffer = ""
            out.append(word)
        x = y
    if buffer:
        out.append(buffer)
    return out


def _all_routes(blocks: list[str]) -> Iterator[list[int]]:
    """:func:`_routes` of ``blocks``, a group of about ``_GROUP_CHARS`` characters
    at a time (the arrays of a group take ~200 bytes per character)."""
    group: list[str] = []
    size = 0
    for block in blocks:
        group.append(block)
        size += len(block) + 1
        if size >= _GROUP_CHARS:
            yield from _routes(group)
            group, size = [], 0
    if group:
        yield from _routes(group)


def cut_many(texts: Sequence[str]) -> list[list[str]]:
    """``[cut(t) for t in texts]``, with one pass over the dictionary for all."""
    accelerated = _accelerated()
    if accelerated is not None:
        return [accelerated(text) for text in texts]
    return _python_cut_many(texts)


def _python_cut_many(texts: Sequence[str]) -> list[list[str]]:
    pieces = [_HAN.split(text) for text in texts]
    routes = _all_routes([p for split in pieces for p in split[1::2]])
    out = []
    for split in pieces:
        found: list[str] = []
        for i, piece in enumerate(split):
            if i % 2:
                found.extend(_cut_block(piece, next(routes)))
            elif piece:
                for part in _SKIP.split(piece):
                    if _SKIP.match(part):
                        found.append(part)
                    else:
                        found.extend(part)
        out.append(found)
    return out


def cut(text: str) -> list[str]:
    """Words of ``text`` as ``jieba.Tokenizer.cut(text, HMM=False)`` gives them."""
    return cut_many([text])[0]


# Cut by the accelerated segmenter and by this module before it is used: ad
# vocabulary (the userdict's words among them), news, every character class of
# jieba's block patterns, ties between routes, and line breaks.
_PROBE = (
    "强化金融精准有效服务杨方线上配资股票,深化产融合作",
    "股票配资平台哪家好，选择正规实盘配资官网登录入口很重要。",
    "加微信abc12345领取福利 C++ a.b-c_d%e#f&g，QQ群：00000000",
    "市政府召开新闻发布会介绍今年前三季度经济运行情况\r\n中华人民共和国成立七十周年",
    "证监会依法查处非法场外配资，调配资金匹配资源，融资融券余额上升",
    "\u3000\xa0全角\uff21\uff22\uff23\uff11\uff12\uff13《人民日报》（记者　王磊）",
    "\U00020000\u9fd5\u9fd6结婚的和尚未结婚的",
)


def segmenter_name() -> str:
    """``"rjieba"`` or ``"python"``: the segmenter :func:`cut_many` uses."""
    return "python" if _accelerated() is None else "rjieba"


def _accelerated() -> Callable[[str], list[str]] | None:
    global _ACCELERATED, _CHOSEN
    if not _CHOSEN:
        with _CHOOSING:
            if not _CHOSEN:
                _ACCELERATED = _choose_accelerated()
                _CHOSEN = True
    return _ACCELERATED


def _choose_accelerated() -> Callable[[str], list[str]] | None:
    """The rjieba cut when ``DETECTOR_SEGMENTER=rjieba`` asks for it and it cuts
    the probe exactly as the Python cut does; None (with a warning saying why
    when rjieba was asked for) otherwise."""
    choice = os.environ.get(SEGMENTER_VARIABLE, "python").strip().lower() or "python"
    if choice not in _SEGMENTERS:
        warnings.warn(
            f"{SEGMENTER_VARIABLE}={choice!r} is not one of {', '.join(_SEGMENTERS)}:"
            " using the Python segmenter",
            RuntimeWarning,
            stacklevel=4,
        )
        return None
    if choice == "python":
        return None
    try:
        import rjieba
    except ImportError as exc:
        warnings.warn(
            f"{SEGMENTER_VARIABLE}=rjieba, but rjieba cannot be imported ({exc}; pip install"
            " rjieba): using the Python segmenter",
            RuntimeWarning,
            stacklevel=4,
        )
        return None
    segmenter = rjieba.Jieba()  # its own: the module's shared one stays as it was
    for word in _userdict_words():
        segmenter.add_word(word, None, None)  # as jieba's add_word(word, freq=None)

    def accelerated(text: str) -> list[str]:
        return list(segmenter.cut(text, False))

    for sentence, expected in zip(_PROBE, _python_cut_many(_PROBE), strict=True):
        got = accelerated(sentence)
        if got != expected:
            warnings.warn(
                f"{SEGMENTER_VARIABLE}=rjieba, but rjieba cuts {sentence!r} as {got}, not as"
                f" jieba does ({expected}): using the Python segmenter",
                RuntimeWarning,
                stacklevel=4,
            )
            return None
    return accelerated

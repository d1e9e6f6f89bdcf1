"""jieba word segmentation, set up once and kept quiet.

jieba logs to stderr and writes its dictionary cache to /tmp by default; the
tokenizer here logs nothing and caches under ``$XDG_CACHE_HOME/detector``.  Ad
vocabulary that the stock dictionary does not know (配资 …) is added from
``data/userdict.txt`` so words stay whole.
"""

from __future__ import annotations

import logging
import os
import threading
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["cut"]

_LOCK = threading.Lock()
_TOKENIZER: Any = None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "detector"


def _tokenizer() -> Any:
    """The shared tokenizer, built once even when many threads ask at once
    (``lru_cache`` alone would let each waiting thread build its own)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                _TOKENIZER = _build_tokenizer()
    return _TOKENIZER


def _build_tokenizer() -> Any:
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
    userdict = resources.files("detector").joinpath("data/userdict.txt")
    for line in userdict.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            tokenizer.add_word(word, freq=None)
    return tokenizer


def cut(text: str) -> list[str]:
    """Words of ``text`` (no HMM for unknown words: faster, deterministic)."""
    return list(_tokenizer().cut(text, HMM=False))

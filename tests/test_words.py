"""detector.words cuts exactly as jieba does (``Tokenizer.cut(text, HMM=False)``
with the userdict), from its cached trie instead of jieba's dictionary."""

from __future__ import annotations

import math
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import words

# Dictionary words and their pieces, ad vocabulary from the userdict, every
# character class jieba's block patterns tell apart, and a few rare characters.
ALPHABET = (
    "中国人民银行配资股票平台场外杨方线上正规实盘官网加微信领取福利无抵押贷款当天放款"
    "的了是在和有大小一二三四五六七八九十年月日市政府召开新闻发布会"
    "aZz09+#&._%-@!,。，！？、 \t\r\n\u3000\xa0"
    "\uff21\uff3a\uff41\uff5a\uff10\uff19\U00020000\u9fd5\u9fd6"
)
SAMPLES = [
    "",
    " ",
    "\r\n\r\n",
    "杨方线上配资股票",
    "股票配资平台哪家好，选择正规股票配资平台很重要。",
    "加微信abc12345领取福利 C++ a.b-c_d%e#f&g",
    "市政府召开新闻发布会介绍今年前三季度经济运行情况",
    "中华人民共和国成立七十周年",
]


@lru_cache(maxsize=1)
def reference() -> Any:
    return words.jieba_tokenizer()


def jieba_cut(text: str) -> list[str]:
    return list(reference().cut(text, HMM=False))


def test_samples_cut_like_jieba(monkeypatch: pytest.MonkeyPatch) -> None:
    assert words.cut_many(SAMPLES) == [jieba_cut(t) for t in SAMPLES]
    assert [words.cut(t) for t in SAMPLES] == [jieba_cut(t) for t in SAMPLES]
    monkeypatch.setattr(words, "_GROUP_CHARS", 5)  # many groups of blocks
    assert words.cut_many(SAMPLES) == [jieba_cut(t) for t in SAMPLES]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=80), max_size=5))
def test_random_texts_cut_like_jieba(texts: list[str]) -> None:
    assert words.cut_many(texts) == [jieba_cut(t) for t in texts]


def test_trie_holds_every_jieba_entry() -> None:
    tokenizer = reference()
    trie = words.dictionary()
    assert len(trie.keys) == len(tokenizer.FREQ)
    assert (trie.keys[1:] > trie.keys[:-1]).all()
    assert int(trie.is_word.sum()) == sum(1 for f in tokenizer.FREQ.values() if f)
    assert trie.single_cost == math.log(1) - math.log(tokenizer.total)


TIES = {"中": 1, "中国": 1, "国": 1, "国人": 1, "人": 0, "a": 1, "ab": 1, "b": 1, "abc": 0}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中国人ab c。", max_size=30))
def test_equal_route_scores_go_to_the_longer_word_as_in_jieba(text: str) -> None:
    """With every frequency 1 and a total of 1 every route scores 0.0: jieba's
    ``max((score, end))`` then takes the longest word at each step."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(TIES), 1, True
    shared = words.dictionary()
    words._DICTIONARY = words.Dictionary.from_frequencies(TIES, 1)
    try:
        assert words.cut(text) == list(tokenizer.cut(text, HMM=False))
    finally:
        words._DICTIONARY = shared


def test_dictionary_is_built_once_when_threads_race_for_it(tmp_path: Any) -> None:
    """In a fresh interpreter with an empty cache, eight threads ask for words at
    the same moment: jieba builds the dictionary once; the next process loads it
    from the cache without building."""
    program = """
import threading
import jieba
from detector import words
built = []
class Counting(jieba.Tokenizer):
    def __init__(self, *args, **kwargs):
        built.append(1)
        super().__init__(*args, **kwargs)
jieba.Tokenizer = Counting
barrier = threading.Barrier(8)
results = []
def work():
    barrier.wait()
    results.append((id(words.dictionary()), tuple(words.cut("杨方线上配资股票"))))
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
assert len(set(results)) == 1, results
print(len(built), results[0][1])
"""
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": ""}
    # The cache of a jieba since removed (a deleted virtual environment): building
    # the new one removes it.
    stale = tmp_path / "detector" / "words-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "keys.npy").write_bytes(b"x" * 1000)
    (stale / "source.txt").write_text(f"{tmp_path / 'gone' / 'dict.txt'} 5 6\n", "utf-8")
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=env
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    words_out = "('杨', '方', '线上配资', '股票')"
    assert [run.stdout for run in runs] == [f"1 {words_out}\n", f"0 {words_out}\n"]
    (cache,) = (tmp_path / "detector").glob("words-*")
    assert cache != stale and (cache / "keys.npy").is_file()
    assert (cache / "source.txt").read_text("utf-8") == words._stock_record()


def test_only_the_caches_no_install_can_use_are_pruned(tmp_path: Path) -> None:
    """A cache is named after its jieba dict.txt's path, size and modification
    time: when that file is gone or changed, no install will use it again."""
    dict_txt = tmp_path / "venv" / "dict.txt"
    dict_txt.parent.mkdir()
    dict_txt.write_text("配资 3\n", "utf-8")
    stat = dict_txt.stat()
    caches = tmp_path / "cache"
    sources = {
        "gone": f"{tmp_path / 'deleted-venv' / 'dict.txt'} 10 20\n",
        "changed": f"{dict_txt} {stat.st_size + 1} {stat.st_mtime_ns}\n",
        "live": f"{dict_txt} {stat.st_size} {stat.st_mtime_ns}\n",
        "kept": f"{tmp_path / 'deleted-venv' / 'dict.txt'} 10 20\n",  # the one in use
        "unreadable": "no size or time\n",
        "legacy": None,  # built before the record was written: not known to be stale
    }
    for name, source in sources.items():
        (caches / f"words-{name}").mkdir(parents=True)
        if source is not None:
            (caches / f"words-{name}" / "source.txt").write_text(source, "utf-8")
    (caches / "jieba.cache").write_bytes(b"jieba's own")
    words._prune(caches, keep=caches / "words-kept")
    left = sorted(p.name for p in caches.iterdir())
    assert left == ["jieba.cache", "words-kept", "words-legacy", "words-live", "words-unreadable"]


# -- the optional accelerated segmenter (DETECTOR_SEGMENTER=rjieba) ------------


@pytest.fixture
def choose_again(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The segmenter is chosen once per process: forget the choice (restored after)."""
    monkeypatch.setattr(words, "_CHOSEN", False)
    monkeypatch.setattr(words, "_ACCELERATED", None)
    return monkeypatch


class FakeJieba:
    """An rjieba.Jieba whose cut is the Python one, optionally spoiled."""

    added: ClassVar[list[tuple[str, Any, Any]]] = []
    spoil: ClassVar[bool] = False

    def add_word(self, word: str, freq: Any, tag: Any) -> int:
        self.added.append((word, freq, tag))
        return 1

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        assert hmm is False
        out = words._python_cut_many([text])[0]
        return out[::-1] if self.spoil and len(out) > 1 else out


def _fake_rjieba(monkeypatch: pytest.MonkeyPatch, spoil: bool) -> type[FakeJieba]:
    import types

    fake = type("Spoiled" if spoil else "Faithful", (FakeJieba,), {"added": [], "spoil": spoil})
    monkeypatch.setitem(sys.modules, "rjieba", types.SimpleNamespace(Jieba=fake))
    return fake


def test_the_python_segmenter_is_the_default(choose_again: pytest.MonkeyPatch) -> None:
    choose_again.delenv(words.SEGMENTER_VARIABLE, raising=False)
    fake = _fake_rjieba(choose_again, spoil=False)
    assert words.segmenter_name() == "python"
    assert words.cut_many(SAMPLES) == [jieba_cut(t) for t in SAMPLES]
    assert fake.added == []  # never built


def test_rjieba_is_used_when_asked_for_and_it_cuts_the_probe_like_jieba(
    choose_again: pytest.MonkeyPatch,
) -> None:
    choose_again.setenv(words.SEGMENTER_VARIABLE, "rjieba")
    fake = _fake_rjieba(choose_again, spoil=False)
    assert words.segmenter_name() == "rjieba"
    assert words.cut_many(SAMPLES) == [jieba_cut(t) for t in SAMPLES]
    # It was given the userdict's words, with jieba's add_word(word, freq=None).
    assert [w for w, _, _ in fake.added] == words._userdict_words()
    assert "配资" in [w for w, _, _ in fake.added]
    assert {(freq, tag) for _, freq, tag in fake.added} == {(None, None)}


@pytest.mark.parametrize(
    ("value", "spoil", "installed", "says"),
    [
        ("rjieba", True, True, "cuts"),
        ("rjieba", False, False, "cannot be imported"),
        ("rjeiba", False, True, "is not one of python, rjieba"),
    ],
)
def test_the_python_segmenter_is_used_with_a_warning_when_rjieba_cannot_be(
    choose_again: pytest.MonkeyPatch, value: str, spoil: bool, installed: bool, says: str
) -> None:
    choose_again.setenv(words.SEGMENTER_VARIABLE, value)
    _fake_rjieba(choose_again, spoil=spoil)
    if not installed:
        choose_again.setitem(sys.modules, "rjieba", None)  # import raises ImportError
    with pytest.warns(RuntimeWarning, match=words.SEGMENTER_VARIABLE) as caught:
        assert words.segmenter_name() == "python"
    assert says in str(caught[0].message)
    assert words.cut_many(SAMPLES) == [jieba_cut(t) for t in SAMPLES]


@lru_cache(maxsize=1)
def rjieba_cut() -> Any:
    """The accelerated cut as DETECTOR_SEGMENTER=rjieba chooses it (built once:
    building rjieba's dictionary takes ~0.1 s)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(words.SEGMENTER_VARIABLE, "rjieba")
        return words._choose_accelerated()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=80), max_size=5))
def test_rjieba_when_installed_cuts_like_jieba(texts: list[str]) -> None:
    pytest.importorskip("rjieba")
    accelerated = rjieba_cut()
    assert accelerated is not None  # it cut the probe like jieba
    assert [accelerated(t) for t in texts + SAMPLES] == [jieba_cut(t) for t in texts + SAMPLES]

"""Forked processes: a child forked while another thread of its parent was
loading something once per process (the default model, the word dictionary, a
model by path) loads it itself, instead of waiting for a lock that thread held
and that nobody in the child will ever release."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from detector import core, words
from detector.core import Detector
from detector.integrations import hook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

AD = "杨方线上配资股票"


def _in_forked_child(check: Callable[[], bool], seconds: int = 10) -> int:
    """The exit status of a forked child that runs ``check``: 0 when it returns
    true, 1 when false, 2 when it raises, SIGALRM after ``seconds`` (stuck)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 2
        try:
            signal.alarm(seconds)
            code = 0 if check() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


Hold = Callable[[Any, str, Callable[[], Any]], None]


@pytest.fixture()
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hold]:
    """``held(module, name, call)``: start a thread running ``call``, which
    reaches ``module.name`` (a loader) and waits inside it, in this process only,
    until the test ends."""
    parent = os.getpid()
    release = threading.Event()
    threads: list[threading.Thread] = []

    def hold(module: Any, name: str, call: Callable[[], Any]) -> None:
        inside = threading.Event()
        load = getattr(module, name)

        def waiting_load(*args: Any) -> Any:
            if os.getpid() == parent:
                inside.set()
                release.wait(30)
            return load(*args)

        monkeypatch.setattr(module, name, waiting_load)
        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        threads.append(thread)
        assert inside.wait(30)

    yield hold
    release.set()
    for thread in threads:
        thread.join(30)


def test_child_forked_while_a_thread_loads_the_default_model(
    monkeypatch: pytest.MonkeyPatch, held: Hold, tiny_model_dir: Path, tiny_detector: Detector
) -> None:
    monkeypatch.setattr(core, "_DEFAULT", None)
    monkeypatch.setattr(core, "default_model_path", lambda: tiny_model_dir / "model.json")
    held(core, "load_model", Detector.default)
    expected = tiny_detector.scan(AD)
    assert _in_forked_child(lambda: Detector.default().scan(AD) == expected) == 0


def test_child_forked_while_a_thread_loads_the_word_dictionary(
    monkeypatch: pytest.MonkeyPatch, held: Hold
) -> None:
    expected = words.cut("股票配资平台哪家好")
    monkeypatch.setattr(words, "_DICTIONARY", None)
    held(words, "_load_dictionary", words.dictionary)
    assert _in_forked_child(lambda: words.cut("股票配资平台哪家好") == expected) == 0


def test_child_forked_while_a_thread_chooses_the_segmenter(
    monkeypatch: pytest.MonkeyPatch, held: Hold
) -> None:
    monkeypatch.setattr(words, "_CHOSEN", False)
    monkeypatch.setattr(words, "_ACCELERATED", None)
    monkeypatch.setenv(words.SEGMENTER_VARIABLE, "python")
    held(words, "_choose_accelerated", words.segmenter_name)
    assert _in_forked_child(lambda: words.segmenter_name() == "python") == 0


def test_child_forked_while_a_thread_loads_a_model_by_path(
    monkeypatch: pytest.MonkeyPatch, held: Hold, tiny_model_dir: Path, tiny_detector: Detector
) -> None:
    monkeypatch.setattr(hook, "_LOADED", type(hook._LOADED)())
    monkeypatch.setattr(hook, "_LIVE", type(hook._LIVE)())
    monkeypatch.setattr(hook, "_STAMPS", {})
    held(core, "load_model", lambda: hook.load_detector(tiny_model_dir))
    expected = tiny_detector.scan(AD)

    def child() -> bool:
        return hook.load_detector(tiny_model_dir).scan(AD) == expected

    assert _in_forked_child(child) == 0


def test_every_module_lock_is_replaced_in_a_forked_child() -> None:
    """A plain ``threading.Lock`` at module level would be held forever in a
    child forked while a thread held it: the detector's are all fork-safe."""
    try:
        import detector.integrations.spark  # noqa: F401
    except ImportError:
        pass  # without pyspark: not importable, so no lock of its own either

    plain = type(threading.Lock())
    found = [
        f"{name}.{attr}"
        for name, module in sorted(sys.modules.items())
        if name == "detector" or name.startswith("detector.")
        for attr, value in vars(module).items()
        if isinstance(value, plain)
    ]
    assert found == []

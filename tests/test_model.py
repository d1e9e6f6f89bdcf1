from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from detector.core import Detector
from detector.model import ModelError, load_model, load_model_in_background


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_round_trip_keeps_heads_and_thresholds(tiny_model_dir: Path) -> None:
    model = load_model(tiny_model_dir)
    assert set(model.heads) == {
        "prefilter", "clause", "category", "tagger", "document", "news_lm", "ad_lm",
    }  # fmt: skip
    assert model.classes[0] == "clean"
    assert 0.0 < model.thresholds["review"] <= 1.0
    assert load_model(tiny_model_dir / "model.json").version == model.version
    assert load_model(tiny_model_dir / "model.npz").version == model.version


def test_tampered_arrays_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = copy_model(tiny_model_dir, tmp_path / "m")
    with (directory / "model.npz").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(directory)


def test_missing_card_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model card not found"):
        load_model(tmp_path)


def test_background_load_gives_the_same_model(tiny_model_dir: Path) -> None:
    model, loaded = load_model(tiny_model_dir), load_model_in_background(tiny_model_dir)()
    assert (loaded.version, loaded.classes, loaded.thresholds) == (
        model.version, model.classes, model.thresholds,
    )  # fmt: skip
    for name, head in model.heads.items():
        assert (loaded.heads[name].coef == head.coef).all()


def test_background_load_raises_in_the_caller(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = copy_model(tiny_model_dir, tmp_path / "m")
    with (directory / "model.npz").open("ab") as handle:
        handle.write(b"\0")
    finish = load_model_in_background(directory)
    with pytest.raises(ModelError, match="SHA-256"):
        finish()


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.write_text, (self.marker, "pwned"))


def test_a_pickle_posing_as_a_model_never_runs(tiny_model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "created-by-unpickling"
    (tmp_path / "model.npz").write_bytes(pickle.dumps(_Exploit(marker)))
    # Even with a valid card whose checksum matches the pickle, nothing is unpickled.
    import hashlib

    card = json.loads((tiny_model_dir / "model.json").read_text(encoding="utf-8"))
    card["sha256"] = hashlib.sha256((tmp_path / "model.npz").read_bytes()).hexdigest()
    (tmp_path / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a model array file"):
        load_model(tmp_path)
    assert not marker.exists()


def test_from_path_uses_the_threshold(tiny_model_dir: Path) -> None:
    detector = Detector.from_path(tiny_model_dir, threshold=0.9)
    assert detector.threshold == 0.9
    with pytest.raises(ValueError):
        Detector.from_path(tiny_model_dir, threshold=1.5)


def test_a_threshold_is_any_real_number_but_a_bool(tiny_model_dir: Path) -> None:
    """A NumPy float32 (a quantile of scores) was refused: "must be a number"."""
    from fractions import Fraction

    import numpy as np

    detector = Detector.from_path(tiny_model_dir)
    for value in (np.float32(0.5), Fraction(1, 2), np.float64(0.5)):
        assert detector.with_threshold(value).threshold == 0.5
    for flag in (True, np.bool_(False)):
        with pytest.raises(TypeError, match="got bool"):
            detector.with_threshold(flag)
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        detector.with_threshold(np.float32("nan"))


def test_thresholds_can_be_named_by_the_model(tiny_model_dir: Path) -> None:
    """``review`` and ``block`` are the model's own thresholds, whatever their
    values (a number keeps an older model's meaning after retraining)."""
    import dataclasses

    base = Detector.from_path(tiny_model_dir).model
    model = dataclasses.replace(base, thresholds={**base.thresholds, "review": 0.2, "block": 0.7})
    block = Detector(model, threshold="block")
    assert (block.threshold, block.block_threshold) == (0.7, 0.7)
    review = Detector(model).with_threshold(0.9).with_threshold("review")
    assert (review.threshold, review.block_threshold) == (0.2, 0.7)
    assert Detector(model, threshold=" Block ").threshold == 0.7  # as settings write it
    with pytest.raises(ValueError, match="review, block; got 'strict'"):
        Detector(model, threshold="strict")
    with pytest.raises(TypeError, match="got bytes"):
        Detector(model).scan_many(b"text")


def test_a_failed_save_leaves_the_model_that_was_there(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from detector import model as model_module
    from detector.model import Head, Model, save_model

    directory = copy_model(tiny_model_dir, tmp_path / "m")
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    old = load_model(directory)
    heads = {name: Head(h.coef * 2, h.intercept, h.idf) for name, h in old.heads.items()}
    new = Model("new", old.classes, old.params, old.thresholds, heads)

    def broken_dumps(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    # The arrays are written, then writing the card fails.
    monkeypatch.setattr(model_module.json, "dumps", broken_dumps)
    with pytest.raises(OSError, match="No space left"):
        save_model(new, directory, {})
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before
    assert load_model(directory).version == old.version

    save_model(new, directory, {})
    assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]
    assert load_model(directory).version == "new"


_SAVE_AND_DIE = """
import os, sys
from pathlib import Path
from detector.model import Head, Model, load_model, save_model

directory, die_at, link_works = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
old = load_model(directory)
heads = {name: Head(h.coef * 2, h.intercept, h.idf) for name, h in old.heads.items()}
new = Model("new", old.classes, old.params, old.thresholds, heads)
calls = 0

def dying(function):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == die_at:
            os._exit(9)  # killed: no finally, no clean-up
        return function(*args, **kwargs)
    return call

for name in ("replace", "rename", "link", "unlink"):
    setattr(os, name, dying(getattr(os, name)))
if not link_works:
    def link(*args, **kwargs):
        raise OSError(1, "Operation not permitted")
    os.link = dying(link)
save_model(new, directory, {})
"""


@pytest.mark.parametrize("link_works", [True, False])
def test_a_save_killed_at_any_step_leaves_a_whole_model(
    tiny_model_dir: Path, tmp_path: Path, link_works: bool
) -> None:
    """save_model renamed model.npz and then model.json: killed between the two,
    it left the new arrays beside the old card, which refused them (SHA-256),
    and the previous model was gone.  Killed before any rename, unlink or link
    of a save, the directory holds the old model or the new one, whole, and the
    next save leaves only model.json and model.npz (hard links or, where the
    file system has none, a copy)."""
    import os
    import subprocess
    import sys

    from detector.model import Head, Model, save_model

    # This checkout's detector, whatever is installed.
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    old = load_model(tiny_model_dir).version
    seen = set()
    for die_at in range(1, 30):
        directory = copy_model(tiny_model_dir, tmp_path / f"m{die_at}")
        args = [str(directory), str(die_at), str(int(link_works))]
        run = subprocess.run(
            [sys.executable, "-c", _SAVE_AND_DIE, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode in (0, 9), run.stderr
        version = load_model(directory).version  # never refused
        assert version in (old, "new")
        seen.add(version)
        if run.returncode == 0:  # the save finished before the call it was to die at
            assert version == "new"
            assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]
            break
        again = load_model(directory)
        heads = {n: Head(h.coef, h.intercept, h.idf) for n, h in again.heads.items()}
        model = Model("again", again.classes, again.params, again.thresholds, heads)
        save_model(model, directory, {})
        assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]
        assert load_model(directory).version == "again"
    else:
        pytest.fail("the save never finished")
    assert seen == {old, "new"}


def test_a_model_replaced_while_it_is_read_is_read_whole(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that had read the card when a save replaced the model read the
    new arrays against the old card, and refused them (SHA-256): it now reads
    the card again and loads the new model."""
    from detector.model import Head, Model, save_model

    directory = copy_model(tiny_model_dir, tmp_path / "m")
    old = load_model(directory)
    heads = {name: Head(h.coef * 2, h.intercept, h.idf) for name, h in old.heads.items()}
    new = Model("new", old.classes, old.params, old.thresholds, heads)
    read_bytes = Path.read_bytes
    saved: list[bool] = []

    def saving_first(self: Path) -> bytes:
        if self.suffix == ".npz" and not saved:  # the card is read: the arrays are next
            saved.append(True)
            save_model(new, directory, {})
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", saving_first)
    assert load_model(directory).version == "new"
    assert saved == [True]


def test_a_model_replaced_at_every_read_is_an_error_saying_so(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replaced under the reader at each of its attempts, the error was the
    arrays file's bare name ('model.npz'), which says nothing of what happened."""
    from detector.model import Head, Model, save_model

    directory = copy_model(tiny_model_dir, tmp_path / "m")
    old = load_model(directory)
    models = [
        Model(f"v{i}", old.classes, old.params, old.thresholds,
              {name: Head(h.coef * (i + 2), h.intercept, h.idf) for name, h in old.heads.items()})
        for i in range(2)
    ]  # fmt: skip
    read_bytes = Path.read_bytes
    saves = 0

    def always_saving(self: Path) -> bytes:
        nonlocal saves
        if self.suffix == ".npz":  # the card is read: a save comes before the arrays
            save_model(models[saves % 2], directory, {})
            saves += 1
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", always_saving)
    with pytest.raises(ModelError, match=r": the model was replaced while it was read, 5 times"):
        load_model(directory)

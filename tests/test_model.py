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

"""Model files through the CLI: pickles, tampered or malformed models are refused
with exit 2 and a message, and inference never imports scikit-learn."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from detector.cli import main


class _Exploit:
    """Unpickling this writes the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.write_text, (self.marker, "pwned"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan_with_model(model: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["scan", "--model", str(model), "-"], input="杨方线上配资股票"
    )
    return result.exit_code, result.stdout, result.stderr


def copy_model(tiny_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


def rewrite_card(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    card_path = directory / "model.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    change(card)
    card_path.write_text(json.dumps(card), encoding="utf-8")


@pytest.mark.parametrize("target", ["dir", "card", "npz"])
def test_scan_refuses_a_pickle_posing_as_model_arrays(
    tiny_model_dir: Path, tmp_path: Path, target: str
) -> None:
    directory = copy_model(tiny_model_dir, tmp_path)
    marker = tmp_path / "created-by-unpickling"
    arrays = directory / "model.npz"
    arrays.write_bytes(pickle.dumps(_Exploit(marker)))
    # The worst case: the attacker also fixed the checksum in the card.
    rewrite_card(directory, lambda card: card.update(sha256=sha256(arrays)))
    path = {"dir": directory, "card": directory / "model.json", "npz": arrays}[target]
    code, stdout, stderr = scan_with_model(path)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"detector: error: {arrays}: not a model array file")
    assert not marker.exists()


def test_scan_refuses_a_pickle_posing_as_the_card(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = copy_model(tiny_model_dir, tmp_path)
    marker = tmp_path / "created-by-unpickling"
    (directory / "model.json").write_bytes(pickle.dumps(_Exploit(marker)))
    code, _, stderr = scan_with_model(directory)
    assert code == 2
    assert "not a readable model card" in stderr
    assert not marker.exists()


def test_scan_refuses_tampered_arrays(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = copy_model(tiny_model_dir, tmp_path)
    with (directory / "model.npz").open("r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    code, stdout, stderr = scan_with_model(directory)
    assert (code, stdout) == (2, "")
    assert "does not match the card's" in stderr and "refusing to load" in stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["params"].pop("bits"), "params.bits"),
        (lambda c: c["params"].update(bits=99), "params.bits"),
        (lambda c: c["params"].update(char_ngrams=[3, 1]), "params.char_ngrams"),
        (lambda c: c["thresholds"].update(review=7), "thresholds.review"),
        (lambda c: c.pop("thresholds"), "'thresholds'"),
        (lambda c: c.update(classes="clean"), "'classes'"),
        (lambda c: c.update(format=99), "not a detector model card"),
    ],
)
def test_scan_refuses_a_card_with_bad_values(
    tiny_model_dir: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    directory = copy_model(tiny_model_dir, tmp_path)
    rewrite_card(directory, change)
    code, _, stderr = scan_with_model(directory)
    assert code == 2
    assert stderr.startswith("detector: error: ") and message in stderr, stderr


def test_scan_refuses_arrays_of_the_wrong_shape(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = copy_model(tiny_model_dir, tmp_path)
    arrays_path = directory / "model.npz"
    with np.load(arrays_path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["tagger.coef"] = arrays["tagger.coef"][:10]
    np.savez_compressed(arrays_path, **arrays)  # type: ignore[arg-type]
    rewrite_card(directory, lambda card: card.update(sha256=sha256(arrays_path)))
    code, _, stderr = scan_with_model(directory)
    assert code == 2
    assert "array 'tagger.coef'" in stderr


def test_inference_never_imports_scikit_learn(tiny_model_dir: Path) -> None:
    """Scoring is plain NumPy, so a saved model keeps working across scikit-learn
    upgrades (only training uses scikit-learn); nor does it import numpy.ma
    (~10-20 ms of every start, which np.unique costs in NumPy 2)."""
    program = f"""
import sys
from detector import Detector
detector = Detector.from_path({str(tiny_model_dir)!r})
verdict = detector.scan("今年以来全市工业增加值同比增长。强化服务杨方线上配资股票,推动循环。")
assert verdict.findings, verdict
loaded = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("sklearn", "joblib", "scipy") or m.split(".")[:2] == ["numpy", "ma"]
)
assert not loaded, loaded
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"

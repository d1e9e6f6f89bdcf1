"""Model files: plain arrays in an ``.npz`` plus a JSON model card.

Loading never unpickles anything (``allow_pickle=False``) and checks the SHA-256
that the card records for the array file, so a swapped or corrupted file is
refused before it is read.  Arrays are plain NumPy, so a model survives
scikit-learn upgrades: inference does not use scikit-learn at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "Head", "Model", "ModelError", "load_model", "save_model"]

FORMAT_VERSION = 1
CARD_NAME = "model.json"
ARRAYS_NAME = "model.npz"
HEADS = ("prefilter", "clause", "category", "tagger", "document")
#: Character language models for span boundaries: ``coef`` holds bigram counts and
#: ``idf`` unigram (history) counts.  Optional: older models lack them.
LANGUAGE_MODELS = ("news_lm", "ad_lm")


class ModelError(Exception):
    """A model file is missing, corrupt, or fails its checksum."""


@dataclass(frozen=True)
class Head:
    """One linear model: ``coef`` has one row per hash bucket (and one column per
    class for multi-class heads), ``idf`` is None for heads without tf-idf."""

    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray | None = None


@dataclass(frozen=True)
class Model:
    version: str
    classes: tuple[str, ...]
    params: Mapping[str, Any]
    thresholds: Mapping[str, float]
    heads: Mapping[str, Head]
    card: Mapping[str, Any] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _card_path(path: Path) -> Path:
    if path.is_dir():
        return path / CARD_NAME
    if path.suffix == ".npz":
        return path.with_suffix(".json")
    return path


def load_model(path: str | Path) -> Model:
    """Load a model from its directory, its card (``.json``) or its arrays (``.npz``)."""
    card_path = _card_path(Path(path))
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{card_path}: model card not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: not a readable model card ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT_VERSION:
        raise ModelError(f"{card_path}: not a detector model card (format {FORMAT_VERSION})")
    arrays_path = card_path.parent / str(card.get("arrays", ARRAYS_NAME))
    expected = str(card.get("sha256", ""))
    try:
        actual = _sha256(arrays_path)
    except OSError as exc:
        raise ModelError(f"{arrays_path}: cannot read model arrays ({exc})") from None
    if actual != expected:
        raise ModelError(
            f"{arrays_path}: SHA-256 {actual[:16]}… does not match the card's"
            f" {expected[:16] or 'missing value'}…; refusing to load"
        )
    try:
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{arrays_path}: not a model array file ({exc})") from None
    heads = {}
    for name in HEADS:
        try:
            heads[name] = Head(
                coef=arrays[f"{name}.coef"],
                intercept=arrays[f"{name}.intercept"],
                idf=arrays.get(f"{name}.idf"),
            )
        except KeyError as exc:
            raise ModelError(f"{arrays_path}: missing array {exc}") from None
    for name in LANGUAGE_MODELS:
        if f"{name}.coef" in arrays:
            heads[name] = Head(
                arrays[f"{name}.coef"], arrays[f"{name}.intercept"], arrays.get(f"{name}.idf")
            )
    return Model(
        version=str(card["version"]),
        classes=tuple(card["classes"]),
        params=card["params"],
        thresholds={k: float(v) for k, v in card["thresholds"].items()},
        heads=heads,
        card=card,
    )


def save_model(model: Model, directory: str | Path, card_extra: Mapping[str, Any]) -> Path:
    """Write ``model.npz`` and ``model.json`` into ``directory``; returns the card path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for name, head in model.heads.items():
        arrays[f"{name}.coef"] = head.coef
        arrays[f"{name}.intercept"] = head.intercept
        if head.idf is not None:
            arrays[f"{name}.idf"] = head.idf
    arrays_path = directory / ARRAYS_NAME
    # Uncompressed: loads ~3x faster (no zlib inflate on every start); the
    # SHA-256 check reads the file once anyway.  Compressed files still load.
    np.savez(arrays_path, **arrays)  # type: ignore[arg-type]
    card = {
        "format": FORMAT_VERSION,
        "version": model.version,
        "arrays": ARRAYS_NAME,
        "sha256": _sha256(arrays_path),
        "classes": list(model.classes),
        "params": dict(model.params),
        "thresholds": dict(model.thresholds),
        **card_extra,
    }
    card_path = directory / CARD_NAME
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card_path

"""Model files: plain arrays in an ``.npz`` plus a JSON model card.

Loading never unpickles anything (object arrays are refused, as with
``allow_pickle=False``) and checks the SHA-256 that the card records for the array
file, so a swapped or corrupted file is refused before its arrays are parsed.  The
card's parameters and every array's dtype and shape are checked on load, so a
hand-edited model fails with ``ModelError`` rather than in the middle of a scan.
Arrays are plain NumPy, so a model survives scikit-learn upgrades: inference never
imports scikit-learn (or joblib or SciPy; ``tests/test_model_files.py`` checks it),
only training does.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FORMAT_VERSION",
    "Head",
    "Model",
    "ModelError",
    "check_model_directory",
    "default_model_path",
    "load_model",
    "load_model_in_background",
    "save_model",
]

FORMAT_VERSION = 1
CARD_NAME = "model.json"
ARRAYS_NAME = "model.npz"
HEADS = ("prefilter", "clause", "category", "tagger", "document")
#: Character language models for span boundaries: ``coef`` holds bigram counts and
#: ``idf`` unigram (history) counts.
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


def default_model_path() -> Path:
    """The card of the packaged model."""
    # Not importlib.resources (~3 ms to import): the package is always a directory.
    return Path(__file__).parent / "models" / "default" / CARD_NAME


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _npz_arrays(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` file ``data``, as read-only views into ``data``
    where a member is stored uncompressed (as :func:`save_model` writes them):
    the file is read once, for its checksum, and not copied again.  Object
    arrays are refused, so nothing is unpickled."""
    view = memoryview(data)
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.compress_type == zipfile.ZIP_STORED:
                # The bytes follow the member's local header: 30 bytes, its
                # name and an extra field (sizes at offsets 26 and 28).
                at = info.header_offset
                name_size, extra_size = struct.unpack("<HH", data[at + 26 : at + 30])
                start = at + 30 + name_size + extra_size
                member = view[start : start + info.file_size]
            else:
                member = memoryview(archive.read(info))
            arrays[info.filename.removesuffix(".npy")] = _npy_array(member)
    return arrays


def _npy_array(member: memoryview) -> np.ndarray:
    """The array of one ``.npy`` file, a view into ``member``."""
    import numpy as np

    fmt = np.lib.format
    version = fmt.read_magic(io.BytesIO(member[: fmt.MAGIC_LEN]))
    # The header's length follows the magic: 2 bytes in version 1.0, 4 after.
    length_size = 2 if version == (1, 0) else 4
    length_bytes = member[fmt.MAGIC_LEN : fmt.MAGIC_LEN + length_size]
    offset = fmt.MAGIC_LEN + length_size + int.from_bytes(length_bytes, "little")
    header = io.BytesIO(member[:offset])
    fmt.read_magic(header)
    read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, fortran_order, dtype = read_header(header)
    if dtype.hasobject:
        raise ValueError("object arrays are not allowed")
    count = int(np.prod(shape, dtype=np.int64))
    array = np.frombuffer(member, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape, order="F" if fortran_order else "C")


def _card_path(path: Path) -> Path:
    if path.is_dir():
        return path / CARD_NAME
    if path.suffix == ".npz":
        return path.with_suffix(".json")
    return path


@dataclass(frozen=True)
class _CheckedFiles:
    """A model's card, checked, and the bytes of its array file, checksum verified."""

    card: dict[str, Any]
    classes: tuple[str, ...]
    params: dict[str, Any]
    thresholds: dict[str, float]
    arrays_path: Path
    data: bytes


def load_model(path: str | Path) -> Model:
    """Load a model from its directory, its card (``.json``) or its arrays (``.npz``)."""
    return _parse_arrays(_read_checked(path))


def load_model_in_background(path: str | Path) -> Callable[[], Model]:
    """Start :func:`load_model` of ``path``; the function returned waits for it
    and returns the model or raises its ``ModelError``.

    A thread reads the files and verifies the checksum, which is most of the
    work (36 MB of arrays) and runs without the GIL, so that a program can import
    NumPy and the rest of the pipeline meanwhile.  The arrays are parsed by the
    caller of the function returned (this module imports NumPy only then)."""
    outcome: list[_CheckedFiles | Exception] = []

    def read() -> None:
        try:
            outcome.append(_read_checked(path))
        except Exception as exc:  # raised by finish(), in the caller's thread
            outcome.append(exc)

    thread = threading.Thread(target=read, name="detector-model-read", daemon=True)
    thread.start()

    def finish() -> Model:
        thread.join()
        checked = outcome[0]
        if isinstance(checked, Exception):
            raise checked
        return _parse_arrays(checked)

    return finish


class _Replaced(ModelError):
    """The card's arrays were gone or changed, and so was the card: a save
    (:func:`save_model`) replaced the model while it was being read."""


#: Reads of a model that a save may replace meanwhile (see :func:`_read_checked`).
_READ_ATTEMPTS = 5


def _read_checked(path: str | Path) -> _CheckedFiles:
    card_path = _card_path(Path(path))
    for _ in range(_READ_ATTEMPTS - 1):
        try:
            return _read_checked_once(card_path)
        except _Replaced:  # read it again, as it is now
            continue
    try:
        return _read_checked_once(card_path)
    except _Replaced as exc:
        raise ModelError(
            f"{card_path.parent}: the model was replaced while it was read,"
            f" {_READ_ATTEMPTS} times in a row ({exc}); is a training run saving into it?"
        ) from None


def _card_text(card_path: Path) -> str | None:
    try:
        return card_path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def _read_checked_once(card_path: Path) -> _CheckedFiles:
    """The checked files of the model whose card is ``card_path``.  A save
    replaces the arrays a card names only after a card naming others is in
    place (:func:`save_model`): arrays that are gone or do not match their card
    while the card itself has changed are a model replaced while it was read
    (:class:`_Replaced`), not a broken one."""
    try:
        text = card_path.read_text(encoding="utf-8")
        card = json.loads(text)
    except FileNotFoundError:
        raise ModelError(f"{card_path}: model card not found") from None
    except (OSError, ValueError, RecursionError) as exc:  # incl. JSON and UTF-8 errors
        raise ModelError(f"{card_path}: not a readable model card ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT_VERSION:
        raise ModelError(f"{card_path}: not a detector model card (format {FORMAT_VERSION})")
    classes, params, thresholds = _check_card(card, card_path)
    arrays_path = card_path.parent / str(card.get("arrays", ARRAYS_NAME))
    expected = str(card.get("sha256", ""))
    try:
        data = arrays_path.read_bytes()
    except OSError as exc:
        if _card_text(card_path) != text:
            raise _Replaced(f"{arrays_path.name}: {exc.strerror or exc}") from None
        raise ModelError(f"{arrays_path}: cannot read model arrays ({exc})") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        if _card_text(card_path) != text:
            raise _Replaced(f"{arrays_path.name} changed")
        raise ModelError(
            f"{arrays_path}: SHA-256 {actual[:16]}… does not match the card's"
            f" {expected[:16] or 'missing value'}…; refusing to load"
        )
    return _CheckedFiles(card, classes, params, thresholds, arrays_path, data)


def _parse_arrays(checked: _CheckedFiles) -> Model:
    arrays_path, params = checked.arrays_path, checked.params
    try:
        arrays = _npz_arrays(checked.data)
    except (OSError, ValueError, zipfile.BadZipFile, struct.error) as exc:
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
    _check_heads(heads, params, len(checked.classes), arrays_path)
    for name in LANGUAGE_MODELS:
        if f"{name}.coef" not in arrays or f"{name}.intercept" not in arrays:
            raise ModelError(f"{arrays_path}: missing array '{name}.coef'")
        heads[name] = Head(
            arrays[f"{name}.coef"], arrays[f"{name}.intercept"], arrays.get(f"{name}.idf")
        )
        _check_language_model(name, heads[name], arrays_path)
    return Model(
        version=str(checked.card.get("version", "")),
        classes=checked.classes,
        params=params,
        thresholds=checked.thresholds,
        heads=heads,
        card=checked.card,
    )


def _check_card(
    card: dict[str, Any], card_path: Path
) -> tuple[tuple[str, ...], dict[str, Any], dict[str, float]]:
    """The card's classes, params and thresholds, or ModelError: a card with a
    matching checksum may still be hand-edited, and a bad value must fail here,
    not as a KeyError or IndexError in the middle of a scan."""

    def bad(what: str) -> ModelError:
        return ModelError(f"{card_path}: invalid model card ({what})")

    classes = card.get("classes")
    if not (isinstance(classes, list) and len(classes) >= 2):
        raise bad("'classes' must list at least two class names")
    if not all(isinstance(c, str) for c in classes):
        raise bad("'classes' must be strings")
    params = card.get("params")
    if not isinstance(params, dict):
        raise bad("'params' must be an object")
    for name in ("bits", "tagger_bits"):
        value = params.get(name)
        if not (isinstance(value, int) and 1 <= value <= 30):
            raise bad(f"params.{name} must be an integer within 1..30")
    ngrams = params.get("char_ngrams")
    if not (
        isinstance(ngrams, list)
        and len(ngrams) == 2
        and all(isinstance(n, int) for n in ngrams)
        and 1 <= ngrams[0] <= ngrams[1] <= 8
    ):
        raise bad("params.char_ngrams must be [low, high] within 1..8")
    raw = card.get("thresholds")
    if not isinstance(raw, dict):
        raise bad("'thresholds' must be an object")
    thresholds: dict[str, float] = {}
    for name in ("prefilter", "review", "block", "document"):
        value = raw.get(name)
        if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
            raise bad(f"thresholds.{name} must be a number within 0..1")
    for name, value in raw.items():
        if isinstance(value, (int, float)):
            thresholds[name] = float(value)
    return tuple(classes), params, thresholds


def _check_heads(
    heads: Mapping[str, Head], params: Mapping[str, Any], n_classes: int, arrays_path: Path
) -> None:
    """Every array has a float dtype and the shape the card's params imply."""
    for name, head in heads.items():
        rows = 1 << int(params["tagger_bits" if name == "tagger" else "bits"])
        columns = n_classes if name == "category" else 1
        expected = {
            "coef": [(rows, columns)] if columns > 1 else [(rows,), (rows, 1)],
            "intercept": [(columns,)],
        }
        if name != "tagger":
            expected["idf"] = [(rows,)]
        for part, shapes in expected.items():
            array = getattr(head, part)
            if array is None:
                raise ModelError(f"{arrays_path}: missing array '{name}.{part}'")
            if array.dtype.kind != "f" or array.shape not in shapes:
                shape = shapes[0]
                raise ModelError(
                    f"{arrays_path}: array '{name}.{part}' is {array.dtype}{list(array.shape)},"
                    f" expected float{list(shape)}"
                )


def _check_language_model(name: str, head: Head, arrays_path: Path) -> None:
    from detector.localize import LM_BITS, UNIGRAM_BITS

    for part, size in (("coef", 1 << LM_BITS), ("idf", 1 << UNIGRAM_BITS)):
        array = getattr(head, part)
        if array is None or array.dtype.kind != "f" or array.shape != (size,):
            raise ModelError(f"{arrays_path}: array '{name}.{part}' must be float[{size}]")


#: The name of the arrays while a save switches to them (see :func:`save_model`).
_STAGED = re.compile(r"model\.[0-9a-f]{16}\.npz")


def save_model(model: Model, directory: str | Path, card_extra: Mapping[str, Any]) -> Path:
    """Write ``model.npz`` and ``model.json`` into ``directory``; returns the card path.

    Replacing a model is atomic for a reader.  The card names its array file
    (``arrays``), so the card is the one file whose rename switches models: the
    arrays are written under a name of their own (``model.<sha256>.npz``, the
    first 16 hex digits), a card naming them is renamed over ``model.json`` (the
    switch), then they are linked (or copied) to ``model.npz``, a card naming that
    replaces the first, and their own name goes.  At each moment ``model.json``
    names arrays that match it, so a save that fails or is killed at any step
    leaves the old model or the new one, whole (and at most a stray
    ``model.<sha256>.npz``, which the next save removes).  A reader that had read
    the old card when its arrays were replaced reads the card again
    (:func:`load_model`).  Files are written under temporary names and synced
    before they are renamed into place.  Once the new model is in place, a
    failure to put it back under ``model.npz`` (a full disk without hard links)
    leaves it under its own name, whole, and is not an error.

    Saves into one directory take turns (:func:`detector._files.locked`): two
    at once shared the temporary names and removed each other's staged arrays.
    A directory holding files of the same names that are not a detector model's
    is refused (``ModelError``, see :func:`check_model_directory`)."""
    from detector._files import locked

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with locked(directory):
        check_model_directory(directory)
        return _save_model(model, directory, card_extra)


def check_model_directory(directory: str | Path) -> None:
    """Raise ``ModelError`` naming the file if saving a model into ``directory``
    would replace something that is not a detector model: a ``model.json``
    that is not a model card (not JSON, or without the card's ``format`` and
    ``sha256``), or a ``model.npz`` without a card beside it.  ``model.json``
    and ``model.npz`` are names other tools use too."""
    directory = Path(directory)
    card_path = directory / CARD_NAME
    refuse = "not replaced (save into another directory, or remove it)"
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        arrays_path = directory / ARRAYS_NAME
        if arrays_path.exists() or arrays_path.is_symlink():
            raise ModelError(
                f"{arrays_path}: no detector model card ({CARD_NAME}) beside it; {refuse}"
            ) from None
        return
    except (OSError, ValueError, RecursionError) as exc:  # incl. JSON and UTF-8 errors
        why = getattr(exc, "strerror", None) or "not JSON"
        raise ModelError(f"{card_path}: not a detector model card ({why}); {refuse}") from None
    if not (isinstance(card, dict) and "format" in card and "sha256" in card):
        raise ModelError(f"{card_path}: not a detector model card; {refuse}")


def _save_model(model: Model, directory: Path, card_extra: Mapping[str, Any]) -> Path:
    """:func:`save_model`, the lock held."""
    import numpy as np

    arrays: dict[str, np.ndarray] = {}
    for name, head in model.heads.items():
        arrays[f"{name}.coef"] = head.coef
        arrays[f"{name}.intercept"] = head.intercept
        if head.idf is not None:
            arrays[f"{name}.idf"] = head.idf
    arrays_path, card_path = directory / ARRAYS_NAME, directory / CARD_NAME
    arrays_tmp = directory / f".{ARRAYS_NAME}.tmp"
    card_tmp = directory / f".{CARD_NAME}.tmp"
    staged: Path | None = None
    switched = False
    try:
        # Uncompressed: loads ~3x faster (no zlib inflate on every start); the
        # SHA-256 check reads the file once anyway.  Compressed files still load.
        with arrays_tmp.open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        digest = _sha256(arrays_tmp)
        staged = directory / f"model.{digest[:16]}.npz"
        os.replace(arrays_tmp, staged)
        card = {
            "format": FORMAT_VERSION,
            "version": model.version,
            "arrays": staged.name,
            "sha256": digest,
            "classes": list(model.classes),
            "params": dict(model.params),
            "thresholds": dict(model.thresholds),
            **card_extra,
        }
        _write_synced(card_tmp, json.dumps(card, ensure_ascii=False, indent=2) + "\n")
        os.replace(card_tmp, card_path)  # the switch: readers now load the new model
        switched = True
        _sync_directory(directory)
        try:  # the usual names again
            _link_or_copy(staged, arrays_tmp)
            os.replace(arrays_tmp, arrays_path)
            card["arrays"] = ARRAYS_NAME
            _write_synced(card_tmp, json.dumps(card, ensure_ascii=False, indent=2) + "\n")
            os.replace(card_tmp, card_path)
            for stray in directory.iterdir():  # this save's, and those of saves killed before
                if _STAGED.fullmatch(stray.name):
                    os.unlink(stray)
            _sync_directory(directory)
        except OSError:  # the new model is in place, whole, under its own name
            pass
    finally:
        arrays_tmp.unlink(missing_ok=True)
        card_tmp.unlink(missing_ok=True)
        # A save that failed before the switch: its arrays go, unless the card in
        # place names them (the same model, left staged by a save killed before).
        if staged is not None and not switched and _arrays_named(card_path) != staged.name:
            staged.unlink(missing_ok=True)
    return card_path


def _arrays_named(card_path: Path) -> str | None:
    """The array file the card ``card_path`` names (None: no readable card)."""
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return str(card.get("arrays", ARRAYS_NAME)) if isinstance(card, dict) else None


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _link_or_copy(source: Path, destination: Path) -> None:
    """``destination`` as a second name of ``source`` (a hard link), or a synced
    copy where the file system has no hard links."""
    destination.unlink(missing_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        import shutil

        shutil.copyfile(source, destination)
        with destination.open("rb+") as handle:
            os.fsync(handle.fileno())


def _sync_directory(directory: Path) -> None:
    """Make the renames in ``directory`` durable (a crash after a rename could
    otherwise bring back the old entry); not possible everywhere (Windows)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)

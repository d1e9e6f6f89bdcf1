"""Project settings for ``detector scan``: ``.detector.toml`` or ``[tool.detector]``.

Found by walking up from the current directory; in each directory
``.detector.toml`` is read first, then ``pyproject.toml`` if it has a
``[tool.detector]`` table; the first found wins (like ruff and black).

``.detector.toml`` holds the keys at its top level (or under
``[tool.detector]``)::

    allow = ["证监会依法查处场外配资", "官方微信公众号"]
    inline_markers = false   # ignore "detector: allow" in scanned text (default true)
    ignore_categories = ["promotion"]   # drop the findings of these categories
    category_thresholds = {promotion = 0.99, contact = "off"}   # per category
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.categories import check_categories, check_category_thresholds

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Config", "ConfigError", "find_config", "load_config"]

CONFIG_NAMES = (".detector.toml", "pyproject.toml")


class ConfigError(ValueError):
    """A configuration file that cannot be read or has wrong keys."""


@dataclass(frozen=True)
class Config:
    """Settings read from a file (``path`` is None when none was found)."""

    allow: tuple[str, ...] = ()
    path: Path | None = None
    # Whether "detector: allow" in a scanned text silences the findings on its
    # line.  Off for text nobody reviewed (a crawl): an ad carrying the marker
    # would hide itself.
    inline_markers: bool = True
    # Categories whose findings are dropped (see detector.suppress).
    ignore_categories: tuple[str, ...] = ()
    # The score a category's findings must reach, or "off" (see detector.suppress).
    category_thresholds: tuple[tuple[str, float | str], ...] = ()


def _table(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        # An editor on Windows may save it with a byte-order mark, which TOML
        # does not allow (it was "invalid TOML"); a baseline with one is read too.
        document = tomllib.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8: tomllib decodes the file first
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: invalid TOML (not UTF-8, at line {line})") from None
    tool = document.get("tool", {})
    table = tool.get("detector") if isinstance(tool, dict) else None
    if path.name == "pyproject.toml":
        return table if isinstance(table, dict) else None
    # The rest of the file is not read: a key beside the table was silently ignored
    # (``inline_markers = false`` above a ``[tool.detector]`` left the marker on).
    rest = sorted(set(document) - {"tool"})
    if isinstance(table, dict):
        if rest:
            raise ConfigError(f"{path}: {', '.join(rest)} outside [tool.detector] (not read)")
        return table
    return {key: document[key] for key in rest}


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The first settings file from ``start`` upwards, with its detector table."""
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                table = _table(candidate)
                if table is not None:
                    return candidate, table
    return None


def load_config(start: Path | None = None) -> Config:
    """Settings for a scan started in ``start`` (default: the current directory)."""
    if start is None:
        try:
            start = Path.cwd()
        except OSError as exc:  # a shell left in a deleted directory: once a traceback
            raise ConfigError(
                f"cannot look for .detector.toml: the current directory cannot be read"
                f" ({exc.strerror or exc})"
            ) from None
    found = find_config(start.resolve())
    if found is None:
        return Config()
    path, table = found
    keys = {"allow", "inline_markers", "ignore_categories", "category_thresholds"}
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    allow = table.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise ConfigError(f"{path}: 'allow' must be a list of strings")
    inline_markers = table.get("inline_markers", True)
    if not isinstance(inline_markers, bool):
        raise ConfigError(f"{path}: 'inline_markers' must be true or false")
    ignore = table.get("ignore_categories", [])
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        raise ConfigError(f"{path}: 'ignore_categories' must be a list of category names")
    try:
        check_categories(ignore)
    except ValueError as exc:
        raise ConfigError(f"{path}: 'ignore_categories': {exc}") from None
    thresholds = table.get("category_thresholds", {})
    if not isinstance(thresholds, dict):
        raise ConfigError(
            f"{path}: 'category_thresholds' must be a table of category = score 0..1 or \"off\""
        )
    try:
        check_category_thresholds(thresholds)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: 'category_thresholds': {exc}") from None
    return Config(tuple(allow), path, inline_markers, tuple(ignore), tuple(thresholds.items()))

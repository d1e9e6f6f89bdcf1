"""Scrapy item pipeline: flag, clean or drop items carrying injected advertising.

Needs the optional extra: ``pip install '.[scrapy]'``.  Enable it in
``settings.py``::

    ITEM_PIPELINES = {"detector.integrations.scrapy.DetectorPipeline": 300}
    DETECTOR_ACTION = "clean"                     # flag (default) | clean | drop
    DETECTOR_FIELDS = ["title", "content"]        # text fields to scan
    DETECTOR_QUARANTINE = "quarantine.jsonl"      # originals of cleaned/dropped items

Settings:

``DETECTOR_FIELDS``
    Item fields to scan (default ``["title", "content"]``); missing or non-string
    fields are skipped.  A string (``-s DETECTOR_FIELDS="title, content"``) is
    split at commas and each name stripped of spaces, as for ``DETECTOR_ALLOW``.
    A field holding HTML is scanned by its text and cleaned without touching a
    tag (see :mod:`detector.integrations.hook`).
``DETECTOR_ACTION``
    ``flag``: keep the item unchanged apart from the result field.  ``clean``:
    remove the findings from the scanned fields of a blocked item.  ``drop``: raise
    ``DropItem`` for a blocked item.  An item is flagged when a scanned field has a
    finding, and blocked when one reaches the model's block threshold (``is_spam``);
    a flagged item that is not blocked passes unchanged (see
    :mod:`detector.integrations.hook`).
``DETECTOR_THRESHOLD``
    Report spans scoring at least this (0..1), or ``review`` or ``block``: the
    model's own thresholds; default: the model's review threshold.
``DETECTOR_MODEL``
    A model directory or ``model.json``; default: the packaged model.
``DETECTOR_ALLOW``
    Phrases cut out of the findings (a list), as the ``allow`` list of
    ``.detector.toml`` does for ``detector scan``; e.g. an outlet's own promotion
    (``["东方财富APP下载"]``).  The inline marker ``detector: allow`` is never
    honoured in items: in scraped text it would be the spammer's.
``DETECTOR_IGNORE_CATEGORIES``
    Categories whose findings are dropped (a list, or a comma-separated string):
    they neither flag, block nor clean an item; e.g. ``["promotion"]`` for a site
    whose shopping news reads as promotion.  An unknown name stops the crawl at
    start-up, naming the categories.
``DETECTOR_CATEGORY_THRESHOLDS``
    The score a category's findings must reach to count (a dict,
    ``{"promotion": 0.99}``, ``"off"`` for none of them; from the command line
    ``-s DETECTOR_CATEGORY_THRESHOLDS=promotion=0.99,contact=off``): a finding
    under it neither flags, blocks nor cleans.  A bad one stops the crawl at
    start-up.
``DETECTOR_RESULT_FIELD``
    Item field that receives ``HookResult.to_dict()`` (default ``"detector"``; empty,
    ``None`` or, from the command line, ``-s DETECTOR_RESULT_FIELD=None`` to store
    nothing).  It is set on every item the pipeline lets
    through.  Dicts accept any key; a ``scrapy.Item``, dataclass, attrs or pydantic
    item must declare the field (``detector = scrapy.Field()``, or
    ``detector: dict | None = None``).  If it does not, the item passes through
    without it, one warning per item class is logged and the stat
    ``detector/results_not_stored`` counts such items: the item itself is never lost
    for want of a field.  A frozen dataclass or attrs item is passed on as a
    changed copy (``dataclasses.replace``, ``attrs.evolve``).  A field that
    cannot be set in a copy either (declared ``init=False`` on a frozen class, a
    value ``__post_init__`` refuses; a frozen pydantic model, which is not
    copied) is handled as an undeclared result field (warning, stat); for
    ``DETECTOR_ACTION = "clean"`` a cleaned field that cannot be set raises
    :class:`UnwritableItemError` naming the class, the field and the setting:
    the item is never passed on uncleaned (its original is in the quarantine).
``DETECTOR_QUARANTINE``
    A JSONL file.  For every cleaned or dropped item one line is appended with the
    ORIGINAL item, so nothing is lost: ``{"spider", "action", "item", "detector"}``.
    Opened in append mode when the spider opens (a path that cannot be opened
    stops the crawl then, with an error naming the setting), each line written
    when it comes (as a compressed stream of its own when the file is compressed
    or named ``.gz``, ``.bz2``, ``.xz``: :class:`detector.compressed.AppendLog`).  Values
    JSON cannot hold are written as ``str(value)``, dict keys that are not strings
    as ``str(key)``, lone surrogates as ``\\udXXX`` escapes.  If a line still
    cannot be written (a full disk, a circular item), the error and the original
    item are logged, the stat ``detector/quarantine_errors`` counts it, and the
    item goes on its way (cleaned, dropped or flagged) all the same.  A
    quarantine that is the file of one of the crawl's feeds (``FEEDS``, which
    ``scrapy crawl -o/-O FILE`` fills, or ``FEED_URI``) stops the crawl in
    ``from_crawler``, with an error naming the file and both settings: the
    exporter and the quarantine wrote into one file.  Feed paths are compared as
    the exporter opens them (a plain path relative to the current directory or
    a ``file:`` URI), resolved; a placeholder (``%(name)s``, ``%(time)s``)
    stands for any text.

Stats: ``detector/items_scanned``, ``detector/items_flagged``,
``detector/items_cleaned``, ``detector/items_dropped`` (and
``detector/quarantine_errors``, ``detector/results_not_stored``,
``detector/fields_not_scanned`` and ``detector/items_without_fields`` when they
happen).  ``detector/items_scanned`` counts the items in which at least one field
was scanned.  An item holding none of the ``DETECTOR_FIELDS`` (a spider whose text is
in ``body``) is passed on unscanned: it counts in ``detector/items_without_fields``
(not in ``detector/items_scanned``),
with one warning per item class naming the fields it does hold.  A field holding a list of
strings (the paragraphs an ``ItemLoader`` without an output processor gives) is
scanned element by element (``content[0]``, ``content[1]`` … in the result, see
:mod:`detector.integrations.hook`); one holding anything else (bytes, numbers, a
list with other things in it) is not scanned: each one counts in
``detector/fields_not_scanned``, with one warning per item class, field and type
(an item whose fields are all such is not counted in ``detector/items_scanned``).

The model is loaded in ``from_crawler``, so a bad ``DETECTOR_MODEL`` stops the
crawl before it starts, and once per process: crawlers naming the same model
share it (:func:`detector.integrations.hook.load_detector`).  The pipeline follows
Scrapy's current component contract: ``process_item(item)``, ``open_spider()`` and
``close_spider()`` take no spider (an optional ``spider`` argument is accepted from
Scrapy versions that still pass it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from w3lib.url import file_uri_to_path

from detector.categories import (
    check_categories,
    check_category_thresholds,
    parse_category_thresholds,
)
from detector.clean import escape_lone_surrogates
from detector.compressed import AppendLog
from detector.integrations.hook import (
    ACTIONS,
    DEFAULT_FIELDS,
    HookResult,
    check_item,
    is_key_of,
    load_detector,
)
from detector.model import ModelError
from detector.recurring import Recurring
from detector.results import THRESHOLD_NAMES

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from detector.core import Detector

__all__ = ["DetectorPipeline", "UnwritableItemError"]

logger = logging.getLogger(__name__)


def _threshold(value: Any) -> float | str | None:
    """The ``DETECTOR_THRESHOLD`` setting as a number or the name of one of the
    model's thresholds (None: not set); an error that names the setting, not just
    ``could not convert string to float: '0,8'``."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in THRESHOLD_NAMES:
        return value.strip().lower()
    try:
        number = -1.0 if isinstance(value, bool) else float(value)  # float(True) is 1.0
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ValueError(
            f"DETECTOR_THRESHOLD must be a number from 0 to 1 (0.8), review or block; got {value!r}"
        )
    return number


def _names(settings: Any, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A list setting of names: a list, or a string split at commas
    (``-s DETECTOR_FIELDS=title,content``), each name stripped of spaces and
    blank ones dropped (``"title, content"`` once gave the field ``" content"``,
    which no item has, so the content was never scanned)."""
    names = []
    try:
        values = settings.getlist(name, list(default))
    except TypeError:  # a number: "'int' object is not iterable" named no setting
        raise ValueError(
            f"{name} must be a list of names or a comma-separated string; got"
            f" {settings.get(name)!r}"
        ) from None
    for value in values:
        if not isinstance(value, str):
            raise ValueError(f"{name} must list strings; got {value!r}")
        if value.strip():
            names.append(value.strip())
    return tuple(dict.fromkeys(names))


def _category_thresholds(settings: Any) -> Mapping[str, float | str]:
    """``DETECTOR_CATEGORY_THRESHOLDS``: a dict, or from the command line
    ``NAME=X`` pairs split at commas (checked by the pipeline)."""
    value = settings.get("DETECTOR_CATEGORY_THRESHOLDS") or {}
    if isinstance(value, str):
        try:
            return parse_category_thresholds(p for p in value.split(",") if p.strip())
        except ValueError as exc:
            raise ValueError(f"DETECTOR_CATEGORY_THRESHOLDS: {exc}") from None
    if not isinstance(value, Mapping):  # a BaseSettings of it is a Mapping too
        raise ValueError(
            f"DETECTOR_CATEGORY_THRESHOLDS must be a dict of category to score or 'off';"
            f" got {value!r}"
        )
    return dict(value)


def _jsonable(value: Any) -> Any:
    """``value`` with every dict key JSON can hold: others (a tuple, say) become
    ``str(key)``.  ``json.dumps`` has no hook for keys: it raises TypeError.  A
    float NaN or infinity becomes ``str(value)``: ``json.dumps`` wrote it as a bare
    ``NaN``, which is not JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {
            k if k is None or isinstance(k, (str, int, float, bool)) else str(k): _jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# A placeholder of a feed URI (%(name)s, %(time)s, %(batch_id)05d), as Scrapy's
# feed exporter finds them (scrapy.extensions.feedexport.apply_uri_params).
_FEED_PLACEHOLDER = re.compile(r"%\([^)]+\)[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
_ANY = "\x01detector-placeholder\x01"  # stands for a placeholder while the path is resolved


def _local_feed_path(uri: str) -> str | None:
    """The local file a feed URI writes, as Scrapy's ``FileFeedStorage`` opens it
    (a plain path, relative to the current directory, or a ``file:`` URI); None
    for any other storage (``s3:``, ``ftp:``, ``gs:``, ``stdout:``, custom)."""
    if uri.startswith("file:"):
        return file_uri_to_path(uri)
    if not urlparse(uri).scheme or PureWindowsPath(uri).drive:
        return uri
    return None


def _check_quarantine_is_no_feed(quarantine: str | os.PathLike[str], settings: Any) -> None:
    """Raise ``ValueError`` if ``quarantine`` is the file of one of the crawl's
    feeds (``FEEDS``, which ``scrapy crawl -o/-O FILE`` fills, or the deprecated
    ``FEED_URI``): the exporter and the quarantine appended to one file (with
    ``-O`` the exporter truncated it), items and quarantined originals mixed.
    Paths are compared resolved (relative to the current directory, symlinks
    followed; existing files by identity, so hard links too).  A placeholder of
    a feed URI (``%(name)s``, ``%(time)s``, ``FEED_URI_PARAMS``'s) is taken to
    stand for any text: a quarantine that one of its files could be is refused."""
    target = os.path.realpath(os.fspath(quarantine))
    feeds: list[tuple[str, Any]] = []
    if settings.get("FEED_URI"):
        feeds.append(("FEED_URI", settings.get("FEED_URI")))
    feeds += [("FEEDS", uri) for uri in settings.getdict("FEEDS")]
    for setting, uri in feeds:
        # As the exporter reads the keys: a Path made absolute, anything else str().
        text = str(uri.absolute()) if isinstance(uri, Path) else str(uri)
        path = _local_feed_path(_FEED_PLACEHOLDER.sub(_ANY, text))
        if path is None:
            continue
        resolved = os.path.realpath(path)
        if _ANY in resolved:
            pattern = ".*".join(re.escape(part) for part in resolved.split(_ANY))
            same = re.fullmatch(pattern, target, re.DOTALL) is not None
        else:
            same = resolved == target or (
                os.path.exists(resolved)
                and os.path.exists(target)
                and os.path.samefile(resolved, target)
            )
        if same:
            raise ValueError(
                f"DETECTOR_QUARANTINE {os.fspath(quarantine)}"
                f" {'could be' if _ANY in resolved else 'is'} the file the feed"
                f" {setting} {text} writes (scrapy crawl -o/-O FILE sets FEEDS): the feed"
                " exporter and the quarantine would write into one file, items and"
                " quarantined originals mixed; name another file for either"
            )


class UnwritableItemError(TypeError):
    """An item field the pipeline must set (the cleaned text, the result) that
    cannot be set in place nor in a changed copy of the item: a frozen
    dataclass or attrs class whose field is not an ``__init__`` argument
    (``init=False``), or whose ``__post_init__`` / validators refuse the value."""


def _with_fields(item: Any, values: dict[str, Any]) -> Any:
    """``item`` with ``values`` set: in place, or, for a frozen dataclass or attrs
    item (setting a field raised FrozenInstanceError, and Scrapy lost the item),
    a changed copy of the same class.  Raises ``KeyError`` for a field the item
    class does not declare (ItemAdapter's), and :class:`UnwritableItemError`
    when neither works, with the reason."""
    adapter = ItemAdapter(item)
    try:
        for name, value in values.items():
            adapter[name] = value
        return item
    # FrozenInstanceError (an AttributeError) of dataclasses and attrs; a frozen
    # pydantic model raises a ValidationError (v2, a ValueError) or TypeError (v1).
    except (AttributeError, TypeError, ValueError) as exc:
        frozen = exc
    try:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return dataclasses.replace(item, **values)
        attr = sys.modules.get("attr")  # imported wherever an attrs class is defined
        if attr is not None and attr.has(type(item)):
            # evolve() takes __init__ arguments: a field "_content" is "content"
            # there (its alias), and was an "unexpected keyword argument".
            aliases = {
                a.name: getattr(a, "alias", None) or a.name.lstrip("_")
                for a in attr.fields(type(item))
            }
            return attr.evolve(item, **{aliases.get(k, k): v for k, v in values.items()})
    except (TypeError, ValueError) as exc:  # init=False fields, InitVars, validators
        raise UnwritableItemError(f"{type(exc).__name__}: {exc}") from None
    raise UnwritableItemError(f"{type(frozen).__name__}: {frozen}") from None


class DetectorPipeline:
    """Scans each item's text fields; see the module documentation for settings."""

    def __init__(
        self,
        detector: Detector,
        fields: tuple[str, ...] = DEFAULT_FIELDS,
        action: str = "flag",
        result_field: str | None = "detector",
        quarantine: str | None = None,
        crawler: Crawler | None = None,
        allow: tuple[str, ...] = (),
        ignore_categories: tuple[str, ...] = (),
        category_thresholds: Mapping[str, float | str] | None = None,
    ) -> None:
        if action not in ACTIONS:
            raise ValueError(f"DETECTOR_ACTION must be one of {', '.join(ACTIONS)}; got {action!r}")
        if not fields:
            raise ValueError("DETECTOR_FIELDS is empty: name at least one item field to scan")
        # open() takes a number as a file descriptor: True was fd 1, stdout, and
        # close_spider() closed it.
        if quarantine and not isinstance(quarantine, (str, os.PathLike)):
            raise ValueError(
                f"DETECTOR_QUARANTINE must be a path (a JSONL file); got {quarantine!r}"
            )
        self.detector = detector
        self.fields = fields
        self.action = action
        # From the command line (-s DETECTOR_RESULT_FIELD=None) None is a string.
        name = result_field.strip() if isinstance(result_field, str) else result_field
        if name and not isinstance(name, str):  # a list was an unhashable key, 3 a key
            raise ValueError(
                f"DETECTOR_RESULT_FIELD must be a field name (a string) or None; got"
                f" {result_field!r}"
            )
        self.result_field = None if not name or name in ("None", "none") else name
        if self.result_field in fields:  # the verdict replaced the text it was about
            raise ValueError(
                f"DETECTOR_RESULT_FIELD {self.result_field!r} is one of the DETECTOR_FIELDS:"
                " the result would overwrite the text it scanned; name another field"
            )
        # As for the result field: -s DETECTOR_QUARANTINE=None made a file "None".
        off = isinstance(quarantine, str) and quarantine.strip() in ("", "None", "none")
        self.quarantine_path = None if off else quarantine or None
        self.crawler = crawler
        self.allow = allow
        try:
            self.ignore_categories = check_categories(ignore_categories)
        except ValueError as exc:  # raised at start-up, naming the setting
            raise ValueError(f"DETECTOR_IGNORE_CATEGORIES: {exc}") from None
        try:
            self.category_thresholds = dict(category_thresholds or {})
            check_category_thresholds(self.category_thresholds)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"DETECTOR_CATEGORY_THRESHOLDS: {exc}") from None
        self._quarantine: AppendLog | None = None
        self._recurring = Recurring()
        self._warned_classes: set[type] = set()
        self._warned_fields: set[tuple[type, str, type]] = set()
        self._warned_missing: set[type] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectorPipeline:
        settings = crawler.settings
        model = settings.get("DETECTOR_MODEL") or None
        if model is not None and not isinstance(model, (str, Path)):
            raise ValueError(
                f"DETECTOR_MODEL must be a path (a model directory or model.json); got {model!r}"
            )
        try:
            detector = load_detector(model, _threshold(settings.get("DETECTOR_THRESHOLD")))
        except ModelError as exc:  # named like the other settings' errors
            if model is None:  # the packaged model: not a setting's fault
                raise
            raise ModelError(f"DETECTOR_MODEL {model!r}: {exc}") from None
        pipeline = cls(
            detector,
            fields=_names(settings, "DETECTOR_FIELDS", DEFAULT_FIELDS),
            action=str(settings.get("DETECTOR_ACTION", "flag")).strip().lower(),
            # Settings.get() turns an explicit None into the default: look first.
            result_field=(
                settings.get("DETECTOR_RESULT_FIELD")
                if "DETECTOR_RESULT_FIELD" in settings
                else "detector"
            ),
            quarantine=settings.get("DETECTOR_QUARANTINE"),
            crawler=crawler,
            allow=_names(settings, "DETECTOR_ALLOW"),
            ignore_categories=_names(settings, "DETECTOR_IGNORE_CATEGORIES"),
            category_thresholds=_category_thresholds(settings),
        )
        if pipeline.quarantine_path:
            _check_quarantine_is_no_feed(pipeline.quarantine_path, settings)
        return pipeline

    # ``spider`` is optional: current Scrapy passes nothing, older versions pass it.
    def open_spider(self, spider: Any = None) -> None:
        if self.quarantine_path:
            try:
                self._quarantine = AppendLog(os.fspath(self.quarantine_path))
            except OSError as exc:  # a raw FileNotFoundError did not name the setting
                raise OSError(
                    f"DETECTOR_QUARANTINE {self.quarantine_path}: cannot open it for appending"
                    f" ({exc.strerror or exc})"
                ) from None

    def close_spider(self, spider: Any = None) -> None:
        recurring, self._recurring = self._recurring.line(), Recurring()
        if recurring is not None:  # the texts to triage first: a campaign, or a site's own line
            logger.info("detector: %s", recurring)
        quarantine, self._quarantine = self._quarantine, None
        if quarantine is None:
            return
        try:
            quarantine.close()  # written unbuffered: closing has nothing left to write,
        except OSError as exc:  # but it may fail all the same: "Scraper close failure"
            self._inc("quarantine_errors")
            logger.error(
                "DETECTOR_QUARANTINE %s: cannot write its last lines when closing (%s); the"
                " items were logged when their lines could not be written",
                self.quarantine_path,
                exc.strerror or exc,
            )

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        result = check_item(
            adapter,
            self.fields,
            self.action,
            self.detector,
            allow=self.allow,
            ignore_categories=self.ignore_categories,
            category_thresholds=self.category_thresholds,
        )
        if result.verdicts:  # an item with nothing to scan is not counted as scanned
            self._inc("items_scanned")
        self._report_unscanned(adapter, result)
        if result.flagged:
            self._inc("items_flagged")
            self._recurring.add_result(result)
        if result.dropped or result.cleaned:
            self._write_quarantine(adapter, result)
        if result.dropped:
            self._inc("items_dropped")
            names = ", ".join(f for f, v in result.verdicts.items() if v.findings)
            raise DropItem(f"injected advertising in {names} (score {result.score:.2f})")
        if result.cleaned:
            changed = [n for n in self.fields if any(is_key_of(k, n) for k in result.removed)]
            try:
                item = _with_fields(item, {name: result.item[name] for name in changed})
            except UnwritableItemError as exc:
                # Never passed on uncleaned (its original is in the quarantine).
                raise UnwritableItemError(
                    f"{type(item).__name__} item: DETECTOR_ACTION = 'clean' cannot set its"
                    f" cleaned {', '.join(map(repr, changed))} in place nor in a copy ({exc});"
                    " the item is not passed on.  Make the field settable (not frozen, or an"
                    " __init__ argument), or use DETECTOR_ACTION = 'drop'"
                ) from None
            self._inc("items_cleaned")
        return self._store_result(item, result)

    def _report_unscanned(self, adapter: ItemAdapter, result: HookResult) -> None:
        """Count the fields present but not strings (not scanned), with one
        warning per item class, field and type: an ItemLoader without an output
        processor gives lists, and their text was skipped without a word.  And
        count the items that hold none of the fields at all, with one warning
        per item class: a spider whose text is in ``body`` passed every item,
        ads and all, under the default ``DETECTOR_FIELDS``, without a word."""
        values = [adapter.get(name) for name in self.fields]
        if all(value is None for value in values):
            self._inc("items_without_fields")
            kind = type(adapter.item)
            if kind not in self._warned_missing:
                self._warned_missing.add(kind)
                held = [str(key) for key, value in adapter.items() if value is not None]
                logger.warning(
                    "%s item has none of the fields DETECTOR_FIELDS names (%s): nothing in it"
                    " is scanned; its fields: %s",
                    kind.__name__,
                    ", ".join(self.fields),
                    ", ".join(held[:20]) + (" …" if len(held) > 20 else "") or "none",
                )
            return
        for name, value in zip(self.fields, values, strict=True):
            if value is None or any(is_key_of(key, name) for key in result.verdicts):
                continue
            self._inc("fields_not_scanned")
            key = (type(adapter.item), name, type(value))
            if key not in self._warned_fields:
                self._warned_fields.add(key)
                logger.warning(
                    "%s field %r holds a %s, not a string or a list of strings: it is not scanned",
                    key[0].__name__,
                    name,
                    key[2].__name__,
                )

    def _store_result(self, item: Any, result: HookResult) -> Any:
        """``item`` with the result field set (a copy of a frozen item), or as it
        is when its class has no such field."""
        if self.result_field is None:
            return item
        try:
            return _with_fields(item, {self.result_field: result.to_dict()})
        except (KeyError, UnwritableItemError) as exc:
            self._inc("results_not_stored")
            kind = type(item)
            if kind not in self._warned_classes:
                self._warned_classes.add(kind)
                if isinstance(exc, KeyError):
                    why, fix = "has no field %r", "declare the field"
                    args: tuple[Any, ...] = (kind.__name__, self.result_field)
                else:  # declared, but frozen and not an __init__ argument, say
                    why, fix = "field %r cannot be set (%s)", "make it settable"
                    args = (kind.__name__, self.result_field, exc)
                logger.warning(
                    f"%s {why}: detector results are not stored on these items"
                    f" ({fix}, or set DETECTOR_RESULT_FIELD)",
                    *args,
                )
            return item

    def _write_quarantine(self, adapter: ItemAdapter, result: HookResult) -> None:
        """Append the original item; never raise: the item must still be cleaned,
        dropped or flagged (a failure here once left it neither passed on nor
        quarantined), so a failure is logged with the item itself."""
        if self._quarantine is None:
            return
        spider = getattr(self.crawler, "spider", None) if self.crawler else None
        try:
            record = {
                "spider": getattr(spider, "name", None),
                "action": self.action,
                "item": adapter.asdict(),  # the original: cleaning comes after
                "detector": result.to_dict(),
            }
            line = json.dumps(_jsonable(record), ensure_ascii=False, default=str)
            self._quarantine.append((escape_lone_surrogates(line) + "\n").encode("utf-8"))
        except (OSError, TypeError, ValueError, RecursionError) as exc:
            self._inc("quarantine_errors")
            logger.error(
                "DETECTOR_QUARANTINE %s: cannot write this item (%s: %s); the original item: %r",
                self.quarantine_path,
                type(exc).__name__,
                exc,
                adapter.item,
            )

    def _inc(self, name: str) -> None:
        stats = getattr(self.crawler, "stats", None)
        if stats is not None:
            stats.inc_value(f"detector/{name}")

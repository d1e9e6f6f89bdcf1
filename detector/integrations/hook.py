"""One function for any scraper: scan an item's text fields, then flag, clean or drop.

    from detector.integrations import check_item

    result = check_item({"url": url, "title": title, "content": body}, action="clean")
    if not result.dropped:
        save(result.item)            # a cleaned copy; the input is never changed

An item is *flagged* when any scanned field has a finding, i.e. a span scoring at
least the detector's threshold (the model's review threshold unless ``threshold``
is given), and *blocked* (``is_spam``) when one reaches the block threshold.
Flagging is for review; only a blocked item is changed or dropped (spans under the
block threshold are found in 7 % of clean news on the dev benchmark; see
:mod:`detector.clean`).  Actions:

``flag``
    Scan only.  ``result.item`` is an unchanged copy; store ``result.to_dict()``
    wherever you keep metadata.
``clean``
    Remove every finding of a blocked item from its field (exactly the span,
    nothing around it); ``result.removed`` lists what went, by field.
``drop``
    ``result.dropped`` is true for a blocked item; ``result.item`` is an unchanged
    copy so the caller can still quarantine it.

A field holding a list (or tuple) of strings, as an ItemLoader without an output
processor gives, is scanned element by element: its verdicts, findings and
removals are named ``content[0]``, ``content[1]`` …, and ``clean`` gives back a
list of the same length.  Fields that are missing or hold anything else are
skipped (not scanned, not changed).
A field holding HTML (a common tag such as ``<p>`` or ``</div>``, or a comment) is
scanned by its text, as a reader sees it (see :mod:`detector.markup`): tags,
attributes, scripts and styles are not read, and ``clean`` removes the ads'
characters only, never a tag.  Its findings still index the field's string:
each covers the markup from the ad's first character to its last.
``allow`` lists phrases cut out of the findings, as the allowlist of
``.detector.toml`` does for ``detector scan``; the inline marker
``detector: allow`` is never honoured here: in scraped text it would be the
spammer's, an ad hiding itself.  ``ignore_categories`` names categories whose
findings are dropped (they neither flag, block nor clean), as
``--ignore-category`` does for ``detector scan``.
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detector._locks import ForkSafeLock
from detector.categories import check_categories, check_category_thresholds
from detector.clean import clean_fields
from detector.results import FieldVerdicts, Finding, Verdict

if TYPE_CHECKING:
    from detector.core import Detector
    from detector.suppress import Suppressions

__all__ = [
    "ACTIONS",
    "DEFAULT_FIELDS",
    "HookResult",
    "check_item",
    "check_items",
    "is_key_of",
    "item_suppressions",
    "load_detector",
]

ACTIONS = ("flag", "clean", "drop")
DEFAULT_FIELDS = ("title", "content")


@dataclass(frozen=True)
class HookResult(FieldVerdicts):
    """What :func:`check_item` decided for one item.

    ``verdicts`` maps each scanned field to its :class:`~detector.results.Verdict`
    (offsets index the field's ORIGINAL string).  ``item`` is a shallow copy of the
    input, with every finding removed from the scanned fields when ``action`` is
    ``clean`` and the item is blocked (``is_spam``).  ``removed`` maps each field
    that was changed to the findings taken out of it.  ``dropped`` is true when
    ``action`` is ``drop`` and the item is blocked.
    """

    action: str
    item: dict[str, Any]
    verdicts: dict[str, Verdict]
    removed: dict[str, tuple[Finding, ...]]
    dropped: bool

    @property
    def cleaned(self) -> bool:
        return bool(self.removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, as stored on Scrapy items and in quarantine files.

        Each finding names its ``field``; ``removed`` is true for findings that
        were cut out of the item (``clean`` action).
        """
        findings = []
        for name, verdict in self.verdicts.items():
            taken = set(self.removed.get(name, ()))
            for finding in verdict.findings:
                findings.append({"field": name, **finding.to_dict(), "removed": finding in taken})
        versions = {v.model_version for v in self.verdicts.values()}
        return {
            "action": self.action,
            "flagged": self.flagged,
            "is_spam": self.is_spam,
            "score": round(self.score, 4),
            "dropped": self.dropped,
            "cleaned": self.cleaned,
            "findings": findings,
            "fields": list(self.verdicts),
            "model_version": versions.pop() if len(versions) == 1 else "",
        }


_LOADED_LOCK = ForkSafeLock()
# card path -> the detector, the most recently named first: one copy of each
# model per process (_STAMPS: the card's stat when it was read).  Only
# _KEEP_MODELS of them are held here; the others stay only while a caller still
# holds a detector of theirs (_LIVE), so a process that loads each day's model
# from a new directory does not keep every model it ever loaded (~40 MB each).
_KEEP_MODELS = 4
_LOADED: OrderedDict[str, Detector] = OrderedDict()
_LIVE: weakref.WeakValueDictionary[str, Detector] = weakref.WeakValueDictionary()
_STAMPS: dict[str, tuple[int, int, int]] = {}
# A detector with its own threshold (a copy sharing the model) -> the one it was
# made from, kept alive with it: _LIVE finds it while the copy is in use.
_BASES: weakref.WeakKeyDictionary[Detector, Detector] = weakref.WeakKeyDictionary()


def load_detector(
    model: str | Path | None = None, threshold: float | str | None = None
) -> Detector:
    """The detector for the model at ``model`` (directory, card or ``.npz``;
    ``None``: the packaged model) reporting from ``threshold``, loaded once per
    process: every caller naming the same model (the pipelines of several
    crawlers, say) shares its arrays.  A model rewritten since (retrained) is
    read again.  The last few models named are kept; an older one is let go
    once no caller holds a detector of it.  Raises
    :class:`~detector.model.ModelError` as ``load_model`` does."""
    from detector.core import Detector
    from detector.model import _card_path

    if model is None:
        return Detector.default().with_threshold(threshold)
    card = _card_path(Path(model)).resolve()
    key = str(card)
    with _LOADED_LOCK:
        try:
            info = card.stat()
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        cached = _LIVE.get(key)
        if stamp is not None and cached is not None and _STAMPS.get(key) == stamp:
            base = cached
        else:
            base = Detector.from_path(card)
        if stamp is not None:
            _STAMPS[key], _LIVE[key] = stamp, base
            _LOADED[key] = base
            _LOADED.move_to_end(key, last=False)
            while len(_LOADED) > _KEEP_MODELS:
                _LOADED.popitem()
            for name in [name for name in _STAMPS if name not in _LIVE]:
                del _STAMPS[name]
        derived = base.with_threshold(threshold)
        if derived is not base:
            _BASES[derived] = base
    return derived


def _resolve_detector(detector: Detector | None, threshold: float | str | None) -> Detector:
    from detector.core import Detector

    if detector is not None and not isinstance(detector, Detector):
        raise TypeError(
            f"detector must be a Detector (load_detector(path) loads one); got"
            f" {type(detector).__name__}"
        )
    base = Detector.default() if detector is None else detector
    return base.with_threshold(threshold)


@functools.lru_cache(maxsize=8)
def _suppressions(
    allow: tuple[str, ...], ignore: frozenset[str], bars: tuple[tuple[str, float], ...]
) -> Suppressions:
    """The suppressions of an allowlist, ignored categories and category
    thresholds, built once per set (phrases normalized); never the inline
    marker."""
    from detector.scanning import NO_SUPPRESSIONS
    from detector.suppress import Suppressions

    if not allow and not ignore and not bars:
        return NO_SUPPRESSIONS
    return Suppressions(allow, inline=False, ignore_categories=ignore, category_thresholds=bars)


def item_suppressions(
    allow: str | Iterable[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> Suppressions:
    """What the hook, the Scrapy pipeline and the Spark adapter drop from the
    findings of scraped text: the ``allow`` phrases (one or several), the
    findings of ``ignore_categories`` and those of a category in
    ``category_thresholds`` that score under its threshold (0..1, or ``"off"``:
    all of them); no inline marker, which in scraped text would be the
    spammer's.  Raises ``TypeError`` for arguments of the wrong type and
    ``ValueError`` for an unknown category or a threshold outside 0..1."""
    if isinstance(allow, str):
        allow = (allow,)
    # Read once: checked first, a generator was empty when the allowlist was made.
    phrases = tuple(allow) if isinstance(allow, Iterable) else None
    if phrases is None or not all(isinstance(phrase, str) for phrase in phrases):
        raise TypeError("allow must be a phrase or a sequence of phrases (str)")
    if not isinstance(ignore_categories, (str, Iterable)):
        raise TypeError("ignore_categories must be a category or a sequence of categories (str)")
    off, bars = check_category_thresholds(category_thresholds or {})
    return _suppressions(phrases, check_categories(ignore_categories) | off, bars)


def check_item(
    item: Mapping[str, Any],
    fields: Sequence[str] = DEFAULT_FIELDS,
    action: str = "flag",
    detector: Detector | None = None,
    threshold: float | str | None = None,
    allow: Sequence[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> HookResult:
    """Scan ``item[field]`` for each of ``fields`` and apply ``action``.

    ``item`` is any mapping (a dict, a ``scrapy.Item``, an ``ItemAdapter``) and is
    never modified.  A field holding HTML is scanned by its text (see the module
    documentation).  ``detector`` defaults to the packaged model (loaded once per
    process); ``threshold`` (0..1, or ``"review"`` or ``"block"``: the model's own)
    overrides its review threshold.  The ``allow`` phrases (compared normalized:
    full-width, traditional, spacing and case variants folded) are cut out of the
    findings, and what is left is judged on the text without them (see
    :mod:`detector.suppress`).  The findings of ``ignore_categories`` (one
    category or several, :data:`detector.categories.DESCRIPTIONS`) are dropped,
    and those of a category in ``category_thresholds`` (``{"promotion": 0.99}``;
    ``"off"``: all) that score under its threshold.
    Raises ``ValueError`` for an unknown action or category or a threshold
    outside 0..1, ``TypeError`` for arguments of the wrong type.
    """
    suppressions = item_suppressions(allow, ignore_categories, category_thresholds)
    (result,) = _checked([item], fields, action, detector, threshold, suppressions, "check_item")
    return result


def check_items(
    items: Iterable[Mapping[str, Any]],
    fields: Sequence[str] = DEFAULT_FIELDS,
    action: str = "flag",
    detector: Detector | None = None,
    threshold: float | str | None = None,
    allow: Sequence[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> list[HookResult]:
    """:func:`check_item` for each of ``items``, in order, with the fields of all
    of them scanned in batches of up to 512
    (:func:`detector.scanning.scanning_ahead`):
    the same results, without the cost of a scan per field (~0.3 ms each; see
    the README's performance section).  For a scraper that handles its items a
    page or a batch at a time; ``check_item`` for one that handles each as it
    comes.  Raises as ``check_item`` does, before scanning any item."""
    if isinstance(items, Mapping):
        raise TypeError("check_items() needs an iterable of items; for one item use check_item()")
    suppressions = item_suppressions(allow, ignore_categories, category_thresholds)
    return _checked(items, fields, action, detector, threshold, suppressions, "check_items")


def _checked(
    items: Iterable[Mapping[str, Any]],
    fields: Sequence[str],
    action: str,
    detector: Detector | None,
    threshold: float | str | None,
    suppressions: Suppressions,
    caller: str,
) -> list[HookResult]:
    """:func:`check_items`; ``caller`` is named in errors."""
    from detector.inputs import text_elements
    from detector.scanning import scanning_ahead

    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}; got {action!r}")
    items = list(items)
    for item in items:
        if not isinstance(item, Mapping):  # a str or a list of pairs made a dict, or failed deep
            raise TypeError(
                f"{caller}() needs a mapping (a dict, a scrapy Item, an ItemAdapter);"
                f" got {type(item).__name__}"
            )
    if isinstance(fields, str):
        fields = (fields,)
    if not isinstance(fields, Sequence) or not all(isinstance(f, str) for f in fields):
        raise TypeError("fields must be a field name or a sequence of field names")
    scanner = _resolve_detector(detector, threshold)
    names = list(dict.fromkeys(fields))
    texts = [
        text for item in items for name in names for _, text in text_elements(name, item.get(name))
    ]
    # A window of them at a time, in the order clean_fields asks for them.
    scan = scanning_ahead(scanner, texts, suppressions)
    results = []
    for item in items:
        cleaned = clean_fields(item, fields, scan, action == "clean")
        verdicts, removed = cleaned.verdicts, cleaned.removed
        copy = {**item, **cleaned.values}  # only a blocked item loses text (see the module doc)
        blocked = any(v.is_spam for v in verdicts.values())
        results.append(HookResult(action, copy, verdicts, removed, action == "drop" and blocked))
    return results


def is_key_of(key: str, name: str) -> bool:
    """Whether the result key ``key`` (of ``verdicts``, ``removed``) belongs to the
    item field ``name``: the field itself or one of its elements (``content[2]``)."""
    if key == name:
        return True
    return key.startswith(name + "[") and key.endswith("]") and key[len(name) + 1 : -1].isdigit()

"""The categories a finding can carry, with one-line descriptions (used in help
text, SARIF rules and the README)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

CLEAN = "clean"

DESCRIPTIONS: dict[str, str] = {
    "stock-margin": "online stock-margin (配资) lending sites and platforms",
    "gambling": "gambling brands, casino and betting sites, app downloads, login portals",
    "loan": "loans and credit offers (无抵押贷款, 秒批 …)",
    "fake-invoice": "fake invoices, certificates, seals and IDs (代开发票, 办证 …)",
    "adult": "escort and adult services",
    "contact": "contact handles: WeChat/QQ ids, QQ groups, phone and 400 numbers",
    "link": "links and domains pointing at the advertiser",
    "promotion": "generic promotion lines (注册就送, 领取福利, 关注公众号 …)",
    "phishing": "phishing and scam messages (账户异常请点击 …)",
    "hidden-text": "text hidden from readers in HTML (display:none, zero font size …)",
}

#: Classes the clause model predicts; the first is always ``clean``.
MODEL_CLASSES: tuple[str, ...] = (
    CLEAN,
    "stock-margin",
    "gambling",
    "loan",
    "fake-invoice",
    "adult",
    "contact",
    "link",
    "promotion",
    "phishing",
)


def check_categories(names: str | Iterable[str]) -> frozenset[str]:
    """``names`` (one name, or several) as a set of categories; a name that is
    not one (a typo would silently ignore nothing) raises ``ValueError`` naming
    it and the categories."""
    chosen = frozenset((names,) if isinstance(names, str) else names)
    if not all(isinstance(name, str) for name in chosen):
        raise TypeError("categories must be names (str)")
    unknown = sorted(chosen - set(DESCRIPTIONS))
    if unknown:
        raise ValueError(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))}"
            f" (the categories: {', '.join(DESCRIPTIONS)})"
        )
    return chosen


#: A category threshold that drops every finding of the category.
OFF = "off"


def check_category_thresholds(
    thresholds: Mapping[str, float | str],
) -> tuple[frozenset[str], tuple[tuple[str, float], ...]]:
    """``{category: score 0..1 or "off"}`` checked, as (the categories turned
    off, the others' thresholds sorted by name).  Raises ``ValueError`` for an
    unknown category or a value that is neither a number from 0 to 1 nor
    ``off`` (a string of a number, as a command line gives it, is a number),
    ``TypeError`` for a mapping that is not one."""
    if not isinstance(thresholds, Mapping):
        raise TypeError("category thresholds must be a mapping of category to score or 'off'")
    check_categories(thresholds)
    off: set[str] = set()
    bars: dict[str, float] = {}
    for category, value in thresholds.items():
        if isinstance(value, str) and value.strip().lower() == OFF:
            off.add(category)
            continue
        try:
            bar = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            bar = math.nan
        if not 0.0 <= bar <= 1.0:  # NaN fails too
            raise ValueError(
                f"the threshold of {category!r} must be a number from 0 to 1 or 'off';"
                f" got {value!r}"
            )
        bars[category] = bar
    return frozenset(off), tuple(sorted(bars.items()))


def parse_category_thresholds(items: Iterable[str]) -> dict[str, str]:
    """``NAME=X`` strings (``promotion=0.99``, ``contact=off``; a command line's
    or a comma-separated setting's) as a mapping, the last one of a name
    winning; check it with :func:`check_category_thresholds`.  Raises
    ``ValueError`` for an item without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{item!r} is not NAME=X (a category, then a score 0..1 or 'off')")
        out[name.strip()] = value.strip()
    return out

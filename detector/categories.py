"""The categories a finding can carry, with one-line descriptions (used in help
text, SARIF rules and the README)."""

from __future__ import annotations

from collections.abc import Iterable

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

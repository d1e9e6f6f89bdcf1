"""Links to trusted sites are citations, not ads.

News cites its sources by URL ("详见 http://finance.sina.com.cn/…", a
regulator's notice on www.csrc.gov.cn, a reporter's mailbox at a newspaper), and
those links look to the model like the links ads carry.  A link to a host of
``data/trusted_domains.txt`` (or a subdomain of one) is cut out of the findings
that hold it, and what is left of them is judged on the text without it
(``Detector.link_cuts``, :func:`detector.cutout.cut_out`): a finding made only of
such links goes, "详情可登录市人社局官网www.hrss.gov.cn查询" is judged as
"详情可登录市人社局官网查询", and an ad beside a trusted link keeps its own part.
A link to any other host is the model's call.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["LINK", "is_trusted_host", "trusted_link_spans"]

_DOMAINS_FILE = Path(__file__).parent / "data" / "trusted_domains.txt"

# A link: an optional scheme, a host of dot-separated labels ending in a
# letters-only TLD, an optional port and an optional path (any printable ASCII).
LINK = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?::\d+)?(?:/[!-~]*)?",
    re.IGNORECASE,
)
# The mailbox of an e-mail address, ending where its "@" stands (at most 64
# characters, as RFC 5321 allows).
_MAILBOX = re.compile(r"[a-z0-9._%+-]+\Z")
_MAILBOX_CHARS = 64
# Punctuation that ends a sentence or closes a bracket after a link, not part of it.
_TRAILING = frozenset(".,;:!?)]}'\"")


@functools.cache
def _trusted() -> frozenset[str]:
    lines = _DOMAINS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip()[:1] not in ("", "#"))


@functools.lru_cache(maxsize=4096)
def is_trusted_host(host: str) -> bool:
    """Whether ``host`` is a trusted host or a subdomain of one."""
    labels = host.lower().rstrip(".").split(".")
    trusted = _trusted()
    return any(".".join(labels[i:]) in trusted for i in range(len(labels) - 1))


def trusted_link_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the links to trusted hosts that lie in ``text[start:end]`` (an
    e-mail address at one with its mailbox: ``wanglei@people.com.cn``).
    ``text`` is normalized (:func:`detector.normalize.normalize`): full-width
    and upper-case letters are folded."""
    spans = []
    for match in LINK.finditer(text, start, end):
        if is_trusted_host(match.group(1)):
            first, last = match.start(), match.end()
            if first > start and text[first - 1] == "@":
                mailbox = _MAILBOX.search(text, max(start, first - 1 - _MAILBOX_CHARS), first - 1)
                first = first if mailbox is None else mailbox.start()
            # A path takes any printable ASCII, so the punctuation after a link
            # ("详见http://…shtml，" normalized, "[原文](https://…)") would go with it.
            while last > match.end(1) and text[last - 1] in _TRAILING:
                if text[last - 1] == ")" and text.count("(", first, last) >= text.count(
                    ")", first, last
                ):
                    break  # a balanced parenthesis belongs to the path
                last -= 1
            spans.append((first, last))
    return spans

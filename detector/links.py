"""Links to trusted sites are citations, not ads.

News cites its sources by URL ("详见 http://finance.sina.com.cn/…", a
regulator's notice on www.csrc.gov.cn), and those links look to the model like
the links ads carry.  A finding that holds nothing but links to the hosts of
``data/trusted_domains.txt`` (and the punctuation around them) is dropped; a
finding with any other text, or with one link to any other host, stays whole.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["LINK", "is_trusted_host", "only_trusted_links"]

_DOMAINS_FILE = Path(__file__).parent / "data" / "trusted_domains.txt"

# A link: an optional scheme, a host of dot-separated labels ending in a
# letters-only TLD, an optional port and an optional path (any printable ASCII).
LINK = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?::\d+)?(?:/[!-~]*)?",
    re.IGNORECASE,
)
# What may surround the links of a link-only finding: white space and punctuation.
_FILLER = re.compile(r"[\s!-/:-@\[-`{-~，。、；：！？“”‘’（）《》【】·…—]*")


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


def only_trusted_links(text: str) -> bool:
    """Whether ``text`` is one or more links, all to trusted hosts, with only
    white space and punctuation around and between them."""
    position, found = 0, False
    for match in LINK.finditer(text):
        if not _FILLER.fullmatch(text, position, match.start()):
            return False
        if not is_trusted_host(match.group(1)):
            return False
        position, found = match.end(), True
    return found and _FILLER.fullmatch(text, position) is not None

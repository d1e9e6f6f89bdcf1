"""Greetings are how a message opens, not what an ad says.

The real spam the model learns from is messages: 127 SMS and 499 FBS spam
lines open with 您好 or 尊敬的…, and no clean training text does, so the heads
learned a greeting as ad evidence.  News quotes greetings all the time (an
interview's "记者：您好，请问…", a speech's "尊敬的各位来宾，大家好！", a hotline's
"您好，这里是12345市民热线"), and those were blocked for the greeting alone.

So a greeting inside a finding is not weighed: the finding is judged again on
the text without its greetings (``Detector.cuts``,
:func:`detector.cutout.cut_out`, the greetings as ``unweighed`` spans).  A
finding that was nothing but a greeting and the words around it goes; an ad that
opens with one (``您好，代开各类发票…``) stays, greeting and all, with the score
its other words earn.  Unlike a link to a trusted site, the greeting is not cut
out of the finding: when the rest is an ad, the greeting came with it.
"""

from __future__ import annotations

import re

__all__ = ["GREETING", "greeting_spans"]

# On normalized text (traditional folded to simplified, separators between
# Chinese characters dropped).  Who is greeted, then 好, not the start of another
# word (你好好休息, 晚上好看的, 大家好用的…); or a salutation (尊敬的, 亲爱的).
GREETING = re.compile(
    r"(?:您|你|您们|你们|大家|各位|诸位|老师|同学们?|朋友们?|早上|上午|中午|下午|晚上|新年)"
    r"好(?![好看听吃玩用多些久坏像])"
    r"|尊敬的|亲爱的"
)
# How far a greeting can reach past the span it is looked for around: a span
# may start or end inside one (`好，请问…`).
_REACH = 3


def greeting_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the greetings of ``text`` (normalized) that overlap
    ``text[start:end]``."""
    low, high = max(start - _REACH, 0), min(end + _REACH, len(text))
    return [
        (m.start(), m.end())
        for m in GREETING.finditer(text, low, high)
        if m.start() < end and start < m.end()
    ]

"""Greetings and good wishes are how a message opens and closes, not what an
ad says.

The real spam the model learns from is messages: 127 SMS and 499 FBS spam
lines open with 您好 or 尊敬的…, others wish a 新春快乐, and no clean training
text does, so the heads learned a greeting as ad evidence.  News quotes
greetings all the time (an interview's "记者：您好，请问…", a speech's "尊敬的各位
来宾，大家好！", a hotline's "您好，这里是12345市民热线", a leader's "祝愿中国人民新春
快乐，万事如意"), and those were blocked for the greeting alone.

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
# word (你好好休息, 晚上好看的, 大家好用的…); a salutation (尊敬的, 亲爱的); or a
# good wish (祝您, 新春快乐, 万事如意, 身体健康 …).
GREETING = re.compile(
    r"(?:您|你|您们|你们|大家|各位|诸位|老师|同学们?|朋友们?|早上|上午|中午|下午|晚上|新年)"
    r"好(?![好看听吃玩用多些久坏像])"
    r"|尊敬的|亲爱的|祝(?:您|你|大家)们?"
    r"|(?:新春|新年|春节|节日|中秋|元旦|国庆|端午|圣诞|生日|周末)快乐"
    r"|万事如意|身体健康|阖家幸福|阖家欢乐|合家欢乐|心想事成|吉祥如意|工作顺利|幸福安康|恭喜发财"
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

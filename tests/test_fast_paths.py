"""The NumPy fast paths give exactly what the straightforward code gives.

(Normalization went back to regexes when the evasion handling grew; its
properties are in test_normalize.py, test_evasion.py and test_properties.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import core, features
from detector.core import Detector
from detector.segment import MAX_CLAUSE_CHARS, clause_bounds, merge_short

# Characters that exercise every branch: breaks, white space, separators, CJK,
# full-width and traditional forms, invisibles, NFKC expansions, astral planes.
ALPHABET = (
    "。!?;,.\r\n\u2028\u2029 \t\u3000\xa0\u2003·*|-_/+=#~"
    "字中国杨方线配资楊線配資aZ9\uff21\uff5a\uff10\u200b\u200d\ufeff\u2060…℃Ⅲ①"
    "“”‘’—《》【】\U0001f600\U00020000"
)
texts = st.text(alphabet=ALPHABET, max_size=60)


def reference_clauses(text: str) -> list[tuple[int, int]]:
    clauses = []
    for match in re.finditer(r"(?:[^。!?;,\r\n\u2028\u2029.]|\.(?=\S))+", text):
        start, end = match.span()
        first = re.compile(r"\S").search(text, start, end)
        if first is None:
            continue
        start = first.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        while end - start > MAX_CLAUSE_CHARS:
            clauses.append((start, start + MAX_CLAUSE_CHARS))
            start += MAX_CLAUSE_CHARS
        clauses.append((start, end))
    if not clauses:
        return clauses
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    return [tuple(c) for c in merge_short(codes, np.array(clauses)).tolist()]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_clause_bounds_match_reference(text: str) -> None:
    bounds = clause_bounds(features.codepoints(text))
    assert [tuple(b) for b in bounds.tolist()] == reference_clauses(text)


def test_space_table_is_str_isspace() -> None:
    from detector.segment import _SPACE_CODES

    assert sorted(_SPACE_CODES.tolist()) == [c for c in range(0x110000) if chr(c).isspace()]


def test_scan_many_equals_scan_one_by_one(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = "今年以来全市工业增加值同比增长百分之六。会议强调要深化产融合作。"
    texts = [
        host + "强化服务杨方线上配资股票,推动循环。",
        "",
        " \n",
        "股票配资平台哪家好。选择正规股票配资平台很重要。股票配资杠杆要适度。" * 3,
        host,
        "杨 方 线 上 配 资 股 票\n" + host + "加微信abc12345领取福利",
    ] * 3
    alone = [tiny_detector.scan(t) for t in texts]
    assert tiny_detector.scan_many(texts) == alone
    monkeypatch.setattr(core, "_BATCH_CHARS", 50)  # several batches
    assert tiny_detector.scan_many(texts) == alone

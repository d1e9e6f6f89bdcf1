from __future__ import annotations

import itertools

import numpy as np

from detector.segment import MAX_CLAUSE_CHARS, split_clauses, windows


def texts(text: str) -> list[str]:
    return [text[c.start : c.end] for c in split_clauses(text)]


def test_clauses_break_at_sentence_and_clause_punctuation() -> None:
    assert texts(
        "强化金融精准有效服务,深化产融合作;推动科技产业循环。第二句话在这里!下一行的内容"
    ) == [
        "强化金融精准有效服务",
        "深化产融合作",
        "推动科技产业循环",
        "第二句话在这里",
        "下一行的内容",
    ]


def test_short_clauses_join_a_neighbour_within_the_sentence() -> None:
    assert texts("还有,电话号码是多少。他说,今天天气很好\n是;否") == [
        "还有,电话号码是多少",
        "他说,今天天气很好",
        "是;否",
    ]
    # A short last clause joins the previous one; a lone short sentence stays.
    assert texts("今天天气很好,是的。好") == ["今天天气很好,是的", "好"]


def test_urls_and_decimals_stay_whole() -> None:
    assert texts("访问www.abc.com 增长3.5%. 完成任务的人数") == [
        "访问www.abc.com 增长3.5%",
        "完成任务的人数",
    ]


def test_white_space_is_trimmed_and_empty_clauses_dropped() -> None:
    assert texts("  甲  ,, \n\n 乙 ") == ["甲", "乙"]
    assert texts("  甲  ,, 乙 ") == ["甲  ,, 乙"]


def test_long_runs_are_cut_into_windows_that_cover_the_text() -> None:
    text = "字" * (MAX_CLAUSE_CHARS * 3 + 50)
    clauses = split_clauses(text)
    assert [c.end - c.start for c in clauses] == [MAX_CLAUSE_CHARS] * 3 + [50]
    assert clauses[0].start == 0 and clauses[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(clauses))


def test_windows_cover_long_clauses_every_stride_and_end_at_the_clause_end() -> None:
    bounds = np.array([[0, 10], [12, 52]], dtype=np.int64)
    units, owner = windows(bounds, 16, 8)
    # The short clause is its own only unit; the long one comes first whole, then
    # windows starting every 8 characters, the last one ending at its end.
    assert units.tolist() == [[0, 10], [12, 52], [12, 28], [20, 36], [28, 44], [36, 52]]
    assert owner.tolist() == [0, 1, 1, 1, 1, 1]
    assert windows(np.array([[0, 16]], dtype=np.int64), 16, 8)[0].tolist() == [[0, 16]]
    assert windows(np.empty((0, 2), dtype=np.int64), 16, 8)[0].shape == (0, 2)

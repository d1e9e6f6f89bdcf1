"""The finding texts found in the most documents (detector.recurring)."""

from __future__ import annotations

import pytest

from detector.recurring import Recurrence, Recurring
from detector.results import Finding

AD = "杨方线上配资股票"


def finding(text: str, category: str = "stock-margin") -> Finding:
    return Finding(0, len(text), text, 0.9, category)


def test_a_text_counts_once_per_document_and_only_from_two_documents() -> None:
    recurring = Recurring()
    recurring.add([finding(AD), finding(AD)])  # twice in one document: one
    assert recurring.top() == [] and recurring.line() is None
    recurring.add([finding(AD), finding("加微信abc123", "contact")])
    recurring.add([])  # a document without findings changes nothing
    assert recurring.top() == [Recurrence(AD, "stock-margin", 2, True)]
    assert recurring.top(at_least=1)[1] == Recurrence("加微信abc123", "contact", 1, True)
    assert recurring.line() == f'recurring findings: 2 documents "{AD}" (stock-margin)'


def test_evasions_of_one_text_count_together_shown_as_first_found() -> None:
    """Compared as the allowlist compares: zero-width characters, spacing,
    full-width letters, traditional characters and case folded."""
    recurring = Recurring()
    recurring.add([finding("杨\u200b方线上配资股票")])
    recurring.add([finding("杨 方 线 上 配 资 股 票")])
    recurring.add([finding("楊方線上配資股票")])
    recurring.add([finding("金沙娱乐ＡＰＰ", "gambling")])
    recurring.add([finding("金沙娱乐app", "gambling")])
    assert recurring.top() == [
        Recurrence("杨\u200b方线上配资股票", "stock-margin", 3, True),
        Recurrence("金沙娱乐ＡＰＰ", "gambling", 2, True),
    ]


def test_most_documents_first_ties_in_the_order_first_found() -> None:
    recurring = Recurring()
    for texts in (["b", "a"], ["a", "c"], ["c", "b"], ["a"]):
        recurring.add([finding(t) for t in texts])
    assert [(r.text, r.documents) for r in recurring.top()] == [("a", 3), ("b", 2), ("c", 2)]
    assert [r.text for r in recurring.top(n=1)] == ["a"]


def test_memory_is_bounded_and_a_text_seen_after_forgetting_is_a_lower_bound() -> None:
    recurring = Recurring(capacity=2)
    for _ in range(5):
        recurring.add([finding(AD)])
    recurring.add([finding("早到的广告")])
    recurring.add([finding("加微信abc123", "contact")])
    recurring.add([finding("加微信abc123", "contact"), finding("注册就送", "promotion")])
    assert len(recurring._counts) == 4 - 2  # full at twice the capacity: the top two kept
    for i in range(20):  # one-off texts fill the table again and again
        recurring.add([finding(f"一次性文本{i}")])
        assert len(recurring._counts) < 2 * recurring.capacity
    recurring.add([finding("早到的广告")])  # forgotten: counted again from one
    recurring.add([finding("早到的广告")])
    assert recurring.top() == [
        Recurrence(AD, "stock-margin", 5, True),  # never forgotten: exact
        Recurrence("加微信abc123", "contact", 2, True),
        Recurrence("早到的广告", "stock-margin", 2, False),  # truly 3
    ]
    assert recurring.top()[2].describe() == 'at least 2 documents "早到的广告" (stock-margin)'


def test_undo_uncounts_what_was_counted_since_begin() -> None:
    recurring = Recurring()
    recurring.add([finding(AD)])
    recurring.begin()
    recurring.add([finding(AD), finding("新文本")])
    recurring.add([finding("新文本")])
    recurring.undo()
    assert recurring.top(at_least=1) == [Recurrence(AD, "stock-margin", 1, True)]
    recurring.add([finding(AD)])
    recurring.undo()  # no begin since the last undo: nothing to take
    assert recurring.top() == [Recurrence(AD, "stock-margin", 2, True)]


def test_without_begin_nothing_is_kept_for_undo() -> None:
    """A scan or a crawl never undoes: what it counts is not remembered one by
    one (the list grew with the crawl, unbounded)."""
    recurring = Recurring(capacity=2)
    for i in range(100):
        recurring.add([finding(f"文本{i}")])
    assert recurring._journal is None and len(recurring._counts) < 4


def test_long_texts_are_shown_cut_short_and_on_one_line_quoted() -> None:
    article = "配资平台哪家好？\n" + "选择正规配资平台很重要。" * 40
    recurring = Recurring()
    recurring.add([finding(article)])
    recurring.add([finding(article.replace("\n", " "))])  # the same, as normalized
    (top,) = recurring.top()
    shown = article.replace("\n", " ")[:40]
    assert len(shown) == 40 and top.describe() == f'2 documents "{shown}…" (stock-margin)'
    assert recurring._counts.keys() == {next(iter(recurring._counts))}  # one digest key
    assert next(iter(recurring._counts)).startswith("#")
    quoted = Recurrence('加"微"信\x1b', "contact", 2, True).describe()
    assert quoted == '2 documents "加\\"微\\"信\\u001b" (contact)'


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        Recurring(capacity=0)


def test_a_result_counts_its_fields_as_one_document() -> None:
    """``add_result``: a record's or an item's fields (title and content both
    holding the ad) are one document."""
    from dataclasses import dataclass

    from detector.results import FieldVerdicts, Verdict

    @dataclass(frozen=True)
    class Result(FieldVerdicts):
        verdicts: dict[str, Verdict]

    recurring = Recurring()
    for _ in range(2):
        ad = Verdict(True, 0.9, (finding(AD),))
        recurring.add_result(Result({"title": ad, "content": ad}))
    recurring.add_result(Result({"title": Verdict(False, 0.0)}))
    assert recurring.top() == [Recurrence(AD, "stock-margin", 2, True)]

"""Tests for the clause examples training builds (detector.training.examples)."""

from __future__ import annotations

import random

import numpy as np

from detector.categories import CLEAN
from detector.training.examples import ClauseExample, GoldDocument, bridge_examples, focus_examples
from detector.training.inject import GoldSpan

HOST_LEFT, AD, HOST_RIGHT = "要强化金融精准有效服务", "杨方线上配资股票", "深化产融合作"


def _spliced() -> ClauseExample:
    text = HOST_LEFT + AD + HOST_RIGHT
    labels = np.zeros(len(text), np.int8)
    labels[len(HOST_LEFT) : len(HOST_LEFT) + len(AD)] = 1
    return ClauseExample(text, "stock-margin", labels)


def test_focus_examples_are_the_ad_run_with_a_little_of_its_clause() -> None:
    rng = random.Random(0)
    examples = [e for _ in range(50) for e in focus_examples([_spliced()], 3, rng)]
    assert len(examples) == 50  # one ad run per clause
    widths = _context_widths(examples, AD, HOST_LEFT, HOST_RIGHT, "stock-margin", 3)
    assert len(widths) > 4  # the context varies


def _context_widths(
    examples: list[ClauseExample], ad: str, before: str, after: str, category: str, most: int
) -> set[tuple[int, int]]:
    """Checks that each example is ``ad`` (its characters labelled, the rest not)
    with 0..``most`` characters of ``before`` and ``after`` around it; returns
    the (left, right) widths seen."""
    widths = set()
    for example in examples:
        assert example.category == category
        assert example.char_labels is not None
        start = example.text.index(ad)
        left, right = start, len(example.text) - start - len(ad)
        assert 0 <= left <= most and 0 <= right <= most
        assert example.text[:left] == before[len(before) - left :]
        assert example.text[start + len(ad) :] == after[:right]
        assert example.char_labels.tolist() == [0] * left + [1] * len(ad) + [0] * right
        widths.add((left, right))
    return widths


def test_focus_examples_skip_clean_whole_ad_and_one_character_runs() -> None:
    clean = ClauseExample("今天天气很好", CLEAN, np.zeros(6, np.int8))
    whole = ClauseExample(AD, "stock-margin", np.ones(len(AD), np.int8))
    single = ClauseExample("今天天气很好", "contact", np.array([0, 0, 1, 0, 0, 0], np.int8))
    assert focus_examples([clean, whole, single], 4, random.Random(0)) == []


def test_focus_examples_take_every_run_and_stay_inside_the_clause() -> None:
    text = "加微信ab12，今天，访问x.cn"
    labels = np.array([1] * 7 + [0] * 4 + [1] * 6, np.int8)
    clause = ClauseExample(text, "contact", labels)
    examples = focus_examples([clause], 10, random.Random(1))
    assert len(examples) == 2
    assert all(e.char_labels is not None and e.char_labels.any() for e in examples)
    assert examples[0].text.startswith("加微信ab12") and examples[1].text.endswith("访问x.cn")
    assert all(e.text in text for e in examples)


def _document(text: str, ad: str | None, kind: str = "injected") -> GoldDocument:
    spans = ()
    if ad is not None:
        start = text.index(ad)
        spans = (GoldSpan(start, start + len(ad), "promotion"),)
    return GoldDocument("d", text, spans, kind, "splice", "fixture")


SPLIT = "快来抢购，免费领独家研报"  # one ad, split by its comma into two clauses
HOSTED = "会议强调要加强生态" + SPLIT + "保护和修复工作。"


def test_bridge_examples_are_the_split_ad_from_run_to_run_with_a_little_context() -> None:
    rng = random.Random(0)
    examples = [
        e for _ in range(40) for e in bridge_examples([_document(HOSTED, SPLIT)], 3, 4, 0, rng)
    ]
    assert len(examples) == 40  # one per split ad and draw
    ad = "快来抢购,免费领独家研报"  # normalized: the comma is half-width
    widths = _context_widths(examples, ad, "会议强调要加强生态", "保护和修复工作", "promotion", 3)
    assert len(widths) > 4  # the context varies


def test_bridge_examples_need_both_runs_to_reach_the_punctuation() -> None:
    # The first half stops five characters (more than focus = 4) before the comma.
    far = "会议强调要加强生态快来抢购保护好生态，免费领独家研报保护和修复工作。"
    doc = GoldDocument(
        "d",
        far,
        (
            GoldSpan(far.index("快来"), far.index("保护好生态"), "promotion"),
            GoldSpan(far.index("免费"), far.index("保护和"), "promotion"),
        ),
        "injected",
        "splice",
        "fixture",
    )
    assert bridge_examples([doc], 3, 4, 0, random.Random(0)) == []
    # A line break parts two clauses; an SEO article is left to the document head.
    broken = HOSTED.replace("，", "\n")
    assert bridge_examples([_document(broken, "免费领独家研报")], 3, 4, 5, random.Random(0)) == []
    seo = _document(HOSTED, SPLIT, kind="seo")
    assert bridge_examples([seo], 3, 4, 5, random.Random(0)) == []


def test_bridge_examples_draw_clean_pieces_across_the_punctuation_of_clean_clauses() -> None:
    text = "今年以来全市工业增加值同比增长，会议强调要深化产融合作。"
    examples = bridge_examples([_document(text, None, kind="clean")], 3, 4, 30, random.Random(2))
    assert len(examples) == 30
    left_clause, right_clause = "今年以来全市工业增加值同比增长", "会议强调要深化产融合作"
    for example in examples:
        assert example.category == CLEAN
        assert example.char_labels is not None and not example.char_labels.any()
        before, after = example.text.split(",")
        assert 1 <= len(before) <= 12 and left_clause.endswith(before)
        assert 1 <= len(after) <= 12 and right_clause.startswith(after)
    assert len({e.text for e in examples}) > 10


def test_documents_record_where_their_ad_came_from() -> None:
    """Each injected document names its ad's origin (a whole spam line, a piece
    of one, a listed domain, the grammars) so that eval can tell real spam from
    held-out grammar wording; clean and hard-negative documents name none."""
    from pathlib import Path

    from detector.training.examples import ORIGINS, Sources, build_documents
    from detector.training.grammar import load_grammar, load_lines, load_seo

    data = Path(__file__).resolve().parent.parent / "training_data"
    spam = "恭喜您获得新春大礼包，点击领取专属福利，回复退订"
    sources = Sources(
        grammar=load_grammar(data / "grammars" / "ad_phrases.json"),
        finance=load_grammar(data / "grammars" / "finance_news.json"),
        seo=load_seo(data / "grammars" / "seo_articles.json"),
        hard_negatives=load_lines(data / "hard_negatives" / "dev.txt")[:5],
        spam=[(spam, "promotion")],
        ham=[],
        domains=["xyz888.com"],
        recipes={"append": 1.0, "splice": 1.0},
        categories={"link": 1.0, "stock-margin": 1.0},
    )
    hosts = [
        (f"h{i}", "fixture", "全国夏粮实现丰收。专家表示消费市场持续回暖。") for i in range(300)
    ]
    documents = build_documents(
        hosts, sources, "dev", 7, injected_fraction=0.8, evasion_fraction=0.0,
        n_hard_negative_docs=5, n_seo=2,
    )  # fmt: skip
    origins: dict[str, list[str]] = {}
    for doc in documents:
        record = doc.to_dict()
        if doc.kind in ("clean", "hard-negative"):
            assert doc.origin == "" and "origin" not in record
            continue
        assert doc.origin in ORIGINS and record["origin"] == doc.origin
        span = doc.spans[0]
        origins.setdefault(doc.origin, []).append(doc.text[span.start : span.end])
    assert set(origins) == set(ORIGINS)
    assert all(ad == spam for ad in origins["spam line"])
    assert all(ad in spam and ad != spam for ad in origins["spam piece"])
    assert all("xyz888.com" in ad for ad in origins["domain list"])
    assert not any(spam in ad or "xyz888.com" in ad for ad in origins["grammar"])

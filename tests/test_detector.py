"""The pipeline with the tiny fixture model: offsets, categories, verdicts."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from detector import Detector, Finding, Verdict, core, features
from detector.model import Model
from detector.normalize import normalize
from detector.segment import clause_bounds

HOST = "今年以来全市工业增加值同比增长百分之六。会议强调要深化产融合作。"


def test_clean_text_has_no_findings(tiny_detector: Detector) -> None:
    verdict = tiny_detector.scan("农业农村部部署秋粮收获工作。气象台发布暴雨蓝色预警。")
    assert verdict == Verdict(False, 0.0, (), tiny_detector.model_version)


def test_empty_and_punctuation_only_texts(tiny_detector: Detector) -> None:
    assert tiny_detector.scan("").findings == ()
    assert tiny_detector.scan("，。！\n\n").findings == ()


def test_injected_phrase_is_found_and_offsets_slice_the_original(
    tiny_detector: Detector,
) -> None:
    text = HOST + "强化服务杨方线上配资股票,推动循环。"
    verdict = tiny_detector.scan(text)
    assert verdict.is_spam
    assert len(verdict.findings) == 1
    finding = verdict.findings[0]
    assert text[finding.start : finding.end] == finding.text
    assert finding.text == "杨方线上配资股票" and finding.category == "stock-margin"
    assert verdict.score == finding.score


@pytest.mark.parametrize(
    "evasive", ["杨 方 线 上 配 资 股 票", "楊方線上配資股票", "杨\u200b方\u200b线上配资股票"]
)
def test_evasive_injection_maps_back_to_the_evasive_text(
    tiny_detector: Detector, evasive: str
) -> None:
    text = HOST + f"强化服务{evasive},推动循环。"
    findings = tiny_detector.scan(text).findings
    assert findings, text
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert any("配" in f.text or "配" in f.text for f in findings)


def test_threshold_one_reports_nothing(tiny_detector: Detector, tiny_model_dir: object) -> None:
    strict = Detector(tiny_detector.model, threshold=1.0)
    assert strict.scan(HOST + "杨方线上配资股票").findings == ()


def test_scan_rejects_bytes(tiny_detector: Detector) -> None:
    with pytest.raises(TypeError):
        tiny_detector.scan(b"bytes")  # type: ignore[arg-type]


def test_scan_many_rejects_a_single_string(tiny_detector: Detector) -> None:
    with pytest.raises(TypeError, match="use scan"):
        tiny_detector.scan_many("杨方线上配资股票")


def test_results_serialise() -> None:
    finding = Finding(3, 5, "配资", 0.91234, "stock-margin")
    verdict = Verdict(True, 0.91234, (finding,), "v1")
    assert verdict.to_dict() == {
        "is_spam": True,
        "score": 0.9123,
        "findings": [
            {"start": 3, "end": 5, "text": "配资", "score": 0.9123, "category": "stock-margin"}
        ],
        "model_version": "v1",
    }


def _with_params(detector: Detector, **params: object) -> Detector:
    model = detector.model
    changed = Model(
        model.version, model.classes, {**model.params, **params}, model.thresholds, model.heads
    )
    return Detector(changed, threshold=0.0)


def test_long_clauses_take_the_score_of_their_best_window(tiny_detector: Detector) -> None:
    text = "会议强调要深化产融合作推动科技产业金融杨方线上配资股票良性循环全市工业增加值同比增长"
    windowed = _with_params(tiny_detector, window=16)
    whole = _with_params(tiny_detector, window=0)
    _, _, by_window, _ = windowed.clause_evidence(text)
    _, _, by_clause, _ = whole.clause_evidence(text)
    assert len(by_window) == len(by_clause) == 1
    # A window holding the ad dilutes it less than the whole clause does.
    assert by_window[0] > by_clause[0]


def test_focus_units_are_each_clause_s_best_span_widened_within_it(
    tiny_detector: Detector,
) -> None:
    from detector.core import _Located

    focused = _with_params(tiny_detector, focus=4)
    clauses = np.array([[10, 40], [40, 50], [50, 80]], dtype=np.int64)
    evidence = np.zeros(70)
    evidence[5:9] = 1.0  # clause 0: a weak span at 5..9 ...
    evidence[15:25] = 2.0  # ... and its best one at 15..25
    evidence[30 + 40 - 10 : 30 + 45 - 10] = 3.0  # clause 2: a span at the clause end
    located = _Located(
        clauses,
        np.array([0, 30, 40]),
        evidence,
        [[(5, 9), (15, 25)], [], [(20, 30)]],
        [(15, 25), None, (20, 30)],  # the spans with the most evidence
    )
    units, owner = focused._focus_units(located)
    # Four characters of context each side, clipped to the clause; no unit for a
    # clause without spans.
    assert units.tolist() == [[10 + 15 - 4, 10 + 25 + 4], [50 + 20 - 4, 80]]
    assert owner.tolist() == [0, 2]
    assert _with_params(tiny_detector, focus=0)._focus_units(located)[0].shape == (0, 2)


def test_the_focus_on_a_spliced_ad_lifts_its_clause(tiny_detector: Detector) -> None:
    text = HOST + (
        "会议强调要深化产融合作推动科技产业金融杨方线上配资股票良性循环全市工业增加值同比增长。"
    )
    # Without windows, the whole 42-character clause dilutes the ad; the focus
    # unit (its best span with four characters each side) does not.
    _, _, whole, _ = _with_params(tiny_detector, window=0, focus=0).clause_evidence(text)
    focused = _with_params(tiny_detector, window=0, focus=4)
    clauses, _, lifted, _ = focused.clause_evidence(text)
    spliced = int(np.argmax(lifted))
    assert lifted[spliced] > whole[spliced] + 0.2
    # Elsewhere the clause takes its best unit and the focus is one more candidate.
    assert (lifted >= whole - 1e-12).all()
    start, end = focused.best_unit(text, *(int(x) for x in clauses[spliced]))
    assert "杨方线上配资股票" in text[start:end]
    assert end - start <= len("杨方线上配资股票") + 8


def _located_pair(first: tuple[int, int] | None, second: tuple[int, int] | None, gap: int = 1):
    """Two clauses, 0..10 and 10+gap..20+gap, with the given best spans."""
    from detector.core import _Located

    clauses = np.array([[0, 10], [10 + gap, 20 + gap]], dtype=np.int64)
    return _Located(
        clauses,
        np.array([0, 10]),
        np.zeros(20),
        [[s] if s else [] for s in (first, second)],
        [first, second],
    )


def test_bridges_join_best_spans_that_meet_at_the_punctuation_between_clauses(
    tiny_detector: Detector,
) -> None:
    focused = _with_params(tiny_detector, focus=4)
    text = "甲" * 10 + "，" + "乙" * 10
    codes = features.codepoints(text)

    def bridges_of(text: str, located: Any) -> Any:
        return focused._bridges(text, features.codepoints(text), located)

    # The first clause's span ends 2 characters before the comma, the second's
    # starts 1 after it: one unit from 4 characters before the first span to 4
    # after the second.
    bridges = bridges_of(text, _located_pair((5, 8), (1, 6)))
    assert bridges is not None
    assert bridges.units.tolist() == [[1, 11 + 6 + 4]]
    assert bridges.left.tolist() == [0]
    # Its evidence is that of the stretch from the first span to the second,
    # read as one: the comma and the character pairs across it count.
    ad = "产融杨方线上配资股票，金沙体育官方网站推动"
    ads = bridges_of(ad, _located_pair((2, 10), (0, 8)))
    assert ads is not None
    stretch, _ = focused._char_evidence(features.codepoints(ad), np.array([[2, 19]]))
    assert ads.strength.tolist() == [pytest.approx(max(0.0, float(stretch.sum())))]
    halves, _ = focused._char_evidence(features.codepoints(ad), np.array([[2, 10], [11, 19]]))
    assert float(stretch.sum()) != pytest.approx(float(halves.sum()))
    assert bridges.ad.shape == (1,) and 0.0 < bridges.ad[0] < 1.0
    assert bridges.kinds.shape == (1, len(tiny_detector.model.classes))
    assert bridges.kinds.sum() == pytest.approx(1.0)
    # No bridge where a span stops short of the punctuation (more than ``focus``
    # characters), a clause has no span, the clauses are further apart or a line
    # break (a paragraph or, in a batch, the next text) lies between them.
    assert bridges_of(text, _located_pair((0, 5), (1, 6))) is None
    assert bridges_of(text, _located_pair((5, 8), (5, 9))) is None
    assert bridges_of(text, _located_pair((5, 8), None)) is None
    wide = "甲" * 10 + "，，，" + "乙" * 10
    assert bridges_of(wide, _located_pair((5, 8), (1, 6), gap=3)) is None
    broken = "甲" * 10 + "\n" + "乙" * 10
    assert bridges_of(broken, _located_pair((5, 8), (1, 6))) is None
    unfocused = _with_params(tiny_detector, focus=0)
    assert unfocused._bridges(text, codes, _located_pair((5, 8), (1, 6))) is None


SPLIT_AD = "会议强调要深化产融合作杨方线上配资，金沙体育官方网站推动循环。"


def test_an_ad_split_by_a_comma_scores_as_the_bridge_over_both_halves(
    tiny_detector: Detector,
) -> None:
    text = HOST + SPLIT_AD
    clauses, _, probability, evidence = tiny_detector.clause_evidence(text)
    own = [
        tiny_detector.combine(float(p), float(e))
        for p, e in zip(probability, evidence, strict=True)
    ]
    units, left, bridge_probability, bridge_evidence = tiny_detector.bridge_evidence(text)
    assert len(units) == 1
    normalized = normalize(text).text  # the units' and clauses' offsets
    start, end = units[0].tolist()
    assert "杨方线上配资,金沙体育官方网站" in normalized[start:end]
    (k,) = left.tolist()
    assert normalized[clauses[k, 1]] == ","
    # The bridge's evidence counts the comma and the character pairs across
    # it, which neither clause's span holds.
    assert bridge_evidence[0] > evidence[k] + evidence[k + 1]
    bridged = tiny_detector.combine(float(bridge_probability[0]), float(bridge_evidence[0]))
    # The whole ad reads as more of an ad than either half with its news.
    assert bridged > max(own[k], own[k + 1])
    verdict = tiny_detector.scan(text)
    assert verdict.score == pytest.approx(bridged)
    # Both halves are reported (joined across the comma) with the bridge's score.
    assert [f.text for f in verdict.findings] == ["杨方线上配资，金沙体育官方网站"]
    assert verdict.findings[0].score == pytest.approx(bridged)
    # A text that ends with one half and a text that starts with the other are
    # scanned alone, batched or not.
    halves = [HOST + SPLIT_AD[: SPLIT_AD.index("，")], SPLIT_AD[SPLIT_AD.index("，") + 1 :]]
    alone = [tiny_detector.scan(t).score for t in halves]
    assert [v.score for v in tiny_detector.scan_many(halves)] == alone
    assert max(alone) < bridged


# Five clauses: 0 and 1 across a comma, 1 and 2 across a full stop, 2 and 3 across
# three semicolons (too far apart), 3 and 4 across a line break.
PARTNER_TEXT = (
    "会议强调要深化产融合作，推动科技产业金融良性循环。全市工业增加值同比增长；；；"
    "农业农村部部署秋粮收获\n气象台发布暴雨蓝色预警"
)


def _assessed(detector: Detector, shares: list[float]) -> tuple[list[bool], list[bool]]:
    """(assessed, partners) of PARTNER_TEXT's clauses with these prefilter
    scores, as shares of the bar."""
    normalized = normalize(PARTNER_TEXT).text
    codes = features.codepoints(normalized)
    clauses = clause_bounds(codes)
    assert len(clauses) == len(shares) == 5
    pre = np.array(shares) * detector.model.thresholds["prefilter"]
    assessed, partners = detector._assessed(
        normalized, codes, clauses, pre, np.zeros(len(shares), dtype=bool)
    )
    return assessed.tolist(), partners.tolist()


def test_a_neighbour_of_an_assessed_clause_near_the_bar_is_assessed_for_a_bridge(
    tiny_detector: Detector,
) -> None:
    near, far = core._PARTNER_BAR * 1.5, core._PARTNER_BAR * 0.5
    # Clause 1 passes: its neighbours 0 and 2 near the bar are its partners.
    assert _assessed(tiny_detector, [near, 2.0, near, near, near]) == (
        [True, True, True, False, False],
        [True, False, True, False, False],
    )
    # Not one too far under the bar, nor across three characters or a line break.
    assert _assessed(tiny_detector, [far, 2.0, far, 2.0, near]) == (
        [False, True, False, True, False],
        [False] * 5,
    )
    # A partner does not bring in its own neighbour.
    assert _assessed(tiny_detector, [near, near, 2.0, far, far]) == (
        [False, True, True, False, False],
        [False, True, False, False, False],
    )


def test_a_partner_scores_only_through_a_bridge(tiny_detector: Detector) -> None:
    """Assessed for a bridge, a partner clause is not reported for its own
    score: a split ad's half reaches the bar with the other half or not at all."""
    text = HOST + "会议强调要深化产融合作杨方线上配资，推动科技产业金融良性循环。"
    detector = Detector(tiny_detector.model, threshold=0.0)
    normalized = normalize(text).text
    codes = features.codepoints(normalized)
    clauses = clause_bounds(codes)
    # The last clause, news, is assessed as the partner of the ad's.
    partners = np.zeros(len(clauses), dtype=bool)
    partners[-1] = True
    scores, _, _ = detector._assess(normalize(text), text, codes, clauses, partners)
    own, _, _ = detector._assess(normalize(text), text, codes, clauses, np.zeros_like(partners))
    assert own[-1] > 0.0  # on its own, the news clause has a score
    assert scores[-1] == 0.0  # as a partner, none without a bridge
    assert scores[:-1].tolist() == own[:-1].tolist()


def _second_half_as_partner(detector: Detector) -> Detector:
    """``detector`` with the clause after SPLIT_AD's comma assessed as a partner."""
    original = detector._assessed

    def assessed(
        text: str, codes: np.ndarray, clauses: np.ndarray, pre: np.ndarray, in_doc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        marked, partners = original(text, codes, clauses, pre, in_doc)
        partners = partners.copy()
        for i, (start, _) in enumerate(clauses.tolist()):
            partners[i] |= text[start - 1 : start] == "," and text.startswith("金沙", start)
        assert partners.any()
        return marked | partners, partners

    detector._assessed = assessed  # type: ignore[method-assign]
    return detector


def test_a_partner_takes_its_bridge_only_when_the_bridge_beats_its_neighbour(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HOST + SPLIT_AD
    normalized = normalize(text)
    codes = features.codepoints(normalized.text)
    clauses = clause_bounds(codes)
    detector = Detector(tiny_detector.model, threshold=0.0)
    partners = np.array([normalized.text.startswith("金沙", int(a)) for a, _ in clauses.tolist()])
    (k,) = partners.nonzero()[0] - 1  # the assessed half before the comma
    _, _, probability, evidence = detector.clause_evidence(text)
    own = [detector.combine(float(p), float(e)) for p, e in zip(probability, evidence, strict=True)]
    joined, _, _ = detector._assess(normalized, text, codes, clauses, partners)
    # The whole ad reads as more of an ad than its first half: both take the bridge.
    assert joined[k] == joined[k + 1] > own[k]
    # A weaker bridge leaves the first half its own score and the partner none.
    real = detector._bridges

    def weak(*args: object) -> object:
        bridges = real(*args)  # type: ignore[arg-type]
        return None if bridges is None else dataclasses.replace(bridges, ad=bridges.ad * 1e-3)

    monkeypatch.setattr(detector, "_bridges", weak)
    weakened, _, _ = detector._assess(normalized, text, codes, clauses, partners)
    assert weakened[k] == pytest.approx(own[k]) and weakened[k + 1] == 0.0


def test_a_split_ad_with_a_partner_counts_once_toward_an_ad_article(
    tiny_detector: Detector,
) -> None:
    """Two ad clauses make an ad article here; the halves of one split ad are two
    clauses, but with one of them a partner they count as one ad."""
    text = HOST + SPLIT_AD
    model = _with_params(tiny_detector, article_clauses=2, article_share=0.0).model
    whole = Detector(model).scan(text)
    assert [(f.start, f.end) for f in whole.findings] == [(0, len(text) - 1)]  # the article
    split = _second_half_as_partner(Detector(model)).scan(text)
    assert [f.text for f in split.findings] == ["杨方线上配资，金沙体育官方网站"]


def test_scores_combine_the_clause_head_and_the_span_evidence(tiny_detector: Detector) -> None:
    a, b, c = 1.5, 0.8, -2.0
    stacked = _with_params(tiny_detector, stack=[a, b, c])
    text = HOST + "强化服务杨方线上配资股票,推动循环。"
    _, _, probability, evidence = stacked.clause_evidence(text)
    best = int(np.argmax(probability))
    p, e = float(probability[best]), float(evidence[best])
    expected = 1 / (1 + math.exp(-(a * math.log(p / (1 - p)) + b * math.log1p(e) + c)))
    assert stacked.combine(p, e) == pytest.approx(expected)
    assert stacked.scan(text).score == pytest.approx(expected)


def _flagged_clause(
    reads: Detector, ignores: Detector, text: str, indicator: str, expected: str
) -> tuple[float, float, float]:
    """The clause-head probability, the span evidence and the logit of the first
    three stacking weights of the one clause of ``text`` that ``reads`` flags by
    ``indicator`` (``reachable`` or ``spaced``), checked to be ``expected``
    (normalized); ``ignores``, a model without that weight, flags none."""
    a, b, c = reads.model.params["stack"][:3]
    norm = normalize(text).text
    clauses, _, probability, evidence = reads.clause_evidence(text)
    flagged = getattr(reads, indicator)(text, clauses)
    assert [norm[s:e] for (s, e), f in zip(clauses.tolist(), flagged, strict=True) if f] == [
        expected
    ]
    assert not getattr(ignores, indicator)(text, clauses).any()  # the model does not read it
    k = int(flagged.argmax())
    p, e = float(probability[k]), float(evidence[k])
    return p, e, a * math.log(p / (1 - p)) + b * math.log1p(e) + c


def test_a_fourth_stacking_weight_lifts_clauses_that_hold_a_way_to_reach_someone(
    tiny_detector: Detector,
) -> None:
    """A model with four stacking weights adds the fourth to the logit of a clause
    (or bridge) holding a link to an untrusted host, a phone number or a handle;
    other clauses score as with three, and a model with three ignores reach."""
    a, b, c, r = 1.5, 0.8, -2.0, 2.5
    three = _with_params(tiny_detector, stack=[a, b, c])
    four = _with_params(tiny_detector, stack=[a, b, c, r])
    reach = HOST + "欢迎咨询配资请加weitz82889。推动循环。"
    plain = HOST + "强化服务杨方线上配资股票,推动循环。"
    p, e, logit = _flagged_clause(four, three, reach, "reachable", "欢迎咨询配资请加weitz82889")
    assert four.combine(p, e, True) == pytest.approx(1 / (1 + math.exp(-(logit + r))))
    assert three.combine(p, e, True) == pytest.approx(1 / (1 + math.exp(-logit)))
    lifted = [f for f in four.scan(reach).findings if "weitz82889" in f.text]
    assert [f.score for f in lifted] == [pytest.approx(four.combine(p, e, True))]
    assert four.scan(reach).score > three.scan(reach).score
    # Without a link, phone number or handle the fourth weight changes nothing.
    assert not four.reachable(plain, four.clause_evidence(plain)[0]).any()
    assert four.scan(plain) == three.scan(plain)


def test_a_fifth_stacking_weight_lifts_clauses_written_with_their_characters_apart(
    tiny_detector: Detector,
) -> None:
    """A model with five stacking weights adds the fifth to the logit of a clause
    holding four or more characters of a spaced-out stretch (seven or more
    characters each apart from the next in the original), assesses it whatever
    its prefilter score, and reports the stretch whole; a model with four reads
    none of it, and text written plainly scores as before."""
    a, b, c, r, w = 1.5, 0.8, -2.0, 2.5, 4.0
    four = _with_params(tiny_detector, stack=[a, b, c, r])
    five = _with_params(tiny_detector, stack=[a, b, c, r, w])
    spaced = HOST + "统计局表示转·发·本·文·领·取·神·器，全年目标任务有望超额完成。"
    plain = HOST + "统计局表示转发本文领取神器，全年目标任务有望超额完成。"
    p, e, logit = _flagged_clause(five, four, spaced, "spaced", "统计局表示转发本文领取神器")
    assert five.combine(p, e, False, True) == pytest.approx(1 / (1 + math.exp(-(logit + w))))
    assert four.combine(p, e, False, True) == pytest.approx(1 / (1 + math.exp(-logit)))
    # Assessed under any prefilter bar, scored with the fifth weight, and the
    # finding is the whole stretch as written, not the host's words.
    model = five.model
    strict = Model(
        model.version,
        model.classes,
        model.params,
        {**model.thresholds, "prefilter": 1.0},
        model.heads,
    )
    lifted = five.combine(p, e, False, True)
    for detector in (five, Detector(strict)):
        (finding,) = detector.with_threshold(lifted - 1e-6).scan(spaced).findings
        assert finding.text == "转·发·本·文·领·取·神·器"
        assert finding.score == pytest.approx(lifted)
    unread = Model(model.version, model.classes, four.model.params, strict.thresholds, model.heads)
    assert not [f for f in Detector(unread, threshold=0.0).scan(spaced).findings if "转" in f.text]
    # Six characters apart are not a stretch; plain text scores as with four.
    short = HOST + "统计局表示转·发·本·文·领·取神器，全年目标任务有望超额完成。"
    assert not five.spaced(short, five.clause_evidence(short)[0]).any()
    assert five.scan(plain) == four.scan(plain)
    assert five.scan(short) == four.scan(short)


def test_digits_past_the_eighth_of_a_run_add_no_evidence(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the eighth digit of a run, a digit adds no evidence to a span (a
    19-digit account number gathered evidence in proportion to its length);
    runs are counted within one unit, letters break them, and evidence against
    an ad is left as it is."""
    text = "a" + "0" * 12 + "b" + "0" * 6
    codes = features.codepoints(text)
    rows = np.repeat([0, 1], [14, 6])
    evidence = np.ones(len(text))
    core._cap_long_digit_runs(evidence, codes, rows)
    # Digits 9-12 of the first unit's run go to 0; the second unit's six
    # digits follow twelve in the text but start a run of their own.
    assert evidence.tolist() == [1.0] * 9 + [0.0] * 4 + [1.0] * 7
    negative = np.full(len(text), -2.0)
    core._cap_long_digit_runs(negative, codes, rows)
    assert (negative == -2.0).all()
    # Through the detector: the account number's span evidence without the cap
    # grows with its length; with it, its last eleven digits add nothing.
    account = "捐款账户6222021234567890123"
    capped = float(tiny_detector.clause_evidence(account)[3].max())
    norm = normalize(account).text
    per_char, _ = tiny_detector._char_evidence(
        features.codepoints(norm), np.array([[0, len(norm)]])
    )
    assert (per_char[4 + 8 :] <= 0).all()
    monkeypatch.setattr(core, "_DIGIT_RUN_EVIDENCE", 1000)
    assert float(tiny_detector.clause_evidence(account)[3].max()) > capped


def test_a_model_whose_stacking_has_weights_this_version_does_not_know_is_refused(
    tiny_detector: Detector,
) -> None:
    """A newer model's extra stacking input was ignored, and its scores were wrong
    without a word; it is refused, naming the model and what to do."""
    from detector.model import ModelError

    for stack in ([1.0, 0.5], [1.0, 0.5, -1.0, 2.0, 3.0, 0.5]):
        with pytest.raises(ModelError, match=rf"{len(stack)} weights.*upgrade detector"):
            _with_params(tiny_detector, stack=stack)


def test_a_document_made_mostly_of_ads_is_reported_whole(tiny_detector: Detector) -> None:
    ads = ["杨方线上配资股票", "王磊在线配资平台", "正规实盘配资官网", "金沙体育(中国)官方网站"]
    text = "。".join(["农业农村部部署秋粮收获工作", *ads, "气象台发布暴雨蓝色预警"]) + "。"
    article = _with_params(tiny_detector, article_clauses=4, article_share=0.5)
    findings = article.scan(text).findings
    assert len(findings) == 1
    assert (findings[0].start, findings[0].end) == (0, len(text) - 1)
    # Below the share, only the ads are reported (neighbours joined), not the news.
    separate = _with_params(tiny_detector, article_clauses=4, article_share=0.9)
    assert [(f.start, f.end) for f in separate.scan(text).findings] == [
        (text.index("杨"), text.index("。气象"))
    ]


def test_windows_take_the_words_of_their_clause_that_lie_inside_them() -> None:
    from detector import features, words

    clause = "会议强调要深化产融合作推动科技产业金融良性循环"
    units = np.array([[0, len(clause)], [0, 16], [8, len(clause)], [3, 4]], dtype=np.int64)
    whole = words.cut(clause)
    rows, cols = Detector._unit_word_features(
        units, np.zeros(len(units), dtype=np.int64), units[:1], [whole], 16
    )
    expected = [whole]
    for low, high in units.tolist()[1:]:
        at, inside = 0, []
        for word in whole:
            if at >= low and at + len(word) <= high:
                inside.append(word)
            at += len(word)
        assert "".join(inside) in clause[low:high]
        expected.append(inside)
    want_rows, want_cols = features.words_to_features(expected, 16)
    assert rows.tolist() == want_rows.tolist()
    assert cols.tolist() == want_cols.tolist()
    # A clause that is not among the units (a finding's spans read with their
    # clause's words): the same words for the same bounds.
    spans = units[1:] + 100
    clauses = np.array([[100, 100 + len(clause)]] * 3, dtype=np.int64)
    rows, cols = Detector._unit_word_features(spans, np.arange(3), clauses, [whole] * 3, 16)
    want_rows, want_cols = features.words_to_features(expected[1:], 16)
    assert rows.tolist() == want_rows.tolist()
    assert cols.tolist() == want_cols.tolist()


def test_document_and_prefilter_scores_match_scikit_learn(tiny_detector: Detector) -> None:
    """Both char heads read linear-tf tf-idf divided by the root of the sum of
    idf squared over the row's n-gram occurrences (the document head the whole
    text, the prefilter each clause); the sort-free sums of _char_head_scores
    give what scikit-learn's transform and a dot product give."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    from detector import features
    from detector.normalize import normalize

    text = HOST + "强化服务杨方线上配资股票,推动循环。配资配资，加微信领取福利。"
    model = tiny_detector.model
    bits = int(model.params["bits"])
    codes = features.codepoints(normalize(text).text)
    clauses, pre, _, _ = tiny_detector.clause_evidence(text)
    rows, cols = features.char_ngrams(codes, features.row_ids(len(codes), clauses), (1, 3), bits)
    for name, row_ids, n_rows, ours in (
        ("document", np.zeros_like(rows), 1, [tiny_detector.document_score(text)]),
        ("prefilter", rows, len(clauses), pre),
    ):
        head = model.heads[name]
        counts = sparse.csr_matrix((np.ones(len(cols)), (row_ids, cols)), shape=(n_rows, 1 << bits))
        transformer = TfidfTransformer(norm=None, sublinear_tf=False).fit(counts)
        idf = head.idf.astype(np.float64)
        transformer.idf_ = idf
        x = sparse.diags(1 / np.sqrt(counts @ (idf * idf))) @ transformer.transform(counts)
        expected = 1 / (1 + np.exp(-(x @ head.coef.astype(np.float64) + head.intercept[0])))
        np.testing.assert_allclose(ours, expected, rtol=1e-6)

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.cli import main
from detector.core import Detector
from detector.evaluate import Prediction, calibration, score, wilson_interval
from detector.training.baselines import KeywordBaseline

GOLD = [
    {"text": "甲乙丙丁戊己", "spans": [{"start": 2, "end": 4, "category": "stock-margin"}],
     "kind": "injected", "recipe": "splice"},
    {"text": "庚辛壬癸", "spans": [], "kind": "clean"},
    {"text": "子丑寅卯", "spans": [], "kind": "hard-negative"},
    {"text": "辰巳午未", "spans": [{"start": 0, "end": 4, "category": "gambling"}],
     "kind": "injected", "recipe": "append"},
]  # fmt: skip


def test_score_counts_documents_characters_and_groups() -> None:
    predictions = [
        Prediction(True, ((1, 4, "stock-margin"),)),  # 2 of 3 predicted chars are gold
        Prediction(False, ()),
        Prediction(True, ((0, 1, "promotion"),)),  # a hard-negative false positive
        Prediction(False, ()),  # missed
    ]
    metrics = score(GOLD, predictions)
    assert metrics["document"] == {
        "precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1, "tn": 1,
    }  # fmt: skip
    assert metrics["false_positive_rate"]["clean"] == 0.0
    assert metrics["false_positive_rate"]["hard_negative"] == 1.0
    span = metrics["span"]
    assert span["precision"] == pytest.approx(2 / 4)
    assert span["recall"] == pytest.approx(2 / 6)
    assert span["exact_match"] == 0.0
    assert metrics["recall_by_category"] == {"gambling": 0.0, "stock-margin": 1.0}
    assert metrics["recall_by_recipe"] == {"append": 0.0, "splice": 1.0}
    assert metrics["recall_by_origin"] == {}  # the records name no origin
    # One gold span found (the missed document's is not), its category named.
    assert metrics["category"] == {
        "accuracy": 1.0, "spans": 1, "by_category": {"stock-margin": 1.0},
    }  # fmt: skip


def test_recall_by_the_origin_of_the_ads_wording() -> None:
    """The dev benchmark names where each injected ad's wording came from (real
    spam, the grammars' held-out fillers): eval gives recall by it, with an
    interval, and prints the rows."""
    from detector.training.evaluation import format_table

    gold = [
        {**GOLD[0], "origin": "spam line"},
        GOLD[1],
        {**GOLD[3], "origin": "grammar"},
        {"text": "申酉戌亥", "spans": [{"start": 0, "end": 2, "category": "loan"}],
         "kind": "injected", "recipe": "splice", "origin": "grammar"},
    ]  # fmt: skip
    hit, miss = Prediction(True, ((2, 4, "stock-margin"),)), Prediction(False, ())
    metrics = score(gold, [hit, miss, miss, Prediction(True, ((0, 2, "loan"),))])
    assert metrics["recall_by_origin"] == {"grammar": 0.5, "spam line": 1.0}
    assert metrics["intervals"]["origin grammar recall"] == pytest.approx(wilson_interval(1, 2))
    table = format_table({"model": metrics})
    rows = {line.split("  ")[0].strip(): line.split() for line in table.splitlines()}
    assert rows["origin grammar recall"][3] == "0.5000"
    assert rows["origin spam line recall"][4] == "1.0000"


def test_category_accuracy_takes_the_predicted_span_that_overlaps_most() -> None:
    gold = [
        {"text": "甲乙丙丁戊己庚辛", "spans": [{"start": 1, "end": 7, "category": "contact"}]},
        {"text": "辰巳午未", "spans": [{"start": 0, "end": 4, "category": "gambling"}]},
        {"text": "子丑寅卯", "spans": [{"start": 0, "end": 2, "category": "loan"}]},
    ]
    predictions = [
        # Named right on one character, wrong on four: the four decide.
        Prediction(True, ((0, 2, "contact"), (3, 7, "promotion"))),
        Prediction(True, ((1, 3, "gambling"),)),
        Prediction(True, ((2, 4, "loan"),)),  # beside the gold span, not on it
    ]
    metrics = score(gold, predictions)
    assert metrics["category"] == {
        "accuracy": 0.5, "spans": 2, "by_category": {"contact": 0.0, "gambling": 1.0},
    }  # fmt: skip
    assert metrics["intervals"]["category accuracy"] == wilson_interval(1, 2)
    nothing_found = score(gold, [Prediction(False, ())] * 3)
    assert nothing_found["category"] == {"accuracy": None, "spans": 0, "by_category": {}}
    assert "category accuracy" not in nothing_found["intervals"]
    assert score(gold, [Prediction(True, None)] * 3)["category"] is None


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert wilson_interval(0, 0) is None


def test_score_gives_an_interval_around_each_document_rate() -> None:
    predictions = [Prediction(True, ()), Prediction(False, ()), Prediction(True, ()),
                   Prediction(False, ())]  # fmt: skip
    intervals = score(GOLD, predictions)["intervals"]
    assert intervals["document recall"] == wilson_interval(1, 2)
    assert intervals["hard-negative FPR"] == wilson_interval(1, 1)
    assert intervals["clean FPR"] == wilson_interval(0, 1)
    assert intervals["stock-margin recall"] == wilson_interval(1, 1)
    assert intervals["gambling recall"] == wilson_interval(0, 1)
    assert intervals["recipe append recall"] == wilson_interval(0, 1)
    for low, high in intervals.values():
        assert 0.0 <= low < high <= 1.0


def test_calibration_bands_compare_mean_score_with_the_share_of_ads() -> None:
    labels = [True, False, True, True, False, False]
    scores = [0.95, 0.0, 1.0, 0.4, 0.4, 0.2]
    table = calibration(labels, scores, edges=(0.0, 0.3, 0.9, 1.0))
    low, middle, high = table["bands"]
    assert (low["documents"], low["mean_score"], low["ad_share"]) == (2, 0.1, 0.0)
    assert (middle["documents"], middle["mean_score"], middle["ad_share"]) == (2, 0.4, 0.5)
    assert middle["interval"] == wilson_interval(1, 2)
    # The last band holds its upper edge: a score of exactly 1.0 counts.
    assert (high["documents"], high["mean_score"], high["ad_share"]) == (2, 0.975, 1.0)
    expected = (0.05**2 + 0 + 0 + 0.6**2 + 0.4**2 + 0.2**2) / 6
    assert table["brier"] == pytest.approx(expected)
    empty = calibration([True], [0.5], edges=(0.0, 0.3, 1.0))["bands"][0]
    assert (empty["documents"], empty["mean_score"], empty["interval"]) == (0, None, None)


def test_score_has_a_calibration_table_only_when_every_prediction_has_a_score() -> None:
    scored = [Prediction(s > 0.5, (), s) for s in (0.9, 0.1, 0.6, 0.2)]
    table = score(GOLD, scored)["calibration"]
    assert sum(band["documents"] for band in table["bands"]) == 4
    assert table["brier"] == pytest.approx((0.1**2 + 0.1**2 + 0.6**2 + 0.8**2) / 4)
    assert score(GOLD, [Prediction(True, ())] * 4)["calibration"] is None


def test_document_only_predictions_have_no_span_metrics() -> None:
    metrics = score(GOLD, [Prediction(True, None)] * 4)
    assert metrics["span"] is None
    assert metrics["document"]["recall"] == 1.0


def test_keyword_baseline_flags_every_occurrence_including_legitimate_news() -> None:
    baseline = KeywordBaseline(["配资", "微信"])
    prediction = baseline.predict("证监会打击场外配资，关注官方微信")
    assert prediction.is_spam
    assert prediction.spans == ((7, 9, "keyword"), (14, 16, "keyword"))
    # Its spans name no category: no category accuracy is reported for it.
    span = {"start": 7, "end": 9, "category": "stock-margin"}
    gold = [{"text": "证监会打击场外配资", "spans": [span]}]
    metrics = score(gold, [baseline.predict(gold[0]["text"])])
    assert metrics["span"]["recall"] == 1.0 and metrics["category"] is None


def run_eval(model: Path, gold: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["eval", str(gold), "--model", str(model), *args])


def write_gold(path: Path, records: list[dict[str, object]], end: str = "\n") -> None:
    """``records`` as a JSONL gold file (``end``: after the last line)."""
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + end)


def test_eval_command_prints_metrics_for_a_gold_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    text = "会议强调要深化产融合作,强化服务杨方线上配资股票,推动循环。"
    start = text.index("杨方")
    records = [
        {"text": text, "spans": [{"start": start, "end": start + 8, "category": "stock-margin"}]},
        {"text": "农业农村部部署秋粮收获工作。", "spans": []},
    ]
    write_gold(gold, records)
    result = run_eval(tiny_model_dir, gold, "--format", "json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["model"]
    assert metrics["documents"] == 2
    assert metrics["document"]["tp"] == 1 and metrics["document"]["tn"] == 1
    assert 0.0 < metrics["span"]["f1"] <= 1.0
    text_result = run_eval(tiny_model_dir, gold)
    assert "document F1" in text_result.stdout and "span F1 (chars)" in text_result.stdout
    # The one gold span found, its category named or not: a rate of one span.
    assert metrics["category"]["spans"] == 1
    assert "category accuracy" in text_result.stdout
    # Recall 1 of 1 injected document: the interval beside it says how little that shows.
    recall_row = next(
        line for line in text_result.stdout.splitlines() if line.startswith("document recall")
    )
    assert "95% interval" in text_result.stdout
    assert recall_row.split()[2:4] == ["1.0000", "0.207-1.000"]
    # The calibration table counts each document once, in the band of its score.
    bands = metrics["calibration"]["bands"]
    assert sum(band["documents"] for band in bands) == 2
    assert "calibration" in text_result.stdout and "Brier score" in text_result.stdout


def test_eval_names_the_bad_line(tiny_model_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "x", "spans": []}\n{oops\n')
    result = run_eval(tiny_model_dir, gold)
    assert result.exit_code == 2
    assert f"{gold}:2: invalid JSON" in result.stderr


def test_eval_names_every_bad_line_and_never_a_traceback(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A span without a category, or with its ends swapped, raised KeyError or
    went into the metrics; only the first bad line was named."""
    lines = [
        {"text": "强化服务杨方线上配资股票", "spans": [{"start": 4, "end": 12}]},  # no category
        {"text": "农业农村部部署秋粮收获工作"},  # no spans: a clean document
        {"text": "abc", "spans": [{"start": 5, "end": 2, "category": "loan"}]},
        {"text": "abc", "spans": "none"},
        {"text": "abc", "spans": [[0]]},
        {"spans": []},
    ]
    gold = tmp_path / "gold.jsonl"
    write_gold(gold, lines)
    result = run_eval(tiny_model_dir, gold)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"detector: error: {gold}:3: span 0 (5, 2) is not inside the text (0 <= start < end <= 3)",
        f"detector: error: {gold}:4: 'spans' must be a list of {{start, end, category}} objects",
        f"detector: error: {gold}:5: span 0 must be an object with start, end and category"
        " or an array [start, end] or [start, end, category]",
        f"detector: error: {gold}:6: a gold record needs a 'text' string",
    ]
    write_gold(gold, lines[:2], end="")
    result = run_eval(tiny_model_dir, gold, "--format", "json")
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)["model"]
    assert metrics["documents"] == 2 and "unknown" in metrics["recall_by_category"]


def test_eval_reads_a_gold_line_holding_a_line_separator_as_scan_does(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A JSON string may hold U+2028, U+2029 or U+0085 as written (json.dumps
    with ensure_ascii=False writes them so), and scan reads such a JSONL line
    whole; eval split its gold file with str.splitlines, which cuts there, so the
    record was two bad lines ('invalid JSON') and nothing was scored."""
    gold = tmp_path / "gold.jsonl"
    texts = [f"会议强调要深化产融合作。{separator}强化服务杨方线上配资股票,推动循环。"
             for separator in ("\u2028", "\u2029", "\x85")]  # fmt: skip
    records = [
        {"text": t, "spans": [[t.index("杨方"), t.index("杨方") + 8, "stock-margin"]]}
        for t in texts
    ]
    write_gold(gold, records)
    assert len(gold.read_text(encoding="utf-8").splitlines()) > len(records)  # as written
    scanned = CliRunner().invoke(main, ["scan", "--model", str(tiny_model_dir), str(gold)])
    assert scanned.exit_code == 1 and scanned.stderr == ""
    result = run_eval(tiny_model_dir, gold, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["model"]["documents"] == 3


def test_eval_scores_what_scan_reports_on_the_gold_records(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A gold text holding HTML is scanned by scan (and clean, the hook, Scrapy)
    by the text a reader sees, its findings put back on the markup; eval scanned
    the markup itself, so a clean page's image URL or link was a false positive
    (link 0.75) and an ad's span took its tags ('b>杨方线上配资股票</b'), where scan
    reports nothing and the ad alone.  eval's figures are now those of scan's
    findings on the same records (CRLF text included)."""
    from detector.training.benchmark import read_gold

    crlf = "会议强调要深化产融合作。\r\n强化服务杨方线上配资股票,推动循环。\r\n"
    tagged = "<p>强化服务<b>杨方线上配资股票</b>,推动循环。</p>"
    records = [
        {"text": crlf, "spans": [[crlf.index("杨方"), crlf.index("杨方") + 8, "stock-margin"]]},
        {
            "text": tagged,
            "spans": [[tagged.index("杨方"), tagged.index("杨方") + 8, "stock-margin"]],
        },
        {
            "text": '<p>农业农村部部署秋粮收获工作。<img src="https://img.xyz888.com/a-1234.jpg"></p>'
        },
        {
            "text": '<div>气象台发布暴雨蓝色预警。<a href="http://www.xyz888.com/reg?id=123456">详情</a></div>'
        },
    ]
    gold = tmp_path / "gold.jsonl"
    write_gold(gold, records)
    scanned = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "jsonl", str(gold)]
    )
    predictions = [
        Prediction(
            record["is_spam"],
            tuple((f["start"], f["end"], f["category"]) for f in record["findings"]),
            record["score"],
        )
        for record in map(json.loads, scanned.stdout.splitlines())
    ]
    assert [bool(p.spans) for p in predictions] == [True, True, False, False]
    result = run_eval(tiny_model_dir, gold, "--format", "json")
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)["model"]
    assert metrics["false_positive_rate"]["clean"] == 0.0  # of 2 clean pages
    assert metrics["span"]["precision"] == 1.0
    # The same figures as scan's findings give (its scores are rounded).
    expected = json.loads(json.dumps(score(read_gold(gold), predictions)))
    del metrics["calibration"], expected["calibration"]
    assert metrics == expected


def test_a_page_labelled_as_a_whole_counts_in_document_figures_not_span_figures() -> None:
    """A scraper labels a few hundred of its own pages spam or not, without
    offsets: such a page was read as clean (its ``label`` ignored)."""
    gold = [
        GOLD[0],
        {"text": "加微信领取", "spans": [], "is_spam": True, "spans_known": False,
         "category": "contact"},
        {"text": "庚辛壬癸", "spans": [], "is_spam": False, "spans_known": True},
    ]  # fmt: skip
    predictions = [
        Prediction(True, ((2, 4, "stock-margin"),), 0.9),
        Prediction(True, ((0, 5, "contact"),), 0.8),  # no gold offsets: not a span error
        Prediction(False, (), 0.0),
    ]
    metrics = score(gold, predictions)
    assert metrics["document"]["tp"] == 2 and metrics["document"]["tn"] == 1
    assert metrics["recall_by_category"] == {"contact": 1.0, "stock-margin": 1.0}
    assert metrics["span"]["precision"] == 1.0 and metrics["span"]["recall"] == 1.0
    assert metrics["false_positive_rate"]["clean_documents"] == 1
    missed = score(gold, [predictions[0], Prediction(False, (), 0.1), predictions[2]])
    assert missed["document"]["fn"] == 1 and missed["recall_by_category"]["contact"] == 0.0
    assert sum(band["documents"] for band in missed["calibration"]["bands"]) == 3


def test_eval_reads_array_spans_and_page_labels_and_refuses_a_bare_label(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    write_gold(gold, [
        {"text": "强化服务杨方线上配资股票", "spans": [[4, 12, "stock-margin"]]},
        {"text": "加微信abc12345领取内部消息", "is_spam": True, "category": "contact"},
        {"text": "农业农村部部署秋粮收获工作", "is_spam": False},
    ])  # fmt: skip
    result = run_eval(tiny_model_dir, gold, "--format", "json")
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)["model"]
    assert metrics["documents"] == 3
    assert set(metrics["recall_by_category"]) == {"contact", "stock-margin"}
    assert metrics["false_positive_rate"]["clean_documents"] == 1
    write_gold(gold, [
        {"text": "加微信领取", "label": 1},
        {"text": "abc", "is_spam": False, "spans": [[0, 2]]},
        {"text": "abc", "is_spam": "yes"},
    ])  # fmt: skip
    result = run_eval(tiny_model_dir, gold)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"detector: error: {gold}:1: 'label' is not read: give 'spans' (the ads' offsets)"
        " or 'is_spam' (true / false, the page as a whole)",
        f"detector: error: {gold}:2: 'is_spam' is false but the record has spans",
        f"detector: error: {gold}:3: 'is_spam' must be true or false",
    ]


def test_eval_refuses_an_empty_gold_file_and_warns_of_strange_categories(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n")
    result = run_eval(tiny_model_dir, gold)
    assert (result.exit_code, result.stderr) == (
        2,
        f"detector: error: {gold}: no gold records to score\n",
    )
    gold.write_text('{"text": "abc", "spans": [{"start": 0, "end": true}]}\n')
    result = run_eval(tiny_model_dir, gold)
    assert result.exit_code == 2 and "span 0 needs integer 'start' and 'end'" in result.stderr
    record = {
        "text": "强化服务杨方线上配资股票",
        "spans": [{"start": 4, "end": 12, "category": "stok"}],
    }
    write_gold(gold, [record])
    result = run_eval(tiny_model_dir, gold)
    assert result.exit_code == 0
    assert f"detector: warning: {gold}: categories the model does not name: stok" in result.stderr


def test_training_commands_name_bad_paths_without_a_traceback(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Missing corpora or training data, and outputs that cannot be written, gave
    tracebacks (exit 1); train found an unwritable --output only after training."""
    runner = CliRunner()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "abc"}\n')
    for args in (
        ["train", "--corpora", str(tmp_path), "--output", str(blocker / "model")],
        ["benchmark", "--corpora", str(tmp_path), "--training-data", str(tmp_path / "none")],
        ["eval", str(gold), "--model", str(tiny_model_dir), "--corpora", str(tmp_path / "none")],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("detector: error: ") and "Traceback" not in result.output
    result = runner.invoke(
        main, ["train", "--corpora", str(tmp_path), "--output", str(blocker / "m")]
    )
    assert f"{blocker / 'm'}: cannot write the model there" in result.stderr


def test_write_jsonl_replaces_the_file_whole(tmp_path: Path) -> None:
    from detector.training.benchmark import write_jsonl
    from detector.training.examples import GoldDocument

    path = tmp_path / "dev.jsonl"
    path.write_text("old\n")
    write_jsonl([GoldDocument("a", "农业", (), "clean", "", "fixture")], path)
    assert json.loads(path.read_text(encoding="utf-8"))["text"] == "农业"
    assert [p.name for p in tmp_path.iterdir()] == ["dev.jsonl"]  # no temporary file left


def test_explain_contributions_add_up_to_the_clause_score(tiny_detector: Detector) -> None:
    from detector.explain import explain
    from detector.normalize import normalize

    text = "会议强调要深化产融合作,强化服务杨方线上配资股票,推动循环。"
    explanations = explain(tiny_detector, text, top=5)
    assert explanations
    item = explanations[0]
    assert item.head == "clause"
    assert len(item.contributions) == 5
    # The decision is the clause head's on the scored text, which combines with
    # the span evidence into the reported score.
    probability = 1 / (1 + math.exp(-item.decision))
    assert item.score == pytest.approx(item.finding.score, abs=1e-6)
    assert item.evidence is not None
    assert tiny_detector.combine(probability, item.evidence) == pytest.approx(
        item.finding.score, abs=1e-4
    )
    assert item.scope in normalize(text).text
    values = [abs(v) for _, v in item.contributions]
    assert values == sorted(values, reverse=True)


def test_explain_says_whether_the_scored_clause_holds_a_way_to_reach_someone(
    tiny_detector: Detector, tmp_path: Path
) -> None:
    """With a model whose stacking weighs Detector.reachable, explain says which
    clause held a link, phone number or handle, and its score adds that weight."""
    from detector.explain import explain
    from detector.model import Model, save_model

    model = tiny_detector.model
    params = {**model.params, "stack": [1.5, 0.8, -2.0, 2.5]}
    four = Model(model.version, model.classes, params, model.thresholds, model.heads)
    detector = Detector(four, threshold=0.0)
    text = "欢迎咨询配资请加weitz82889。会议强调要深化产融合作。强化服务杨方线上配资股票,推动循环。"
    reached, plain = explain(detector, text, top=3)
    assert "weitz82889" in reached.finding.text and plain.finding.text == "杨方线上配资股票"
    assert (reached.reachable, plain.reachable) == (True, False)
    for item, reach in ((reached, True), (plain, False)):
        assert item.evidence is not None
        probability = 1 / (1 + math.exp(-item.decision))
        assert detector.combine(probability, item.evidence, reach) == pytest.approx(
            item.finding.score, abs=1e-6
        )
    # A model with three weights does not read it, and explain says nothing of it.
    assert {i.reachable for i in explain(tiny_detector.with_threshold(0.0), text)} == {None}
    save_model(four, tmp_path / "four", {})
    shown = CliRunner().invoke(main, ["explain", "--model", str(tmp_path / "four"), text])
    lines = [line for line in shown.output.splitlines() if "span evidence" in line]
    assert [", holds a link, phone or QQ number or handle" in line for line in lines] == [
        True,
        False,
    ]


def test_explain_says_whether_the_scored_clause_is_written_with_its_characters_apart(
    tiny_detector: Detector, tmp_path: Path
) -> None:
    """With a model whose stacking weighs Detector.spaced, explain says which
    clause was spaced out, its score adds that weight, and the CLI says so."""
    from detector.explain import explain
    from detector.model import Model, save_model

    model = tiny_detector.model
    params = {**model.params, "stack": [1.5, 0.8, -2.0, 2.5, 4.0]}
    five = Model(model.version, model.classes, params, model.thresholds, model.heads)
    detector = Detector(five, threshold=0.6)
    text = (
        "统计局表示转·发·本·文·领·取·神·器。会议强调要深化产融合作。"
        "强化服务杨方线上配资股票,推动循环。"
    )
    items = {item.finding.text: item for item in explain(detector, text, top=3)}
    apart, plain = items["转·发·本·文·领·取·神·器"], items["杨方线上配资股票"]
    assert (apart.spaced, plain.spaced) == (True, False)
    for item, spaced in ((apart, True), (plain, False)):
        assert item.evidence is not None and item.reachable is not None
        probability = 1 / (1 + math.exp(-item.decision))
        assert detector.combine(
            probability, item.evidence, item.reachable, spaced
        ) == pytest.approx(item.finding.score, abs=1e-6)
    assert {i.spaced for i in explain(tiny_detector.with_threshold(0.0), text)} == {None}
    save_model(five, tmp_path / "five", {})
    shown = CliRunner().invoke(
        main, ["explain", "--model", str(tmp_path / "five"), "--threshold", "0.6", text]
    )
    lines = [line for line in shown.output.splitlines() if "span evidence" in line]
    assert sorted(", written with its characters apart" in line for line in lines) == [
        False,
        True,
    ]


def test_explain_scores_the_bridge_when_it_gives_the_finding_its_score(
    tiny_detector: Detector,
) -> None:
    from detector.explain import explain

    # An ad split by a comma: the bridge over both halves scores the finding
    # (see test_detector), so that is the text explained, with both spans' evidence.
    text = "会议强调要深化产融合作杨方线上配资，金沙体育官方网站推动循环。"
    (item,) = explain(tiny_detector, text, top=50)
    _, _, probabilities, evidence = tiny_detector.bridge_evidence(text)
    assert item.scope == "产融合作杨方线上配资,金沙体育官方网站推动循环"
    assert item.evidence == pytest.approx(float(evidence[0]))
    assert item.score == pytest.approx(item.finding.score, abs=1e-6)
    assert 1 / (1 + math.exp(-item.decision)) == pytest.approx(float(probabilities[0]), abs=1e-6)
    names = [name for name, _ in item.contributions]
    # n-grams of both halves weigh in.
    assert "配资" in names and any(set(name) & set("金沙体育官网") for name in names)


def test_explain_reads_a_window_by_the_words_the_detector_scored_in_it(
    tiny_detector: Detector,
) -> None:
    """A window (or a focus) takes the clause's words that lie inside it; explain
    cut the window on its own, so a word crossing its edge came out as a shorter
    word the model never read, and the decision missed the clause's score."""
    from detector.explain import explain

    text = "新能源汽车杨方线上配资股票产销量连续多年位居世界第一"
    (item,) = explain(tiny_detector, text, top=100)
    assert item.scope != text  # a window of the clause is the scored unit
    _, _, probabilities, _ = tiny_detector.clause_evidence(text)
    assert 1 / (1 + math.exp(-item.decision)) == pytest.approx(float(probabilities[0]), abs=1e-6)


def test_explain_a_finding_over_several_clauses_by_the_one_that_gave_its_score(
    tiny_detector: Detector,
) -> None:
    """Findings of neighbouring clauses merge into one with the best score;
    explain took the clause whose clause head scored highest, but the span
    evidence weighs in too, so it explained another clause, with another score."""
    from detector.explain import explain

    text = "王磊在线配资平台,王磊在线配资平台，银河娱乐app下载登录入口，"
    (item,) = explain(tiny_detector, text, top=5)
    assert item.finding.text == text.rstrip("，")
    assert item.score == pytest.approx(item.finding.score, abs=1e-9)
    assert item.evidence is not None
    probability = 1 / (1 + math.exp(-item.decision))
    assert tiny_detector.combine(probability, item.evidence) == pytest.approx(
        item.finding.score, abs=1e-6
    )


def test_explain_document_contributions_add_up_to_the_document_score(
    tiny_detector: Detector,
) -> None:
    """The document head's terms, as explain computes them over the clauses'
    n-grams, give the score the detector's sort-free sums give."""
    from detector.explain import _contributions, _named_features
    from detector.normalize import normalize
    from detector.segment import split_clauses

    text = "配资平台哪家好，配资平台推荐。会议强调要深化产融合作，配资配资。"
    norm = normalize(text).text
    bits = int(tiny_detector.model.params["bits"])
    pairs = [
        pair
        for c in split_clauses(norm)
        for pair in _named_features(norm[c.start : c.end], (1, 3), bits, with_words=False)
    ]
    head = tiny_detector.model.heads["document"]
    assert head.idf is not None
    decision, ranked = _contributions(pairs, head.idf, head.coef, 3, "occurrence-l2")
    assert len(ranked) == 3
    expected = 1 / (1 + math.exp(-(decision + float(head.intercept[0]))))
    assert tiny_detector.document_score(text) == pytest.approx(expected, abs=1e-6)


def test_explain_a_text_of_one_clause_reported_whole_by_the_document_head(
    tiny_detector: Detector,
) -> None:
    """The document head reports an ad article whole at its score, a text of one
    clause too; explain took the document head only for texts of two clauses or
    more, so it explained this one by the clause head: 'score 0.5757' under a
    finding of 0.7062."""
    from detector.explain import explain

    text = "股票配资平台哪家好选择正规股票配资平台很重要股票配资杠杆要适度"
    (finding,) = tiny_detector.scan(text).findings
    assert finding.score == tiny_detector.document_score(text)
    (item,) = explain(tiny_detector, text, top=3)
    assert item.head == "document" and item.score is None
    assert 1 / (1 + math.exp(-item.decision)) == pytest.approx(finding.score, abs=1e-6)


def test_explain_a_long_text_by_the_segment_scan_judged(tiny_detector: Detector) -> None:
    """A text over 131,072 characters is scanned a segment at a time, and the
    document head and whole-article rule judge each segment (Detector._scan_long);
    explain judged the text whole, so the ad article ending a long dump, reported
    whole at its segment's score (0.62), was explained by a clause (0.57)."""
    from conftest import CLEAN_SENTENCES

    from detector.explain import explain
    from detector.segment import text_segments

    news = "".join(sentence + "。\n" for sentence in CLEAN_SENTENCES)
    seo = "股票配资平台哪家好。选择正规股票配资平台很重要。股票配资杠杆要适度。" * 3
    text = news * (131_072 // len(news) + 1) + seo + "\n"
    (finding,) = tiny_detector.scan(text).findings
    (_, _), (second, _) = text_segments(text, 131_072)
    assert finding.start == second and text[finding.end :] == "。\n"  # the last segment, whole
    (item,) = explain(tiny_detector, text, top=3)
    assert item.finding == finding
    if item.head == "document":
        probability = 1 / (1 + math.exp(-item.decision))
        assert probability == pytest.approx(finding.score, abs=1e-6)
    else:
        assert item.score == pytest.approx(finding.score, abs=1e-9)


def test_explain_names_every_feature_by_the_text_that_hashes_to_its_bucket() -> None:
    from detector import features
    from detector.explain import _named_features

    text = "强化服务杨方线上配资股票2025"
    pairs = _named_features(text, (1, 3), 19, with_words=True)
    assert len({name for name, _ in pairs}) > len(text)
    for name, bucket in pairs:
        if name.startswith("["):  # a jieba word
            _, cols = features.words_to_features([[name[1:-1]]], 19)
        else:  # a character n-gram, hashed on its own
            codes = features.codepoints(name)
            n = len(name)
            _, cols = features.char_ngrams(codes, features.row_ids(n, [(0, n)]), (n, n), 19)
        assert cols.tolist() == [bucket], name


def test_explain_command_prints_the_scored_text_evidence_and_contributions(
    tiny_model_dir: Path, tiny_detector: Detector
) -> None:
    text = "会议强调要深化产融合作,强化服务杨方线上配资股票,推动循环。"
    result = CliRunner().invoke(
        main, ["explain", "--model", str(tiny_model_dir), "--top", "3", text]
    )
    assert result.exit_code == 1, result.output  # findings → exit 1, as scan
    finding = tiny_detector.scan(text).findings[0]
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{finding.start}-{finding.end} {finding.category}")
    assert lines[1].startswith("  clause decision ")
    assert lines[2].startswith('  scored text "') and lines[2][len('  scored text "') : -1] in text
    assert lines[3].endswith(f"-> score {finding.score:.4f}")
    assert len(lines) == 4 + 3  # the top 3 contributions
    as_json = CliRunner().invoke(
        main, ["explain", "--model", str(tiny_model_dir), "--format", "json", text]
    )
    record = json.loads(as_json.output)[0]
    assert record["score"] == round(finding.score, 4)
    assert record["evidence"] is not None and record["head"] == "clause"


def _tiny_corpora(root: Path) -> Path:
    """Every corpus file the training reads, each with a line or two."""
    from detector.training.corpora import FILES

    contents = {
        "sms": "label\ttext\n1\t加微信abc12345领取福利\n0\t明天见\n",
        "fbs": "category\ttext\nAD:Loan\t无抵押 贷款 当天 放款\n",
        "domains": "xyz888.com\n",
        "lexicon": "配资\n",
    }
    for name, relative in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents.get(name, ""), encoding="utf-8")
    return root


def test_train_names_a_corpora_manifest_it_cannot_read(tmp_path: Path) -> None:
    """A manifest that is not JSON, or has no 'files', was a traceback (exit 1)."""
    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = tmp_path / "training_data"
    training_data.mkdir()
    manifest = training_data / "corpora_manifest.json"
    for content in ("{oops", "{}", '{"files": []}', b"\xff\xfe"):
        if isinstance(content, bytes):
            manifest.write_bytes(content)
        else:
            manifest.write_text(content)
        args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
        result = CliRunner().invoke(main, ["train", *args, "--output", str(tmp_path / "m")])
        assert result.exit_code == 2, (content, result.output)
        error = f"detector: error: {manifest}: not a corpora manifest"
        assert result.stderr.splitlines()[-1].startswith(error), result.stderr
        assert not (tmp_path / "m" / "model.json").exists()


def _training_data_for(corpora_root: Path, destination: Path, manifest_only: bool = False) -> Path:
    """A copy of the project's training_data/ whose manifest fits ``corpora_root``
    (``manifest_only``: the manifest of the copy at ``destination`` rewritten)."""
    import shutil

    from detector.training.corpora import file_manifest

    if not manifest_only:
        shutil.copytree(Path(__file__).parent.parent / "training_data", destination)
    manifest = {"files": file_manifest(corpora_root)}
    (destination / "corpora_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return destination


def test_training_commands_name_a_bad_grammar_without_a_traceback(tmp_path: Path) -> None:
    """A grammar the loader refuses (GrammarError, which names the file) was a
    traceback and exit 1 in train, benchmark and eval --corpora."""
    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    grammar = training_data / "grammars" / "ad_phrases.json"
    grammar.write_text('{"categories": {}}', encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "abc"}\n')
    common = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    for args in (
        ["train", *common, "--output", str(tmp_path / "m")],
        ["benchmark", *common, "-o", str(tmp_path / "dev.jsonl")],
        ["eval", str(gold), *common],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.splitlines()[-1] == (
            f"detector: error: {grammar}: 'categories' must be a non-empty object"
        )
    assert not (tmp_path / "dev.jsonl").exists()


def test_benchmark_names_a_training_data_file_that_is_not_json_or_not_utf8(
    tmp_path: Path,
) -> None:
    """recipes.json that is not JSON or lacks its tables, and a grammar or a
    hard-negative list that is not UTF-8, were tracebacks (JSONDecodeError,
    KeyError, UnicodeDecodeError) with exit 1."""
    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    recipes = training_data / "recipes.json"
    finance = training_data / "grammars" / "finance_news.json"
    hard_negatives = training_data / "hard_negatives" / "dev.txt"
    good = {path: path.read_bytes() for path in (recipes, finance, hard_negatives)}
    cases = [
        (recipes, b"{oops", "invalid JSON"),
        (recipes, b'{"recipes": {"splice": 1}}', "'categories' must be an object"),
        (finance, b'{"categories": \xff}', "not UTF-8 (byte 15)"),
        (hard_negatives, "配资\n".encode("gbk"), "not UTF-8 (byte 0)"),
    ]
    args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    for path, content, problem in cases:
        path.write_bytes(content)
        result = CliRunner().invoke(main, ["benchmark", *args, "-o", str(tmp_path / "dev.jsonl")])
        path.write_bytes(good[path])
        assert result.exit_code == 2, (path, result.output)
        last = result.stderr.splitlines()[-1]
        assert last.startswith(f"detector: error: {path}: {problem}"), last


def test_benchmark_names_the_line_of_a_corpus_file_it_cannot_read(tmp_path: Path) -> None:
    """A bad line in the Eastmoney or 新闻联播 JSONL was a traceback (exit 1); the
    SMS and FBS readers already named the file and line.  (The manifest is
    rewritten for each bad file: the benchmark checks it, as train does.)"""
    import gzip

    from detector.training.corpora import FILES

    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    eastmoney = corpora_root / FILES["eastmoney"]
    xwlb = corpora_root / FILES["xwlb"]
    article = {"path": "a", "title": "t", "text": "证监会依法查处场外配资违法违规行为"}
    story = {"date": "20250801", "story_idx": 0, "title": "t", "text": "全国夏粮实现丰收"}
    cases = [
        (eastmoney, [article, "{oops"], f"{eastmoney}:2: invalid JSON"),
        (eastmoney, [{"text": "x"}], f"{eastmoney}:1: expected an object with"),
        (xwlb, [story, story, ["x"]], f"{xwlb}:3: expected an object with"),
    ]
    args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    for path, lines, error in cases:
        eastmoney.write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
        text = "".join(
            (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
        )
        if path == xwlb:
            with gzip.open(xwlb, "wt", encoding="utf-8") as handle:
                handle.write(text)
        else:
            path.write_text(text, encoding="utf-8")
        _training_data_for(corpora_root, training_data, manifest_only=True)
        result = CliRunner().invoke(main, ["benchmark", *args, "-o", str(tmp_path / "dev.jsonl")])
        assert result.exit_code == 2, (path, result.output)
        last = result.stderr.splitlines()[-1]
        assert last.startswith(f"detector: error: {error}"), last


def test_benchmark_refuses_corpora_that_differ_from_the_manifest(tmp_path: Path) -> None:
    """train refuses corpora whose checksums differ from
    training_data/corpora_manifest.json; the benchmark, built from the same
    corpora, did not look, so a dev benchmark of other data was written and
    scored as if it were the recorded one."""
    from detector.training.corpora import FILES

    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    manifest = training_data / "corpora_manifest.json"
    with (corpora_root / FILES["sms"]).open("a", encoding="utf-8") as handle:
        handle.write("1\t加微信abc99999领取福利\n")
    output = tmp_path / "dev.jsonl"
    args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    for command in (
        ["benchmark", *args, "-o", str(output)],
        ["train", *args, "--output", str(tmp_path / "m")],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.splitlines()[-1] == (
            f"detector: error: {corpora_root}: corpus files differ from {manifest}: {FILES['sms']}"
        ), command
    assert not output.exists()


def test_train_checks_the_dev_benchmark_inputs_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the dev benchmark reads hard_negatives/dev.txt: without it, train
    stopped with an error after minutes of training, and the model was lost."""
    import detector.training.train as training

    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    dev = training_data / "hard_negatives" / "dev.txt"
    dev.unlink()
    started: list[Path] = []
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: started.append(args[2]))
    args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    result = CliRunner().invoke(main, ["train", *args, "--output", str(tmp_path / "m")])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(f"detector: error: {dev}: ")
    assert started == []


def test_training_commands_name_corpora_without_news_to_build_on(tmp_path: Path) -> None:
    """Corpora that match their manifest but hold no news article (an empty
    Eastmoney, 新闻联播 and THUCNews test file) were a traceback in benchmark
    and train (``empty range for randrange()``, exit 1)."""
    from detector.training.corpora import FILES

    corpora_root = _tiny_corpora(tmp_path / "corpora")
    training_data = _training_data_for(corpora_root, tmp_path / "training_data")
    args = ["--corpora", str(corpora_root), "--training-data", str(training_data)]
    output = tmp_path / "dev.jsonl"
    model = tmp_path / "m"
    for command in (
        ["benchmark", *args, "-o", str(output)],
        ["train", *args, "--output", str(model)],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.splitlines()[-1].startswith(
            f"detector: error: {corpora_root}: no news to build the dev benchmark on: "
        ), result.stderr
    assert not output.exists()
    # With a dev host, training itself needs 新闻联播 stories of the training period.
    article = {"path": "a", "title": "t", "text": "证监会召开新闻发布会。市场运行平稳。"}
    (corpora_root / FILES["eastmoney"]).write_text(json.dumps(article, ensure_ascii=False) + "\n")
    _training_data_for(corpora_root, training_data, manifest_only=True)
    result = CliRunner().invoke(main, ["train", *args, "--output", str(model)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(
        f"detector: error: {corpora_root}: too little news to train on: {FILES['xwlb']} holds 0 "
    ), result.stderr
    assert not (tmp_path / "m" / "model.json").exists()

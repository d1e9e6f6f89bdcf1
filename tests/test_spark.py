"""The Spark adapter on local mode: the same verdicts as ``detector scan --format jsonl``.

Skipped without pyspark/pandas/pyarrow (``pip install -e '.[spark]'``) or without Java.
One local[2] session serves the whole module; starting Spark dominates its run time.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("pyspark")
pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

from pyspark.sql import DataFrame, SparkSession

from detector.clean import remove_spans
from detector.cli import main as detector_main
from detector.core import Detector
from detector.integrations import spark as detector_spark
from detector.integrations.spark import (
    FINDINGS_COL,
    FINDINGS_TYPE,
    IS_SPAM_COL,
    SCORE_COL,
    clean_dataframe,
    scan_dataframe,
)
from detector.model import ModelError
from detector.results import Finding

DOCUMENTS: list[dict[str, Any]] = [
    {"id": "margin", "text": "会议强调要深化产融合作,各地加快推进王磊在线配资平台重大项目建设。"},
    {"id": "gambling", "text": "文旅市场持续升温。金沙体育(中国)官方网站\n全国夏粮实现丰收。"},
    {"id": "contact", "text": "专家表示消费市场持续回暖,加微信abc12345领取福利"},
    {"id": "two", "text": "铁路部门增开临时旅客列车代开各类正规发票。"
                          "科研团队无抵押贷款当天放款在量子通信领域取得突破。"},
    {"id": "evasive", "text": "全国夏粮实现丰收,楊方線上配資股票。气象台发布暴雨蓝色预警。"},
    {"id": "zero-width", "text": "文旅市场持续升温杨\u200b方线上配资股票。"},
    {"id": "clean", "text": "证监会依法查处场外配资违法违规行为。银行调配资金支持小微企业发展。"},
    {"id": "seo", "text": "股票配资平台哪家好。选择正规股票配资平台很重要。股票配资杠杆要适度。"
                          * 2},
    {"id": "long", "text": "农业农村部部署秋粮收获工作。" * 40 + "访问www.xyz888.com注册就送。"},
    {"id": "empty", "text": ""},
    {"id": "blank", "text": " \n\t "},
    {"id": "null", "text": None},
]  # fmt: skip


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    previous = os.environ.get("PYSPARK_PYTHON")
    # Workers must run this interpreter, where detector and pandas are installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("detector-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        # Short jobs on a small machine: the C1 compiler and serial GC start faster.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if previous is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = previous


@pytest.fixture(scope="module")
def documents_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark-input") / "documents.jsonl"
    lines = [json.dumps(doc, ensure_ascii=False) for doc in DOCUMENTS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def documents_df(spark: SparkSession, documents_jsonl: Path) -> DataFrame:
    # Three partitions so that both local workers score batches.
    return spark.read.json(str(documents_jsonl)).repartition(3)


def by_id(df: DataFrame) -> dict[str, Any]:
    return {row["id"]: row for row in df.collect()}


def test_scan_dataframe_matches_cli_jsonl_row_for_row(
    documents_df: DataFrame, documents_jsonl: Path, tiny_model_dir: Path, tiny_detector: Detector
) -> None:
    cli = CliRunner().invoke(
        detector_main, ["scan", "--model", str(tiny_model_dir), "--format", "jsonl",
                        str(documents_jsonl)],
    )  # fmt: skip
    assert cli.exit_code == 1, cli.output
    expected = {record["id"]: record for record in map(json.loads, cli.stdout.splitlines())}
    rows = by_id(scan_dataframe(documents_df, model=tiny_model_dir))
    assert set(rows) == set(expected) == {doc["id"] for doc in DOCUMENTS}
    texts = {doc["id"]: doc["text"] for doc in DOCUMENTS}
    for doc_id, record in expected.items():
        row = rows[doc_id]
        assert row[IS_SPAM_COL] == record["is_spam"], doc_id
        # The CLI rounds scores to 4 decimals; the DataFrame keeps full precision.
        assert abs(round(row[SCORE_COL], 4) - record["score"]) <= 1e-9, doc_id
        got = [(f.start, f.end, f.text, f.category) for f in row[FINDINGS_COL]]
        want = [(f["start"], f["end"], f["text"], f["category"]) for f in record["findings"]]
        assert got == want, doc_id
        for finding, cli_finding in zip(row[FINDINGS_COL], record["findings"], strict=True):
            assert abs(round(finding.score, 4) - cli_finding["score"]) <= 1e-9, doc_id
            assert texts[doc_id][finding.start : finding.end] == finding.text
        if texts[doc_id] is not None:
            verdict = tiny_detector.scan(texts[doc_id])
            assert abs(row[SCORE_COL] - verdict.score) <= 1e-9, doc_id
            pairs = zip(row[FINDINGS_COL], verdict.findings, strict=True)
            assert all(abs(got.score - want.score) <= 1e-9 for got, want in pairs), doc_id
    flagged = {doc_id for doc_id, row in rows.items() if row[FINDINGS_COL]}
    assert {"margin", "gambling", "contact", "two", "seo"} <= flagged
    assert not {"clean", "empty", "blank", "null"} & flagged


def test_schema_and_nulls(documents_df: DataFrame, tiny_model_dir: Path) -> None:
    result = scan_dataframe(documents_df, model=str(tiny_model_dir))
    types = {field.name: field.dataType.simpleString() for field in result.schema.fields}
    assert types[IS_SPAM_COL] == "boolean"
    assert types[SCORE_COL] == "double"
    assert types[FINDINGS_COL] == FINDINGS_TYPE
    assert result.columns[: len(documents_df.columns)] == documents_df.columns
    rows = by_id(result)
    for doc_id in ("null", "empty", "blank"):
        assert rows[doc_id][IS_SPAM_COL] is False
        assert rows[doc_id][SCORE_COL] == 0.0
        assert rows[doc_id][FINDINGS_COL] == []
    assert rows["null"]["text"] is None


def test_batches_of_only_nulls(spark: SparkSession, tiny_model_dir: Path) -> None:
    nulls = spark.createDataFrame([(None,), (None,)], "text string")
    scanned = scan_dataframe(nulls, model=tiny_model_dir).collect()
    assert [(r[IS_SPAM_COL], r[SCORE_COL], r[FINDINGS_COL]) for r in scanned] == [
        (False, 0.0, []),
        (False, 0.0, []),
    ]
    assert [r["text_clean"] for r in clean_dataframe(nulls, model=tiny_model_dir).collect()] == [
        None,
        None,
    ]


def test_threshold_is_passed_to_the_executors(
    documents_df: DataFrame, tiny_model_dir: Path
) -> None:
    strict = Detector.from_path(tiny_model_dir, threshold=0.9)
    rows = by_id(scan_dataframe(documents_df, threshold=0.9, model=tiny_model_dir))
    for doc in DOCUMENTS:
        if doc["text"] is not None:
            want = [(f.start, f.end) for f in strict.scan(doc["text"]).findings]
            assert [(f.start, f.end) for f in rows[doc["id"]][FINDINGS_COL]] == want


def test_clean_dataframe_removes_exactly_the_findings(
    documents_df: DataFrame, tiny_model_dir: Path, tiny_detector: Detector
) -> None:
    rows = by_id(clean_dataframe(documents_df, model=tiny_model_dir))
    for doc in DOCUMENTS:
        text = doc["text"]
        cleaned = rows[doc["id"]]["text_clean"]
        if text is None:
            assert cleaned is None
        else:
            verdict = tiny_detector.scan(text)
            assert cleaned == (remove_spans(text, verdict.findings) if verdict.is_spam else text)
    assert "王磊在线配资平台" not in rows["margin"]["text_clean"]
    assert rows["clean"]["text_clean"] == rows["clean"]["text"]
    named = clean_dataframe(documents_df, output_col="body", model=tiny_model_dir)
    assert named.columns == [*documents_df.columns, "body"]


def test_clean_dataframe_leaves_a_text_that_is_flagged_but_not_blocked(
    spark: SparkSession, tiny_model_dir: Path
) -> None:
    """Spans under the block threshold are for review, not removal (as
    ``detector clean`` does); a blocked text loses all its findings."""
    review = "专家表示消费市场持续回暖登录入口"  # one finding of ~0.48 at --threshold 0.2
    blocked = "全国夏粮实现丰收配资平台"
    df = spark.createDataFrame([("r", review), ("b", blocked)], ["id", "text"])
    scanned = by_id(scan_dataframe(df, model=tiny_model_dir, threshold=0.2))
    assert scanned["r"][FINDINGS_COL] and not scanned["r"][IS_SPAM_COL]
    rows = by_id(clean_dataframe(df, model=tiny_model_dir, threshold=0.2))
    assert rows["r"]["text_clean"] == review
    assert rows["b"]["text_clean"] == "全国夏粮实现丰收"


def test_allow_and_ignore_categories_reach_the_executors(
    documents_df: DataFrame, tiny_model_dir: Path
) -> None:
    """As for check_item: an allowed phrase is cut out of the findings, and the
    findings of an ignored category neither report, block nor clean."""
    plain = by_id(scan_dataframe(documents_df, model=tiny_model_dir))
    assert [f.category for f in plain["contact"][FINDINGS_COL]] == ["contact"]
    assert plain["margin"][IS_SPAM_COL] and plain["gambling"][IS_SPAM_COL]
    rows = by_id(
        scan_dataframe(
            documents_df,
            model=tiny_model_dir,
            allow=["王磊在线配资平台"],
            ignore_categories=("contact", "hidden-text"),
        )
    )
    assert rows["contact"][FINDINGS_COL] == [] and not rows["contact"][IS_SPAM_COL]
    assert rows["margin"][FINDINGS_COL] == [] and rows["margin"][SCORE_COL] == 0.0
    assert rows["gambling"][FINDINGS_COL] == plain["gambling"][FINDINGS_COL]
    cleaned = by_id(
        clean_dataframe(documents_df, model=tiny_model_dir, ignore_categories="contact")
    )
    assert cleaned["contact"]["text_clean"] == cleaned["contact"]["text"]
    assert "金沙体育" not in cleaned["gambling"]["text_clean"]
    barred = by_id(
        scan_dataframe(documents_df, model=tiny_model_dir, category_thresholds={"contact": 1.0})
    )
    assert barred["contact"][FINDINGS_COL] == [] and barred["margin"][FINDINGS_COL]
    with pytest.raises(ValueError, match="unknown category 'contacts'"):
        scan_dataframe(documents_df, model=tiny_model_dir, ignore_categories=["contacts"])
    with pytest.raises(ValueError, match="threshold of 'contact' must be a number"):
        clean_dataframe(documents_df, model=tiny_model_dir, category_thresholds={"contact": -1})
    with pytest.raises(TypeError, match="allow must be"):
        scan_dataframe(documents_df, model=tiny_model_dir, allow=[3])  # type: ignore[list-item]


def test_model_is_cached_per_process_by_path_and_threshold(tiny_model_dir: Path) -> None:
    path = str(tiny_model_dir)
    first = detector_spark._cached_detector(path, None)
    assert detector_spark._cached_detector(path, None) is first
    other = detector_spark._cached_detector(path, 0.9)
    assert other is not first and other.threshold == 0.9


def test_one_model_scanned_at_several_thresholds_is_loaded_once(tiny_model_dir: Path) -> None:
    # A worker held a whole copy of the model per threshold it was asked for
    # (~43 MB each for the packaged one), for as long as it lived.
    path = str(tiny_model_dir)
    detectors = [detector_spark._cached_detector(path, t) for t in (None, 0.3, 0.9, "block")]
    assert [d.threshold for d in detectors[1:3]] == [0.3, 0.9]
    assert all(d.model is detectors[0].model for d in detectors)


def test_a_model_rewritten_on_disk_is_read_again(tiny_model_dir: Path, tmp_path: Path) -> None:
    # A reused worker kept scanning with the model it had first read, whatever
    # was saved there since (the hook and Scrapy read a retrained model again).
    model = shutil.copytree(tiny_model_dir, tmp_path / "model")
    before = detector_spark._cached_detector(str(model), None)
    card = json.loads((model / "model.json").read_text(encoding="utf-8"))
    card["thresholds"]["review"] = 0.123
    (model / "new.json").write_text(json.dumps(card), encoding="utf-8")
    os.replace(model / "new.json", model / "model.json")
    after = detector_spark._cached_detector(str(model), None)
    assert before.threshold != 0.123 and after.threshold == 0.123


def test_bad_arguments_fail_on_the_driver(
    documents_df: DataFrame, tiny_model_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="no column 'body'"):
        scan_dataframe(documents_df, text_col="body", model=tiny_model_dir)
    with pytest.raises(TypeError, match="must be a string"):
        scan_dataframe(documents_df.selectExpr("length(text) AS text"), model=tiny_model_dir)
    with pytest.raises(ValueError, match="threshold"):
        clean_dataframe(documents_df, threshold=1.5, model=tiny_model_dir)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="SHA-256"):
        scan_dataframe(documents_df, model=broken)


def test_a_model_path_that_does_not_exist_fails_on_the_driver_of_a_local_master(
    documents_df: DataFrame, tmp_path: Path
) -> None:
    """A local master's workers share the driver's files and working directory,
    so a missing path cannot be there for them (an archive only executors
    have): it was sent to the tasks, and the first action failed in a worker
    with a Java stack trace (the batch job: exit 1, not 2)."""
    with pytest.raises(ModelError, match="model card not found"):
        scan_dataframe(documents_df, model=tmp_path / "missing")
    with pytest.raises(ModelError, match="model card not found"):
        clean_dataframe(documents_df, model="missing-model")


def test_batch_job_reports_a_model_the_executors_cannot_read_with_exit_2(
    spark: SparkSession,
    documents_jsonl: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A path the driver cannot see is left to the executors (``--archives`` on
    a cluster, simulated here); when they cannot read it either, the job died
    with the worker's traceback and exit 1, where README promises exit 2."""
    monkeypatch.setattr(detector_spark, "_runs_locally", lambda df: False)
    result = CliRunner().invoke(
        detector_spark.main,
        ["--input", str(documents_jsonl), "--output", str(tmp_path / "out"),
         "--model", str(tmp_path / "missing")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"detector: error: {tmp_path / 'missing'}: model card not found"
    ]


def test_batch_job_writes_parquet_and_jsonl(
    spark: SparkSession, documents_jsonl: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    common = ["--input", str(documents_jsonl), "--model", str(tiny_model_dir)]
    parquet = tmp_path / "parquet"
    result = runner.invoke(
        detector_spark.main, [*common, "--output", str(parquet), "--clean-col", "text_clean"]
    )
    assert result.exit_code == 0, result.output
    written = spark.read.parquet(str(parquet))
    assert set(written.columns) == {"id", "text", IS_SPAM_COL, SCORE_COL, FINDINGS_COL,
                                    "text_clean"}  # fmt: skip
    expected = by_id(scan_dataframe(spark.read.json(str(documents_jsonl)), model=tiny_model_dir))
    rows = by_id(written)
    texts = {doc["id"]: doc["text"] for doc in DOCUMENTS}
    for doc_id, row in expected.items():
        assert rows[doc_id][FINDINGS_COL] == row[FINDINGS_COL]
        assert rows[doc_id][SCORE_COL] == row[SCORE_COL]
        if texts[doc_id] is None:
            assert rows[doc_id]["text_clean"] is None
        else:
            spans = [Finding(**f.asDict()) for f in row[FINDINGS_COL]]
            assert rows[doc_id]["text_clean"] == remove_spans(texts[doc_id], spans)

    jsonl = tmp_path / "jsonl"
    result = runner.invoke(detector_spark.main, [*common, "--output", str(jsonl), "--format",
                                                 "jsonl"])  # fmt: skip
    assert result.exit_code == 0, result.output
    records = [
        json.loads(line)
        for part in sorted(jsonl.glob("part-*.json"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    assert {r["id"] for r in records} == {doc["id"] for doc in DOCUMENTS}
    null = next(r for r in records if r["id"] == "null")
    assert null["text"] is None and null[FINDINGS_COL] == [] and null[IS_SPAM_COL] is False

    ignoring = tmp_path / "ignoring"
    result = runner.invoke(
        detector_spark.main,
        [*common, "--output", str(ignoring), "--ignore-category", "contact",
         "--allow", "王磊在线配资平台", "--category-threshold", "fake-invoice=off"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ignored = by_id(spark.read.parquet(str(ignoring)))
    assert ignored["contact"][FINDINGS_COL] == [] and ignored["margin"][FINDINGS_COL] == []
    assert "fake-invoice" not in [f.category for f in ignored["two"][FINDINGS_COL]]
    assert "fake-invoice" in [f.category for f in rows["two"][FINDINGS_COL]]
    assert ignored["gambling"][FINDINGS_COL] == rows["gambling"][FINDINGS_COL]
    wrong = runner.invoke(
        detector_spark.main, [*common, "--output", str(tmp_path / "y"), "--ignore-category", "x"]
    )
    assert wrong.exit_code == 2 and "'x' is not one of" in wrong.output

    again = runner.invoke(detector_spark.main, [*common, "--output", str(jsonl)])
    assert again.exit_code == 2  # exists, no --overwrite
    missing = runner.invoke(
        detector_spark.main, [*common, "--output", str(tmp_path / "x"), "--text-col", "body"]
    )
    assert missing.exit_code == 2
    assert "no column 'body'" in missing.output


@pytest.mark.filterwarnings("ignore:.*found in sys.modules:RuntimeWarning")
def test_module_entry_point_runs_the_job(
    spark: SparkSession,
    documents_jsonl: Path,
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `python -m detector.integrations.spark` and `spark-submit .../spark.py` run the
    # file as __main__, whose functions the workers could not unpickle.
    output = tmp_path / "out"
    argv = ["spark", "--input", str(documents_jsonl), "--output", str(output),
            "--model", str(tiny_model_dir)]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("detector.integrations.spark", run_name="__main__")
    assert exit_info.value.code == 0
    assert spark.read.parquet(str(output)).where(IS_SPAM_COL).count() >= 5


def test_a_column_name_with_a_dot_is_one_column(spark: SparkSession, tiny_model_dir: Path) -> None:
    """``text_col="content.zh"`` (a JSON key with a dot) passed the column check,
    then failed with UNRESOLVED_COLUMN: Spark read the name as struct access."""
    text = DOCUMENTS[0]["text"]
    df = spark.createDataFrame([("a", text), ("b", None)], "id string, `content.zh` string")
    rows = by_id(scan_dataframe(df, text_col="content.zh", model=tiny_model_dir))
    assert [f.text for f in rows["a"][FINDINGS_COL]] == ["王磊在线配资平台"]
    assert rows["b"][FINDINGS_COL] == []
    odd = df.withColumnRenamed("content.zh", "a`b")
    cleaned = by_id(clean_dataframe(odd, text_col="a`b", model=tiny_model_dir))
    assert "王磊在线配资平台" not in cleaned["a"]["a`b_clean"]


def test_executors_get_the_model_path_as_given(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spark-submit --archives model.tgz#model ... --model model`` from a directory
    that also holds ``model/`` (or in cluster mode, where the driver's container
    has the archive too): the driver checked ./model and sent its absolute path,
    which no executor has; each executor's ./model was never read."""
    shutil.copytree(tiny_model_dir, tmp_path / "model")
    monkeypatch.chdir(tmp_path)
    assert detector_spark._model_location("model", None) == "model"
    assert detector_spark._model_location(Path("model"), 0.9) == "model"
    shutil.copytree(tiny_model_dir, tmp_path / "broken")
    (tmp_path / "broken" / "model.npz").write_bytes(b"corrupt")
    with pytest.raises(ModelError):  # still checked on the driver first
        detector_spark._model_location("broken", 0.5)


def _refused_overwrite(model: Path, inputs: list[str], output: str, what: str) -> None:
    """Run the job with ``--overwrite`` and check it refuses, naming ``what`` the
    output holds, before anything is written."""
    args = [arg for path in inputs for arg in ("--input", path)]
    result = CliRunner().invoke(
        detector_spark.main,
        [*args, "--input-format", "jsonl", "--output", output, "--format", "jsonl",
         "--overwrite", "--model", str(model)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"detector: error: the output {output} holds {what}:"
        " --overwrite would delete it before it is read (write the output elsewhere)"
    ]


@pytest.mark.parametrize("named", ["directory", "file"])
def test_overwrite_refuses_an_output_that_holds_an_input(
    spark: SparkSession, tiny_model_dir: Path, tmp_path: Path, named: str
) -> None:
    """``--input crawl/ --output crawl/ --overwrite`` (or ``--input
    crawl/items.jsonl``): Spark emptied the output directory before the job read
    its input from it, so the job failed with a Java traceback and the crawl
    was gone.  An output that is an input, or holds one, is refused with
    ``--overwrite`` before anything is written, and the input is left."""
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    source = crawl / "items.jsonl"
    original = "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in DOCUMENTS[:3])
    source.write_text(original, encoding="utf-8")
    given = str(crawl) if named == "directory" else str(source)
    _refused_overwrite(tiny_model_dir, [given], f"{crawl}/", f"the input {given}")
    assert source.read_text(encoding="utf-8") == original


@pytest.mark.parametrize(
    "pattern",
    ["c*", "crawl-?ut", "[bc]rawl-out", "[!a]rawl-*", "{other,crawl-out}", "*/part-*", "c*/"],
)
def test_overwrite_refuses_an_input_glob_that_matches_the_output(
    spark: SparkSession, tiny_model_dir: Path, tmp_path: Path, pattern: str
) -> None:
    """``--input 'sp/c*' --output sp/crawl-out --overwrite``: the glob also
    matched the previous output, so Spark read it as input and then emptied it
    (the exact-path check let a glob through).  A glob that matches the output,
    or a path inside it, is refused like an output that is an input."""
    sp = tmp_path / "sp"
    (sp / "crawl-out").mkdir(parents=True)
    (sp / "crawl-1.jsonl").write_text(json.dumps(DOCUMENTS[0]) + "\n", encoding="utf-8")
    previous = sp / "crawl-out" / "part-00000.json"
    previous.write_text(json.dumps(DOCUMENTS[1]) + "\n", encoding="utf-8")
    given = f"{sp}/{pattern}"
    _refused_overwrite(tiny_model_dir, [given], f"{sp}/crawl-out", f"the input {given}")
    assert previous.read_text(encoding="utf-8") == json.dumps(DOCUMENTS[1]) + "\n"


@pytest.mark.parametrize("pattern", ["a*", "crawl-?", "[!c]*", "{other,crawl-1.jsonl}", "*.jsonl"])
def test_overwrite_accepts_an_input_glob_that_misses_the_output(
    spark: SparkSession, tmp_path: Path, pattern: str
) -> None:
    detector_spark._check_output_holds_no_input(
        spark, [f"{tmp_path}/sp/{pattern}"], f"{tmp_path}/sp/crawl-out"
    )


def _previous_output_under(sp: Path, out: Path) -> tuple[Path, str]:
    """``sp/a.jsonl`` (the crawl) and ``out/part-0.json`` (a previous output)."""
    out.mkdir(parents=True, exist_ok=True)
    (sp / "a.jsonl").write_text(json.dumps(DOCUMENTS[0], ensure_ascii=False) + "\n", "utf-8")
    previous = out / "part-0.json"
    old = json.dumps({"id": "old", "text": DOCUMENTS[2]["text"]}, ensure_ascii=False) + "\n"
    previous.write_text(old, encoding="utf-8")
    return previous, old


@pytest.mark.parametrize("layout", ["partition", "symlink"])
def test_overwrite_refuses_an_output_that_holds_a_file_the_input_lists(
    spark: SparkSession, tiny_model_dir: Path, tmp_path: Path, layout: str
) -> None:
    """An input that contains the output: ``--input crawl/ --output
    crawl/day=2`` beside ``crawl/day=1/`` (Spark's partition discovery reads
    ``day=2/`` as input), or a glob ``sp/l*`` matching ``sp/link`` -> the
    output.  Spark listed the previous output's files as input, the overwrite
    deleted them, and the job died (exit 1, FILE_NOT_EXIST) with the previous
    output gone.  The files Spark lists are checked against the output."""
    sp = tmp_path / "sp"
    if layout == "partition":
        (sp / "day=1").mkdir(parents=True)
        out = sp / "day=2"
        previous, old = _previous_output_under(sp / "day=1", out)
        inputs = [f"{sp}/"]
    else:
        sp.mkdir()
        out = tmp_path / "out"
        previous, old = _previous_output_under(sp, out)
        (sp / "link").symlink_to(out)
        inputs = [f"{sp}/l*", str(sp / "a.jsonl")]
    listed = out / "part-0.json" if layout == "partition" else sp / "link" / "part-0.json"
    _refused_overwrite(tiny_model_dir, inputs, str(out), f"the input file {listed}")
    assert previous.read_text(encoding="utf-8") == old


def test_overwrite_into_a_plain_subdirectory_of_the_input_reads_only_the_input(
    spark: SparkSession, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``--input sp/ --output sp/out --overwrite`` with a previous output in
    ``sp/out/``: harmless, and allowed.  Spark reads only the files directly in
    ``sp/`` (``out`` is no ``key=value`` partition directory), so the previous
    output is neither read nor double-counted, and the new output replaces it."""
    sp = tmp_path / "sp"
    sp.mkdir()
    _previous_output_under(sp, sp / "out")
    args = ["--input", f"{sp}/", "--input-format", "jsonl", "--output", str(sp / "out"),
            "--format", "jsonl", "--overwrite", "--model", str(tiny_model_dir)]  # fmt: skip
    for _ in range(2):  # the second run reads the first one's output as little
        result = CliRunner().invoke(detector_spark.main, args)
        assert result.exit_code == 0, result.output
        ids = [
            json.loads(line)["id"]
            for part in sorted((sp / "out").glob("part-*"))
            for line in part.read_text(encoding="utf-8").splitlines()
        ]
        assert ids == [DOCUMENTS[0]["id"]]
    assert (sp / "a.jsonl").read_text(encoding="utf-8") == json.dumps(
        DOCUMENTS[0], ensure_ascii=False
    ) + "\n"


def test_an_arrow_batch_is_scanned_in_one_call(
    tiny_model_dir: Path, scan_batches: list[int]
) -> None:
    """``_scan_series`` (one Arrow batch, on an executor) scans its texts with one
    ``scan_many`` call and gives what scanning each text alone gives."""
    import pandas as pd

    from detector.scanning import scan_field

    detector = detector_spark._cached_detector(str(tiny_model_dir), None)
    ad = "今年以来全市工业增加值同比增长百分之六，各地加快推进杨方线上配资股票重大项目建设。"
    texts = [ad, "农业农村部部署秋粮收获工作。", None, f"<p>{ad}</p>", ad]
    frame = detector_spark._scan_series(pd.Series(texts), str(tiny_model_dir), None, True, True)
    assert scan_batches == [3]  # the distinct strings, at once
    for row, text in zip(frame.itertuples(), texts, strict=True):
        if text is None:
            assert (row.is_spam, row.score, row.findings, row.clean) == (False, 0.0, [], None)
            continue
        verdict, cuts = scan_field(detector, text)
        assert (row.is_spam, row.score) == (verdict.is_spam, verdict.score)
        assert len(row.findings) == len(verdict.findings)
        assert row.clean == (remove_spans(text, cuts) if verdict.is_spam else text)
    assert frame["is_spam"].tolist() == [True, False, False, True, True]

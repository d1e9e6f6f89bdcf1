"""The CLI contract: exact output lines, JSONL schema, exit codes, batch errors."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from detector.cli import main

INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"
CLEAN = "农业农村部部署秋粮收获工作。\n气象台发布暴雨蓝色预警。\n"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def articles(tmp_path: Path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "injected.txt").write_text(INJECTED, encoding="utf-8")
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def scan(runner: CliRunner, model: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["scan", "--model", str(model), *args], input=stdin)


def test_text_format_is_linter_style(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    path = articles / "a" / "injected.txt"
    result = scan(runner, tiny_model_dir, str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    prefix = f"{path}:2:"
    assert lines[0].startswith(prefix)
    column = int(lines[0][len(prefix) :].split(":")[0])
    finding = json.loads(scan(runner, tiny_model_dir, "--format", "jsonl", str(path)).stdout)
    start = finding["findings"][0]["start"]
    assert column == start - INJECTED.index("\n") - 1 + 1
    text = finding["findings"][0]["text"]
    score = finding["findings"][0]["score"]
    assert lines[0] == f'{prefix}{column}: stock-margin {score:.2f} "{text}"'


def test_clean_file_exits_zero_with_no_output(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    result = scan(runner, tiny_model_dir, str(articles / "clean.txt"))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_directories_are_walked_files_first_then_subdirectories(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    result = scan(runner, tiny_model_dir, "--format", "jsonl", str(articles))
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == ["clean.txt", "injected.txt"]
    clean, injected = records
    assert set(injected) == {"path", "is_spam", "score", "findings"}
    assert clean == {"path": str(articles / "clean.txt"), "is_spam": False, "score": 0.0,
                     "findings": []}  # fmt: skip
    for finding in injected["findings"]:
        assert set(finding) == {"start", "end", "text", "score", "category"}
        assert INJECTED[finding["start"] : finding["end"]] == finding["text"]


def test_stdin_is_read_without_paths_and_with_dash(runner: CliRunner, tiny_model_dir: Path) -> None:
    for args in ([], ["-"]):
        result = scan(runner, tiny_model_dir, "--format", "jsonl", *args, stdin=INJECTED)
        assert result.exit_code == 1
        assert json.loads(result.stdout)["path"] == "<stdin>"


def test_jsonl_records_name_their_line_id_and_field(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "items.jsonl"
    rows = [
        {"id": "a1", "title": "气象台发布暴雨蓝色预警", "content": INJECTED},
        {"title": "学校开展消防安全演练活动", "content": CLEAN},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    result = scan(
        runner, tiny_model_dir, "--format", "jsonl", "--text-field", "title",
        "--text-field", "content", str(path),
    )  # fmt: skip
    assert result.exit_code == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["line"], first["id"], second["line"], second["id"]) == (1, "a1", 2, None)
    assert first["findings"] and all(f["field"] == "content" for f in first["findings"])
    for finding in first["findings"]:
        assert INJECTED[finding["start"] : finding["end"]] == finding["text"]
    assert second["findings"] == [] and second["is_spam"] is False


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_id_field_names_the_field_that_identifies_a_record(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, jobs: str
) -> None:
    # A crawl keys its records by url, not id: the output and the baseline use it.
    path = tmp_path / "crawl.jsonl"
    rows = [
        {"url": "https://news.example/a", "id": 7, "content": INJECTED},
        {"url": "https://news.example/b", "content": CLEAN},
        {"content": INJECTED},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = scan(
        runner, tiny_model_dir, "--format", "jsonl", "--text-field", "content",
        "--id-field", "url", "--jobs", jobs, str(path),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["https://news.example/a", "https://news.example/b", None]
    baseline = tmp_path / "baseline.json"
    result = scan(
        runner, tiny_model_dir, "--text-field", "content", "--id-field", "url",
        "--baseline", str(baseline), "--update-baseline", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = json.loads(baseline.read_text("utf-8"))["findings"]
    assert {entry.get("id") for entry in entries} == {"https://news.example/a", None}
    # The default is still the record's `id`.
    result = scan(runner, tiny_model_dir, "--format", "jsonl", "--text-field", "content", str(path))
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [7, None, None]


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_an_id_json_cannot_print_is_printed_as_its_text(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    # Python's parser takes NaN and Infinity; printed back as they were, the
    # JSONL, JSON, SARIF output and the baseline were not JSON.
    path = tmp_path / "items.jsonl"
    ids = ["NaN", "-Infinity", '{"k": [Infinity, "x"]}']
    path.write_text(
        "".join(
            f'{{"id": {i}, "text": {json.dumps(INJECTED, ensure_ascii=False)}}}\n' for i in ids
        ),
        "utf-8",
    )
    result = scan(runner, tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1
    got = [_strict_json(line)["id"] for line in result.stdout.splitlines()]
    assert got == ["NaN", "-Infinity", {"k": ["Infinity", "x"]}]
    for output in ("json", "sarif"):
        _strict_json(scan(runner, tiny_model_dir, "--format", output, str(path)).stdout)
    baseline = tmp_path / "baseline.json"
    result = scan(
        runner, tiny_model_dir, "--baseline", str(baseline), "--update-baseline", str(path)
    )
    assert result.exit_code == 0, result.output
    entries = _strict_json(baseline.read_text("utf-8"))["findings"]
    assert {json.dumps(e["id"]) for e in entries} == {json.dumps(i) for i in got}


def test_a_record_without_the_text_field_names_the_fields_it_has(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "crawl.jsonl"
    rows = [
        {"url": "https://news.example/a", "title": "标题", "content": INJECTED, "n": 3},
        {"n": 3, "tags": [1, 2]},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = scan(runner, tiny_model_dir, str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"detector: error: {path}:1: record has none of the text fields 'text'; it has "
        "'url', 'title', 'content': name the ones to scan with --text-field",
        f"detector: error: {path}:2: record has none of the text fields 'text'",
    ]


# Escapes before the ad: a quote, a line break, a CJK character, an emoji as a
# surrogate pair (one character), a lone surrogate (read as U+FFFD, one character).
ESCAPED_RECORD = (
    '{"id": 2, "text": "他说\\"好\\"\\n\\u4e2d文\\ud83d\\ude00\\ud800前言。'
    '强化服务杨方线上配资股票,推动循环"}'
)


def test_a_jsonl_finding_is_located_in_the_line_as_written(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    # The column counted from the start of the decoded field (here 18), not the line.
    path = tmp_path / "items.jsonl"
    path.write_text(
        '{"id": 1, "text": "学校开展消防安全演练活动"}\n' + ESCAPED_RECORD + "\n", "utf-8"
    )
    result = scan(runner, tiny_model_dir, str(path))
    assert result.exit_code == 1, result.stderr
    (output,) = result.stdout.splitlines()
    prefix = f"{path}:2:"
    assert output.startswith(prefix) and output.endswith(" [text]")
    column = int(output[len(prefix) :].split(":")[0])
    records = scan(runner, tiny_model_dir, "--format", "jsonl", str(path)).stdout.splitlines()
    (finding,) = json.loads(records[1])["findings"]
    assert ESCAPED_RECORD[column - 1 :].startswith(finding["text"])
    assert column == ESCAPED_RECORD.index("杨方") + 1
    text = json.loads(ESCAPED_RECORD)["text"]
    assert text[finding["start"] : finding["end"]] == finding["text"]  # offsets: the value's
    assert text.index("杨方") == finding["start"] == 17


def test_bad_inputs_are_reported_and_the_batch_goes_on(
    runner: CliRunner, tiny_model_dir: Path, articles: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "学校开展消防安全演练活动"}\n{not json\n"a string"\n', "utf-8")
    missing = tmp_path / "missing.txt"
    result = scan(
        runner, tiny_model_dir, "--format", "jsonl", str(missing), str(broken),
        str(articles / "a" / "injected.txt"),
    )  # fmt: skip
    assert result.exit_code == 2
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == ["broken.jsonl", "injected.txt"]
    assert f"detector: error: {missing}: no such file or directory" in result.stderr
    assert f"detector: error: {broken}:2: invalid JSON" in result.stderr
    assert f"detector: error: {broken}:3: a JSONL record must be an object" in result.stderr


def test_binary_files_are_skipped_with_a_notice(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    result = scan(runner, tiny_model_dir, str(tmp_path / "blob.bin"))
    assert result.exit_code == 0
    assert "binary file skipped" in result.stderr


# A WARC record as a crawler writes it (no NUL anywhere: read as text it was
# scanned, its HTTP status line a finding, and clean cut its records apart).
WARC_RECORD = (
    "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://news.example/1\r\n"
    "Content-Type: application/http; msgtype=response\r\nContent-Length: 142\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<p>强化金融精准有效服务杨方线上配资股票,深化产融合作。</p>\r\n\r\n"
).encode()


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz", "page.html", "notes.txt"])
def test_web_archives_are_skipped_by_scan_explain_and_clean_whatever_their_name(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, name: str
) -> None:
    archive = tmp_path / name
    data = gzip.compress(WARC_RECORD) if name.endswith(".gz") else WARC_RECORD
    archive.write_bytes(data)
    skipped = (
        f"detector: {archive}: web archive skipped (read its pages with: python -m"
        " detector.integrations.warc FILE | detector scan --input-format jsonl -)\n"
    )
    model = ["--model", str(tiny_model_dir)]
    for command in (["scan"], ["explain"], ["clean", "--in-place"]):
        result = runner.invoke(main, [*command, *model, str(archive)])
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", skipped), command
    assert archive.read_bytes() == data  # clean left it whole
    arc = tmp_path / "old.arc"
    arc.write_bytes(
        b"filedesc://old.arc 0.0.0.0 20240101000000 text/plain 76\n" + WARC_RECORD[200:]
    )
    assert "web archive skipped" in scan(runner, tiny_model_dir, str(arc)).stderr


def test_a_bad_model_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["scan", "--model", str(tmp_path), "-"], input="x")
    assert result.exit_code == 2
    assert result.stderr.startswith("detector: error: ")
    assert "model card not found" in result.stderr


def test_unknown_option_is_exit_two(runner: CliRunner) -> None:
    assert runner.invoke(main, ["scan", "--no-such-option"]).exit_code == 2


def test_train_passes_the_seed_and_output_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import detector.training.train as training

    calls: list[tuple[Path, int]] = []

    def fake_train(training_data, corpora, output, config, evaluate=None):  # type: ignore[no-untyped-def]
        calls.append((output, config.seed))

    monkeypatch.setattr(training, "train", fake_train)
    monkeypatch.setattr("detector.training.corpora.check_manifest", lambda *args: {})
    monkeypatch.setattr("detector.training.benchmark.build_dev_benchmark", lambda *args: [])
    out = tmp_path / "seed7"
    for args, seed in ((["--seed", "7"], 7), ([], training.TrainConfig().seed)):
        result = CliRunner().invoke(
            main, ["train", "--corpora", str(tmp_path), "--output", str(out), *args]
        )
        assert result.exit_code == 0, result.output
        assert calls.pop() == (out, seed)
    result = CliRunner().invoke(main, ["train", "--seed", "x", "--output", str(out)])
    assert result.exit_code == 2 and "seed" in result.output


def test_train_refuses_a_seed_the_solvers_cannot_take_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scikit-learn takes seeds 0..2**32-1 only: --seed -1 was accepted, and the
    run failed with a traceback (InvalidParameterError) at the first fit, after
    minutes of building examples."""
    import numpy as np
    from scipy import sparse

    import detector.training.train as training

    calls: list[int] = []
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: calls.append(1))
    for seed in ("-1", str(2**32)):
        result = CliRunner().invoke(
            main, ["train", "--corpora", str(tmp_path), "--output", str(tmp_path), "--seed", seed]
        )
        assert result.exit_code == 2 and "--seed" in result.stderr, result.output
    assert calls == []
    x, y = sparse.csr_matrix(np.eye(4)), np.array([0, 1, 0, 1])
    training._fit_binary(x, y, 1.0, 2**32 - 1)  # the largest seed accepted fits


def test_package_warnings_print_as_detector_warnings(tiny_model_dir: Path, articles: Path) -> None:
    """A warning of the package (here: an unknown DETECTOR_SEGMENTER) prints as one
    ``detector: warning:`` line on stderr, not as a Python source location; the
    scan goes on with the Python segmenter."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DETECTOR_SEGMENTER": "jeiba"}
    path = articles / "a" / "injected.txt"
    result = subprocess.run(
        [sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        "detector: warning: DETECTOR_SEGMENTER='jeiba' is not one of python, rjieba:"
        " using the Python segmenter"
    ]
    assert "杨方线上配资股票" in result.stdout


def test_control_characters_in_file_names_are_escaped(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A newline in a file name split the ``path:line:col:`` line in two."""
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "a\nb.txt").write_text(INJECTED, encoding="utf-8")
    (folder / "c\x1b[2J.txt").symlink_to(tmp_path / "nowhere")
    result = scan(runner, tiny_model_dir, str(folder))
    assert result.exit_code == 2
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{folder}/a\\nb.txt:2:")
    missing = f"{folder}/c\\x1b[2J.txt: cannot open (No such file or directory)"
    assert result.stderr == f"detector: error: {missing}\n"
    cleaned = runner.invoke(
        main, ["clean", "--model", str(tiny_model_dir), "--in-place", str(folder)]
    )
    assert cleaned.stderr.splitlines()[0].startswith(f"{folder}/a\\nb.txt:2:")
    assert f"detector: error: {folder}/c\\x1b[2J.txt: " in cleaned.stderr


def test_a_stdout_that_cannot_encode_a_character_loses_nothing(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """GBK has no emoji: printing the first finding holding one raised
    UnicodeEncodeError, and the rest of the batch was lost."""
    import os
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("加微信abc12345🔥领取福利\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(INJECTED, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    command = [sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir)]
    for output in ("text", "jsonl"):
        done = subprocess.run(
            [*command, "--format", output, str(tmp_path / "a.txt"), str(tmp_path / "b.txt")],
            capture_output=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr.decode("gbk", "replace")
        lines = done.stdout.decode("gbk").splitlines()
        assert len(lines) == 2 and "杨方线上配资股票" in lines[1]
        if output == "text":
            assert "\\U0001f525" in lines[0]
        else:
            assert "🔥" in json.loads(lines[0])["findings"][0]["text"]


def test_explain_reads_a_file_as_scan_reads_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """explain read every file as raw text: an HTML page's markup and script, a
    JSONL file's syntax, a binary file's bytes were explained as if they were
    news, so that explain and scan disagreed on the same file."""
    explain = ["explain", "--model", str(tiny_model_dir), "--top", "1"]
    ad = "强化服务杨方线上配资股票,推动循环"
    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"id": "a", "text": "农业农村部部署秋粮收获工作"}, ensure_ascii=False)
        + "\nnot json\n"
        + json.dumps({"id": "b", "text": ad}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, [*explain, str(items)])
    assert result.exit_code == 2  # findings, and an input error
    assert f"detector: error: {items}:2: invalid JSON" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"== {items}:3 [text]"
    start, end = (int(x) for x in lines[1].split()[0].split("-"))
    assert ad[start:end] == "杨方线上配资股票"  # offsets into the field, not the JSON line
    as_json = runner.invoke(main, [*explain, "--format", "json", str(items)])
    (record,) = json.loads(as_json.stdout)
    assert (record["path"], record["line"], record["id"], record["field"]) == (
        str(items),
        3,
        "b",
        "text",
    )
    page = tmp_path / "page.html"
    page.write_text(
        f"<html><head><script>var x = 1;</script></head><body><p>{ad}</p></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(main, [*explain, str(page)])
    assert result.exit_code == 1
    header, finding = result.stdout.splitlines()[:2]
    assert header == f"== {page} (the text of its HTML)"
    start, end = (int(x) for x in finding.split()[0].split("-"))
    assert ad[start:end] == "杨方线上配资股票"  # offsets into the page's text, not its markup
    binary = tmp_path / "video.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    result = runner.invoke(main, [*explain, str(binary)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"detector: {binary}: binary file skipped\n"


@pytest.mark.parametrize("command", ["scan", "clean"])
def test_reading_a_terminal_says_so(
    runner: CliRunner, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """``detector scan`` with no path waited on a terminal without a word."""
    hint = "detector: reading stdin (end with Ctrl-D; name files to scan them)\n"
    args = [command, "--model", str(tiny_model_dir)]
    monkeypatch.setattr("detector.cli._stdin_is_terminal", lambda: True)
    assert runner.invoke(main, args, input=CLEAN).stderr == hint
    assert runner.invoke(main, [*args, "-"], input=CLEAN).stderr == hint
    monkeypatch.setattr("detector.cli._stdin_is_terminal", lambda: False)
    assert runner.invoke(main, args, input=CLEAN).stderr == ""


def test_a_file_named_on_the_command_line_is_printed_as_given(
    runner: CliRunner, tiny_model_dir: Path, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``./a/injected.txt`` came out as ``a/injected.txt`` (and so did the SARIF
    URI, documented as the path as given), while walking ``.`` kept ``./``."""
    monkeypatch.chdir(articles)
    named = scan(runner, tiny_model_dir, "./a/injected.txt").stdout
    walked = scan(runner, tiny_model_dir, "./a").stdout
    assert named == walked and named.startswith("./a/injected.txt:2:")


def test_piped_json_records_read_as_text_get_a_notice(
    runner: CliRunner, tiny_model_dir: Path
) -> None:
    """Stdin has no suffix: piped JSONL was scanned as text, its spans holding
    JSON syntax, without a word."""
    notice = (
        "detector: <stdin>: looks like JSON records; scanned as text"
        " (use --input-format jsonl or json)\n"
    )
    record = json.dumps({"text": INJECTED}, ensure_ascii=False)
    for piped in (record + "\n", f"[\n  {record}\n]\n"):
        assert scan(runner, tiny_model_dir, stdin=piped).stderr == notice
        explicit = scan(runner, tiny_model_dir, "--input-format", "text", stdin=piped)
        assert explicit.stderr == ""
    for text in (INJECTED, "[今天] 天气晴。\n", "{注} 本文有删节。\n"):
        assert scan(runner, tiny_model_dir, stdin=text).stderr == ""
    as_jsonl = scan(runner, tiny_model_dir, "--input-format", "jsonl", stdin=record)
    assert as_jsonl.stderr == "" and as_jsonl.stdout.startswith("<stdin>:1:")


def test_threshold_takes_a_number_or_the_model_threshold_names(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    from detector.model import load_model

    block = load_model(tiny_model_dir).thresholds["block"]
    path = str(articles / "a" / "injected.txt")
    named = scan(runner, tiny_model_dir, "--threshold", "block", path)
    assert named.stdout == scan(runner, tiny_model_dir, "--threshold", str(block), path).stdout
    assert named.exit_code == 1 and named.stdout
    review = scan(runner, tiny_model_dir, "--threshold", "review", path)
    assert review.stdout == scan(runner, tiny_model_dir, path).stdout
    bad = scan(runner, tiny_model_dir, "--threshold", "strict", path)
    assert bad.exit_code == 2
    assert "'strict' is not a number from 0 to 1, review or block" in bad.stderr


def test_explain_dash_reads_stdin(runner: CliRunner, tiny_model_dir: Path) -> None:
    """``explain -`` explained the one-character text "-" and exited 0."""
    explain = ["explain", "--model", str(tiny_model_dir), "--top", "1"]
    piped = runner.invoke(main, [*explain, "-"], input=INJECTED)
    assert piped.exit_code == 1
    direct = runner.invoke(main, [*explain, INJECTED])
    # The same, but that stdin's finding is shown where scan points at it.
    at = " at " + scan(runner, tiny_model_dir, stdin=INJECTED).stdout.split(": ")[0]
    assert at == " at <stdin>:2:5"
    first, rest = piped.stdout.split("\n", 1)
    assert first.endswith(at)
    assert first.removesuffix(at) + "\n" + rest == direct.stdout
    assert "杨方线上配资股票" in piped.stdout


def test_explain_a_missing_file_is_an_error(runner: CliRunner, tiny_model_dir: Path) -> None:
    """It explained the eleven characters "missing.txt" and exited 0."""
    explain = ["explain", "--model", str(tiny_model_dir)]
    for target in ("missing.txt", "articles/missing", "articles/missing.html"):
        result = runner.invoke(main, [*explain, target])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"detector: error: {target}: no such file")
    # Text is still text, a URL and Chinese included; --text forces it.
    ad = "访问www.xyz888.com/abc注册就送"
    assert runner.invoke(main, [*explain, ad]).exit_code == 1
    assert runner.invoke(main, [*explain, "--text", "missing.txt"]).exit_code == 0


class _Writes(io.TextIOBase):
    """A text stdout that keeps each write, claiming to write ``encoding``."""

    def __init__(self, encoding: str) -> None:
        self.writes: list[str] = []
        self._encoding = encoding

    @property
    def encoding(self) -> str:
        return self._encoding

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes streams with b""
            raise TypeError("a text stream")
        self.writes.append(text)
        return len(text)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("output", ["json", "sarif"])
def test_json_output_is_written_as_it_is_encoded(
    monkeypatch: pytest.MonkeyPatch,
    tiny_model_dir: Path,
    tmp_path: Path,
    encoding: str,
    output: str,
) -> None:
    """``--format json`` and ``sarif`` built the whole indented text, and then
    encoded it, before writing any of it: on 500,000 JSONL records the process
    went from 0.5 GB (the list of records) to 1.2 GB.  The text is written in
    pieces as it is encoded, the same text (``\\u`` escapes throughout where
    stdout cannot write a character: here in the records' ids)."""
    from detector import cli

    record = {"id": "🔥", "text": "强化服务杨方线上配资股票,推动循环"}  # GBK has no emoji
    items = tmp_path / "items.jsonl"
    items.write_text((json.dumps(record, ensure_ascii=False) + "\n") * 3000, encoding="utf-8")
    writes = _Writes(encoding)
    monkeypatch.setattr("sys.stdout", writes)
    args = ["scan", "--model", str(tiny_model_dir), "--jobs", "1", "--format", output, str(items)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 1
    text = "".join(writes.writes)
    written = json.loads(text)
    assert text == json.dumps(written, ensure_ascii=encoding == "gbk", indent=2) + "\n"
    assert len(text) > 10 * cli._JSON_PIECE
    assert max(len(piece) for piece in writes.writes) < 2 * cli._JSON_PIECE


def test_summary_counts_what_the_scan_saw_on_stderr_only(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    (articles / "records.jsonl").write_text(
        json.dumps({"text": INJECTED}) + "\n{not json\n" + json.dumps({"text": CLEAN}) + "\n",
        "utf-8",
    )
    (articles / "blob.bin").write_bytes(b"\x00\x01binary")
    args = ("--format", "jsonl", str(articles))
    plain = scan(runner, tiny_model_dir, *args)
    for jobs in ("1", "2"):
        result = scan(runner, tiny_model_dir, "--summary", "--jobs", jobs, *args)
        assert result.exit_code == plain.exit_code == 2  # the bad JSONL line
        assert result.stdout == plain.stdout  # the summary goes to stderr only
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(records) == 4  # two files, two good records
        flagged = [r for r in records if r["findings"]]
        blocked = [r for r in records if r["is_spam"]]
        assert len(flagged) == 2 and blocked  # the injected file and record
        counts = Counter(f["category"] for r in flagged for f in r["findings"])
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        findings = ", ".join(f"{category} {n}" for category, n in ranked)
        last = result.stderr.splitlines()[-1]
        assert re.fullmatch(
            rf"detector: 4 documents in \d+\.\d\d s: 2 with findings, {len(blocked)} blocked;"
            rf" findings: {re.escape(findings)}; 1 error, 1 skipped",
            last,
        ), last


def test_summary_names_the_finding_texts_found_in_the_most_documents(
    runner: CliRunner, tiny_model_dir: Path, articles: Path
) -> None:
    """Over a crawl, the text a hijacked mirror spliced into every page (or an
    outlet's own line read as an ad) is what to triage first: the line before
    the summary's names it, counted once per document, an evaded copy with it."""
    evaded = INJECTED.replace("杨方", "杨\u200b方")
    (articles / "b.jsonl").write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in (INJECTED, evaded)),
        "utf-8",
    )
    (articles / "twice.txt").write_text(INJECTED + INJECTED, encoding="utf-8")
    plain = scan(runner, tiny_model_dir, "--format", "jsonl", str(articles))
    records = [json.loads(line) for line in plain.stdout.splitlines()]
    texts = Counter(f["text"] for r in records for f in r["findings"])
    ad = "杨方线上配资股票"
    assert texts[ad] == 4 and texts[ad.replace("杨方", "杨\u200b方")] == 1, texts
    for jobs in ("1", "2"):
        result = scan(runner, tiny_model_dir, "--summary", "--jobs", jobs, str(articles))
        assert result.stdout == scan(runner, tiny_model_dir, str(articles)).stdout
        recurring, last = result.stderr.splitlines()[-2:]
        # Four documents: two files and two records (the evaded one counted with them).
        assert recurring == f'detector: recurring findings: 4 documents "{ad}" (stock-margin)'
        assert last.startswith("detector: 5 documents in ")
    # A text found in one document only is no recurrence: no such line.
    result = scan(runner, tiny_model_dir, "--summary", str(articles / "twice.txt"))
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_summary_follows_a_json_array_and_a_baseline_update(
    runner: CliRunner, tiny_model_dir: Path, articles: Path, tmp_path: Path
) -> None:
    path = str(articles / "clean.txt")
    result = scan(runner, tiny_model_dir, "--summary", "--format", "json", path)
    plain = scan(runner, tiny_model_dir, "--format", "json", path)
    assert json.loads(result.stdout) == json.loads(plain.stdout)
    assert re.fullmatch(
        r"detector: 1 document in \d+\.\d\d s: 0 with findings, 0 blocked; 0 errors, 0 skipped\n",
        result.stderr,
    )
    baseline = tmp_path / "baseline.json"
    injected = str(articles / "a" / "injected.txt")
    update = ("--baseline", str(baseline), "--update-baseline")
    result = scan(runner, tiny_model_dir, "--summary", *update, injected)
    assert result.exit_code == 0 and baseline.exists()
    assert ": 1 with findings, " in result.stderr


# -- compressed inputs ----------------------------------------------------------

COMPRESSIONS = [("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)]
# Two records, the second with an ad, and a line that is not JSON (an error).
JSONL = (
    "".join(
        json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n"
        for i, text in enumerate([CLEAN, INJECTED])
    )
    + "{bad\n"
)
PAGE = f"<html><head><title>新闻</title></head><body><p>{INJECTED}</p></body></html>\n"
ARRAY = json.dumps([{"id": 1, "text": CLEAN}, {"id": 2, "text": INJECTED}], indent=1)


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSIONS)
@pytest.mark.parametrize(
    ("name", "content"),
    [("a.jsonl", JSONL), ("a.html", PAGE), ("a.json", ARRAY), ("a.txt", INJECTED), ("a", INJECTED)],
    ids=["jsonl", "html", "json", "txt", "no-suffix"],
)
def test_a_compressed_file_is_scanned_as_its_contents_in_the_format_under_its_suffix(
    runner: CliRunner,
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    compress,
    name: str,
    content: str,
) -> None:  # type: ignore[no-untyped-def]
    """``a.jsonl.gz`` was "binary file skipped", exit 0: a crawl full of ads read
    as clean.  It reads as ``a.jsonl`` does (``a.gz``: text), with the same
    offsets, line:col, errors and exit code, under the name given."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "packed").mkdir()
    plain = tmp_path / "plain" / name
    plain.write_text(content, encoding="utf-8")
    packed = tmp_path / "packed" / f"{name}.{suffix}"
    packed.write_bytes(compress(content.encode("utf-8")))
    for output in ("text", "jsonl", "sarif"):
        want = scan(runner, tiny_model_dir, "--format", output, str(plain))
        got = scan(runner, tiny_model_dir, "--format", output, str(packed))
        assert want.exit_code in (1, 2) and "杨方线上配资股票" in want.stdout
        assert got.exit_code == want.exit_code, got.stderr
        # (A finding's fingerprint holds its path: see the baseline test below.)
        fingerprints = re.compile(r'"partialFingerprints": \{[^}]*\}')
        expected = fingerprints.sub("", want.stdout.replace(str(plain), str(packed)))
        assert fingerprints.sub("", got.stdout) == expected
        assert got.stderr == want.stderr.replace(str(plain), str(packed))


def test_a_baseline_records_the_findings_of_a_compressed_file_under_its_name(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    packed = tmp_path / "a.jsonl.xz"
    packed.write_bytes(lzma.compress(JSONL.encode()))
    baseline = tmp_path / "baseline.json"
    args = ["--baseline", str(baseline), str(packed)]
    assert scan(runner, tiny_model_dir, "--update-baseline", *args).exit_code == 2  # bad line
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert entries and {e["path"] for e in entries} == {str(packed)}
    sarif = json.loads(scan(runner, tiny_model_dir, "--format", "sarif", str(packed)).stdout)
    printed = {r["partialFingerprints"]["detectorFinding/v1"] for r in sarif["runs"][0]["results"]}
    assert printed == {e["fingerprint"] for e in entries}
    result = scan(runner, tiny_model_dir, *args)
    assert (result.exit_code, result.stdout) == (2, "")  # the findings hidden, the bad line not


def test_compression_is_told_by_its_magic_bytes_and_input_format_still_wins(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "crawl").write_bytes(gzip.compress(INJECTED.encode()))  # no suffix: text
    (tmp_path / "items.jsonl").write_bytes(lzma.compress(JSONL.encode()))  # xz, named .jsonl
    (tmp_path / "dump.gz").write_bytes(bz2.compress(JSONL.encode()))  # bzip2, named .gz
    (tmp_path / "plain.txt.gz").write_text(INJECTED, encoding="utf-8")  # not compressed
    result = scan(runner, tiny_model_dir, "--format", "jsonl", str(tmp_path))
    assert result.exit_code == 2, result.stderr  # the bad JSONL line
    scanned = [json.loads(line) for line in result.stdout.splitlines()]
    found = [(Path(r["path"]).name, r.get("line")) for r in scanned if r["findings"]]
    assert found == [("crawl", None), ("dump.gz", None), ("items.jsonl", 2), ("plain.txt.gz", None)]
    assert result.stderr == f"detector: error: {tmp_path / 'items.jsonl'}:3: invalid JSON" + (
        " (Expecting property name enclosed in double quotes at column 2)\n"
    )
    # dump.gz is text (the suffix under .gz: none); --input-format reads it as records.
    result = scan(runner, tiny_model_dir, "--input-format", "jsonl", str(tmp_path / "dump.gz"))
    assert result.stdout.startswith(f"{tmp_path / 'dump.gz'}:2:")


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSIONS)
def test_concatenated_compressed_streams_are_read_whole(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, suffix: str, compress
) -> None:  # type: ignore[no-untyped-def]
    """``cat a.gz b.gz > c.gz`` (or a writer that appends a member per batch)."""
    lines = JSONL.splitlines(keepends=True)[:2] * 3
    plain = tmp_path / "all.jsonl"
    plain.write_text("".join(lines), encoding="utf-8")
    packed = tmp_path / f"all.jsonl.{suffix}"
    packed.write_bytes(b"".join(compress(line.encode()) for line in lines))
    want = scan(runner, tiny_model_dir, str(plain))
    got = scan(runner, tiny_model_dir, str(packed))
    assert [line.split(":")[1] for line in got.stdout.splitlines()] == ["2", "4", "6"]
    assert got.stdout == want.stdout.replace(str(plain), str(packed))


def test_a_compressed_stream_on_stdin_is_decompressed(
    runner: CliRunner, tiny_model_dir: Path
) -> None:
    plain = scan(runner, tiny_model_dir, "-", stdin=INJECTED)
    for compress in (gzip.compress, bz2.compress, lzma.compress):
        packed = runner.invoke(
            main, ["scan", "--model", str(tiny_model_dir), "-"], input=compress(INJECTED.encode())
        )
        assert (packed.exit_code, packed.stdout, packed.stderr) == (1, plain.stdout, "")
    records = scan(runner, tiny_model_dir, "--input-format", "jsonl", stdin=JSONL)
    packed = runner.invoke(
        main,
        ["scan", "--model", str(tiny_model_dir), "--input-format", "jsonl"],
        input=gzip.compress(JSONL.encode()),
    )
    assert (packed.exit_code, packed.stdout) == (2, records.stdout)
    assert packed.stdout.startswith("<stdin>:2:")


def test_encoding_and_binary_detection_read_the_decompressed_bytes(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    for name, data in [("gbk.txt", INJECTED.encode("gbk")),
                       ("utf16.txt", INJECTED.encode("utf-16")),
                       ("page.html", PAGE.replace("<head>", '<head><meta charset="gbk">')
                        .encode("gbk"))]:  # fmt: skip
        (tmp_path / name).write_bytes(data)
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
        want = scan(runner, tiny_model_dir, str(tmp_path / name))
        got = scan(runner, tiny_model_dir, str(tmp_path / f"{name}.gz"))
        assert want.exit_code == 1 and "杨方线上配资股票" in want.stdout
        assert got.stdout == want.stdout.replace(name, f"{name}.gz")
    video = tmp_path / "video.gz"
    video.write_bytes(gzip.compress(bytes(range(256)) * 64))
    result = scan(runner, tiny_model_dir, str(video))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"detector: {video}: binary file skipped\n"


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def test_zstd_without_a_decompressor_is_an_error_saying_what_to_do(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python before 3.14 has no zstd: a ``.zst`` file (told by its magic bytes)
    is an error naming it, not a binary file skipped, and the batch goes on."""
    monkeypatch.setitem(sys.modules, "compression.zstd", None)  # as if not importable
    (tmp_path / "a.jsonl.zst").write_bytes(ZSTD_MAGIC + b"\x04\x00\x00\x00" * 8)
    (tmp_path / "b").write_bytes(ZSTD_MAGIC + b"\x24\x00\x00")  # no suffix
    (tmp_path / "c.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(runner, tiny_model_dir, str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{tmp_path / 'c.txt'}:2:")
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    for error, name in zip(errors, ["a.jsonl.zst", "b"], strict=True):
        assert error.startswith(f"detector: error: {tmp_path / name}: zstd-compressed")
        assert "Python 3.14" in error and "zstd -d" in error


def test_zstd_is_read_with_compression_zstd_where_python_has_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, fake_zstd: Callable[[bytes], bytes]
) -> None:
    (tmp_path / "a.jsonl").write_text(JSONL, encoding="utf-8")
    (tmp_path / "a.jsonl.zst").write_bytes(fake_zstd(JSONL.encode()))
    want = scan(runner, tiny_model_dir, "--format", "jsonl", str(tmp_path / "a.jsonl"))
    got = scan(runner, tiny_model_dir, "--format", "jsonl", str(tmp_path / "a.jsonl.zst"))
    assert got.exit_code == want.exit_code == 2
    assert got.stdout == want.stdout.replace("a.jsonl", "a.jsonl.zst")


def test_explain_reads_a_compressed_file_and_knows_its_name_for_a_path(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    explain = ["explain", "--model", str(tiny_model_dir), "--top", "1"]
    packed = tmp_path / "a.txt.gz"
    packed.write_bytes(gzip.compress(INJECTED.encode()))
    result = runner.invoke(main, [*explain, str(packed)])
    assert result.exit_code == 1 and "杨方线上配资股票" in result.stdout
    result = runner.invoke(main, [*explain, "missing.jsonl.gz"])
    assert result.exit_code == 2
    assert result.stderr.startswith("detector: error: missing.jsonl.gz: no such file")


def test_summary_does_not_count_stdin_scanned_as_text_as_skipped(
    runner: CliRunner, tiny_model_dir: Path
) -> None:
    """JSON records on stdin are scanned as text, with a word on stderr saying
    so; the summary counted that word as an input skipped ("1 document …, 1
    skipped" for the one input, scanned)."""
    records = json.dumps({"text": INJECTED}) + "\n" + json.dumps({"text": CLEAN}) + "\n"
    result = scan(runner, tiny_model_dir, "--summary", stdin=records)
    assert "looks like JSON records; scanned as text" in result.stderr
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(r"detector: 1 document in \d+\.\d\d s: .*; 0 errors, 0 skipped", last), last


def test_an_interrupted_run_still_gives_its_summary(
    runner: CliRunner, tiny_model_dir: Path, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or SIGTERM) after hours of a crawl's scan: --summary said nothing,
    so how far it got was lost; its line comes before 'detector: interrupted'."""
    from detector import cli, parallel

    scan_inputs = parallel.scan_inputs

    def interrupted(*args: object, **kwargs: object) -> object:
        yield from scan_inputs(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "scan_inputs", interrupted)
    result = scan(runner, tiny_model_dir, "--summary", str(articles))
    assert result.exit_code == 130
    assert re.fullmatch(
        r"detector: 2 documents in \d+\.\d\d s: 1 with findings, \d blocked; findings: [^;]+;"
        r" 0 errors, 0 skipped\ndetector: interrupted\n",
        result.stderr,
    ), result.stderr
    cleaned: list[str] = []
    clean_one = cli._clean_one

    def stopped(path: str, *args: Any) -> tuple[bool, int]:
        if cleaned:
            raise KeyboardInterrupt
        cleaned.append(path)
        return clean_one(path, *args)

    monkeypatch.setattr(cli, "_clean_one", stopped)
    args = ["clean", "--model", str(tiny_model_dir), "--summary", "--in-place", str(articles)]
    result = runner.invoke(main, args)
    assert result.exit_code == 130 and len(cleaned) == 1
    assert re.fullmatch(
        r"(.*\n)*detector: 1 input in \d+\.\d\d s: \d documents? cleaned \(\d spans? removed\),"
        r" 0 records dropped; 0 errors, 0 skipped\ndetector: interrupted\n",
        result.stderr,
    ), result.stderr

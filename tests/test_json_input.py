"""JSON files: an array of records, each scanned like a JSONL record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.cli import main

ARRAY = """[
  {"id": "a1", "title": "秋粮收获", "text": "农业农村部部署秋粮收获工作"},
  {
    "id": "a2",
    "text": "强化服务杨方线上配资股票,推动循环"
  }
]
"""


def run(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["scan", "--model", str(model), *args])


def test_array_records_are_scanned_with_their_start_line(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "items.json"
    path.write_text(ARRAY, encoding="utf-8")
    result = run(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["id"]) for r in records] == [(2, "a1"), (3, "a2")]
    (finding,) = records[1]["findings"]
    assert finding["field"] == "text"
    text = json.loads(ARRAY)[1]["text"]
    assert text[finding["start"] : finding["end"]] == finding["text"]
    lines = run(tiny_model_dir, str(path)).stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:3:") and lines[0].endswith("[text]")


def test_malformed_json_names_the_file_and_the_batch_goes_on(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "a_broken.json"
    broken.write_text('[\n {"text": "农业"},\n {"text": oops}\n]', encoding="utf-8")
    good = tmp_path / "b_good.txt"
    good.write_text(
        "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n", encoding="utf-8"
    )
    result = run(tiny_model_dir, "--format", "jsonl", str(tmp_path))
    assert result.exit_code == 2
    assert f"detector: error: {broken}:3: invalid JSON (Expecting value" in result.stderr
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert paths == [str(broken), str(good)]  # the record before the error, then the next file


def test_non_object_items_and_non_arrays(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    path.write_text('[1, {"text": "农业农村部部署秋粮收获工作"}]', encoding="utf-8")
    result = run(tiny_model_dir, str(path))
    assert result.exit_code == 2
    assert f"detector: error: {path}:1: a JSON array item must be an object" in result.stderr
    scalar = tmp_path / "scalar.json"
    scalar.write_text('"text"', encoding="utf-8")
    result = run(tiny_model_dir, str(scalar))
    assert "a JSON file must hold an array of records (objects)" in result.stderr


@pytest.mark.parametrize("content", ["", " \n\t\n"], ids=["empty", "blank"])
def test_an_empty_json_file_holds_no_records(
    tiny_model_dir: Path, tmp_path: Path, content: str
) -> None:
    # As an empty JSONL or text file: scanned, clean, exit 0 (it was an error).
    path = tmp_path / "empty.json"
    path.write_text(content, encoding="utf-8")
    result = run(tiny_model_dir, str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    out = tmp_path / "out.json"
    cleaned = CliRunner().invoke(
        main, ["clean", "--model", str(tiny_model_dir), str(path), "-o", str(out)]
    )
    assert cleaned.exit_code == 0, cleaned.stderr
    assert out.read_text(encoding="utf-8") == content


def test_a_single_object_is_one_record(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"text": "强化服务杨方线上配资股票,推动循环"}', encoding="utf-8")
    result = run(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1
    assert json.loads(result.stdout)["line"] == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "invalid JSON (nested too deeply)"),
        ("1" * 5000, "invalid JSON (an integer of more than 4300 digits)"),
    ],
    ids=["deep", "huge-integer"],
)
@pytest.mark.parametrize("shape", ["array", "object"])
def test_a_value_json_cannot_parse_is_an_error_and_the_batch_goes_on(
    tiny_model_dir: Path, tmp_path: Path, value: str, message: str, shape: str
) -> None:
    # The JSON parser raises RecursionError and ValueError besides
    # JSONDecodeError: they stopped the whole batch with a traceback (exit 1).
    record = '{"text": "农业农村部部署秋粮收获工作", "x": ' + value + "}"
    bad = tmp_path / "a_bad.json"
    if shape == "array":
        bad.write_text(f'[\n{{"text": "强化服务杨方线上配资股票"}},\n{record}\n]', encoding="utf-8")
    else:
        bad.write_text(record, encoding="utf-8")
    good = tmp_path / "b_good.json"
    good.write_text(ARRAY, encoding="utf-8")
    result = run(tiny_model_dir, "--format", "jsonl", str(bad), str(good))
    assert result.exit_code == 2
    line = 3 if shape == "array" else 1
    assert result.stderr.startswith(f"detector: error: {bad}:{line}: {message}")
    scanned = [
        (Path(r["path"]).name, r["line"]) for r in map(json.loads, result.stdout.splitlines())
    ]
    before = [("a_bad.json", 2)] if shape == "array" else []
    assert scanned == [*before, ("b_good.json", 2), ("b_good.json", 3)]

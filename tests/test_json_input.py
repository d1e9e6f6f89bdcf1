"""JSON files: an array of records, each scanned like a JSONL record."""

from __future__ import annotations

import json
import re
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
    # The text output points at the ad in the file: line 5, after '    "text": "强化服务'.
    lines = run(tiny_model_dir, str(path)).stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:5:18:") and lines[0].endswith("[text]")
    assert ARRAY.splitlines()[4][17:].startswith(finding["text"])


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


AD = "强化服务杨方线上配资股票,推动循环"
RECORDS = [
    {"id": "a1", "title": "秋粮收获", "content": "农业农村部部署秋粮收获工作"},
    {
        "id": "a2",
        "title": "消防",
        "content": ["学校开展消防安全演练活动", "会议强调要深化产融合作。" + AD],
    },
    {"id": "a3", "content": "会议强调要深化产融合作。" + AD},
]
TEXT_LINE = re.compile(r'(\d+):(\d+): (\S+) ([0-9.]+) (".*") \[(.+)\]')


def located(stdout: str, path: Path) -> list[tuple[int, int, str, str]]:
    """(line, column, snippet, field) of each ``path:line:col: …`` line."""
    found = []
    for output in stdout.splitlines():
        assert output.startswith(f"{path}:")
        match = TEXT_LINE.fullmatch(output[len(str(path)) + 1 :])
        assert match, output
        found.append((int(match[1]), int(match[2]), json.loads(match[5]), match[6]))
    return found


@pytest.mark.parametrize("ensure_ascii", [False, True], ids=["utf-8", "ascii-escapes"])
def test_line_and_column_point_at_the_finding_in_the_file(
    tiny_model_dir: Path, tmp_path: Path, ensure_ascii: bool
) -> None:
    # They were the record's first line and the offset into the field's value
    # (items.json:7:17 and :15:17 for the ads on lines 12 and 17).
    path = tmp_path / "items.json"
    with path.open("w", encoding="utf-8") as handle:
        json.dump(RECORDS, handle, indent=1, ensure_ascii=ensure_ascii)
    result = run(tiny_model_dir, "--text-field", "content", str(path))
    assert result.exit_code == 1, result.stderr
    file_lines = path.read_text(encoding="utf-8").splitlines()
    found = located(result.stdout, path)
    assert [(line, field) for line, _, _, field in found] == [(12, "content[1]"), (17, "content")]
    for line, col, snippet, _ in found:
        assert "杨方" in snippet
        # The snippet as written in the file (every character an escape in ASCII JSON).
        written = json.dumps(snippet, ensure_ascii=ensure_ascii)[1:-1]
        assert file_lines[line - 1][col - 1 : col - 1 + len(written)] == written
    # The JSON output's offsets still index the field's decoded string.
    records = [json.loads(r) for r in run(tiny_model_dir, "--format", "jsonl",
               "--text-field", "content", str(path)).stdout.splitlines()]  # fmt: skip
    (in_list,), (in_string,) = records[1]["findings"], records[2]["findings"]
    assert RECORDS[1]["content"][1][in_list["start"] : in_list["end"]] == in_list["text"]
    assert RECORDS[2]["content"][in_string["start"] : in_string["end"]] == in_string["text"]


def test_a_field_holding_html_is_located_in_its_markup(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # Scanned by the text a reader sees; its findings index the markup, and the
    # column counts the markup's escaped quotes before the ad.
    markup = '<p class="lead">会议强调要深化产融合作。</p>\n<p data-x="1">' + AD + "</p>"
    path = tmp_path / "pages.json"
    path.write_text(
        json.dumps([{"id": 1, "text": "农业"}, {"id": 2, "text": markup}], indent=2), "utf-8"
    )
    result = run(tiny_model_dir, str(path))
    assert result.exit_code == 1, result.stderr
    ((line, col, snippet, field),) = located(result.stdout, path)
    file_line = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert (line, field) == (8, "text") and file_line.startswith('    "text": "<p class=\\"lead')
    written = json.dumps(snippet)[1:-1]
    assert file_line[col - 1 : col - 1 + len(written)] == written
    (record,) = [json.loads(r) for r in run(tiny_model_dir, "--format", "jsonl",
                 str(path)).stdout.splitlines()][1:]  # fmt: skip
    (finding,) = record["findings"]
    assert markup[finding["start"] : finding["end"]] == finding["text"] == snippet


def test_records_on_one_line_are_told_apart_by_column(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "flat.json"
    path.write_text(json.dumps([{"text": "前言。" + AD}] * 3, ensure_ascii=False), "utf-8")
    result = run(tiny_model_dir, str(path))
    assert result.exit_code == 1, result.stderr
    text = path.read_text(encoding="utf-8")
    found = located(result.stdout, path)
    starts = [i + 1 for i in range(len(text)) if text.startswith(AD[4:12], i)]
    assert [(line, col) for line, col, _, _ in found] == [(1, start) for start in starts]
    assert len(starts) == 3

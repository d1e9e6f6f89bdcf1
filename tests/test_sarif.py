"""--format sarif: valid SARIF 2.1.0 (checked against the official schema, kept
offline in tests/data), one rule per category, exact regions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from detector.categories import DESCRIPTIONS
from detector.cli import main

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"


@pytest.fixture()
def log(tiny_model_dir: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"id": 7, "text": "强化服务杨方线上配资股票,推动循环"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "c.html").write_text(
        "<html><body>\n<p>会议强调要深化产融合作。</p>\n"
        "<p style='display:none'>强化服务杨方线上配资股票,推动循环</p>\n</body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "sarif", str(tmp_path)]
    )
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout), tmp_path


def test_sarif_validates_against_the_official_schema(log: tuple[dict[str, Any], Path]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log[0])


def test_sarif_run_tool_and_rules(log: tuple[dict[str, Any], Path]) -> None:
    sarif, _ = log
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "detector" and driver["version"]
    rules = {r["id"]: r["shortDescription"]["text"] for r in driver["rules"]}
    assert rules == DESCRIPTIONS
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("warning", "error")
        assert len(result["partialFingerprints"]["detectorFinding/v1"]) == 64


def test_sarif_regions(log: tuple[dict[str, Any], Path]) -> None:
    sarif, root = log
    by_file: dict[str, list[dict[str, Any]]] = {}
    for result in sarif["runs"][0]["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        by_file.setdefault(Path(uri).name, []).append({**physical["region"], **result})
    (text_result,) = by_file["a.txt"]
    start = INJECTED.index("杨方")
    assert {k: text_result[k] for k in ("startLine", "startColumn", "endLine", "endColumn")} == {
        "startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 13,
    }  # fmt: skip
    assert (text_result["charOffset"], text_result["charLength"]) == (start, 8)
    (record_result,) = by_file["b.jsonl"]
    assert record_result["startLine"] == 1 and "charOffset" not in record_result
    assert record_result["properties"]["field"] == "text"
    source = (root / "c.html").read_text(encoding="utf-8")
    for html_result in by_file["c.html"]:
        offset, length = html_result["charOffset"], html_result["charLength"]
        assert source[offset : offset + length] in html_result["message"]["text"]
    assert {r["ruleId"] for r in by_file["c.html"]} == {"hidden-text", "stock-margin"}


def test_sarif_without_findings_is_still_a_valid_log(tiny_model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "clean.txt").write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "sarif", str(tmp_path)]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["runs"][0]["results"] == []


def test_uris_are_built_from_the_file_names_bytes(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The printed form of a byte that is not UTF-8 is ``\\xff``; its backslash
    became a path separator (``bad/xff.txt``)."""
    import os

    names = {b"bad\xff.txt": "bad%FF.txt", b"back\\slash.txt": "back%5Cslash.txt",
             b"a:b c.txt": "a%3Ab%20c.txt"}  # fmt: skip
    for name in names:
        try:
            (tmp_path / os.fsdecode(name)).write_text(INJECTED, encoding="utf-8")
        except (UnicodeEncodeError, OSError):
            pytest.skip("file system refuses such names")
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "sarif", str(tmp_path)]
    )
    assert result.exit_code == 1, result.stderr
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    )
    assert uris == sorted(f"{tmp_path}/{uri}" for uri in names.values())

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
    record_line = (root / "b.jsonl").read_text(encoding="utf-8").splitlines()[0]
    column = record_line.index("杨方") + 1  # in the line, not in the field (5)
    assert {k: record_result[k] for k in ("startLine", "startColumn", "endLine", "endColumn")} == {
        "startLine": 1, "startColumn": column, "endLine": 1, "endColumn": column + 8,
    }  # fmt: skip
    assert "charOffset" not in record_result
    assert record_result["properties"]["field"] == "text"
    assert record_result["properties"]["start"] == 4  # the offset into the field's value
    source = (root / "c.html").read_text(encoding="utf-8")
    for html_result in by_file["c.html"]:
        offset, length = html_result["charOffset"], html_result["charLength"]
        assert source[offset : offset + length] in html_result["message"]["text"]
    assert {r["ruleId"] for r in by_file["c.html"]} == {"hidden-text", "stock-margin"}


def test_record_regions_cover_the_finding_as_written(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A record's region was its first line only; now it covers the finding in the
    file, escapes included: in an indented JSON array (a list's second string, a
    field holding HTML) and in a JSONL line with escapes before and in the ad."""
    ad = "强化服务杨方线上配资股票,推动循环"
    records = [
        {"id": 1, "content": ["农业农村部部署秋粮收获工作", "会议强调要深化产融合作。" + ad]},
        {"id": 2, "content": '<p class="lead">会议强调要深化产融合作。</p><p>' + ad + "</p>"},
    ]
    (tmp_path / "a.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        '{"id": 3, "content": "他说\\"好\\"\\n\\u4e2d文\\ud83d\\ude00\\ud800前言。'
        + ad.replace("杨", "\\u6768")
        + '"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["scan", "--model", str(tiny_model_dir), "--format", "sarif",
         "--text-field", "content", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    sarif = json.loads(result.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    located = set()
    for item in sarif["runs"][0]["results"]:
        name = Path(item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name
        region = item["locations"][0]["physicalLocation"]["region"]
        properties = item["properties"]
        assert region["startLine"] == region["endLine"]
        line = (tmp_path / name).read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
        written = line[region["startColumn"] - 1 : region["endColumn"] - 1]
        text = item["message"]["text"].split("': ", 1)[1]
        assert json.loads(f'"{written}"') == text and "杨" in text
        assert properties["end"] - properties["start"] == len(text)
        located.add((name, properties["field"], region["startLine"]))
    assert located == {
        ("a.json", "content[1]", 6), ("a.json", "content", 11), ("b.jsonl", "content", 1),
    }  # fmt: skip


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
    assert uris == sorted(f"file://{tmp_path}/{uri}" for uri in names.values())  # outside cwd


def test_files_under_the_current_directory_are_relative_to_srcroot(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path given absolute ($PWD/articles/a.txt, as CI scripts write it) was
    the URI "/home/runner/work/…/a.txt", which code scanning cannot map to the
    repository's articles/a.txt.  Under the current directory a file is located
    relative to %SRCROOT% (run.originalUriBaseIds: that directory), however it
    was named; another file by its absolute file: URI."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "articles").mkdir(parents=True)
    elsewhere.mkdir()
    for folder in (repo / "articles", elsewhere):
        (folder / "a b.txt").write_text(INJECTED, encoding="utf-8")
    monkeypatch.chdir(repo)
    args = ["scan", "--model", str(tiny_model_dir), "--format", "sarif"]
    for given in ("articles/a b.txt", str(repo / "articles" / "a b.txt"), "./articles/"):
        result = CliRunner().invoke(main, [*args, given, str(elsewhere / "a b.txt")])
        assert result.exit_code == 1, result.stderr
        run = json.loads(result.stdout)["runs"][0]
        assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": f"file://{repo}/"}}
        locations = [
            r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]
        ]
        assert locations == [
            {"uri": "articles/a%20b.txt", "uriBaseId": "%SRCROOT%"},
            {"uri": f"file://{elsewhere}/a%20b.txt"},
        ], given
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema)(schema).validate(json.loads(result.stdout))
    result = CliRunner().invoke(main, args, input=INJECTED)  # stdin: no file to locate
    (location,) = {
        json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"])
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    assert json.loads(location) == {"uri": "%3Cstdin%3E"}


def test_partial_fingerprints_are_the_baseline_fingerprints(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SARIF recomputed the fingerprints over the findings left after suppression
    and on a markup field's source text: with the first copy of an ad baselined,
    the new second copy carried the baselined copy's fingerprint, and an ad with
    tags inside it (a record's HTML field) had one no baseline holds."""
    monkeypatch.chdir(tmp_path)
    article, records = tmp_path / "a.txt", tmp_path / "b.jsonl"
    article.write_text(INJECTED, encoding="utf-8")
    html = "<p>会议强调要深化产融合作。</p><p>强化服务杨方<b>线上配资</b>股票</p>"
    records.write_text(json.dumps({"id": 1, "text": html}, ensure_ascii=False) + "\n", "utf-8")
    scan = ["scan", "--model", str(tiny_model_dir), "--format", "sarif"]
    files, baseline = ("a.txt", "b.jsonl"), ("--baseline", "bl.json")

    def recorded() -> set[str]:
        update = CliRunner().invoke(main, [*scan, *baseline, "--update-baseline", *files])
        assert update.exit_code == 0, update.stderr
        content = json.loads((tmp_path / "bl.json").read_text(encoding="utf-8"))
        return {entry["fingerprint"] for entry in content["findings"]}

    def reported(*args: str) -> list[str]:
        result = CliRunner().invoke(main, [*scan, *args, *files])
        assert result.exit_code == 1, result.stderr
        log = json.loads(result.stdout)
        return [r["partialFingerprints"]["detectorFinding/v1"] for r in log["runs"][0]["results"]]

    first = recorded()
    assert sorted(reported()) == sorted(first)  # the HTML field's differed
    article.write_text(INJECTED + INJECTED, encoding="utf-8")
    (new,) = reported(*baseline)  # the second copy of the ad
    assert new not in first and new in recorded()


def test_html_regions_after_a_text_node_with_an_entity(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A text node holding a character reference is not in the source as written;
    the next text node was then looked for from that node's start, found inside it
    (both begin 强化服务), and the next paragraph's ad was reported on line 3 with a
    region across both paragraphs (and ``path:3:8:`` in the text output)."""
    page = (
        "<html><body>\n<p>会议强调要深化产融合作。</p>\n<p>强化服务杨方线上配资股&#x7968;</p>\n"
        "<p>强化服务<b>杨方</b>线上配资股票,推动循环</p>\n</body></html>\n"
    )
    (tmp_path / "c.html").write_text(page, encoding="utf-8")
    scan = ["scan", "--model", str(tiny_model_dir), str(tmp_path / "c.html")]
    result = CliRunner().invoke(main, [*scan, "--format", "sarif"])
    assert result.exit_code == 1, result.stderr
    regions = [
        r["locations"][0]["physicalLocation"]["region"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    ]
    (last,) = [r for r in regions if r["startLine"] == 4]
    assert last["endLine"] == 4
    at = last["charOffset"]
    assert page[at : at + last["charLength"]] == "杨方</b>线上配资股票"
    text = CliRunner().invoke(main, scan)
    assert f"c.html:4:{page.splitlines()[3].index('杨') + 1}: stock-margin" in text.stdout


def test_sarif_output_does_not_hold_the_scanned_documents(
    monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``--format sarif`` kept every scanned document, its text included, until
    the end to build the log: on 5,000 JSONL records of 5–20 KB (60 MB), 316 MB
    against 218 MB now.  Each document's results are made as it comes."""
    import gc

    from detector import cli
    from detector.inputs import Document

    record = json.dumps({"text": "强化服务杨方线上配资股票,推动循环。" * 20}, ensure_ascii=False)
    items = tmp_path / "items.jsonl"
    items.write_text((record + "\n") * 1000, encoding="utf-8")
    alive: list[int] = []
    write = cli._echo_json

    def counting(value: Any) -> None:
        gc.collect()
        alive.append(sum(isinstance(o, Document) for o in gc.get_objects()))
        write(value)

    monkeypatch.setattr(cli, "_echo_json", counting)
    args = ["scan", "--model", str(tiny_model_dir), "--format", "sarif", "--jobs", "1"]
    result = CliRunner().invoke(main, [*args, str(items)])
    assert result.exit_code == 1, result.output
    assert len(json.loads(result.stdout)["runs"][0]["results"]) == 1000
    assert alive[0] < 10

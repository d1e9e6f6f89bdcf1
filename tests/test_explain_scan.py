"""``detector explain`` explains what ``detector scan`` reports, on every input form.

For each form scan reads (text in its encodings and line ends, HTML pages, JSON
and JSONL records, fields holding HTML, compressed files, stdin, directories,
the project's allowlist and inline markers, ``--threshold``), the findings
``explain --format json`` explains are those ``scan --format jsonl`` reports:
the same place (path, record line, field, offsets), text, score and category,
and each explanation's combined score is the finding's.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from detector.cli import main

INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"
TRADITIONAL = "會議強調要深化產融合作。\n強化服務楊方線上配資股票,推動循環。\n"
CONTACT = "专家表示消费市场持续回暖。加微信abc12345领取福利,推动循环。\n"
FIELD_HTML = (
    "<div><p>会议强调要深化产融合作。</p>\n"
    "<p>强化服务<b>杨方线上配资股票</b>,推动循环&nbsp;。</p></div>"
)
PAGE = (
    "<html><head><title>新闻</title><script>var x = 1;</script></head><body>"
    "<p>会议强调要深化产融合作&nbsp;&amp;文旅市场持续升温。</p>"
    '<div style="display:none">强化服务杨方线上配资股票,推动循环。</div>'
    "<p>专家表示消费市场持续回暖。加&#x5fae;信abc12345领取福利</p></body></html>\n"
)


def _jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


TWO_FIELDS = _jsonl(
    {"id": "a", "title": "文旅市场持续升温", "content": INJECTED},
    {"id": "b", "title": "金沙体育(中国)官方网站", "content": CONTACT},
)

# Each case: the files it writes (name -> bytes), the arguments of both commands
# and what is piped to them.
Case = tuple[dict[str, bytes], list[str], str | None]
CASES: dict[str, Case] = {
    "plain text": ({"a.txt": INJECTED.encode()}, ["a.txt"], None),
    "CRLF text": ({"a.txt": INJECTED.replace("\n", "\r\n").encode()}, ["a.txt"], None),
    "UTF-8 with BOM": ({"a.txt": b"\xef\xbb\xbf" + INJECTED.encode()}, ["a.txt"], None),
    "GBK": ({"a.txt": (INJECTED + CONTACT).encode("gbk")}, ["a.txt"], None),
    "Big5": ({"a.txt": TRADITIONAL.encode("big5")}, ["a.txt"], None),
    "--encoding": (
        {"a.txt": INJECTED.encode("utf-16-le")},
        ["--encoding", "utf-16-le", "a.txt"],
        None,
    ),
    "HTML page": ({"a.html": PAGE.encode()}, ["a.html"], None),
    "JSONL, two fields": (
        {"a.jsonl": TWO_FIELDS.encode()},
        ["--text-field", "title", "--text-field", "content", "a.jsonl"],
        None,
    ),
    "JSONL field holding HTML": (
        {
            "a.jsonl": _jsonl(
                {"id": 1, "text": "文旅市场持续升温"}, {"id": 2, "text": FIELD_HTML}
            ).encode()
        },
        ["a.jsonl"],
        None,
    ),
    "JSONL field of paragraphs": (
        {"a.jsonl": _jsonl({"text": ["文旅市场持续升温", FIELD_HTML, INJECTED]}).encode()},
        ["a.jsonl"],
        None,
    ),
    "JSON array": (
        {
            "a.json": json.dumps(
                [{"text": CONTACT}, {"text": FIELD_HTML}], ensure_ascii=False, indent=2
            ).encode()
        },
        ["a.json"],
        None,
    ),
    ".jsonl.gz": (
        {"a.jsonl.gz": gzip.compress(TWO_FIELDS.encode())},
        ["--text-field", "title", "--text-field", "content", "a.jsonl.gz"],
        None,
    ),
    ".html.gz": ({"a.html.gz": gzip.compress(PAGE.encode())}, ["a.html.gz"], None),
    "stdin": ({}, ["-"], INJECTED + CONTACT),
    "stdin, JSONL": ({}, ["--input-format", "jsonl", "-"], _jsonl({"text": FIELD_HTML})),
    "a directory": (
        {"d/a.txt": INJECTED.encode(), "d/b.html": PAGE.encode(), "d/c.jsonl": TWO_FIELDS.encode()},
        ["--text-field", "title", "--text-field", "content", "d"],
        None,
    ),
    "allowlist and inline marker": (
        {
            ".detector.toml": 'allow = ["杨方线上配资"]\n'.encode(),
            "a.txt": (INJECTED + "金沙体育(中国)官方网站 detector: allow\n" + CONTACT).encode(),
        },
        ["a.txt"],
        None,
    ),
    "allowlist and inline marker in a field holding HTML": (
        {
            ".detector.toml": 'allow = ["杨方线上配资"]\n'.encode(),
            "a.jsonl": _jsonl(
                {"text": FIELD_HTML + "<p>金沙体育(中国)官方网站</p><!-- detector: allow -->"},
                {"text": "<p>" + CONTACT + "</p>"},
            ).encode(),
        },
        ["a.jsonl"],
        None,
    ),
    "--threshold block": (
        {"a.txt": (INJECTED + CONTACT).encode()},
        ["--threshold", "block", "a.txt"],
        None,
    ),
}


def _reported(result: Any) -> set[tuple[Any, ...]]:
    assert result.exit_code in (0, 1), result.output
    return {
        (record.get("line"), finding.get("field"), *_finding(finding))
        for record in map(json.loads, result.stdout.splitlines())
        for finding in record["findings"]
    }


def _finding(finding: dict[str, Any]) -> tuple[Any, ...]:
    return finding["start"], finding["end"], finding["text"], finding["score"], finding["category"]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_explain_explains_exactly_what_scan_reports(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    files, args, stdin = CASES[case]
    monkeypatch.chdir(tmp_path)
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    runner = CliRunner()
    model = ["--model", str(tiny_model_dir)]
    scanned = runner.invoke(main, ["scan", *model, "--format", "jsonl", *args], input=stdin)
    reported = _reported(scanned)
    assert reported, "a case without findings tests nothing"
    explained = runner.invoke(main, ["explain", *model, "--format", "json", *args], input=stdin)
    assert explained.exit_code == scanned.exit_code, explained.output
    records = json.loads(explained.stdout)
    assert {(r.get("line"), r.get("field"), *_finding(r["finding"])) for r in records} == reported
    assert len(records) == len(reported)
    for record in records:  # the score shown as the combination is the finding's
        if record["score"] is not None:
            assert record["score"] == record["finding"]["score"], record
    if len({json.loads(line)["path"] for line in scanned.stdout.splitlines()}) > 1:
        where = {(r["path"], r.get("line"), r.get("field"), r["finding"]["start"]) for r in records}
        assert where == {
            (record["path"], record.get("line"), finding.get("field"), finding["start"])
            for record in map(json.loads, scanned.stdout.splitlines())
            for finding in record["findings"]
        }


def test_a_hidden_text_finding_is_explained_by_the_finding_that_gave_its_score(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hidden-text finding takes the score of the best model finding over it
    (detector.html.hidden_findings), here a whole-page one (0.99) from the
    visible ads; explain explained it by the clauses inside it, whose best
    scored 0.64: 'hidden-text 0.99' above '-> score 0.6422'."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.html").write_text(
        "<html><body><p>金沙体育(中国)官方网站。银河娱乐app下载登录入口。加微信abc12345领取福利。</p>"
        '<div style="display:none">强化服务杨方线上配资股票,推动循环。</div>'
        "<p>农业农村部部署秋粮收获工作。</p></body></html>\n",
        encoding="utf-8",
    )
    model = ["--model", str(tiny_model_dir)]
    scanned = CliRunner().invoke(main, ["scan", *model, "--format", "json", "a.html"])
    findings = json.loads(scanned.stdout)[0]["findings"]
    (hidden,) = [f for f in findings if f["category"] == "hidden-text"]
    (source,) = [f for f in findings if f is not hidden and f["start"] < hidden["end"]]
    assert source["score"] == hidden["score"] and source["end"] - source["start"] > 60
    result = CliRunner().invoke(main, ["explain", *model, "--format", "json", "a.html"])
    by_category = {r["finding"]["category"]: r for r in json.loads(result.stdout)}
    explained = by_category["hidden-text"]
    assert explained["finding"] == hidden
    assert explained["score"] == hidden["score"]
    source_explained = by_category[source["category"]]
    assert explained["scope"] == source_explained["scope"]
    assert explained["contributions"] == source_explained["contributions"]


def test_explain_walks_a_directory_as_scan_does_and_names_each_file(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``explain DIR`` was an error ('is a directory'), where scan walks it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text(INJECTED, encoding="utf-8")
    (tmp_path / "d" / ".hidden.txt").write_text(INJECTED, encoding="utf-8")  # skipped, as by scan
    (tmp_path / "d" / "sub" / "b.txt").write_text(CONTACT, encoding="utf-8")
    (tmp_path / "d" / "clean.txt").write_text("文旅市场持续升温。\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["explain", "--model", str(tiny_model_dir), "--top", "1", "d"]
    )
    assert result.exit_code == 1, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert headers == ["== d/a.txt", "== d/sub/b.txt"]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_explain_shows_each_finding_where_scan_points_at_it(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """scan's text output points at a finding by path:line:col in the file as
    written (items.jsonl:3:120); explain showed only offsets into the field or
    the text, so the line scan printed could not be found in explain's output."""
    files, args, stdin = CASES[case]
    monkeypatch.chdir(tmp_path)
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    model = ["--model", str(tiny_model_dir)]
    scanned = CliRunner().invoke(main, ["scan", *model, *args], input=stdin)
    places = [re.match(r"(.*?:\d+:\d+): ", line) for line in scanned.stdout.splitlines()]
    assert places and all(places), scanned.stdout
    explained = CliRunner().invoke(main, ["explain", *model, "--top", "1", *args], input=stdin)
    findings = [
        re.fullmatch(r'\d+-\d+ \S+ \d\.\d\d ".*?"(?: at (.*))?', line)
        for line in explained.stdout.splitlines()
        if line[:1].isdigit()
    ]
    assert all(findings), explained.stdout
    assert [f[1] for f in findings if f] == [p[1] for p in places if p]


def test_explain_takes_the_baseline_scan_takes(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scan --baseline FILE` reports only the findings the baseline does not
    record; explain had no --baseline and explained them all, the reviewed ones
    too."""
    monkeypatch.chdir(tmp_path)
    model = ["--model", str(tiny_model_dir)]
    Path("a.jsonl").write_text(_jsonl({"id": 1, "text": INJECTED}), encoding="utf-8")
    recorded = CliRunner().invoke(
        main, ["scan", *model, "--baseline", "b.json", "--update-baseline", "a.jsonl"]
    )
    assert recorded.exit_code == 0, recorded.output
    Path("a.jsonl").write_text(
        _jsonl({"id": 1, "text": INJECTED + CONTACT}, {"id": 2, "text": FIELD_HTML}),
        encoding="utf-8",
    )
    args = ["--baseline", "b.json", "--format", "json", "a.jsonl"]
    scanned = CliRunner().invoke(main, ["scan", *model, *args])
    reported = [
        (record["line"], {key: value for key, value in finding.items() if key != "field"})
        for record in json.loads(scanned.stdout)
        for finding in record["findings"]
    ]
    assert [f["text"] for _, f in reported] == ["加微信abc12345领取福利", "杨方线上配资股票"]
    explained = CliRunner().invoke(main, ["explain", *model, *args])
    assert explained.exit_code == 1, explained.output
    assert [(r["line"], r["finding"]) for r in json.loads(explained.stdout)] == reported
    assert explained.stderr == (
        "detector: 1 finding(s) not explained: scan does not report them"
        " (the baseline b.json, or the inline marker 'detector: allow')\n"
    )
    # Walking a directory, the baseline file itself is no input (a JSON file).
    walked = CliRunner().invoke(main, ["explain", *model, *args[:-1], "."])
    assert walked.exit_code == 1, walked.output
    assert [(r["path"], r["line"], r["finding"]) for r in json.loads(walked.stdout)] == [
        ("./a.jsonl", line, finding) for line, finding in reported
    ]


def test_explain_takes_the_id_field_scan_takes(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scan --id-field url` names a crawl's records by their url, in its output
    and in its baseline's fingerprints; explain had no --id-field, so it gave
    them no id and, with that baseline, explained the findings it records (the
    same ad in two records: one fingerprint without a record id)."""
    monkeypatch.chdir(tmp_path)
    model = ["--model", str(tiny_model_dir)]
    records = [{"url": "https://a.example/1", "text": INJECTED}]
    Path("a.jsonl").write_text(_jsonl(*records), encoding="utf-8")
    recorded = CliRunner().invoke(
        main,
        [
            "scan",
            *model,
            "--id-field",
            "url",
            "--baseline",
            "b.json",
            "--update-baseline",
            "a.jsonl",
        ],
    )
    assert recorded.exit_code == 0, recorded.output
    records.append({"url": "https://a.example/2", "text": INJECTED})  # the same ad, a new page
    Path("a.jsonl").write_text(_jsonl(*records), encoding="utf-8")
    args = ["--id-field", "url", "--baseline", "b.json", "--format", "json", "a.jsonl"]
    scanned = CliRunner().invoke(main, ["scan", *model, *args])
    reported = [
        (record["id"], finding["start"], finding["text"])
        for record in json.loads(scanned.stdout)
        for finding in record["findings"]
    ]
    assert reported == [("https://a.example/2", 17, "杨方线上配资股票")]
    explained = CliRunner().invoke(main, ["explain", *model, *args])
    assert explained.exit_code == 1, explained.output
    got = [
        (r["id"], r["finding"]["start"], r["finding"]["text"]) for r in json.loads(explained.stdout)
    ]
    assert got == reported

"""Suppressions: inline marker, allowlist (.detector.toml / pyproject.toml), baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detector.cli import main
from detector.config import ConfigError, load_config
from detector.results import Finding, Verdict
from detector.suppress import (
    BaselineError,
    Suppressions,
    dump_baseline,
    fingerprints,
    has_inline_marker,
    parse_baseline,
)

INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"
AD = "杨方线上配资股票"


def finding(text: str, start: int = 0, category: str = "stock-margin") -> Finding:
    return Finding(start, start + len(text), text, 0.9, category)


def test_inline_marker_applies_to_its_own_line_only() -> None:
    text = "第一行 detector: allow\n第二行"
    assert has_inline_marker(text, 0) and has_inline_marker(text, 3)
    assert not has_inline_marker(text, text.index("第二行"))


def test_allowed_phrases_are_cut_out_of_findings() -> None:
    """Compared normalized; a finding inside the phrase as written goes (the model
    flagged "财富APP下载" of an outlet's "东方财富APP下载" and the allowlist did not
    cover it); an ad merged with the phrase keeps its own part (it hid behind the
    phrase whole); a word or two left beside the phrase is the span's edge."""
    rules = Suppressions(allow=("楊方 線上配資", "东方财富APP下载"))

    def judge(text: str) -> list[Finding]:  # a detector that knows one brand
        at = text.find("金沙娱乐")
        return [] if at < 0 else [Finding(at, at + 4, "金沙娱乐", 0.9, "gambling")]

    def kept(text: str, part: str) -> list[str]:
        start = text.index(part)
        found = Finding(start, start + len(part), part, 0.9, "stock-margin")
        return [f.text for f in rules.without_allowed([found], text, judge)]

    assert kept("会议强调要强化杨方线上配资股票", "强化杨方线上配资股票") == []
    assert kept("会议强调王磊在线配资平台", "王磊在线配资平台") == ["王磊在线配资平台"]
    assert kept("本文来源：东方财富APP下载", "财富APP下载") == []
    assert kept("本文来源：東方財富 APP 下載", "財富 APP 下載") == []  # as written, spaced
    merged = "东方财富APP下载，下载金沙娱乐APP注册送88元"
    assert kept(merged, merged) == ["下载金沙娱乐APP注册送88元"]


def test_fingerprints_ignore_position_but_count_repeats() -> None:
    first = fingerprints("a.txt", None, None, [finding(AD, 10)])
    moved = fingerprints("./a.txt", None, None, [finding(AD, 500)])
    assert first == moved
    twice = fingerprints("a.txt", None, None, [finding(AD, 10), finding(AD, 90)])
    assert twice[0] == first[0] and twice[1] != first[0]
    assert fingerprints("b.txt", None, None, [finding(AD)]) != first
    assert fingerprints("a.txt", None, None, [finding(AD, category="link")]) != first


def test_findings_are_normalized_a_bounded_piece_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fingerprinting normalized all of a document's findings in one call: the
    findings of a 200 MB single-line dump, which covered all of it, took the scan
    to 2.9 GB.  They are normalized in pieces, to the same texts."""
    from detector import suppress

    texts = [f"加 微 信\n{i}ＡＢ杨方线上配资股票" * 500 for i in range(40)]
    expected = [suppress.normalized_texts([text])[0] for text in texts]
    lengths: list[int] = []
    original = suppress.normalize

    def normalize(text: str):  # type: ignore[no-untyped-def]
        lengths.append(len(text))
        return original(text)

    monkeypatch.setattr(suppress, "normalize", normalize)
    assert suppress.normalized_texts(texts) == expected
    assert sum(lengths) > 2 * suppress._NORMALIZE_CHARS
    assert max(lengths) <= suppress._NORMALIZE_CHARS


def test_baseline_round_trip_and_errors() -> None:
    entries = [
        {"fingerprint": "b", "path": "z.txt", "category": "link", "text": "x"},
        {"fingerprint": "a", "path": "a.txt", "category": "link", "text": "y"},
    ]
    content = dump_baseline(entries)
    assert content == dump_baseline(list(reversed(entries)))
    assert [e["path"] for e in json.loads(content)["findings"]] == ["a.txt", "z.txt"]
    assert parse_baseline(content) == {"a", "b"}
    for bad in ("[]", "{", '{"version": 9, "findings": []}', '{"version": 1, "findings": [1]}'):
        with pytest.raises(BaselineError):
            parse_baseline(bad)
    edited = json.loads(content)
    del edited["findings"][1]["fingerprint"]
    with pytest.raises(BaselineError, match=r"^entry 2 of 'findings' has no 'fingerprint'"):
        parse_baseline(json.dumps(edited))


def test_config_is_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.detector]\nallow = ["甲"]\n', encoding="utf-8")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert load_config(nested).allow == ("甲",)
    (tmp_path / "a" / ".detector.toml").write_text('allow = ["乙"]\n', encoding="utf-8")
    assert load_config(nested).allow == ("乙",)
    (tmp_path / "a" / ".detector.toml").write_text("allow = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'allow' must be a list of strings"):
        load_config(nested)


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """It was "invalid TOML" (exit 2), where a baseline with one is read."""
    (tmp_path / ".detector.toml").write_bytes(b'\xef\xbb\xbfallow = ["\xe7\x94\xb2"]\n')
    assert load_config(tmp_path).allow == ("甲",)


def test_pyproject_without_a_detector_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".detector.toml").write_text('allow = ["甲"]\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.ruff]\n", encoding="utf-8")
    assert load_config(tmp_path / "sub").allow == ("甲",)


def test_keys_that_are_not_read_are_errors(tmp_path: Path) -> None:
    """A .detector.toml with a [tool.detector] table is read from the table alone:
    ``inline_markers = false`` written above it was silently ignored (the marker
    stayed on), as was a ``tool`` key inside [tool.detector] of pyproject.toml."""
    config = tmp_path / ".detector.toml"
    config.write_text('inline_markers = false\n[tool.detector]\nallow = ["甲"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"inline_markers outside \[tool.detector\]"):
        load_config(tmp_path)
    config.write_text('[tool.detector]\nallow = ["甲"]\n[tool.ruff]\n', encoding="utf-8")
    assert load_config(tmp_path).allow == ("甲",)
    config.write_text('allow = ["乙"]\n[tool.ruff]\nline-length = 99\n', encoding="utf-8")
    assert load_config(tmp_path).allow == ("乙",)
    config.unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.detector]\nallow = ["甲"]\n[tool.detector.tool]\ninline_markers = false\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(tmp_path)


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text(INJECTED, encoding="utf-8")
    return tmp_path


def scan(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["scan", "--model", str(model), *args])


def test_cli_inline_marker(tiny_model_dir: Path, workdir: Path) -> None:
    marked = INJECTED.replace("推动循环。", "推动循环。 # detector: allow")
    (workdir / "articles" / "a.txt").write_text(marked, encoding="utf-8")
    result = scan(tiny_model_dir, "articles")
    assert (result.exit_code, result.stdout) == (0, "")


def test_inline_markers_can_be_turned_off_for_unreviewed_text(
    tiny_model_dir: Path, workdir: Path
) -> None:
    marked = INJECTED.replace("推动循环。", "推动循环。 detector: allow")
    (workdir / "articles" / "a.txt").write_text(marked, encoding="utf-8")
    (workdir / ".detector.toml").write_text("inline_markers = false\n", encoding="utf-8")
    assert scan(tiny_model_dir, "articles").exit_code == 1  # the ad's own marker is ignored
    (workdir / ".detector.toml").write_text('inline_markers = "no"\n', encoding="utf-8")
    result = scan(tiny_model_dir, "articles")
    assert result.exit_code == 2
    assert "'inline_markers' must be true or false" in result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (".detector.toml", 'allow = ["杨方线上配资"]\n'),
        ("pyproject.toml", '[project]\nname = "x"\n[tool.detector]\nallow = ["杨方线上配资"]\n'),
    ],
)
def test_cli_allowlist(tiny_model_dir: Path, workdir: Path, name: str, content: str) -> None:
    assert scan(tiny_model_dir, "articles").exit_code == 1
    (workdir / name).write_text(content, encoding="utf-8")
    result = scan(tiny_model_dir, "articles")
    assert (result.exit_code, result.stdout) == (0, "")


def test_cli_bad_config_is_an_error(tiny_model_dir: Path, workdir: Path) -> None:
    (workdir / ".detector.toml").write_text("allow = [", encoding="utf-8")
    result = scan(tiny_model_dir, "articles")
    assert result.exit_code == 2
    assert result.stderr.startswith("detector: error: ")
    assert "invalid TOML" in result.stderr


def test_a_current_directory_that_is_gone_is_an_error(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings are looked for from the current directory: a shell left in a
    deleted directory (removed by a checkout) made ``scan`` of an absolute path
    end in a FileNotFoundError traceback."""
    article = tmp_path / "a.txt"
    article.write_text(INJECTED, encoding="utf-8")
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    for command in ("scan", "clean"):
        result = CliRunner().invoke(main, [command, "--model", str(tiny_model_dir), str(article)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("detector: error: ")
        assert "current directory" in result.stderr


def test_cli_baseline_hides_recorded_findings_and_survives_moves(
    tiny_model_dir: Path, workdir: Path
) -> None:
    baseline = workdir / ".detector-baseline.json"
    result = scan(tiny_model_dir, "--baseline", str(baseline), "--update-baseline", "articles")
    assert result.exit_code == 0 and result.stdout == ""
    assert f"detector: {baseline}: baseline of 1 finding(s) written" in result.stderr
    content = baseline.read_text(encoding="utf-8")
    (entry,) = json.loads(content)["findings"]
    assert entry["path"] == "articles/a.txt" and entry["text"] == AD
    assert scan(tiny_model_dir, "--baseline", str(baseline), "articles").exit_code == 0
    # Moving the text keeps it hidden; a new copy of the ad is reported.
    article = workdir / "articles" / "a.txt"
    article.write_text("农业农村部部署秋粮收获工作。\n\n" + INJECTED, encoding="utf-8")
    assert scan(tiny_model_dir, "--baseline", str(baseline), "articles").exit_code == 0
    article.write_text(INJECTED + INJECTED, encoding="utf-8")
    again = scan(tiny_model_dir, "--baseline", str(baseline), "articles")
    assert again.exit_code == 1 and len(again.stdout.splitlines()) == 1
    # Rewriting the baseline is byte-for-byte stable.
    scan(tiny_model_dir, "--baseline", str(baseline), "--update-baseline", "articles")
    first = baseline.read_bytes()
    scan(tiny_model_dir, "--baseline", str(baseline), "--update-baseline", "articles")
    assert baseline.read_bytes() == first


def test_a_file_named_twice_gives_each_baseline_entry_once(
    tiny_model_dir: Path, workdir: Path
) -> None:
    baseline = workdir / ".detector-baseline.json"
    twice = ("articles/a.txt", "articles")
    result = scan(tiny_model_dir, "--baseline", str(baseline), "--update-baseline", *twice)
    assert f"detector: {baseline}: baseline of 1 finding(s) written" in result.stderr
    assert len(json.loads(baseline.read_text(encoding="utf-8"))["findings"]) == 1
    assert scan(tiny_model_dir, "--baseline", str(baseline), *twice).exit_code == 0


def test_cli_baseline_errors(tiny_model_dir: Path, workdir: Path) -> None:
    result = scan(tiny_model_dir, "--update-baseline", "articles")
    assert result.exit_code == 2 and "--update-baseline needs --baseline FILE" in result.stderr
    missing = scan(tiny_model_dir, "--baseline", "nope.json", "articles")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("detector: error: nope.json: cannot read baseline")
    (workdir / "bad.json").write_text("[]", encoding="utf-8")
    bad = scan(tiny_model_dir, "--baseline", "bad.json", "articles")
    assert bad.exit_code == 2 and "not a detector baseline" in bad.stderr


def test_a_baseline_saved_with_a_byte_order_mark_is_read(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """Saved by an editor that writes a UTF-8 BOM, it was an error ("Unexpected
    UTF-8 BOM"), exit 2, until the BOM was removed by hand."""
    baseline = workdir / "bl.json"
    scan(tiny_model_dir, "--baseline", str(baseline), "--update-baseline", "articles")
    baseline.write_bytes(b"\xef\xbb\xbf" + baseline.read_bytes())
    result = scan(tiny_model_dir, "--baseline", str(baseline), "articles")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_cli_baseline_that_is_not_utf8_is_an_error(tiny_model_dir: Path, workdir: Path) -> None:
    (workdir / "bl.json").write_bytes(b"\xff\xfe")
    result = scan(tiny_model_dir, "--baseline", "bl.json", "articles")
    assert result.exit_code == 2
    assert result.stderr == (
        "detector: error: bl.json: not a detector baseline (not UTF-8: byte 0xff at 0)\n"
    )


def test_update_baseline_for_some_paths_keeps_the_entries_of_the_others(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """Updating for one file (what pre-commit passes: the files changed) wrote a
    baseline of that file's findings alone: every reviewed entry of the other
    files was erased, and their ads reported again on the next run."""
    articles = workdir / "articles"
    (articles / "b.txt").write_text(INJECTED, encoding="utf-8")
    (articles / "c.txt").write_text(INJECTED, encoding="utf-8")
    baseline = workdir / "base.json"
    update = ("--baseline", str(baseline), "--update-baseline")
    assert scan(tiny_model_dir, *update, "articles").exit_code == 0
    recorded = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert sorted(e["path"] for e in recorded) == [f"articles/{n}.txt" for n in "abc"]
    # a.txt loses its ad: updating for it alone drops its entry, keeps b's and c's.
    (articles / "a.txt").write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    result = scan(tiny_model_dir, *update, "articles/a.txt")
    assert result.exit_code == 0
    assert (
        f"detector: {baseline}: baseline of 2 finding(s) written"
        " (2 kept for paths not scanned this time)" in result.stderr
    )
    kept = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert kept == [e for e in recorded if e["path"] != "articles/a.txt"]
    assert scan(tiny_model_dir, "--baseline", str(baseline), "articles").exit_code == 0
    # A directory scanned again answers for everything under it: c.txt is gone.
    (articles / "c.txt").unlink()
    assert scan(tiny_model_dir, *update, "articles").exit_code == 0
    paths = [e["path"] for e in json.loads(baseline.read_text(encoding="utf-8"))["findings"]]
    assert paths == ["articles/b.txt"]


def test_update_baseline_keeps_the_entries_of_inputs_that_could_not_be_scanned(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """A read error while updating used to rewrite the baseline without that
    input's entries: a transient error erased reviewed findings."""
    articles = workdir / "articles"
    (articles / "b.txt").write_text(INJECTED, encoding="utf-8")
    (articles / "sub").mkdir()
    (articles / "sub" / "c.txt").write_text(INJECTED, encoding="utf-8")
    baseline = workdir / "base.json"
    update = ("--baseline", str(baseline), "--update-baseline", "articles")
    assert scan(tiny_model_dir, *update).exit_code == 0
    recorded = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    paths = ["articles/a.txt", "articles/b.txt", "articles/sub/c.txt"]
    assert sorted(e["path"] for e in recorded) == paths
    # b.txt cannot be opened now (as root, a broken symlink stands in for a
    # permission error), sub/ cannot be listed, and a.txt no longer has its ad.
    (articles / "b.txt").unlink()
    (articles / "b.txt").symlink_to(workdir / "elsewhere.txt")
    (articles / "sub").rename(workdir / "sub")
    (articles / "sub").symlink_to(workdir / "nowhere", target_is_directory=True)
    (articles / "a.txt").write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    result = scan(tiny_model_dir, *update)
    assert result.exit_code == 2
    assert "detector: error: articles/b.txt: cannot open" in result.stderr
    assert "detector: error: articles/sub: cannot open" in result.stderr
    assert (
        f"detector: {baseline}: baseline of 2 finding(s) written"
        " (2 kept for inputs that could not be scanned)" in result.stderr
    )
    kept = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert kept == [e for e in recorded if e["path"] != "articles/a.txt"]
    # An old baseline that cannot be read is not overwritten when it is needed.
    baseline.write_text("{", encoding="utf-8")
    result = scan(tiny_model_dir, *update)
    assert result.exit_code == 2 and "not rewritten" in result.stderr
    assert baseline.read_text(encoding="utf-8") == "{"


def explain(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["explain", "--model", str(model), *args])


def test_explain_leaves_out_the_findings_scan_does_not_report(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """explain read no .detector.toml: it explained (exit 1) the findings that the
    allowlist and the inline marker keep ``scan`` from reporting (exit 0)."""
    (workdir / ".detector.toml").write_text('allow = ["杨方线上配资"]\n', encoding="utf-8")
    assert scan(tiny_model_dir, "articles").exit_code == 0
    for target in (["articles/a.txt"], ["--text", INJECTED], ["-"]):
        command = ["explain", "--model", str(tiny_model_dir), *target]
        result = CliRunner().invoke(main, command, input=INJECTED)
        assert (result.exit_code, result.stdout) == (0, ""), (target, result.output)
        assert result.stderr.endswith(
            "detector: 1 finding(s) not explained: scan does not report them (the allow list"
            f" of {workdir / '.detector.toml'}, or the inline marker 'detector: allow')\n"
        ), result.stderr
    (workdir / ".detector.toml").unlink()
    marked = INJECTED.replace("推动循环。", "推动循环。 detector: allow")
    (workdir / "articles" / "a.txt").write_text(marked, encoding="utf-8")
    assert scan(tiny_model_dir, "articles").exit_code == 0
    result = explain(tiny_model_dir, "articles/a.txt")
    assert (result.exit_code, result.stdout) == (0, "")
    (workdir / ".detector.toml").write_text("inline_markers = false\n", encoding="utf-8")
    assert explain(tiny_model_dir, "articles/a.txt").exit_code == 1  # as scan then reports it
    assert scan(tiny_model_dir, "articles").exit_code == 1


def test_explain_explains_what_the_allowlist_leaves_of_a_finding_as_scan_judged_it(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """What the allowlist leaves of a finding is judged again on the text without
    the phrase; explain showed the whole finding, with the phrase and its score."""
    text = "会议强调要深化产融合作。\n东方财富APP下载，加微信abc12345领取福利,推动循环。\n"
    (workdir / "articles" / "a.txt").write_text(text, encoding="utf-8")
    (workdir / ".detector.toml").write_text('allow = ["东方财富APP下载"]\n', encoding="utf-8")
    scanned = scan(tiny_model_dir, "--format", "json", "articles/a.txt")
    (reported,) = json.loads(scanned.stdout)[0]["findings"]
    assert reported["text"] == "加微信abc12345领取福利"  # the piece scan reports
    result = explain(tiny_model_dir, "--format", "json", "articles/a.txt")
    assert result.exit_code == 1, result.output
    (record,) = json.loads(result.stdout)
    assert record["finding"] == reported
    assert record["without_allowed"] is True and record["score"] == reported["score"]
    assert "东方财富" not in record["scope"] and "加微信" in record["scope"]
    lines = explain(tiny_model_dir, "--top", "2", "articles/a.txt").stdout.splitlines()
    assert lines[0] == (
        f"{reported['start']}-{reported['end']} {reported['category']}"
        f' {reported["score"]:.2f} "加微信abc12345领取福利" at articles/a.txt:2:11'
    ), lines
    assert "  judged on the text without the allowed phrases" in lines


@pytest.mark.parametrize("threshold", ["0.2", "block"])
def test_explain_takes_the_threshold_scan_takes(
    tiny_model_dir: Path, workdir: Path, threshold: str
) -> None:
    """explain had no --threshold: it explained the findings of the model's review
    threshold whatever threshold the scan it was to explain used."""
    text = "专家表示消费市场持续回暖登录入口。\n" + INJECTED
    (workdir / "articles" / "a.txt").write_text(text, encoding="utf-8")
    scanned = scan(tiny_model_dir, "--threshold", threshold, "--format", "json", "articles")
    expected = json.loads(scanned.stdout)[0]["findings"]
    result = explain(tiny_model_dir, "--threshold", threshold, "--format", "json", "articles/a.txt")
    assert result.exit_code == 1, result.output
    assert [record["finding"] for record in json.loads(result.stdout)] == expected


def test_explain_explains_the_hidden_text_finding_scan_reports_on_a_page(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """scan reports an ad in hidden text twice, as the model's finding and as a
    hidden-text one; explain scanned the page's text alone and explained only the
    first (exit 1, no word of the other)."""
    page = (
        "<html><body><p>会议强调要深化产融合作。</p>"
        '<div style="display:none">强化服务杨方线上配资股票,推动循环。</div>'
        "<p>农业农村部部署秋粮收获工作。</p></body></html>\n"
    )
    (workdir / "articles" / "a.html").write_text(page, encoding="utf-8")
    scanned = scan(tiny_model_dir, "--format", "json", "articles/a.html")
    expected = json.loads(scanned.stdout)[0]["findings"]
    assert "hidden-text" in [f["category"] for f in expected]
    result = explain(tiny_model_dir, "--format", "json", "articles/a.html")
    assert result.exit_code == 1, result.output
    assert [record["finding"] for record in json.loads(result.stdout)] == expected
    assert "not explained" not in result.stderr


# Ignored categories ------------------------------------------------------------

HANDLE = "加微信abc12345领取福利"
TWO_ADS = f"会议强调要深化产融合作。\n强化服务{AD},推动循环。\n专家表示{HANDLE}\n"


def test_ignored_categories_leave_the_verdict_as_if_the_model_had_not_found_them() -> None:
    margin = finding(AD, 10)
    handle = Finding(30, 30 + len(HANDLE), HANDLE, 0.97, "contact")
    verdict = Verdict(True, 0.97, (margin, handle), "v1")
    rules = Suppressions(ignore_categories=frozenset({"contact"}))
    assert rules.heeded(verdict, block_threshold=0.95) == Verdict(False, 0.9, (margin,), "v1")
    assert rules.heeded(verdict, block_threshold=0.85).is_spam
    assert Suppressions().heeded(verdict, 0.95) is verdict
    # keep() drops them too (a page's hidden-text findings come after heeded()),
    # and the other findings keep the fingerprints they had.
    kept = rules.keep([margin, handle], path="a.txt", text=TWO_ADS)
    assert kept == Suppressions().keep([margin], path="a.txt", text=TWO_ADS)


@pytest.mark.parametrize("names", [{"promo"}, {"contact", "Contact"}, {"clean"}])
def test_an_unknown_category_is_refused_naming_it_and_the_categories(names: set[str]) -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown category '(promo|Contact|clean)' \(the categories: stock-margin, .*text\)",
    ):
        Suppressions(ignore_categories=frozenset(names))


def test_config_ignore_categories(tmp_path: Path) -> None:
    config = tmp_path / ".detector.toml"
    config.write_text('ignore_categories = ["promotion", "contact"]\n', encoding="utf-8")
    assert load_config(tmp_path).ignore_categories == ("promotion", "contact")
    config.write_text('ignore_categories = "promotion"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'ignore_categories' must be a list of category names"):
        load_config(tmp_path)
    config.write_text('ignore_categories = ["promotions"]\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"\.detector\.toml: 'ignore_categories': unknown category 'promotions'"
    ):
        load_config(tmp_path)


def test_cli_ignore_category_from_the_option_and_the_config(
    tiny_model_dir: Path, workdir: Path
) -> None:
    (workdir / "articles" / "a.txt").write_text(TWO_ADS, encoding="utf-8")

    def categories(result: Result) -> list[str]:
        return [f["category"] for r in json.loads(result.stdout) for f in r["findings"]]

    everything = scan(tiny_model_dir, "--format", "json", "articles")
    assert (everything.exit_code, categories(everything)) == (1, ["stock-margin", "contact"])
    one = scan(tiny_model_dir, "--format", "json", "--ignore-category", "contact", "articles")
    assert (one.exit_code, categories(one)) == (1, ["stock-margin"])
    assert json.loads(one.stdout)[0]["score"] < json.loads(everything.stdout)[0]["score"]
    (workdir / ".detector.toml").write_text(
        'ignore_categories = ["stock-margin"]\n', encoding="utf-8"
    )
    both = scan(tiny_model_dir, "--ignore-category", "contact", "articles")
    assert (both.exit_code, both.stdout) == (0, "")
    wrong = scan(tiny_model_dir, "--ignore-category", "contacts", "articles")
    assert wrong.exit_code == 2 and "'contacts' is not one of" in wrong.stderr


def test_clean_leaves_the_findings_of_an_ignored_category(
    tiny_model_dir: Path, workdir: Path
) -> None:
    article = workdir / "articles" / "a.txt"
    article.write_text(TWO_ADS, encoding="utf-8")
    args = ["clean", "--model", str(tiny_model_dir)]
    cleaned = CliRunner().invoke(main, [*args, str(article)])
    assert cleaned.exit_code == 1  # something was removed
    assert cleaned.stdout == TWO_ADS.replace(AD, "").replace(HANDLE, "")
    kept = CliRunner().invoke(main, [*args, "--ignore-category", "contact", str(article)])
    assert kept.exit_code == 1 and kept.stdout == TWO_ADS.replace(AD, "")
    nothing = CliRunner().invoke(
        main,
        [*args, "--ignore-category", "contact", "--ignore-category", "stock-margin", str(article)],
    )
    assert nothing.exit_code == 0 and nothing.stdout == TWO_ADS


def test_an_ignored_category_makes_no_hidden_text_finding_on_a_page(
    tiny_model_dir: Path, workdir: Path
) -> None:
    """A hidden block is reported when the model finds an ad in it: an ad of an
    ignored category is no ad, and hidden-text can be ignored on its own."""
    page = (
        "<html><body><p>会议强调要深化产融合作。</p>"
        '<div style="display:none">强化服务杨方线上配资股票,推动循环。</div>'
        "<p>农业农村部部署秋粮收获工作。</p></body></html>\n"
    )
    (workdir / "articles" / "a.html").write_text(page, encoding="utf-8")

    def categories(*args: str) -> list[str]:
        result = scan(tiny_model_dir, "--format", "json", *args, "articles/a.html")
        return [f["category"] for r in json.loads(result.stdout) for f in r["findings"]]

    assert sorted(categories()) == ["hidden-text", "stock-margin"]
    assert categories("--ignore-category", "hidden-text") == ["stock-margin"]
    assert categories("--ignore-category", "stock-margin") == []
    result = explain(tiny_model_dir, "--ignore-category", "stock-margin", "articles/a.html")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "not explained" not in result.stderr


def test_a_category_threshold_drops_that_categorys_findings_under_it() -> None:
    margin = finding(AD, 10)  # 0.9
    handle = Finding(30, 30 + len(HANDLE), HANDLE, 0.97, "contact")
    verdict = Verdict(True, 0.97, (margin, handle), "v1")
    rules = Suppressions(category_thresholds=(("contact", 0.98), ("stock-margin", "0.9")))
    assert rules.heeded(verdict, 0.85) == Verdict(True, 0.9, (margin,), "v1")  # 0.9 reaches 0.9
    off = Suppressions(category_thresholds=(("stock-margin", "off"),))
    assert off.heeded(verdict, 0.85).findings == (handle,)
    assert off == Suppressions(ignore_categories=frozenset({"stock-margin"}))
    for bad, message in (
        ((("contact", 1.5),), "must be a number from 0 to 1 or 'off'; got 1.5"),
        ((("contacts", 0.5),), "unknown category 'contacts'"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            Suppressions(category_thresholds=bad)


def test_config_category_thresholds(tmp_path: Path) -> None:
    config = tmp_path / ".detector.toml"
    config.write_text('category_thresholds = {promotion = 0.99, contact = "off"}\n', "utf-8")
    assert load_config(tmp_path).category_thresholds == (("promotion", 0.99), ("contact", "off"))
    for text, message in (
        ("category_thresholds = 0.9\n", "'category_thresholds' must be a table"),
        ("category_thresholds = {promotion = 2}\n", "threshold of 'promotion' must be a number"),
        ('category_thresholds = {promotion = "high"}\n', "must be a number from 0 to 1 or 'off'"),
        ("category_thresholds = {promo = 0.5}\n", "unknown category 'promo'"),
    ):
        config.write_text(text, "utf-8")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(tmp_path)


def test_cli_category_threshold_over_the_config(tiny_model_dir: Path, workdir: Path) -> None:
    """The tiny model scores the margin ad 0.64 and the handle 0.97 in TWO_ADS."""
    (workdir / "articles" / "a.txt").write_text(TWO_ADS, encoding="utf-8")

    def categories(*args: str) -> list[str]:
        result = scan(tiny_model_dir, "--format", "json", *args, "articles")
        return [f["category"] for r in json.loads(result.stdout) for f in r["findings"]]

    assert categories("--category-threshold", "stock-margin=0.5") == ["stock-margin", "contact"]
    assert categories("--category-threshold", "stock-margin=0.7") == ["contact"]
    (workdir / ".detector.toml").write_text(
        'category_thresholds = {stock-margin = 0.7, contact = "off"}\n', "utf-8"
    )
    assert categories() == []
    assert categories("--category-threshold", "contact=0.9") == ["contact"]  # over the file's
    for value, message in (
        ("contact", "is not NAME=X"),
        ("contact=high", "must be a number from 0 to 1 or 'off'"),
        ("contacts=0.5", "unknown category 'contacts'"),
    ):
        result = scan(tiny_model_dir, "--category-threshold", value, "articles")
        assert result.exit_code == 2 and message in result.stderr

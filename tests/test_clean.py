"""Clean mode: exactly the flagged spans go, every other byte stays."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import random
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from detector.clean import (
    clean_jsonl_line,
    decode_exact,
    merge_spans,
    remove_spans,
    replace_json_strings,
)
from detector.cli import main
from detector.core import Detector
from detector.results import Finding

AD = "杨方线上配资股票"
SEED = (
    f"今年以来全市工业增加值同比增长百分之六，各地加快推进{AD}重大项目建设，"
    "气象台发布暴雨蓝色预警。\n学校开展消防安全演练活动。\n"
)
CLEAN = "农业农村部部署秋粮收获工作。\n气象台发布暴雨蓝色预警。\n"
CONTACT_AD = "加微信abc12345领取福利"
CONTACT = f"全国夏粮实现丰收,文旅市场持续升温。\n科研团队在量子通信领域取得突破{CONTACT_AD}。\n"


# -- remove_spans --------------------------------------------------------------


def _reference(text: str, spans: list[tuple[int, int]]) -> str:
    covered = {i for start, end in spans for i in range(start, end)}
    return "".join(ch for i, ch in enumerate(text) if i not in covered)


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(st.text(alphabet="新闻配资股票,。\n ab", max_size=40))
    bound = st.integers(0, len(text))
    pairs = draw(st.lists(st.tuples(bound, bound), max_size=6))
    return text, [(min(a, b), max(a, b)) for a, b in pairs]


@given(text_and_spans())
def test_remove_spans_removes_exactly_the_covered_characters(
    case: tuple[str, list[tuple[int, int]]],
) -> None:
    text, spans = case
    assert remove_spans(text, spans) == _reference(text, spans)


@given(text_and_spans(), st.randoms(use_true_random=False))
def test_remove_spans_ignores_span_order(
    case: tuple[str, list[tuple[int, int]]], rnd: random.Random
) -> None:
    text, spans = case
    shuffled = list(spans)
    rnd.shuffle(shuffled)
    assert remove_spans(text, shuffled) == remove_spans(text, spans)


def test_remove_spans_seed_case_with_findings() -> None:
    start = SEED.index(AD)
    finding = Finding(start, start + len(AD), AD, 0.97, "stock-margin")
    assert SEED[finding.start : finding.end] == finding.text
    assert remove_spans(SEED, [finding]) == SEED.replace(AD, "")


def test_overlapping_and_adjacent_spans_merge() -> None:
    assert merge_spans([(5, 8), (0, 2), (2, 3), (6, 9), (4, 4)], 10) == [(0, 3), (5, 9)]
    assert remove_spans("0123456789", [(5, 8), (0, 2), (2, 3), (6, 9)]) == "349"
    assert remove_spans("新闻", []) == "新闻"


@pytest.mark.parametrize("span", [(-1, 2), (3, 2), (0, 5)])
def test_spans_outside_the_text_are_rejected(span: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="outside the text"):
        remove_spans("新闻稿", [span])


# -- JSON lines and decoding ---------------------------------------------------


def test_replace_json_strings_keeps_every_other_byte() -> None:
    line = '{ "id" :7,"content":"a\\u4e2db" , "n": 1.50, "title":"t", "tags":["x"] }'
    out = replace_json_strings(line, {"content": '新"闻', "title": "T"})
    # The content was written in escapes, and is written back in them; the title not.
    assert out == '{ "id" :7,"content":"\\u65b0\\"\\u95fb" , "n": 1.50, "title":"T", "tags":["x"] }'
    out = replace_json_strings(line.replace("\\u4e2d", "中"), {"content": '新"闻'})
    assert out == '{ "id" :7,"content":"新\\"闻" , "n": 1.50, "title":"t", "tags":["x"] }'


def test_replace_json_strings_rewrites_the_key_json_keeps() -> None:
    line = '{"content": "first", "content": "second"}'
    out = replace_json_strings(line, {"content": "X"})
    assert out == '{"content": "first", "content": "X"}'
    assert json.loads(out)["content"] == "X"


@given(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=False), st.none()),
        max_size=5,
    ),
    st.text(max_size=8),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]),
    st.booleans(),
)
def test_replace_json_strings_round_trips(
    record: dict[str, object], value: str, separators: tuple[str, str], ascii_only: bool
) -> None:
    record = {**record, "content": "旧"}
    line = json.dumps(record, separators=separators, ensure_ascii=ascii_only)
    out = replace_json_strings(line, {"content": value})
    assert json.loads(out) == {**record, "content": value}


def test_decode_exact_keeps_bom_and_encoding() -> None:
    assert decode_exact(b"\xef\xbb\xbf" + "新闻".encode()) == (b"\xef\xbb\xbf", "新闻", "utf-8")
    assert decode_exact("新闻".encode("gb18030")) == (b"", "新闻", "gb18030")
    assert decode_exact(b"\xff\xfe\x00") is None


def test_clean_jsonl_line_reports_like_scan(tiny_detector: Detector) -> None:
    from detector.scanning import scan_field

    def scan(text: str):  # type: ignore[no-untyped-def]
        return scan_field(tiny_detector, text)

    bad = clean_jsonl_line(b"[1, 2]\n", ["text"], scan)
    assert bad.data == b"[1, 2]\n"
    assert bad.errors == ("a JSONL record must be an object",)
    blank = clean_jsonl_line(b"  \r\n", ["text"], scan)
    assert blank.data == b"  \r\n" and not blank.errors


# -- detector clean ------------------------------------------------------------


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def seed_file(directory: Path) -> Path:
    """``seed.txt`` in ``directory``, holding the seed article."""
    source = directory / "seed.txt"
    source.write_text(SEED, encoding="utf-8")
    return source


def clean(runner: CliRunner, model: Path, *args: str, stdin: bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["clean", "--model", str(model), *args], input=stdin)


def test_clean_leaves_an_html_file_scan_skips_as_binary(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """clean read a page with a NUL in it and cut its ad out, where scan skips
    the file as binary: clean acts on what scan reports."""
    page = tmp_path / "page.html"
    data = f"<p>{SEED}</p>\x00\x01\n".encode()
    page.write_bytes(data)
    for command in (["scan"], ["clean", "--in-place"]):
        result = runner.invoke(main, [*command, "--model", str(tiny_model_dir), str(page)])
        assert (result.exit_code, result.stderr) == (0, f"detector: {page}: binary file skipped\n")
    assert page.read_bytes() == data


def test_clean_writes_input_minus_the_span(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    out = tmp_path / "out.txt"
    result = clean(runner, tiny_model_dir, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert out.read_bytes() == SEED.replace(AD, "").encode()
    assert source.read_text(encoding="utf-8") == SEED
    column = SEED.index(AD) + 1
    assert result.stderr.startswith(f"{source}:1:{column}: removed stock-margin 0.")
    assert result.stderr.rstrip().endswith(f'"{AD}"')
    assert result.stdout == ""


def test_clean_to_stdout_and_from_stdin(runner: CliRunner, tiny_model_dir: Path) -> None:
    result = clean(runner, tiny_model_dir, "-", "-o", "-", stdin=CONTACT.encode())
    assert result.exit_code == 1
    assert result.stdout_bytes == CONTACT.replace(CONTACT_AD, "").encode()
    assert result.stderr.startswith("<stdin>:2:")


def test_clean_input_is_copied_unchanged_with_exit_zero(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "clean.txt"
    source.write_text(CLEAN, encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 0
    assert result.stdout_bytes == CLEAN.encode()
    assert result.stderr == ""


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode("utf-8"),
        lambda s: s.encode("gb18030"),
    ],
    ids=["utf8-bom-crlf", "gb18030"],
)
def test_clean_keeps_bom_line_endings_and_encoding(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, encode
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "seed.txt"
    source.write_bytes(encode(SEED))
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1
    assert result.stdout_bytes == encode(SEED.replace(AD, ""))


def test_undecodable_text_is_left_alone_with_an_error(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "broken.txt"
    data = SEED.encode() + b"\xff\xff"
    source.write_bytes(data)
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 2
    assert result.stdout_bytes == data
    assert result.stderr.startswith(f"detector: error: {source}: cannot be written back byte")
    assert result.stderr.endswith("left unchanged\n")


def test_utf16_text_with_its_mark_is_cleaned_and_stays_utf16(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "utf16.txt"
    source.write_bytes(SEED.encode("utf-16"))
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1
    assert result.stdout_bytes == SEED.replace(AD, "").encode("utf-16")


@pytest.mark.parametrize("codec", ["utf-16-be", "utf-32-be", "utf-16-le", "utf-32-le"])
def test_utf16_and_utf32_in_either_byte_order_are_cleaned_in_that_order(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, codec: str
) -> None:
    """The mark names the byte order; the file is written back in it (a big-endian
    file was left unchanged with an error about broken UTF-8)."""
    mark = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(codec)
    mark = mark or {"utf-16-le": b"\xff\xfe", "utf-32-le": b"\xff\xfe\x00\x00"}[codec]
    record = '[{"text": ' + json.dumps(SEED, ensure_ascii=False) + "}]\n"
    for name, text in [("seed.txt", SEED), ("items.json", record)]:
        source = tmp_path / name
        source.write_bytes(mark + text.encode(codec))
        result = clean(runner, tiny_model_dir, str(source))
        assert result.exit_code == 1, result.stderr
        assert result.stdout_bytes == mark + text.replace(AD, "").encode(codec)


def test_refuses_to_overwrite_the_input_without_in_place(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    (tmp_path / "sub").mkdir()
    for spelling in (str(source), str(tmp_path / "sub" / ".." / "seed.txt")):
        result = clean(runner, tiny_model_dir, str(source), "-o", spelling)
        assert result.exit_code == 2
        assert "use --in-place" in result.stderr
        assert result.stderr.startswith("detector: error: ")
    assert source.read_text(encoding="utf-8") == SEED


def test_several_inputs_need_in_place(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(SEED, encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(tmp_path / "a.txt"), str(tmp_path / "a.txt"))
    assert result.exit_code == 2
    result = clean(runner, tiny_model_dir, str(tmp_path))
    assert result.exit_code == 2
    result = clean(runner, tiny_model_dir, "--in-place", "-o", "x", str(tmp_path))
    assert result.exit_code == 2


def test_in_place_rewrites_atomically_and_only_what_changed(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    injected, untouched = folder / "seed.txt", folder / "clean.txt"
    injected.write_text(SEED, encoding="utf-8")
    untouched.write_text(CLEAN, encoding="utf-8")
    injected.chmod(0o640)
    before = {p: os.stat(p) for p in (injected, untouched)}
    result = clean(runner, tiny_model_dir, "--in-place", str(folder))
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert injected.read_text(encoding="utf-8") == SEED.replace(AD, "")
    after = os.stat(injected)
    # os.replace of a new file: a different inode, the old mode, no temp file left.
    assert after.st_ino != before[injected].st_ino
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert sorted(p.name for p in folder.iterdir()) == ["clean.txt", "seed.txt"]
    assert os.stat(untouched).st_ino == before[untouched].st_ino
    assert os.stat(untouched).st_mtime_ns == before[untouched].st_mtime_ns
    assert untouched.read_text(encoding="utf-8") == CLEAN


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_in_place_keeps_the_owner_of_the_file(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    os.chown(source, 12345, 23456)  # a service account's crawl, cleaned by root
    result = clean(runner, tiny_model_dir, "--in-place", str(source))
    assert result.exit_code == 1, result.stderr
    after = os.stat(source)
    assert (after.st_uid, after.st_gid) == (12345, 23456)
    assert source.read_text(encoding="utf-8") == SEED.replace(AD, "")


def test_jsonl_cleans_only_the_text_fields(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    seed, contact = json.dumps(SEED, ensure_ascii=False), json.dumps(CONTACT)
    lines = [
        f'{{"id": "a1", "title": "学校开展消防安全演练活动", "content": {seed}, "n": 1.50}}\r\n',
        "\n",
        '{"id":"a2","content":"\\u519c\\u4e1a\\u519c\\u6751\\u90e8"}\n',
        "not json\n",
        f'{{"id": "a3", "content": {contact}}}',
    ]
    source = tmp_path / "items.jsonl"
    source.write_bytes("".join(lines).encode())
    out = tmp_path / "clean.jsonl"
    result = clean(
        runner, tiny_model_dir, "--text-field", "title", "--text-field", "content",
        str(source), "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 2  # the invalid line is an error, reported after the rest
    expected = [
        lines[0].replace(AD, ""),
        lines[1],
        lines[2],
        lines[3],
        # Written in escapes, and written back in them.
        '{"id": "a3", "content": ' + json.dumps(CONTACT.replace(CONTACT_AD, "")) + "}",
    ]
    assert out.read_bytes() == "".join(expected).encode()
    assert f"detector: error: {source}:4: invalid JSON" in result.stderr
    # Where the span stood in the file, as scan prints it (not its offset in the field).
    assert f"{source}:1:{lines[0].index(AD) + 1}: removed stock-margin" in result.stderr
    assert "[content]" in result.stderr


def test_a_gbk_jsonl_file_is_cleaned_in_gbk(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The rewritten values are written in the file's own encoding: a UTF-8 value
    in a GBK line would make the file undecodable as either."""
    lines = [
        json.dumps({"id": "a1", "text": SEED}, ensure_ascii=False) + "\n",
        json.dumps({"id": "a2", "text": CLEAN}, ensure_ascii=False) + "\n",
    ]
    source = tmp_path / "items.jsonl"
    source.write_bytes("".join(lines).encode("gbk"))
    out = tmp_path / "clean.jsonl"
    result = clean(runner, tiny_model_dir, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr  # something was removed
    expected = [lines[0].replace(AD, ""), lines[1]]
    assert out.read_bytes() == "".join(expected).encode("gbk")


def test_a_gbk_jsonl_file_is_read_with_one_codec_as_scan_reads_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Each line's encoding was detected on its own: a short GBK line of rarer
    characters came out as Thai (cp874), and the ad scan reports in it stayed."""
    lines = [
        json.dumps({"id": 1, "text": CLEAN}, ensure_ascii=False) + "\n",
        json.dumps({"id": 2, "text": "炜烨" * 6 + CONTACT_AD}, ensure_ascii=False) + "\n",
    ]
    source = tmp_path / "items.jsonl"
    source.write_bytes("".join(lines).encode("gbk"))
    scanned = runner.invoke(main, ["scan", "--model", str(tiny_model_dir), str(source)])
    assert scanned.exit_code == 1 and f"{source}:2:" in scanned.stdout
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == "".join(lines).replace(CONTACT_AD, "").encode("gbk")


def test_only_blocked_articles_lose_text(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Spans under the block threshold are for review: clean removed them, and
    7 % of clean news has one (dev benchmark, shipped model).  A blocked article,
    or record, loses every finding, those under the block threshold included."""
    review = "专家表示消费市场持续回暖登录入口。\n"  # the tiny model at 0.2: one finding, ~0.48
    lenient = ("--threshold", "0.2")  # review 0.2; the block threshold stays the model's 0.5
    flagged = tmp_path / "flagged.txt"
    flagged.write_text(review, encoding="utf-8")
    assert (
        runner.invoke(
            main, ["scan", "--model", str(tiny_model_dir), *lenient, str(flagged)]
        ).exit_code
        == 1
    )
    result = clean(runner, tiny_model_dir, *lenient, str(flagged), "-o", str(tmp_path / "f.out"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert (tmp_path / "f.out").read_text(encoding="utf-8") == review
    blocked = tmp_path / "blocked.txt"
    blocked.write_text(review + SEED, encoding="utf-8")
    result = clean(runner, tiny_model_dir, *lenient, str(blocked), "-o", str(tmp_path / "b.out"))
    assert result.exit_code == 1
    expected = (review + SEED).replace("登录入口", "").replace(AD, "")
    assert (tmp_path / "b.out").read_text(encoding="utf-8") == expected
    records = tmp_path / "items.jsonl"
    lines = [
        json.dumps({"title": review, "text": CLEAN}, ensure_ascii=False) + "\n",
        json.dumps({"title": review, "text": SEED}, ensure_ascii=False) + "\n",
    ]
    records.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "items.out.jsonl"
    result = clean(
        runner, tiny_model_dir, *lenient, "--text-field", "title", "--text-field", "text",
        str(records), "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 1
    expected_lines = [
        lines[0],
        json.dumps(
            {"title": review.replace("登录入口", ""), "text": SEED.replace(AD, "")},
            ensure_ascii=False,
        )
        + "\n",
    ]
    assert out.read_text(encoding="utf-8") == "".join(expected_lines)


def test_drop_leaves_blocked_records_out_and_quarantines_them(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    review = "专家表示消费市场持续回暖登录入口"  # the tiny model at 0.2: one finding, ~0.48
    lines = [
        json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\n",
        json.dumps({"id": 2, "text": review}, ensure_ascii=False) + "\r\n",
        json.dumps({"id": 3, "text": CLEAN}, ensure_ascii=False) + "\n",
        json.dumps({"id": 4, "text": CONTACT}),  # the last line, without a line break
    ]
    source = tmp_path / "items.jsonl"
    source.write_text("".join(lines), encoding="utf-8", newline="")
    out, quarantine = tmp_path / "kept.jsonl", tmp_path / "ads.jsonl"
    drop = ("--threshold", "0.2", "--drop", "--quarantine", str(quarantine))
    result = clean(runner, tiny_model_dir, *drop, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert out.read_bytes() == (lines[1] + lines[2]).encode()  # a flagged record is kept
    assert quarantine.read_bytes() == (lines[0] + lines[3] + "\n").encode()
    assert f"{source}:1:{lines[0].index(AD) + 1}: dropped stock-margin" in result.stderr
    assert source.read_bytes() == "".join(lines).encode()  # the input as it was
    # In place, the file loses its blocked records and the quarantine grows.
    result = clean(runner, tiny_model_dir, *drop, "--in-place", str(source))
    assert result.exit_code == 1, result.stderr
    assert source.read_bytes() == (lines[1] + lines[2]).encode()
    assert quarantine.read_bytes() == 2 * (lines[0] + lines[3] + "\n").encode()
    # The quarantine file inside the directory cleaned is skipped, not an error.
    result = clean(runner, tiny_model_dir, *drop, "--in-place", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert f"detector: {quarantine}: the --quarantine file, skipped" in result.stderr
    assert quarantine.read_bytes() == 2 * (lines[0] + lines[3] + "\n").encode()


def test_dropped_lines_are_quarantined_in_utf8_whatever_the_file_s_encoding(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The quarantine file is one JSONL file in UTF-8: a GBK file's dropped line
    was appended in GBK, and a UTF-8 file's first line with its byte-order mark,
    so the quarantine file no longer parsed as UTF-8 JSONL."""
    lines = [json.dumps({"id": i, "text": SEED}, ensure_ascii=False) + "\n" for i in (1, 2)]
    gbk, marked = tmp_path / "gbk.jsonl", tmp_path / "marked.jsonl"
    gbk.write_bytes(lines[0].encode("gb18030"))
    marked.write_bytes(b"\xef\xbb\xbf" + lines[1].encode())
    quarantine = tmp_path / "ads.jsonl"
    drop = ("--drop", "--quarantine", str(quarantine))
    for source in (gbk, marked):
        result = clean(runner, tiny_model_dir, *drop, str(source), "-o", str(tmp_path / "o"))
        assert result.exit_code == 1, result.stderr
    assert quarantine.read_bytes() == "".join(lines).encode("utf-8")


def test_dropping_the_first_line_keeps_the_byte_order_mark(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    blocked = json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\n"
    kept = json.dumps({"id": 2, "text": CLEAN}, ensure_ascii=False) + "\n"
    source = tmp_path / "items.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + (blocked + kept).encode())
    result = clean(runner, tiny_model_dir, "--drop", str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == b"\xef\xbb\xbf" + kept.encode()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_jsonl_is_cleaned_line_by_line_in_its_encoding(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, codec: str
) -> None:
    """Split at each 0x0A byte, a UTF-16 JSONL file came apart inside its
    characters: every line was an error (and one line more than the file has),
    and nothing was cleaned, though scan reads such a file."""
    lines = [
        json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\r\n",
        # U+0A05 U+4E00 is 05 0A 00 4E in UTF-16-LE: a line break's bytes, astride.
        json.dumps({"id": 2, "text": CLEAN + "\u0a05\u4e00"}, ensure_ascii=False) + "\n",
        json.dumps({"id": 3, "text": CONTACT}, ensure_ascii=False),
    ]
    mark = "\ufeff".encode(codec)[-4 if "32" in codec else -2 :]
    plain = codec if codec.endswith("be") else codec + "-le"
    source = tmp_path / "items.jsonl"
    source.write_bytes(mark + "".join(lines).encode(plain))
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1, result.stderr
    expected = "".join(lines).replace(AD, "").replace(CONTACT_AD, "")
    assert result.stdout_bytes == mark + expected.encode(plain)
    assert f"{source}:1:" in result.stderr and f"{source}:3:" in result.stderr
    quarantine = tmp_path / "ads.jsonl"
    result = clean(runner, tiny_model_dir, "--drop", "--quarantine", str(quarantine), str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == mark + lines[1].encode(plain)
    assert quarantine.read_bytes() == (lines[0] + lines[2] + "\n").encode()


def test_drop_leaves_blocked_json_array_items_out_and_quarantines_them_on_one_line(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A JSON array (Scrapy's ``-O items.json``) loses its blocked records with
    their separators, every other byte kept; each goes to the quarantine file
    as one JSONL line (its text as written, line breaks between tokens out)."""
    review = "专家表示消费市场持续回暖登录入口"  # the tiny model at 0.2: one finding, ~0.48

    def item(number: int, text: str) -> str:
        return f'{{"id": {number},\n   "text": {json.dumps(text, ensure_ascii=False)}}}'

    def one_line(number: int, text: str) -> str:
        return f'{{"id": {number},"text": {json.dumps(text, ensure_ascii=False)}}}\n'

    blocks = [item(1, SEED), item(2, review), item(3, CLEAN), item(4, CONTACT)]
    source = tmp_path / "items.json"
    source.write_text("[\n  " + ",\n  ".join(blocks) + "\n]\n", encoding="utf-8")
    out, quarantine = tmp_path / "kept.json", tmp_path / "ads.jsonl"
    drop = ("--threshold", "0.2", "--drop", "--quarantine", str(quarantine))
    result = clean(runner, tiny_model_dir, *drop, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert out.read_text(encoding="utf-8") == "[\n  " + ",\n  ".join(blocks[1:3]) + "\n]\n"
    assert [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))] == [2, 3]
    assert quarantine.read_text(encoding="utf-8") == one_line(1, SEED) + one_line(4, CONTACT)
    column = blocks[0].split("\n")[1].index(AD) + 1
    assert f"{source}:3:{column}: dropped stock-margin" in result.stderr
    # The first and last kept: the separators around them stay as they were.
    source.write_text("[" + ", ".join([blocks[2], blocks[0], blocks[1]]) + "]", encoding="utf-8")
    result = clean(runner, tiny_model_dir, *drop, "--in-place", str(source))
    assert result.exit_code == 1, result.stderr
    assert source.read_text(encoding="utf-8") == "[" + ", ".join([blocks[2], blocks[1]]) + "]"
    # Every item dropped: an empty array; one blocked record alone: an empty file.
    for text, left in [
        ("[\n  " + ",\n  ".join([blocks[0], blocks[3]]) + "\n]\n", "[]\n"),
        (blocks[0] + "\n", ""),
    ]:
        source.write_text(text, encoding="utf-8")
        result = clean(runner, tiny_model_dir, *drop, str(source), "-o", str(out))
        assert result.exit_code == 1, result.stderr
        assert out.read_text(encoding="utf-8") == left
    assert quarantine.read_text(encoding="utf-8").count("\n") == 2 + 1 + 2 + 1


def test_a_value_written_in_ascii_escapes_is_written_back_in_them(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Scrapy's JSON and JSONL exports write Chinese as \\uXXXX escapes: a cleaned
    value keeps that style (it came back as characters, in a file of escapes),
    and a value written in characters stays in characters."""
    escaped = json.dumps({"id": 1, "text": SEED, "title": "标题"})  # ensure_ascii
    plain = json.dumps({"id": 2, "text": SEED}, ensure_ascii=False)
    source = tmp_path / "items.jsonl"
    source.write_text(escaped + "\n" + plain + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = clean(runner, tiny_model_dir, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    cleaned = SEED.replace(AD, "")
    assert out.read_text(encoding="utf-8") == (
        json.dumps({"id": 1, "text": cleaned, "title": "标题"})
        + "\n"
        + json.dumps({"id": 2, "text": cleaned}, ensure_ascii=False)
        + "\n"
    )
    array = tmp_path / "items.json"
    array.write_text(json.dumps([{"text": SEED}], indent=2), encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(array), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert out.read_text(encoding="utf-8") == json.dumps([{"text": cleaned}], indent=2)


def test_a_live_jsonl_stream_is_cleaned_record_by_record(tiny_model_dir: Path) -> None:
    """``crawler | detector clean --input-format jsonl - | store``: each record is
    written out once it is cleaned and no more input is waiting (a pipe's output
    was held in a block buffer until 8 KiB or the end of the stream)."""
    import select
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    args = [sys.executable, "-m", "detector.cli", "clean", "--model", str(tiny_model_dir)]
    process = subprocess.Popen(
        [*args, "--input-format", "jsonl", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for number, text in enumerate([CLEAN, SEED, CLEAN], start=1):
            line = json.dumps({"id": number, "text": text}, ensure_ascii=False) + "\n"
            process.stdin.write(line.encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"record {number} not written while the stream is open"
            record = json.loads(process.stdout.readline())
            assert record == {"id": number, "text": text.replace(AD, "")}
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 1  # something removed


def test_drop_refuses_what_would_lose_records(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "items.jsonl"
    original = json.dumps({"text": SEED}, ensure_ascii=False) + "\n"
    source.write_text(original, encoding="utf-8")
    quarantine = tmp_path / "ads.jsonl"
    for args, message in [
        (["--drop", "--in-place"], "--in-place --drop would lose the dropped records"),
        (["--quarantine", str(quarantine), "-o", str(tmp_path / "o")], "it needs --drop"),
        (["--drop", "--quarantine", str(quarantine), "-o", str(quarantine)], "the same file"),
        (["--drop", "--quarantine", str(source), "-o", str(tmp_path / "o")], "names an input"),
    ]:
        result = clean(runner, tiny_model_dir, *args, str(source))
        assert result.exit_code == 2 and message in result.stderr
    assert source.read_text(encoding="utf-8") == original and not quarantine.exists()
    text = tmp_path / "article.txt"
    text.write_text(SEED, encoding="utf-8")
    result = clean(runner, tiny_model_dir, "--drop", str(text), "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 2
    assert "--drop leaves out JSONL and JSON records; this input is read as text" in result.stderr
    assert text.read_text(encoding="utf-8") == SEED and not (tmp_path / "out.txt").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_quarantine_file_that_cannot_be_written_is_an_error_naming_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The error named the input, and closing the quarantine file raised a
    traceback; the output must not be written without its dropped records."""
    source = tmp_path / "items.jsonl"
    original = json.dumps({"text": SEED}, ensure_ascii=False) + "\n"
    source.write_text(original, encoding="utf-8")
    out = tmp_path / "kept.jsonl"
    result = clean(
        runner, tiny_model_dir, "--drop", "--quarantine", "/dev/full", str(source), "-o", str(out)
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "detector: error: /dev/full: No space left on device" in result.stderr
    assert f"error: {source}" not in result.stderr
    assert not out.exists() and source.read_text(encoding="utf-8") == original


def test_failed_write_leaves_no_temporary_file(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    target = tmp_path / "out"
    target.mkdir()
    result = clean(runner, tiny_model_dir, str(source), "-o", str(target))
    assert result.exit_code == 2
    # Refused before the work is done (it used to print each removed span first).
    assert result.stderr == f"detector: error: {target}: Is a directory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seed.txt"]


def test_write_errors_name_the_output_not_a_temporary_file(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    target = tmp_path / "nodir" / "out.txt"
    result = clean(runner, tiny_model_dir, str(source), "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"detector: error: {target}: No such file or directory\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_an_output_device_that_cannot_be_written_is_named_not_the_input(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = seed_file(tmp_path)
    result = clean(runner, tiny_model_dir, str(source), "-o", "/dev/full")
    assert result.exit_code == 2
    assert result.stderr.endswith("detector: error: /dev/full: No space left on device\n")
    assert f"error: {source}" not in result.stderr


def test_symlinks_are_followed_and_kept(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """--in-place or -o through a symlink rewrites the file it points to; the link
    stays a link (it was replaced by a regular file, the target left uncleaned)."""
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.txt"
    real.write_text(SEED, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    result = clean(runner, tiny_model_dir, "--in-place", str(link))
    assert result.exit_code == 1, result.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8") == SEED.replace(AD, "")
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.txt"]
    source = tmp_path / "seed.txt"
    source.write_text(CONTACT, encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source), "-o", str(link))
    assert result.exit_code == 1, result.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8") == CONTACT.replace(CONTACT_AD, "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_output_to_a_fifo_is_written_not_replaced(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    import threading

    source = seed_file(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = clean(runner, tiny_model_dir, str(source), "-o", str(fifo))
    reader.join(30)
    assert result.exit_code == 1, result.stderr
    assert received == [SEED.replace(AD, "").encode()]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    # --in-place refuses it without opening it (a read would wait for a writer).
    result = clean(runner, tiny_model_dir, "--in-place", str(fifo))
    assert result.exit_code == 2
    assert result.stderr == (
        f"detector: error: {fifo}: not a regular file (--in-place rewrites files only)\n"
    )


def test_clean_keeps_what_scan_is_told_to_allow(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowlist and the inline marker silence ``scan``; ``clean`` must not then
    delete the same text (it did, and even ate ``detector`` out of the marker)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".detector.toml").write_text(f'allow = ["{AD}"]\n', encoding="utf-8")
    marked = f"科研团队在量子通信领域取得突破{CONTACT_AD}。 detector: allow\n"
    text = SEED + marked + f"全国夏粮实现丰收{CONTACT_AD}。\n"
    source = tmp_path / "a.txt"
    source.write_text(text, encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes.decode() == SEED + marked + "全国夏粮实现丰收。\n"
    assert result.stderr.count("removed") == 1
    records = tmp_path / "a.jsonl"
    lines = [json.dumps({"text": SEED}, ensure_ascii=False), json.dumps({"text": marked})]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(records))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes == records.read_bytes()
    scanned = runner.invoke(main, ["scan", "--model", str(tiny_model_dir), str(records)])
    assert scanned.exit_code == 0


HOSTILE_LINES = [
    '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n",  # nested too deeply
    '{"n": ' + "1" * 5000 + ', "text": "x"}\n',  # beyond Python's integer digit limit
    '{"text": "unterminated\n',
    '{"text": "unterminated at the end of the file',
]


def test_bad_jsonl_lines_are_errors_worded_as_scan_words_them(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """They raised RecursionError / ValueError out of clean (the batch stopped), and
    JSON syntax errors read "starting at at column"."""
    source = tmp_path / "bad.jsonl"
    ad_line = json.dumps({"text": SEED}, ensure_ascii=False) + "\n"
    source.write_text(ad_line + "".join(HOSTILE_LINES), encoding="utf-8")
    cleaned = clean(runner, tiny_model_dir, str(source))
    scanned = runner.invoke(main, ["scan", "--model", str(tiny_model_dir), str(source)])
    assert cleaned.exit_code == scanned.exit_code == 2
    assert cleaned.stdout_bytes.decode() == ad_line.replace(AD, "") + "".join(HOSTILE_LINES)
    errors = [line for line in cleaned.stderr.splitlines() if line.startswith("detector: error")]
    assert errors == scanned.stderr.splitlines()
    assert len(errors) == 4 and "nested too deeply" in errors[0]
    assert errors[3].endswith(":5: invalid JSON (Unterminated string starting at column 10)")


def test_lone_surrogate_escapes_are_scanned_as_scan_does_and_written_back(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A lone surrogate escape ("\\ud800") is read as U+FFFD, as scan reads it, so
    the same span goes; it is written back as the escape.  It raised
    UnicodeEncodeError, and --in-place left every later file uncleaned."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    lines = [
        '{"id": 1, "text": "新闻\\ud800' + AD + '内容。"}\n',
        '{"id": 2, "text": "\\udc00' + AD + '，各地加快推进重大项目建设。"}\n',
    ]
    surrogates = folder / "a.jsonl"
    surrogates.write_text("".join(lines), encoding="utf-8")
    later = folder / "b.txt"
    later.write_text(SEED, encoding="utf-8")
    scanned = runner.invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "jsonl", str(surrogates)]
    )
    spans = [[(f["start"], f["end"]) for f in json.loads(r)["findings"]] for r in
             scanned.stdout.splitlines()]  # fmt: skip
    assert spans == [[(3, 11)], [(1, 9)]]
    result = clean(runner, tiny_model_dir, "--in-place", str(folder))
    assert result.exit_code == 1, result.stderr
    assert surrogates.read_text(encoding="utf-8") == "".join(line.replace(AD, "") for line in lines)
    assert [json.loads(line)["text"][:3] for line in lines] == ["新闻\ud800", "\udc00杨方"]
    for number, line in enumerate(lines, start=1):  # the escapes counted as written
        assert f"{surrogates}:{number}:{line.index(AD) + 1}: removed stock-margin" in result.stderr
    assert later.read_text(encoding="utf-8") == SEED.replace(AD, "")


def test_escaped_characters_the_file_s_encoding_lacks_stay_escapes(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A Big5 record whose text holds an escape for a character Big5 cannot write
    (an emoji): the rewritten value keeps it as an escape; it was written as the
    character, and encoding it raised UnicodeEncodeError (a traceback, no output)."""
    ad = "楊方線上配資股票"
    text = f"今年以來全市工業增加值同比增長百分之六，各地加快推進{ad}重大項目建設，"
    text += "氣象台發布暴雨藍色預警。"
    record = '{"text": "\\ud83d\\ude00' + text + '"}'
    for name, written in [("items.jsonl", record + "\n"), ("items.json", f"[{record}]\n")]:
        source = tmp_path / name
        source.write_bytes(written.encode("big5hkscs"))
        result = clean(runner, tiny_model_dir, str(source))
        assert result.exit_code == 1, result.stderr
        assert result.stdout_bytes == written.replace(ad, "").encode("big5hkscs")


def test_json_string_escapes_only_lone_surrogates() -> None:
    from detector.clean import json_string

    assert json_string('新"闻\ud800\n') == '"新\\"闻\\ud800\\n"'
    assert json.loads(json_string("a\udfffb")) == "a\udfffb"


def test_json_array_files_have_only_their_text_values_rewritten(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "items.json"
    records = [{"id": 1, "text": SEED}, {"id": 2, "text": CONTACT, "n": 1.50}, 3]
    original = json.dumps(records, ensure_ascii=False, indent=1)
    source.write_text(original, encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 2  # the item that is not a record
    cleaned = json.loads(result.stdout_bytes)
    assert cleaned == [
        {"id": 1, "text": SEED.replace(AD, "")},
        {"id": 2, "text": CONTACT.replace(CONTACT_AD, ""), "n": 1.5},
        3,
    ]
    # Every other byte as it was: the indentation, and 1.50 written as 1.50.
    expected = original.replace(json.dumps(SEED, ensure_ascii=False)[1:-1], "X").replace(
        json.dumps(CONTACT, ensure_ascii=False)[1:-1], "Y"
    )
    got = result.stdout.replace(json.dumps(SEED.replace(AD, ""), ensure_ascii=False)[1:-1], "X")
    got = got.replace(json.dumps(CONTACT.replace(CONTACT_AD, ""), ensure_ascii=False)[1:-1], "Y")
    assert got == expected
    # Each removal at its line:col in the file (the field sits lines below its record's start).
    for ad, category in ((AD, "stock-margin"), (CONTACT_AD, "contact")):
        before = original[: original.index(ad)]
        row, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        assert f"{source}:{row}:{col}: removed {category}" in result.stderr
    assert "a JSON array item must be an object" in result.stderr


def test_an_invalid_json_file_is_left_unchanged(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "broken.json"
    data = json.dumps([{"text": SEED}], ensure_ascii=False)[:-1].encode()  # no closing ]
    source.write_bytes(data)
    result = clean(runner, tiny_model_dir, "--in-place", str(source))
    assert result.exit_code == 2
    assert source.read_bytes() == data
    assert "invalid JSON" in result.stderr


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>新闻</title>\n'
        f'<script>var s = "{AD}";</script></head>\n<body>\n{body}\n</body></html>\n'
    )


def _clean_page(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, original: str
) -> tuple[Path, Result]:
    """``original`` written to ``page.html`` (UTF-8) and cleaned in place."""
    page = tmp_path / "page.html"
    page.write_bytes(original.encode())
    return page, clean(runner, tiny_model_dir, "--in-place", str(page))


def _place(source: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of ``source[offset]``, as reports give it."""
    before = source[:offset]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def test_html_loses_the_ad_text_and_keeps_every_tag_attribute_and_script(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    line = SEED.splitlines()[0]
    # The ad's words stand in a link's title before they stand in its text, and
    # in a script: only the text goes.
    original = _page(f'<p><a href="/x" title="{line}">{line}</a></p>\n<p>{CLEAN}</p>')
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 1, result.stderr
    expected = original.replace(f">{line}<", f">{line.replace(AD, '')}<")
    assert page.read_text(encoding="utf-8") == expected
    assert f'title="{line}"' in expected and f'var s = "{AD}"' in expected
    # Reported at the ad's place in the source, as scan reports it.
    row = original[: original.index(f">{line}<")].count("\n") + 1
    assert f"page.html:{row}:" in result.stderr and "removed stock-margin" in result.stderr


def test_html_hidden_ads_go_and_their_element_stays(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    original = _page(f'<p>{CLEAN}</p>\n<div style="display:none">{CONTACT_AD}</div>')
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 1, result.stderr
    assert page.read_text(encoding="utf-8") == original.replace(CONTACT_AD, "")


def test_html_ad_with_an_entity_inside_stays_and_is_reported_others_go(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    line = SEED.splitlines()[0]
    contact = CONTACT.splitlines()[1].replace("abc", "&#x61;bc")
    original = _page(f"<p>{line}</p>\n<p>{contact}</p>")
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 2
    expected = original.replace(f"<p>{line}</p>", f"<p>{line.replace(AD, '')}</p>")
    assert page.read_text(encoding="utf-8") == expected  # the contact ad is still there
    assert f"<p>{contact}</p>" in expected
    row = original[: original.index("&#x61;")].count("\n") + 1
    assert f"detector: error: {page}:{row}:" in result.stderr  # path:line:col, as elsewhere
    assert "is not written as plain text" in result.stderr


def test_html_keeps_its_declared_encoding(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    line = SEED.splitlines()[0]
    original = _page(f"<p>{line}</p>").replace("utf-8", "gbk")
    page.write_bytes(original.encode("gbk"))
    result = clean(runner, tiny_model_dir, "--in-place", str(page))
    assert result.exit_code == 1, result.stderr
    expected = original.replace(f"<p>{line}</p>", f"<p>{line.replace(AD, '')}</p>")
    assert page.read_bytes() == expected.encode("gbk")


def test_source_ranges_map_text_to_literal_source_and_refuse_entities() -> None:
    from detector.html import extract
    from detector.markup import markup_text

    source = '<p title="配资">配资<b>股票</b></p><p>a&amp;b</p>'
    page = extract(source)
    assert page.text.startswith("配资股票")
    ranges = page.source_ranges(0, 4)
    assert ranges is not None
    assert "".join(source[a:b] for a, b in ranges) == "配资股票"
    assert ranges[0][0] == source.index(">配资<") + 1  # the text, not the title
    entity = page.text.index("a&b")
    assert page.source_ranges(entity, entity + 3) is None
    literal = markup_text(source).literal()
    assert not any(literal[i] for i, c in enumerate(source) if c in '<>&="')
    text_at = source.index(">配资<") + 1
    assert literal[text_at : text_at + 2].all() and not literal[source.index('"配资"') + 1]


def test_a_text_field_holding_html_loses_the_ad_and_keeps_its_tags(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A JSONL field holding an article's markup was cleaned as plain text: the
    span ran into the tags around the ad and ``<p>…</p><p>`` became ``<p>…</p><><p>``.
    It is read as the text a reader sees, as scan reads it, and only the ad goes."""
    markup = (
        f"<div><p>会议强调要深化产融合作。</p><p>{CONTACT_AD}</p>"
        "<p>气象台发布暴雨蓝色预警。</p></div>"
    )
    lines = [
        json.dumps({"id": 1, "text": markup}, ensure_ascii=False),
        json.dumps({"id": 2, "text": SEED}, ensure_ascii=False),
    ]
    source = tmp_path / "items.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source))
    assert result.exit_code == 1, result.stderr
    out = result.stdout.splitlines()
    assert json.loads(out[0]) == {"id": 1, "text": markup.replace(CONTACT_AD, "")}
    assert json.loads(out[1])["text"] == SEED.replace(AD, "")
    assert "removed contact" in result.stderr

    array = tmp_path / "items.json"
    array.write_text(json.dumps([{"text": markup}], ensure_ascii=False), encoding="utf-8")
    result = clean(runner, tiny_model_dir, "--in-place", str(array))
    assert result.exit_code == 1, result.stderr
    assert json.loads(array.read_text(encoding="utf-8")) == [
        {"text": markup.replace(CONTACT_AD, "")}
    ]


def test_scan_reads_a_field_holding_html_by_its_text(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """scan reports a markup field's ad at its place in the field's string, with
    the tags inside it, as the hook does; tags and attributes are not read."""
    markup = f'<p class="x">{SEED.splitlines()[0].replace(AD, "杨方<b>线上配资</b>股票")}</p>'
    source = tmp_path / "items.jsonl"
    source.write_text(json.dumps({"text": markup}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "jsonl", str(source)]
    )
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout.splitlines()[0])["findings"]
    assert finding["text"] == "杨方<b>线上配资</b>股票"
    assert markup[finding["start"] : finding["end"]] == finding["text"]


def test_only_record_fields_are_read_through_a_markup_view() -> None:
    """A text file is scanned as written (its findings are cut from it as they
    are); a JSON or JSONL record's field holding HTML is read as markup."""
    from detector.inputs import Document
    from detector.scanning import field_views

    markup = f"<p>{AD}</p>"
    assert field_views(Document("a.txt", {None: markup})) == {None: None}
    views = field_views(Document("a.jsonl", {"text": markup, "title": "新闻"}))
    assert views["title"] is None
    view = views["text"]
    assert view is not None and view.text.strip() == AD


def test_a_record_field_holding_a_list_of_strings_is_scanned_and_cleaned_per_element(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Crawls that keep an article as a list of paragraphs (an ItemLoader without an
    output processor) were reported as "not a string" and never scanned; scan and
    clean name each element as the hook does (``content[1]``)."""
    paragraphs = [CLEAN.splitlines()[0], SEED.splitlines()[0], "学校开展消防安全演练活动。"]
    line = json.dumps({"id": 7, "content": paragraphs, "n": 1}, ensure_ascii=False)
    source = tmp_path / "items.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    scanned = runner.invoke(
        main,
        ["scan", "--model", str(tiny_model_dir), "--text-field", "content", "--format", "jsonl",
         str(source)],
    )  # fmt: skip
    assert scanned.exit_code == 1, scanned.output
    (finding,) = json.loads(scanned.stdout.splitlines()[0])["findings"]
    assert finding["field"] == "content[1]" and finding["text"] == AD
    result = clean(runner, tiny_model_dir, "--text-field", "content", str(source))
    assert result.exit_code == 1, result.stderr
    out = json.loads(result.stdout)
    assert out == {"id": 7, "content": [paragraphs[0], paragraphs[1].replace(AD, ""),
                                        paragraphs[2]], "n": 1}  # fmt: skip
    assert "[content[1]]" in result.stderr
    # An empty list is an empty text (it was "not a string or a list of strings").
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": 8, "content": []}) + "\n", encoding="utf-8")
    result = clean(runner, tiny_model_dir, "--text-field", "content", str(empty))
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"id": 8, "content": []})
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps({"content": ["段落", 3]}) + "\n", encoding="utf-8")
    result = clean(runner, tiny_model_dir, "--text-field", "content", str(mixed))
    assert result.exit_code == 2 and "is not a string or a list of strings" in result.stderr


def test_html_with_crlf_line_endings_loses_the_ad(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A page saved with Windows line endings: the paragraph holding the ad runs
    over two lines, which the parser reads with LF; it was not found in the source,
    and clean left the ad in place with an error (exit 2)."""
    line = SEED.splitlines()[0]
    original = _page(f"<p>{CLEAN.splitlines()[0]}\n{line}</p>").replace("\n", "\r\n")
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 1, result.stderr
    assert page.read_bytes() == original.replace(line, line.replace(AD, "")).encode()
    row, col = _place(original, original.index(line) + line.index(AD))
    assert f"page.html:{row}:{col}: removed stock-margin" in result.stderr


def test_html_ad_repeated_in_a_json_ld_script_is_removed_from_the_text(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The paragraph holding the ad also stood in the page's JSON-LD: it was found
    there, and clean left the ad in place with an error (exit 2)."""
    line = SEED.splitlines()[0]
    original = _page(f"<p>{line}</p>").replace(
        "</head>", f'<script type="application/ld+json">{{"description": "{line}"}}</script></head>'
    )
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 1, result.stderr
    expected = original.replace(f"<p>{line}</p>", f"<p>{line.replace(AD, '')}</p>")
    assert page.read_text(encoding="utf-8") == expected


def test_html_ad_in_a_paragraph_with_entities_elsewhere_is_removed(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A paragraph indented with ``&nbsp;`` (as Chinese news pages are) had its ad
    left in place with an error (exit 2), and reported at the column after the
    indentation, not at the ad."""
    line = SEED.splitlines()[0]
    original = _page(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{line}</p>")
    page, result = _clean_page(runner, tiny_model_dir, tmp_path, original)
    assert result.exit_code == 1, result.stderr
    expected = original.replace(line, line.replace(AD, ""))
    assert page.read_text(encoding="utf-8") == expected
    row, col = _place(original, original.index(line) + line.index(AD))
    assert f"page.html:{row}:{col}: removed stock-margin" in result.stderr


# -- clean --encoding ----------------------------------------------------------

# A short GBK text that detection reads as Thai (cp874): cleaned as Thai, all
# but eight of its bytes went.  ``--encoding gbk`` reads it as ``scan
# --encoding gbk`` does.
MISREAD_GBK = "炜烨" * 6 + CONTACT_AD + "\n"


def _as_scan_reports(result) -> list[str]:  # type: ignore[no-untyped-def]
    """``clean``'s removal reports written as ``scan``'s text output writes findings."""
    return [line.replace(": removed ", ": ", 1) for line in result.stderr.splitlines()]


def _scan(runner: CliRunner, model: Path, *args: str, stdin: bytes | None = None) -> list[str]:
    scanned = runner.invoke(main, ["scan", "--model", str(model), *args], input=stdin)
    assert scanned.exit_code == 1, scanned.output
    return scanned.stdout.splitlines()


def test_encoding_cleans_a_misdetected_gbk_text_as_scan_reads_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from detector.encodings import detect

    data = MISREAD_GBK.encode("gbk")
    assert detect(data) != "gb18030"  # why --encoding is needed
    source = tmp_path / "short.txt"
    source.write_bytes(data)
    result = clean(runner, tiny_model_dir, "--encoding", "gbk", str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == MISREAD_GBK.replace(CONTACT_AD, "").encode("gbk")
    assert _as_scan_reports(result) == _scan(
        runner, tiny_model_dir, "--encoding", "gbk", str(source)
    )
    assert f'"{CONTACT_AD}"' in result.stderr
    assert source.read_bytes() == data
    # From stdin, and in place (an alias of the codec's name is accepted).
    piped = clean(runner, tiny_model_dir, "--encoding", "GBK", "-", stdin=data)
    assert piped.exit_code == 1, piped.stderr
    assert piped.stdout_bytes == result.stdout_bytes
    assert piped.stderr.startswith("<stdin>:1:13: removed contact")
    rewritten = clean(runner, tiny_model_dir, "--in-place", "--encoding", "cp936", str(source))
    assert rewritten.exit_code == 1, rewritten.stderr
    assert source.read_bytes() == result.stdout_bytes


@pytest.mark.parametrize("name", ["page.html", "items.json"])
def test_encoding_reads_and_writes_html_and_json_files_in_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, name: str
) -> None:
    """Over a page's wrong ``<meta charset>`` too, as for scan."""
    if name.endswith(".html"):
        text = _page(f"<p>{MISREAD_GBK}</p>").replace("utf-8", "big5")
    else:
        text = json.dumps([{"id": 1, "text": MISREAD_GBK}], ensure_ascii=False, indent=2)
    source = tmp_path / name
    source.write_bytes(text.encode("gbk"))
    result = clean(runner, tiny_model_dir, "--encoding", "gbk", str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == text.replace(CONTACT_AD, "").encode("gbk")
    assert _as_scan_reports(result) == _scan(
        runner, tiny_model_dir, "--encoding", "gbk", str(source)
    )


def test_encoding_cleans_a_big5_jsonl_file_detection_reads_as_gb18030(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Two Big5 characters tie and are read as GB18030 (see the README): the
    span then covered the first character, a word of the article."""
    from detector.encodings import detect

    lines = [
        json.dumps({"id": 1, "text": "領福abc12345"}, ensure_ascii=False) + "\n",
        json.dumps({"id": 2, "text": "ok"}) + "\r\n",
    ]
    data = "".join(lines).encode("big5")
    assert detect(data) == "gb18030"
    source = tmp_path / "items.jsonl"
    source.write_bytes(data)
    args = ["--format", "jsonl", "--encoding", "big5", str(source)]
    reported = runner.invoke(main, ["scan", "--model", str(tiny_model_dir), *args])
    findings = json.loads(reported.stdout.splitlines()[0])["findings"]
    assert findings and all(f["field"] == "text" for f in findings)
    kept = remove_spans("領福abc12345", [(f["start"], f["end"]) for f in findings])
    assert kept.startswith("領")
    result = clean(runner, tiny_model_dir, "--encoding", "big5", str(source))
    assert result.exit_code == 1, result.stderr
    expected = json.dumps({"id": 1, "text": kept}, ensure_ascii=False) + "\n" + lines[1]
    assert result.stdout_bytes == expected.encode("big5")
    assert _as_scan_reports(result) == _scan(
        runner, tiny_model_dir, "--encoding", "big5", str(source)
    )
    # Dropped records are quarantined in UTF-8, whatever --encoding reads.
    quarantine = tmp_path / "ads.jsonl"
    args = ["--encoding", "big5", "--drop", "--quarantine", str(quarantine), str(source)]
    dropped = clean(runner, tiny_model_dir, *args)
    assert dropped.exit_code == 1, dropped.stderr
    assert dropped.stdout_bytes == lines[1].encode("big5")
    assert quarantine.read_bytes() == lines[0].encode("utf-8")


def test_a_jsonl_line_whose_reading_depends_on_the_lines_before_is_left_as_it_is(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``scan --encoding`` decodes a JSONL file as one stream, and ``clean`` decoded
    each line on its own: in a stateful codec (ISO-2022, HZ) an escape sequence
    of one line still holds on the next.  Here line 1 ends switched to GB 2312,
    so scan reads line 2 in it (invalid JSON), while clean read line 2 from
    ASCII, found the ad and removed it: a removal scan never reported.  Such a
    line is now left unchanged with an error that says why; a file whose lines
    each start afresh (as ISO-2022 mail requires) is cleaned as before."""
    codec = "iso2022_jp_2"  # holds GB 2312 (ESC $ A), so the tiny model's ads
    record = json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\n"
    source = tmp_path / "items.jsonl"
    source.write_bytes(record.encode(codec))
    result = clean(runner, tiny_model_dir, "--encoding", codec, str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == record.replace(AD, "").encode(codec)
    first = json.dumps({"id": 0, "text": "全国夏粮实现丰收"}, ensure_ascii=False)
    carried = first.encode(codec) + b"\x1b$A\n" + record.encode(codec)
    source.write_bytes(carried)
    scanned = runner.invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--encoding", codec, str(source)]
    )
    assert (scanned.exit_code, scanned.stdout) == (2, "")
    assert f"{source}:2: invalid JSON" in scanned.stderr
    result = clean(runner, tiny_model_dir, "--encoding", codec, str(source))
    assert result.exit_code == 2, result.stderr
    assert result.stdout_bytes == carried
    assert "removed" not in result.stderr
    assert (
        f"detector: error: {source}:2: reads otherwise on its own in iso2022_jp_2" in result.stderr
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_encoding_reads_utf16_without_a_mark_and_writes_it_back(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, codec: str
) -> None:
    """Full of NUL bytes, such a file was skipped as binary, though scan reads it."""
    record = json.dumps({"id": 1, "text": CONTACT}, ensure_ascii=False)
    for name, text in [("a.txt", CONTACT), ("b.jsonl", f"{record}\r\n{record}\n")]:
        source = tmp_path / name
        source.write_bytes(text.encode(codec))
        result = clean(runner, tiny_model_dir, "--encoding", codec, str(source))
        assert result.exit_code == 1, result.stderr
        assert result.stdout_bytes == text.replace(CONTACT_AD, "").encode(codec)
        assert _as_scan_reports(result) == _scan(
            runner, tiny_model_dir, "--encoding", codec, str(source)
        )


def test_a_byte_order_mark_wins_over_encoding_as_for_scan(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "marked.txt"
    data = b"\xef\xbb\xbf" + SEED.encode()
    source.write_bytes(data)
    result = clean(runner, tiny_model_dir, "--encoding", "big5", str(source))
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == b"\xef\xbb\xbf" + SEED.replace(AD, "").encode()


def test_a_file_the_encoding_does_not_round_trip_is_left_unchanged(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "seed.txt"
    data = SEED.encode()
    source.write_bytes(data)
    result = clean(runner, tiny_model_dir, "--in-place", "--encoding", "ascii", str(source))
    assert result.exit_code == 2
    assert source.read_bytes() == data
    assert result.stderr.startswith(f"detector: error: {source}: cannot be written back byte")


@pytest.mark.parametrize("name", ["base64", "rot13", "idna", "no-such-codec"])
def test_an_encoding_that_is_not_a_text_codec_is_a_usage_error(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, name: str
) -> None:
    source = seed_file(tmp_path)
    result = clean(runner, tiny_model_dir, "--in-place", "--encoding", name, str(source))
    assert result.exit_code == 2
    assert "Invalid value for '--encoding'" in result.stderr
    assert source.read_text(encoding="utf-8") == SEED
    assert "--encoding NAME" in runner.invoke(main, ["clean", "--help"]).stdout


# -- compressed inputs -----------------------------------------------------------

PACKERS = {
    "gz": (gzip.compress, gzip.decompress, b"\x1f\x8b"),
    "bz2": (bz2.compress, bz2.decompress, b"BZh"),
    "xz": (lzma.compress, lzma.decompress, b"\xfd7zXZ\x00"),
}


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_a_compressed_file_is_cleaned_into_the_same_compression(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, suffix: str
) -> None:
    """gzip in, gzip out: to an -o FILE named so, to stdout and in place; an -o
    FILE named otherwise gets what its name says (``-o out.txt`` once got gzip
    under that name); removals are reported where they stand in the decompressed
    text."""
    compress, decompress, magic = PACKERS[suffix]
    plain = seed_file(tmp_path)
    source = tmp_path / f"seed.txt.{suffix}"
    source.write_bytes(compress(SEED.encode()))
    want = clean(runner, tiny_model_dir, str(plain))
    cleaned = SEED.replace(AD, "").encode()
    for output in (f"out.txt.{suffix}", "out.txt", "-"):
        args = [str(source)] if output == "-" else [str(source), "-o", str(tmp_path / output)]
        result = clean(runner, tiny_model_dir, *args)
        assert result.exit_code == 1, result.stderr
        assert result.stderr == want.stderr.replace(str(plain), str(source))
        data = result.stdout_bytes if output == "-" else (tmp_path / output).read_bytes()
        if output == "out.txt":
            assert data == cleaned
        else:
            assert data.startswith(magic) and decompress(data) == cleaned
    assert decompress(source.read_bytes()) == SEED.encode()  # the input as it was
    result = clean(runner, tiny_model_dir, "--in-place", str(source))
    assert result.exit_code == 1, result.stderr
    data = source.read_bytes()
    assert data.startswith(magic) and decompress(data) == cleaned


def test_in_place_rewrites_compressed_files_atomically_and_only_what_changed(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in
             enumerate([CLEAN, SEED, CONTACT])]  # fmt: skip
    items, untouched = folder / "items.jsonl.gz", folder / "clean.txt.xz"
    items.write_bytes(gzip.compress("".join(lines).encode()))
    untouched.write_bytes(lzma.compress(CLEAN.encode()))
    before = os.stat(untouched)
    result = clean(runner, tiny_model_dir, "--in-place", str(folder))
    assert result.exit_code == 1, result.stderr
    assert f"{items}:2:" in result.stderr and f"{items}:3:" in result.stderr
    data = items.read_bytes()
    # The gzip header names the file as gzip(1) would, not the temporary file.
    assert b".tmp" not in data[:64]
    assert gzip.decompress(data).decode() == "".join(lines).replace(
        json.dumps(AD, ensure_ascii=False)[1:-1], ""
    ).replace(CONTACT_AD, "")
    assert sorted(p.name for p in folder.iterdir()) == ["clean.txt.xz", "items.jsonl.gz"]
    after = os.stat(untouched)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_an_output_named_with_a_compression_suffix_is_written_in_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    plain = seed_file(tmp_path)
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(SEED.encode()))
    cleaned = SEED.replace(AD, "").encode()
    a, b = tmp_path / "a.txt.gz", tmp_path / "b.txt.xz"
    assert clean(runner, tiny_model_dir, str(plain), "-o", str(a)).exit_code == 1
    assert gzip.decompress(a.read_bytes()) == cleaned  # plain in, gzip out
    assert clean(runner, tiny_model_dir, str(packed), "-o", str(b)).exit_code == 1
    assert lzma.decompress(b.read_bytes()) == cleaned  # gzip in, xz out


def test_compressed_output_is_not_written_to_a_terminal(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As gzip -c refuses to: the bytes would garble the terminal."""
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(SEED.encode()))
    monkeypatch.setattr("detector.cli._stdout_is_terminal", lambda: True)
    result = clean(runner, tiny_model_dir, str(packed))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"detector: error: {packed}: the output would be gzip data, not written to a"
        " terminal (redirect it, or give -o FILE)\n"
    )
    assert clean(runner, tiny_model_dir, str(seed_file(tmp_path))).exit_code == 1


def _cut_jsonl_gz(folder: Path) -> Path:
    """``folder/items.jsonl.gz``: 3,000 records (every third the seed ad), its gzip
    stream cut in the middle."""
    lines = "".join(
        json.dumps({"id": i, "text": SEED if i % 3 == 0 else CLEAN}, ensure_ascii=False) + "\n"
        for i in range(1, 3001)
    ).encode()
    packed = gzip.compress(lines)
    cut = folder / "items.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    return cut


def test_a_truncated_compressed_input_is_an_error_and_left_as_it_was(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    cut = _cut_jsonl_gz(folder)
    packed = cut.read_bytes()
    seed = seed_file(folder)
    result = clean(runner, tiny_model_dir, "--in-place", str(folder))
    assert result.exit_code == 2
    assert cut.read_bytes() == packed
    assert seed.read_text(encoding="utf-8") == SEED.replace(AD, "")
    assert sorted(p.name for p in folder.iterdir()) == ["items.jsonl.gz", "seed.txt"]
    lines_out = result.stderr.splitlines()
    (error,) = [line for line in lines_out if line.startswith("detector: error")]
    removed = [int(line.split(":")[1]) for line in lines_out if line.startswith(f"{cut}:")]
    assert len(removed) > 100  # the records read before the cut were cleaned (and reported)
    where, message = error.removeprefix("detector: error: ").split(": ", 1)
    line = int(where.removeprefix(f"{cut}:"))
    assert max(removed) < line <= max(removed) + 3  # the line the data ends in
    assert message == (
        "cannot read (truncated gzip data: the file ends inside its compressed stream)"
    )
    # -o FILE: nothing is written.
    result = clean(runner, tiny_model_dir, str(cut), "-o", str(tmp_path / "out.jsonl.gz"))
    assert result.exit_code == 2 and not (tmp_path / "out.jsonl.gz").exists()


def test_a_truncated_gzip_input_cleaned_to_stdout_gives_what_was_cleaned(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """On stdout what was cleaned before the cut goes out, the gzip stream
    unended (it sat in the compressor: stdout got a 10-byte header and zcat read
    nothing of 1,500 cleaned records)."""
    import zlib

    lines = [
        json.dumps({"id": i, "text": SEED if i % 3 == 0 else CLEAN}, ensure_ascii=False) + "\n"
        for i in range(1, 3001)
    ]
    packed = gzip.compress("".join(lines).encode())
    cut = tmp_path / "items.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    result = clean(runner, tiny_model_dir, str(cut))
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    line = int(error.removeprefix(f"detector: error: {cut}:").split(":")[0])
    out = zlib.decompressobj(31).decompress(result.stdout_bytes)  # no end: no EOFError
    kept = out.decode().splitlines(keepends=True)
    assert len(kept) == line - 1 > 100
    assert kept[:2] == lines[:2] and AD not in "".join(kept)


def test_drop_on_a_compressed_jsonl_file_quarantines_plain_lines(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in
             enumerate([CLEAN, SEED, CLEAN])]  # fmt: skip
    source = tmp_path / "items.jsonl.gz"
    source.write_bytes(gzip.compress("".join(lines).encode()))
    out, quarantine = tmp_path / "kept.jsonl.gz", tmp_path / "ads.jsonl"
    result = clean(runner, tiny_model_dir, "--drop", "--quarantine", str(quarantine),
                   str(source), "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert gzip.decompress(out.read_bytes()) == (lines[0] + lines[2]).encode()
    assert quarantine.read_bytes() == lines[1].encode()


def test_a_compressed_quarantine_gets_whole_compressed_records(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Plain lines appended to ``ads.jsonl.gz`` made a gzip file that no tool
    reads past its first stream.  A quarantine named (or found) compressed gets
    each dropped record as a whole stream of its own: ``zcat`` reads them all,
    across runs; a plain file stays plain whatever its name."""
    import bz2
    import lzma

    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in
             enumerate([SEED, CLEAN, SEED])]  # fmt: skip
    source = tmp_path / "items.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    dropped = (lines[0] + lines[2]).encode()
    for name, read in (("ads.jsonl.gz", gzip.decompress), ("ads.bz2", bz2.decompress),
                       ("ads.jsonl.xz", lzma.decompress)):  # fmt: skip
        quarantine = tmp_path / name
        drop = ("--drop", "--quarantine", str(quarantine), str(source))
        for run in (1, 2):
            result = clean(runner, tiny_model_dir, *drop, "-o", str(tmp_path / "kept.jsonl"))
            assert result.exit_code == 1, result.stderr
            assert read(quarantine.read_bytes()) == run * dropped, name
    # A plain file named .gz (written by an older version): appended plain.
    plain = tmp_path / "old.jsonl.gz"
    plain.write_bytes(lines[1].encode())
    result = clean(runner, tiny_model_dir, "--drop", "--quarantine", str(plain), str(source))
    assert result.exit_code == 1, result.stderr
    assert plain.read_bytes() == lines[1].encode() + dropped
    # A gzip file not named so: appended as gzip.
    unnamed = tmp_path / "ads.log"
    unnamed.write_bytes(gzip.compress(lines[1].encode()))
    result = clean(runner, tiny_model_dir, "--drop", "--quarantine", str(unnamed), str(source))
    assert gzip.decompress(unnamed.read_bytes()) == lines[1].encode() + dropped


def test_zstd_is_refused_without_a_decompressor(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "seed.txt.zst"
    original = b"\x28\xb5\x2f\xfd" + bytes(40)
    source.write_bytes(original)
    monkeypatch.setitem(sys.modules, "compression.zstd", None)  # as if not importable
    result = clean(runner, tiny_model_dir, "--in-place", str(source))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"detector: error: {source}: zstd-compressed")
    assert source.read_bytes() == original
    # Asked for by the -o name: an error naming it, nothing written.
    output = tmp_path / "out.txt.zst"
    result = clean(runner, tiny_model_dir, str(seed_file(tmp_path)), "-o", str(output))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"detector: error: {output}: cannot write zstd: ")
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.txt", "seed.txt.zst"]


def test_zstd_is_cleaned_into_zstd_where_python_has_it(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, fake_zstd: Callable[[bytes], bytes]
) -> None:
    source = tmp_path / "seed.txt.zst"
    source.write_bytes(fake_zstd(SEED.encode()))
    result = clean(runner, tiny_model_dir, "--in-place", str(source))
    assert result.exit_code == 1, result.stderr
    assert source.read_bytes() == fake_zstd(SEED.replace(AD, "").encode())
    result = clean(runner, tiny_model_dir, str(seed_file(tmp_path)), "-o", str(tmp_path / "o.zst"))
    assert result.exit_code == 1, result.stderr
    assert (tmp_path / "o.zst").read_bytes() == fake_zstd(SEED.replace(AD, "").encode())


def test_summary_counts_inputs_cleaned_documents_spans_drops_errors_and_skips(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    records = [{"text": SEED}, {"text": CLEAN}, {"text": CONTACT}]
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    (crawl / "items.jsonl").write_text(lines[0] + "{oops\n" + lines[1] + lines[2], "utf-8")
    (crawl / "a.txt").write_text(SEED, encoding="utf-8")
    (crawl / "blob.bin").write_bytes(b"\x00\x01binary")
    result = clean(runner, tiny_model_dir, "--summary", "--in-place", str(crawl))
    assert result.exit_code == 2, result.stderr  # the bad JSONL line
    removals = [line for line in result.stderr.splitlines() if ": removed " in line]
    places = {tuple(line.split(": removed ")[0].rsplit(":", 2)[:2]) for line in removals}
    # A text file is one document; a JSONL line is one.
    documents = {path if path.endswith(".txt") else f"{path}:{line}" for path, line in places}
    items = crawl / "items.jsonl"
    assert documents == {f"{items}:1", f"{items}:4", str(crawl / "a.txt")}, removals
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(
        rf"detector: 3 inputs in \d+\.\d\d s: 3 documents cleaned \({len(removals)} spans?"
        r" removed\), 0 records dropped; 1 error, 1 skipped",
        last,
    ), last
    # Dropped records are counted apart, and the quarantine file found inside is skipped.
    jsonl = crawl / "jsonl"
    jsonl.mkdir()
    (jsonl / "items.jsonl").write_text("".join(lines), "utf-8")
    (jsonl / "more.jsonl").write_text(lines[0], "utf-8")
    quarantine = jsonl / "ads.jsonl"
    quarantine.write_text(lines[0], "utf-8")  # of an earlier run
    drop = ("--summary", "--drop", "--quarantine", str(quarantine), "--in-place")
    result = clean(runner, tiny_model_dir, *drop, str(jsonl))
    assert result.exit_code == 1, result.stderr
    dropped = quarantine.read_text("utf-8").splitlines()[1:]
    assert len(dropped) == 3  # two of items.jsonl, one of more.jsonl
    assert re.fullmatch(
        r"detector: 2 inputs in \d+\.\d\d s: 0 documents cleaned \(0 spans removed\),"
        r" 3 records dropped; 0 errors, 1 skipped",
        result.stderr.splitlines()[-1],
    ), result.stderr


def test_summary_does_not_count_what_an_error_left_unwritten(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A truncated .jsonl.gz cleaned in place is left as it was and -o FILE is
    not written, yet the summary counted the records cleaned before the cut
    ("1,000 documents cleaned" with nothing changed).  On stdout they went out,
    and count."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    cut = _cut_jsonl_gz(folder)
    packed = cut.read_bytes()
    seed_file(folder)
    nothing = r" 0 documents cleaned \(0 spans removed\), 0 records dropped; 1 error, 0 skipped"
    result = clean(runner, tiny_model_dir, "--summary", str(cut), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2 and not (tmp_path / "o.jsonl").exists()
    assert re.fullmatch(
        r"detector: 1 input in \d+\.\d\d s:" + nothing, result.stderr.splitlines()[-1]
    )
    result = clean(runner, tiny_model_dir, "--summary", "--in-place", str(folder))
    assert result.exit_code == 2 and cut.read_bytes() == packed
    assert re.fullmatch(  # seed.txt is cleaned, the cut file is not
        r"detector: 2 inputs in \d+\.\d\d s: 1 document cleaned \(1 span removed\),"
        r" 0 records dropped; 1 error, 0 skipped",
        result.stderr.splitlines()[-1],
    ), result.stderr.splitlines()[-1]
    drop = ("--summary", "--drop", "--quarantine", str(tmp_path / "ads.jsonl"))
    result = clean(runner, tiny_model_dir, *drop, str(cut), "-o", str(tmp_path / "o.jsonl"))
    assert re.fullmatch(
        r"detector: 1 input in \d+\.\d\d s:" + nothing, result.stderr.splitlines()[-1]
    )
    result = clean(runner, tiny_model_dir, "--summary", str(cut))  # stdout: cleaned, counted
    assert result.exit_code == 2
    assert re.fullmatch(
        r"detector: 1 input in \d+\.\d\d s: [1-9][\d,]* documents cleaned \([\d,]+ spans removed\),"
        r" 0 records dropped; 1 error, 0 skipped",
        result.stderr.splitlines()[-1],
    ), result.stderr.splitlines()[-1]


def test_summary_names_the_texts_removed_from_the_most_documents(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The line before the summary's names the texts removed from the most
    documents, and, as the counts, leaves out an input an error left as it was
    (a cut .jsonl.gz cleaned in place: hundreds of seed records before the cut)."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    _cut_jsonl_gz(folder)
    seed_file(folder)
    (folder / "again.txt").write_text(SEED, encoding="utf-8")
    result = clean(runner, tiny_model_dir, "--summary", "--in-place", str(folder))
    assert result.exit_code == 2, result.stderr
    recurring, last = result.stderr.splitlines()[-2:]
    assert recurring == f'detector: recurring findings: 2 documents "{AD}" (stock-margin)'
    assert " 2 documents cleaned (2 spans removed)" in last, last
    # Written to standard output, the records cleaned before the cut count.
    result = clean(runner, tiny_model_dir, "--summary", str(folder / "items.jsonl.gz"))
    recurring = result.stderr.splitlines()[-2]
    expected = rf'detector: recurring findings: [1-9][\d,]+ documents "{AD}" \(stock-margin\)'
    assert re.fullmatch(expected, recurring), recurring


def test_a_quarantine_file_among_the_inputs_is_skipped_whatever_its_name(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """With --drop, the quarantine file found in a directory being cleaned is
    skipped; named ads.txt it was an error (--drop reads text files as no
    records) and the run exited 2."""
    (tmp_path / "items.jsonl").write_text(json.dumps({"text": SEED}) + "\n", "utf-8")
    quarantine = tmp_path / "ads.txt"
    quarantine.write_text("", "utf-8")
    drop = ("--drop", "--quarantine", str(quarantine), "--in-place", str(tmp_path))
    result = clean(runner, tiny_model_dir, *drop)
    assert result.exit_code == 1, result.stderr
    assert f"detector: {quarantine}: the --quarantine file, skipped" in result.stderr
    assert json.loads(quarantine.read_text("utf-8")) == {"text": SEED}


def test_records_of_an_input_that_fails_are_not_quarantined(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A truncated .jsonl.gz cleaned --drop --in-place (or to -o FILE) is left as
    it was, yet the records dropped before the cut were appended to the
    quarantine file, and again by every run that retried it.  They are held
    until the input's output is complete; a whole input's go in as before."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    cut = _cut_jsonl_gz(folder)
    packed = cut.read_bytes()
    whole = folder / "whole.jsonl"
    whole.write_text(json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\n", "utf-8")
    quarantine = tmp_path / "ads.jsonl"
    drop = ("--drop", "--quarantine", str(quarantine))
    for _ in range(2):
        result = clean(runner, tiny_model_dir, *drop, "--in-place", str(cut), str(whole))
        assert result.exit_code == 2, result.stderr
        assert cut.read_bytes() == packed and whole.read_text("utf-8") == ""
        assert [json.loads(line)["id"] for line in quarantine.read_text("utf-8").splitlines()] == [
            1
        ]
        whole.write_text(json.dumps({"id": 1, "text": SEED}, ensure_ascii=False) + "\n", "utf-8")
        quarantine.write_bytes(b"")
    result = clean(runner, tiny_model_dir, *drop, str(cut), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and not (tmp_path / "out.jsonl").exists()
    assert quarantine.read_bytes() == b""
    # To stdout the records went out without the dropped ones: those are kept.
    result = clean(runner, tiny_model_dir, *drop, str(cut))
    assert result.exit_code == 2
    assert len(quarantine.read_text("utf-8").splitlines()) >= 100


# -- records cleaned in batches --------------------------------------------------


def _mixed_records() -> str:
    """JSONL with ads, clean records, an HTML field, a list field, a repeated
    record, a line that is not JSON and a field that is not a string."""
    html = f"<div><p>{SEED}</p><p>{CLEAN}</p></div>"
    records = [
        {"id": 1, "text": SEED},
        {"id": 2, "text": CLEAN},
        {"id": 3, "text": html},
        {"id": 4, "text": [CLEAN, CONTACT]},
        {"id": 5, "text": SEED},
        {"id": 6, "text": 7},
        {"id": 7, "text": CONTACT, "title": SEED},
    ]
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    lines.insert(4, "{not json\n")
    return "".join(lines * 3)


@pytest.mark.parametrize("chunk", [1, 3, 512])
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_records_cleaned_in_batches_as_one_at_a_time(
    runner: CliRunner,
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    fmt: str,
) -> None:
    """The fields of a chunk of records are scanned in one batch and each record
    cleaned with their verdicts: the same bytes and messages as scanning each
    field on its own, whatever the chunk's size."""
    import detector.cli as cli
    import detector.scanning as scanning

    text = _mixed_records()
    if fmt == "json":
        records = [json.loads(line) for line in text.splitlines() if "not json" not in line]
        text = json.dumps(records, ensure_ascii=False)
    source = tmp_path / f"items.{fmt}"
    source.write_text(text, encoding="utf-8")
    args = ["--text-field", "text", "--text-field", "title", str(source), "-o"]
    monkeypatch.setattr(cli, "_CHUNK_LINES", chunk)
    batched = clean(runner, tiny_model_dir, *args, str(tmp_path / "batched"))
    monkeypatch.setattr(scanning, "scan_fields_ahead", lambda detector, texts, scan_many=None: {})
    alone = clean(runner, tiny_model_dir, *args, str(tmp_path / "alone"))
    assert batched.exit_code == alone.exit_code == 2  # a bad line or field
    assert (tmp_path / "batched").read_bytes() == (tmp_path / "alone").read_bytes()
    assert batched.stderr == alone.stderr
    assert AD in text and AD not in (tmp_path / "batched").read_text(encoding="utf-8")


def test_a_chunk_of_records_is_scanned_in_one_batch(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path, scan_batches: list[int]
) -> None:
    source = tmp_path / "items.jsonl"
    lines = [json.dumps({"id": i, "text": f"{i}{SEED if i % 2 else CLEAN}"}) for i in range(40)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = clean(runner, tiny_model_dir, str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1, result.stderr
    assert scan_batches == [40]  # not one scan per record


def test_scan_fields_ahead_gives_what_scanning_each_field_gives(tiny_detector: Detector) -> None:
    from detector.scanning import scan_field, scan_fields_ahead

    texts = [SEED, CLEAN, SEED, f"<p>{SEED}</p>", CONTACT, "", "<b>x</b>"]
    ahead = scan_fields_ahead(tiny_detector, texts)
    assert set(ahead) == set(texts)
    for text in texts:
        assert scan_field(tiny_detector, text, ahead=ahead) == scan_field(tiny_detector, text)
    verdict, cuts = scan_field(tiny_detector, f"<p>{SEED}</p>", ahead=ahead)
    assert verdict.is_spam and cuts  # the ad's characters in the markup


def test_keep_freed_memory_is_set_where_glibc_has_mallopt() -> None:
    import platform

    from detector.memory import keep_freed_memory

    assert keep_freed_memory() is (sys.platform == "linux" and platform.libc_ver()[0] == "glibc")


def _article_tree(root: Path) -> None:
    """A directory of articles in the forms clean reads: plain and GBK text,
    gzip text, JSONL, HTML, an empty file, and text that is not decodable."""
    root.mkdir()
    for i in range(12):
        (root / f"{i:02}.txt").write_text(f"{i}{SEED if i % 3 else CLEAN}", encoding="utf-8")
    (root / "gbk.txt").write_bytes(SEED.encode("gbk"))
    (root / "packed.txt.gz").write_bytes(gzip.compress(CONTACT.encode()))
    (root / "items.jsonl").write_text(json.dumps({"text": SEED}, ensure_ascii=False) + "\n")
    (root / "page.html").write_text(f"<html><body><p>{SEED}</p></body></html>")
    (root / "empty.txt").write_bytes(b"")
    (root / "same.txt").write_text(f"1{SEED}", encoding="utf-8")  # as 01.txt


def test_a_directory_is_cleaned_with_its_texts_scanned_ahead_as_one_by_one(
    runner: CliRunner,
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scan_batches: list[int],
) -> None:
    """The text files of a directory are read and scanned in one batch before
    they are cleaned: the same files and messages as a scan per file."""
    import detector.cli as cli

    _article_tree(tmp_path / "ahead")
    _article_tree(tmp_path / "alone")
    ahead = clean(runner, tiny_model_dir, "--in-place", str(tmp_path / "ahead"))
    # The 16 text files' 15 distinct texts at once, then one scan each for the
    # files that are not plain text (the JSONL file's chunk, the HTML page).
    assert scan_batches == [15, 1, 1]
    monkeypatch.setattr(cli, "_read_ahead", lambda *args: 0)
    alone = clean(runner, tiny_model_dir, "--in-place", str(tmp_path / "alone"))
    assert ahead.exit_code == alone.exit_code == 1, ahead.stderr
    assert ahead.stderr.replace("ahead", "alone") == alone.stderr
    for path in sorted((tmp_path / "alone").iterdir()):
        assert (tmp_path / "ahead" / path.name).read_bytes() == path.read_bytes(), path.name
    assert AD not in (tmp_path / "ahead" / "01.txt").read_text(encoding="utf-8")
    assert (tmp_path / "ahead" / "00.txt").read_text(encoding="utf-8") == f"0{CLEAN}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_input_is_read_once_when_it_is_cleaned(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``clean <(crawl) -o out``: a pipe is not read ahead (its text would be gone)."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(SEED.encode()), daemon=True)
    writer.start()
    out = tmp_path / "out.txt"
    result = clean(runner, tiny_model_dir, str(fifo), "-o", str(out))
    writer.join(30)
    assert result.exit_code == 1, result.stderr
    assert out.read_text(encoding="utf-8") == SEED.replace(AD, "")


def test_a_json_file_is_scanned_ahead_a_window_of_fields_at_a_time(
    runner: CliRunner,
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scan_batches: list[int],
) -> None:
    """A JSON file's fields are all gathered at once; they are scanned (their
    markup views built) a window at a time, so memory stays bounded."""
    import detector.cli as cli

    monkeypatch.setattr(cli, "_AHEAD_FIELDS", 5)
    records = [{"text": f"<p>{i}{SEED if i % 4 == 0 else CLEAN}</p>"} for i in range(12)]
    source = tmp_path / "items.json"
    source.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    result = clean(runner, tiny_model_dir, str(source), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert scan_batches == [5, 5, 2]
    cleaned = json.loads(out.read_text(encoding="utf-8"))
    assert [AD in r["text"] for r in cleaned] == [False] * 12
    assert cleaned[1] == records[1]


def test_scan_fields_ahead_by_window_covers_the_texts_in_order(tiny_detector: Detector) -> None:
    from detector.scanning import scan_fields_ahead_by_window

    texts = [SEED, CLEAN, f"<p>{SEED}</p>", SEED, CONTACT, "x" * 50, CLEAN]
    by_count = [list(w) for w in scan_fields_ahead_by_window(tiny_detector, texts, most=3)]
    assert by_count == [[SEED, CLEAN, f"<p>{SEED}</p>"], [SEED, CONTACT, "x" * 50], [CLEAN]]
    # A window ends once it holds `chars` characters: the text that passes them is its last.
    by_size = [list(w) for w in scan_fields_ahead_by_window(tiny_detector, texts, chars=60)]
    assert [text for window in by_size for text in window] == texts
    assert all(sum(map(len, w[:-1])) < 60 for w in by_size) and len(by_size) > 1
    assert list(scan_fields_ahead_by_window(tiny_detector, [])) == []

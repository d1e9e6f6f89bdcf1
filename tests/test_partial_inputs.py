"""Compressed files cut short (a transfer or a crawl that died) that are read
whole (text, HTML, JSON): what was decompressed before the cut is scanned, as
the records of a cut JSONL file are, and an error names the file, the line the
readable data ends in and the truncation; exit 2.  ``clean`` leaves them as
they were.  Also: complete files followed by other data, several members, and
empty ones."""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detector.cli import main

AD = "强化服务杨方线上配资股票,推动循环。"
NEWS = "农业农村部部署秋粮收获工作。"

# bzip2 with its smallest blocks (100 kB): a cut file still holds whole blocks.
KINDS: list[tuple[str, str, Callable[[bytes], bytes]]] = [
    ("gz", "gzip", gzip.compress),
    ("bz2", "bzip2", lambda data: bz2.compress(data, 1)),
    ("xz", "xz", lzma.compress),
]


def scan(model: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", "--model", str(model), *args])


def readable(packed: bytes, kind: str) -> bytes:
    """What the decompressor of ``kind`` gives of ``packed`` before it ends
    (told apart from the code under test: the decompressor alone)."""
    if kind == "gzip":
        return zlib.decompressobj(31).decompress(packed)
    if kind == "bzip2":
        return bz2.BZ2Decompressor().decompress(packed)
    return lzma.LZMADecompressor().decompress(packed)


def whole_characters(data: bytes, codec: str = "utf-8") -> str:
    """``data`` decoded, a character cut at its end left out."""
    return codecs.getincrementaldecoder(codec)().decode(data)


def numbered_lines(count: int, ad_every: int = 40) -> list[str]:
    return [f"第{n}条：{AD if n % ad_every == 0 else NEWS}" for n in range(1, count + 1)]


def page(lines: list[str]) -> str:
    body = "".join(f"<p>{line}</p>\n" for line in lines)
    return f"<html><head><title>新闻</title></head>\n<body>\n{body}</body></html>\n"


def truncated(kind: str) -> str:
    return f"truncated {kind} data: the file ends inside its compressed stream"


@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_a_truncated_compressed_text_or_html_file_scans_what_was_read(
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    kind: str,
    compress: Callable[[bytes], bytes],
    html: bool,
) -> None:
    """Its findings are those of the text before the cut, at the same line:col
    as in a plain file holding that text; then the error names the file, the
    line the data ends in and the truncation (nothing was scanned and the error
    named no line)."""
    lines = numbered_lines(9000)
    text = page(lines) if html else "".join(line + "\n" for line in lines)
    packed = compress(text.encode("utf-8"))
    ext = "html" if html else "txt"
    cut = tmp_path / f"cut.{ext}.{suffix}"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    before = whole_characters(readable(cut.read_bytes(), kind))
    assert 0 < len(before) < len(text)
    plain = tmp_path / f"plain.{ext}"
    plain.write_text(before, encoding="utf-8")
    want = scan(tiny_model_dir, str(plain))
    assert want.exit_code == 1 and want.stderr == ""
    found = want.stdout.splitlines()
    assert 10 < len(found) < len(lines) // 40  # findings before the cut, not all of them
    result = scan(tiny_model_dir, str(cut))
    assert result.stdout == want.stdout.replace(str(plain), str(cut))
    line = before.count("\n") + 1
    assert result.stderr == f"detector: error: {cut}:{line}: cannot read ({truncated(kind)})\n"
    assert result.exit_code == 2


def test_a_gbk_text_cut_inside_a_character_is_still_read_as_gbk(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The cut falls inside a two-byte character: the text before it is decoded
    as GBK all the same (with the broken character at its end, no codec decoded
    it whole and it came out as Latin letters: the ad was missed)."""
    data = f"会议强调要深化产融合作。\n{AD}\n{NEWS}\n".encode("gb18030")
    packed = gzip.compress(data)
    end = len(f"会议强调要深化产融合作。\n{AD}\n农".encode("gb18030")) + 1  # half of 业
    cut_at = next(n for n in range(len(packed)) if len(readable(packed[:n], "gzip")) >= end)
    cut = tmp_path / "gbk.txt.gz"
    cut.write_bytes(packed[:cut_at])
    before = readable(cut.read_bytes(), "gzip")
    assert before.startswith(data[:end]) and len(before) < len(data)
    plain = tmp_path / "gbk.txt"
    plain.write_text(whole_characters(before, "gb18030"), encoding="gb18030")
    want = scan(tiny_model_dir, "--format", "jsonl", str(plain))
    assert json.loads(want.stdout)["findings"], "the ad is found in the plain file"
    result = scan(tiny_model_dir, "--format", "jsonl", str(cut))
    assert result.stdout == want.stdout.replace(json.dumps(str(plain)), json.dumps(str(cut)))
    assert result.stderr == f"detector: error: {cut}:3: cannot read ({truncated('gzip')})\n"


def json_array(count: int) -> str:
    items = [
        json.dumps({"id": n, "text": AD if n % 3 == 0 else NEWS}, ensure_ascii=False)
        for n in range(1, count + 1)
    ]
    return "[\n" + ",\n".join(items) + "\n]\n"


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_a_truncated_compressed_json_file_scans_the_records_before_the_cut(
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    kind: str,
    compress: Callable[[bytes], bytes],
) -> None:
    """Each record before the cut is a whole JSON value, as in the file: those
    are scanned.  The record the cut falls in is not; one error says so (the
    truncation, where the data ends: not also 'invalid JSON' there)."""
    text = json_array(6000)
    packed = compress(text.encode("utf-8"))
    cut = tmp_path / f"items.json.{suffix}"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    before = whole_characters(readable(cut.read_bytes(), kind))
    result = scan(tiny_model_dir, "--format", "jsonl", str(cut))
    assert result.exit_code == 2
    read = [json.loads(line) for line in result.stdout.splitlines()]
    whole = before.count("\n") - 1  # the lines of whole records: not [ nor the cut one
    assert 100 < whole < 6000
    assert [r["line"] for r in read] == list(range(2, whole + 2))
    assert all(bool(r["findings"]) == (r["id"] % 3 == 0) for r in read)
    line = before.count("\n") + 1
    assert result.stderr == f"detector: error: {cut}:{line}: cannot read ({truncated(kind)})\n"


def test_an_invalid_json_record_before_the_cut_is_reported_too(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A syntax error before the cut is the file's own: reported where it is,
    and the truncation after it."""
    lines = json_array(3000).splitlines(keepends=True)
    lines[5] = lines[5].replace('"text"', "text")
    packed = gzip.compress("".join(lines).encode("utf-8"))
    cut = tmp_path / "items.json.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    line = readable(cut.read_bytes(), "gzip").count(b"\n") + 1
    result = scan(tiny_model_dir, "--format", "jsonl", str(cut))
    assert [json.loads(r)["line"] for r in result.stdout.splitlines()] == [2, 3, 4, 5]
    assert result.stderr == (
        f"detector: error: {cut}:6: invalid JSON (Expecting property name enclosed in"
        " double quotes at column 11)\n"
        f"detector: error: {cut}:{line}: cannot read ({truncated('gzip')})\n"
    )
    assert result.exit_code == 2


def test_truncated_files_give_the_same_output_with_any_jobs(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Text and HTML files are read by the workers, JSON files here: the output
    (stdout and stderr) is --jobs 1's."""
    lines = numbered_lines(3000)
    for name, text in [
        ("a.txt.gz", "".join(line + "\n" for line in lines)),
        ("b.html.gz", page(lines)),
        ("c.json.gz", json_array(2000)),
    ]:
        packed = gzip.compress(text.encode("utf-8"))
        (tmp_path / name).write_bytes(packed[: len(packed) // 2])
    (tmp_path / "d.txt").write_text(f"{NEWS}\n{AD}\n", encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        for fmt in ("text", "jsonl"):
            result = scan(tiny_model_dir, "--jobs", jobs, "--format", fmt, str(tmp_path))
            assert result.exit_code == 2
            outputs[jobs, fmt] = (result.stdout, result.stderr)
    assert outputs["2", "text"] == outputs["1", "text"]
    assert outputs["2", "jsonl"] == outputs["1", "jsonl"]
    stdout, stderr = outputs["1", "text"]
    assert {line.split(":")[0] for line in stdout.splitlines()} == {
        str(tmp_path / name) for name in ("a.txt.gz", "b.html.gz", "c.json.gz", "d.txt")
    }
    assert [line.split(": ")[2].split(":")[0] for line in stderr.splitlines()] == [
        str(tmp_path / name) for name in ("a.txt.gz", "b.html.gz", "c.json.gz")
    ]
    assert all(truncated("gzip") in line for line in stderr.splitlines())


def test_explain_explains_what_was_read_of_a_truncated_file(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    text = "".join(line + "\n" for line in numbered_lines(3000))
    packed = gzip.compress(text.encode("utf-8"))
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    result = CliRunner().invoke(
        main, ["explain", "--model", str(tiny_model_dir), "--format", "json", str(cut)]
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)  # the findings before the cut, explained
    assert result.stderr.startswith(f"detector: error: {cut}:")
    assert result.stderr.endswith(f": cannot read ({truncated('gzip')})\n")


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
@pytest.mark.parametrize("ext", ["txt", "html"])
def test_clean_leaves_a_truncated_text_or_html_file_as_it_was(
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    kind: str,
    compress: Callable[[bytes], bytes],
    ext: str,
) -> None:
    """Cleaned, the text before the cut would be written as if it were the whole
    file: the file is left as it was, -o not written, with the error (as for
    any input that cannot be read); on stdout nothing of it goes out."""
    lines = numbered_lines(9000, ad_every=3)  # blocked: clean would remove the ads
    text = page(lines) if ext == "html" else "".join(line + "\n" for line in lines)
    packed = compress(text.encode("utf-8"))
    folder = tmp_path / "crawl"
    folder.mkdir()
    cut = folder / f"cut.{ext}.{suffix}"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    whole = folder / f"whole.{ext}.{suffix}"
    whole.write_bytes(packed)
    runner = CliRunner()
    args = ["clean", "--model", str(tiny_model_dir)]
    result = runner.invoke(main, [*args, "--in-place", str(folder)])
    assert result.exit_code == 2
    assert cut.read_bytes() == packed[: len(packed) * 2 // 3]
    assert whole.read_bytes() != packed  # the whole one was cleaned
    errors = [line for line in result.stderr.splitlines() if line.startswith("detector: error")]
    assert errors == [f"detector: error: {cut}: cannot read ({truncated(kind)})"]
    assert not any(line.startswith(f"{cut}:") for line in result.stderr.splitlines())
    out = tmp_path / f"out.{ext}.{suffix}"
    result = runner.invoke(main, [*args, str(cut), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    result = runner.invoke(main, [*args, str(cut)])
    assert result.exit_code == 2
    assert result.stderr == f"detector: error: {cut}: cannot read ({truncated(kind)})\n"
    assert NEWS.encode() not in readable(result.stdout_bytes, kind)


def test_a_multi_member_gzip_text_file_is_read_whole(tiny_model_dir: Path, tmp_path: Path) -> None:
    """``cat a.gz b.gz``: the findings of every member, placed in the whole text."""
    parts = [f"{NEWS}\n" * 3, f"{NEWS}\n{AD}\n", f"{NEWS}\n{AD}\n"]
    plain = tmp_path / "all.txt"
    plain.write_text("".join(parts), encoding="utf-8")
    packed = tmp_path / "all.txt.gz"
    packed.write_bytes(b"".join(gzip.compress(part.encode()) for part in parts))
    want = scan(tiny_model_dir, str(plain))
    assert [line.split(":")[1] for line in want.stdout.splitlines()] == ["5", "7"]
    got = scan(tiny_model_dir, str(packed))
    assert (got.exit_code, got.stderr) == (1, "")
    assert got.stdout == want.stdout.replace(str(plain), str(packed))


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_an_empty_compressed_file_is_an_empty_text(
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    kind: str,
    compress: Callable[[bytes], bytes],
) -> None:
    path = tmp_path / f"empty.txt.{suffix}"
    path.write_bytes(compress(b""))
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "path": str(path),
        "is_spam": False,
        "score": 0.0,
        "findings": [],
    }


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_other_data_after_a_complete_stream_is_an_error_after_the_scan(
    tiny_model_dir: Path,
    tmp_path: Path,
    suffix: str,
    kind: str,
    compress: Callable[[bytes], bytes],
) -> None:
    """Plain lines appended to a compressed file (a writer that did not compress
    them): the compressed text is scanned, then the error says what follows it
    is not that compression.  For gzip that was an error and nothing scanned;
    bzip2 and xz dropped it without a word (Python's readers ignore what
    follows their last stream), and clean --in-place rewrote the file without
    it.  Zero bytes after it are padding (gzip's, xz's stream padding): read
    as the end (an .xz so padded was 'truncated')."""
    text = f"{NEWS}\n{AD}\n"
    packed = compress(text.encode())
    plain = tmp_path / "plain.txt"
    plain.write_text(text, encoding="utf-8")
    want = scan(tiny_model_dir, str(plain))
    appended = tmp_path / f"appended.txt.{suffix}"
    tail = f"{AD}\n".encode()
    appended.write_bytes(packed + tail)
    result = scan(tiny_model_dir, str(appended))
    assert result.stdout == want.stdout.replace(str(plain), str(appended))
    assert result.stderr == (
        f"detector: error: {appended}:3: cannot read (corrupt {kind} data: what follows"
        f" the end of its compressed stream is not {kind})\n"
    )
    assert result.exit_code == 2
    cleaned = CliRunner().invoke(
        main, ["clean", "--model", str(tiny_model_dir), "--in-place", str(appended)]
    )
    assert cleaned.exit_code == 2
    assert appended.read_bytes() == packed + tail  # left as it was, the lines kept
    twice = tmp_path / f"twice.txt.{suffix}"  # a second stream after it is read
    twice.write_bytes(packed + packed + tail)
    result = scan(tiny_model_dir, str(twice))
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["2", "4"]
    assert result.stderr.startswith(f"detector: error: {twice}:5: cannot read (corrupt")
    padded = tmp_path / f"padded.txt.{suffix}"
    padded.write_bytes(packed + b"\0" * 16)
    result = scan(tiny_model_dir, str(padded))
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == want.stdout.replace(str(plain), str(padded))

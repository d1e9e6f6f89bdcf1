"""--jobs: worker processes give the same output, in input order."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector import parallel
from detector.cli import main
from detector.core import Detector
from detector.report import to_record
from detector.results import Verdict

HOST = "今年以来全市工业增加值同比增长百分之六。会议强调要深化产融合作。"
ADS = ["杨方线上配资股票", "加微信abc12345领取福利", "代开各类正规发票", ""]


def _corpus(root: Path) -> None:
    for i in range(40):
        ad = ADS[i % len(ADS)]
        (root / f"{i // 10}").mkdir(exist_ok=True)
        text = HOST * (1 + i % 3) + f"强化服务{ad},推动循环。\n"
        (root / f"{i // 10}" / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    (root / "records.jsonl").write_text(
        "\n".join(json.dumps({"id": i, "text": HOST + ADS[i % 4]}) for i in range(30)) + "\n{bad\n",
        encoding="utf-8",
    )


def test_jobs_2_equals_jobs_1(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _corpus(tmp_path)
    monkeypatch.setattr(parallel, "CHUNK_TEXTS", 4)  # many chunks in flight
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2", "3"):
        for fmt in ("text", "jsonl"):
            args = ["scan", "--model", str(tiny_model_dir), "--format", fmt, "--jobs", jobs]
            result = runner.invoke(main, [*args, str(tmp_path)])
            assert result.exit_code == 2, result.output  # findings and one bad record
            outputs.append((fmt, result.stdout))
    assert outputs[:2] == outputs[2:4] == outputs[4:]
    records = [json.loads(line) for line in outputs[1][1].splitlines()]
    assert len(records) == 40 + 30
    # Input order: the JSONL file's records by line, then the sorted sub-folders.
    assert [r.get("line") for r in records[:30]] == list(range(1, 31))
    paths = [r["path"] for r in records[30:]]
    assert paths == sorted(paths)


def test_workers_drop_the_findings_of_ignored_categories(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suppressions reach the workers: --ignore-category and the settings
    file's ignore_categories give --jobs 1's output with --jobs 2."""
    (tmp_path / "in").mkdir()
    _corpus(tmp_path / "in")
    monkeypatch.setattr(parallel, "CHUNK_TEXTS", 4)
    monkeypatch.chdir(tmp_path)

    def categories(output: str) -> set[str]:
        return {f["category"] for line in output.splitlines() for f in json.loads(line)["findings"]}

    base = ["scan", "--model", str(tiny_model_dir), "--format", "jsonl"]
    everything = CliRunner().invoke(main, [*base, "--jobs", "2", "in"]).stdout
    (tmp_path / ".detector.toml").write_text('ignore_categories = ["fake-invoice"]\n', "utf-8")
    assert {"contact", "fake-invoice"} < categories(everything)  # before they are ignored
    outputs = []
    for jobs in ("1", "2"):
        args = [*base, "--jobs", jobs]
        result = CliRunner().invoke(main, [*args, "--ignore-category", "contact", "in"])
        assert result.exit_code == 2, result.output  # findings and one bad record
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert categories(outputs[1]) == categories(everything) - {"contact", "fake-invoice"}


def test_workers_send_back_documents_without_findings_without_their_text(
    tiny_detector: Detector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker sends a document it found nothing in as its place and field names
    (no text, no verdict objects), and this process rebuilds the same report."""
    _corpus(tmp_path)
    paths = sorted(str(p) for p in tmp_path.rglob("*.txt"))
    html = tmp_path / "page.html"
    html.write_text(f"<html><body><p>{HOST}</p></body></html>", encoding="utf-8")
    chunk: list[parallel.Unit] = [*paths, str(html), str(tmp_path / "records.jsonl")]
    options = parallel.ScanOptions()
    monkeypatch.setattr(parallel, "_worker", (tiny_detector, options))
    expected = parallel._scan_chunk(tiny_detector, options, chunk)
    sent = parallel._scan_in_worker(chunk)
    compact = [r for r in sent if isinstance(r, parallel._NoFindings)]
    assert len(compact) == sum(
        1 for r in expected if isinstance(r, parallel.ScannedDocument) and not r.result.findings
    )
    assert len(compact) >= 10 and str(html) in {r.path for r in compact}
    empty = Verdict(False, 0.0, (), tiny_detector.model_version)
    rebuilt = [parallel._expanded(r, empty) for r in sent]
    assert len(rebuilt) == len(expected)
    for got, want in zip(rebuilt, expected, strict=True):
        if isinstance(want, parallel.ScannedDocument):
            assert isinstance(got, parallel.ScannedDocument)
            assert to_record(got.result) == to_record(want.result)
            assert got.kept == want.kept
        else:
            assert got == want


def test_large_files_are_handed_out_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = [10, 3000, 5000, 10, 10, 9000, 0]
    paths = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"{i}.txt"
        path.write_text("新" * (size // 3), encoding="utf-8")
        paths.append(str(path))
    paths.append(str(tmp_path / "missing.txt"))  # unreadable: counts nothing
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4000)
    # 10 + 3000 + 5000 bytes reach 4000 at the third file; the missing one counts 0.
    assert list(parallel._chunks(paths)) == [paths[0:3], paths[3:6], paths[6:8]]


def _odd_jsonl() -> bytes:
    """A UTF-8 JSONL file with every kind of line a reader must get right."""
    lines = []
    for i in range(60):
        ad = ADS[i % len(ADS)]
        kind = i % 12
        if kind == 0:
            lines.append(b"{bad\n")  # invalid JSON
        elif kind == 1:
            lines.append(b"[1, 2]\n")  # not an object
        elif kind == 2:
            lines.append(json.dumps({"id": i, "title": HOST}).encode() + b"\n")  # no field
        elif kind == 3:
            lines.append(json.dumps({"id": i, "text": 5}).encode() + b"\n")  # wrong type
        elif kind == 4:  # lone surrogate escapes, in the text and in the id
            lines.append(b'{"text": "\\ud800' + (HOST + ad).encode() + b'", "id": "\\udc00"}\n')
        elif kind == 5:  # CRLF, and escapes before the ad (line:col counts them)
            record = {"id": {"n": i}, "text": '\\n"' + HOST + ad, "html": f"<p>{ad}</p>"}
            lines.append(json.dumps(record).encode() + b"\r\n")
        elif kind == 6:
            lines.append(b"\n")  # blank
        elif kind == 7:
            lines.append(b" \t\r\n")  # blank too
        elif kind == 8:
            lines.append("\u3000\n".encode())  # not blank: an error
        elif kind == 9:  # a byte-order mark at a line's start is dropped
            lines.append("\ufeff".encode() + json.dumps({"text": HOST + ad}).encode() + b"\n")
        else:
            record = {"id": i, "text": HOST * (1 + i % 3) + ad, "html": [f"<div>{ad}</div>", ad]}
            lines.append(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    last = {"id": "last", "text": HOST + ADS[0]}  # no line break at the end
    return b"".join(lines) + json.dumps(last, ensure_ascii=False).encode()


def _scan_outputs(
    model: Path, path: Path, jobs: str, fmt: str, *extra: str
) -> tuple[int, str, str, str]:
    args = ["scan", "--model", str(model), "--format", fmt, "--text-field", "text"]
    args += ["--text-field", "html", "--jobs", jobs, *extra, str(path)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr, result.output


def _parent_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths this process reads itself (``parallel._read``) from now on."""
    read: list[str] = []
    original = parallel._read

    def spy(path: str, options: parallel.ScanOptions) -> Iterator[object]:
        read.append(path)
        return original(path, options)

    monkeypatch.setattr(parallel, "_read", spy)
    return read


def test_jsonl_ranges_read_by_workers_equal_jobs_1(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "odd.jsonl"
    data = _odd_jsonl()
    path.write_bytes(data)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 700)  # many ranges, many chunks
    ranges = parallel._jsonl_ranges(str(path))
    assert ranges is not None and len(ranges) > 6
    read = _parent_reads(monkeypatch)
    for fmt in ("text", "json", "jsonl", "sarif"):
        expected = _scan_outputs(tiny_model_dir, path, "1", fmt)
        assert expected[0] == 2  # findings and errors
        assert f"{path}:1: invalid JSON" in expected[2]
        assert read == [str(path)]  # --jobs 1 reads it as it always did
        read.clear()
        for jobs in ("2", "3"):
            assert _scan_outputs(tiny_model_dir, path, jobs, fmt) == expected, (fmt, jobs)
            assert read == []  # the records were read in the ranges
    text = _scan_outputs(tiny_model_dir, path, "2", "text")[1]
    last_line = data.count(b"\n") + 1
    assert f"{path}:{last_line}:" in text  # the last line's findings


def test_jsonl_ranges_cover_whole_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "odd.jsonl"
    data = _odd_jsonl()
    path.write_bytes(data)
    monkeypatch.setattr(parallel, "_BLOCK", 64)  # ranges and characters across blocks
    monkeypatch.setattr(parallel, "_PIECE", 5)  # and across the pieces decoded
    for size in (1, 100, 700, 1 << 19):
        monkeypatch.setattr(parallel, "CHUNK_BYTES", size)
        ranges = parallel._jsonl_ranges(str(path))
        assert ranges is not None
        assert ranges[0].start == 0 and ranges[-1].end == len(data)
        for before, after in itertools.pairwise(ranges):
            assert before.end == after.start and data[before.end - 1 : before.end] == b"\n"
            assert before.end - before.start >= size  # to the first break after size
        for unit in ranges:
            assert unit.line == data.count(b"\n", 0, unit.start) + 1


def test_jsonl_that_is_not_utf8_is_read_here(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [
        json.dumps({"id": i, "text": HOST + ADS[i % 4]}, ensure_ascii=False) for i in range(30)
    ]
    text = "\n".join(records) + "\n{bad\n"
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes(text.encode("gbk"))
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 200)
    assert parallel._jsonl_ranges(str(gbk)) is None
    assert parallel._jsonl_ranges(str(bom)) is None
    assert parallel._jsonl_ranges(str(empty)) == []
    read = _parent_reads(monkeypatch)
    for path in (gbk, bom):
        for fmt in ("text", "jsonl", "sarif"):
            expected = _scan_outputs(tiny_model_dir, path, "1", fmt)
            assert expected[0] == 2 and "加微信" in expected[1]
            assert _scan_outputs(tiny_model_dir, path, "2", fmt) == expected
        assert read == [str(path)] * 6  # both --jobs 1 and 2 read it here
        read.clear()
    # A forced encoding is never second-guessed: read here too.
    utf8 = tmp_path / "utf8.jsonl"
    utf8.write_text(text, encoding="utf-8")
    expected = _scan_outputs(tiny_model_dir, utf8, "1", "jsonl", "--encoding", "utf-8")
    assert _scan_outputs(tiny_model_dir, utf8, "2", "jsonl", "--encoding", "utf-8") == expected
    assert read == [str(utf8)] * 2


@pytest.mark.parametrize("jobs", [[], ["--jobs", "2"]])
def test_a_live_stream_on_stdin_gets_each_result_before_the_next_record(
    tiny_model_dir: Path, jobs: list[str]
) -> None:
    """A crawler piping its items in: each record's result comes out while the
    stream is still open (it came once 256 records had come, or at the end)."""
    import select
    import subprocess
    import sys

    args = [sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir)]
    args += ["--input-format", "jsonl", "--format", "jsonl", *jobs, "-"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    try:
        for number, ad in enumerate(ADS[:3], start=1):
            record = {"id": number, "text": HOST + ad}
            process.stdin.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"no result for record {number} while the stream is open"
            result = json.loads(process.stdout.readline())
            assert (result["line"], result["id"]) == (number, number)
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 1  # findings


def test_compressed_inputs_give_the_same_output_with_any_jobs(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers cannot read ranges of lines inside a compressed stream: this
    process decompresses a compressed JSONL file and hands out its records
    (as for stdin); compressed text files go out as paths, and workers
    decompress them.  The output is --jobs 1's, in input order."""
    import bz2
    import gzip
    import lzma

    _corpus(tmp_path)
    records = (tmp_path / "records.jsonl").read_bytes()
    (tmp_path / "records.jsonl").unlink()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(records))
    (tmp_path / "b.ndjson.xz").write_bytes(lzma.compress(records))
    (tmp_path / "c.jsonl").write_bytes(bz2.compress(records))  # told by its magic bytes
    for text in sorted((tmp_path / "1").glob("*.txt")):
        text.with_suffix(".txt.gz").write_bytes(gzip.compress(text.read_bytes()))
        text.unlink()
    for name in ("a.jsonl.gz", "b.ndjson.xz", "c.jsonl"):
        assert parallel._jsonl_ranges(str(tmp_path / name)) is None
    monkeypatch.setattr(parallel, "CHUNK_TEXTS", 4)  # many chunks in flight
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 700)
    read = _parent_reads(monkeypatch)
    for fmt in ("text", "jsonl", "sarif"):
        expected = _scan_outputs(tiny_model_dir, tmp_path, "1", fmt)
        assert expected[0] == 2  # findings, and the bad line of each JSONL file
        for name in ("a.jsonl.gz", "b.ndjson.xz", "c.jsonl"):
            assert f"{tmp_path / name}:31: invalid JSON" in expected[2]
        assert "加微信" in expected[1] and ".txt.gz" in expected[1]
        read.clear()
        for jobs in ("2", "3"):
            assert _scan_outputs(tiny_model_dir, tmp_path, jobs, fmt) == expected, (fmt, jobs)
            # (This process may also read text files, when it scans a chunk itself.)
            jsonl = sorted(Path(p).name for p in read if ".txt" not in p)
            assert jsonl == ["a.jsonl.gz", "b.ndjson.xz", "c.jsonl"]
            read.clear()


def test_a_live_gzip_stream_on_stdin_gets_each_result_before_the_next_record(
    tiny_model_dir: Path,
) -> None:
    """Compressed on the way in (``crawler | gzip --rsyncable``, a socket with
    compression): each record is scanned once its compressed bytes are there, not
    once 128 KiB of them have come."""
    import select
    import subprocess
    import sys
    import zlib

    args = [sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir)]
    args += ["--input-format", "jsonl", "--format", "jsonl", "-"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    packer = zlib.compressobj(wbits=31)  # gzip
    try:
        for number, ad in enumerate(ADS[:3], start=1):
            record = json.dumps({"id": number, "text": HOST + ad}, ensure_ascii=False) + "\n"
            data = packer.compress(record.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
            process.stdin.write(data)
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"no result for record {number} while the stream is open"
            result = json.loads(process.stdout.readline())
            assert (result["line"], result["id"]) == (number, number)
        process.stdin.write(packer.flush())
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 1  # findings
    assert process.stdout.read() == b""


def test_json_records_on_one_line_keep_their_place_with_any_jobs(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A JSON array written on one line (json.dump's default) holds several records
    of line 1: each finding is placed in its own record, as --jobs 1 places it.
    (Workers get records without their text as written, given back by path and
    line: every record took the last one's, and the ad in the first was
    reported at 1:1.)"""
    records = [{"text": HOST + ADS[0]}, {"text": HOST}, {"text": ADS[1] + HOST}]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    for fmt in ("text", "sarif"):
        expected = _scan_outputs(tiny_model_dir, path, "1", fmt)
        assert expected[0] == 1
        if fmt == "text":
            assert ":1:1:" not in expected[1]
        assert _scan_outputs(tiny_model_dir, path, "2", fmt) == expected, fmt


def test_runs_of_equal_length_keep_the_order_and_share_the_characters() -> None:
    texts = [HOST * (1 + i % 5) + str(i) for i in range(23)]
    for parts in (1, 2, 3, 7, 40):
        runs = parallel._runs_of_equal_length(texts, parts)
        assert [t for run in runs for t in run] == texts
        assert 1 <= len(runs) <= parts and all(runs)
        if parts == 2:
            sizes = [sum(map(len, run)) for run in runs]
            # Each run holds about half: the cut falls within one text of it.
            assert abs(sizes[0] - sizes[1]) <= 2 * max(map(len, texts))


def test_scan_pool_gives_one_process_verdicts_in_order(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [HOST * (1 + i % 3) + f"强化服务{ADS[i % len(ADS)]},推动循环。" for i in range(60)]
    texts += ["", "杨方线上配资股票"]
    expected = tiny_detector.scan_many(texts)
    assert any(v.is_spam for v in expected) and not all(v.is_spam for v in expected)
    with parallel.ScanPool(tiny_detector, 1) as alone:
        assert alone.scan_many(texts) == expected
        assert alone._pool is None  # one job: no worker
    with parallel.ScanPool(tiny_detector, 3) as pool:
        assert pool.scan_many(texts[:5]) == expected[:5]
        assert pool._pool is None  # under POOL_CHARS: scanned here, no worker started
        monkeypatch.setattr(parallel, "POOL_CHARS", 0)
        assert pool.scan_many(texts) == expected
        assert pool._pool is not None
        assert pool.scan_many(texts[::-1]) == expected[::-1]
        # submit: the whole batch to the workers, the verdicts when asked for.
        later = pool.submit(texts)
        assert later() == expected
    assert pool._pool is None and parallel._worker is None  # stopped on leaving
    with parallel.ScanPool(tiny_detector, 2) as pool:
        monkeypatch.setattr(parallel, "POOL_CHARS", 1 << 30)
        later = pool.submit(texts)
        assert pool._pool is None  # a small batch: scanned here, when asked for
        assert later() == expected


def test_clean_jobs_2_writes_what_jobs_1_writes(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """clean --jobs shares the scanning out; the cleaned files, the report of
    what was removed and the exit status are --jobs 1's."""
    monkeypatch.setattr(parallel, "POOL_CHARS", 0)
    records = tmp_path / "records.jsonl"
    records.write_text(
        "".join(
            json.dumps({"id": i, "text": HOST + f"强化服务{ADS[i % 4]},推动循环。"}) + "\n"
            for i in range(50)
        ),
        encoding="utf-8",
    )
    texts = tmp_path / "texts"
    texts.mkdir()
    for i in range(12):
        (texts / f"{i:02d}.txt").write_text(HOST + ADS[i % 4] + "。\n", encoding="utf-8")
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2", "3"):
        copy = tmp_path / f"texts{jobs}"
        copy.mkdir()
        for path in texts.iterdir():
            (copy / path.name).write_bytes(path.read_bytes())
        out = tmp_path / f"cleaned{jobs}.jsonl"
        base = ["clean", "--model", str(tiny_model_dir), "--jobs", jobs]
        first = runner.invoke(main, [*base, str(records), "-o", str(out)])
        second = runner.invoke(main, [*base, "--in-place", str(copy)])
        cleaned = sorted((p.name, p.read_bytes()) for p in copy.iterdir())
        outputs.append(
            (
                first.exit_code,
                first.stderr,
                out.read_bytes(),
                second.exit_code,
                second.stderr.replace(str(copy), "DIR"),
                cleaned,
            )
        )
    assert outputs[0][0] == outputs[0][3] == 1  # something was removed
    assert outputs[0][2] != records.read_bytes()
    assert outputs[0] == outputs[1] == outputs[2]
    # Records from stdin (a live stream: each batch scanned at once, shared with
    # the workers, none read ahead): the same output.
    for jobs in ("1", "2"):
        args = ["clean", "--model", str(tiny_model_dir), "--jobs", jobs, "--input-format", "jsonl"]
        result = runner.invoke(main, [*args, "-"], input=records.read_bytes())
        assert (result.exit_code, result.stdout_bytes) == (1, outputs[0][2])
    # A batch of more fields than a window is scanned a window at a time when it
    # is cleaned (its markup views never all held at once): the same output.
    import detector.cli as cli

    monkeypatch.setattr(cli, "_AHEAD_FIELDS", 3)
    windowed = tmp_path / "windowed.jsonl"
    for jobs in ("1", "2"):
        args = ["clean", "--model", str(tiny_model_dir), "--jobs", jobs, str(records)]
        result = runner.invoke(main, [*args, "-o", str(windowed)])
        assert (result.exit_code, result.stderr) == outputs[0][:2]
        assert windowed.read_bytes() == outputs[0][2]

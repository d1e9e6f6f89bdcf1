"""Web archives to JSONL records: warcio writes small archives here, and the
records are scanned as ``detector scan`` scans JSONL."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("warcio")

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from detector.cli import main as detector_main
from detector.integrations.warc import Page, Skipped, WarcError, iter_pages, main

AD = "杨方线上配资股票"
PAGE = (
    f"<html><head><title>新闻</title></head><body><p>强化金融精准有效服务{AD},深化产融合作。</p>"
    "</body></html>"
)
HANDLE = "加微信abc12345领取福利"
WET_TEXT = f"全国夏粮实现丰收\n专家表示消费市场持续回暖{HANDLE}\n"


def _response(
    writer: WARCWriter,
    url: str,
    body: bytes,
    content_type: str,
    status: str = "200 OK",
    extra: tuple[tuple[str, str], ...] = (),
) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), *extra], "HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=headers
    )
    writer.write_record(record)


def write_archive(path: Path, compressed: bool = True) -> Path:
    """A crawl's archive: warcinfo, a request, pages in GBK (declared, and
    declared wrongly as ISO-8859-1), a 404, an image, a redirect, a gzip-encoded
    chunked page and a resource."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=compressed)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        request = StatusAndHeaders(
            "GET /1 HTTP/1.1", [("Host", "news.example")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                "http://news.example/1", "request", payload=io.BytesIO(b""), http_headers=request
            )
        )
        _response(writer, "http://news.example/1", PAGE.encode("gbk"), "text/html; charset=gbk")
        _response(
            writer, "http://news.example/2", PAGE.encode("gbk"), "text/html; charset=ISO-8859-1"
        )
        _response(
            writer, "http://news.example/gone", b"<p>not found</p>", "text/html", "404 Not Found"
        )
        _response(
            writer, "http://news.example/a.png", b"\x89PNG\r\n\x1a\n" + bytes(40), "image/png"
        )
        _response(
            writer, "http://news.example/old", b"", "text/html", "301 Moved Permanently",
            (("Location", "http://news.example/1"),),
        )  # fmt: skip
        body = gzip.compress(PAGE.encode("utf-8"))
        chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        _response(
            writer, "http://news.example/3", chunked, "text/html; charset=utf-8",
            extra=(("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")),
        )  # fmt: skip
        _plain_text(writer, "http://news.example/r.txt", "resource", HANDLE)
    return path


def _plain_text(writer: WARCWriter, url: str, kind: str, text: str) -> None:
    """A record of ``kind`` (resource, conversion) holding plain text."""
    record = writer.create_warc_record(
        url, kind, payload=io.BytesIO(text.encode()), warc_content_type="text/plain"
    )
    writer.write_record(record)


def write_wet(path: Path) -> Path:
    """Common Crawl's extracted text: a conversion record per page."""
    with gzip.open(path, "wb") as handle:
        _plain_text(
            WARCWriter(handle, gzip=False), "http://news.example/wet", "conversion", WET_TEXT
        )
    return path


def run(*args: str, stdin: bytes | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def records(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


@pytest.mark.parametrize("compressed", [True, False])
def test_pages_are_read_decoded_and_the_rest_skipped(tmp_path: Path, compressed: bool) -> None:
    archive = write_archive(
        tmp_path / ("crawl.warc.gz" if compressed else "crawl.warc"), compressed
    )
    with open(archive, "rb") as handle:
        items = list(iter_pages(handle))
    pages = [item for item in items if isinstance(item, Page)]
    assert [p.url for p in pages] == [
        "http://news.example/1", "http://news.example/2", "http://news.example/3",
        "http://news.example/r.txt",
    ]  # fmt: skip
    # GBK as declared; GBK declared as ISO-8859-1 read as what it is; chunked
    # gzip content undone.
    assert [p.text for p in pages[:3]] == [PAGE] * 3
    assert pages[3].text == HANDLE and pages[3].content_type == "text/plain"
    assert pages[0].content_type == "text/html" and pages[0].date and pages[0].record_id
    skipped = sorted(item.reason for item in items if isinstance(item, Skipped))
    assert skipped == ["image/png", "request", "status 301", "status 404", "warcinfo"]
    offsets = [item.offset for item in items]
    assert offsets == sorted(offsets) and offsets[0] == 0
    with open(archive, "rb") as handle:  # each page's offset is where its record starts
        data = handle.read()
    if not compressed:
        assert data[pages[0].offset :].startswith(b"WARC/1.")


def test_the_records_are_scanned_as_jsonl_with_the_url_as_id(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "crawl.warc.gz")
    wet = write_wet(tmp_path / "crawl.warc.wet.gz")
    converted = run("--summary", str(archive), str(wet))
    assert converted.exit_code == 0, converted.output
    assert converted.stderr == (
        "detector: 5 page(s) written, 5 record(s) skipped (warcinfo 1, request 1, status 404 1,"
        " image/png 1, status 301 1), 0 error(s)\n"
    )
    lines = records(converted.stdout)
    assert lines[0] == {
        "id": "http://news.example/1", "url": "http://news.example/1",
        "date": lines[0]["date"], "warc": str(archive), "offset": lines[0]["offset"],
        "record_id": lines[0]["record_id"], "content_type": "text/html", "text": PAGE,
    }  # fmt: skip
    assert lines[-1]["warc"] == str(wet) and lines[-1]["text"] == WET_TEXT
    scanned = CliRunner().invoke(
        detector_main, ["scan", "--format", "jsonl", "--input-format", "jsonl", "-"],
        input=converted.stdout,
    )  # fmt: skip
    assert scanned.exit_code == 1, scanned.output
    results = records(scanned.stdout)
    found = {r["id"]: [f["text"] for f in r["findings"]] for r in results}
    assert found == {
        "http://news.example/1": [AD], "http://news.example/2": [AD], "http://news.example/3": [AD],
        "http://news.example/r.txt": [HANDLE], "http://news.example/wet": [HANDLE],
    }  # fmt: skip
    # The page is scanned by the text a reader sees; the offsets index the field.
    first = results[0]["findings"][0]
    assert PAGE[first["start"] : first["end"]] == AD


def test_stdin_is_read(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "crawl.warc.gz")
    result = run("-", stdin=archive.read_bytes())
    assert result.exit_code == 0
    assert [r["warc"] for r in records(result.stdout)] == ["<stdin>"] * 4


def test_broken_archives_are_errors_naming_file_and_offset_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    good = write_archive(tmp_path / "good.warc.gz")
    data = good.read_bytes()
    with open(good, "rb") as handle:
        offsets = [item.offset for item in iter_pages(handle)]
    third = offsets[3]  # the first page ends where the fourth record starts
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: third + 20])
    flipped = bytearray(data)
    for i in range(third + 10, third + 40):
        flipped[i] ^= 0x5A
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(bytes(flipped))
    plain = tmp_path / "notes.txt"
    plain.write_text("这不是网页存档\n", encoding="utf-8")
    with open(cut, "rb") as handle:
        with pytest.raises(WarcError, match="cut short") as caught:
            list(iter_pages(handle))
    assert caught.value.offset == third
    result = run(str(plain), str(cut), str(broken), str(tmp_path / "missing.warc"), str(good))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"detector: error: {plain}: at byte 0: not a WARC, WET or ARC file",
        f"detector: error: {cut}: at byte {third}: cut short: the 20 byte(s) after the last whole"
        " record are no record",
        f"detector: error: {broken}: at byte {third}: a broken record (no record starts here)",
        f"detector: error: {tmp_path / 'missing.warc'}: cannot open (No such file or directory)",
    ]
    # The pages before each cut, then every page of the good file.
    assert [r["warc"] for r in records(result.stdout)] == [str(cut), str(broken)] + [str(good)] * 4


def test_an_uncompressed_archive_cut_inside_a_record_is_an_error(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "crawl.warc", compressed=False)
    data = archive.read_bytes()
    (tmp_path / "cut.warc").write_bytes(data[: len(data) - 30])
    result = run(str(tmp_path / "cut.warc"))
    assert result.exit_code == 2 and "cut short" in result.stderr
    assert len(records(result.stdout)) == 3  # the resource record was the one cut


def _arc(compressed: bool) -> bytes:
    """An ARC (version 1) file: its header record and one page."""
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + PAGE.encode()
    version = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    header = b"filedesc://old.arc 0.0.0.0 20240101000000 text/plain %d\n%s\n" % (
        len(version), version,
    )  # fmt: skip
    page = b"http://news.example/arc 127.0.0.1 20240102030405 text/html %d\n%s\n" % (
        len(http), http,
    )  # fmt: skip
    if compressed:
        return gzip.compress(header) + gzip.compress(page)
    return header + page


@pytest.mark.parametrize("compressed", [True, False])
def test_arc_files_are_read_the_same_on_every_run(tmp_path: Path, compressed: bool) -> None:
    """Converted to WARC, an ARC record got a random record id from warcio:
    two runs over one file wrote different lines."""
    archive = tmp_path / ("old.arc.gz" if compressed else "old.arc")
    archive.write_bytes(_arc(compressed))
    first, second = run("--summary", str(archive)), run(str(archive))
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert "1 page(s) written, 1 record(s) skipped (arc_header 1)" in first.stderr
    (line,) = records(first.stdout)
    assert (line["url"], line["date"], line["record_id"]) == (
        "http://news.example/arc", "2024-01-02T03:04:05Z", None,
    )  # fmt: skip
    assert line["text"] == PAGE


def test_a_binary_body_is_skipped_whatever_its_type_says(tmp_path: Path) -> None:
    """A gzip body served as text/html without Content-Encoding (or with no type
    at all) is no page: it was written as text full of U+0000 and mojibake."""
    archive = tmp_path / "odd.warc.gz"
    with open(archive, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        _response(writer, "http://news.example/z", gzip.compress(PAGE.encode()), "text/html")
        headers = StatusAndHeaders("200 OK", [], "HTTP/1.1")
        record = writer.create_warc_record(
            "http://news.example/n", "response", payload=io.BytesIO(b"\x00\x01" * 10),
            http_headers=headers,
        )  # fmt: skip
        writer.write_record(record)
        _response(writer, "http://news.example/ok", PAGE.encode(), "text/html")
    result = run("--summary", str(archive))
    assert result.exit_code == 0
    assert [r["url"] for r in records(result.stdout)] == ["http://news.example/ok"]
    assert "2 record(s) skipped (binary 2)" in result.stderr


def test_what_warcio_only_complains_of_is_an_error(tmp_path: Path) -> None:
    """warcio writes on stderr and reads on when a record's Content-Length does
    not match its block (it then looks for the next record inside this one):
    pages merged or lost, an error here, at the record where it shows; so is a
    gzip member that fails its check."""
    plain = write_archive(tmp_path / "crawl.warc", compressed=False)
    data = plain.read_bytes()
    at = data.index(b"Content-Length: ", data.index(b"http://news.example/1"))
    end = data.index(b"\r\n", at)
    length = int(data[at + 16 : end])
    (tmp_path / "short.warc").write_bytes(
        data[:at] + b"Content-Length: %d" % (length - 5) + data[end:]
    )
    packed = write_archive(tmp_path / "crawl.warc.gz")
    with open(packed, "rb") as handle:
        ends = [item.offset for item in iter_pages(handle)]
    flipped = bytearray(packed.read_bytes())
    flipped[ends[4] - 8] ^= 0xFF  # the CRC-32 of the second page's gzip member
    (tmp_path / "crc.warc.gz").write_bytes(bytes(flipped))
    result = run(str(tmp_path / "short.warc"), str(tmp_path / "crc.warc.gz"))
    assert result.exit_code == 2
    short, crc = result.stderr.splitlines()
    assert short.startswith(f"detector: error: {tmp_path / 'short.warc'}: at byte ")
    assert "a broken record (Record not followed by newline" in short
    assert crc.startswith(f"detector: error: {tmp_path / 'crc.warc.gz'}: at byte ")
    assert "a broken record (" in crc
    # What came before each broken record was written: the first page of the
    # gzip file (the short record was the plain file's first page).
    assert [r["url"] for r in records(result.stdout)] == ["http://news.example/1"]


def test_a_charset_that_names_no_codec_is_no_error(tmp_path: Path) -> None:
    archive = tmp_path / "odd.warc.gz"
    with open(archive, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        _response(writer, "http://news.example/1", PAGE.encode("gbk"), "text/html; charset=g\x00bk")
        _response(writer, "http://news.example/2", PAGE.encode("gbk"), "text/html; charset=klingon")
    result = run(str(archive))
    assert result.exit_code == 0, result.stderr
    assert [r["text"] for r in records(result.stdout)] == [PAGE, PAGE]  # detected: GB18030


def test_a_file_name_that_is_not_utf8_is_written_escaped(tmp_path: Path) -> None:
    """Its lone surrogate failed the UTF-8 line: a traceback, the page lost."""
    import os

    archive = write_archive(tmp_path / "crawl.warc.gz").rename(
        tmp_path / os.fsdecode(b"crawl\xff.warc.gz")
    )
    result = run(str(archive))
    assert result.exit_code == 0, result.output
    expected = str(tmp_path / "crawl\\xff.warc.gz")
    assert {r["warc"] for r in records(result.stdout)} == {expected}

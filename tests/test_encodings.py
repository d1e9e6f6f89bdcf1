"""Decoding scraped files: UTF-8 (BOM or not), GB18030/GBK, Big5, broken UTF-8,
UTF-16/32, and --encoding to force a codec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.clean import decode_exact
from detector.cli import main
from detector.encodings import UnknownEncodingError, check_encoding, decode
from detector.inputs import iter_documents

SIMPLIFIED = (
    "会议强调要深化产融合作推动科技产业金融良性循环。农业农村部部署秋粮收获工作。"
    "新能源汽车产销量连续多年位居世界第一。"
)
TRADITIONAL = (
    "學校開展消防安全演練活動，氣象台發布暴雨藍色預警。新能源汽車產銷量連續多年位居世界第一。"
)
INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SIMPLIFIED, "utf-8"),
        (SIMPLIFIED, "gbk"),
        (SIMPLIFIED, "gb18030"),
        (TRADITIONAL, "big5"),
        (TRADITIONAL, "utf-8"),
    ],
)
def test_encodings_are_detected(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


def test_utf8_bom_is_stripped() -> None:
    assert decode(b"\xef\xbb\xbf" + SIMPLIFIED.encode()) == SIMPLIFIED


def test_gb18030_only_characters_survive() -> None:
    text = SIMPLIFIED + "㐀䶵"  # CJK extension A: in GB18030, not in GBK
    assert decode(text.encode("gb18030")) == text


def test_broken_bytes_in_utf8_become_replacement_characters() -> None:
    head, tail = "会议强调要深化产融合作。", "强化服务杨方线上配资股票,推动循环。"
    data = head.encode() + b"\xff\xfe\x80" + tail.encode()
    text = decode(data)
    assert text.startswith(head) and text.endswith(tail)
    assert set(text[len(head) : -len(tail)]) == {"\ufffd"}


def test_forced_encoding_wins() -> None:
    data = SIMPLIFIED.encode("gbk")
    assert decode(data, "gbk") == SIMPLIFIED
    assert decode("abc".encode("utf-16"), "utf-16") == "abc"


def test_html_meta_charset_is_used_when_not_utf8() -> None:
    page = '<html><head><meta charset="gbk"></head><body>' + SIMPLIFIED + "</body></html>"
    assert decode(page.encode("gbk"), html=True) == page


INJECTED_TRADITIONAL = "會議強調要深化產融合作。\n強化服務楊方線上配資股票,推動循環。\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(INJECTED, "gbk"), (INJECTED_TRADITIONAL, "big5"), (INJECTED, "utf-8-sig")],
)
def test_cli_finds_spans_in_every_encoding(
    tiny_model_dir: Path, tmp_path: Path, text: str, encoding: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--format", "jsonl", str(path)]
    )
    assert result.exit_code == 1, result.output
    record = json.loads(result.stdout)
    assert len(record["findings"]) == 1
    for finding in record["findings"]:
        assert text[finding["start"] : finding["end"]] == finding["text"]
        assert "配資" in finding["text"] or "配资" in finding["text"]


def test_cli_encoding_option(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(INJECTED.encode("gb18030"))
    args = ["scan", "--model", str(tiny_model_dir), "--format", "jsonl"]
    forced = CliRunner().invoke(main, [*args, "--encoding", "GB18030", str(path)])
    assert forced.exit_code == 1
    assert json.loads(forced.stdout)["findings"][0]["text"] == "杨方线上配资股票"
    wrong = CliRunner().invoke(main, [*args, "--encoding", "latin-1", str(path)])
    assert wrong.exit_code == 0  # mojibake: nothing to find, but still scanned


def test_cli_unknown_encoding_is_a_usage_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(INJECTED, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--encoding", "klingon", str(path)]
    )
    assert result.exit_code == 2
    assert "unknown encoding 'klingon'" in result.stderr


# -- UTF-16 and UTF-32, and the NUL test with a known encoding ---------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark(encoding: str) -> None:
    data = INJECTED.encode(encoding)
    if not encoding.endswith("-be"):
        assert data.startswith(b"\xff\xfe")
    else:
        data = ("\ufeff" + INJECTED).encode(encoding)
    assert decode(data) == INJECTED
    assert decode(data, "gbk") == INJECTED  # the mark wins, as a UTF-8 one does


def run_jsonl(model: Path, path: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        main, ["scan", "--model", str(model), "--format", "jsonl", *args, str(path)]
    )
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("encoding", "args"),
    [("utf-16", []), ("utf-32", []), ("utf-16-le", ["--encoding", "utf-16-le"])],
)
def test_cli_utf16_and_utf32_files(
    tiny_model_dir: Path, tmp_path: Path, encoding: str, args: list[str]
) -> None:
    # They are full of NUL bytes: skipped as binary before, even with --encoding;
    # JSONL was split on the byte 0x0A, half of a UTF-16 line break.
    text = tmp_path / "article.txt"
    text.write_bytes(INJECTED.encode(encoding))
    code, records = run_jsonl(tiny_model_dir, text, *args)
    assert code == 1
    assert records[0]["findings"][0]["text"] == "杨方线上配资股票"  # type: ignore[index]
    items = tmp_path / "items.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "强化服务杨方线上配资股票,推动循环。"}, ensure_ascii=False),
        "",
        # A raw U+2028 is valid inside a JSON string: it ends no line.
        json.dumps({"id": 2, "text": "农业农村部\u2028部署秋粮收获工作"}, ensure_ascii=False),
    ]
    items.write_bytes("\r\n".join(lines).encode(encoding))
    code, records = run_jsonl(tiny_model_dir, items, *args)
    assert code == 1
    assert [(r["line"], r["id"], bool(r["findings"])) for r in records] == [
        (1, 1, True),
        (3, 2, False),
    ]


def test_cli_binary_file_is_skipped_with_a_forced_encoding(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # With --encoding the NUL test looks at the decoded text: a binary file still
    # has NUL characters, a UTF-16 text has none.
    path = tmp_path / "video.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + bytes(range(256)) * 64)
    for encoding in ("gbk", "utf-16"):
        result = CliRunner().invoke(
            main, ["scan", "--model", str(tiny_model_dir), "--encoding", encoding, str(path)]
        )
        assert (result.exit_code, result.stderr) == (0, f"detector: {path}: binary file skipped\n")


# -- short Chinese texts, one codec per JSONL file ------------------------------


SHORT_ADS = [
    "加微信abc12345领取福利",
    "访问www.xyz888.com注册就送",
    "代开各类正规发票",
    "无抵押贷款当天放款",
]


@pytest.mark.parametrize("text", [*SHORT_ADS, "加微信abc123咨询\n"])
def test_short_gbk_texts_are_read_as_chinese(text: str) -> None:
    # charset-normalizer alone took these for UTF-16, Korean (cp949) or Japanese
    # (cp932): '加微信abc123咨询' came out as 'ｼﾓﾎ｢ﾐﾅabc123ﾗﾉﾑｯ'.
    assert decode(text.encode("gbk")) == text
    assert decode(text.encode("gbk"), html=True) == text


def test_short_big5_text_is_read_as_big5() -> None:
    text = "強化金融精準有效服務楊方線上配資股票,深化產融合作。"
    assert decode(text.encode("big5")) == text


@pytest.mark.parametrize(
    "text", ["日本語のテキストです。東京都の天気は晴れ。", "お問い合わせはこちら"]
)
def test_shift_jis_is_not_taken_for_chinese(text: str) -> None:
    # Its bytes decode as GB18030 too, but into rare characters, not GB2312's
    # frequent ones: it is left to charset-normalizer.
    assert decode(text.encode("shift_jis")) == text


@pytest.mark.parametrize("suffix", [".txt", ".html", ".jsonl"])
def test_cli_finds_ads_in_short_gbk_inputs(
    tiny_model_dir: Path, tmp_path: Path, suffix: str
) -> None:
    ad = SHORT_ADS[0]
    body = {".txt": ad + "\n", ".html": f"<p>{ad}</p>\n", ".jsonl": f'{{"text": "{ad}"}}\n'}
    path = tmp_path / f"short{suffix}"
    path.write_bytes(body[suffix].encode("gbk"))
    code, records = run_jsonl(tiny_model_dir, path)
    assert code == 1
    assert [f["text"] for r in records for f in r["findings"]] == [ad]  # type: ignore[attr-defined]


def test_a_jsonl_file_is_decoded_with_one_codec(tmp_path: Path) -> None:
    # '數據' alone is as frequent a pair in GB18030 as in Big5 ('计沮'), so the
    # tie goes to GB18030; the file's longer first record says Big5.
    path = tmp_path / "big5.jsonl"
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in (INJECTED_TRADITIONAL, "數據")]
    path.write_bytes("\n".join(lines).encode("big5") + b"\n")
    texts = [doc.fields["text"] for doc in iter_documents([str(path)])]  # type: ignore[union-attr]
    assert texts == [INJECTED_TRADITIONAL, "數據"]
    assert decode("數據".encode("big5")) == "计沮"  # what reading the line alone gave


@pytest.mark.parametrize("name", ["base64", "hex", "rot13", "zlib", "idna", "punycode"])
def test_cli_encoding_that_cannot_decode_text_is_a_usage_error(
    tiny_model_dir: Path, tmp_path: Path, name: str
) -> None:
    # These are known codecs, so the name check passed and the first file read
    # raised LookupError or UnicodeError: a traceback and exit 1 ("findings").
    path = tmp_path / "article.txt"
    path.write_text(INJECTED, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), "--encoding", name, str(path)]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--encoding'" in result.stderr
    assert f"{name!r}" in result.stderr
    with pytest.raises(UnknownEncodingError):
        check_encoding(name)


# -- detector clean reads a file as detector scan does -------------------------


def test_clean_reads_a_file_in_the_encoding_scan_does(tiny_model_dir: Path, tmp_path: Path) -> None:
    # decode_exact tried UTF-8 then GB18030: a Big5 file decoded, wrongly, as
    # GB18030, the ad the scan found was not there and nothing was removed.
    data = INJECTED_TRADITIONAL.encode("big5")
    assert decode_exact(data) == (b"", INJECTED_TRADITIONAL, "big5hkscs")
    path = tmp_path / "big5.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["clean", "--model", str(tiny_model_dir), str(path)])
    assert result.exit_code == 1, result.stderr
    cleaned = INJECTED_TRADITIONAL.replace("楊方線上配資股票", "")
    assert result.stdout_bytes == cleaned.encode("big5")

"""detector.jsontext: where a record's field characters are written in the file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from detector.inputs import Document, RecordText, iter_documents
from detector.jsontext import RecordPositions

# Characters JSON writes as escapes (or not, with ensure_ascii=False), an emoji
# (a surrogate pair of escapes), a lone surrogate (read as U+FFFD), U+2028, and
# text that reads like an escape after an escaped backslash (written \\ud83d: no emoji).
ALPHABET = ["a", "中", '"', "\\", "\n", "\t", "😀", "\ud800", "/", "\u2028", "\x01", " ",
            "ud83d", "\\ude00", "u4e2d"]  # fmt: skip
FIELDS = ["text", "content", "x[1]"]


def _record(rng: random.Random) -> dict[str, object]:
    def string() -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 10)))

    record: dict[str, object] = {"id": rng.randint(0, 9), "n": {"text": [1, string()]}}
    for name in rng.sample(FIELDS, len(FIELDS)):
        record[name] = string() if rng.random() < 0.6 else [string() for _ in range(3)]
    return record


@pytest.mark.parametrize("shape", ["jsonl", "indented", "one-line"])
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_every_character_of_every_field_maps_to_where_it_is_written(
    tmp_path: Path, shape: str, ensure_ascii: bool
) -> None:
    rng = random.Random(f"{shape}{ensure_ascii}")
    records = [_record(rng) for _ in range(10)]

    def dump(value: object, indent: int | None = None) -> str:
        text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
        return text.replace("\ud800", "\\ud800")  # as a file can hold it

    if shape == "jsonl":
        path, body = tmp_path / "r.jsonl", "".join(dump(r) + "\r\n" for r in records)
    else:
        path, body = tmp_path / "r.json", dump(records, 2 if shape == "indented" else None)
    path.write_bytes(body.encode("utf-8"))
    file_lines = body.replace("\r\n", "\n").split("\n")
    documents = list(iter_documents([str(path)], text_fields=FIELDS))
    assert len(documents) == len(records)
    mapped = 0
    for document in documents:
        assert isinstance(document, Document)
        positions = RecordPositions.of(document)
        assert positions is not None
        for name, value in document.fields.items():
            for offset in range(len(value) + 1):
                at = positions.line_col(name, offset)
                assert at is not None
                written = file_lines[at[0] - 1][at[1] - 1 :]
                if offset == len(value):
                    assert written.startswith('"')  # the closing quote
                    continue
                char = value[offset]
                forms = {json.dumps(char, ensure_ascii=a)[1:-1] for a in (False, True)}
                if char == "\ufffd":
                    forms = {"\\ud800"}
                assert any(written.startswith(form) for form in forms), (written, char)
                mapped += 1
    assert mapped > 100  # characters checked


def test_a_field_not_found_as_scanned_maps_to_nothing() -> None:
    raw = RecordText('{"text": "abc", "list": ["x", 1]}', line=3, column=5)
    positions = RecordPositions(raw, {"text": "abd", "list[1]": "1", "list[0]": "x", "z": "q"})
    assert positions.line_col("text", 0) is None  # the written value differs
    assert positions.line_col("list[1]", 0) is None  # not a string
    assert positions.line_col("z", 0) is None  # not in the record
    assert positions.line_col("list[0]", 0) == (3, 5 + raw.text.index('"x"') + 1)
    broken = RecordPositions(RecordText('{"text": "abc"', 1), {"text": "abc"})
    assert broken.line_col("text", 0) is None

"""--jobs: worker processes give the same output, in input order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector import parallel
from detector.cli import main

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

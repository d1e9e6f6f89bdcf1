"""The progress line: only for scans of files or directories with stderr on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.cli import main
from detector.progress import Progress, wants_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_needs_a_terminal_and_files() -> None:
    assert wants_progress(Terminal(), has_files=True)
    assert not wants_progress(Terminal(), has_files=False)
    assert not wants_progress(io.StringIO(), has_files=True)


def test_no_progress_under_pre_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit runs a hook on a pseudo-terminal (to keep its colours) and
    prints what it collected as the hook's report: since the line was shown for
    files too (31283aa), a hook scanning many files put it there."""
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert not wants_progress(Terminal(), has_files=True)


def test_progress_draws_and_clears() -> None:
    stream = Terminal()
    progress = Progress(2, stream, delay_s=0, interval_s=0)
    progress.advance("a.txt")
    assert "scanning [" in stream.getvalue() and "1/2" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_waits_before_drawing() -> None:
    stream = Terminal()
    Progress(2, stream, delay_s=60).advance("a.txt")
    assert stream.getvalue() == ""


def test_non_tty_directory_scan_prints_no_progress(tiny_model_dir: Path, tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"{i:02d}.txt").write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--model", str(tiny_model_dir), str(tmp_path)])
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("", "")


def test_tty_directory_scan_shows_progress(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    monkeypatch.setattr("detector.progress.wants_progress", lambda stream, has_files: True)
    original = Progress.__init__

    def immediate(self: Progress, total: int, stream: object, **_: float) -> None:
        original(self, total, stream, delay_s=0, interval_s=0)  # type: ignore[arg-type]

    monkeypatch.setattr(Progress, "__init__", immediate)
    result = CliRunner().invoke(main, ["scan", "--model", str(tiny_model_dir), str(tmp_path)])
    assert result.exit_code == 0
    assert "3/3 100%" in result.stderr and result.stdout == ""


def test_progress_counts_the_documents_of_one_large_file(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One large JSONL file showed nothing (no directory) and, shown, would sit at
    0/1 until the end: the line counts the records scanned, drawn after each
    result's output so that a finding never lands on the progress line."""
    items = tmp_path / "items.jsonl"
    seed = '{"text": "强化金融精准有效服务杨方线上配资股票,深化产融合作"}\n'
    clean = '{"text": "农业农村部部署秋粮收获工作。"}\n'
    items.write_text(clean * 2 + seed + clean, encoding="utf-8")
    shown: list[bool] = []

    def on_a_terminal(stream: object, has_files: bool) -> bool:
        shown.append(has_files)
        return True

    monkeypatch.setattr("detector.progress.wants_progress", on_a_terminal)
    original = Progress.__init__

    def immediate(self: Progress, total: int, stream: object, **_: float) -> None:
        original(self, total, stream, delay_s=0, interval_s=0)  # type: ignore[arg-type]

    monkeypatch.setattr(Progress, "__init__", immediate)
    runner = CliRunner()
    result = runner.invoke(main, ["scan", "--model", str(tiny_model_dir), str(items)])
    assert result.exit_code == 1 and shown == [True]
    assert f"scanning 4 documents {items}" in result.stderr  # one file: no bar
    assert result.stdout.startswith(f"{items}:3:")  # the finding, as without progress
    result = runner.invoke(main, ["scan", "--model", str(tiny_model_dir)], input=clean)
    assert shown[-1] is False  # stdin alone: no progress


def test_an_interrupted_scan_clears_the_progress_line_first(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C with the line drawn: 'detector: interrupted' was written at its
    end ("scanning 4 documents items.jsonldetector: interrupted")."""
    items = tmp_path / "items.jsonl"
    items.write_text('{"text": "农业农村部部署秋粮收获工作。"}\n' * 4, encoding="utf-8")
    monkeypatch.setattr("detector.progress.wants_progress", lambda stream, has_files: True)
    original = Progress.__init__

    def immediate(self: Progress, total: int, stream: object, **_: float) -> None:
        original(self, total, stream, delay_s=0, interval_s=0)  # type: ignore[arg-type]

    monkeypatch.setattr(Progress, "__init__", immediate)
    from detector import parallel

    scan_inputs = parallel.scan_inputs

    def interrupted(*args: object, **kwargs: object) -> object:
        yield from scan_inputs(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "scan_inputs", interrupted)
    result = CliRunner().invoke(main, ["scan", "--model", str(tiny_model_dir), str(items)])
    assert result.exit_code == 130
    assert "scanning 4 documents" in result.stderr
    assert result.stderr.endswith("\r\x1b[Kdetector: interrupted\n"), repr(result.stderr)

"""The progress line: only for scans of files or directories with stderr on a terminal."""

from __future__ import annotations

import io
import json
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
    progress.taken("a.txt")
    progress.taken("b.txt")
    progress.written("a.txt")
    assert stream.getvalue().endswith("0/2   0% 1 document a.txt")
    progress.written("b.txt")
    assert "scanning [" in stream.getvalue()
    assert stream.getvalue().endswith("1/2  50% 2 documents b.txt")
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_waits_before_drawing() -> None:
    stream = Terminal()
    Progress(2, stream, delay_s=60).written("a.txt")
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
    # The last line drawn: two files done, the third one's result written.  (It
    # said 3/3 100% before any file was scanned: the chunk of three was taken.)
    assert "2/3  66% 3 documents" in result.stderr and result.stdout == ""


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


def _events(output: str) -> list[tuple[str, str]]:
    """The terminal's output (stdout and stderr as written, in order) as
    ("draw", progress line) and ("line", output line) events."""
    events: list[tuple[str, str]] = []
    for piece in output.split("\r\x1b[K"):
        if piece.startswith("scanning "):
            assert "\n" not in piece, "output written on the progress line"
            events.append(("draw", piece))
        else:
            events += [("line", line) for line in piece.splitlines()]
    return events


@pytest.mark.parametrize(
    ("jobs", "chunk_texts"),
    [("2", 1), ("2", None), ("1", None)],
    ids=["jobs2-chunks-of-1", "jobs2", "jobs1"],
)
def test_the_progress_line_names_the_file_whose_results_were_written(
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
    chunk_texts: int | None,
) -> None:
    """It named the file last handed to the scan, and counted the files handed
    out: with --jobs 2 (and a chunk of files with --jobs 1) that runs ahead of
    the output, so the line said '3/6 … c.txt' above the results of a.txt.  Each
    line drawn now names the file whose result was written last, counts the
    files whose results are all written (those before it) and the documents
    written."""
    from detector import parallel

    if chunk_texts is not None:  # many chunks in flight at once
        monkeypatch.setattr(parallel, "CHUNK_TEXTS", chunk_texts)
    monkeypatch.chdir(tmp_path)  # short paths: the line is cut at 120 characters
    Path("crawl").mkdir()
    names = [f"crawl/{letter}.txt" for letter in "abcdef"]
    for name in names:
        Path(name).write_text("农业农村部部署秋粮收获工作。\n", encoding="utf-8")
    monkeypatch.setattr("detector.progress.wants_progress", lambda stream, has_files: True)
    original = Progress.__init__

    def immediate(self: Progress, total: int, stream: object, **_: float) -> None:
        original(self, total, stream, delay_s=0, interval_s=0)  # type: ignore[arg-type]

    monkeypatch.setattr(Progress, "__init__", immediate)
    args = ["scan", "--model", str(tiny_model_dir), "--format", "jsonl", "--jobs", jobs]
    result = CliRunner().invoke(main, [*args, "crawl"])
    assert result.exit_code == 0, result.output
    written: list[str] = []  # the paths of the results written so far
    draws = 0
    for kind, text in _events(result.output):
        if kind == "line":
            written.append(json.loads(text)["path"])
            continue
        draws += 1
        assert written, f"drawn before any result: {text!r}"
        done = len(dict.fromkeys(written)) - 1  # the files before the last one written
        count = "1 document" if len(written) == 1 else f"{len(written)} documents"
        assert text.endswith(
            f" {done}/{len(names)} {100 * done // len(names):3d}% {count} {written[-1]}"
        )
    assert written == names
    assert draws == len(names)

"""Hostile and broken inputs through the CLI: each is scanned, skipped with a
notice or reported as an error, and the rest of the batch is always scanned.

Exit code 2 means some input could not be scanned; notices (binary files, FIFOs,
a directory reached twice through a symlink) do not change the exit code."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detector import parallel
from detector.cli import main

INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"
CLEAN = "农业农村部部署秋粮收获工作。\n气象台发布暴雨蓝色预警。\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def scan(model: Path, *args: str, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, ["scan", "--model", str(model), *args], input=stdin)


def records(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def scan_with_timeout(model: Path, *args: str, seconds: float = 60.0) -> Result:
    """Run the CLI in a thread so a blocking open() fails the test, not the run."""
    box: list[Result] = []
    worker = threading.Thread(target=lambda: box.append(scan(model, *args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"detector scan {args} did not finish within {seconds} s"
    return box[0]


def test_empty_file_is_clean(tiny_model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = scan(tiny_model_dir, "--format", "jsonl", str(tmp_path / "empty.txt"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert records(result) == [
        {"path": str(tmp_path / "empty.txt"), "is_spam": False, "score": 0.0, "findings": []}
    ]


def test_binary_file_in_a_directory_is_skipped_and_the_rest_scanned(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "b.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", str(tmp_path))
    assert result.exit_code == 1
    assert [Path(str(r["path"])).name for r in records(result)] == ["b.txt"]
    assert result.stderr == f"detector: {tmp_path / 'a.bin'}: binary file skipped\n"


def test_invalid_utf8_bytes_inside_a_file_do_not_stop_the_scan(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"\xff\xfe" + INJECTED.encode("utf-8") + b"\xc3\x28\xa0\xa1")
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1, result.stderr
    (record,) = records(result)
    assert any("配资" in str(f["text"]) for f in record["findings"])  # type: ignore[attr-defined]


def test_one_long_line_without_punctuation_is_scanned(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "wall.txt"
    path.write_text("今年以来全市工业增加值同比增长" * 5000 + "杨方线上配资股票", encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code in (0, 1), result.stderr
    assert len(records(result)) == 1


def test_malformed_jsonl_lines_are_reported_with_their_line_numbers(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    good = json.dumps({"text": INJECTED}, ensure_ascii=False)
    lines = [
        "\ufeff" + good,  # 1: BOM on the first line
        "[" * 100_000 + "]" * 100_000,  # 2: nested too deeply for the JSON parser
        '{"text": ' + "1" * 5000 + "}",  # 3: integer beyond Python's digit limit
        '{"text": 42}',  # 4: not a string
        '{"title": "x"}',  # 5: no text field
        '{"text": "学校\u0000开展"}',  # 6: raw control character in a string
        "",  # 7: blank, ignored
        '{"text": "\\ud800强化服务杨方线上配资股票", "id": "\\udfff"}',  # 8: lone surrogates
        "{not json",  # 9
        good,  # 10, no trailing newline
    ]
    path = tmp_path / "items.jsonl"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 2
    assert [r["line"] for r in records(result)] == [1, 8, 10]
    surrogate = records(result)[1]
    assert surrogate["id"] == "\ufffd"
    errors = result.stderr.splitlines()
    assert [e.split(":")[3] for e in errors] == ["2", "3", "4", "5", "6", "9"], errors
    assert all(e.startswith(f"detector: error: {path}:") for e in errors)
    assert "nested too deeply" in errors[0]


def test_jsonl_with_invalid_utf8_in_a_line_is_still_scanned(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "items.jsonl"
    one_line = INJECTED.replace("\n", "").encode("utf-8")
    path.write_bytes(b'{"text": "\xff\xfe' + one_line + b'\xc3\x28"}\n{"text": "ok"}\n')
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1, result.stderr
    assert [r["line"] for r in records(result)] == [1, 2]


def test_missing_paths_and_broken_symlinks_are_errors_after_the_rest(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.txt").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "dir" / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "z.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(
        tiny_model_dir, "--format", "jsonl", str(tmp_path / "missing"), str(tmp_path / "dir"),
        str(tmp_path / "z.txt"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert [Path(str(r["path"])).name for r in records(result)] == ["a.txt", "z.txt"]
    assert f"detector: error: {tmp_path / 'missing'}: no such file or directory" in result.stderr
    assert f"detector: error: {tmp_path / 'dir' / 'dangling.txt'}: cannot open" in result.stderr


# Root reads every file whatever its mode; setpriv runs the CLI without the
# capabilities that allow it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
UNPRIVILEGED = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


@pytest.fixture()
def cli_without_read_override(tmp_path: Path) -> Cli:
    """Runs ``detector ARGS`` in a process that file modes apply to (root included),
    or skips when this machine offers no such process."""
    prefix: list[str] = []
    if IS_ROOT:
        probe = tmp_path / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            denied = subprocess.run([*UNPRIVILEGED, "cat", str(probe)], capture_output=True)
        except OSError:
            pytest.skip("root, and no setpriv to drop the read override")
        if denied.returncode == 0:
            pytest.skip("root, and setpriv cannot drop the read override")
        prefix = UNPRIVILEGED

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-m", "detector.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    return run


def test_unreadable_file_is_an_error_and_the_rest_is_scanned(
    tiny_model_dir: Path, tmp_path: Path, cli_without_read_override: Cli
) -> None:
    # Named on the command line, before and after a readable file: click used to
    # refuse the whole command line ("Path '…' is not readable") and scan nothing.
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text(CLEAN, encoding="utf-8")
    locked.chmod(0)
    result = cli_without_read_override(
        "scan", "--model", str(tiny_model_dir), "--format", "jsonl", str(locked),
        str(tmp_path / "a.txt"),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    scanned = [Path(json.loads(line)["path"]).name for line in result.stdout.splitlines()]
    assert scanned == ["a.txt"]
    assert result.stderr == f"detector: error: {locked}: cannot open (Permission denied)\n"


def test_unreadable_directory_on_the_command_line_is_an_error(
    tiny_model_dir: Path, tmp_path: Path, cli_without_read_override: Cli
) -> None:
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(INJECTED, encoding="utf-8")
    locked.chmod(0)
    try:
        result = cli_without_read_override(
            "scan", "--model", str(tiny_model_dir), str(locked), str(tmp_path / "a.txt")
        )
    finally:
        locked.chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'a.txt'}:2:")
    assert f"detector: error: {locked}: cannot list directory (Permission denied)" in result.stderr


def test_clean_in_place_goes_on_past_an_unreadable_file(
    tiny_model_dir: Path, tmp_path: Path, cli_without_read_override: Cli
) -> None:
    injected, locked = tmp_path / "a.txt", tmp_path / "locked.txt"
    injected.write_text(INJECTED, encoding="utf-8")
    locked.write_text(INJECTED, encoding="utf-8")
    locked.chmod(0)
    result = cli_without_read_override(
        "clean", "--model", str(tiny_model_dir), "--in-place", str(locked), str(injected)
    )
    locked.chmod(0o600)
    assert result.returncode == 2, result.stderr
    assert f"detector: error: {locked}: Permission denied" in result.stderr
    assert injected.read_text(encoding="utf-8") == INJECTED.replace("杨方线上配资股票", "")
    assert locked.read_text(encoding="utf-8") == INJECTED


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_read_error_is_reported_and_the_rest_scanned(tiny_model_dir: Path, tmp_path: Path) -> None:
    # A read that fails even for root: /proc/self/mem opens but reading offset 0
    # is an I/O error.
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", "/proc/self/mem", str(tmp_path / "a.txt"))
    assert result.exit_code == 2
    assert [Path(str(r["path"])).name for r in records(result)] == ["a.txt"]
    assert "detector: error: /proc/self/mem: cannot read (" in result.stderr


def test_symlink_loop_terminates_is_reported_once_and_the_rest_is_scanned(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(CLEAN, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(INJECTED, encoding="utf-8")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    (root / "sub" / "self").symlink_to(root / "sub", target_is_directory=True)
    result = scan_with_timeout(tiny_model_dir, "--format", "jsonl", str(root))
    assert result.exit_code == 1, result.stderr
    assert [Path(str(r["path"])).name for r in records(result)] == ["a.txt", "b.txt"]
    notices = result.stderr.splitlines()
    assert notices == [
        f"detector: {root / 'sub' / 'self'}: directory already scanned (symlink), skipped",
        f"detector: {root / 'sub' / 'up'}: directory already scanned (symlink), skipped",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_inside_a_directory_is_skipped_not_waited_on(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    result = scan_with_timeout(tiny_model_dir, str(tmp_path))
    assert result.exit_code == 1
    assert f"detector: {tmp_path / 'pipe'}: not a regular file, skipped" in result.stderr


def test_file_names_that_are_not_utf8_are_printed_escaped(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    name = os.fsdecode(b"bad\xff.txt")
    try:
        (tmp_path / name).write_text(INJECTED, encoding="utf-8")
    except (UnicodeEncodeError, OSError):
        pytest.skip("file system refuses non-UTF-8 names")
    result = scan(tiny_model_dir, str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{tmp_path}/bad\\xff.txt:2:")


def test_thousands_of_files(tiny_model_dir: Path, tmp_path: Path) -> None:
    for i in range(2000):
        (tmp_path / f"{i:04d}.txt").write_text("气象台发布暴雨蓝色预警。" if i % 2 else "")
    result = scan(tiny_model_dir, "--format", "jsonl", str(tmp_path))
    assert (result.exit_code, result.stderr) == (0, "")
    names = [Path(str(r["path"])).name for r in records(result)]
    assert names == [f"{i:04d}.txt" for i in range(2000)]


def test_jsonl_on_stdin_is_streamed_record_by_record(tiny_model_dir: Path) -> None:
    """Results are printed while stdin is still open (one chunk of records at a
    time, see detector.parallel), so a large JSONL stream is never held in memory."""
    command = [
        sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir),
        "--format", "jsonl", "--input-format", "jsonl", "-",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    # Output is read as it comes, as a consumer would: a full stdout pipe would
    # otherwise stop the scan, and with it the reading of stdin.
    lines: queue.Queue[bytes] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout])  # type: ignore[union-attr]
    reader.start()
    try:
        count = 5 * parallel.CHUNK_TEXTS  # more chunks than a pool keeps in flight
        for number in range(1, count + 1):
            process.stdin.write(json.dumps({"id": number, "text": CLEAN}).encode() + b"\n")
        process.stdin.flush()
        assert json.loads(lines.get(timeout=60))["id"] == 1  # stdin is still open
        process.stdin.write(json.dumps({"id": count + 1, "text": INJECTED}).encode() + b"\n")
        process.stdin.close()
        assert process.wait(60) == 1
        reader.join(60)
        rest = [json.loads(lines.get_nowait()) for _ in range(lines.qsize())]
        assert [r["id"] for r in rest] == list(range(2, count + 2))
        assert rest[-1]["findings"]
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("unlistable", ["a", "z", "."])
def test_a_directory_that_cannot_be_listed_is_an_error_wherever_it_is(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unlistable: str
) -> None:
    # Root lists every directory whatever its mode, so listing one fails here on
    # purpose: first, last, or the directory named on the command line.
    root = tmp_path / "dir"
    for sub in ("a", "m", "z"):
        (root / sub).mkdir(parents=True)
        (root / sub / "x.txt").write_text(INJECTED, encoding="utf-8")
    locked = os.path.normpath(root / unlistable)
    real_scandir = os.scandir

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.path.normpath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = scan(tiny_model_dir, "--format", "jsonl", str(root))
    assert result.exit_code == 2
    assert f"{locked}: cannot list directory (Permission denied)" in result.stderr
    scanned = sorted(Path(str(r["path"])).parent.name for r in records(result))
    assert scanned == ([] if unlistable == "." else sorted({"a", "m", "z"} - {unlistable}))


def test_a_record_id_nested_hundreds_deep_is_scanned(tiny_model_dir: Path, tmp_path: Path) -> None:
    # The parser accepts ~990 levels; copying the id by a recursive Python walk
    # overflowed the stack at ~500 and stopped the batch with a traceback.
    path = tmp_path / "items.jsonl"
    nested = "[" * 600 + '"\\udfff"' + "]" * 600
    record = '{"text": "强化服务杨方线上配资股票,推动循环", "id": ' + nested + "}\n"
    path.write_text(record, encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", str(path))
    assert result.exit_code == 1, result.stderr
    (record,) = records(result)
    assert json.dumps(record["id"], ensure_ascii=False) == nested.replace('"\\udfff"', '"\ufffd"')


@pytest.mark.parametrize("name", [".detector.toml", "pyproject.toml"])
def test_a_config_file_that_is_not_utf8_is_an_error_naming_it(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # tomllib raises UnicodeDecodeError for it, which was a traceback and exit 1.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    (tmp_path / name).write_bytes('[tool.detector]\nallow = ["杨方"]\n'.encode("gbk"))
    result = scan(tiny_model_dir, "a.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        f"detector: error: {tmp_path / name}: invalid TOML (not UTF-8, at line 2)\n"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_binary_input_is_not_read_past_its_first_8_kib(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The whole input was read before the NUL test: a 300 MB video file in a
    crawl cost 390 MB, and `scan /dev/zero` read until MemoryError.  Here a
    stream of NULs that never ends until the test does stands for either."""
    stream = tmp_path / "stream"
    os.mkfifo(stream)
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    over = threading.Event()

    def write() -> None:
        try:
            with open(stream, "wb") as pipe:
                pipe.write(b"\x00" * 16384)
                pipe.flush()
                over.wait(120)
        except OSError:  # the reader closed the pipe first
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        result = scan_with_timeout(tiny_model_dir, str(stream), str(tmp_path / "a.txt"))
    finally:
        over.set()
        writer.join(10)
    assert result.exit_code == 1
    assert result.stderr == f"detector: {stream}: binary file skipped\n"


def test_a_directory_too_deep_to_name_is_an_error_not_skipped(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # A crawl mirrored as nested folders: past PATH_MAX (4096 bytes on Linux) a
    # directory's path cannot be opened.  Its files were left out without a word
    # and the scan exited 0 or 1 as if they had been scanned.
    root = tmp_path / "deep"
    root.mkdir()
    (root / "top.txt").write_text(INJECTED, encoding="utf-8")
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 x 201 bytes: the deepest paths are over 5,000 bytes
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        note = os.open("x.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(note, INJECTED.encode("utf-8"))
        os.close(note)
    finally:
        os.close(fd)
    result = scan(tiny_model_dir, "--format", "jsonl", str(root))
    assert result.exit_code == 2, result.stderr
    assert "cannot list directory (File name too long)" in result.stderr
    assert [Path(str(r["path"])).name for r in records(result)] == ["top.txt"]


def _cli_to(stdout: object, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "detector.cli", *args]
    return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("output_format", ["text", "jsonl", "json", "sarif"])
def test_a_full_disk_on_stdout_is_an_error_not_a_traceback(
    tiny_model_dir: Path, tmp_path: Path, output_format: str
) -> None:
    # `detector scan crawl/ > findings.txt` on a full disk was a traceback and
    # exit code 1, which a script reads as "findings written".
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    args = ["scan", "--model", str(tiny_model_dir), "--format", output_format]
    with open("/dev/full", "w") as full:
        result = _cli_to(full, *args, str(tmp_path / "a.txt"))
    assert result.returncode == 2
    assert result.stderr == "detector: error: stdout: cannot write (No space left on device)\n"


def test_a_closed_pipe_on_stdout_stops_the_scan_quietly_with_exit_code_2(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # `detector scan --format jsonl clean/ | head -1`: exit code 1 ("findings")
    # though nothing was found.
    (tmp_path / "a.txt").write_text(CLEAN, encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as closed:
        result = _cli_to(closed, "scan", "--model", str(tiny_model_dir), "--format", "jsonl",
                         str(tmp_path / "a.txt"))  # fmt: skip
    assert (result.returncode, result.stderr) == (2, "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("to_stdout", [True, False])
def test_clean_names_the_output_it_cannot_write_not_the_input(
    tiny_model_dir: Path, tmp_path: Path, to_stdout: bool
) -> None:
    (tmp_path / "a.txt").write_text(INJECTED, encoding="utf-8")
    args = ["clean", "--model", str(tiny_model_dir), str(tmp_path / "a.txt")]
    with open("/dev/full", "w") as full:
        if to_stdout:
            result = _cli_to(full, *args)
        else:
            result = _cli_to(subprocess.DEVNULL, *args, "-o", "/dev/full")
    assert result.returncode == 2
    where = "<stdout>" if to_stdout else "/dev/full"
    assert result.stderr.splitlines()[-1] == f"detector: error: {where}: No space left on device"


def _signal_until_exit(
    process: subprocess.Popen[bytes], signum: int, group: bool = False, seconds: float = 30
) -> int:
    """Send ``signum`` (to the process group with ``group``) until ``process``
    exits, as a user presses Ctrl-C again: a signal that lands just before a
    blocking read starts (a FIFO, a pipe that stays open) is seen by Python only
    when the read returns, which in these tests is never.  Its exit code."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(process.pid, signum)
            else:
                os.kill(process.pid, signum)
        try:
            return process.wait(min(2.0, max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                raise


def _signals_by_default() -> None:
    """In a child about to run the CLI: the default actions of SIGINT and
    SIGHUP, as for a command in a terminal, even where these tests run under
    ``nohup`` (which ignores SIGHUP) or as a shell's background job (which
    ignores SIGINT): the CLI then rightly leaves them ignored, and a test that
    sends one waited out its 30 s."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("signum", "group", "code", "message"),
    [
        (signal.SIGINT, True, 130, "detector: interrupted\n"),  # Ctrl-C in a terminal
        (signal.SIGTERM, False, 143, "detector: terminated\n"),  # kill PID
        (signal.SIGKILL, False, -signal.SIGKILL, ""),
        # The terminal closed (an ssh session dropped): SIGHUP to the group.
        (getattr(signal, "SIGHUP", signal.SIGTERM), True, 129, "detector: hung up\n"),
    ],
)
def test_a_signal_stops_scan_jobs_with_its_workers(
    tiny_model_dir: Path, signum: int, group: bool, code: int, message: str
) -> None:
    # Ctrl-C said "Aborted!" with a KeyboardInterrupt traceback per worker and
    # exit code 1 ("findings"); after SIGTERM or SIGKILL to the parent its
    # worker waited forever holding stdout, so a reader never saw its end.
    # SIGHUP: each worker inherited the CLI's handler through fork and printed
    # "Process ForkProcess-1: Traceback … detector.cli._Terminated: 1".
    if not hasattr(signal, "SIGHUP") and code == 129:
        pytest.skip("no SIGHUP")
    command = [
        sys.executable, "-m", "detector.cli", "scan", "--model", str(tiny_model_dir),
        "--jobs", "2", "--format", "jsonl", "--input-format", "jsonl", "-",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_signals_by_default,
    )
    assert process.stdin is not None and process.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout])  # type: ignore[union-attr]
    reader.start()
    try:
        for number in range(5 * parallel.CHUNK_TEXTS):  # more than the pool holds; stdin stays open
            process.stdin.write(json.dumps({"id": number, "text": CLEAN}).encode() + b"\n")
        process.stdin.flush()
        lines.get(timeout=60)  # the pool is up and has sent back results
        assert _signal_until_exit(process, signum, group) == code
        reader.join(30)
        assert not reader.is_alive(), "stdout still open: a worker outlived the scan"
        assert process.stderr is not None
        assert process.stderr.read().decode() == message
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs SIGHUP and a pseudo-terminal")
@pytest.mark.parametrize("command", ["scan", "clean"])
def test_a_hangup_exits_129_when_the_summary_finds_no_terminal(
    tiny_model_dir: Path, command: str
) -> None:
    """The terminal closed during ``scan --summary`` (or ``clean --summary``),
    run with stderr on it: the summary line that the interrupt prints, written
    to a terminal that is gone, failed (EIO), and that error took the
    interrupt's place: a traceback and exit code 1, which says "findings", for
    a run that was cut short.  The interrupt decides: 129, as without
    --summary."""
    import pty

    args = ["--format", "jsonl"] if command == "scan" else []
    process_args = [
        sys.executable, "-m", "detector.cli", command, "--model", str(tiny_model_dir),
        "--summary", *args, "--input-format", "jsonl", "-",
    ]  # fmt: skip
    terminal, stderr = pty.openpty()
    process = subprocess.Popen(
        process_args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        preexec_fn=_signals_by_default,
    )
    os.close(stderr)
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps({"id": 1, "text": INJECTED}).encode() + b"\n")
        process.stdin.flush()  # the record is done; stdin stays open
        assert process.stdout.readline()  # the record's result (or its cleaned line)
        os.close(terminal)  # the terminal is gone: writing to it fails
        process.send_signal(signal.SIGHUP)
        assert process.wait(30) == 128 + signal.SIGHUP
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("signum", "said"),
    [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated"), (signal.SIGHUP, "hung up")],
)
def test_a_signal_during_clean_leaves_no_temporary_file(
    tiny_model_dir: Path, tmp_path: Path, signum: int, said: str
) -> None:
    # SIGTERM killed clean on the spot, leaving a hidden .out.txt.XXXX.tmp
    # beside the output (in a crawl, beside every file being rewritten); so did
    # SIGHUP (a terminal closed, an ssh session dropped), whose default kills.
    fifo = tmp_path / "in.txt"
    os.mkfifo(fifo)
    out = tmp_path / "out.txt"
    command = [sys.executable, "-m", "detector.cli", "clean", "--model", str(tiny_model_dir),
               str(fifo), "-o", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, preexec_fn=_signals_by_default)
    with open(fifo, "wb") as writer:  # open: clean reads it until the end, which never comes
        writer.write(INJECTED.encode("utf-8"))
        writer.flush()
        for _ in range(600):
            if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
                break
            time.sleep(0.1)
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        assert _signal_until_exit(process, signum) == 128 + signum
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]
    assert process.stderr is not None
    assert process.stderr.read().decode().splitlines()[-1] == f"detector: {said}"


# bzip2 with its smallest blocks (100 kB): a cut file still holds whole blocks.
KINDS = [
    ("gz", "gzip", gzip.compress),
    ("bz2", "bzip2", lambda data: bz2.compress(data, 1)),
    ("xz", "xz", lzma.compress),
]


def _records(count: int, ad_every: int = 3) -> bytes:
    lines = []
    for number in range(1, count + 1):
        text = INJECTED if number % ad_every == 0 else CLEAN
        lines.append(json.dumps({"id": number, "text": text}, ensure_ascii=False) + "\n")
    return "".join(lines).encode()


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_a_truncated_compressed_jsonl_file_reports_what_was_read_and_the_line_reached(
    tiny_model_dir: Path, tmp_path: Path, suffix: str, kind: str, compress
) -> None:  # type: ignore[no-untyped-def]
    """A crawl cut short by a full disk or a failed copy: the records before the
    cut are scanned and reported, then an error names the file and the line the
    data ends in; the other inputs are scanned; exit 2, as for a read error."""
    data = _records(3000)
    packed = compress(data)
    cut = tmp_path / f"a.jsonl.{suffix}"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    (tmp_path / "b.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", str(cut), str(tmp_path / "b.txt"))
    assert result.exit_code == 2
    found = records(result)
    assert Path(str(found[-1]["path"])).name == "b.txt" and found[-1]["findings"]
    read = found[:-1]
    # Every whole line before the cut, in order, the ads among them found.
    assert [r["line"] for r in read] == list(range(1, len(read) + 1))
    assert 0 < len(read) < 3000
    assert all(bool(r["findings"]) == (r["line"] % 3 == 0) for r in read)
    assert result.stderr == (
        f"detector: error: {cut}:{len(read) + 1}: cannot read (truncated {kind} data:"
        " the file ends inside its compressed stream)\n"
    )


def test_a_truncated_compressed_gbk_jsonl_file_reports_what_was_read_and_the_line_reached(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The lines of a JSONL file that is not UTF-8 are decoded with a codec
    detected from the 64 KiB after the first of them, read ahead: a cut inside
    those lost every record read ahead (none scanned or cleaned) and was placed
    at line 1.  Now scan and clean read them, then report the line the data ends
    in, as for a UTF-8 file."""
    data = _records(200).decode().encode("gb18030")
    assert len(data) < 1 << 16  # the cut is inside the bytes read ahead
    packed = gzip.compress(data)
    cut = tmp_path / "a.jsonl.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    result = scan(tiny_model_dir, "--format", "jsonl", str(cut))
    assert result.exit_code == 2
    read = records(result)
    assert [r["line"] for r in read] == list(range(1, len(read) + 1))
    assert len(read) > 50
    assert all(bool(r["findings"]) == (r["line"] % 3 == 0) for r in read)
    error = f"detector: error: {cut}:{len(read) + 1}: cannot read (truncated gzip data"
    assert result.stderr.startswith(error)
    cleaned = CliRunner().invoke(main, ["clean", "--model", str(tiny_model_dir), str(cut)])
    assert cleaned.exit_code == 2
    removed = [line for line in cleaned.stderr.splitlines() if ": removed " in line]
    assert len(removed) == len(read) // 3
    assert cleaned.stderr.splitlines()[-1].startswith(error)


@pytest.mark.parametrize(("suffix", "kind", "compress"), KINDS)
def test_a_corrupt_compressed_file_is_an_error_naming_it_and_the_rest_is_scanned(
    tiny_model_dir: Path, tmp_path: Path, suffix: str, kind: str, compress
) -> None:  # type: ignore[no-untyped-def]
    text = (CLEAN * 200 + INJECTED).encode()
    packed = bytearray(compress(text))
    for offset in range(len(packed) // 2, len(packed) // 2 + 8):
        packed[offset] ^= 0x55  # bytes in the middle of the stream changed
    broken, truncated = tmp_path / f"broken.txt.{suffix}", tmp_path / f"short.txt.{suffix}"
    broken.write_bytes(bytes(packed))
    truncated.write_bytes(compress(text)[:-12])
    (tmp_path / "z.txt").write_text(INJECTED, encoding="utf-8")
    result = scan(tiny_model_dir, "--format", "jsonl", str(tmp_path))
    assert result.exit_code == 2
    # Of the corrupt file, nothing: what decompressed before the error shows may
    # be wrong.  The cut one is scanned as far as it decompresses (tests/
    # test_partial_inputs.py): all its text but the last bytes for gzip and xz
    # (the cut is in the trailer), nothing for bzip2 (its one block is cut).
    scanned = [Path(str(r["path"])).name for r in records(result)]
    assert scanned == (["z.txt"] if kind == "bzip2" else [f"short.txt.{suffix}", "z.txt"])
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"detector: error: {broken}: cannot read (corrupt {kind} data: ")
    where, message = lines[1].removeprefix("detector: error: ").split(": ", 1)
    if kind == "bzip2":
        assert where == str(truncated)  # nothing read: no line
    else:
        assert where.startswith(f"{truncated}:")  # the line the text read ends in
    assert message == (
        f"cannot read (truncated {kind} data: the file ends inside its compressed stream)"
    )


def test_a_large_compressed_jsonl_file_is_streamed_not_read_whole(tmp_path: Path) -> None:
    """Memory stays bounded as for a plain JSONL file: 24 MB of records in
    a .jsonl.gz are read a line at a time (read whole, the text alone would be
    24 MB)."""
    import tracemalloc

    from detector.inputs import Document, iter_documents

    line = json.dumps({"id": 0, "text": CLEAN * 40}, ensure_ascii=False).encode() + b"\n"
    count = 24_000_000 // len(line)
    path = tmp_path / "big.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        for _ in range(count // 100):
            handle.write(line * 100)
    tracemalloc.start()
    try:
        documents = sum(isinstance(d, Document) for d in iter_documents([str(path)]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert documents == count // 100 * 100
    assert peak < 4_000_000

"""What detector writes never loses or overwrites what the user gave: outputs that
are inputs, files changed while cleaned, full disks, concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AD = "杨方线上配资股票"
INJECTED = f"今年以来全市工业增加值同比增长百分之六，各地加快推进{AD}重大项目建设。\n"
CLEAN = "农业农村部部署秋粮收获工作。\n"
# This checkout's detector, whatever is installed.
ROOT = str(Path(__file__).resolve().parent.parent)
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}


def _records(count: int) -> bytes:
    """JSONL records, every other one blocked by the tiny model."""
    lines = []
    for number in range(count):
        text = INJECTED if number % 2 else CLEAN
        lines.append(json.dumps({"id": number, "text": text}, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def _detector(model: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a process of its own (its standard streams real files)."""
    command = [sys.executable, "-m", "detector.cli", args[0], "--model", str(model), *args[1:]]
    return subprocess.run(command, stderr=subprocess.PIPE, env=ENV, timeout=30, **kwargs)  # type: ignore[call-overload, no-any-return]


# -- clean: standard output redirected to a file it must not write ------------------


@pytest.mark.parametrize("redirect", ["ab", "wb"])
@pytest.mark.parametrize("named", [True, False])
def test_clean_refuses_a_standard_output_that_is_its_input(
    tiny_model_dir: Path, tmp_path: Path, redirect: str, named: bool
) -> None:
    """``clean items.jsonl >> items.jsonl`` read the records it was appending and
    never ended (the file grew until the disk was full); ``cat`` refuses it
    ("input file is output file"), and so does clean now, for a file named or
    read from stdin, before writing anything."""
    source = tmp_path / "items.jsonl"
    original = _records(6)
    source.write_bytes(original)
    with open(source, redirect) as out, open(source, "rb") as stdin:
        args = [str(source)] if named else ["--input-format", "jsonl", "-"]
        run = _detector(tiny_model_dir, "clean", *args, stdout=out, stdin=stdin)
    assert run.returncode == 2, run.stderr
    shown = str(source) if named else "<stdin>"
    assert run.stderr.decode() == (
        f"detector: error: {shown}: standard output is this input file;"
        " use --in-place to rewrite it, or -o another file\n"
    )
    if redirect == "ab":  # (> has emptied it before detector runs)
        assert source.read_bytes() == original


def test_clean_refuses_a_quarantine_that_is_its_standard_output(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``clean --drop --quarantine q.jsonl items.jsonl > q.jsonl``: the kept
    records, written from the start of the file, overwrote the dropped ones
    appended to its end (two of three lost, the third cut in half)."""
    source = tmp_path / "items.jsonl"
    source.write_bytes(_records(6))
    quarantine = tmp_path / "q.jsonl"
    with open(quarantine, "wb") as out:
        run = _detector(
            tiny_model_dir, "clean", "--drop", "--quarantine", str(quarantine), str(source),
            stdout=out,
        )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert run.stderr.decode().endswith(
        "Error: --quarantine is the file standard output is redirected to\n"
    )
    assert quarantine.read_bytes() == b""


# -- clean --in-place: a file written to while it is cleaned ------------------------


def test_in_place_leaves_a_file_that_changed_while_it_was_cleaned(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawler appending to ``items.jsonl`` while ``clean --in-place --drop``
    ran lost what it appended: the cleaned copy of what had been read replaced
    the file.  Such a file is now left as it is (the crawler's records and the
    dropped ones with it), reported, and the rest is cleaned."""
    from click.testing import CliRunner

    import detector.clean
    from detector.cli import main

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    growing, other = crawl / "a.jsonl", crawl / "b.jsonl"
    original = _records(4)
    growing.write_bytes(original)
    other.write_bytes(original)
    appended = json.dumps({"id": 99, "text": CLEAN}, ensure_ascii=False).encode() + b"\n"
    clean_line = detector.clean.clean_jsonl_line
    calls: list[int] = []

    def crawler_appends(raw: bytes, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if not calls:  # the first record of a.jsonl is being cleaned
            with open(growing, "ab") as crawler:
                crawler.write(appended)
        calls.append(1)
        return clean_line(raw, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detector.clean, "clean_jsonl_line", crawler_appends)
    quarantine = tmp_path / "q.jsonl"
    args = ["clean", "--model", str(tiny_model_dir), "--in-place", "--drop"]
    result = CliRunner().invoke(main, [*args, "--quarantine", str(quarantine), str(crawl)])
    assert result.exit_code == 2, result.output
    assert (
        f"detector: error: {growing}: changed while it was cleaned (another process writing"
        " to it?); left as it is: clean it again" in result.stderr
    )
    assert growing.read_bytes() == original + appended
    # b.jsonl was cleaned, and only its dropped records are quarantined.
    kept = b"".join(line for line in original.splitlines(keepends=True) if AD.encode() not in line)
    assert other.read_bytes() == kept
    dropped = [line for line in original.splitlines(keepends=True) if AD.encode() in line]
    assert dropped and quarantine.read_bytes() == b"".join(dropped)
    assert sorted(p.name for p in crawl.iterdir()) == ["a.jsonl", "b.jsonl"]


# -- save_model and train --output ----------------------------------------------------


def _variant(base: Path, version: str, factor: float):  # type: ignore[no-untyped-def]
    from detector.model import Head, Model, load_model

    old = load_model(base)
    heads = {n: Head(h.coef * factor, h.intercept, h.idf) for n, h in old.heads.items()}
    return Model(version, old.classes, old.params, old.thresholds, heads)


def test_two_saves_into_one_directory_at_once_both_complete(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``train --output DIR`` runs saving at the same moment shared the
    temporary names: the second's arrays replaced the first's under
    ``.model.npz.tmp`` and were renamed away, and the first failed
    (FileNotFoundError: '.model.npz.tmp').  Saves now take turns (a lock on the
    directory): both complete, and the directory holds the later model, whole."""
    import shutil
    import threading

    from detector import model as model_module
    from detector.model import load_model, save_model

    directory = Path(shutil.copytree(tiny_model_dir, tmp_path / "m"))
    first, second = _variant(tiny_model_dir, "first", 2.0), _variant(tiny_model_dir, "second", 3.0)
    first_wrote, second_done = threading.Event(), threading.Event()
    sha256 = model_module._sha256

    def pausing(path: Path) -> str:
        if threading.current_thread().name == "first" and not first_wrote.is_set():
            first_wrote.set()  # its arrays are written: let the second save run
            second_done.wait(2.0)  # (it waits for this one, if saves take turns)
        return sha256(path)

    monkeypatch.setattr(model_module, "_sha256", pausing)
    failures: list[BaseException] = []

    def save(model, done: threading.Event | None = None) -> None:  # type: ignore[no-untyped-def]
        try:
            save_model(model, directory, {})
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        if done is not None:
            done.set()

    one = threading.Thread(target=save, args=(first,), name="first")
    one.start()
    assert first_wrote.wait(30)
    two = threading.Thread(target=save, args=(second, second_done), name="second")
    two.start()
    one.join(60)
    two.join(60)
    assert failures == []
    assert load_model(directory).version == "second"
    assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]


@pytest.mark.parametrize(
    "files",
    [
        {"model.json": b'{"name": "my classifier", "labels": ["a", "b"]}\n'},
        {"model.json": b"not json", "model.npz": b"PK\x03\x04 someone's arrays"},
        {"model.npz": b"PK\x03\x04 someone's arrays"},
    ],
)
def test_a_model_is_not_saved_over_files_that_are_not_a_model(
    tiny_model_dir: Path, tmp_path: Path, files: dict[str, bytes]
) -> None:
    """``detector train --output ~/project`` replaced a project's own
    ``model.json`` or ``model.npz`` (names many tools use) without a word; a
    directory whose ``model.json`` is not a detector model card, or that holds
    a ``model.npz`` without one, is refused, naming the file, and left alone."""
    from detector.model import ModelError, save_model

    directory = tmp_path / "project"
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    (directory / "notes.txt").write_text("mine", encoding="utf-8")
    named = "model.json" if "model.json" in files else "model.npz"
    with pytest.raises(ModelError, match=rf"^{directory / named}: .*not replaced"):
        save_model(_variant(tiny_model_dir, "new", 2.0), directory, {})
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == {**files, "notes.txt": b"mine"}


def test_train_refuses_such_an_output_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import detector.training.train as training
    from detector.cli import main

    calls: list[int] = []
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: calls.append(1))
    out = tmp_path / "project"
    out.mkdir()
    (out / "model.json").write_text('{"name": "my classifier"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--corpora", str(tmp_path), "--output", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"detector: error: {out / 'model.json'}: not a detector")
    assert calls == []
    assert (out / "model.json").read_text(encoding="utf-8") == '{"name": "my classifier"}'


# -- scan --update-baseline -----------------------------------------------------------


def test_two_baseline_updates_at_once_keep_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scan --update-baseline a.txt`` and ``--update-baseline b.txt`` finishing
    together each read the old baseline and wrote it back with its own entries:
    the later write lost the other's.  Updates now take turns (a lock on the
    baseline's directory), and the second reads what the first wrote."""
    import threading

    import detector.cli as cli

    baseline = tmp_path / "baseline.json"

    def entry(name: str) -> dict[str, str]:
        return {"fingerprint": name * 8, "path": name, "category": "gambling", "text": AD}

    first_read, second_done = threading.Event(), threading.Event()
    carried_over = cli._carried_over

    def pausing(*args, **kwargs):  # type: ignore[no-untyped-def]
        kept = carried_over(*args, **kwargs)
        if threading.current_thread().name == "first":
            first_read.set()  # the old baseline is read: let the second update run
            second_done.wait(2.0)  # (it waits for this one, if updates take turns)
        return kept

    monkeypatch.setattr(cli, "_carried_over", pausing)

    def update(name: str, done: threading.Event | None = None) -> None:
        cli._write_baseline(str(baseline), [entry(name)], set(), (name,))
        if done is not None:
            done.set()

    one = threading.Thread(target=update, args=("a.txt",), name="first")
    one.start()
    assert first_read.wait(30)
    two = threading.Thread(target=update, args=("b.txt", second_done), name="second")
    two.start()
    one.join(60)
    two.join(60)
    written = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert sorted(e["path"] for e in written) == ["a.txt", "b.txt"]


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_a_lock_that_cannot_be_waited_for_does_not_stop_the_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that says the directory's lock is held (EWOULDBLOCK) and
    then will not wait for it (ENOLCK: an NFS mount whose lock service went
    away) ended ``scan --update-baseline`` in a traceback, the baseline not
    written.  As where the file system refuses the lock from the start, the
    update runs unserialized."""
    import errno
    import fcntl

    import detector.cli as cli

    def flock(descriptor: int, operation: int) -> None:
        if operation & fcntl.LOCK_NB:
            raise BlockingIOError(errno.EWOULDBLOCK, os.strerror(errno.EWOULDBLOCK))
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", flock)
    baseline = tmp_path / "baseline.json"
    entry = {"fingerprint": "a" * 16, "path": "a.txt", "category": "gambling", "text": AD}
    cli._write_baseline(str(baseline), [entry], set(), ("a.txt",))
    written = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert [e["path"] for e in written] == ["a.txt"]


# -- the quarantine file: a record cut short by a full disk ---------------------------


@pytest.mark.parametrize("name", ["q.jsonl", "q.jsonl.gz"])
def test_a_record_cut_short_by_a_full_disk_leaves_the_quarantine_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A full disk in the middle of a record left its first part in the file,
    and the next record, once there was room again, was appended to it: one
    line of invalid JSON holding both (and a gzip file unreadable from there
    on, ``zcat`` included).  The part written is taken back, so the file holds
    whole records only; the failed one is reported (``clean``: an error; the
    Scrapy pipeline logs the item)."""
    import errno
    import gzip
    import io

    from detector import compressed

    room: list[int] = []  # bytes the disk still takes; empty: any number

    class FillingDisk(io.FileIO):
        def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
            if not room:
                return super().write(data)
            if room[0] == 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            written = super().write(bytes(data[: room[0]]))
            room[0] -= written
            return written

    monkeypatch.setattr(
        compressed, "open", lambda path, mode, buffering: FillingDisk(path, mode), raising=False
    )
    path = tmp_path / name
    records = [
        json.dumps({"id": n, "text": INJECTED}, ensure_ascii=False).encode() + b"\n"
        for n in range(3)
    ]
    log = compressed.AppendLog(str(path))
    log.append(records[0])
    room.append(40)  # half of the next record fits
    with pytest.raises(OSError, match="No space left on device") as failed:
        log.append(records[1])
    assert failed.value.filename == str(path)
    room.clear()  # room again
    log.append(records[2])
    log.close()
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    assert data == records[0] + records[2]


# -- detector benchmark / train: the dev benchmark file -------------------------------


def test_the_dev_benchmark_file_keeps_its_mode(tmp_path: Path) -> None:
    """``write_jsonl`` (``detector benchmark -o FILE``, and ``train``'s
    ``build/dev_benchmark.jsonl``) renamed a ``mkstemp`` file over the old one:
    the file became 0600, whatever its mode (or the umask) had been.  It is
    written as ``clean`` writes its outputs: the old file's mode, a new one's
    from the umask."""
    import stat

    from detector.training.benchmark import write_jsonl
    from detector.training.examples import GoldDocument

    documents = [GoldDocument("a", "农业", (), "clean", "", "fixture")]
    existing = tmp_path / "shared.jsonl"
    existing.write_text("old\n", encoding="utf-8")
    existing.chmod(0o664)
    write_jsonl(documents, existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o664
    assert json.loads(existing.read_text(encoding="utf-8"))["id"] == "a"
    umask = os.umask(0o022)
    try:
        write_jsonl(documents, tmp_path / "build" / "new.jsonl")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "build" / "new.jsonl").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "shared.jsonl"]
    assert [p.name for p in (tmp_path / "build").iterdir()] == ["new.jsonl"]


# -- clean --in-place: a write-protected file ----------------------------------------


def test_in_place_leaves_a_write_protected_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A file without write permission (``chmod a-w``: an archived original) was
    rewritten all the same, since a rename needs only the directory's
    permission, and kept its read-only mode.  It is now left as it is, with an
    error naming it, and the rest of the crawl is cleaned."""
    import stat

    from click.testing import CliRunner

    from detector.cli import main

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    protected, writable, untouched = crawl / "a.txt", crawl / "b.txt", crawl / "c.txt"
    for path in (protected, writable):
        path.write_text(INJECTED, encoding="utf-8")
    untouched.write_text(CLEAN, encoding="utf-8")  # nothing to remove: no error either
    protected.chmod(0o444)
    untouched.chmod(0o444)
    before = protected.stat()
    args = ["clean", "--model", str(tiny_model_dir), "--in-place", str(crawl)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("detector: error")]
    assert errors == [
        f"detector: error: {protected}: write-protected (mode 444): left as it is"
        " (make it writable to have it rewritten)"
    ]
    assert protected.read_text(encoding="utf-8") == INJECTED
    assert protected.stat().st_ino == before.st_ino
    assert stat.S_IMODE(protected.stat().st_mode) == 0o444
    assert writable.read_text(encoding="utf-8") == INJECTED.replace(AD, "")


def test_clean_refuses_a_quarantine_that_is_its_standard_input(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``clean --drop --quarantine items.jsonl - < items.jsonl``: the dropped
    records, appended to the file being read, were read again, dropped again
    and appended again, without end (9,800 lines in 10 s).  A named input is
    refused as the quarantine; now stdin's file is too."""
    source = tmp_path / "items.jsonl"
    original = _records(6)
    source.write_bytes(original)
    with open(source, "rb") as stdin:
        run = _detector(
            tiny_model_dir, "clean", "--drop", "--quarantine", str(source),
            "--input-format", "jsonl", "-", stdin=stdin, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert run.stderr.decode().endswith("Error: --quarantine names an input file\n")
    assert source.read_bytes() == original


def test_a_file_whose_name_is_near_the_limit_is_cleaned_in_place(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A crawl saved under its articles' titles has names of up to 255 bytes (85
    Chinese characters in UTF-8); the temporary file beside one was named
    ``.NAME.XXXXXXXX.tmp``, 14 bytes longer, so ``clean --in-place`` (and ``-o``
    such a name) failed with 'File name too long'."""
    from click.testing import CliRunner

    from detector.cli import main

    name = "配资新闻标题" * 13 + "配资新闻.txt"
    assert len(name.encode("utf-8")) == 250
    source = tmp_path / name
    try:
        source.write_text(INJECTED, encoding="utf-8")
    except OSError:
        pytest.skip("the file system takes no such name")
    args = ["clean", "--model", str(tiny_model_dir), "--in-place", str(source)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert source.read_text(encoding="utf-8") == INJECTED.replace(AD, "")
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.skipif(not os.path.exists("/dev/fd/1"), reason="needs /dev/fd")
@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_an_output_naming_standard_output_appends_to_the_file_it_is_redirected_to(
    tiny_model_dir: Path, tmp_path: Path, name: str
) -> None:
    """``-o /dev/stdout`` with standard output redirected to a file (``for f in
    *.txt; do detector clean "$f" -o /dev/stdout; done >> all.txt``): the name
    led to the file, which was replaced by a new one holding this output alone
    (what the shell had written before it lost), while the shell went on
    writing to the old file, no longer named; a second run found the name
    '/tmp/…/all.txt (deleted)' behind the descriptor and wrote a file of that
    name.  The README says such an -o is written directly: to the descriptor,
    after what is there, as ``-o -`` writes."""
    if not os.path.exists(name):
        pytest.skip(f"no {name}")
    articles = []
    for number in range(2):
        article = tmp_path / f"a{number}.txt"
        article.write_text(INJECTED, encoding="utf-8")
        articles.append(article)
    everything = tmp_path / "all.txt"
    everything.write_bytes(b"HEADER\n")
    with open(everything, "ab") as out:
        for article in articles:
            run = _detector(tiny_model_dir, "clean", str(article), "-o", name, stdout=out)
            assert run.returncode == 1, run.stderr
        out.write(b"FOOTER\n")
    cleaned = INJECTED.replace(AD, "").encode("utf-8")
    assert everything.read_bytes() == b"HEADER\n" + cleaned * 2 + b"FOOTER\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a0.txt", "a1.txt", "all.txt"]


# -- an interrupt at any moment leaves no temporary file ------------------------------


@pytest.mark.parametrize("moment", ["opening", "closing"])
def test_an_interrupt_while_the_temporary_file_is_opened_or_closed_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    """Ctrl-C or SIGTERM landing just after the temporary file was created
    (before it was opened for writing) or while it was closed left
    ``.NAME.XXXXXXXX.tmp`` beside the file: in 1 of 12 runs of ``clean
    --in-place`` over 300 files interrupted at random.  Those steps now take
    an interrupt only once they are done, and the temporary file goes."""
    from detector import _files

    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    fdopen = os.fdopen

    class Closing:
        def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
            self.handle = handle

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.handle, name)

        def close(self) -> None:
            self.handle.close()
            raise KeyboardInterrupt

    def interrupted(fd: int, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if moment == "opening":
            raise KeyboardInterrupt
        return Closing(fdopen(fd, *args, **kwargs))  # type: ignore[arg-type]

    monkeypatch.setattr(_files.os, "fdopen", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with _files.AtomicFile(str(target)) as atomic:
            atomic.handle.write(b"new")
            raise KeyboardInterrupt  # and while it is written
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert target.read_bytes() == b"old"


def test_an_interrupt_waits_for_the_deferred_step_while_another_thread_runs() -> None:
    """The steps of an atomic write that an interrupt must not split (the
    temporary file created and named, renamed, removed) blocked the signals in
    the main thread only.  Where the process has another thread (OpenBLAS
    starts one per core when OPENBLAS_NUM_THREADS is set, as on many servers),
    the kernel hands a Ctrl-C or SIGTERM to that thread, and Python raised it in
    the main thread at once, in the middle of the step: the temporary file was
    left behind as if nothing was deferred.  It is raised once the step is
    done, as in a process of one thread."""
    import signal
    import threading
    import time

    from detector import _files

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    done = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with _files.deferred_interrupts():
                os.kill(os.getpid(), signal.SIGINT)  # to the process: the other thread takes it
                time.sleep(0.05)
                for _ in range(10_000):  # where Python runs its signal handlers
                    pass
                done.append("the step")
    finally:
        stop.set()
        other.join()
    assert done == ["the step"]


def test_an_output_or_a_baseline_that_is_write_protected_is_not_replaced(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``clean -o FILE`` and ``scan --update-baseline`` replaced a file without
    write permission (``chmod a-w``: a baseline someone froze) by renaming over
    it; they refuse it now, naming it, before doing the work."""
    from click.testing import CliRunner

    from detector.cli import main

    source = tmp_path / "a.txt"
    source.write_text(INJECTED, encoding="utf-8")
    frozen = tmp_path / "frozen.txt"
    frozen.write_text("mine\n", encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"findings": [], "version": 1}\n', encoding="utf-8")
    for path in (frozen, baseline):
        path.chmod(0o444)
    model = ["--model", str(tiny_model_dir)]
    result = CliRunner().invoke(main, ["clean", *model, str(source), "-o", str(frozen)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"detector: error: {frozen}: write-protected (mode 444): left as it is"
        " (make it writable to have it rewritten)\n"
    )
    args = ["scan", *model, "--baseline", str(baseline), "--update-baseline", str(source)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"detector: error: {baseline}: cannot write baseline (write-protected (mode 444):"
        " left as it is (make it writable to have it rewritten))\n"
    )
    assert frozen.read_text(encoding="utf-8") == "mine\n"
    assert baseline.read_text(encoding="utf-8") == '{"findings": [], "version": 1}\n'


@pytest.mark.parametrize("ending", ["/", "/."])
def test_an_output_named_as_a_directory_is_refused(
    tiny_model_dir: Path, tmp_path: Path, ending: str
) -> None:
    # `-o cleaned/` wrote the cleaned article to a file named `cleaned`, and
    # `-o cleaned/.` still did once that was refused.
    from click.testing import CliRunner

    from detector.cli import main

    article = tmp_path / "a.txt"
    article.write_text(INJECTED, "utf-8")
    output = tmp_path / "cleaned"
    result = CliRunner().invoke(
        main, ["clean", "--model", str(tiny_model_dir), str(article), "-o", f"{output}{ending}"]
    )
    assert result.exit_code == 2
    assert f"-o {output}{ending}: names a directory; clean writes one file" in result.stderr
    assert not output.exists() and article.read_text("utf-8") == INJECTED


@pytest.mark.parametrize("ending", ["/", "/."])
def test_a_baseline_named_as_a_directory_is_refused_before_the_scan(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    """``scan --baseline reviewed/ --update-baseline`` scanned everything, then
    wrote the baseline to a file named ``reviewed`` (the name resolved lost its
    slash, or its dot), said ``reviewed/: baseline of 1 finding(s) written``,
    and the next ``scan --baseline reviewed/`` could not read it (not a
    directory).  Refused, as ``clean -o reviewed/`` is, before the scan."""
    from click.testing import CliRunner

    from detector import parallel
    from detector.cli import main

    def scan_inputs(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned before the baseline was checked")

    monkeypatch.setattr(parallel, "scan_inputs", scan_inputs)
    article = tmp_path / "a.txt"
    article.write_text(INJECTED, "utf-8")
    baseline = f"{tmp_path / 'reviewed'}{ending}"
    args = ["scan", "--model", str(tiny_model_dir), "--baseline", baseline, "--update-baseline"]
    result = CliRunner().invoke(main, [*args, str(article)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"detector: error: {baseline}: cannot write baseline (Is a directory)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("case", ["write-protected", "in a missing directory"])
def test_a_baseline_that_cannot_be_written_is_refused_before_the_scan(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """``scan --update-baseline`` with a baseline someone froze (``chmod a-w``),
    or in a directory not made yet, scanned the whole input first and refused
    the baseline at the end (13 s of a 26 MB JSONL file for 'cannot write
    baseline'), where the README says it is refused before any work, as
    ``clean -o`` refuses such a file."""
    from click.testing import CliRunner

    from detector import parallel
    from detector.cli import main

    def scan_inputs(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned before the baseline was checked")

    monkeypatch.setattr(parallel, "scan_inputs", scan_inputs)
    article = tmp_path / "a.txt"
    article.write_text(INJECTED, "utf-8")
    if case == "write-protected":
        baseline = tmp_path / "baseline.json"
        baseline.write_text('{"findings": [], "version": 1}\n', encoding="utf-8")
        baseline.chmod(0o444)
        why = "write-protected (mode 444): left as it is (make it writable to have it rewritten)"
    else:
        baseline = tmp_path / ".detector" / "baseline.json"
        why = "No such file or directory"
    args = ["scan", "--model", str(tiny_model_dir), "--baseline", str(baseline)]
    result = CliRunner().invoke(main, [*args, "--update-baseline", str(article)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"detector: error: {baseline}: cannot write baseline ({why})\n"


# -- a spooled atomic write creates its temporary file only when it must ----------------


def _counting_mkstemp(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import tempfile

    made: list[str] = []
    mkstemp = tempfile.mkstemp

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        fd, name = mkstemp(*args, **kwargs)  # type: ignore[call-overload]
        made.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", counted)
    return made


@pytest.mark.parametrize("size", [5, 50])  # held in memory, or more than the spool
@pytest.mark.parametrize("ending", ["kept", "discarded", "failed"])
def test_a_spooled_atomic_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, ending: str
) -> None:
    from detector._files import AtomicFile

    made = _counting_mkstemp(monkeypatch)
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    data = bytes(range(65, 65 + size))
    try:
        with AtomicFile(str(target), spool=16) as atomic:
            for start in range(0, size, 7):  # in pieces, across the spool's limit
                atomic.handle.write(data[start : start + 7])
            atomic.handle.flush()
            if ending == "discarded":
                atomic.discard()
            elif ending == "failed":
                raise RuntimeError("the work failed")
    except RuntimeError:
        assert ending == "failed"
    kept = ending == "kept"
    assert target.read_bytes() == (data if kept else b"old")
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary left
    # A temporary file only for what is written, or what did not fit the spool.
    assert len(made) == (1 if kept or size > 16 else 0)


def test_clean_in_place_makes_a_temporary_file_only_for_the_files_it_changes(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from detector.cli import main

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    for number in range(6):
        (crawl / f"{number}.txt").write_text(INJECTED if number < 2 else CLEAN, encoding="utf-8")
    made = _counting_mkstemp(monkeypatch)
    result = CliRunner().invoke(
        main, ["clean", "--model", str(tiny_model_dir), "--in-place", str(crawl)]
    )
    assert result.exit_code == 1, result.output
    assert len(made) == 2
    assert (crawl / "0.txt").read_text(encoding="utf-8") == INJECTED.replace(AD, "")
    assert (crawl / "5.txt").read_text(encoding="utf-8") == CLEAN
    assert sorted(p.name for p in crawl.iterdir()) == [f"{n}.txt" for n in range(6)]


def test_a_spooled_write_that_cannot_create_its_temporary_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file of a kept spooled write is created as the block ends:
    a directory that takes no new file is reported then, naming the file."""
    import errno
    import tempfile

    from detector._files import AtomicFile

    def refused(*args: object, dir: str = "", **kwargs: object):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, ".a.txt.x.tmp"))

    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(PermissionError) as caught:
        with AtomicFile(str(target), spool=16) as atomic:
            atomic.handle.write(b"new")
    assert caught.value.filename == str(target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]

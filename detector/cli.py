"""Command-line interface: parse, call the core, print.  No detection logic here.

Exit codes: 0 nothing found, 1 findings, 2 usage error or an input that could not
be scanned (reported after everything else was scanned).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import json
import os
import stat
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, Protocol, TypeVar

import click

from detector._files import AtomicFile, locked, names_a_directory
from detector.memory import keep_freed_memory

if TYPE_CHECKING:
    from detector.clean import CleanTally, FieldScan
    from detector.compressed import AppendLog
    from detector.config import Config
    from detector.core import Detector
    from detector.explain import Explanation
    from detector.html import HtmlText
    from detector.inputs import Document, Input, InputError, Notice
    from detector.progress import Progress
    from detector.report import Tally
    from detector.results import Finding, Verdict
    from detector.scanning import ScanLater, ScanMany
    from detector.suppress import Suppressions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


F = TypeVar("F", bound=Callable[..., Any])


class _Threshold(click.ParamType):
    """A number in 0..1, or ``review`` or ``block``: the model's own thresholds,
    which move when it is retrained (resolved once the model is loaded)."""

    name = "threshold"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from detector.results import THRESHOLD_NAMES

        if isinstance(value, float):
            return value
        if str(value).strip().lower() in THRESHOLD_NAMES:
            return str(value).strip().lower()
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0.0 <= number <= 1.0:
            self.fail(f"{value!r} is not a number from 0 to 1, review or block", param, ctx)
        return number


def threshold_option(action: str = "Report") -> Callable[[F], F]:
    return click.option(
        "--threshold",
        type=_Threshold(),
        default=None,
        metavar="X|review|block",
        help=f"{action} spans scoring at least X, or the model's review or block threshold"
        " (default: review).",
    )


def input_format_option(
    help_text: str = "auto: .jsonl/.ndjson are JSONL, .json a JSON array of records, "
    ".html/.htm/.xhtml HTML, everything else text (stdin: text).",
) -> Callable[[F], F]:
    return click.option(
        "--input-format",
        type=click.Choice(["auto", "text", "jsonl", "json", "html"]),
        default="auto",
        show_default=True,
        help=help_text,
    )


def encoding_option(help_text: str) -> Callable[[F], F]:
    return click.option("--encoding", default=None, metavar="NAME", help=help_text)


def jobs_option(default_help: str) -> Callable[[F], F]:
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        help=f"Processes that scan, this one included (default: {default_help}",
    )


def text_field_option(verb: str) -> Callable[[F], F]:
    return click.option(
        "--text-field",
        "text_fields",
        multiple=True,
        default=("text",),
        show_default=True,
        help=f"JSONL/JSON record field to {verb} (repeatable).",
    )


id_field_option = click.option(
    "--id-field",
    default="id",
    show_default=True,
    metavar="NAME",
    help="JSONL/JSON record field that identifies a record (`id` in the output, "
    "baseline entries), e.g. url.",
)


model_option = click.option(
    "--model",
    type=click.Path(),
    default=None,
    envvar="DETECTOR_MODEL",
    help="Model directory or model.json (default: the packaged model; env DETECTOR_MODEL).",
)


class _CategoryThreshold(click.ParamType):
    """``NAME=X``: a category and the score its findings must reach (0..1), or
    ``off``."""

    name = "NAME=X"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, str]:
        from detector.categories import check_category_thresholds, parse_category_thresholds

        if isinstance(value, tuple):
            return value
        try:
            ((category, bar),) = parse_category_thresholds([str(value)]).items()
            check_category_thresholds({category: bar})
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return category, bar


def category_options(effect: str) -> Callable[[F], F]:
    """``--ignore-category`` and ``--category-threshold``; ``effect``: what a
    dropped finding does not do in this command."""
    from detector.categories import DESCRIPTIONS

    names = ", ".join(DESCRIPTIONS)
    ignore = click.option(
        "--ignore-category",
        "ignore_categories",
        type=click.Choice(list(DESCRIPTIONS)),
        multiple=True,
        metavar="NAME",
        help=f"Drop the findings of this category: {effect} (repeatable; added to"
        f" ignore_categories of .detector.toml / pyproject.toml).  One of {names}.",
    )
    threshold = click.option(
        "--category-threshold",
        "category_thresholds",
        type=_CategoryThreshold(),
        multiple=True,
        metavar="NAME=X",
        help="Drop the findings of category NAME scoring under X (0..1; off: all of"
        f" them): {effect} (repeatable; over category_thresholds of the settings"
        " file), e.g. promotion=0.99.",
    )

    def decorate(function: F) -> F:
        return ignore(threshold(function))

    return decorate


# Not ``readable=True`` (click's default): click would refuse the whole command
# line for one path it cannot read.  Opening each input reports that input as
# ``PATH: cannot open (…)`` and every other input is still scanned or cleaned.
_INPUT_PATH = click.Path(allow_dash=True, readable=False)


class DetectorError(click.ClickException):
    """A runtime error reported as ``detector: error: …`` with exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        from detector.report import one_line

        click.echo(f"detector: error: {one_line(self.format_message())}", err=True)


def _plain_warnings() -> None:
    """Warnings raised in the package (say, an unknown ``DETECTOR_SEGMENTER``)
    print as ``detector: warning: …``, like errors, not as a source location;
    other warnings as Python prints them.  Installed once per process."""
    import warnings

    if getattr(warnings.formatwarning, "_detector", False):
        return
    default = warnings.formatwarning
    package = str(Path(__file__).resolve().parent)

    def formatwarning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        line: str | None = None,
    ) -> str:
        if str(Path(filename).resolve()).startswith(package):
            return f"detector: warning: {message}\n"
        return default(message, category, filename, lineno, line)

    formatwarning._detector = True  # type: ignore[attr-defined]
    warnings.formatwarning = formatwarning


def _one_blas_thread() -> None:
    """Have NumPy's OpenBLAS start one thread rather than one per core, unless
    the user set OPENBLAS_NUM_THREADS.  Scanning does no linear algebra (its
    sparse products are bincounts), but the idle pool costs ~0.1 s of CPU per
    start on two cores.  Only for the scanning commands (training's scikit-learn
    does use BLAS), and only before NumPy is imported, which reads it once."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _start_loading(model: str | None, threshold: float | str | None) -> Callable[[], Detector]:
    """Start loading the detector (``model`` None: the packaged one); the function
    returned finishes and returns it.  A thread reads and checks the model's files
    (~50 ms, mostly without the GIL) while this one imports NumPy and the pipeline,
    which takes about as long: start it before those imports."""
    from detector.model import ModelError, default_model_path, load_model_in_background

    finish_model = load_model_in_background(default_model_path() if model is None else model)

    def finish() -> Detector:
        from detector.core import Detector

        try:
            return Detector(finish_model(), threshold=threshold)
        except ModelError as exc:
            raise DetectorError(str(exc)) from None

    return finish


def _load_detector(model: str | None, threshold: float | str | None) -> Detector:
    return _start_loading(model, threshold)()


class _Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP), raised where the program is: it unwinds as Ctrl-C
    does, so ``clean`` removes its temporary file and ``scan --jobs`` stops its
    workers (the default, dying on the spot, left ``.NAME.XXXX.tmp`` files
    beside the outputs and worker processes running with stdout open)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def _interrupted(exc: KeyboardInterrupt) -> click.exceptions.Exit:
    """The exit of a run that ``exc`` interrupted (Ctrl-C, or :class:`_Terminated`),
    its word said on stderr where it can be."""
    import signal

    signum = int(exc.signum if isinstance(exc, _Terminated) else signal.SIGINT)
    words = {int(signal.SIGINT): "interrupted", int(signal.SIGTERM): "terminated"}
    with contextlib.suppress(OSError):  # a terminal that hung up takes nothing
        click.echo(f"detector: {words.get(signum, 'hung up')}", err=True)
    return click.exceptions.Exit(128 + signum)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt ``exc`` was raised while handling, if any (its context)."""
    seen: set[int] = set()
    context = exc.__context__
    while context is not None and id(context) not in seen:
        if isinstance(context, KeyboardInterrupt):
            return context
        seen.add(id(context))
        context = context.__context__
    return None


class _Main(click.Group):
    """The command group: an interrupt (Ctrl-C, SIGTERM, or SIGHUP: the terminal
    closed, an ssh session dropped) exits 130 (143, 129) with ``detector:
    interrupted`` (``terminated``, ``hung up``).  Click's own handling said
    ``Aborted!`` and exited 1, which the README documents as "findings".  An
    ``OSError`` raised while the interrupt unwinds (the ``--summary`` line or
    the progress line written to the terminal that hung up) does not take its
    place: it was a traceback and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        import signal
        import threading

        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _terminate)
            hangup = getattr(signal, "SIGHUP", None)
            if hangup is not None and signal.getsignal(hangup) is signal.SIG_DFL:
                previous[hangup] = signal.signal(hangup, _terminate)  # (nohup ignores it)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise _interrupted(exc) from None
        except OSError as exc:
            interrupt = _interrupt_behind(exc)
            if interrupt is None:
                raise
            raise _interrupted(interrupt) from None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="detector")
def main() -> None:
    """Find advertising injected into scraped Chinese news.

    \b
    Examples:
      detector scan articles/                 # linter-style lines, exit 1 on findings
      detector scan --format jsonl dump.jsonl --text-field title --text-field content
      cat article.txt | detector scan -
    """
    _plain_warnings()
    _lenient_stdout()


def _lenient_stdout() -> None:
    """On a stdout whose encoding cannot hold every character (GBK has no emoji),
    the first finding holding one raised UnicodeEncodeError and the rest of the
    batch was lost: such characters are written as backslash escapes instead, as
    Python's stderr does already (JSON output is written with ``\\u`` escapes
    then, see :func:`_json_for_stdout`)."""
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


class OutputError(DetectorError):
    """Standard output could not be written: a full disk (``> /dev/full``), a
    closed pipe (``| head -1``).  Exit code 2: the results did not all reach
    their reader.  (It was a traceback and exit code 1, "findings", even when
    nothing had been found.)  A closed pipe is not reported: its reader chose
    to stop reading."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(f"stdout: cannot write ({exc.strerror or exc})")
        self.errno = exc.errno

    def show(self, file: Any = None) -> None:
        if self.errno != errno.EPIPE:
            super().show(file)


def _echo(message: str, nl: bool = True) -> None:
    """``click.echo`` to stdout; a failed write raises :class:`OutputError`.
    What is still buffered is dropped (stdout is pointed at the null device), so
    the interpreter's last flush does not fail again and print a traceback."""
    try:
        click.echo(message, nl=nl)
    except OSError as exc:
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)
        raise OutputError(exc) from None


def _json_for_stdout(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON, with characters as they are unless stdout's encoding
    cannot write them (GBK and an emoji): then as ``\\uXXXX`` escapes, which
    stay valid JSON where a backslash-replaced character would not."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if _stdout_writes([text]):
        return text
    return json.dumps(value, ensure_ascii=True, indent=indent)


def _stdout_writes(texts: Iterable[str]) -> bool:
    """Whether stdout's encoding can write every character of ``texts``."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return True
    try:
        for text in texts:
            text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# What _echo_json writes at a time (characters).
_JSON_PIECE = 1 << 16


def _echo_json(value: Any) -> None:
    """``_echo(_json_for_stdout(value, indent=2))``, written as it is encoded, about
    ``_JSON_PIECE`` characters at a time.  Built whole, the ``--format json`` text
    of 500,000 records (89 MB) took the process from 0.5 GB (the list) to 1.2 GB:
    ``json.dumps`` with an indent joins a list of every token it makes, and the
    text was then encoded whole.  (Stdout's encoding is checked in a first pass
    over the tokens, which holds none of them either.)"""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    if not _stdout_writes(encoder.iterencode(value)):
        encoder = json.JSONEncoder(ensure_ascii=True, indent=2)
    piece: list[str] = []
    size = 0
    for token in encoder.iterencode(value):
        piece.append(token)
        size += len(token)
        if size >= _JSON_PIECE:
            _echo("".join(piece), nl=False)
            piece, size = [], 0
    _echo("".join(piece))


@main.command()
@click.argument("paths", nargs=-1, type=_INPUT_PATH)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "jsonl", "sarif"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json: one array; jsonl: one object per document; "
    "sarif: SARIF 2.1.0.",
)
@input_format_option()
@text_field_option("scan")
@id_field_option
@encoding_option("Decode inputs with this codec (default: detect UTF-8, GB18030/GBK, Big5 …).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, readable=False),  # an unreadable one: our message
    default=None,
    help="Hide findings recorded in this baseline file.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write every current finding to the --baseline file and exit 0.",
)
@threshold_option()
@category_options("they are not reported and block nothing")
@model_option
@jobs_option(
    "one per core when the input is more than one chunk of documents, else 1)."
    "  Output is the same and in input order."
)
@click.option(
    "--summary",
    is_flag=True,
    help="At the end, print on stderr how many documents were scanned, had findings"
    " and were blocked, the findings per category, errors and skipped inputs; before"
    " it, the finding texts found in the most documents (two or more).",
)
def scan(
    paths: tuple[str, ...],
    output_format: str,
    input_format: str,
    text_fields: tuple[str, ...],
    id_field: str,
    encoding: str | None,
    baseline: str | None,
    update_baseline: bool,
    threshold: float | str | None,
    ignore_categories: tuple[str, ...],
    category_thresholds: tuple[tuple[str, str], ...],
    model: str | None,
    jobs: int | None,
    summary: bool,
) -> NoReturn:
    """Scan files, directories (recursively), stdin (no path or -) or JSONL.

    \b
    Examples:
      detector scan article.txt
      detector scan --format jsonl crawl/ > findings.jsonl
      detector scan --input-format jsonl --text-field content - < items.jsonl
    """
    if update_baseline:
        if baseline is None:
            raise click.UsageError("--update-baseline needs --baseline FILE")
        _check_baseline_writable(baseline)
    started = time.monotonic()
    _one_blas_thread()
    keep_freed_memory()
    load_detector = _start_loading(model, threshold)
    from detector.inputs import InputError, Notice, iter_paths
    from detector.parallel import scan_inputs
    from detector.recurring import Recurring
    from detector.report import Tally, text_lines, to_record
    from detector.sarif import document_results, sarif_log
    from detector.scanning import ScanOptions

    encoding = _check_encoding(encoding)
    options = ScanOptions(
        input_format=input_format,
        text_fields=text_fields,
        encoding=encoding,
        id_field=id_field,
        suppressions=_load_suppressions(
            baseline, update_baseline, ignore=ignore_categories, thresholds=category_thresholds
        ),
        use_baseline=not update_baseline,
    )
    detector = load_detector()
    errors = 0
    failed: set[str] = set()  # inputs (paths) with an error
    found = False
    tally = Tally(recurring=Recurring() if summary else None)
    records: list[dict[str, Any]] = []  # --format json; sarif: the SARIF results
    entries: list[dict[str, Any]] = []
    _hint_at_stdin(paths)
    path_items = iter_paths(paths or ("-",))
    if baseline is not None:
        path_items = _without_file(path_items, baseline)
    real_paths: dict[str, str] = {}  # printed path -> file name, for SARIF URIs
    if output_format == "sarif":
        path_items = _noting_real_paths(path_items, real_paths)
    progress = _progress(paths)
    if progress is not None:
        path_items = progress.wrap(list(path_items))
    try:
        for scanned in scan_inputs(detector, path_items, options, jobs, model):
            if progress is not None:
                progress.bar.clear()
            if isinstance(scanned, (InputError, Notice)):
                if isinstance(scanned, InputError):
                    errors += 1
                    failed.add(scanned.path)
                elif scanned.skipped:  # not the hint that stdin, scanned, looks like JSON
                    tally.skipped += 1
                _report_problem(scanned)
                if progress is not None:
                    progress.bar.written(scanned.path, document=False)
                continue
            result = scanned.result
            tally.add(result)
            found = found or bool(result.findings)
            if update_baseline:
                entries.extend(_baseline_entries(result.document, scanned.kept))
            elif output_format == "text":
                for line in text_lines(result):
                    _echo(line)
            elif output_format == "jsonl":
                _echo(_json_for_stdout(to_record(result)))
            elif output_format == "json":
                records.append(to_record(result))
            else:
                records += document_results(scanned, detector.block_threshold, real_paths)
            if progress is not None:  # after the output: the line is drawn below it
                progress.bar.written(result.document.path)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: how far the scan got, then the word
        if progress is not None:
            progress.bar.close()
        if summary:
            _summarize(tally, errors, started)
        raise
    finally:  # an interrupt or error message is not written on the progress line
        if progress is not None:
            progress.bar.close()
    if update_baseline:
        assert baseline is not None
        _write_baseline(baseline, entries, failed, paths or ("-",))
    elif output_format == "json":
        _echo_json(records)
    elif output_format == "sarif":
        _echo_json(sarif_log(records, _version()))
    if summary:
        _summarize(tally, errors, started)
    if update_baseline:
        sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)
    sys.exit(EXIT_ERROR if errors else EXIT_FINDINGS if found else EXIT_CLEAN)


def _summarize(tally: Tally | CleanTally, errors: int, started: float) -> None:
    """``--summary``: the tally's line on stderr (also when interrupted: how far
    the run got), after the finding texts found in the most documents, if any
    text was found in two (the tally's line stays the last, as before)."""
    tally.errors = errors
    recurring = None if tally.recurring is None else tally.recurring.line()
    if recurring is not None:
        click.echo(f"detector: {recurring}", err=True)
    click.echo(f"detector: {tally.summary(time.monotonic() - started)}", err=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("detector")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _report_problem(problem: InputError | Notice) -> None:
    """An input error or a notice, on stderr, one line."""
    from detector.inputs import InputError
    from detector.report import one_line

    kind = "error: " if isinstance(problem, InputError) else ""
    click.echo(f"detector: {kind}{one_line(str(problem))}", err=True)


def _check_encoding(encoding: str | None) -> str | None:
    from detector.encodings import UnknownEncodingError, check_encoding

    if encoding is None:
        return None
    try:
        return check_encoding(encoding)
    except UnknownEncodingError as exc:
        raise click.BadParameter(str(exc), param_hint="'--encoding'") from None


def _load_config() -> Config:
    """The project's ``.detector.toml`` / ``pyproject.toml`` settings; a bad one
    is a ``DetectorError`` naming it."""
    from detector.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise DetectorError(str(exc)) from None


def _load_suppressions(
    baseline: str | None,
    update_baseline: bool,
    config: Config | None = None,
    ignore: tuple[str, ...] = (),
    thresholds: tuple[tuple[str, str], ...] = (),
) -> Suppressions:
    """The allow list, inline markers, ignored categories and category
    thresholds of ``config`` (loaded here when not given) with the categories
    of ``--ignore-category`` (``ignore``) and the ``--category-threshold``
    pairs (``thresholds``, over the file's for their categories), and the
    fingerprints of ``baseline`` unless it is being updated."""
    from detector.suppress import BaselineError, Suppressions, parse_baseline

    if config is None:
        config = _load_config()
    prints: frozenset[str] = frozenset()
    if baseline is not None and not update_baseline:
        try:
            prints = parse_baseline(_read_baseline(baseline))
        except BaselineError as exc:
            raise DetectorError(f"{baseline}: {exc}") from None
    categories = frozenset(config.ignore_categories) | frozenset(ignore)
    bars = tuple((dict(config.category_thresholds) | dict(thresholds)).items())
    return Suppressions(
        config.allow,
        prints,
        inline=config.inline_markers,
        ignore_categories=categories,
        category_thresholds=bars,
    )


def _check_baseline_writable(path: str) -> None:
    """Refuse, before the scan, a ``--baseline`` that ``--update-baseline``
    could not write at its end: a directory or a name for one, a
    write-protected file (see :meth:`detector._files.AtomicFile.check`)."""
    try:
        AtomicFile(path).check()
    except OSError as exc:
        raise DetectorError(f"{path}: cannot write baseline ({exc.strerror or exc})") from None


def _read_baseline(path: str) -> str:
    """The text of a baseline file; a file that cannot be read or is not UTF-8
    (it once raised UnicodeDecodeError) is a ``DetectorError`` naming it."""
    from detector.suppress import BaselineError

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise DetectorError(f"{path}: cannot read baseline ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")  # an editor on Windows may save it with a BOM
    except UnicodeDecodeError as exc:
        raise BaselineError(
            f"not a detector baseline (not UTF-8: byte {data[exc.start]:#04x} at {exc.start})"
        ) from None


def _baseline_entries(
    document: Document, kept: Iterable[tuple[str | None, Finding, str]]
) -> list[dict[str, Any]]:
    from detector.suppress import baseline_entries

    entries = []
    for name, finding, fingerprint in kept:
        entries.extend(baseline_entries(document.path, document.id, name, [(finding, fingerprint)]))
    return entries


def _write_baseline(
    path: str, entries: list[dict[str, Any]], failed: set[str], scanned: Sequence[str]
) -> None:
    """Write the baseline (atomically, like ``clean``).  Carried over from the old
    baseline: the entries of inputs that could not be scanned (``failed``: their
    paths, a directory's covering everything under it), since a transient read
    error must not erase findings someone reviewed, and the entries of paths
    this run was not given (under none of ``scanned``), since updating for one
    file must not erase the others'.  If the old baseline cannot be read for
    that, nothing is written."""
    from detector.suppress import dump_baseline

    # One entry per fingerprint: a file named twice gave every entry twice.
    entries = list({e["fingerprint"]: e for e in entries}.values())
    written = {e["fingerprint"] for e in entries}

    def waiting() -> None:
        click.echo(f"detector: {path}: waiting for another run updating it", err=True)

    # Read and written in turn with other updates: two at once each wrote the
    # old baseline back with its own entries, and the later lost the other's.
    with locked(os.path.dirname(os.path.realpath(path)), waiting):
        failed_kept, other_kept = _carried_over(path, failed, scanned, written)
        try:
            with AtomicFile(path) as atomic:
                atomic.handle.write(
                    dump_baseline([*entries, *failed_kept, *other_kept]).encode("utf-8")
                )
        except OSError as exc:
            raise DetectorError(f"{path}: cannot write baseline ({exc.strerror or exc})") from None
    total = len(entries) + len(failed_kept) + len(other_kept)
    notes = []
    if failed:
        notes.append(f"{len(failed_kept)} kept for inputs that could not be scanned")
    if other_kept:
        notes.append(f"{len(other_kept)} kept for paths not scanned this time")
    kept = f" ({'; '.join(notes)})" if notes else ""
    click.echo(f"detector: {path}: baseline of {total} finding(s) written{kept}", err=True)


def _carried_over(
    path: str, failed: set[str], scanned: Sequence[str], written: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The old baseline's entries for paths under the ``failed`` ones, and those
    for paths under none of the ``scanned`` ones, except those with a
    fingerprint in ``written`` (entries as ``--update-baseline`` writes them:
    path, category and text are strings)."""
    from detector.inputs import STDIN
    from detector.suppress import BaselineError, parse_baseline, path_key

    if not os.path.exists(path):
        return [], []
    keep_it = "; not rewritten (its entries for the inputs not scanned would be lost)"
    try:
        content = _read_baseline(path)
        parse_baseline(content)  # checks the format
    except DetectorError as exc:
        raise DetectorError(exc.format_message() + keep_it) from None
    except BaselineError as exc:
        raise DetectorError(f"{path}: {exc}{keep_it}") from None

    def under(entry: dict[str, Any], prefixes: set[str]) -> bool:
        return any(
            entry["path"] == prefix
            or entry["path"].startswith(prefix.rstrip("/") + "/")
            or (prefix == "." and not entry["path"].startswith(("/", "../")))
            for prefix in prefixes
        )

    failed_prefixes = {path_key(p) for p in failed}
    scanned_prefixes = {"<stdin>" if p == STDIN else path_key(p) for p in scanned}
    failed_kept, other_kept = [], []
    for entry in json.loads(content)["findings"]:
        if entry["fingerprint"] in written:
            continue
        if not all(isinstance(entry.get(key), str) for key in ("path", "category", "text")):
            continue
        if under(entry, failed_prefixes):
            failed_kept.append(entry)
        elif not under(entry, scanned_prefixes):
            other_kept.append(entry)
    return failed_kept, other_kept


def _noting_real_paths(
    items: Iterable[str | InputError | Notice], real_paths: dict[str, str]
) -> Iterator[str | InputError | Notice]:
    """The path items, noting in ``real_paths`` each file name whose printed form
    differs (bytes that are not UTF-8): SARIF URIs are built from the name."""
    from detector.inputs import printable

    for item in items:
        if isinstance(item, str) and printable(item) != item:
            real_paths[printable(item)] = item
        yield item


def _without_file(
    items: Iterable[str | InputError | Notice], excluded: str
) -> Iterator[str | InputError | Notice]:
    """The path items except ``excluded`` (the baseline file is not an article)."""
    target = os.path.realpath(excluded)
    for item in items:
        if isinstance(item, str) and item != "-" and os.path.realpath(item) == target:
            continue
        yield item


class _PathProgress:
    """Tells a progress line the files of the path list as the scan takes them
    (named as their results name them)."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar

    def wrap(self, items: list[str | InputError | Notice]) -> Iterator[str | InputError | Notice]:
        from detector.inputs import STDIN, printable

        self.bar.total = sum(1 for i in items if isinstance(i, str))
        for item in items:
            if isinstance(item, str):
                self.bar.taken("<stdin>" if item == STDIN else printable(item))
            yield item


def _hint_at_stdin(paths: tuple[str, ...]) -> None:
    """Say so when a command is about to read a terminal: ``detector scan`` with
    no path waited without a word."""
    if (not paths or "-" in paths) and _stdin_is_terminal():
        click.echo("detector: reading stdin (end with Ctrl-D; name files to scan them)", err=True)


def _stdin_is_terminal() -> bool:
    from detector.progress import is_terminal

    return is_terminal(sys.stdin)


def _progress(paths: tuple[str, ...]) -> _PathProgress | None:
    from detector.progress import Progress, wants_progress

    if not wants_progress(sys.stderr, any(p != "-" for p in paths)):
        return None
    return _PathProgress(Progress(0, sys.stderr))


def _default_training_data() -> Path:
    return Path.cwd() / "training_data"


_CORPORA_OPTION = click.option(
    "--corpora", type=click.Path(file_okay=False, path_type=Path),
    default=Path("../shared/corpora"), show_default=True,
    help="Folder of the training corpora (see its PROVENANCE.md).",
)  # fmt: skip
_TRAINING_DATA_OPTION = click.option(
    "--training-data", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The project's training_data/ folder (default: ./training_data).",
)  # fmt: skip
DEV_BENCHMARK = Path("build/dev_benchmark.jsonl")


@main.command()
@_CORPORA_OPTION
@_TRAINING_DATA_OPTION
@click.option(
    "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where to write model.npz and model.json (default: the packaged model).",
)  # fmt: skip
@click.option(
    "--seed", type=click.IntRange(0, 2**32 - 1), default=None,
    help="Seed of every random draw (default: the shipped model's, 20261125).  The dev"
    " figures move by a few points with the seed alone: compare configurations over"
    " several seeds.",
)  # fmt: skip
def train(corpora: Path, training_data: Path | None, output: Path | None, seed: int | None) -> None:
    """Train the model from training_data/ and the corpora (deterministic), then
    evaluate it and both baselines on the dev benchmark; the figures go into the
    model card and are printed."""
    from detector.core import Detector, default_model_path
    from detector.model import Model
    from detector.training.benchmark import build_dev_benchmark, write_jsonl
    from detector.training.corpora import check_manifest
    from detector.training.evaluation import evaluate_all, format_table
    from detector.training.examples import GoldDocument
    from detector.training.train import TrainConfig
    from detector.training.train import train as run_training

    training_data = training_data or _default_training_data()
    output = output or default_model_path().parent
    _check_writable_folder(output)  # now, not after minutes of training

    def evaluate(model: Model, documents: list[GoldDocument]) -> dict[str, Any]:
        try:  # kept for detector eval; the model must be saved even if it cannot be
            write_jsonl(documents_dev, DEV_BENCHMARK)
        except OSError as exc:
            where = exc.filename or DEV_BENCHMARK
            click.echo(f"detector: warning: {where}: cannot write ({exc.strerror})", err=True)
        dev = [d.to_dict() for d in documents_dev]
        results = evaluate_all(Detector(model), dev, corpora, documents)
        _echo(format_table(results))
        return {"dev_benchmark": str(DEV_BENCHMARK), **results}

    with _training_errors():
        # The dev benchmark is built first (a second or two), once the corpora
        # are checked: its inputs (hard_negatives/dev.txt, the Eastmoney and
        # THUCNews test corpora) are read by nothing else, and a problem with
        # them would otherwise end the run after training, with nothing saved.
        check_manifest(corpora, training_data / "corpora_manifest.json")
        documents_dev = build_dev_benchmark(training_data, corpora)
        config = TrainConfig() if seed is None else TrainConfig(seed=seed)
        run_training(training_data, corpora, output, config, evaluate=evaluate)


@contextlib.contextmanager
def _training_errors() -> Iterator[None]:
    """Errors of the training data and corpora (a file named, a line where one
    is known) and of reading or writing them, as ``detector: error: …``, exit
    2: for train, benchmark and eval alike."""
    from detector.model import ModelError
    from detector.training.corpora import CorpusError
    from detector.training.grammar import GrammarError

    try:
        yield
    except (CorpusError, GrammarError, ModelError) as exc:
        raise DetectorError(str(exc)) from None
    except OSError as exc:
        raise DetectorError(_os_message(exc)) from None


def _os_message(exc: OSError) -> str:
    """``path: what went wrong`` for an OSError from reading training data or
    corpora, or writing a result."""
    where = exc.filename if exc.filename is not None else "detector"
    return f"{where}: {exc.strerror or exc}"


def _check_writable_folder(folder: Path) -> None:
    """That a model can be written into ``folder`` (created if missing), and
    would replace nothing there but a model (see ``check_model_directory``)."""
    import tempfile

    from detector.model import ModelError, check_model_directory

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise DetectorError(f"{folder}: cannot write the model there ({exc.strerror})") from None
    try:
        check_model_directory(folder)
    except ModelError as exc:
        raise DetectorError(str(exc)) from None


@main.command()
@_CORPORA_OPTION
@_TRAINING_DATA_OPTION
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=DEV_BENCHMARK,
    show_default=True, help="Where to write the gold JSONL.",
)  # fmt: skip
def benchmark(corpora: Path, training_data: Path | None, output: Path) -> None:
    """Build the cross-source dev benchmark (gold JSONL) from the corpora, after
    checking them against training_data/corpora_manifest.json, as train does."""
    from detector.training.benchmark import build_dev_benchmark, write_jsonl
    from detector.training.corpora import check_manifest

    training_data = training_data or _default_training_data()
    with _training_errors():
        # Other corpora would make another benchmark, scored as if it were this one.
        check_manifest(corpora, training_data / "corpora_manifest.json")
        documents = build_dev_benchmark(training_data, corpora)
        write_jsonl(documents, output)
    click.echo(f"wrote {len(documents)} documents to {output}", err=True)


@main.command(name="eval")
@click.argument("gold", type=click.Path(dir_okay=False, path_type=Path), required=False)
@model_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--corpora", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Corpora folder: enables the keyword and document TF-IDF baselines.",
)  # fmt: skip
@_TRAINING_DATA_OPTION
def evaluate(
    gold: Path | None,
    model: str | None,
    output_format: str,
    corpora: Path | None,
    training_data: Path | None,
) -> None:
    """Score a gold JSONL (records with `text` and `spans`) and print metrics.

    A record is {"text": …, "spans": [{"start", "end", "category"}, …]} (or
    spans as [start, end, category] arrays; [] for a clean page), or a page
    labelled as a whole: {"text": …, "is_spam": true, "category": …}, which
    counts in the document figures and not in the span figures.

    \b
    Without GOLD, uses build/dev_benchmark.jsonl (see `detector benchmark`).
    Examples:
      detector eval --corpora ../shared/corpora          # model + both baselines
      detector eval gold.jsonl --format json
    """
    from detector.training.benchmark import GoldFileError, read_gold
    from detector.training.evaluation import evaluate_all, format_table

    gold = gold or DEV_BENCHMARK
    detector = _load_detector(model, None)
    try:
        records = read_gold(gold)
    except GoldFileError as exc:
        for message in exc.messages:
            click.echo(f"detector: error: {_shown(message)}", err=True)
        sys.exit(EXIT_ERROR)
    if not records:
        raise DetectorError(f"{gold}: no gold records to score")
    known = set(detector.model.classes) | {"unknown"}
    named = {s["category"] for r in records for s in r["spans"]}
    named |= {r["category"] for r in records if not r["spans_known"]}
    strange = sorted(named - known)
    if strange:  # a typo would be scored as a category of its own
        names = ", ".join(strange)
        click.echo(
            f"detector: warning: {gold}: categories the model does not name: {names}", err=True
        )
    documents = None
    with _training_errors():
        if corpora is not None:
            from detector.training.train import TrainConfig, training_examples

            documents, _, _ = training_examples(
                training_data or _default_training_data(), corpora, TrainConfig()
            )
        results = evaluate_all(detector, records, corpora, documents)
    if output_format == "json":
        _echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _echo(format_table(results))


@main.command()
@click.argument("target")
@model_option
@threshold_option("Explain")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--text", "as_text", is_flag=True, help="Explain TARGET as text even if it names a file."
)
@input_format_option("How a file TARGET is read, as scan reads it (auto: by its suffix).")
@text_field_option("explain")
@id_field_option
@encoding_option("Decode a file TARGET with this codec (default: detect).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, readable=False),  # an unreadable one: our message
    default=None,
    help="Leave out the findings recorded in this baseline file, as scan --baseline does.",
)
@category_options("they are not explained, as scan does not report them")
def explain(
    target: str,
    model: str | None,
    threshold: float | str | None,
    top: int,
    output_format: str,
    as_text: bool,
    input_format: str,
    text_fields: tuple[str, ...],
    id_field: str,
    encoding: str | None,
    baseline: str | None,
    ignore_categories: tuple[str, ...],
    category_thresholds: tuple[tuple[str, str], ...],
) -> NoReturn:
    """Show, for each finding, the n-grams that contributed most to its score.

    TARGET is a file or directory path, - for stdin, or else the text itself.  A
    file is read as scan reads it (text, an HTML page's text, each JSON or JSONL
    record's --text-field; a directory's files as scan walks it), and each field
    with findings is explained under a line naming it.  A TARGET that looks like
    a path (ends in .txt, .html, .json … or holds a / without Chinese text,
    spaces or ://) but does not exist is an error, not text to explain: use
    --text for that.  Contributions are weight × tf-idf of each
    feature in the scored clause; [word] marks a jieba word.  The findings
    explained are those scan reports with the same --model, --threshold,
    --baseline, --ignore-category and --id-field: the allow list, inline markers
    and ignored categories of .detector.toml /
    pyproject.toml apply (what the allow list leaves of a finding is explained
    on the text without the allowed phrases, as scan judges it).

    \b
    Example:
      detector explain "强化金融精准有效服务杨方线上配资股票,深化产融合作"
    """
    _one_blas_thread()
    from detector.explain import explain_reported
    from detector.inputs import Document, InputError, Notice, iter_documents, iter_paths
    from detector.report import one_line, places
    from detector.scanning import scan_fields

    load_detector = _start_loading(model, threshold)
    config = _load_config()  # what scan reports: its allow list and inline markers apply
    suppressions = _load_suppressions(
        baseline, False, config, ignore=ignore_categories, thresholds=category_thresholds
    )
    items: Iterable[Document | InputError | Notice] = [Document("", {None: target})]
    read = False  # a file (or stdin): each finding is shown where scan points at it
    walked = False  # a directory: every file's findings come under its name
    if not as_text:
        if target == "-" or os.path.exists(target):
            if target == "-":
                _hint_at_stdin((target,))
            read, walked = True, os.path.isdir(target)
            # Read as scan reads it: a directory's files, an HTML page's text,
            # each record's fields.
            paths = iter_paths([target])
            if baseline is not None:  # never read as an input, as by scan
                paths = _without_file(paths, baseline)
            encoding = _check_encoding(encoding)
            items = iter_documents(paths, input_format, text_fields, encoding, id_field)
        elif _looks_like_path(target):
            raise DetectorError(f"{target}: no such file (to explain this text itself, use --text)")
    detector = load_detector()
    failed = found = False
    left_out = 0
    records: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, (InputError, Notice)):
            failed = failed or isinstance(item, InputError)
            _report_problem(item)
            continue
        # Each field as scan judges it (its markup view, a page's hidden text,
        # the suppressions), explained where scan reports its findings.
        for scanned in scan_fields(detector, item, suppressions):
            explanations, silenced = explain_reported(detector, scanned, suppressions, top)
            found = found or bool(explanations)
            left_out += silenced
            where = _explained_where(item, scanned.name, scanned.view is not None, walked)
            if output_format == "json":
                records += [{**(where or {}), **e.to_dict()} for e in explanations]
                continue
            if where is not None and explanations:
                _echo(f"== {_place(where)}")
            at: list[str | None] = [None] * len(explanations)
            if read:  # path:line:col, as scan's text output points at each
                named = [(scanned.name, e.finding) for e in explanations]
                at = [f"{one_line(item.path)}:{n}:{col}" for n, col in places(item, named)]
            for explanation, place in zip(explanations, at, strict=True):
                _echo_explanation(explanation, place)
    if output_format == "json":
        _echo_json(records)
    if left_out:
        reasons = [f"the allow list of {_shown(str(config.path))}"] if config.allow else []
        reasons += [f"the baseline {_shown(baseline)}"] if baseline is not None else []
        reasons.append("or the inline marker 'detector: allow'")
        click.echo(
            f"detector: {left_out} finding(s) not explained: scan does not report them"
            f" ({', '.join(reasons)})",
            err=True,
        )
    sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if found else EXIT_CLEAN)


def _echo_explanation(item: Explanation, place: str | None) -> None:
    """One explained finding in ``explain``'s text output, ``at`` the ``place``
    scan's text output points at (a file's ``path:line:col``) when given."""
    f = item.finding
    snippet = json.dumps(f.text, ensure_ascii=False)
    at = "" if place is None else f" at {place}"
    _echo(f"{f.start}-{f.end} {f.category} {f.score:.2f} {snippet}{at}")
    decision = f"{item.head} decision {item.decision:+.3f}"
    _echo(f"  {decision} (intercept {item.intercept:+.3f})")
    if item.without_allowed:
        _echo("  judged on the text without the allowed phrases")
    judged_without = [
        what
        for what, done in (
            ("its links to trusted sites", item.without_trusted_links),
            ("its greetings", item.without_greetings),
        )
        if done
    ]
    if judged_without:
        _echo(f"  judged on the text without {' and '.join(judged_without)}")
    if item.evidence is not None:
        _echo(f"  scored text {json.dumps(item.scope, ensure_ascii=False)}")
        reach = ", holds a link, phone or QQ number or handle" if item.reachable else ""
        apart = ", written with its characters apart" if item.spaced else ""
        _echo(f"  span evidence {item.evidence:.2f}{reach}{apart} -> score {item.score:.4f}")
    for name, value in item.contributions:
        _echo(f"  {value:+.4f}  {name}")


def _explained_where(
    document: Document, name: str | None, markup: bool, walked: bool
) -> dict[str, Any] | None:
    """Where a field ``explain`` explains is: path, record line and id, field, and
    whether it was read by the text of its HTML (a page, or a field holding
    ``markup``); None for the target's text itself or a plain text file named as
    the target (not ``walked`` in a directory), whose output keeps its old form."""
    if document.line is None and document.html is None and name is None and not walked:
        return None
    where: dict[str, Any] = {"path": document.path}
    if document.line is not None:
        where.update(line=document.line, id=document.id)
    if name is not None:
        where["field"] = name
    if document.html is not None or markup:
        where["read_as"] = "the text of its HTML"
    return where


def _place(where: dict[str, Any]) -> str:
    """``path:line [field]`` of an explained field, as ``scan`` names it."""
    from detector.report import one_line

    place = one_line(where["path"])
    if "line" in where:
        place += f":{where['line']}"
    if "field" in where:
        place += f" [{where['field']}]"
    if "read_as" in where:
        place += f" ({where['read_as']})"
    return place


def _looks_like_path(target: str) -> bool:
    """Whether ``explain``'s TARGET is meant as a file: ``explain missing.txt``
    used to explain the eleven characters "missing.txt" and exit 0, as if the
    file had nothing in it.  One word, ending in a suffix detector reads or
    holding a path separator; not a URL or Chinese text, whose ads hold ``/``."""
    from detector.inputs import (
        COMPRESSION_SUFFIXES,
        HTML_SUFFIXES,
        JSON_SUFFIXES,
        JSONL_SUFFIXES,
        TEXT_SUFFIXES,
        inner_suffix,
    )

    if not target or any(ch.isspace() for ch in target):
        return False
    suffixes = (TEXT_SUFFIXES - {""}) | JSONL_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES
    compressed = os.path.splitext(target)[1].lower() in COMPRESSION_SUFFIXES
    if compressed or inner_suffix(target) in suffixes:
        return True
    if "://" in target or any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch for ch in target):
        return False
    return "/" in target or os.sep in target


@main.command()
@click.argument("paths", nargs=-1, type=_INPUT_PATH)
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    help="Where to write the cleaned input (- for stdout).  Never one of the inputs.",
)
@click.option(
    "--in-place",
    is_flag=True,
    help="Rewrite each input file that had something removed (atomically); "
    "several files and directories allowed.",
)
@input_format_option()
@text_field_option("clean")
@encoding_option(
    "Decode inputs with this codec, and write them back in it (default: detect, as scan does)."
)
@click.option(
    "--drop",
    is_flag=True,
    help="Leave blocked JSONL and JSON records out of the output whole, instead of cleaning them.",
)
@click.option(
    "--quarantine",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --drop: append each dropped record, as it was (a JSON file's on one"
    " line), in UTF-8, to this JSONL file"
    " (needed with --in-place, which would lose them).",
)
@threshold_option("Remove, in blocked articles,")
@category_options("they are not removed and block nothing")
@model_option
@jobs_option(
    "one per core); reading, cleaning and writing stay in this one, and a batch of"
    " texts under 32 K characters is scanned here alone.  Output is the same."
)
@click.option(
    "--summary",
    is_flag=True,
    help="At the end, print on stderr how many inputs were read, documents cleaned,"
    " spans removed and records dropped, with errors and skipped inputs; before it,"
    " the texts removed from (or dropping) the most documents (two or more).",
)
def clean(
    paths: tuple[str, ...],
    output: str,
    in_place: bool,
    input_format: str,
    text_fields: tuple[str, ...],
    encoding: str | None,
    drop: bool,
    quarantine: str | None,
    threshold: float | str | None,
    ignore_categories: tuple[str, ...],
    category_thresholds: tuple[tuple[str, str], ...],
    model: str | None,
    jobs: int | None,
    summary: bool,
) -> NoReturn:
    """Remove exactly the flagged spans of blocked articles; every other byte is kept.

    An article (a file, a JSON record, an HTML page) is blocked when a span
    reaches the model's block threshold (is_spam); then every span scan reports
    in it goes.  Spans of an article that is not blocked are for review and stay.

    Text files keep their encoding (the one scan reads them with: --encoding,
    else detected), byte-order mark and line endings.  In JSONL only the
    --text-field string values are rewritten; the other fields and the line's
    formatting stay byte for byte.  In HTML only the page's text is cut; tags,
    attributes and scripts stay.  Text the allowlist or a "detector: allow"
    marker silences for scan is kept (a baseline is not read).  Each removed
    span is reported on stderr.  Exit 1 if anything was removed.

    With --drop a blocked JSONL or JSON record is left out whole (and appended,
    as it was, to the --quarantine file if given; a JSON file's record on one
    line); records that are not blocked are copied as they are.  Text and HTML
    files are left unchanged with an error.

    \b
    Examples:
      detector clean article.txt -o article.clean.txt
      detector clean --text-field title --text-field content items.jsonl -o clean.jsonl
      detector clean --in-place crawl/
      detector clean --drop --quarantine ads.jsonl items.jsonl -o kept.jsonl
      cat article.txt | detector clean - > article.clean.txt
    """
    started = time.monotonic()
    _one_blas_thread()
    keep_freed_memory()
    from detector.clean import CleanTally
    from detector.inputs import InputError, Notice, iter_paths
    from detector.recurring import Recurring

    _hint_at_stdin(paths)
    paths = paths or ("-",)
    if in_place:
        if output != "-":
            raise click.UsageError("--in-place rewrites the inputs: leave out -o")
        if "-" in paths:
            raise click.UsageError("--in-place cannot rewrite stdin")
    else:
        if len(paths) != 1 or (paths[0] != "-" and Path(paths[0]).is_dir()):
            raise click.UsageError(
                "clean writes one output: give one file (or -), or use --in-place"
            )
        if output != "-" and names_a_directory(output):
            # out/ or out/.: the output went to a file named without the / (or /.).
            raise click.UsageError(f"-o {output}: names a directory; clean writes one file")
        if output != "-" and paths[0] != "-" and _same_file(paths[0], output):
            raise DetectorError(f"{output}: -o names the input file; use --in-place to rewrite it")
        if output == "-" and _redirected(sys.stdout, paths[0]):
            # cat refuses it too: >> made clean read what it appended, without end.
            raise DetectorError(
                f"{_shown(paths[0])}: standard output is this input file;"
                " use --in-place to rewrite it, or -o another file"
            )
    if quarantine is not None:
        if not drop:
            raise click.UsageError("--quarantine keeps dropped records: it needs --drop")
        if output != "-" and _same_file(quarantine, output):
            raise click.UsageError("--quarantine and -o name the same file")
        if output == "-" and not in_place and _redirected(sys.stdout, quarantine):
            # The kept records, written from its start, overwrote the dropped ones.
            raise click.UsageError("--quarantine is the file standard output is redirected to")
        read = [
            _redirected(sys.stdin, quarantine) if p == "-" else _same_file(p, quarantine)
            for p in paths
        ]
        if any(read):
            # Found inside a directory it is skipped (below); named, it is a mistake
            # (read from stdin, its dropped records were read again, without end).
            raise click.UsageError("--quarantine names an input file")
    elif drop and in_place:
        raise click.UsageError(
            "--in-place --drop would lose the dropped records: give --quarantine"
        )
    encoding = _check_encoding(encoding)
    suppressions = _load_suppressions(
        None, False, ignore=ignore_categories, thresholds=category_thresholds
    )
    detector = _load_detector(model, threshold)
    errors = 0
    removed = False
    with contextlib.ExitStack() as stack:
        kept = None if quarantine is None else stack.enter_context(_quarantine_file(quarantine))
        from detector.parallel import ScanPool, available_cores

        pool = stack.enter_context(
            ScanPool(detector, available_cores() if jobs is None else jobs, model)
        )
        scanners = _suppressing_scan(detector, suppressions, pool.scan_many, pool.submit)
        tally = CleanTally(recurring=Recurring() if summary else None)
        job = _Cleaning(text_fields, scanners, tally, drop, kept, encoding)
        try:
            for path in _texts_scanned_ahead(iter_paths(paths), input_format, job):
                if isinstance(path, (InputError, Notice)):
                    errors += isinstance(path, InputError)
                    tally.skipped += isinstance(path, Notice) and path.skipped
                    _report_problem(path)
                    continue
                changed, failed = _clean_one(path, output, in_place, input_format, job)
                removed = removed or changed
                errors += failed
        except KeyboardInterrupt:  # how far it got (the input being cleaned is left)
            if summary:
                _summarize(tally, errors, started)
            raise
    if summary:
        _summarize(tally, errors, started)
    sys.exit(EXIT_ERROR if errors else EXIT_FINDINGS if removed else EXIT_CLEAN)


#: Text files whose texts are scanned in one batch before they are cleaned: at
#: most this many, holding at most this many bytes; a file over the last is
#: cleaned (and scanned) alone.
_AHEAD_FILES, _AHEAD_BYTES, _AHEAD_FILE_BYTES = 256, 4 << 20, 1 << 20


def _texts_scanned_ahead(
    paths: Iterable[str | InputError | Notice], input_format: str, job: _Cleaning
) -> Iterator[str | InputError | Notice]:
    """``paths`` in order, the text files among each run of them read and their
    texts scanned in one batch before they are handed on (``job.scan.texts_ahead``),
    so that cleaning a directory of articles is not a scan per file (~0.3 ms each:
    3,304 files took 1.9 s to scan one by one).  Read only, as clean reads a text
    file (:func:`detector.clean.clean_text_bytes`, with a scan that only
    collects); a file that cannot be read here, or reads otherwise when it is
    cleaned, is simply scanned then."""
    from detector.inputs import STDIN

    collected: list[str] = []
    collect = _collector(collected, _nothing())
    waiting: list[str | InputError | Notice] = []
    size = 0
    for path in paths:
        waiting.append(path)
        if isinstance(path, str) and path != STDIN:
            size += _read_ahead(path, input_format, job.encoding, collect)
        if len(waiting) >= _AHEAD_FILES or size >= _AHEAD_BYTES:
            job.scan.texts_ahead(collected)
            yield from waiting
            waiting, size = [], 0
            collected.clear()
    job.scan.texts_ahead(collected)
    yield from waiting


def _read_ahead(
    path: str, input_format: str, encoding: str | None, collect: Callable[[str], Verdict]
) -> int:
    """Read ``path`` as clean reads it when it is a regular text file of at most
    ``_AHEAD_FILE_BYTES``, and give its text to ``collect``; the bytes read."""
    from detector.clean import clean_text_bytes
    from detector.inputs import open_input

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return 0  # a pipe (`clean <(crawl)`) is read once, when it is cleaned
        with open_input(path, input_format) as source:
            if source.format != "text":
                return 0
            data = source.stream.read(_AHEAD_FILE_BYTES + 1)
            if len(data) > _AHEAD_FILE_BYTES:
                return 0
            clean_text_bytes(data, collect, encoding)
            return len(data)
    except Exception:  # cleaning it will say what is wrong
        return 0


_Found = TypeVar("_Found")


def _collector(texts: list[str], nothing: _Found) -> Callable[[str], _Found]:
    """A scan that only appends each text it is given to ``texts`` and gives
    ``nothing`` (a verdict without findings): a first pass over inputs gathers
    what to scan ahead."""

    def collect(text: str) -> _Found:
        texts.append(text)
        return nothing

    return collect


def _nothing() -> Verdict:
    """A verdict without findings."""
    from detector.results import Verdict

    return Verdict(False, 0.0, (), "")


def _clean_one(
    path: str, output: str, in_place: bool, input_format: str, job: _Cleaning
) -> tuple[bool, int]:
    """Clean one input; (anything removed, errors), an OSError reported as one
    (compressed data that cannot be read as scan reports it: ``cannot read (…)``,
    at the JSONL line it stops in)."""
    from detector.compressed import CompressionError
    from detector.inputs import format_for

    # Read as scan reads it: a JSON or HTML file cleaned as text lost JSON escapes
    # and quotes, and tag names and attributes, to the spans found in its markup.
    fmt = format_for(path, input_format)
    if job.quarantine is not None and path != "-" and _same_file(path, job.quarantine.name):
        # Inside a directory being cleaned, say: this run writes it, so not an error.
        click.echo(f"detector: {_shown(path)}: the --quarantine file, skipped", err=True)
        job.tally.skipped += 1
        return False, 0
    job.tally.inputs += 1
    if job.drop and fmt not in ("jsonl", "json"):
        message = (
            f"--drop leaves out JSONL and JSON records; this input is read as {fmt}"
            " (--input-format jsonl or json reads it as records): left unchanged"
        )
        click.echo(f"detector: error: {_shown(path)}: {message}", err=True)
        return False, 1
    before = replace(job.tally)  # the counts before this input
    if job.tally.recurring is not None:
        job.tally.recurring.begin()
    try:
        if in_place:
            return _clean_in_place(path, input_format, job)
        return _clean_to_output(path, output, input_format, job)
    except CompressionError as exc:
        where = _shown(path) if exc.line is None else f"{_shown(path)}:{exc.line}"
        click.echo(f"detector: error: {where}: cannot read ({exc})", err=True)
    except OSError as exc:
        where = _shown(str(exc.filename2 or exc.filename or path))
        click.echo(f"detector: error: {where}: {exc.strerror or exc}", err=True)
    if in_place or output != "-":
        # Nothing was written (the file is left as it was, -o is not created):
        # what was cleaned of it before the error is not counted as cleaned.
        job.tally.cleaned, job.tally.spans = before.cleaned, before.spans
        job.tally.dropped = before.dropped
        if job.tally.recurring is not None:
            job.tally.recurring.undo()
    return False, 1


@contextlib.contextmanager
def _quarantine_file(path: str) -> Iterator[AppendLog]:
    """``--quarantine``, opened for appending (created if missing; compressed
    records for a compressed file, see :class:`detector.compressed.AppendLog`), or
    an error naming it before anything is cleaned."""
    from detector.compressed import AppendLog

    try:
        log = AppendLog(path)
    except OSError as exc:
        why = exc.strerror or exc
        raise DetectorError(f"{path}: cannot open the --quarantine file ({why})") from None
    with log:
        yield log


@dataclass(frozen=True)
class _Scanners:
    """What ``clean`` scans with: a text file, a JSON field (read through its
    markup view when it holds HTML), and an HTML page; ``ahead`` scans the
    given JSON fields' strings in one batch for ``field`` to take their
    verdicts from, and ``texts_ahead`` text files' texts for ``text`` (each
    scanned alone cost ~0.3 ms more)."""

    text: Callable[[str], Verdict]
    field: FieldScan
    page: Callable[[HtmlText], Verdict]
    ahead: Callable[[list[str]], None]
    texts_ahead: Callable[[list[str]], None]
    # ``ahead`` in two steps: start scanning the fields (in workers, with
    # --jobs), and, called later, make ``field`` take their verdicts.
    ahead_later: Callable[[list[str]], Callable[[], None]]


#: JSON fields scanned ahead together: at most this many, or this many characters.
_AHEAD_FIELDS, _AHEAD_CHARS = 512, 1 << 20


def _suppressing_scan(
    detector: Detector,
    suppressions: Suppressions,
    scan_many: ScanMany | None = None,
    submit: ScanLater | None = None,
) -> _Scanners:
    """``detector.scan`` without the findings ``scan`` would not report either:
    those on a line with the inline marker, and allowlisted phrases cut out
    (for a page, as ``scan`` reads it: hidden text included, the marker in its
    source).  ``clean`` deletes what it finds, so it must never delete text the
    user has marked as legitimate (it once removed allowlisted phrases, and even
    part of the marker).  A baseline is not applied: it records the findings
    present when it was written, ads not yet cleaned among them, not that they
    are legitimate.  What is scanned ahead is scanned by ``scan_many`` (default:
    ``detector.scan_many``; ``clean --jobs``: a :class:`detector.parallel.ScanPool`'s),
    or started by ``submit`` (``ScanPool.submit``) for ``ahead_later``."""
    from detector.inputs import Document
    from detector.scanning import scan_document, scan_field, scan_fields_later, scanning_ahead

    many = scan_many or detector.scan_many
    later = submit or (lambda texts: functools.partial(many, texts))

    texts_ahead: list[dict[str, Verdict]] = [{}]

    def scan(text: str) -> Verdict:
        known = texts_ahead[0].get(text)
        return scan_document(
            detector,
            Document("", {None: text}),
            suppressions,
            use_baseline=False,
            scanned=None if known is None else {None: known},
        ).result.verdicts[None]

    def scan_texts_ahead(texts: list[str]) -> None:
        unique = list(dict.fromkeys(texts))
        texts_ahead[0] = dict(zip(unique, many(unique), strict=True)) if unique else {}

    # The fields to come are scanned a window at a time, in the order ``field``
    # is asked for them (a JSON file's are all given at once).
    fields = [scanning_ahead(detector, [], suppressions)]

    def scan_one_field(text: str) -> tuple[Verdict, Sequence[Finding] | list[tuple[int, int]]]:
        return fields[0](text)

    def scan_ahead(texts: list[str]) -> None:
        fields[0] = scanning_ahead(detector, texts, suppressions, _AHEAD_FIELDS, _AHEAD_CHARS, many)

    def scan_ahead_later(texts: list[str]) -> Callable[[], None]:
        if len(texts) > _AHEAD_FIELDS or sum(map(len, texts)) > _AHEAD_CHARS:
            # More than a window (a record of many long fields): scanned a window
            # at a time when it is cleaned, as ``ahead`` does, so that the markup
            # views of its HTML fields are never all held at once.
            return functools.partial(scan_ahead, texts)
        ahead = scan_fields_later(texts, later)

        def install() -> None:
            known = ahead()
            fields[0] = lambda text: scan_field(detector, text, suppressions, known)

        return install

    def scan_page(page: HtmlText) -> Verdict:
        return scan_document(
            detector, Document("", {None: page.text}, html=page), suppressions, use_baseline=False
        ).result.verdicts[None]

    return _Scanners(
        scan, scan_one_field, scan_page, scan_ahead, scan_texts_ahead, scan_ahead_later
    )


class _Quarantine(Protocol):
    """Where ``clean --drop`` puts what it drops: an :class:`AppendLog`, or one
    input's :class:`_StagedDrops`."""

    name: str

    def append(self, data: bytes) -> None: ...


@dataclass(frozen=True)
class _Cleaning:
    """What ``clean`` does to each input: the record fields it reads, what it
    scans with, what it counts what it did in, whether blocked JSONL and JSON
    records are dropped, where they go, and the codec every input is read and
    written in (None: detected)."""

    text_fields: tuple[str, ...]
    scan: _Scanners
    tally: CleanTally
    drop: bool = False
    quarantine: _Quarantine | None = None
    encoding: str | None = None


def _shown(path: str) -> str:
    """``path`` as printed on one line: ``<stdin>`` for ``-``, bytes that are not
    UTF-8 as ``\\xff`` escapes, control characters (a newline) escaped."""
    from detector.inputs import printable
    from detector.report import one_line

    return "<stdin>" if path == "-" else one_line(printable(path))


def _same_file(a: str, b: str) -> bool:
    import os

    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _redirected(stream: Any, path: str) -> bool:
    """Whether ``stream`` (standard input or output) is redirected from or to
    the regular file ``path`` (``-``: the file standard input reads), as
    ``< FILE``, ``> FILE`` or ``>> FILE`` do."""
    import stat

    try:
        redirected = os.fstat(stream.fileno())
        info = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False  # no such file, or a stream with no file (a test's)
    same = (redirected.st_dev, redirected.st_ino) == (info.st_dev, info.st_ino)
    return stat.S_ISREG(redirected.st_mode) and same


def _report_cleaned(job: _Cleaning, display: str, cleaned: Any, line: int | None = None) -> int:
    """Print what was removed and any error to stderr, count it in ``job.tally``,
    and return the error count.  A removal is placed where it stood in the file,
    as scan places its finding (for a record's field, through
    :class:`detector.jsontext.RecordPositions`)."""
    job.tally.add(cleaned)
    from detector.inputs import LONE_SURROGATE
    from detector.jsontext import RecordPositions
    from detector.lines import Lines

    positions = None
    if cleaned.record is not None:  # scanned with lone surrogates as U+FFFD
        fields = {k: LONE_SURROGATE.sub("\ufffd", v) for k, v in cleaned.texts.items()}
        positions = RecordPositions(cleaned.record, fields)
    for name, findings in cleaned.removed.items():
        lines = Lines(cleaned.texts[name])
        for f in findings:
            if line is None:
                row, col = lines.line_col(f.start)
                where, suffix = f"{display}:{row}:{col}", ""
            else:
                assert positions is not None  # a record's report holds it
                row, col = positions.place(name, f.start)
                where, suffix = f"{display}:{row}:{col}", f" [{name}]"
            snippet = json.dumps(
                f.text if len(f.text) <= 60 else f.text[:59] + "…", ensure_ascii=False
            )
            verb = "dropped" if cleaned.dropped is not None else "removed"
            click.echo(f"{where}: {verb} {f.category} {f.score:.2f} {snippet}{suffix}", err=True)
    if cleaned.skipped:
        where = display if line is None else f"{display}:{line}"
        click.echo(f"detector: {where}: {cleaned.skipped}", err=True)
    import re

    for message in cleaned.errors:
        where = display if line is None else f"{display}:{line}"
        # An HTML page's message starts with its line:col: path:line:col: as elsewhere.
        joint = ":" if line is None and re.match(r"\d+:\d+: ", message) else ": "
        click.echo(f"detector: error: {where}{joint}{message}", err=True)
    return len(cleaned.errors)


def _clean_stream(
    source: Any, sink: Any, display: str, fmt: str, job: _Cleaning, live: bool = False
) -> tuple[bool, int]:
    """Clean ``source`` (binary) into ``sink`` (binary); (anything removed, errors).
    ``live``: ``source`` is stdin, whose JSONL records go on as they come."""
    from detector.clean import (
        clean_html_bytes,
        clean_json_bytes,
        clean_jsonl_line,
        clean_text_bytes,
        jsonl_lines,
    )
    from detector.compressed import CompressionError

    changed = False
    errors = 0
    scan, text_fields, forced = job.scan, job.text_fields, job.encoding
    if fmt == "html":
        cleaned = clean_html_bytes(source.read(), scan.page, forced)
        errors += _report_cleaned(job, display, cleaned)
        changed = bool(cleaned.removed)
        sink.write(cleaned.data)
    elif fmt == "json":
        raw = source.read()
        in_file: list[str] = []
        clean_json_bytes(raw, text_fields, _field_collector(in_file), False, forced)
        scan.ahead(in_file)
        data, reports = clean_json_bytes(raw, text_fields, scan.field, job.drop, forced)
        for line, cleaned in reports:
            errors += _report_cleaned(job, display, cleaned, line)
            changed = changed or bool(cleaned.removed)
            _quarantine(job, cleaned)
        sink.write(data)
    elif fmt == "jsonl":
        number = 0
        lines = enumerate(jsonl_lines(source, forced), start=1)
        stopped: Exception | None = None
        # Each chunk's fields are scanned in one batch, then each of its lines
        # is cleaned with their verdicts.  The next chunk is read and its scan
        # started (in the workers, with --jobs) before this one is cleaned; not
        # from a live stream, whose records go on as they come.
        waiting: deque[tuple[list[_JsonlLine], Callable[[], None]]] = deque()
        while stopped is None:
            # The lines read before an error are cleaned and written first.
            chunk, stopped = _jsonl_chunk(lines, live)
            if chunk:
                fields: list[str] = []
                collect = _field_collector(fields)
                for number, (raw, encoding, read) in chunk:
                    clean_jsonl_line(raw, text_fields, collect, number, False, encoding, read)
                # A live stream's batch is scanned at once, shared between this
                # process and the workers (``ahead``): none is read ahead of it.
                if live:
                    waiting.append((chunk, functools.partial(scan.ahead, fields)))
                else:
                    waiting.append((chunk, scan.ahead_later(fields)))
            while waiting and (len(waiting) > 1 or live or not chunk or stopped is not None):
                ready, install = waiting.popleft()
                install()
                for number, (raw, encoding, read) in ready:
                    cleaned = clean_jsonl_line(
                        raw, text_fields, scan.field, number, job.drop, encoding, scan_text=read
                    )
                    errors += _report_cleaned(job, display, cleaned, number)
                    changed = changed or bool(cleaned.removed)
                    _quarantine(job, cleaned)
                    sink.write(cleaned.data)
                if live:
                    sink.flush()  # a live stream's records go on as they come
            if not chunk:
                break
        if isinstance(stopped, CompressionError):  # a truncated .jsonl.gz: where it stops
            stopped.line = number + 1
        if stopped is not None:
            raise stopped
    else:
        cleaned = clean_text_bytes(source.read(), scan.text, forced)
        errors += _report_cleaned(job, display, cleaned)
        changed = bool(cleaned.removed)
        sink.write(cleaned.data)
    return changed, errors


#: JSONL lines cleaned together (their fields scanned in one batch): at most
#: this many, or this many bytes.
_CHUNK_LINES, _CHUNK_BYTES = 512, 1 << 20


#: A JSONL line as ``clean`` reads it: its number, and its bytes, encoding and
#: text as read (see :func:`detector.clean.jsonl_lines`).
_JsonlLine = tuple[int, tuple[bytes, str, str | None]]


def _jsonl_chunk(
    lines: Iterator[_JsonlLine], live: bool
) -> tuple[list[_JsonlLine], Exception | None]:
    """The next lines of ``lines`` to clean together (none at the end), and the
    error that stopped reading them, if one did.  From a ``live`` stream (stdin)
    only those that have come: a record is never held back waiting for the
    next."""
    from detector.inputs import input_waiting

    chunk: list[_JsonlLine] = []
    size = 0
    try:
        for item in lines:
            chunk.append(item)
            size += len(item[1][0])
            if len(chunk) >= _CHUNK_LINES or size >= _CHUNK_BYTES:
                break
            if live and not input_waiting(sys.stdin):
                break
    except Exception as exc:  # raised by the caller once the chunk's lines are out
        return chunk, exc
    return chunk, None


def _field_collector(fields: list[str]) -> FieldScan:
    """A field scan that only appends each field's string to ``fields``."""
    nothing: tuple[Verdict, list[tuple[int, int]]] = (_nothing(), [])
    return _collector(fields, nothing)


def _quarantine(job: _Cleaning, cleaned: Any) -> None:
    """Append a dropped record to the --quarantine file, if there is one, as a line."""
    if cleaned.dropped is not None and job.quarantine is not None:
        original = cleaned.dropped
        job.quarantine.append(original if original.endswith(b"\n") else original + b"\n")


class _NamedSink:
    """A binary output whose write errors name it (``-o`` or stdout), not the
    input being cleaned: a full disk was reported as ``INPUT: No space left on
    device``, as if the input were at fault."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self.handle, self.name = handle, name

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.name) from None

    def flush(self) -> None:
        try:
            self.handle.flush()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.name) from None


def _output_compression(output: str, compression: str | None) -> str | None:
    """How the output is compressed: on stdout as the input is (``compression``,
    so that ``clean - < a.gz > b.gz`` is a filter); an ``-o FILE`` as its name
    says (``.gz``, ``.bz2``, ``.xz``, ``.zst``; any other name: not compressed,
    so ``clean crawl.jsonl.gz -o cleaned.jsonl`` writes the JSONL its name
    promises, not gzip under that name)."""
    from detector.compressed import SUFFIXES

    if output == "-":
        return compression
    return SUFFIXES.get(os.path.splitext(output)[1].lower())


def _clean_into(
    source: Input, sink: _NamedSink, compression: str | None, display: str, job: _Cleaning
) -> tuple[bool, int]:
    """Clean ``source`` into ``sink``, compressed as ``compression`` (None: not).
    The compressed stream is ended only when the input was read whole."""
    from detector.compressed import CompressionError, Compressor
    from detector.inputs import STDIN

    live = source.path == STDIN
    if compression is None:
        return _clean_stream(source.stream, sink, display, source.format, job, live)
    packed = Compressor(sink, compression, sink.name)
    try:
        result = _clean_stream(source.stream, packed, display, source.format, job, live)
    except CompressionError:
        # The input is cut short: what was cleaned before goes out (gzip and zstd
        # can flush; it sat in the compressor, and stdout got a bare header), the
        # stream unended, so the reader sees the truncation too.
        packed.flush()
        raise
    packed.finish()
    return result


def _clean_to_output(path: str, output: str, input_format: str, job: _Cleaning) -> tuple[bool, int]:
    from detector.inputs import open_input

    display = _shown(path)
    with open_input(path, input_format) as source:
        compression = _output_compression(output, source.compression)
        if output == "-":
            if compression is not None and _stdout_is_terminal():  # as gzip -c refuses
                raise OSError(
                    None,
                    f"the output would be {compression} data, not written to a terminal"
                    " (redirect it, or give -o FILE)",
                )
            sink = _NamedSink(sys.stdout.buffer, "<stdout>")
            result = _clean_into(source, sink, compression, display, job)
            sink.flush()
            return result
        with _staged_drops(job) as (staged, commit), AtomicFile(output) as atomic:
            sink = _NamedSink(atomic.handle, output)
            result = _clean_into(source, sink, compression, display, staged)
            commit()
            return result


def _stdout_is_terminal() -> bool:
    from detector.progress import is_terminal

    return is_terminal(sys.stdout)


def _clean_in_place(path: str, input_format: str, job: _Cleaning) -> tuple[bool, int]:
    import stat

    from detector.inputs import open_input

    # Checked before opening: a FIFO would block the open, and a device or FIFO
    # has no contents to rewrite.  (Walking a directory yields only regular files.)
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise OSError(errno.EINVAL, "not a regular file (--in-place rewrites files only)", path)
    display = _shown(path)
    with open_input(path, input_format) as source:
        compression = source.compression  # written back as it was read
        with (
            _staged_drops(job) as (staged, commit),
            # Most files of a crawl are left as they are: no temporary file for
            # those (up to 1 MB of output held in memory first).
            AtomicFile(path, unchanged_since=before, spool=1 << 20) as atomic,
        ):
            sink = _NamedSink(atomic.handle, path)
            changed, errors = _clean_into(source, sink, compression, display, staged)
            if not changed:
                atomic.discard()  # nothing removed: leave the file (and its mtime) alone
                return changed, errors
            # Before its dropped records are quarantined:
            atomic.check_writable()
            atomic.check_unchanged()
            commit()
    return changed, errors


class _StagedDrops:
    """The records one input drops, held in a temporary file (one line each, as
    the quarantine takes them) until its output is complete, and then appended
    to the ``--quarantine`` file before the output replaces anything.  Appended
    as they came, the records of an input that failed halfway (a truncated
    ``.jsonl.gz``: left as it was, ``-o`` not written) were quarantined all the
    same, and again by each run that retried it."""

    def __init__(self, log: _Quarantine) -> None:
        import tempfile

        self.log, self.name = log, log.name
        self._spool = tempfile.TemporaryFile()

    def append(self, data: bytes) -> None:
        self._spool.write(data)

    def commit(self) -> None:
        self._spool.seek(0)
        for line in self._spool:  # a record is one line, its break included
            self.log.append(line)
        self._spool.seek(0)
        self._spool.truncate()

    def close(self) -> None:
        self._spool.close()


@contextlib.contextmanager
def _staged_drops(job: _Cleaning) -> Iterator[tuple[_Cleaning, Callable[[], None]]]:
    """``job`` with its quarantine staged for one input (see :class:`_StagedDrops`)
    and what commits it; ``job`` itself and nothing to commit without one."""
    if job.quarantine is None:
        yield job, lambda: None
        return
    staged = _StagedDrops(job.quarantine)
    try:
        yield replace(job, quarantine=staged), staged.commit
    finally:
        staged.close()


if __name__ == "__main__":
    main()

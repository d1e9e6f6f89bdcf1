"""Command-line interface: parse, call the core, print.  No detection logic here.

Exit codes: 0 nothing found, 1 findings, 2 usage error or an input that could not
be scanned (reported after everything else was scanned).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from detector.core import Detector
    from detector.inputs import Document, InputError
    from detector.progress import Progress
    from detector.results import Finding
    from detector.suppress import Suppressions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DetectorError(click.ClickException):
    """A runtime error reported as ``detector: error: …`` with exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"detector: error: {self.format_message()}", err=True)


def _load_detector(model: str | None, threshold: float | None) -> Detector:
    from detector.core import Detector
    from detector.model import ModelError

    try:
        if model is None:
            detector = Detector.default()
            if threshold is not None:
                detector = Detector(detector.model, threshold=threshold)
            return detector
        return Detector.from_path(model, threshold=threshold)
    except ModelError as exc:
        raise DetectorError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="detector")
def main() -> None:
    """Find advertising injected into scraped Chinese news.

    \b
    Examples:
      detector scan articles/                 # linter-style lines, exit 1 on findings
      detector scan --format jsonl dump.jsonl --text-field title --text-field content
      cat article.txt | detector scan -
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "jsonl", "sarif"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json: one array; jsonl: one object per document; "
    "sarif: SARIF 2.1.0.",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "text", "jsonl", "json", "html"]),
    default="auto",
    show_default=True,
    help="auto: .jsonl/.ndjson are JSONL, .json a JSON array of records, .html/.htm HTML, "
    "everything else text.",
)
@click.option(
    "--text-field",
    "text_fields",
    multiple=True,
    default=("text",),
    show_default=True,
    help="JSONL/JSON record field to scan (repeatable).",
)
@click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Decode inputs with this codec (default: detect UTF-8, GB18030/GBK, Big5 …).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Hide findings recorded in this baseline file.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write every current finding to the --baseline file and exit 0.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Report spans scoring at least this (default: the model's review threshold).",
)
@click.option(
    "--model",
    type=click.Path(),
    default=None,
    envvar="DETECTOR_MODEL",
    help="Model directory or model.json (env: DETECTOR_MODEL).",
)
def scan(
    paths: tuple[str, ...],
    output_format: str,
    input_format: str,
    text_fields: tuple[str, ...],
    encoding: str | None,
    baseline: str | None,
    update_baseline: bool,
    threshold: float | None,
    model: str | None,
) -> NoReturn:
    """Scan files, directories (recursively), stdin (no path or -) or JSONL.

    \b
    Examples:
      detector scan article.txt
      detector scan --format jsonl crawl/ > findings.jsonl
      detector scan --input-format jsonl --text-field content - < items.jsonl
    """
    from detector.inputs import Document, InputError, Notice, iter_documents, iter_paths
    from detector.report import text_lines, to_record
    from detector.scanning import scan_document

    if update_baseline and baseline is None:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    encoding = _check_encoding(encoding)
    suppressions = _load_suppressions(baseline, update_baseline)
    detector = _load_detector(model, threshold)
    errors = 0
    found = False
    records: list[dict[str, Any]] = []
    results = []
    entries: list[dict[str, Any]] = []
    path_items = iter_paths(paths or ("-",))
    if baseline is not None:
        path_items = _without_file(path_items, baseline)
    progress = _progress(paths)
    if progress is not None:
        path_items = progress.wrap(list(path_items))
    documents = iter_documents(path_items, input_format, text_fields, encoding)
    for item in documents:
        if progress is not None:
            progress.bar.clear()
        if isinstance(item, (InputError, Notice)):
            if isinstance(item, InputError):
                errors += 1
                click.echo(f"detector: error: {item}", err=True)
            else:
                click.echo(f"detector: {item}", err=True)
            continue
        assert isinstance(item, Document)
        scanned = scan_document(detector, item, suppressions, use_baseline=not update_baseline)
        result = scanned.result
        found = found or bool(result.findings)
        if update_baseline:
            entries.extend(_baseline_entries(item, scanned.kept))
        elif output_format == "text":
            for line in text_lines(result):
                click.echo(line)
        elif output_format == "jsonl":
            click.echo(json.dumps(to_record(result), ensure_ascii=False))
        elif output_format == "json":
            records.append(to_record(result))
        else:
            results.append(result)
    if progress is not None:
        progress.bar.close()
    if update_baseline:
        assert baseline is not None
        _write_baseline(baseline, entries)
        sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)
    if output_format == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif output_format == "sarif":
        from detector.sarif import to_sarif

        log = to_sarif(results, _version(), detector.block_threshold)
        click.echo(json.dumps(log, ensure_ascii=False, indent=2))
    sys.exit(EXIT_ERROR if errors else EXIT_FINDINGS if found else EXIT_CLEAN)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("detector")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _check_encoding(encoding: str | None) -> str | None:
    from detector.encodings import UnknownEncodingError, check_encoding

    if encoding is None:
        return None
    try:
        return check_encoding(encoding)
    except UnknownEncodingError as exc:
        raise click.BadParameter(str(exc), param_hint="'--encoding'") from None


def _load_suppressions(baseline: str | None, update_baseline: bool) -> Suppressions:
    from detector.config import ConfigError, load_config
    from detector.suppress import BaselineError, Suppressions, parse_baseline

    try:
        config = load_config()
    except ConfigError as exc:
        raise DetectorError(str(exc)) from None
    prints: frozenset[str] = frozenset()
    if baseline is not None and not update_baseline:
        try:
            with open(baseline, encoding="utf-8") as handle:
                prints = parse_baseline(handle.read())
        except OSError as exc:
            raise DetectorError(
                f"{baseline}: cannot read baseline ({exc.strerror or exc})"
            ) from None
        except BaselineError as exc:
            raise DetectorError(f"{baseline}: {exc}") from None
    return Suppressions(config.allow, prints)


def _baseline_entries(
    document: Document, kept: Iterable[tuple[str | None, Finding, str]]
) -> list[dict[str, Any]]:
    from detector.suppress import baseline_entries

    entries = []
    for name, finding, fingerprint in kept:
        entries.extend(baseline_entries(document.path, document.id, name, [(finding, fingerprint)]))
    return entries


def _write_baseline(path: str, entries: list[dict[str, Any]]) -> None:
    from detector.suppress import dump_baseline

    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(dump_baseline(entries))
    except OSError as exc:
        raise DetectorError(f"{path}: cannot write baseline ({exc.strerror or exc})") from None
    click.echo(f"detector: {path}: baseline of {len(entries)} finding(s) written", err=True)


def _without_file(items: Iterable[str | InputError], excluded: str) -> Iterator[str | InputError]:
    """The path items except ``excluded`` (the baseline file is not an article)."""
    target = os.path.realpath(excluded)
    for item in items:
        if isinstance(item, str) and item != "-" and os.path.realpath(item) == target:
            continue
        yield item


class _PathProgress:
    """Advances a progress line as the path list is consumed."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar

    def wrap(self, items: list[str | InputError]) -> Iterator[str | InputError]:
        self.bar.total = sum(1 for i in items if isinstance(i, str))
        for item in items:
            yield item
            if isinstance(item, str):
                self.bar.advance(item)


def _progress(paths: tuple[str, ...]) -> _PathProgress | None:
    from detector.progress import Progress, wants_progress

    has_directory = any(p != "-" and Path(p).is_dir() for p in paths)
    if not wants_progress(sys.stderr, has_directory):
        return None
    return _PathProgress(Progress(0, sys.stderr))


def _default_training_data() -> Path:
    return Path.cwd() / "training_data"


@main.command()
@click.option(
    "--corpora",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("../shared/corpora"),
    show_default=True,
    help="Folder of the training corpora (see PROVENANCE.md).",
)
@click.option(
    "--training-data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The project's training_data/ folder (default: ./training_data).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write model.npz and model.json (default: the packaged model).",
)
def train(corpora: Path, training_data: Path | None, output: Path | None) -> None:
    """Train the model from training_data/ and the corpora (deterministic)."""
    from detector.core import default_model_path
    from detector.training.corpora import CorpusError
    from detector.training.train import train as run_training

    training_data = training_data or _default_training_data()
    output = output or default_model_path().parent
    try:
        run_training(training_data, corpora, output)
    except CorpusError as exc:
        raise DetectorError(str(exc)) from None


def _iter_stdout(lines: Iterator[str]) -> None:
    for line in lines:
        click.echo(line)


if __name__ == "__main__":
    main()

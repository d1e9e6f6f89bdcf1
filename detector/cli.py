"""Command-line interface: parse, call the core, print.  No detection logic here.

Exit codes: 0 nothing found, 1 findings, 2 usage error or an input that could not
be scanned (reported after everything else was scanned).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from detector.core import Detector

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
    type=click.Choice(["text", "json", "jsonl"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json: one array; jsonl: one object per document.",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "text", "jsonl"]),
    default="auto",
    show_default=True,
    help="auto: .jsonl/.ndjson files are JSONL, everything else text.",
)
@click.option(
    "--text-field",
    "text_fields",
    multiple=True,
    default=("text",),
    show_default=True,
    help="JSONL field to scan (repeatable).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Report spans scoring at least this (default: the model's review threshold).",
)
@click.option("--model", type=click.Path(), default=None, help="Model directory or model.json.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core when the input is more than one"
    " chunk of documents, else 1).  Output is the same and in input order.",
)
def scan(
    paths: tuple[str, ...],
    output_format: str,
    input_format: str,
    text_fields: tuple[str, ...],
    threshold: float | None,
    model: str | None,
    jobs: int | None,
) -> NoReturn:
    """Scan files, directories (recursively), stdin (no path or -) or JSONL.

    \b
    Examples:
      detector scan article.txt
      detector scan --format jsonl crawl/ > findings.jsonl
      detector scan --input-format jsonl --text-field content - < items.jsonl
    """
    from detector.inputs import Document, InputError, Notice, iter_documents, iter_paths
    from detector.parallel import scan_fields
    from detector.report import DocumentResult, text_lines, to_record

    detector = _load_detector(model, threshold)
    errors = 0
    found = False
    records: list[dict[str, Any]] = []
    documents = iter_documents(iter_paths(paths or ("-",)), input_format, text_fields)
    items = ((item, item.fields if isinstance(item, Document) else None) for item in documents)
    for item, verdicts in scan_fields(detector, items, jobs, model):
        if isinstance(item, (InputError, Notice)):
            if isinstance(item, InputError):
                errors += 1
                click.echo(f"detector: error: {item}", err=True)
            else:
                click.echo(f"detector: {item}", err=True)
            continue
        assert isinstance(item, Document)
        assert verdicts is not None
        result = DocumentResult(item, verdicts)
        found = found or bool(result.findings)
        if output_format == "text":
            for line in text_lines(result):
                click.echo(line)
        elif output_format == "jsonl":
            click.echo(json.dumps(to_record(result), ensure_ascii=False))
        else:
            records.append(to_record(result))
    if output_format == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    sys.exit(EXIT_ERROR if errors else EXIT_FINDINGS if found else EXIT_CLEAN)


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

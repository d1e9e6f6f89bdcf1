"""Apache Spark adapter: scan or clean a text column of a DataFrame.

Install with ``pip install '.[spark]'`` (pyspark, pandas, pyarrow).  This
module is the only place that imports them.

The scoring runs in a pandas UDF: Spark ships the text column to the Python
workers in Arrow batches, and each worker process loads the model once, on first
use, and keeps it for every later batch and task (Spark reuses Python workers by
default): one copy per model path whatever the thresholds, read again when the
model is rewritten (:func:`detector.integrations.hook.load_detector`).  Only the
text column crosses to Python.

Null text is treated as "nothing to scan": ``detector_is_spam`` false,
``detector_score`` 0.0, ``detector_findings`` an empty array, and a null cleaned
text.  Empty strings are scanned like any other text (and never have findings).

The model path must be readable at the same location by every executor (a shared
filesystem, the container image, or ``spark-submit --archives``).  Without
``model`` the model packaged with ``detector`` is used.

Run as a batch job (see ``--help``)::

    python -m detector.integrations.spark --input items.jsonl --output out/ \\
        --format parquet --text-col text
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click

from detector.clean import remove_spans
from detector.cli import DetectorError, category_options, threshold_option
from detector.core import Detector
from detector.integrations.hook import item_suppressions, load_detector
from detector.memory import keep_freed_memory
from detector.model import ModelError
from detector.results import THRESHOLD_NAMES, Finding
from detector.scanning import NO_SUPPRESSIONS, scanning_ahead
from detector.suppress import Suppressions

try:
    import pandas as pd
    from pyspark.errors import AnalysisException, PythonException
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf
    from pyspark.sql.types import StringType
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"detector.integrations.spark needs pyspark, pandas and pyarrow ({exc});"
        " install them with pip install '.[spark]' in detector's checkout"
    ) from exc

__all__ = [
    "FINDINGS_COL",
    "FINDINGS_TYPE",
    "IS_SPAM_COL",
    "SCORE_COL",
    "clean_dataframe",
    "main",
    "scan_dataframe",
]

IS_SPAM_COL = "detector_is_spam"
SCORE_COL = "detector_score"
FINDINGS_COL = "detector_findings"
FINDINGS_TYPE = "array<struct<start:int,end:int,text:string,score:double,category:string>>"
_VERDICT_COL = "__detector_verdict"

_MEMORY_KEPT = False

# PySpark's overloads for pandas_udf reject DDL-string struct types; untyped here.
_pandas_udf: Any = pandas_udf


def _cached_detector(model: str | None, threshold: float | str | None) -> Detector:
    """The detector for (model path, threshold), loaded once per Python process
    and shared by every threshold (:func:`detector.integrations.hook.load_detector`:
    a model rewritten on disk since is read again)."""
    return load_detector(model, threshold)


def _model_location(
    model: str | Path | None, threshold: float | str | None, local: bool = False
) -> str | None:
    """Check the model on the driver when it can see it, so a bad path, a corrupt
    file or a bad threshold fails here instead of inside a task; returns the path
    the executors should load: ``model`` as given.  Each executor resolves a
    relative path in its own working directory, where ``--archives
    model.tgz#model`` unpacks (sending the driver's absolute path instead broke
    that whenever the driver had a ``model`` of its own).  ``local``: the
    executors are workers of this machine in this working directory (a local
    master), so a path missing here is missing for them too."""
    if isinstance(threshold, str) and threshold.strip().lower() not in THRESHOLD_NAMES:
        raise ValueError(f"threshold must be within 0..1, review or block; got {threshold!r}")
    if isinstance(threshold, (int, float)) and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within 0..1, got {threshold}")
    if model is None:
        _cached_detector(None, threshold)
        return None
    path = Path(model)
    if path.exists() or local:
        _cached_detector(str(path.resolve()), threshold)
    # Else maybe only on the executors (--archives): they will tell.
    return str(model)


def _finding_row(finding: Finding) -> dict[str, Any]:
    return {
        "start": finding.start,
        "end": finding.end,
        "text": finding.text,
        "score": finding.score,
        "category": finding.category,
    }


def _scan_series(
    texts: pd.Series,
    model: str | None,
    threshold: float | str | None,
    scan: bool,
    clean: bool,
    suppressions: Suppressions = NO_SUPPRESSIONS,
) -> pd.DataFrame:
    """One Arrow batch: the verdict columns (``scan``) and/or the cleaned text."""
    global _MEMORY_KEPT
    if not _MEMORY_KEPT:  # an executor's Python worker, which scans batch after batch
        _MEMORY_KEPT = True
        keep_freed_memory()
    detector = _cached_detector(model, threshold)
    # The batch's texts scanned a window at a time, not one by one (~0.3 ms each).
    scan_text = scanning_ahead(detector, [t for t in texts if isinstance(t, str)], suppressions)
    is_spam: list[bool] = []
    scores: list[float] = []
    findings: list[list[dict[str, Any]]] = []
    cleaned: list[str | None] = []
    for text in texts:
        if not isinstance(text, str):  # null (None or NaN): nothing to scan
            is_spam.append(False)
            scores.append(0.0)
            findings.append([])
            cleaned.append(None)
            continue
        verdict, cuts = scan_text(text)  # a column is read as scan reads a field
        is_spam.append(verdict.is_spam)
        scores.append(verdict.score)
        findings.append([_finding_row(f) for f in verdict.findings])
        if clean:  # only a blocked text loses anything, as detector clean does
            cleaned.append(remove_spans(text, cuts) if verdict.is_spam else text)
    columns: dict[str, list[Any]] = {}
    if scan:
        columns.update(is_spam=is_spam, score=scores, findings=findings)
    if clean:
        columns["clean"] = cleaned
    return pd.DataFrame(columns)


def _quoted(name: str) -> str:
    """``name`` as a column reference to exactly that column (backquoted)."""
    return "`" + name.replace("`", "``") + "`"


def _runs_locally(df: DataFrame) -> bool:
    """Whether ``df``'s session has a local master, ``local`` or ``local[N]``
    (not ``local-cluster``, whose executors have working directories of their
    own, nor Spark Connect, whose server's files are not this machine's)."""
    try:
        master = str(df.sparkSession.sparkContext.master)
    except NotImplementedError:  # Spark Connect has no SparkContext
        return False
    return master == "local" or master.startswith("local[")


def _check_text_column(df: DataFrame, text_col: str) -> None:
    if text_col not in df.columns:
        raise ValueError(f"no column {text_col!r}; columns are {', '.join(df.columns)}")
    data_type = df.schema[text_col].dataType
    if not isinstance(data_type, StringType):
        raise TypeError(f"column {text_col!r} must be a string, not {data_type.simpleString()}")


def _annotate(
    df: DataFrame,
    text_col: str,
    threshold: float | str | None,
    model: str | Path | None,
    *,
    scan: bool,
    clean_col: str | None,
    allow: str | Iterable[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> DataFrame:
    """Add the verdict columns (``scan``) and/or ``clean_col``, scanning each text
    once: one pandas UDF returns a struct whose fields become the columns."""
    _check_text_column(df, text_col)
    # Checked on the driver: a wrong one fails here, not inside a task.
    suppressions = item_suppressions(allow, ignore_categories, category_thresholds)
    location = _model_location(model, threshold, local=_runs_locally(df))
    clean = clean_col is not None
    fields = []
    if scan:
        fields.append(f"is_spam:boolean,score:double,findings:{FINDINGS_TYPE}")
    if clean:
        fields.append("clean:string")

    @_pandas_udf(",".join(fields))
    def scan_texts(texts: pd.Series) -> pd.DataFrame:
        return _scan_series(texts, location, threshold, scan, clean, suppressions)

    verdict = F.col(_VERDICT_COL)
    columns = {}
    if scan:
        columns[IS_SPAM_COL] = verdict.getField("is_spam")
        columns[SCORE_COL] = verdict.getField("score")
        columns[FINDINGS_COL] = verdict.getField("findings")
    if clean_col is not None:
        columns[clean_col] = verdict.getField("clean")
    return (
        # Quoted: a name holding a dot is one column, not a struct field.
        df.withColumn(_VERDICT_COL, scan_texts(F.col(_quoted(text_col))))
        .withColumns(columns)
        .drop(_VERDICT_COL)
    )


def scan_dataframe(
    df: DataFrame,
    text_col: str = "text",
    threshold: float | str | None = None,
    model: str | Path | None = None,
    *,
    allow: str | Iterable[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> DataFrame:
    """``df`` with three columns added (replaced if present):

    * ``detector_is_spam`` (boolean): the score reaches the model's block threshold;
    * ``detector_score`` (double, 0..1): the highest finding score, 0.0 without;
    * ``detector_findings`` (``array<struct<start:int, end:int, text:string,
      score:double, category:string>>``): the injected spans, half-open character
      offsets into the row's text, ordered by ``start``.

    Null text gives false, 0.0 and an empty array.  ``threshold`` and ``model``
    mean what they mean for :meth:`Detector.from_path`; ``model`` must be
    readable by the executors.  ``allow`` (phrases cut out of the findings),
    ``ignore_categories`` (categories whose findings are dropped) and
    ``category_thresholds`` (``{"promotion": 0.99}``) mean what they mean for
    :func:`detector.integrations.check_item`.  Lazy, like any transformation.
    """
    return _annotate(
        df, text_col, threshold, model, scan=True, clean_col=None,
        allow=allow, ignore_categories=ignore_categories,
        category_thresholds=category_thresholds,
    )  # fmt: skip


def clean_dataframe(
    df: DataFrame,
    text_col: str = "text",
    output_col: str | None = None,
    threshold: float | str | None = None,
    model: str | Path | None = None,
    *,
    allow: str | Iterable[str] = (),
    ignore_categories: str | Iterable[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> DataFrame:
    """``df`` with ``output_col`` (default ``<text_col>_clean``) holding the text
    without the spans that :func:`scan_dataframe` would report when it blocks the
    text (``detector_is_spam``; else the text as it is, see :mod:`detector.clean`);
    null stays null."""
    output_col = output_col or f"{text_col}_clean"
    return _annotate(
        df, text_col, threshold, model, scan=False, clean_col=output_col,
        allow=allow, ignore_categories=ignore_categories,
        category_thresholds=category_thresholds,
    )  # fmt: skip


# -- batch job -------------------------------------------------------------------

_READ_FORMATS = {".jsonl": "json", ".ndjson": "json", ".json": "json", ".parquet": "parquet"}
_WRITE_FORMATS = {"parquet": "parquet", "jsonl": "json"}


def _read_format(paths: Sequence[str], input_format: str) -> str:
    if input_format != "auto":
        return _WRITE_FORMATS[input_format]
    formats = {_READ_FORMATS.get(Path(p.rstrip("/")).suffix.lower(), "parquet") for p in paths}
    if len(formats) > 1:
        raise click.UsageError("mixed input formats; pass --input-format")
    return formats.pop()


def run_job(
    spark: SparkSession,
    inputs: Sequence[str],
    output: str,
    *,
    input_format: str = "auto",
    output_format: str = "parquet",
    text_col: str = "text",
    threshold: float | str | None = None,
    model: str | None = None,
    clean_col: str | None = None,
    partitions: int = 0,
    overwrite: bool = False,
    allow: Sequence[str] = (),
    ignore_categories: Sequence[str] = (),
    category_thresholds: Mapping[str, float | str] | None = None,
) -> None:
    """Read ``inputs``, add the detector columns (and ``clean_col``), write ``output``.

    ``partitions`` 0 spreads the input over at least the default parallelism, so a
    single small file still keeps every core busy; scanning, not the shuffle,
    dominates the cost.
    """
    item_suppressions(allow, ignore_categories, category_thresholds)  # before reading anything
    if overwrite:
        _check_output_holds_no_input(spark, inputs, output)
    df = spark.read.format(_read_format(inputs, input_format)).load(list(inputs))
    if overwrite:
        _check_output_holds_no_file_read(spark, df.inputFiles(), output)
    wanted = partitions or spark.sparkContext.defaultParallelism
    if partitions or df.rdd.getNumPartitions() < wanted:
        df = df.repartition(wanted)
    result = _annotate(
        df, text_col, threshold, model, scan=True, clean_col=clean_col,
        allow=allow, ignore_categories=ignore_categories,
        category_thresholds=category_thresholds,
    )  # fmt: skip
    writer = result.write.mode("overwrite" if overwrite else "errorifexists")
    if output_format == "jsonl":
        writer = writer.option("ignoreNullFields", False)
    writer.format(_WRITE_FORMATS[output_format]).save(output)


def _check_output_holds_no_input(spark: SparkSession, inputs: Sequence[str], output: str) -> None:
    """Raise ``ValueError`` if ``output`` is one of the ``inputs`` or a directory
    holding one: overwriting it empties it before the job reads its input (a
    crawl scanned into its own directory with ``--overwrite`` was deleted, and
    the job failed).  Paths are compared as Hadoop qualifies them (``hdfs://``,
    ``s3a://``, ``file:``), local ones with their symlinks resolved.  An input
    that is a Hadoop glob (``sp/c*`` with the output ``sp/crawl-out``) is refused
    when it matches the output or a path inside it: it read the previous output
    as input, which the overwrite then deleted."""
    target = _qualified(spark, output)
    for path in inputs:
        source = _qualified(spark, path)
        if (
            source == target
            or source.startswith(target.rstrip("/") + "/")
            or (_GLOB_CHARS.intersection(path) and _glob_reaches(source, target))
        ):
            raise ValueError(
                f"the output {output} holds the input {path}: --overwrite would delete it"
                " before it is read (write the output elsewhere)"
            )


def _check_output_holds_no_file_read(
    spark: SparkSession, files: Sequence[str], output: str
) -> None:
    """Raise ``ValueError`` if one of ``files`` (what Spark listed to read,
    ``DataFrame.inputFiles``) lies in ``output``.  An input holding the output
    is harmless when Spark skips it (``--input sp/ --output sp/out``: only
    files directly in ``sp/`` are read), not when it lists it: a partition
    directory (``--input crawl/ --output crawl/day=2`` beside ``crawl/day=1/``),
    a glob through a symlink (``sp/l*`` with ``sp/link`` -> the output).  The
    previous output was read as input, deleted by the overwrite, and the job
    failed.  Local files are compared with their symlinks resolved."""
    target = _qualified(spark, output).rstrip("/")
    resolved: dict[str, str] = {}  # a local directory -> its real path
    for name in files:
        shown = source = unquote(name)  # a URI: %20 is a space
        if source.startswith("file:"):
            shown = "/" + source.removeprefix("file:").lstrip("/")
            folder, base = os.path.split(shown)
            if folder not in resolved:
                resolved[folder] = os.path.realpath(folder)
            real = os.path.join(resolved[folder], base)
            source = "file:" + (os.path.realpath(real) if os.path.islink(real) else real)
        if source == target or source.startswith(target + "/"):
            raise ValueError(
                f"the output {output} holds the input file {shown}: --overwrite would delete"
                " it before it is read (write the output elsewhere)"
            )


_GLOB_CHARS = frozenset("*?[{\\")


def _expand_braces(pattern: str) -> list[str]:
    """``pattern`` with its first ``{a,b}`` (nested ones too) expanded, as Hadoop's
    GlobExpander does before matching: ``x{a,b/c}`` is ``xa`` and ``xb/c``.  An
    unmatched brace is kept as it is."""
    depth, start, commas, i = 0, -1, [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "," and depth == 1:
            commas.append(i)
        elif c == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                bounds = [start, *commas, i]
                head, tail = pattern[:start], pattern[i + 1 :]
                return [
                    expanded
                    for a, b in itertools.pairwise(bounds)
                    for expanded in _expand_braces(head + pattern[a + 1 : b] + tail)
                ]
        i += 1
    return [pattern]


def _glob_component(pattern: str) -> re.Pattern[str]:
    """One path component of a Hadoop glob as a regular expression: ``*`` any
    run of characters, ``?`` one, ``[abc]`` / ``[a-z]`` / ``[^abc]`` / ``[!abc]``
    a set, ``\\x`` the character x; an unclosed ``[`` is itself."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body[:1] in ("^", "!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:  # a set Python cannot read ([z-a]): compare it literally
        return re.compile(re.escape(pattern), re.DOTALL)


def _glob_reaches(pattern: str, target: str) -> bool:
    """Whether the (qualified) Hadoop glob ``pattern`` matches ``target`` or a path
    inside it: each of ``target``'s components is matched by the pattern's
    component in the same place, and the pattern has no fewer components (what
    it has beyond ``target`` can match files inside it)."""
    wanted = target.rstrip("/").split("/")
    for alternative in _expand_braces(pattern):
        parts = alternative.rstrip("/").split("/")
        if len(parts) >= len(wanted) and all(
            _glob_component(part).fullmatch(name) for part, name in zip(parts, wanted, strict=False)
        ):
            return True
    return False


def _qualified(spark: SparkSession, path: str) -> str:
    """``path`` as Hadoop qualifies it (scheme and absolute path), a local one
    with its symlinks resolved; without a JVM (Spark Connect), made absolute."""
    try:
        context = spark.sparkContext
        if context._jvm is None or context._jsc is None:
            raise RuntimeError("no JVM")
        hadoop_path = context._jvm.org.apache.hadoop.fs.Path(path)
        conf = context._jsc.hadoopConfiguration()
        qualified = str(hadoop_path.getFileSystem(conf).makeQualified(hadoop_path))
    except Exception:  # no JVM to ask (Spark Connect), or it refused: a local path
        qualified = "file:" + os.path.abspath(path)
    if qualified.startswith("file:"):
        local = qualified.removeprefix("file:")
        return "file:" + os.path.realpath("/" + local.lstrip("/"))
    return qualified.rstrip("/")


# The last line of a Python traceback: "detector.model.ModelError: PATH: …".
_RAISED = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*): (.*)$", re.MULTILINE)


def _task_error(message: str) -> str:
    """What a task's Python worker raised, from Spark's message holding its
    traceback: a ModelError's own message (as the driver reports it), else the
    exception's name and message; the message's first line if none is found."""
    raised = _RAISED.findall(message.split("Traceback (most recent call last):")[-1])
    if not raised:
        return message.strip().splitlines()[0] if message.strip() else "a Spark task failed"
    name, text = raised[-1]
    return text if name == "ModelError" else f"{name}: {text}"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--input",
    "inputs",
    required=True,
    multiple=True,
    help="JSONL or Parquet file or directory (repeatable; local, hdfs://, s3a://…).",
)
@click.option("--output", required=True, help="Output directory (Spark writes part files).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(_WRITE_FORMATS)),
    default="parquet",
    show_default=True,
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", *sorted(_WRITE_FORMATS)]),
    default="auto",
    show_default=True,
    help="auto: .jsonl/.ndjson/.json are JSONL, everything else Parquet.",
)
@click.option("--text-col", default="text", show_default=True, help="Column to scan.")
@click.option(
    "--clean-col",
    default=None,
    help="Also write the text without its findings to this column, for blocked rows"
    " (is_spam); other rows' text as it is.",
)
@threshold_option()
@click.option(
    "--model",
    default=None,
    help="Model directory or model.json, readable by every executor (default: packaged).",
)
@click.option(
    "--partitions",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Repartition the input to N partitions (0: at least the default parallelism).",
)
@click.option(
    "--master",
    default=None,
    help="Spark master when not run by spark-submit (default: local[*]).",
)
@click.option("--overwrite", is_flag=True, help="Replace the output directory if it exists.")
@click.option(
    "--allow",
    multiple=True,
    metavar="PHRASE",
    help="Cut this phrase out of the findings (repeatable), as the allow list of"
    " .detector.toml does for detector scan.",
)
@category_options("they are not reported, block nothing and are not removed")
def main(
    inputs: tuple[str, ...],
    output: str,
    output_format: str,
    input_format: str,
    text_col: str,
    clean_col: str | None,
    threshold: float | str | None,
    model: str | None,
    partitions: int,
    master: str | None,
    overwrite: bool,
    allow: tuple[str, ...],
    ignore_categories: tuple[str, ...],
    category_thresholds: tuple[tuple[str, str], ...],
) -> None:
    """Scan a text column of JSONL or Parquet data on Spark and write the results.

    Adds detector_is_spam, detector_score and detector_findings to every record.

    \b
    Examples:
      python -m detector.integrations.spark --input items.jsonl --output out/
      python -m detector.integrations.spark --master 'local[2]' --input crawl/ \\
          --input-format jsonl --output out/ --format jsonl --clean-col text_clean
      spark-submit --master yarn path/to/detector/integrations/spark.py --input …
    """
    launching = "PYSPARK_GATEWAY_PORT" not in os.environ  # not under spark-submit
    if launching and (master is None or master.startswith("local")):
        # Local workers must run this interpreter (where detector is installed),
        # not whatever "python3" is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("detector")
    if master is not None:
        builder = builder.master(master)
    owned = SparkSession.getActiveSession() is None
    spark = builder.getOrCreate()
    try:
        run_job(
            spark,
            inputs,
            output,
            input_format=input_format,
            output_format=output_format,
            text_col=text_col,
            threshold=threshold,
            model=model,
            clean_col=clean_col,
            partitions=partitions,
            overwrite=overwrite,
            allow=allow,
            ignore_categories=ignore_categories,
            category_thresholds=dict(category_thresholds),
        )
    except (ModelError, ValueError, TypeError, AnalysisException) as exc:
        raise DetectorError(str(exc).splitlines()[0]) from None
    except PythonException as exc:  # raised in a task (a model only executors read)
        raise DetectorError(_task_error(str(exc))) from None
    finally:
        if owned:
            spark.stop()
    click.echo(f"detector: wrote {output} ({output_format})", err=True)


if __name__ == "__main__":
    # Run the copy imported under its real name: Spark pickles the UDFs by
    # reference to their module, and workers cannot import "__main__".
    from detector.integrations.spark import main as run_main

    run_main()

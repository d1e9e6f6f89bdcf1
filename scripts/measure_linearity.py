"""Time and peak memory of each pipeline stage on one line of 1 MB and 4 MB.

Not a test (timings vary by machine): run it by hand and check that every
time ratio stays near 4 (linear), and so does every stage's memory ratio but
``scan``'s, which stays near 1 (a long text is scanned a segment at a time).
Usage::

    .venv/bin/python scripts/measure_linearity.py [--model DIR] [--sizes 1 4]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detector import Detector, features, words
from detector.normalize import normalize
from detector.segment import split_clauses

# Hand-written, no punctuation at all: a scraped page that lost its markup.
PIECES = [
    "今年以来全市工业增加值同比增长",
    "会议强调要深化产融合作推动科技产业金融良性循环",
    "杨方线上配资股票",
    "农业农村部部署秋粮收获工作",
    "加微信abc12345领取福利",
    "各地加快推进重大项目建设",
]


def wall(chars: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < chars:
        piece = rng.choice(PIECES)
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:chars]


def measure(function: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(best seconds of ``repeat`` runs, peak MiB allocated by Python and NumPy).
    Timed without tracemalloc, which slows Python code several times over."""
    seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def stages(detector: Detector, text: str) -> dict[str, Callable[[], Any]]:
    norm = normalize(text)
    clauses = split_clauses(norm.text)
    codes = features.codepoints(norm.text)
    rows = features.row_ids(len(norm.text), clauses)
    bits = int(detector.model.params["bits"])
    return {
        "normalize": lambda: normalize(text),
        "split_clauses": lambda: split_clauses(norm.text),
        "char_ngrams": lambda: features.char_ngrams(codes, rows, (1, 3), bits),
        "jieba on windows": lambda: [words.cut(norm.text[s:e]) for s, e in clauses],
        "word_features": lambda: features.word_features(norm.text, clauses, bits),
        "scan": lambda: detector.scan(text),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: packaged)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4], help="sizes in MiB")
    parser.add_argument("--repeat", type=int, default=2, help="best of N timings")
    parser.add_argument(
        "--jsonl-records", type=int, nargs="*", default=[5000, 20000],
        help="peak RSS of 'detector scan --format jsonl' over JSONL files this long",
    )  # fmt: skip
    args = parser.parse_args()
    detector = Detector.from_path(args.model) if args.model else Detector.default()
    words.dictionary()  # the word dictionary loads once; keep it out of the timings
    results: dict[str, list[tuple[float, float]]] = {}
    for size in args.sizes:
        text = wall(size * 2**20)
        for name, function in stages(detector, text).items():
            results.setdefault(name, []).append(measure(function, args.repeat))
    header = " ".join(f"{f'{s} MiB':>18}" for s in args.sizes)
    print(f"{'stage':<18} {header}   time ratio  memory ratio")
    for name, rows in results.items():
        cells = " ".join(f"{t:8.2f} s {m:6.0f} MiB" for t, m in rows)
        time_ratio = rows[-1][0] / max(rows[0][0], 1e-9)
        memory_ratio = rows[-1][1] / max(rows[0][1], 1e-9)
        print(f"{name:<18} {cells}   {time_ratio:10.2f}  {memory_ratio:12.2f}")
    for count in args.jsonl_records:
        seconds, rss = cli_jsonl_peak(count, args.model)
        print(
            f"detector scan --format jsonl, {count} records:"
            f" {seconds:.1f} s, peak RSS {rss:.0f} MiB"
        )


# Runs the CLI in a child and reports the child's own peak RSS in KiB.  VmHWM,
# not ru_maxrss: Linux carries ru_maxrss over from the parent across fork+exec.
_CHILD = """
import resource, sys
from detector.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
try:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, file=sys.stderr)
"""


def cli_jsonl_peak(count: int, model: str | None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for i in range(count):
                text = "。".join(PIECES[(i + j) % len(PIECES)] for j in range(20))
                handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        command = [sys.executable, "-c", _CHILD, "scan", "--format", "jsonl", str(path)]
        if model:
            command[4:4] = ["--model", model]
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        return seconds, int(done.stderr.split()[-1]) / 1024


if __name__ == "__main__":
    main()

"""Benchmark the detector on several MB of real news (``make bench``).

Not a test: it prints figures and PASS/FAIL against the performance targets.
Everything runs on one generated directory of 新闻联播 stories (read from
``--corpora``, written to a temp dir, deleted afterwards; ~10% of the articles get
an injected ad so the clause head, jieba and the tagger do real work):

- end-to-end ``detector scan`` throughput (CLI subprocess, ``--jobs 1`` and
  ``--jobs 2``), against ``jieba.lcut`` alone and read + UTF-8 decode alone on the
  same text; and in steady state: the extra time of a run given the corpus twice
  (twice the work, one start-up);
- ``detector clean`` on the same text as JSONL records, ``--jobs 1`` and 2 (no target);
- in-process ``Detector.scan`` latency p50/p99 per ~3 KB article;
- CLI cold start for one small file, model load time, peak RSS of the CLI;
- the floor of an end-to-end run: the cold start, reading the files and the
  passes every character goes through (in process), so the ratio no scan of
  this corpus can beat on this machine; and the ``--jobs 2`` scaling Amdahl's law
  allows with the cold start serial.

``--probe-save FILE`` / ``--probe-check FILE`` store and compare the findings on a
fixed probe set, so an optimization can be shown not to change any result
(same spans and categories, scores within 1e-6).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AD_PHRASES = [
    ("杨方线上配资股票", "stock-margin"),
    ("正规实盘配资官网", "stock-margin"),
    ("金沙体育(中国)官方网站", "gambling"),
    ("银河娱乐app下载登录入口", "gambling"),
    ("加微信abc12345领取福利", "contact"),
    ("QQ群123456789免费荐股", "contact"),
    ("代开各类正规发票", "fake-invoice"),
    ("无抵押贷款当天放款", "loan"),
    ("访问www.xyz888.com注册就送", "link"),
]
SEED = 20261125
ARTICLE_BYTES = 3000
# The machine issue 6 set its absolute targets on: `jieba.lcut` ran at 1.3 MB/s
# there.  Latency is also printed scaled by this run's `jieba.lcut` speed against
# it (both are single-threaded CPU work), so that a slower VM reads as slower.
REFERENCE_JIEBA_MBS = 1.3
# A wrapper that runs a command and reports its wall time and peak RSS (ru_maxrss
# of the waited-for children: the CLI and, with --jobs, its workers).
_RUN = (
    "import resource, subprocess, sys, time, json\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "t = time.perf_counter() - t\n"
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = ru.ru_utime + ru.ru_stime\n"
    "print(json.dumps({'rc': rc, 'wall': t, 'cpu': cpu, 'maxrss_kb': ru.ru_maxrss}))\n"
)


def _stories(corpora: Path) -> list[str]:
    path = corpora / "xwlb_cctv" / "xwlb_stories_2022_2025.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def _inject(text: str, rng: random.Random) -> str:
    from detector.training.inject import EVASIONS, RECIPES, evade, inject

    ad, category = rng.choice(AD_PHRASES)
    if rng.random() < 0.3:
        ad = evade(ad, rng.choice(EVASIONS), rng)
    return inject(text, ad, category, rng.choice(RECIPES), rng).text


def build_corpus(corpora: Path, megabytes: float, directory: Path) -> list[str]:
    """Write stories into ``directory`` (100 per sub-folder) until ``megabytes``
    of UTF-8 are written; returns the texts in scan order."""
    rng = random.Random(SEED)
    stories = _stories(corpora)
    rng.shuffle(stories)
    texts: list[str] = []
    total = 0
    for i, story in enumerate(stories):
        if total >= megabytes * 1e6:
            break
        text = _inject(story, rng) if rng.random() < 0.1 else story
        sub = directory / f"{i // 100:04d}"
        sub.mkdir(exist_ok=True)
        data = text.encode("utf-8")
        (sub / f"{i:06d}.txt").write_bytes(data)
        texts.append(text)
        total += len(data)
    return texts


def articles_of(texts: list[str], size: int = ARTICLE_BYTES) -> list[str]:
    """The texts cut (at line breaks where possible) into ~``size``-byte articles."""
    out: list[str] = []
    for text in texts:
        current = ""
        for line in text.splitlines(keepends=True):
            current += line
            if len(current.encode("utf-8")) >= size * 0.9:
                out.append(current)
                current = ""
        if current.strip():
            out.append(current)
    return [a for a in out if len(a.encode("utf-8")) >= size * 0.9]


def probe_texts(texts: list[str]) -> list[str]:
    rng = random.Random(SEED + 1)
    probes = texts[:150]
    for text in texts[150:300]:
        probes.append(_inject(text[:2000], rng))
    probes += [
        "",
        "   \n",
        "强化金融精准有效服务杨方线上配资股票,深化产融合作",
        "ＡＢＣ全角字母与\u200b零\u200d宽字符，杨 方 线 上 配 资，線上配資股票。",
        "x" * 5000,
        "。" * 300 + "加微信abc12345领取福利",
    ]
    return probes


def _verdicts(detector: Any, texts: list[str]) -> list[dict[str, Any]]:
    out = []
    for text in texts:
        verdict = detector.scan(text)
        out.append(
            {
                "is_spam": verdict.is_spam,
                "score": verdict.score,
                "findings": [
                    [f.start, f.end, f.text, f.score, f.category] for f in verdict.findings
                ],
            }
        )
    return out


def compare_probe(reference: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    problems = []
    for i, (ref, got) in enumerate(zip(reference, actual, strict=True)):
        if ref["is_spam"] != got["is_spam"] or abs(ref["score"] - got["score"]) > 1e-6:
            problems.append(f"probe {i}: verdict {ref['score']} → {got['score']}")
        if len(ref["findings"]) != len(got["findings"]):
            problems.append(f"probe {i}: {len(ref['findings'])} → {len(got['findings'])} findings")
            continue
        for a, b in zip(ref["findings"], got["findings"], strict=True):
            if a[:3] != b[:3] or a[4] != b[4] or abs(a[3] - b[3]) > 1e-6:
                problems.append(f"probe {i}: finding {a} → {b}")
    return problems


def _timings(fn: Any, runs: int) -> list[float]:
    """Wall times of ``runs`` calls of ``fn()``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _median_time(fn: Any, runs: int) -> float:
    return statistics.median(_timings(fn, runs))


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "detector"
    return [str(script)] if script.exists() else [sys.executable, "-m", "detector.cli"]


def _run_cli(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _RUN, *_cli(), *args], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] not in (0, 1):
        raise SystemExit(f"detector {' '.join(args)} failed with exit code {result['rc']}")
    return dict(result)


def _supports_jobs(command: str = "scan") -> bool:
    out = subprocess.run([*_cli(), command, "--help"], capture_output=True, text=True)
    return "--jobs" in out.stdout


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: packaged)")
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--mb", type=float, default=5.0, help="MB of news to scan")
    parser.add_argument("--runs", type=int, default=3, help="repeats for medians")
    parser.add_argument("--probe-save", type=Path, default=None)
    parser.add_argument("--probe-check", type=Path, default=None)
    args = parser.parse_args(argv)

    from detector.core import Detector, default_model_path
    from detector.memory import keep_freed_memory
    from detector.model import load_model

    model_path = Path(args.model) if args.model else default_model_path().parent
    model_args = ["--model", str(model_path)] if args.model else []
    tmp = Path(tempfile.mkdtemp(prefix="detector-bench-"))
    try:
        corpus = tmp / "news"
        corpus.mkdir()
        texts = build_corpus(args.corpora, args.mb, corpus)
        files = sorted(corpus.rglob("*.txt"))
        total_bytes = sum(len(t.encode("utf-8")) for t in texts)
        mb = total_bytes / 1e6
        print(f"corpus: {len(files)} files, {mb:.2f} MB UTF-8 ({sum(map(len, texts))} chars)")
        print(f"model: {model_path}")
        from detector import words

        segmenter = words.segmenter_name()
        print(f"segmenter: {segmenter} (${words.SEGMENTER_VARIABLE}; the CLI runs inherit it)")

        detector = Detector.from_path(model_path)
        status = 0
        probes = probe_texts(texts)
        if args.probe_save or args.probe_check:
            results = _verdicts(detector, probes)
            if args.probe_save:
                args.probe_save.write_text(json.dumps(results, ensure_ascii=False))
                print(f"probe: {len(probes)} results saved to {args.probe_save}")
            if args.probe_check:
                problems = compare_probe(json.loads(args.probe_check.read_text()), results)
                for line in problems[:20]:
                    print(f"  {line}")
                print(f"probe identical to reference: {_verdict(not problems)}")
                status |= bool(problems)

        # Latency per ~3 KB article, in process, before anything else (jieba's
        # dictionary, other model copies) fills this process's memory.  Three
        # passes: a shared VM stalls now and then, and the 99th percentile of
        # 376 articles is the 4th slowest one, so one stall moves it; each
        # article's median of the three is its latency.
        articles = articles_of(texts)[:1000]
        for article in articles[:50]:
            detector.scan(article)
        passes, cpu_passes = [], []
        for _ in range(3):
            latencies, cpu_latencies = [], []
            for article in articles:
                start, cpu = time.perf_counter(), time.thread_time()
                detector.scan(article)
                latencies.append(time.perf_counter() - start)
                cpu_latencies.append(time.thread_time() - cpu)
            passes.append(latencies)
            cpu_passes.append(cpu_latencies)
        per_article = sorted(statistics.median(t) for t in zip(*passes, strict=True))
        per_article_cpu = sorted(statistics.median(t) for t in zip(*cpu_passes, strict=True))
        single = sorted(passes[0])

        def percentile(values: list[float], q: float) -> float:
            return values[min(len(values) - 1, int(len(values) * q))] * 1e3

        p50, p99 = percentile(per_article, 0.5), percentile(per_article, 0.99)
        cpu_p99, single_p99 = percentile(per_article_cpu, 0.99), percentile(single, 0.99)

        # References on the same text.
        def read_decode() -> None:
            for path in files:
                path.read_bytes().decode("utf-8")

        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        read_s = _median_time(read_decode, max(args.runs, 3))
        jieba_s = _median_time(lambda: [jieba.lcut(t) for t in texts], 1)
        read_mbs, jieba_mbs = mb / read_s, mb / jieba_s

        # End to end, CLI; and the corpus named twice (twice the work, one
        # start-up), whose extra time is the steady-state cost of the corpus.
        jobs = _supports_jobs()
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        twice: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for _ in range(args.runs):
            for n in (1, 2) if jobs else (1,):
                extra = ["--jobs", str(n)] if jobs else []
                runs[n].append(_run_cli(["scan", *model_args, *extra, str(corpus)]))
                twice[n].append(_run_cli(["scan", *model_args, *extra, str(corpus), str(corpus)]))
        e2e_s = {n: statistics.median(r["wall"] for r in rs) for n, rs in runs.items() if rs}
        e2e_mbs = {n: mb / s for n, s in e2e_s.items()}
        e2e_cpu = {n: statistics.median(r["cpu"] for r in rs) for n, rs in runs.items() if rs}
        steady_s = {
            n: statistics.median(r["wall"] for r in rs) - e2e_s[n] for n, rs in twice.items() if rs
        }
        rss_mb = max(r["maxrss_kb"] for rs in runs.values() for r in rs) / 1024

        # clean on the same text as JSONL records (no target: it rewrites the
        # records it blocks, and scans the rest as scan does).
        records = tmp / "news.jsonl"
        with records.open("w", encoding="utf-8") as handle:
            for text in texts:
                handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
        cleaned = tmp / "cleaned.jsonl"
        # --jobs 1, and --jobs 2 where clean has it (the next batch scanned in a
        # worker while this process cleans the one before).
        clean_jobs = (1, 2) if _supports_jobs("clean") else (0,)
        clean_runs: dict[int, list[float]] = {n: [] for n in clean_jobs}
        for _ in range(args.runs):
            for n in clean_jobs:
                extra = ["--jobs", str(n)] if n else []
                run = _run_cli(["clean", *model_args, *extra, str(records), "-o", str(cleaned)])
                clean_runs[n].append(run["wall"])
        clean_s = {n: statistics.median(walls) for n, walls in clean_runs.items()}

        # Cold start on one small file.
        one = tmp / "one.txt"
        one.write_text(articles_of(texts[:50])[0], encoding="utf-8")
        cold = [_run_cli(["scan", *model_args, str(one)]) for _ in range(max(args.runs, 5))]
        cold_s = statistics.median(r["wall"] for r in cold)
        cold_cpu = statistics.median(r["cpu"] for r in cold)
        rss_mb = max(rss_mb, max(r["maxrss_kb"] for r in cold) / 1024)

        # Model load, in process (file in the page cache).
        load_s = _median_time(lambda: load_model(model_path), 5)

        # The floor of a scan: the passes every character goes through, whatever
        # the text holds (normalization, clause bounds, the character n-gram
        # heads: Detector.document_score), over the texts joined and cut into the
        # segments a long text is scanned in (at most 128 K characters, as
        # scan_many's batches), with the CLI's memory setting.  With the cold
        # start and the reading of the files it bounds the end-to-end time of a
        # run from below.
        keep_freed_memory()
        joined = "\n".join(texts)
        batches = [joined[start:end] for start, end in detector.segments(joined)]
        floor_s = min(_timings(lambda: [detector.document_score(b) for b in batches], 5))

        mean_kb = statistics.mean(len(a.encode("utf-8")) for a in articles) / 1e3

        print()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times are")
        print("noisy on a shared machine; CPU = user + sys of the CLI and its workers)")
        print(f"read + UTF-8 decode        {read_mbs:9.1f} MB/s   (reference)")
        print(f"jieba.lcut                 {jieba_mbs:9.2f} MB/s   (reference)")
        ratio1 = e2e_mbs[1] / jieba_mbs
        print(
            f"detector scan --jobs 1     {e2e_mbs[1]:9.2f} MB/s   {ratio1:5.1f}x jieba, "
            f"{e2e_mbs[1] / read_mbs:.3f}x read   target >= 10x jieba: {_verdict(ratio1 >= 10)}"
            f"\n{'':27}CPU {e2e_cpu[1]:.2f} s = {mb / e2e_cpu[1]:.2f} MB/s of CPU; steady state"
            f" (start-up excluded) {mb / steady_s[1]:.2f} MB/s"
            f" = {mb / steady_s[1] / jieba_mbs:.1f}x"
        )
        if 2 in e2e_mbs:
            ratio2 = e2e_mbs[2] / jieba_mbs
            scaling = e2e_s[1] / e2e_s[2]
            print(
                f"detector scan --jobs 2     {e2e_mbs[2]:9.2f} MB/s   {ratio2:5.1f}x jieba, "
                f"{e2e_mbs[2] / read_mbs:.3f}x read   target >= 10x jieba: {_verdict(ratio2 >= 10)}"
                f"\n                           CPU {e2e_cpu[2]:.2f} s"
            )
            print(
                f"--jobs 2 / --jobs 1        {scaling:9.2f}x        ({os.cpu_count()} cores)"
                f"       target >= 1.8x: {_verdict(scaling >= 1.8)}"
                f"\n{'':27}steady state (start-up excluded) {steady_s[1] / steady_s[2]:.2f}x"
            )
        else:
            print("--jobs                     not supported by this version   target >= 1.8x: FAIL")
        for n, seconds in clean_s.items():
            label = f"detector clean --jobs {n}" if n else "detector clean (JSONL)"
            print(
                f"{label:<27}{mb / seconds:9.2f} MB/s   {mb / seconds / jieba_mbs:5.1f}x jieba"
                f"   (no target: the {len(texts)} texts as JSONL records, end to end)"
            )
        print(
            f"Detector.scan latency      p50 {p50:.2f} ms, p99 {p99:.2f} ms per article"
            f" ({len(articles)} articles, mean {mean_kb:.1f} KB)   target p99 <= 2 ms:"
            f" {_verdict(p99 <= 2.0)}\n{'':27}(each article's median of 3 passes; CPU p99"
            f" {cpu_p99:.2f} ms; first pass alone p99 {single_p99:.2f} ms)"
        )
        speed = jieba_mbs / REFERENCE_JIEBA_MBS
        print(
            f"{'':27}scaled to the issue's machine (jieba.lcut {REFERENCE_JIEBA_MBS} MB/s there,"
            f" {jieba_mbs:.2f} here):\n{'':27}p50 {p50 * speed:.2f} ms, p99 {p99 * speed:.2f} ms"
            f"   p99 <= 2 ms there: {_verdict(p99 * speed <= 2.0)}"
        )
        print(
            f"cold start (one file)      {cold_s:9.3f} s (CPU {cold_cpu:.3f} s)"
            f"                 target <= 0.6 s: {_verdict(cold_s <= 0.6)}"
        )
        print(f"model load                 {load_s:9.3f} s")
        bound_s = cold_s + read_s + floor_s
        print(
            f"floor of a --jobs 1 run    {bound_s:9.3f} s = cold start + read + {floor_s:.3f} s"
            f" of the passes every character\n{'':27}goes through (normalization, clause bounds,"
            f" character n-gram heads; in process):\n{'':27}at most"
            f" {mb / bound_s / jieba_mbs:.1f}x jieba end to end, before anything is assessed"
            " or printed"
        )
        if 2 in e2e_s:
            # Amdahl: the start-up is serial, the rest of the --jobs 1 run split
            # perfectly over two processes.
            amdahl = e2e_s[1] / (cold_s + (e2e_s[1] - cold_s) / 2)
            print(
                f"{'':27}--jobs 2 / --jobs 1 with the cold start serial and the rest"
                f" halved: at most {amdahl:.2f}x"
            )
        print(
            f"peak RSS (CLI)             {rss_mb:9.1f} MB"
            f"                               target <= 300 MB: {_verdict(rss_mb <= 300)}"
        )
        return status
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Fuzz ``Detector.scan`` and ``detector scan`` with generated and mutated inputs.

Not part of CI.  Every input goes through the API and its result is checked
(offsets inside the text, ``text[start:end] == finding.text``, sorted and
disjoint findings, scores in 0..1); one input in ``--cli-every`` also goes through
the CLI as a text file and as a JSONL record (exit code must be 0, 1 or 2, never a
traceback).  Crashes and broken invariants are counted and written, one ``repr``
per line, appended to ``--crashes`` (no file when there are none).  Usage::

    .venv/bin/python scripts/fuzz.py [--count 100000] [--seed 1] [--model DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from click.testing import CliRunner

from detector import Detector, Verdict
from detector.cli import main as cli_main

# Hand-written fixture articles and ad phrases (not corpus text).
ARTICLES = [
    "市政府召开新闻发布会，介绍今年前三季度经济运行情况。全市工业增加值同比增长百分之五点八。",
    "新建的城市公园向市民免费开放，园内设有步道、儿童游乐区和湿地观鸟台。",
    "研究人员发现一种新的水稻品种，抗旱能力更强，亩产比常规品种提高约一成。",
    "监管部门提醒投资者警惕场外配资风险，不要轻信所谓的高杠杆、低门槛宣传。",
    "地铁三号线延伸段预计年底通车。届时，从城东到机场只需四十分钟。",
    "Reporter: the city's new park opens on Monday; tickets are free (see www.gov.cn).",
]
ADS = [
    "杨方线上配资股票", "楊方線上配資股票", "正规实盘配资官网", "加微信abc12345领取福利",
    "银河娱乐app下载登录入口", "金沙体育(中国)官方网站", "代开各类正规发票",
    "无抵押贷款当天放款", "访问www.xyz888.com注册就送", "QQ群123456789免费荐股",
    # Links to trusted sites, cut out of findings and judged again (detector.cutout).
    "详情可登录官网www.hrss.gov.cn查询", "下载金沙娱乐app访问https://www.people.com.cn/a)领取",
    "邮箱：wanglei@people.com.cn", "杨方线上配资股票www.gov.cn，www.csrc.gov.cn",
    # Greetings, judged out of findings but left in them (detector.greetings).
    "您好，代开各类发票", "记者：您好，请问", "尊敬的用户您好，详情登录www.gov.cn查询",
    "大家好好配资",
]  # fmt: skip
INVISIBLES = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e\u034f\U000e0041\ufe0f"
INVISIBLES += "\u180f\U0001bca0"
SEPARATORS = [
    " ", "\u3000", "\u00a0", "\t", "·", "*", "-", "|", ".", "_", "~", "/", "—", "  ",
    "‼", "‼\ufe0f", "々", "\u3007", "\u2028", "\u4e36", "\u4e28", "，", "：", "!",
    "\x0b", "\x0c", "\x85", "\u1680", "\u2800", "〜", "ー", "x", "7", '"', "→", "§", "；",
]  # fmt: skip
MARKS = ["\u0336", "\u0e31", "\u302a", "\u3099", "\u0f71"]  # on every character
BRACKETS = ["()", "[]", "{}", "<>", "（）", "【】", "《》", "「」", "“”", "\u3014\u3015"]


def random_code_point(rng: random.Random) -> str:
    while True:
        kind = rng.random()
        if kind < 0.35:
            code = rng.randint(0x4E00, 0x9FFF)
        elif kind < 0.5:
            code = rng.randint(0, 0x7F)
        elif kind < 0.6:
            code = rng.randint(0x80, 0x36F)  # Latin-1, controls, combining marks
        elif kind < 0.7:
            code = rng.randint(0x2000, 0x33FF)  # punctuation, enclosed forms, CJK symbols
        elif kind < 0.8:
            code = rng.randint(0xFE00, 0xFFFF)  # variation selectors, full width, specials
        else:
            code = rng.randint(0, 0x10FFFF)
        if not 0xD800 <= code <= 0xDFFF:
            return chr(code)


def random_unicode(rng: random.Random) -> str:
    return "".join(random_code_point(rng) for _ in range(rng.randint(0, 400)))


def injected_article(rng: random.Random) -> str:
    article = rng.choice(ARTICLES) * rng.randint(1, 3)
    ad = evade(rng, rng.choice(ADS))
    cut = rng.randint(0, len(article))
    return article[:cut] + ad + article[cut:]


def evade(rng: random.Random, text: str) -> str:
    style = rng.randrange(9)
    if style == 0:
        text = rng.choice(SEPARATORS).join(text)
    elif style == 6:  # separators taking turns
        text = "".join(c + rng.choice(SEPARATORS) for c in text[:-1]) + text[-1:]
    elif style == 1:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    elif style == 2:
        text = "".join(
            chr(0x2460 + int(c) - 1) if c in "123456789"
            else chr(0x24D0 + ord(c) - ord("a")) if "a" <= c <= "z"
            else c
            for c in text
        )  # fmt: skip
    elif style == 3:
        text = "".join(c + rng.choice(INVISIBLES) for c in text)
    elif style == 4:
        text = "".join(c + rng.choice(MARKS) for c in text)
    elif style == 5:
        text = text.replace(".", "\u3002")  # a link written with ideographic full stops
    return text


def byte_mutation(rng: random.Random) -> str:
    data = bytearray(injected_article(rng).encode(rng.choice(["utf-8", "gb18030", "utf-16"])))
    for _ in range(rng.randint(1, 20)):
        op = rng.randrange(4)
        position = rng.randint(0, max(len(data) - 1, 0))
        if op == 0 and data:
            data[position] = rng.randrange(256)
        elif op == 1:
            data.insert(position, rng.randrange(256))
        elif op == 2 and data:
            del data[position]
        else:
            chunk = data[position : position + rng.randint(1, 16)]
            data[position:position] = chunk * rng.randint(1, 8)
    return data.decode(rng.choice(["utf-8", "gb18030", "latin-1"]), errors="replace")


def huge_repeat(rng: random.Random) -> str:
    unit = rng.choice(
        [rng.choice(ADS), rng.choice(ARTICLES), "配", "。", " ", "\u200b", "a", "杨 ", "1.",
         random_unicode(rng)[:20] or "x"]
    )  # fmt: skip
    return unit * (rng.randint(10_000, 300_000) // max(len(unit), 1))


def deep_nesting(rng: random.Random) -> str:
    depth = rng.randint(100, 20_000)
    opening, closing = rng.choice(BRACKETS)
    middle = injected_article(rng) if rng.random() < 0.5 else ""
    return opening * depth + middle + closing * rng.randint(0, depth)


def sprinkled(rng: random.Random) -> str:
    text = injected_article(rng)
    rate = rng.random()
    return "".join(c + (rng.choice(INVISIBLES) if rng.random() < rate else "") for c in text)


def separator_soup(rng: random.Random) -> str:
    pieces = list(injected_article(rng))
    return "".join(p + rng.choice(SEPARATORS) * rng.randint(0, 6) for p in pieces)


def lone_surrogates(rng: random.Random) -> str:
    """Python strings may hold unpaired surrogates (from JSON escapes or
    surrogateescape); the API must cope even though they cannot be printed."""
    text = list(injected_article(rng))
    for _ in range(rng.randint(1, 5)):
        text.insert(rng.randint(0, len(text)), chr(rng.randint(0xD800, 0xDFFF)))
    return "".join(text)


def spliced(rng: random.Random) -> str:
    parts = [random_unicode(rng)[:50], injected_article(rng), evade(rng, rng.choice(ADS))]
    rng.shuffle(parts)
    return "".join(parts)


GENERATORS: list[tuple[str, Callable[[random.Random], str], float]] = [
    ("random unicode", random_unicode, 0.25),
    ("evaded injection", injected_article, 0.2),
    ("byte mutation", byte_mutation, 0.2),
    ("zero-width sprinkling", sprinkled, 0.12),
    ("separator soup", separator_soup, 0.1),
    ("splice", spliced, 0.09),
    ("lone surrogates", lone_surrogates, 0.01),
    ("deep nesting", deep_nesting, 0.0275),
    ("huge repeat", huge_repeat, 0.0025),
]


def check(text: str, verdict: Verdict) -> None:
    assert 0.0 <= verdict.score <= 1.0, verdict.score
    end = 0
    for f in verdict.findings:
        assert end <= f.start < f.end <= len(text), (f.start, f.end, len(text))
        assert text[f.start : f.end] == f.text
        assert 0.0 <= f.score <= 1.0
        end = f.end


def run_cli(model: str | None, text: str, workdir: Path) -> None:
    runner = CliRunner()
    base = ["scan"] + (["--model", model] if model else [])
    plain = workdir / "input.txt"
    plain.write_text(text, encoding="utf-8", errors="surrogatepass")
    records = workdir / "input.jsonl"
    lines = [
        json.dumps({"id": 1, "text": text}),
        "{broken",
        '{"id": "\\udc80", "text": "\\ud800x"}',
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    for args in (
        [*base, "--format", "jsonl", str(plain)],
        [*base, "--format", "text", str(records)],
        [*base, "--format", "json", "-"],
    ):
        result = runner.invoke(cli_main, args, input=text.encode("utf-8", "replace"))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise RuntimeError(
                f"CLI {args[-3:]} raised: " + "".join(traceback.format_exception(result.exception))
            )
        assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr[-500:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=None, help="model directory (default: packaged)")
    parser.add_argument("--cli-every", type=int, default=500, help="send 1 in N to the CLI")
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes.txt"))
    args = parser.parse_args()

    detector = Detector.from_path(args.model) if args.model else Detector.default()
    detector.scan(ARTICLES[0] + "①" + ADS[0])  # load model, tables, jieba before timing
    rng = random.Random(args.seed)
    names = [name for name, _, _ in GENERATORS]
    weights = [weight for _, _, weight in GENERATORS]
    functions = {name: function for name, function, _ in GENERATORS}
    counts = dict.fromkeys(names, 0)
    crashes = 0
    cli_runs = 0
    slowest = (0.0, 0, "")
    total_chars = 0
    started = time.perf_counter()
    # Crashes are appended, and only when there are some: a clean run leaves no
    # file behind and a rerun does not wipe the record of an earlier one.
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        log: TextIO | None = None
        workdir = Path(tmp)
        for i in range(args.count):
            name = rng.choices(names, weights)[0]
            text = functions[name](rng)
            counts[name] += 1
            total_chars += len(text)
            try:
                t0 = time.perf_counter()
                verdict = detector.scan(text)
                elapsed = time.perf_counter() - t0
                check(text, verdict)
                if elapsed > slowest[0]:
                    slowest = (elapsed, len(text), name)
                if i % args.cli_every == 0:
                    cli_runs += 1
                    run_cli(args.model, text, workdir)
            except Exception as exc:  # report every crash, keep going
                crashes += 1
                if log is None:
                    log = stack.enter_context(args.crashes.open("a", encoding="utf-8"))
                log.write(f"{name}\t{exc!r}\t{text!r}\n")
                log.flush()
            if (i + 1) % 10_000 == 0:
                print(
                    f"{i + 1:>7} inputs  {crashes} crashes  {time.perf_counter() - started:7.1f} s",
                    flush=True,
                )
    seconds = time.perf_counter() - started
    print(f"inputs: {args.count} through the API, {cli_runs} through the CLI (x3 formats)")
    print("by generator: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
    print(f"characters scanned: {total_chars:,}; wall time {seconds:.1f} s")
    print(f"slowest scan: {slowest[0]:.3f} s on {slowest[1]:,} characters ({slowest[2]})")
    print(f"crashes: {crashes}" + (f" (appended to {args.crashes})" if crashes else ""))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())

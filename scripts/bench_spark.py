"""Throughput of ``scan_dataframe`` on Spark local mode, against a plain Python loop.

Generates synthetic articles from the sentences below (or, with ``--corpus``, from a
JSONL(.gz) file of news stories: only read, never written anywhere), injects an ad
phrase into one article in five, and times ``Detector.scan`` in one process and
``scan_dataframe`` on ``local[N]`` for each ``--cores`` value.

    .venv/bin/python scripts/bench_spark.py --docs 4000 --model /tmp/full_model
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

SENTENCES = [
    "今年以来全市工业增加值同比增长百分之六",
    "会议强调要深化产融合作推动科技产业金融良性循环",
    "证监会依法查处场外配资违法违规行为",
    "银行调配资金支持小微企业发展",
    "市民可关注官方微信公众号查询办事指南",
    "警方捣毁一个跨境网络赌博团伙",
    "农业农村部部署秋粮收获工作",
    "新能源汽车产销量连续多年位居世界第一",
    "博物馆推出夜间开放服务吸引大量游客",
    "多地出台措施稳定和扩大就业",
    "气象台发布暴雨蓝色预警提醒市民注意出行安全",
    "学校开展消防安全演练活动",
    "各地加快推进重大项目建设",
    "专家表示消费市场持续回暖",
    "铁路部门增开临时旅客列车满足暑运出行需求",
    "科研团队在量子通信领域取得突破",
    "全国夏粮实现丰收总产量再创新高",
    "文旅市场持续升温假期接待游客人次同比增长",
]
ADS = [
    "杨方线上配资股票",
    "金沙体育(中国)官方网站",
    "加微信abc12345领取福利",
    "代开各类正规发票",
    "无抵押贷款当天放款",
]


def synthetic_articles(rng: random.Random) -> Iterator[str]:
    while True:
        count = rng.randint(8, 30)
        yield "。".join(rng.choice(SENTENCES) for _ in range(count)) + "。"


def corpus_articles(path: Path, field: str) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    while True:
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                text = json.loads(line).get(field)
                if isinstance(text, str) and text.strip():
                    yield text


def make_documents(count: int, corpus: Path | None, field: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    source = corpus_articles(corpus, field) if corpus else synthetic_articles(rng)
    documents = []
    for _, text in zip(range(count), source, strict=False):
        if rng.random() < 0.2:
            cut = rng.randrange(len(text) + 1)
            text = text[:cut] + rng.choice(ADS) + text[cut:]
        documents.append(text)
    return documents


def time_python(documents: list[str], model: str | None, repeat: int) -> float:
    """Best of ``repeat`` passes, in seconds (the machine may be shared)."""
    from detector.core import Detector

    detector = Detector.from_path(model) if model else Detector.default()
    detector.scan(documents[0])  # load jieba outside the timing
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in documents:
            detector.scan(text)
        timings.append(time.perf_counter() - start)
    return min(timings)


def time_spark(
    documents: list[str], model: str | None, cores: int, repeat: int
) -> tuple[float, float]:
    """Seconds for the first run (worker start-up and model loading included) and
    the best of ``repeat`` later runs."""
    from pyspark.sql import SparkSession

    from detector.integrations.spark import scan_dataframe

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("detector-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        partitions = 4 * cores
        df = spark.createDataFrame(list(enumerate(documents)), "id long, text string")
        df = df.repartition(partitions).cache()
        df.count()
        timings = []
        for _ in range(1 + repeat):
            start = time.perf_counter()
            scan_dataframe(df, model=model).write.format("noop").mode("overwrite").save()
            timings.append(time.perf_counter() - start)
        return timings[0], min(timings[1:])
    finally:
        spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--model", default=None, help="model directory (default: packaged)")
    parser.add_argument("--corpus", type=Path, default=None, help="JSONL(.gz) of news stories")
    parser.add_argument("--field", default="text")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts")
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    documents = make_documents(args.docs, args.corpus, args.field, args.seed)
    chars = sum(map(len, documents))
    print(f"{len(documents)} documents, {chars / len(documents):.0f} characters on average")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    seconds = time_python(documents, args.model, args.repeat)
    print(f"python loop, 1 process: {len(documents) / seconds:7.1f} docs/s ({seconds:.1f} s)")
    for cores in args.cores:
        cold, warm = time_spark(documents, args.model, cores, args.repeat)
        print(
            f"spark local[{cores}]:       {len(documents) / warm:7.1f} docs/s ({warm:.1f} s;"
            f" first run incl. worker start-up {cold:.1f} s)"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

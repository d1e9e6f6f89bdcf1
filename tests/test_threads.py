"""One Detector shared by many threads gives exactly the serial results (the
word dictionary is loaded once however many threads ask first: test_words.py)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from detector import Detector

SENTENCES = [
    "市政府召开新闻发布会介绍今年前三季度经济运行情况",
    "新建的城市公园向市民免费开放",
    "研究人员发现一种新的水稻品种抗旱能力更强",
    "地铁三号线延伸段预计年底通车",
    "社区志愿者为独居老人上门送餐",
    "监管部门提醒投资者警惕场外配资风险",
]
ADS = [
    "杨方线上配资股票",
    "楊 方 線 上 配 資 股 票",
    "加微信\uff41\uff42\uff4312345领取福利",
    "无抵押贷款当天放款",
]


def texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        sentences = [rng.choice(SENTENCES) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.6:
            host = rng.randrange(len(sentences))
            cut = rng.randint(1, len(sentences[host]) - 1)
            sentence = sentences[host]
            sentences[host] = sentence[:cut] + rng.choice(ADS) + sentence[cut:]
        out.append("。".join(sentences) + "。")
    return out


def test_shared_detector_in_eight_threads_matches_a_serial_run(tiny_detector: Detector) -> None:
    corpus = texts(200)
    serial = [tiny_detector.scan(text) for text in corpus]
    assert sum(bool(v.findings) for v in serial) > 50  # the corpus exercises the tagger
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(tiny_detector.scan, corpus))
    assert threaded == serial
    with ThreadPoolExecutor(max_workers=8) as pool:  # and again, in another order
        reordered = list(pool.map(tiny_detector.scan, corpus[::-1]))
    assert reordered == serial[::-1]

"""Shared fixtures: a tiny model trained in-process from hand-written texts.

Unit tests use it instead of the shipped model, so they run in seconds and do not
need ../shared; only tests marked for the default model load the packaged one.
"""

from __future__ import annotations

import gzip
import io
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytest

from detector.core import Detector
from detector.model import save_model
from detector.training.examples import ClauseExample, GoldDocument
from detector.training.inject import GoldSpan
from detector.training.train import TrainConfig, fit_model

CLEAN_SENTENCES = [
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
    "气象台发布暴雨蓝色预警",
    "学校开展消防安全演练活动",
]
# Hosts for injected examples; also clean on their own.
INJECTION_HOSTS = [
    "各地加快推进重大项目建设",
    "专家表示消费市场持续回暖",
    "铁路部门增开临时旅客列车",
    "科研团队在量子通信领域取得突破",
    "全国夏粮实现丰收",
    "文旅市场持续升温",
]
AD_PHRASES = [
    ("杨方线上配资股票", "stock-margin"),
    ("王磊在线配资平台", "stock-margin"),
    ("正规实盘配资官网", "stock-margin"),
    ("金沙体育(中国)官方网站", "gambling"),
    ("银河娱乐app下载登录入口", "gambling"),
    ("加微信abc12345领取福利", "contact"),
    ("QQ群123456789免费荐股", "contact"),
    ("代开各类正规发票", "fake-invoice"),
    ("无抵押贷款当天放款", "loan"),
    ("访问www.xyz888.com注册就送", "link"),
]
TINY_CONFIG = TrainConfig(
    bits=14, tagger_bits=12, tagger_clean_clauses=1000, tagger_weight=1.0, char_cost=0.5
)


def _tiny_examples() -> tuple[list[ClauseExample], list[GoldDocument]]:
    clauses: list[ClauseExample] = []
    for sentence in CLEAN_SENTENCES + INJECTION_HOSTS:
        for part in (sentence, sentence[: len(sentence) // 2], sentence[len(sentence) // 2 :]):
            clauses.append(ClauseExample(part, "clean", np.zeros(len(part), np.int8)))
    for ad, category in AD_PHRASES:
        clauses.append(ClauseExample(ad, category, np.ones(len(ad), np.int8)))
        for host in INJECTION_HOSTS:
            cut = len(host) // 2
            text = host[:cut] + ad + host[cut:]
            labels = np.zeros(len(text), np.int8)
            labels[cut : cut + len(ad)] = 1
            clauses.append(ClauseExample(text, category, labels))
    article = "。".join(CLEAN_SENTENCES) + "。"
    seo = "股票配资平台哪家好。选择正规股票配资平台很重要。股票配资杠杆要适度。" * 3
    documents = [
        GoldDocument("clean", article, (), "clean", "", "fixture"),
        GoldDocument("seo", seo, (GoldSpan(0, len(seo), "stock-margin"),), "seo", "seo", "fixture"),
    ]
    return clauses, documents


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clauses, documents = _tiny_examples()
    model, _ = fit_model(clauses, documents, TINY_CONFIG)
    directory = tmp_path_factory.mktemp("tiny-model")
    save_model(model, directory, {"name": "tiny test model"})
    return directory


@pytest.fixture(scope="session")
def tiny_detector(tiny_model_dir: Path) -> Detector:
    return Detector.from_path(tiny_model_dir)


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class _FakeZstdFile(io.BytesIO):
    """``compression.zstd.ZstdFile`` of Python 3.14 (reading), as far as detector
    uses it, over a stand-in format: zstd's magic bytes, then gzip data."""

    def __init__(self, file: BinaryIO, mode: str = "rb") -> None:
        assert mode in ("r", "rb")
        data = file.read()
        assert data.startswith(ZSTD_MAGIC), "not the stand-in format"
        super().__init__(gzip.decompress(data[len(ZSTD_MAGIC) :]))


class _FakeZstdCompressor:
    """``compression.zstd.ZstdCompressor`` writing the stand-in format."""

    CONTINUE, FLUSH_BLOCK, FLUSH_FRAME = 0, 1, 2

    def __init__(self) -> None:
        self.data = b""

    def compress(self, data: bytes, mode: int = CONTINUE) -> bytes:
        self.data += data
        return b""

    def flush(self, mode: int = FLUSH_FRAME) -> bytes:
        if mode != self.FLUSH_FRAME:
            return b""
        return ZSTD_MAGIC + gzip.compress(self.data)


@pytest.fixture()
def fake_zstd(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], bytes]:
    """Python 3.14's ``compression.zstd``, faked over a stand-in format (this
    Python may have none); returns what compresses into that format."""
    package = types.ModuleType("compression")
    module = types.ModuleType("compression.zstd")
    module.ZstdFile = _FakeZstdFile  # type: ignore[attr-defined]
    module.ZstdCompressor = _FakeZstdCompressor  # type: ignore[attr-defined]
    module.ZstdError = type("ZstdError", (Exception,), {})  # type: ignore[attr-defined]
    package.zstd = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "compression", package)
    monkeypatch.setitem(sys.modules, "compression.zstd", module)
    return lambda data: ZSTD_MAGIC + gzip.compress(data)


@pytest.fixture()
def scan_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each ``Detector.scan_many`` call of the test is given, in
    order (the calls still scan): for tests that texts are scanned in batches."""
    batches: list[int] = []
    scan_many = Detector.scan_many

    def counted(self: Detector, texts):  # type: ignore[no-untyped-def]
        texts = list(texts)
        batches.append(len(texts))
        return scan_many(self, texts)

    monkeypatch.setattr(Detector, "scan_many", counted)
    return batches

"""Readers for ``../shared/corpora`` that undo what would fool a model.

See the corpora's PROVENANCE.md: 新闻联播 stories share a boilerplate opening,
SMS spam masks digits as ``x``, and the FBS set is space-segmented with
placeholders (``DIGIT``, ``CELLPHONE``, ``URL`` …).  The readers strip the
boilerplate and replace masks and placeholders with realistic random values so a
model learns the ads, not the masking.  Every reader is deterministic and splits
by a stable hash or by date, never by Python's randomized ``hash``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from detector.inputs import json_message

__all__ = [
    "CorpusError",
    "Document",
    "SpamLine",
    "check_manifest",
    "eastmoney_articles",
    "fbs_spam",
    "file_manifest",
    "illegal_domains",
    "lexicon_words",
    "sms_lines",
    "stable_fraction",
    "thucnews_titles",
    "xwlb_stories",
]

FILES = {
    "xwlb": "xwlb_cctv/xwlb_stories_2022_2025.jsonl.gz",
    "eastmoney": "cute_crawlers/eastmoney_stock_articles_2018.jsonl",
    "thucnews_dev": "thucnews_titles/dev.txt",
    "thucnews_test": "thucnews_titles/test.txt",
    "sms": "sms_spam_cn800k_sample/sms10k.tsv",
    "fbs": "fbs_sms/fbs_train.tsv",
    "lexicon": "lexicon_sensitive_konsheng_fork/ad_type_words.txt",
    "domains": "lexicon_sensitive_konsheng_fork/illegal_urls.txt",
}

#: FBS categories → detector categories (None: not advertising, left out).
FBS_CATEGORIES: dict[str, str | None] = {
    "AD:Loan": "loan",
    "AD:Network_service": "promotion",
    "AD:Other": "promotion",
    "AD:Real_estate": "promotion",
    "AD:Retail": "promotion",
    "FR:Financial": "phishing",
    "FR:Other": "phishing",
    "FR:Phishing(Bank)": "phishing",
    "FR:Phishing(Other)": "phishing",
    "IL:Escort_service": "adult",
    "IL:Fake_ID_and_invoice": "fake-invoice",
    "IL:Gambling": "gambling",
    "IL:Political_propaganda": None,
    "Other": None,
}


class CorpusError(Exception):
    """A corpus file is missing or malformed."""


@dataclass(frozen=True)
class Document:
    source: str
    key: str
    title: str
    text: str


@dataclass(frozen=True)
class SpamLine:
    source: str
    category: str
    text: str


def _path(root: Path, name: str) -> Path:
    path = root / FILES[name]
    if not path.is_file():
        raise CorpusError(f"{path}: corpus file not found (is --corpora right?)")
    return path


def stable_fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` alone (for deterministic splits)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def file_manifest(root: Path) -> dict[str, dict[str, object]]:
    """Checksums and sizes of every corpus file the training reads."""
    manifest: dict[str, dict[str, object]] = {}
    for name, relative in sorted(FILES.items()):
        path = _path(root, name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest[relative] = {"sha256": digest, "bytes": path.stat().st_size}
    return manifest


def check_manifest(root: Path, manifest_path: Path) -> dict[str, dict[str, object]]:
    """The corpora's checksums, after checking them against the recorded manifest
    (``training_data/corpora_manifest.json``): different data would make a
    different model, so a mismatch is an error naming the files."""
    actual = file_manifest(root)
    try:
        expected = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
        if not all(isinstance(entry, dict) for entry in expected.values()):
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):  # incl. JSON and UTF-8 errors
        raise CorpusError(
            f'{manifest_path}: not a corpora manifest (a JSON object with "files": {{name:'
            ' {"sha256": …}})'
        ) from None
    changed = sorted(
        name for name in set(actual) | set(expected)
        if actual.get(name, {}).get("sha256") != expected.get(name, {}).get("sha256")
    )  # fmt: skip
    if changed:
        raise CorpusError(f"{root}: corpus files differ from {manifest_path}: {', '.join(changed)}")
    return actual


_XWLB_BOILERPLATE = re.compile(r"^\s*(央视网消息)?\s*[（(]?\s*新闻联播\s*[）)]?\s*[：:]\s*")


def _json_records(path: Path, lines: Iterable[str], keys: tuple[str, ...]) -> Iterator[dict]:
    """The JSON objects of ``lines``, each with ``keys`` (``text`` a string); a
    line that is not one is an error naming the file and line, as the TSV
    readers' are."""
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise CorpusError(f"{path}:{number}: {json_message(exc)}") from None
        if not (
            isinstance(record, dict)
            and all(key in record for key in keys)
            and isinstance(record["text"], str)
        ):
            names = ", ".join(repr(key) for key in keys)
            raise CorpusError(f"{path}:{number}: expected an object with {names}")
        yield record


def xwlb_stories(root: Path) -> Iterator[tuple[str, Document]]:
    """(date, story) pairs with the 央视网消息（新闻联播）： opening removed."""
    path = _path(root, "xwlb")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for record in _json_records(path, handle, ("date", "story_idx", "text")):
            text = _XWLB_BOILERPLATE.sub("", record["text"].replace("央视网消息\n", "央视网消息"))
            text = text.strip()
            if len(text) < 40:
                continue
            key = f"xwlb:{record['date']}:{record['story_idx']}"
            yield record["date"], Document("xwlb", key, record.get("title", ""), text)


def eastmoney_articles(root: Path) -> Iterator[Document]:
    path = _path(root, "eastmoney")
    with path.open(encoding="utf-8") as handle:
        for record in _json_records(path, handle, ("path", "title", "text")):
            text = record["text"].strip()
            if text:
                yield Document("eastmoney", f"eastmoney:{record['path']}", record["title"], text)


def thucnews_titles(root: Path, part: str) -> Iterator[str]:
    with _path(root, f"thucnews_{part}").open(encoding="utf-8") as handle:
        for line in handle:
            title = line.rsplit("\t", 1)[0].strip()
            if title:
                yield title


_SMS_MASK = re.compile(r"(?<![a-wyz])x(?:[ .]?x)*(?![a-wyz])")


def _fill_digits(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(max(1, length)))


def _unmask_sms(text: str, rng: random.Random) -> str:
    return _SMS_MASK.sub(lambda m: _fill_digits(rng, m.group().count("x")), text)


def sms_lines(root: Path, rng: random.Random) -> Iterator[tuple[int, str]]:
    """(label, text) with 1 = spam; masked digits replaced by random digits."""
    with _path(root, "sms").open(encoding="utf-8") as handle:
        next(handle)  # header
        for number, line in enumerate(handle, start=2):
            label, sep, text = line.rstrip("\n").partition("\t")
            if not sep or label not in ("0", "1"):
                raise CorpusError(f"{handle.name}:{number}: expected label<TAB>text")
            text = re.sub(r"\s{2,}", " ", text).strip()
            if text:
                yield int(label), _unmask_sms(text, rng)


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌飞宇浩然欣怡"
_PLACES = "北京 上海 广州 深圳 杭州 成都 武汉 南京 苏州 重庆 长沙 郑州 西安 天津 东莞 佛山".split()
_TLDS = [".com", ".cn", ".net", ".cc", ".vip", ".top", ".xyz"]


def _random_url(rng: random.Random) -> str:
    name = "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(3, 8))
    )
    prefix = rng.choice(["", "www.", "http://", "https://", "m.", "http://www."])
    return f"{prefix}{name}{rng.choice(_TLDS)}"


def _placeholder(token: str, rng: random.Random) -> str:
    if token.startswith("CELLPHONE"):
        return "1" + rng.choice("3456789") + _fill_digits(rng, 9)
    if token.startswith("PHONE"):
        return rng.choice(["400", "0" + _fill_digits(rng, 2), "0" + _fill_digits(rng, 3)]) + (
            "-" + _fill_digits(rng, rng.choice([7, 8]))
        )
    if token.startswith("DIGIT"):
        return _fill_digits(rng, rng.randint(1, 4))
    if token.startswith("URL"):
        return _random_url(rng)
    if token.startswith("NAME"):
        return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    if token.startswith("PLACE"):
        return rng.choice(_PLACES)
    return token


_PLACEHOLDER = re.compile(r"(CELLPHONE|PHONE|DIGIT|URL|NAME|PLACE)[a-zA-Z]*")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")


def _unsegment(tokens: list[str]) -> str:
    """Join FBS tokens; keep a space only between two ASCII words."""
    out = ""
    for token in tokens:
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(token[0]):
            out += " "
        out += token
    return out


def fbs_spam(root: Path, rng: random.Random) -> Iterator[SpamLine]:
    """FBS training half with spacing undone and placeholders filled in."""
    with _path(root, "fbs").open(encoding="utf-8") as handle:
        next(handle)
        for number, line in enumerate(handle, start=2):
            label, sep, tokenized = line.rstrip("\n").partition("\t")
            if not sep:
                raise CorpusError(f"{handle.name}:{number}: expected category<TAB>text")
            category = FBS_CATEGORIES.get(label)
            if category is None:
                continue
            tokens = [
                _PLACEHOLDER.sub(lambda m: _placeholder(m.group(), rng), token)
                for token in tokenized.split()
            ]
            text = _unsegment(tokens)
            if len(text) >= 6:
                yield SpamLine("fbs", category, text)


def lexicon_words(root: Path) -> list[str]:
    with _path(root, "lexicon").open(encoding="utf-8") as handle:
        return sorted({w.strip() for w in handle if w.strip()})


def illegal_domains(root: Path) -> list[str]:
    with _path(root, "domains").open(encoding="utf-8") as handle:
        return sorted({d.strip().lower() for d in handle if d.strip() and "." in d})

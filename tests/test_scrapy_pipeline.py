"""A real crawl: a local site, a real Scrapy spider, the pipeline with the tiny model.

Twisted's reactor cannot be restarted inside pytest, so the crawl runs in a
subprocess; it runs one spider per configuration (flag / clean / drop, with dict,
``scrapy.Item`` and dataclass items) in a single ``CrawlerProcess``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("scrapy")

AD = "杨方线上配资股票"
CONTACT_AD = "加微信abc12345领取福利"
INJECTED = (
    f"今年以来全市工业增加值同比增长百分之六，各地加快推进{AD}重大项目建设，"
    "气象台发布暴雨蓝色预警。"
)
CONTACT = f"全国夏粮实现丰收,文旅市场持续升温。科研团队在量子通信领域取得突破{CONTACT_AD}。"
CLEAN = "农业农村部部署秋粮收获工作。气象台发布暴雨蓝色预警。"
TITLE = "多地出台措施稳定和扩大就业"
ARTICLES = {"/injected.html": INJECTED, "/contact.html": CONTACT, "/clean.html": CLEAN}


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>新闻</title></head>'
        f'<body><h1>{title}</h1><div class="content">{body}</div></body></html>'
    ).encode()


PAGES = {path: _page(TITLE, body) for path, body in ARTICLES.items()}
PAGES["/"] = (
    "<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in ARTICLES) + "</body></html>"
).encode()


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path)
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(page or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


CRAWL = textwrap.dedent(
    """
    import dataclasses, json, sys, warnings

    warnings.simplefilter("always")
    import scrapy
    from scrapy.crawler import CrawlerProcess

    config = json.loads(sys.argv[1])


    class Article(scrapy.Item):
        url = scrapy.Field()
        title = scrapy.Field()
        content = scrapy.Field()
        detector = scrapy.Field()


    class BareArticle(scrapy.Item):  # no ``detector`` field declared
        url = scrapy.Field()
        title = scrapy.Field()
        content = scrapy.Field()


    @dataclasses.dataclass
    class ArticleData:
        url: str
        title: str
        content: str
        detector: dict | None = None


    KINDS = {"dict": dict, "item": Article, "bare": BareArticle, "dataclass": ArticleData}


    class News(scrapy.Spider):
        name = "news"
        kind = "dict"

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, self.parse_article)

        def parse_article(self, response):
            yield KINDS[self.kind](
                url=response.url,
                title=response.css("h1::text").get(),
                content=response.css("div.content::text").get(),
            )


    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "ITEM_PIPELINES": {"detector.integrations.scrapy.DetectorPipeline": 300},
            "DETECTOR_MODEL": config["model"],
        }
    )
    crawlers = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for run in config["runs"]:
            out = config["out"] + "/" + run["name"]
            settings = {
                "DETECTOR_ACTION": run["action"],
                "DETECTOR_QUARANTINE": out + ".quarantine.jsonl",
                "FEEDS": {out + ".items.jsonl": {"format": "jsonlines", "encoding": "utf8"}},
            }
            spider = type(run["name"], (News,), {
                "name": run["name"],
                "kind": run["kind"],
                "start_urls": [config["site"] + "/"],
                "custom_settings": settings,
            })
            crawlers[run["name"]] = process.create_crawler(spider)
            process.crawl(crawlers[run["name"]])
        process.start()
    stats = {name: crawler.stats.get_stats() for name, crawler in crawlers.items()}
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    with open(config["out"] + "/result.json", "w") as handle:
        json.dump({"stats": stats, "warnings": warned}, handle, default=str)
    """
)

RUNS = [
    {"name": "flag_dict", "action": "flag", "kind": "dict"},
    {"name": "clean_dict", "action": "clean", "kind": "dict"},
    {"name": "drop_dict", "action": "drop", "kind": "dict"},
    {"name": "flag_item", "action": "flag", "kind": "item"},
    {"name": "flag_bare", "action": "flag", "kind": "bare"},
    {"name": "clean_dataclass", "action": "clean", "kind": "dataclass"},
]


@pytest.fixture(scope="module")
def crawl(site: str, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    script = out / "crawl.py"
    script.write_text(CRAWL, encoding="utf-8")
    config = {"site": site, "model": str(tiny_model_dir), "out": str(out), "runs": RUNS}
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=out,
    )
    assert done.returncode == 0, done.stderr
    (out / "stderr.txt").write_text(done.stderr, encoding="utf-8")
    return out


def _items(crawl: Path, name: str) -> dict[str, dict[str, Any]]:
    lines = (crawl / f"{name}.items.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["url"].rsplit("/", 1)[1]: item for item in map(json.loads, lines)}


def _quarantine(crawl: Path, name: str) -> dict[str, dict[str, Any]]:
    path = crawl / f"{name}.quarantine.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {r["item"]["url"].rsplit("/", 1)[1]: r for r in map(json.loads, lines)}


def _stats(crawl: Path, name: str) -> dict[str, Any]:
    result = json.loads((crawl / "result.json").read_text(encoding="utf-8"))
    return {k: v for k, v in result["stats"][name].items() if k.startswith("detector/")}


def test_flag_stores_the_verdict_and_keeps_the_text(crawl: Path) -> None:
    items = _items(crawl, "flag_dict")
    assert set(items) == {"injected.html", "contact.html", "clean.html"}
    injected = items["injected.html"]
    assert injected["content"] == INJECTED
    assert injected["detector"]["flagged"] and not injected["detector"]["cleaned"]
    [finding] = injected["detector"]["findings"]
    assert finding["field"] == "content" and finding["text"] == AD
    assert INJECTED[finding["start"] : finding["end"]] == AD
    assert items["clean.html"]["detector"]["findings"] == []
    assert not items["clean.html"]["detector"]["flagged"]
    assert _quarantine(crawl, "flag_dict") == {}
    assert _stats(crawl, "flag_dict") == {"detector/items_scanned": 3, "detector/items_flagged": 2}


def test_clean_removes_spans_and_quarantines_originals(crawl: Path) -> None:
    items = _items(crawl, "clean_dict")
    assert items["injected.html"]["content"] == INJECTED.replace(AD, "")
    assert items["contact.html"]["content"] == CONTACT.replace(CONTACT_AD, "")
    assert items["clean.html"]["content"] == CLEAN
    assert all(item["title"] == TITLE for item in items.values())
    removed = items["injected.html"]["detector"]["findings"]
    assert [(f["text"], f["removed"]) for f in removed] == [(AD, True)]
    quarantine = _quarantine(crawl, "clean_dict")
    assert set(quarantine) == {"injected.html", "contact.html"}
    assert quarantine["injected.html"]["item"]["content"] == INJECTED
    assert quarantine["injected.html"]["action"] == "clean"
    assert quarantine["injected.html"]["spider"] == "clean_dict"
    assert _stats(crawl, "clean_dict") == {
        "detector/items_scanned": 3,
        "detector/items_flagged": 2,
        "detector/items_cleaned": 2,
    }


def test_drop_drops_flagged_items_and_quarantines_them(crawl: Path) -> None:
    items = _items(crawl, "drop_dict")
    assert set(items) == {"clean.html"}
    assert items["clean.html"]["content"] == CLEAN
    quarantine = _quarantine(crawl, "drop_dict")
    assert set(quarantine) == {"injected.html", "contact.html"}
    assert quarantine["contact.html"]["item"]["content"] == CONTACT
    assert quarantine["contact.html"]["detector"]["dropped"] is True
    stats = _stats(crawl, "drop_dict")
    assert stats["detector/items_dropped"] == 2
    assert stats["detector/items_scanned"] == 3


def test_scrapy_items_and_dataclasses(crawl: Path) -> None:
    declared = _items(crawl, "flag_item")
    assert declared["injected.html"]["detector"]["findings"][0]["text"] == AD
    # An Item class without the result field: items pass through without it.
    bare = _items(crawl, "flag_bare")
    assert set(bare) == {"injected.html", "contact.html", "clean.html"}
    assert all("detector" not in item for item in bare.values())
    assert _stats(crawl, "flag_bare")["detector/results_not_stored"] == 3
    stderr = (crawl / "stderr.txt").read_text(encoding="utf-8")
    assert stderr.count("BareArticle has no field 'detector'") == 1
    dataclass_items = _items(crawl, "clean_dataclass")
    assert dataclass_items["injected.html"]["content"] == INJECTED.replace(AD, "")
    assert dataclass_items["injected.html"]["detector"]["cleaned"] is True


def test_pipeline_raises_no_deprecation_warnings(crawl: Path) -> None:
    result = json.loads((crawl / "result.json").read_text(encoding="utf-8"))
    assert [w for w in result["warnings"] if "Deprecat" in w] == []


def test_settings_are_read_once_in_from_crawler(tiny_model_dir: Path) -> None:
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from detector.integrations.scrapy import DetectorPipeline

    settings = {
        "DETECTOR_MODEL": str(tiny_model_dir),
        "DETECTOR_THRESHOLD": "0.6",
        "DETECTOR_FIELDS": "content",
        "DETECTOR_ACTION": "Drop",
        "DETECTOR_RESULT_FIELD": None,
    }
    crawler = get_crawler(settings_dict=settings)
    pipeline = DetectorPipeline.from_crawler(crawler)
    assert pipeline.detector.threshold == 0.6
    assert pipeline.fields == ("content",) and pipeline.action == "drop"
    pipeline.open_spider()
    item = {"title": INJECTED, "content": CLEAN}  # the title is not scanned
    assert pipeline.process_item(item) == {"title": INJECTED, "content": CLEAN}
    with pytest.raises(DropItem, match="content"):
        pipeline.process_item({"content": INJECTED})
    pipeline.close_spider()
    with pytest.raises(ValueError, match="DETECTOR_ACTION"):
        DetectorPipeline.from_crawler(
            get_crawler(settings_dict={**settings, "DETECTOR_ACTION": "delete"})
        )


def _pipeline(tiny_model_dir: Path, **settings: Any):  # type: ignore[no-untyped-def]
    from scrapy.utils.test import get_crawler

    from detector.integrations.scrapy import DetectorPipeline

    crawler = get_crawler(settings_dict={"DETECTOR_MODEL": str(tiny_model_dir), **settings})
    return DetectorPipeline.from_crawler(crawler), crawler.stats


def test_quarantine_keeps_surrogates_and_odd_keys(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A lone surrogate raised UnicodeEncodeError and a tuple key TypeError: the
    item was neither passed on nor quarantined."""
    quarantine = tmp_path / "q.jsonl"
    pipeline, _ = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE=str(quarantine)
    )
    pipeline.open_spider()
    odd = {"content": "新闻\ud800内容。" + INJECTED, "meta": {(1, 2): "x"}}
    cleaned = pipeline.process_item(dict(odd))
    pipeline.close_spider()
    assert cleaned["content"] == "新闻\ud800内容。" + INJECTED.replace(AD, "")
    (line,) = quarantine.read_text(encoding="utf-8").splitlines()
    assert "\\ud800" in line
    assert json.loads(line)["item"] == {**odd, "meta": {"(1, 2)": "x"}}


def test_a_compressed_quarantine_gets_whole_compressed_records(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """DETECTOR_QUARANTINE = "q.jsonl.gz" got plain text lines: not gzip at all,
    and appended to a gzip file, unreadable past its first stream."""
    import gzip

    quarantine = tmp_path / "q.jsonl.gz"
    for crawl in (1, 2):
        pipeline, _ = _pipeline(
            tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE=str(quarantine)
        )
        pipeline.open_spider()
        pipeline.process_item({"content": INJECTED, "id": f"a{crawl}"})
        pipeline.close_spider()
    with gzip.open(quarantine, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert [r["item"]["id"] for r in records] == ["a1", "a2"]
    assert all(r["item"]["content"] == INJECTED for r in records)


def test_quarantine_lines_are_strict_json(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A float NaN or infinity in an item (a price parsed from "--") was written as
    a bare ``NaN`` / ``Infinity``: not JSON, so strict JSONL readers (jq, Spark,
    other languages) rejected the quarantine line.  README: values JSON cannot
    hold are written as ``str(value)``."""
    quarantine = tmp_path / "q.jsonl"
    pipeline, _ = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE=str(quarantine)
    )
    pipeline.open_spider()
    item = {"content": INJECTED, "price": float("nan"), "meta": {"high": [float("inf")]}}
    pipeline.process_item(item)
    pipeline.close_spider()
    (line,) = quarantine.read_text(encoding="utf-8").splitlines()

    def reject(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    record = json.loads(line, parse_constant=reject)
    assert record["item"]["price"] == "nan" and record["item"]["meta"] == {"high": ["inf"]}


def test_a_quarantine_that_cannot_be_written_loses_no_item(
    tiny_model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from scrapy.exceptions import DropItem

    class FullDisk:
        def append(self, data: bytes) -> None:
            raise OSError(28, "No space left on device")

    for action in ("clean", "drop"):
        pipeline, stats = _pipeline(
            tiny_model_dir, DETECTOR_ACTION=action, DETECTOR_QUARANTINE=str(tmp_path / "q")
        )
        pipeline._quarantine = FullDisk()  # type: ignore[assignment]
        item = {"content": INJECTED, "id": "a1"}
        if action == "clean":
            assert pipeline.process_item(item)["content"] == INJECTED.replace(AD, "")
        else:
            with pytest.raises(DropItem):
                pipeline.process_item(item)
        assert stats.get_value("detector/quarantine_errors") == 1
        assert "No space left on device" in caplog.text and "'id': 'a1'" in caplog.text
    circular: dict[str, Any] = {"content": INJECTED}
    circular["self"] = circular
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE=str(tmp_path / "q2")
    )
    pipeline.open_spider()
    assert pipeline.process_item(circular)["content"] == INJECTED.replace(AD, "")
    pipeline.close_spider()
    assert stats.get_value("detector/quarantine_errors") == 1


@pytest.mark.parametrize("value", ["0,8", "1.5", "high"])
def test_a_bad_threshold_setting_is_named(tiny_model_dir: Path, value: str) -> None:
    with pytest.raises(ValueError, match=f"DETECTOR_THRESHOLD .*got '{value}'"):
        _pipeline(tiny_model_dir, DETECTOR_THRESHOLD=value)


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_threshold_setting_is_named(tiny_model_dir: Path, value: bool) -> None:
    """float(True) is 1.0: ``DETECTOR_THRESHOLD = True`` silently reported nothing
    (False: every span), where ``check_item(threshold=True)`` raises."""
    with pytest.raises(ValueError, match=f"DETECTOR_THRESHOLD .*got {value}"):
        _pipeline(tiny_model_dir, DETECTOR_THRESHOLD=value)


def test_the_threshold_setting_takes_the_model_threshold_names(tiny_model_dir: Path) -> None:
    pipeline, _ = _pipeline(tiny_model_dir, DETECTOR_THRESHOLD=" Block ")
    assert pipeline.detector.threshold == pipeline.detector.model.thresholds["block"]


def test_allow_setting_drops_findings_of_allowed_phrases(tiny_model_dir: Path) -> None:
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="drop", DETECTOR_ALLOW=["杨方线上配资股票"]
    )
    item = pipeline.process_item({"content": INJECTED})
    assert item["detector"]["flagged"] is False
    assert stats.get_value("detector/items_flagged") is None


def test_ignore_categories_setting_drops_their_findings(tiny_model_dir: Path) -> None:
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="drop", DETECTOR_IGNORE_CATEGORIES="gambling, stock-margin"
    )
    assert pipeline.ignore_categories == {"gambling", "stock-margin"}
    item = pipeline.process_item({"content": INJECTED})
    assert item["detector"]["flagged"] is False
    assert stats.get_value("detector/items_flagged") is None
    with pytest.raises(ValueError, match=r"^DETECTOR_IGNORE_CATEGORIES: unknown category 'margin'"):
        _pipeline(tiny_model_dir, DETECTOR_IGNORE_CATEGORIES=["margin"])


@pytest.mark.parametrize(
    "value", [{"stock-margin": "off"}, "stock-margin=off, gambling=0.5", {"stock-margin": 1.0}]
)
def test_category_thresholds_setting(tiny_model_dir: Path, value: Any) -> None:
    """A dict, or from the command line NAME=X pairs split at commas."""
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="drop", DETECTOR_CATEGORY_THRESHOLDS=value
    )
    item = pipeline.process_item({"content": INJECTED})
    assert item["detector"]["flagged"] is False
    assert stats.get_value("detector/items_flagged") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"stock-margin": 2}, "threshold of 'stock-margin' must be a number"),
        ("stock-margin", "is not NAME=X"),
        ({"margin": 0.5}, "unknown category 'margin'"),
        (3, "must be a dict"),
    ],
)
def test_a_bad_category_thresholds_setting_is_named(
    tiny_model_dir: Path, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^DETECTOR_CATEGORY_THRESHOLDS.*{re.escape(message)}"):
        _pipeline(tiny_model_dir, DETECTOR_CATEGORY_THRESHOLDS=value)


def test_list_settings_from_the_command_line_are_stripped(tiny_model_dir: Path) -> None:
    """``-s DETECTOR_FIELDS="title, content"`` gave the field ' content', which no
    item has: the content was silently never scanned."""
    pipeline, _ = _pipeline(
        tiny_model_dir,
        DETECTOR_FIELDS=" title, content ,content",
        DETECTOR_ALLOW="东方财富APP下载, 杨方线上配资股票",
    )
    assert pipeline.fields == ("title", "content")
    assert pipeline.allow == ("东方财富APP下载", "杨方线上配资股票")
    item = pipeline.process_item({"title": TITLE, "content": INJECTED})
    assert item["detector"]["fields"] == ["title", "content"]
    assert item["detector"]["flagged"] is False  # the allowlisted ad


@pytest.mark.parametrize("value", [" , ", ["title", 3], [" "]])
def test_bad_fields_setting_is_named(tiny_model_dir: Path, value: Any) -> None:
    with pytest.raises(ValueError, match="DETECTOR_FIELDS"):
        _pipeline(tiny_model_dir, DETECTOR_FIELDS=value)


@pytest.mark.parametrize(
    "name", ["DETECTOR_FIELDS", "DETECTOR_ALLOW", "DETECTOR_IGNORE_CATEGORIES"]
)
def test_a_list_setting_that_is_not_a_list_is_named(tiny_model_dir: Path, name: str) -> None:
    """``DETECTOR_FIELDS = 3`` stopped the crawl with Scrapy's bare ``TypeError:
    'int' object is not iterable``, which names no setting."""
    with pytest.raises(ValueError, match=f"^{name} must be"):
        _pipeline(tiny_model_dir, **{name: 3})


def test_html_content_is_not_dropped_for_its_markup(tiny_model_dir: Path) -> None:
    """An article body kept as HTML was scanned tags and all: a clean article with
    an image URL and a script was flagged, so DETECTOR_ACTION = "drop" dropped it."""
    from scrapy.exceptions import DropItem

    body = (
        '<div class="content"><p>会议强调要深化产融合作。</p>'
        '<p><img src="http://www.xyz888.com/upload/news-1234.jpg" alt=""></p>'
        '<script>var qq="123456789";</script><p>气象台发布暴雨蓝色预警。</p></div>'
    )
    pipeline, stats = _pipeline(tiny_model_dir, DETECTOR_ACTION="drop")
    item = pipeline.process_item({"title": TITLE, "content": body})
    assert item["content"] == body and item["detector"]["flagged"] is False
    with pytest.raises(DropItem):
        pipeline.process_item({"content": f"<p>{INJECTED}</p>"})
    assert stats.get_value("detector/items_dropped") == 1


def test_fields_that_are_not_strings_are_reported_not_silently_skipped(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An ItemLoader without an output processor gives lists (``["段一", "段二"]``):
    the content went unscanned without a word, and the item passed as clean."""
    pipeline, stats = _pipeline(tiny_model_dir)
    for _ in range(3):
        item = pipeline.process_item({"title": TITLE, "content": [INJECTED, 3]})
        assert item["detector"]["fields"] == ["title"]
    pipeline.process_item({"title": None, "content": INJECTED.encode()})
    pipeline.process_item({"title": TITLE})  # missing: nothing to say
    # .getall() on a page without the paragraphs: an empty text, not a wrong type.
    empty = pipeline.process_item({"title": TITLE, "content": []})
    assert empty["detector"]["fields"] == ["title", "content"] and empty["content"] == []
    assert stats.get_value("detector/fields_not_scanned") == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # once per item class, field and type
    assert "'content' holds a list, not a string or a list of strings" in warnings[0]
    assert "'content' holds a bytes" in warnings[1]


def test_drop_and_clean_pass_an_item_that_is_flagged_but_not_blocked(
    tiny_model_dir: Path,
) -> None:
    review = "专家表示消费市场持续回暖登录入口"  # the tiny model at 0.2: one finding, ~0.48
    for action, stat in (("drop", "items_dropped"), ("clean", "items_cleaned")):
        pipeline, stats = _pipeline(
            tiny_model_dir, DETECTOR_ACTION=action, DETECTOR_THRESHOLD="0.2"
        )
        item = pipeline.process_item({"title": review})
        assert item["title"] == review
        assert item["detector"]["flagged"] and not item["detector"]["is_spam"]
        assert stats.get_value("detector/items_flagged") == 1
        assert stats.get_value(f"detector/{stat}") is None


def test_items_without_any_of_the_fields_are_counted_and_warned_about(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A spider whose text is in ``body`` passed every item, ads and all, as
    scanned and clean under the default fields, without a word."""
    pipeline, stats = _pipeline(tiny_model_dir)
    for _ in range(3):
        item = pipeline.process_item({"url": "https://example.com/1", "body": INJECTED})
        assert item["detector"]["fields"] == []
    pipeline.process_item({"title": None})  # present but empty counts as missing too
    pipeline.process_item({"title": TITLE})  # one of the fields: nothing to say
    assert stats.get_value("detector/items_without_fields") == 4
    # Only the item with a field was scanned: the others once counted as scanned too.
    assert stats.get_value("detector/items_scanned") == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "dict item has none of the fields DETECTOR_FIELDS names (title, content): nothing in it"
        " is scanned; its fields: url, body"
    ]


def test_items_scanned_counts_only_items_in_which_a_field_was_scanned(
    tiny_model_dir: Path,
) -> None:
    """``detector/items_scanned`` counted every item the pipeline saw, those with
    nothing to scan included: a crawl whose items all lacked the fields, or held
    them as bytes, reported every item as scanned."""
    pipeline, stats = _pipeline(tiny_model_dir)
    pipeline.process_item({"body": INJECTED})  # none of the fields
    pipeline.process_item({"content": INJECTED.encode()})  # the field, not a text
    pipeline.process_item({"title": b"x", "content": 3})  # neither is a text
    assert stats.get_value("detector/items_scanned") is None
    assert stats.get_value("detector/items_without_fields") == 1
    assert stats.get_value("detector/fields_not_scanned") == 3
    pipeline.process_item({"title": b"x", "content": INJECTED})  # one text: scanned
    pipeline.process_item({"content": []})  # an empty list is an empty text
    assert stats.get_value("detector/items_scanned") == 2
    assert stats.get_value("detector/items_flagged") == 1


def test_closing_logs_the_finding_texts_found_in_the_most_items(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At the end of a crawl, the texts found in the most items: a campaign
    spliced into every page, or a site's own line to allowlist."""
    pipeline, _ = _pipeline(tiny_model_dir, DETECTOR_ACTION="drop")
    pipeline.open_spider()
    caplog.set_level("INFO", logger="detector.integrations.scrapy")
    from scrapy.exceptions import DropItem

    for text in (INJECTED, INJECTED.replace("杨方", "杨\u200b方"), CONTACT):  # CONTACT: once
        with pytest.raises(DropItem):  # dropped items count too
            pipeline.process_item({"title": TITLE, "content": text})
    pipeline.process_item({"content": CLEAN})
    pipeline.close_spider()
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("detector: ")]
    assert logged == [f'detector: recurring findings: 2 documents "{AD}" (stock-margin)']
    caplog.clear()
    pipeline.open_spider()  # a second crawl with the same pipeline starts from nothing
    pipeline.process_item({"content": CLEAN})
    pipeline.close_spider()
    assert not [r for r in caplog.records if r.getMessage().startswith("detector: ")]


def test_a_quarantine_path_that_cannot_be_opened_is_named(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "no such dir" / "q.jsonl"
    pipeline, _ = _pipeline(tiny_model_dir, DETECTOR_QUARANTINE=str(path))
    with pytest.raises(OSError, match=f"^DETECTOR_QUARANTINE {path}: cannot open it for"):
        pipeline.open_spider()


@pytest.mark.parametrize("value", [True, 1, 3])
def test_a_quarantine_setting_that_is_not_a_path_is_named(tiny_model_dir: Path, value: Any) -> None:
    """``DETECTOR_QUARANTINE = True`` (or a number) went to open() as a file
    descriptor: True is fd 1, so the originals were written to stdout, and
    close_spider closed the process's stdout (fd 3 could be a socket)."""
    with pytest.raises(ValueError, match=f"^DETECTOR_QUARANTINE must be a path.*got {value!r}"):
        _pipeline(tiny_model_dir, DETECTOR_QUARANTINE=value)


def test_a_quarantine_of_none_from_the_command_line_is_no_quarantine(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-s DETECTOR_QUARANTINE=None`` arrives as the string "None", which made a
    file of that name in the crawl's directory (the result field took it as off)."""
    from scrapy.exceptions import DropItem

    monkeypatch.chdir(tmp_path)
    pipeline, _ = _pipeline(tiny_model_dir, DETECTOR_ACTION="drop", DETECTOR_QUARANTINE="None")
    pipeline.open_spider()
    with pytest.raises(DropItem):
        pipeline.process_item({"title": TITLE, "content": INJECTED})
    pipeline.close_spider()
    assert list(tmp_path.iterdir()) == []


def test_a_list_of_paragraphs_is_scanned_and_cleaned(tiny_model_dir: Path) -> None:
    """The paragraphs of an ItemLoader without an output processor are scanned
    one by one, and clean puts back a list with the ad's paragraph cleaned."""
    pipeline, stats = _pipeline(tiny_model_dir, DETECTOR_ACTION="clean")
    item = pipeline.process_item({"title": TITLE, "content": [CLEAN, INJECTED]})
    assert item["content"] == [CLEAN, INJECTED.replace(AD, "")]
    assert item["detector"]["fields"] == ["title", "content[0]", "content[1]"]
    assert [f["field"] for f in item["detector"]["findings"]] == ["content[1]"]
    assert stats.get_value("detector/items_cleaned") == 1
    assert stats.get_value("detector/fields_not_scanned") is None


def test_crawlers_in_one_process_share_the_loaded_model(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Each crawler loaded DETECTOR_MODEL again: ten spiders in one process held
    ten copies of the arrays (~43 MB each for the packaged model)."""
    import shutil

    first, _ = _pipeline(tiny_model_dir)
    second, _ = _pipeline(tiny_model_dir, DETECTOR_THRESHOLD=0.9)
    third, _ = _pipeline(Path(str(tiny_model_dir) + "/"), DETECTOR_ACTION="clean")
    assert second.detector.model is first.detector.model is third.detector.model
    assert second.detector.threshold == 0.9 != first.detector.threshold
    # A model rewritten in place (retrained) is read again, not served stale.
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    before, _ = _pipeline(copy)
    card = copy / "model.json"
    card.write_text(card.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after, _ = _pipeline(copy)
    assert after.detector.model is not before.detector.model


def test_frozen_items_are_replaced_not_lost(tiny_model_dir: Path) -> None:
    """A frozen dataclass or attrs item raised FrozenInstanceError when the result
    (or the cleaned text) was set: Scrapy logged the error and the item was lost,
    with ``flag`` not even quarantined."""
    import dataclasses

    import attrs

    @dataclasses.dataclass(frozen=True)
    class Frozen:
        url: str
        content: str
        detector: dict[str, Any] | None = None

    @attrs.frozen
    class FrozenAttrs:
        url: str
        content: str
        detector: dict[str, Any] | None = None

    @dataclasses.dataclass(frozen=True)
    class FrozenBare:  # no result field declared
        url: str
        content: str

    for action in ("flag", "clean"):
        pipeline, stats = _pipeline(tiny_model_dir, DETECTOR_ACTION=action)
        for kind in (Frozen, FrozenAttrs):
            item = kind(url="u", content=INJECTED)
            out = pipeline.process_item(item)
            assert type(out) is kind and out.url == "u" and out.detector["flagged"] is True
            assert item.content == INJECTED and item.detector is None  # the original
            want = INJECTED.replace(AD, "") if action == "clean" else INJECTED
            assert out.content == want
        bare = pipeline.process_item(FrozenBare(url="u", content=INJECTED))
        assert type(bare) is FrozenBare
        assert bare.content == (INJECTED.replace(AD, "") if action == "clean" else INJECTED)
        assert stats.get_value("detector/results_not_stored") == 1


def test_a_frozen_item_whose_cleaned_field_cannot_be_set_is_a_clear_error(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A frozen dataclass whose scanned field is not an ``__init__`` argument
    cannot be changed in place nor copied with it changed: the error was
    dataclasses.replace's own ValueError ("field content is declared with
    init=False …"), naming neither the item nor the setting, and
    ``detector/items_cleaned`` counted the item Scrapy then lost.  It is now an
    error naming the class, the field and DETECTOR_ACTION; the item is never
    passed on uncleaned, and its original is in the quarantine."""
    import dataclasses

    from detector.integrations.scrapy import UnwritableItemError

    @dataclasses.dataclass(frozen=True)
    class Fixed:
        url: str
        content: str = dataclasses.field(default=INJECTED, init=False)
        detector: dict[str, Any] | None = None

    quarantine = tmp_path / "q.jsonl"
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE=str(quarantine)
    )
    pipeline.open_spider()
    with pytest.raises(UnwritableItemError) as caught:
        pipeline.process_item(Fixed(url="u"))
    pipeline.close_spider()
    message = str(caught.value)
    start = "Fixed item: DETECTOR_ACTION = 'clean' cannot set its cleaned"
    assert message.startswith(start), message
    assert "'content'" in message and "init=False" in message
    assert stats.get_value("detector/items_cleaned") is None
    assert stats.get_value("detector/items_flagged") == 1
    (line,) = quarantine.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["item"]["content"] == INJECTED
    # Flagging it needs no change to the text: it passes, verdict stored.
    flagging, _ = _pipeline(tiny_model_dir)
    assert flagging.process_item(Fixed(url="u")).detector["flagged"] is True


def test_a_frozen_item_whose_result_field_cannot_be_set_passes_without_it(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A result field declared ``init=False`` on a frozen class: dataclasses'
    ValueError lost every item (even with ``flag``), and attrs' TypeError was
    reported as "has no field 'detector'", which the class does have."""
    import dataclasses

    import attrs

    @dataclasses.dataclass(frozen=True)
    class Frozen:
        content: str
        detector: dict[str, Any] | None = dataclasses.field(default=None, init=False)

    @attrs.frozen
    class FrozenAttrs:
        content: str
        detector: dict[str, Any] | None = attrs.field(default=None, init=False)

    for action in ("flag", "clean"):
        pipeline, stats = _pipeline(tiny_model_dir, DETECTOR_ACTION=action)
        for kind in (Frozen, FrozenAttrs):
            out = pipeline.process_item(kind(content=INJECTED))
            assert type(out) is kind and out.detector is None
            want = INJECTED.replace(AD, "") if action == "clean" else INJECTED
            assert out.content == want
        assert stats.get_value("detector/results_not_stored") == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 4 and not any("has no field" in w for w in warnings), warnings
    assert warnings[0].startswith("Frozen field 'detector' cannot be set (")
    assert "detector results are not stored on these items" in warnings[0]


def test_a_frozen_attrs_item_with_private_fields_is_cleaned(tiny_model_dir: Path) -> None:
    """attrs names the ``__init__`` argument of a field ``_content`` ``content``:
    ``attrs.evolve(item, _content=…)`` raised TypeError and the item was lost."""
    import attrs

    @attrs.frozen
    class Private:
        _content: str
        _detector: dict[str, Any] | None = None

    pipeline, stats = _pipeline(
        tiny_model_dir,
        DETECTOR_ACTION="clean",
        DETECTOR_FIELDS=["_content"],
        DETECTOR_RESULT_FIELD="_detector",
    )
    out = pipeline.process_item(Private(INJECTED))
    assert type(out) is Private and out._content == INJECTED.replace(AD, "")
    assert out._detector["cleaned"] is True
    assert stats.get_value("detector/items_cleaned") == 1


@pytest.mark.parametrize("value", ["None", " none ", ""])
def test_result_field_none_from_the_command_line_stores_nothing(
    tiny_model_dir: Path, value: str
) -> None:
    """``scrapy crawl -s DETECTOR_RESULT_FIELD=None`` gives the string "None": it
    once stored the result under a key named "None"."""
    from scrapy.utils.test import get_crawler

    from detector.integrations.scrapy import DetectorPipeline

    crawler = get_crawler(
        settings_dict={"DETECTOR_MODEL": str(tiny_model_dir), "DETECTOR_RESULT_FIELD": value}
    )
    pipeline = DetectorPipeline.from_crawler(crawler)
    assert pipeline.result_field is None
    pipeline.open_spider()
    assert pipeline.process_item({"content": CLEAN}) == {"content": CLEAN}
    pipeline.close_spider()


@pytest.mark.parametrize("value", [["detector"], 3])
def test_a_result_field_setting_that_is_not_a_name_is_named(
    tiny_model_dir: Path, value: Any
) -> None:
    """A list was an unhashable key: every item passed without its result under
    the warning "dict has no field ['detector']"; a number became a key 3."""
    with pytest.raises(ValueError, match=r"^DETECTOR_RESULT_FIELD must be a field name"):
        _pipeline(tiny_model_dir, DETECTOR_RESULT_FIELD=value)


def test_a_result_field_that_is_a_scanned_field_is_refused(tiny_model_dir: Path) -> None:
    """``DETECTOR_RESULT_FIELD = "content"`` with content among DETECTOR_FIELDS
    replaced every article's text by its verdict: the whole crawl lost its text."""
    with pytest.raises(ValueError, match=r"^DETECTOR_RESULT_FIELD 'content' is one of the"):
        _pipeline(tiny_model_dir, DETECTOR_RESULT_FIELD="content")


def test_a_string_field_whose_name_has_brackets_is_written_back(tiny_model_dir: Path) -> None:
    """Result keys name list elements ``content[0]``; a string field that is itself
    named with brackets is still the field that gets its cleaned text."""
    pipeline, _ = _pipeline(tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_FIELDS="body[1]")
    item = pipeline.process_item({"body[1]": INJECTED, "body": "不变"})
    assert item["body[1]"] == INJECTED.replace(AD, "") and item["body"] == "不变"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_at_close_is_logged_not_raised(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A line that could not be written stayed in the file's buffer, and closing
    # it raised OSError out of close_spider: Scrapy's "Scraper close failure".
    # The quarantine is written unbuffered now: the failure is the item's, logged
    # with it, and closing has nothing left to write.
    pipeline, stats = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="clean", DETECTOR_QUARANTINE="/dev/full"
    )
    pipeline.open_spider()
    assert pipeline.process_item({"content": INJECTED})["content"] == INJECTED.replace(AD, "")
    pipeline.close_spider()
    assert pipeline._quarantine is None
    assert stats.get_value("detector/quarantine_errors") == 1
    assert "DETECTOR_QUARANTINE /dev/full: cannot write this item" in caplog.text


def test_a_bad_model_setting_is_named(tmp_path: Path) -> None:
    """A wrong DETECTOR_MODEL stopped the crawl with `model card not found`, the
    one setting whose error did not name itself."""
    from scrapy.utils.test import get_crawler

    from detector.integrations.scrapy import DetectorPipeline
    from detector.model import ModelError

    missing = str(tmp_path / "no-model")
    crawler = get_crawler(settings_dict={"DETECTOR_MODEL": missing})
    with pytest.raises(ModelError, match=r"^DETECTOR_MODEL '.*no-model': .*model card not found"):
        DetectorPipeline.from_crawler(crawler)


def test_a_model_setting_that_is_not_a_path_is_named() -> None:
    """``DETECTOR_MODEL = 3`` stopped the crawl with Path's bare ``TypeError:
    expected str, bytes or os.PathLike object, not int``."""
    from scrapy.utils.test import get_crawler

    from detector.integrations.scrapy import DetectorPipeline

    crawler = get_crawler(settings_dict={"DETECTOR_MODEL": 3})
    with pytest.raises(ValueError, match=r"^DETECTOR_MODEL must be a path .*got 3"):
        DetectorPipeline.from_crawler(crawler)


def _cli_feeds(*output: str, overwrite: bool = False) -> dict[str, Any]:
    """FEEDS as ``scrapy crawl -o FILE`` (``-O FILE``: ``overwrite``) sets it."""
    from scrapy.settings import Settings
    from scrapy.utils.conf import feed_process_params_from_cli

    if overwrite:
        return feed_process_params_from_cli(Settings(), [], overwrite_output=list(output))
    return feed_process_params_from_cli(Settings(), list(output))


@pytest.mark.parametrize(
    ("quarantine", "feeds", "named"),
    [
        ("items.jsonl", lambda d: _cli_feeds("items.jsonl"), "items.jsonl"),  # -o
        ("items.jsonl", lambda d: _cli_feeds("items.jsonl", overwrite=True), "items.jsonl"),  # -O
        ("items.jsonl", lambda d: {f"{d}/items.jsonl": {"format": "jsonl"}}, "{d}/items.jsonl"),
        ("{d}/items.jsonl", lambda d: {"items.jsonl": {"format": "jsonl"}}, "items.jsonl"),
        ("./out/../items.jsonl", lambda d: {"items.jsonl": {}}, "items.jsonl"),
        ("items.jsonl", lambda d: {f"file://{d}/items.jsonl": {}}, "file://{d}/items.jsonl"),
        ("items.jsonl", lambda d: {Path(d) / "items.jsonl": {}}, "{d}/items.jsonl"),
        ("link/items.jsonl", lambda d: {"real/items.jsonl": {}}, "real/items.jsonl"),
        ("out/books.jsonl", lambda d: {"out/%(name)s.jsonl": {}}, "out/%(name)s.jsonl"),
        ("a-2024.jsonl", lambda d: {"a-%(time)s.jsonl": {}}, "a-%(time)s.jsonl"),
        (
            "items.jsonl",
            lambda d: {"s3://bucket/x.jsonl": {}, "other.jsonl": {}, "items.jsonl": {}},
            "items.jsonl",
        ),
    ],
)
def test_a_quarantine_that_is_a_feed_file_is_refused(
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    quarantine: str,
    feeds: Any,
    named: str,
) -> None:
    """``DETECTOR_QUARANTINE = "items.jsonl"`` with ``scrapy crawl -o items.jsonl``
    (or the same file in ``FEEDS``, by another spelling): the feed exporter and
    the quarantine appended to one file (``-O``: the exporter truncated it and
    wrote over the quarantine's lines), so the items and the quarantined
    originals interleaved in one file.  Refused when the pipeline is created,
    before any item, naming the file and both settings; a feed URI with
    placeholders is refused when the quarantine could be one of its files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    d = str(tmp_path)
    with pytest.raises(ValueError) as raised:
        _pipeline(
            tiny_model_dir,
            DETECTOR_ACTION="drop",
            DETECTOR_QUARANTINE=quarantine.format(d=d),
            FEEDS=feeds(d),
        )
    message = str(raised.value)
    assert message.startswith(f"DETECTOR_QUARANTINE {quarantine.format(d=d)} ")
    assert f"FEEDS {named.format(d=d)} " in message
    assert sorted(tmp_path.iterdir()) == [tmp_path / "link", tmp_path / "real"]  # nothing written


@pytest.mark.filterwarnings("ignore:The `FEED_URI` and `FEED_FORMAT` settings have been deprecated")
def test_a_quarantine_that_is_the_deprecated_feed_uri_is_refused(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    refused = r"^DETECTOR_QUARANTINE items\.jsonl .*FEED_URI items\.jsonl "
    with pytest.raises(ValueError, match=refused):
        _pipeline(tiny_model_dir, DETECTOR_QUARANTINE="items.jsonl", FEED_URI="items.jsonl")


@pytest.mark.parametrize(
    "feeds",
    [
        {"items.jsonl": {}},
        {"out/%(name)s.jsonl": {}},  # another directory
        {"q-%(name)s.json": {}},  # another suffix
        {"s3://bucket/quarantine.jsonl": {}, "stdout:": {}, "-": {}},
        {"ftp://host/quarantine.jsonl": {}},
    ],
)
def test_a_quarantine_next_to_the_feeds_is_accepted(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: Any
) -> None:
    from scrapy.exceptions import DropItem

    monkeypatch.chdir(tmp_path)
    pipeline, _ = _pipeline(
        tiny_model_dir, DETECTOR_ACTION="drop", DETECTOR_QUARANTINE="quarantine.jsonl", FEEDS=feeds
    )
    pipeline.open_spider()
    with pytest.raises(DropItem):
        pipeline.process_item({"title": TITLE, "content": INJECTED})
    pipeline.close_spider()
    line = json.loads((tmp_path / "quarantine.jsonl").read_text(encoding="utf-8"))
    assert line["action"] == "drop"

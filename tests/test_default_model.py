"""The few tests that touch the shipped model: the seed case and a clean article.

The articles are the project's own (examples/); the seed clause is the canonical
injection `…强化金融精准有效服务杨方线上配资股票,深化产融合作…`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detector import Detector
from detector.explain import explain

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def default() -> Detector:
    return Detector.default()


def test_seed_injection_yields_exactly_the_ad(default: Detector) -> None:
    text = (EXAMPLES / "injected_margin.txt").read_text(encoding="utf-8")
    verdict = default.scan(text)
    assert verdict.is_spam
    assert [(f.text, f.category) for f in verdict.findings] == [
        ("杨方线上配资股票", "stock-margin")
    ]
    finding = verdict.findings[0]
    assert text[finding.start : finding.end] == finding.text


def test_seed_clause_alone(default: Detector) -> None:
    text = "强化金融精准有效服务杨方线上配资股票,深化产融合作,推动科技产业金融良性循环。"
    assert [f.text for f in default.scan(text).findings] == ["杨方线上配资股票"]


def test_an_ad_split_by_a_comma_is_found_though_one_half_is_under_the_prefilter(
    default: Detector,
) -> None:
    """`新人专享58元` took the sentence's words and falls under the prefilter's
    bar; assessed as the partner of `快来抢购`, the bridge over both blocks."""
    text = (
        "统计局公布的数据显示，上月全国居民消费价格同比上涨0.新人专享58元，快来抢购5%，"
        "涨幅与前月持平。"
    )
    verdict = default.scan(text)
    assert verdict.is_spam
    assert [f.text for f in verdict.findings] == ["新人专享58元，快来抢购"]
    assert default.partner_clauses(text).tolist() == [False, True, False, False]
    # explain names the bridge that gave the finding its score.
    (why,) = explain(default, text)
    assert why.score == pytest.approx(verdict.findings[0].score)
    assert "新人专享58元,快来抢购" in why.scope


def test_a_finding_is_named_by_its_own_text_not_its_hosts(default: Detector) -> None:
    """The category head reads the finding itself: read with the focus's
    context (`…资金投放力QQ群123456789度加大`), a QQ group spliced into a
    sentence about bank lending was named `loan` by the host's words."""
    text = "银行信贷资金投放力QQ群123456789度加大，贷款利率下行。"
    assert [(f.text, f.category) for f in default.scan(text).findings] == [
        ("QQ群123456789", "contact")
    ]


def test_clean_article_about_margin_regulation_passes(default: Detector) -> None:
    text = (EXAMPLES / "clean_regulator.txt").read_text(encoding="utf-8")
    assert default.scan(text).findings == ()


# What a scraped page carries besides the article: its date line, byline, the
# stock codes of a finance page and the filing numbers of its footer.  Digits
# alone once read as a phone number or a QQ handle (a page's "2024-03-12
# 09:15:33" line was blocked as contact).  Some may still reach *review*.
PAGE_FURNITURE = [
    "2024-03-12 09:15:33",
    "2018-02-05 00:43 来源：证券日报",
    "发布时间：2025-07-01 18:05:09 来源：新华网",
    "2023/11/02 14:05:10",
    "更新于 2021-06-30 07:45",
    "相关个股：600519 000858 300750",
    "600036、601318",
    "京ICP备12345678号-1 京公网安备 11010502030000号",
]


@pytest.mark.parametrize("line", PAGE_FURNITURE)
def test_page_furniture_is_not_blocked(default: Detector, line: str) -> None:
    article = f"{line}\n记者从有关部门获悉，相关工作正在有序推进。"
    assert not default.scan(line).is_spam
    assert not default.scan(article).is_spam


def test_a_notice_citing_a_government_site_is_not_blocked(default: Detector) -> None:
    line = "详情可登录市人社局官网www.hrss.gov.cn查询。"  # blocked for the link's shape (0.92)
    verdict = default.scan(line)
    assert not verdict.is_spam
    (link,) = default.link_cuts(line)
    assert line[link[0] : link[1]].endswith(".gov.cn")
    assert all(f.end <= link[0] or f.start >= link[1] for f in verdict.findings)


def test_default_is_loaded_once(default: Detector) -> None:
    assert Detector.default() is default
    assert default.model.card["sha256"]


ENGLISH = (
    "The city council met on Tuesday to discuss the new budget for public transport.\n"
    "Officials said that ticket prices would stay the same for students and older"
    " residents, and that more buses would run on weekends.\n"
    "Local shop owners welcomed the decision, saying that better connections would"
    " bring more visitors to the old town.\n"
    "Free parking will be available near the main station during the first week.\n"
    "Click on the council website to read the full report and join the discussion.\n"
)
HOST = "今年以来全市工业增加值同比增长百分之六。"


def test_english_prose_is_not_read_as_ads_but_latin_ads_still_are(default: Detector) -> None:
    """The heads learned Chinese news against Chinese ads, where Latin letters are
    mostly links and handles: English prose got review findings (`that better` as
    a link, 0.76), and a licence text was blocked.  A clause without a Chinese
    character is now judged only when it holds a link, a handle or a number."""
    assert default.scan(ENGLISH).findings == ()
    for ad in ["QQ 123456789", "vx: abc12345", "www.xyz888.com", "WhatsApp +86 138 0013 8000"]:
        verdict = default.scan(f"{HOST}\n{ad}\n{HOST}")
        assert verdict.is_spam, ad
        assert [f.text for f in verdict.findings] == [ad]

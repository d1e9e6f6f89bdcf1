"""Clauses that hold a link, a phone number or a handle reach the clause head even
when the news around a short ad dilutes the prefilter's score."""

from __future__ import annotations

import numpy as np
import pytest

from detector import Detector, core, features
from detector.contacts import contact_clauses
from detector.normalize import normalize
from detector.segment import clause_bounds


def _clauses(text: str) -> tuple[str, np.ndarray, np.ndarray]:
    normalized = normalize(text).text
    codes = features.codepoints(normalized)
    return normalized, codes, clause_bounds(codes)


def _holds_contact(text: str) -> list[bool]:
    normalized, codes, clauses = _clauses(text)
    return [bool(x) for x in contact_clauses(normalized, codes, clauses)]


@pytest.mark.parametrize(
    "clause, holds",
    [
        ("经手调解的两千多起来电0791-8605635邻里纠纷无一激化", True),
        ("全天来电400-595-3181", True),
        ("拨打13192520020咨询", True),
        ("加vx：yk52013了解", True),
        ("QQ 123456789", True),
        ("欢迎加入QQ群：123456789交流", True),  # the full-width colon is folded
        ("腾讯QQ用户数达到123456789人", False),  # QQ, then other words before the number
        ("入群请加顾问weicz62016", True),
        ("昨晚进行的ccnbtv03.com女子重剑团体决赛", True),
        ("国家主席https://xz.sina1663s.info主席", True),
        ("Ｗｗｗ．ｋｋｂｅｔ７７．ｖｉｐ更多详情", True),  # noqa: RUF001 (full width, folded)
        ("详见www.csrc.gov.cn/pub/newsite/2024", False),  # a trusted host: a citation
        ("腾讯控股(00700.hk)股价上涨", False),  # stock codes are not domains
        ("贵州茅台(600519.sh)发布公告", False),
        ("新款iPhone15与RX580显卡", False),
        ("空客A320和COVID19疫苗", False),
        ("营收12345678元同比增长", False),
        ("2024-03-12 09:15:33", False),
        ("股价报52.32元下跌6.49%成交1.59亿", False),
    ],
)
def test_links_phone_numbers_and_handles_are_recognized(clause: str, holds: bool) -> None:
    assert _holds_contact(clause) == [holds]


def test_each_clause_is_judged_on_its_own_characters() -> None:
    text = "会议强调要深化产融合作。来电0791-8605635咨询。推动科技产业金融良性循环，访问kkbet77.vip"
    assert _holds_contact(text) == [False, True, False, True]


def test_a_handle_inside_a_trusted_link_is_part_of_the_citation() -> None:
    assert _holds_contact(
        "[查看原文](https://tv.cctv.com/2025/10/02/vide1loxtqpihvdq251002.shtml)"
    ) == [False]


@pytest.mark.parametrize(
    "clause, holds",
    [
        ("外媒称Windows8真可以玩Xbox360游戏", False),  # model numbers
        ("十一前特价狂促三星LA46B530现7988元售", False),
        ("光学防抖硬盘DV松下H288GK套装3999元", False),
        ("入群请加顾问weicz62016", True),  # a handle, as handles are written
        ("分析师Ｖad409q，备注888", False),  # noqa: RUF001 (a capital, even full width)
        ("全天来电400-595-3181", True),  # phone numbers and links have no case
        ("奥巴马签署XH415.fun/zc418命令", True),
    ],
)
def test_given_the_original_a_handle_written_with_capitals_does_not_count(
    clause: str, holds: bool
) -> None:
    """Model numbers in product news look like handles; written with a capital
    letter (which normalization folds), they are not taken for one."""
    norm = normalize(clause)
    codes = features.codepoints(norm.text)
    (bounds,) = clause_bounds(codes)[:1]
    rows = bounds.reshape(1, 2)
    assert bool(contact_clauses(norm.text, codes, rows, (clause, norm.src))[0]) is holds
    # Without the original, every one of them counts (the prefilter's use).
    assert bool(contact_clauses(norm.text, codes, rows)[0]) is True


def test_contact_clauses_near_the_prefilter_bar_are_assessed(tiny_detector: Detector) -> None:
    text = "会议强调要深化产融合作。来电0791-8605635咨询。推动科技产业金融。加vx：yk52013了解"
    normalized, codes, clauses = _clauses(text)
    bar = tiny_detector.model.thresholds["prefilter"]
    # Clauses 1 and 3 hold a contact: 1 near the bar, 3 far under it (and the
    # others under the bar a neighbour of an assessed clause needs).
    under = 0.5 * core._PARTNER_BAR
    pre = np.array([under, 0.5, under, 0.5 * core._CONTACT_BAR]) * bar
    assessed, partners = tiny_detector._assessed(
        normalized, codes, clauses, pre, np.zeros(4, dtype=bool)
    )
    assert assessed.tolist() == [False, True, False, False]
    assert not partners.any()
    passed, _ = tiny_detector._assessed(
        normalized, codes, clauses, np.full(4, bar), np.zeros(4, dtype=bool)
    )
    assert passed.all()


@pytest.mark.parametrize(
    "text, ad",
    [
        (
            "他在社区服务中心工作的十二年里经手调解的两千多起来电0791-8605635邻里纠纷无一激化",
            "0791-8605635",
        ),
        (
            "市文化和旅游局相关负责人介绍今年国庆假期全市共接待游客八百余万人次加vx：yk52013了解旅游收入同比增长",
            "yk52013",
        ),
    ],
)
def test_a_contact_spliced_into_a_long_clause_is_found_by_the_shipped_model(
    text: str, ad: str
) -> None:
    verdict = Detector.default().scan(text)
    assert verdict.is_spam
    assert any(ad in f.text for f in verdict.findings)

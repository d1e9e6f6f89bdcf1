"""Links to trusted sites are citations: findings made only of them are dropped."""

from __future__ import annotations

import pytest

from detector import Detector, core
from detector.links import is_trusted_host, only_trusted_links

HOST = "会议强调要深化产融合作。"


@pytest.mark.parametrize(
    "host, trusted",
    [
        ("www.csrc.gov.cn", True),
        ("gov.cn", True),
        ("finance.sina.com.cn", True),
        ("FINANCE.Sina.com.cn.", True),
        ("blog.sina.com.cn", False),  # anyone can publish there
        ("sina.com.cn", False),
        ("xz.sina1663s.info", False),
        ("gov.cn.evil.top", False),
        ("evilgov.cn", False),
        ("cn", False),
    ],
)
def test_a_host_is_trusted_only_under_a_listed_one(host: str, trusted: bool) -> None:
    assert is_trusted_host(host) is trusted


@pytest.mark.parametrize(
    "text, dropped",
    [
        ("http://finance.sina.com.cn/money/doc-ifyqcwaq6042936.shtml", True),
        ("www.csrc.gov.cn，", True),
        ("（http://www.gov.cn http://www.pbc.gov.cn/）", True),
        ("访问www.csrc.gov.cn", False),  # more than the link: the model's call
        ("http://www.gov.cn 和 https://xz.sina1663s.info", False),  # one link untrusted
        ("https://t.cn/A6xyz", False),
        ("加微信abc123", False),
        ("", False),
    ],
)
def test_only_findings_made_of_trusted_links_are_dropped(text: str, dropped: bool) -> None:
    assert only_trusted_links(text) is dropped


def test_the_detector_drops_a_trusted_link_it_would_flag(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The link in a clause with Chinese text, which is judged whatever it holds
    # (a clause of Latin letters alone is judged only when it holds a link to a
    # host that is not trusted, a phone number or a handle).
    cited = HOST + "详见http://www.xyz888.gov.cn/reg"  # a gov.cn host
    ad = HOST + "详见http://www.xyz888.com/reg"
    assert tiny_detector.scan(cited).findings == ()
    assert [f.text for f in tiny_detector.scan(ad).findings] == ["http://www.xyz888.com/reg"]
    monkeypatch.setattr(core, "only_trusted_links", lambda text: False)
    assert [f.text for f in tiny_detector.scan(cited).findings] == ["http://www.xyz888.gov.cn/reg"]

from __future__ import annotations

import pytest

from detector.normalize import normalize

SEED = "杨方线上配资股票"


def original_span(text: str, needle_in_norm: str) -> str:
    norm = normalize(text)
    start = norm.text.index(needle_in_norm)
    s, e = norm.to_original(start, start + len(needle_in_norm))
    return text[s:e]


def test_plain_chinese_is_unchanged_and_maps_one_to_one() -> None:
    text = "强化金融精准有效服务，深化产融合作。"
    norm = normalize(text)
    assert norm.text == "强化金融精准有效服务,深化产融合作。"
    assert list(norm.src) == list(range(len(text)))


@pytest.mark.parametrize(
    "evasive",
    [
        "杨\u200b方\u200b线\u200b上\u200b配\u200b资\u200b股\u200b票",
        "杨 方 线 上 配 资 股 票",
        "杨·方·线·上·配·资·股·票",
        "杨.方.线.上.配.资.股.票",
        "楊方線上配資股票",
        "杨\ufeff方线上\u00ad配资股票",
    ],
)
def test_evasions_normalize_to_the_phrase_and_map_back_to_the_evasive_text(evasive: str) -> None:
    text = f"强化金融精准有效服务{evasive},深化产融合作"
    assert SEED in normalize(text).text
    assert original_span(text, SEED) == evasive


def test_full_width_letters_digits_and_case_fold() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "WWW.ABC888.COM")
    text = f"访问{full_width}注册"
    norm = normalize(text)
    assert "www.abc888.com" in norm.text
    assert original_span(text, "abc888") == full_width[4:10]


def test_circled_digits_and_letters_are_mapped() -> None:
    text = "加微信①②③ⓐⓑ"
    assert normalize(text).text == "加微信123ab"


def test_expansion_maps_every_output_character_to_its_source() -> None:
    text = "增长……明显"
    norm = normalize(text)
    assert norm.text == "增长......明显"
    s, e = norm.to_original(norm.text.index("明"), len(norm.text))
    assert text[s:e] == "明显"


def test_spaces_between_latin_words_are_kept_and_spaces_beside_cjk_dropped() -> None:
    norm = normalize("hello world 中国 2013 年\n 中")
    assert norm.text == "hello world中国2013年\n 中"
    assert norm.to_original(norm.text.index("2013"), norm.text.index("年") + 1) == (15, 21)


def test_empty_span_is_rejected() -> None:
    with pytest.raises(ValueError):
        normalize("abc").to_original(1, 1)

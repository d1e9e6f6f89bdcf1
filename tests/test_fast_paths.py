"""The NumPy fast paths give exactly what the straightforward code gives:
clause splitting, merging short clauses and normalization against plain-Python
and regex references (normalization's own properties are in test_normalize.py,
test_evasion.py and test_properties.py)."""

from __future__ import annotations

import html.entities
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import _chardata, core, features, normalize
from detector.core import Detector
from detector.segment import (
    MAX_CLAUSE_CHARS,
    MIN_CLAUSE_CHARS,
    clause_bounds,
    merge_short,
    text_segments,
)

# Characters that exercise every branch: breaks, white space, separators, CJK,
# full-width and traditional forms, invisibles, NFKC expansions, astral planes.
ALPHABET = (
    "。!?;,.\r\n\u2028\u2029 \t\u3000\xa0\u2003·*|-_/+=#~"
    "字中国杨方线配资楊線配資aZ9\uff21\uff5a\uff10\u200b\u200d\ufeff\u2060…℃Ⅲ①"
    "“”‘’—《》【】\U0001f600\U00020000"
)
texts = st.text(alphabet=ALPHABET, max_size=60)


def reference_clauses(text: str) -> list[tuple[int, int]]:
    clauses = []
    for match in re.finditer(r"(?:[^。!?;,\r\n\u2028\u2029.]|\.(?=\S))+", text):
        start, end = match.span()
        first = re.compile(r"\S").search(text, start, end)
        if first is None:
            continue
        start = first.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        while end - start > MAX_CLAUSE_CHARS:
            clauses.append((start, start + MAX_CLAUSE_CHARS))
            start += MAX_CLAUSE_CHARS
        clauses.append((start, end))
    if not clauses:
        return clauses
    return reference_merge_short(text, clauses)


def reference_merge_short(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """segment.merge_short as a plain loop over every clause."""

    def joinable(left_end: int, right_start: int) -> bool:
        return not any(ch in "。!?\n\r\u2028\u2029" for ch in text[left_end:right_start])

    merged: list[list[int]] = []
    pending: list[int] | None = None

    def settle(short: list[int]) -> None:
        if merged and joinable(merged[-1][1], short[0]):
            merged[-1][1] = short[1]
        else:
            merged.append(short)

    for start, end in bounds:
        if pending is not None:
            if joinable(pending[1], start):
                start = pending[0]
            else:
                settle(pending)
            pending = None
        if end - start < MIN_CLAUSE_CHARS:
            pending = [start, end]
            continue
        merged.append([start, end])
    if pending is not None:
        settle(pending)
    return [(a, b) for a, b in merged]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 9), st.sampled_from(",。\n,")), max_size=30
    )
)
def test_merge_short_matches_the_plain_loop(pieces: list[tuple[int, int, str]]) -> None:
    """Clauses of 1..9 characters (many short ones) after gaps of 0..3 separators,
    some of them sentence ends."""
    text, bounds = "", []
    for gap, size, separator in pieces:
        text += separator * gap
        bounds.append((len(text), len(text) + size))
        text += "字" * size
    codes = features.codepoints(text)
    merged = merge_short(codes, np.array(bounds, dtype=np.int64).reshape(-1, 2))
    assert [tuple(b) for b in merged.tolist()] == reference_merge_short(text, bounds)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_clause_bounds_match_reference(text: str) -> None:
    bounds = clause_bounds(features.codepoints(text))
    assert [tuple(b) for b in bounds.tolist()] == reference_clauses(text)


def test_space_table_is_str_isspace() -> None:
    from detector.segment import _SPACE_CODES

    assert sorted(_SPACE_CODES.tolist()) == [c for c in range(0x110000) if chr(c).isspace()]


# A news host and a line of it with a stock-margin ad spliced in.
HOST = "今年以来全市工业增加值同比增长百分之六。会议强调要深化产融合作。"
SPLICED = HOST + "强化服务杨方线上配资股票,推动循环。"


def test_scan_many_equals_scan_one_by_one(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = HOST
    texts = [
        SPLICED,
        "",
        " \n",
        "股票配资平台哪家好。选择正规股票配资平台很重要。股票配资杠杆要适度。" * 3,
        host,
        "杨 方 线 上 配 资 股 票\n" + host + "加微信abc12345领取福利",
    ] * 3
    alone = [tiny_detector.scan(t) for t in texts]
    assert tiny_detector.scan_many(texts) == alone
    monkeypatch.setattr(core, "_BATCH_CHARS", 50)  # several batches
    assert tiny_detector.scan_many(texts) == alone


@given(st.text(alphabet="新闻。！\n配资ab ", max_size=400), st.integers(min_value=2, max_value=60))
def test_text_segments_cover_the_text_within_the_limit(text: str, limit: int) -> None:
    bounds = text_segments(text, limit)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(bounds))
    assert all(0 < end - start <= limit for start, end in bounds) or bounds == [(0, 0)]
    for start, end in bounds[:-1]:  # after a line break where the second half has one
        if "\n" in text[start + limit // 2 : start + limit]:
            assert text[end - 1] == "\n"


def test_a_long_text_is_scanned_in_segments_with_the_same_findings(
    tiny_detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [SPLICED, *[HOST] * 4, HOST + "加微信abc12345领取福利。", *[HOST] * 4] * 3
    text = "\n".join(lines)
    whole = tiny_detector.scan(text)
    assert whole.findings, "the fixture must hold ads the tiny model finds"
    monkeypatch.setattr(core, "_LONG_TEXT_CHARS", 200)  # a few lines per segment
    assert len(text_segments(text, 200)) > 4
    segmented = tiny_detector.scan(text)
    assert tiny_detector.scan_many(["短文。", text]) == [tiny_detector.scan("短文。"), segmented]
    assert all(text[f.start : f.end] == f.text for f in segmented.findings)
    # Every clause is scored alike: the same spans, found a segment at a time.
    assert [(f.start, f.end, f.category) for f in segmented.findings] == [
        (f.start, f.end, f.category) for f in whole.findings
    ]
    assert segmented.is_spam == whole.is_spam


# -- normalization -------------------------------------------------------------
# The regex implementation normalize() had before its NumPy passes, kept as the
# reference: the same folding, then separators and spaces found by regexes alone,
# and plain loops for spaced-out stretches, repeated characters and spelled-out
# digits.
_UNUSUAL = re.compile(f"[^{normalize._PLAIN}]|[{normalize._INVISIBLE}]")
_SPLIT_CANDIDATE = re.compile(f"[{normalize._SPLIT_CANDIDATE}]+")
_SPLIT = re.compile(
    f"(?<=[{normalize._CJK}]){normalize._separator_run(normalize._SYMBOLS)}(?=[{normalize._CJK}])"
    f"|(?:(?<=[{normalize._CJK}])|(?<=(?<![a-z0-9])[a-z0-9]))"
    f"{normalize._separator_run(normalize._DECORATIVE)}"
    f"(?=[{normalize._CJK}]|[a-z0-9](?![a-z0-9]))"
)
_SPACE_BY_CJK = re.compile(f"(?<=[{normalize._CJK}]) +(?=\\S)|(?<=\\S) +(?=[{normalize._CJK}])")


def _reference_apply_edits(
    text: str, src: list[int], edits: list[tuple[int, int, str]]
) -> tuple[str, list[int]]:
    pieces: list[str] = []
    sources: list[int] = []
    pos = 0
    for start, end, replacement in edits:
        pieces.append(text[pos:start])
        sources.extend(src[pos:start])
        pieces.append(replacement)
        sources.extend([src[start]] * len(replacement))
        pos = end
    pieces.append(text[pos:])
    sources.extend(src[pos:])
    return "".join(pieces), sources


def _reference_is_spacer(ch: str) -> bool:
    """What may separate the characters of a spaced-out stretch."""
    if ch in normalize._NOT_SPACERS:
        return False
    code = ord(ch)
    return (
        bool(_SPLIT_CANDIDATE.fullmatch(ch))
        or _reference_takes_turns(ch)
        or (code < 0x20000 and unicodedata.category(ch)[0] in "PS")
        or 0x02B0 <= code < 0x0300
    )


def _reference_takes_turns(ch: str) -> bool:
    return bool(
        re.fullmatch(f"[{normalize._BLANK}{normalize._DECORATIVE}\u4e28\u4e36\u2028\u2029]", ch)
    )


def _reference_spaced_out(text: str) -> set[int]:
    """Positions of the separators of spaced-out stretches, as a plain loop."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if _reference_is_spacer(text[i]):
            j = i
            while j < len(text) and _reference_is_spacer(text[j]):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1

    def turns(run: tuple[int, int]) -> bool:
        return all(_reference_takes_turns(c) for c in text[run[0] : run[1]])

    def edged(run: tuple[int, int]) -> bool:
        return _reference_takes_turns(text[run[0]]) and _reference_takes_turns(text[run[1] - 1])

    def between(run: tuple[int, int]) -> bool:
        """Between two Chinese characters, holding no bracket or quote."""
        a, b = run
        paired = any(
            low <= ord(c) <= high
            for c in text[a:b]
            for low, high in _chardata.PAIRED_PUNCTUATION_RANGES
        )
        return _short_ok(text, [a - 1, b]) and not paired

    def linked(a: tuple[int, int], b: tuple[int, int]) -> bool:
        if b[0] - a[1] != 1 or text[a[1]].isspace():
            return False
        same = text[a[0]] == text[b[0]] == text[b[1] - 1] and text[a[0]] == text[a[1] - 1]
        return same or (edged(a) and edged(b)) or (between(a) and between(b))

    def lines(run: tuple[int, int]) -> int:
        return sum(c in "\u2028\u2029" for c in text[run[0] : run[1]])

    def line_breaks_out(chain: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Without line separators at either end, unless the next run or the
        one after it holds as many."""
        held = [lines(run) for run in chain]
        first = 1 if held[0] and held[0] not in held[1:3] else 0
        last = 1 if held[-1] and held[-1] not in held[-3:-1] else 0
        return chain[first : len(chain) - last]

    def short_ok(chain: list[tuple[int, int]]) -> bool:
        return all(between(run) for run in chain)

    drop: set[int] = set()
    for chain in _chains(runs, linked, short_ok, line_breaks_out):
        size = min(b - a for a, b in chain)
        for a, b in chain:
            length = b - a
            for offset in range(length):
                if turns((a, b)) or between((a, b)):
                    gone = True
                elif (length - size) % (size + 1) == 0:
                    gone = offset % (size + 1) != size
                else:
                    gone = offset < size or offset >= length - size
                if gone:
                    drop.add(a + offset)
    return drop


Run = TypeVar("Run")


def _chains(
    runs: list[Run],
    linked: Callable[[Run, Run], bool],
    short_ok: Callable[[list[Run]], bool],
    trim: Callable[[list[Run]], list[Run]] = lambda chain: chain,
) -> Iterator[list[Run]]:
    """The runs of ``runs`` linked one to the next (less what ``trim`` takes
    off either end), _SPACED_OUT_RUNS or more in a row, or
    _SHORT_SPACED_OUT_RUNS when ``short_ok`` says so."""
    k = 0
    while k < len(runs):
        end = k
        while end + 1 < len(runs) and linked(runs[end], runs[end + 1]):
            end += 1
        chain = trim(runs[k : end + 1])
        short = len(chain) == normalize._SHORT_SPACED_OUT_RUNS and short_ok(chain)
        if len(chain) >= normalize._SPACED_OUT_RUNS or short:
            yield chain
        k = end + 1


def _short_ok(text: str, around: list[int]) -> bool:
    """Whether the characters at ``around`` are Chinese characters, none a
    numeral or a bar, no two neighbours alike (a short spaced-out stretch)."""
    if around[0] < 0 or around[-1] >= len(text):
        return False
    chars = [text[at] for at in around]
    plain = all(_PLAIN_CJK.fullmatch(c) and c not in _DIGITS + "\u4e28\u4e36" for c in chars)
    return plain and all(a != b for a, b in itertools.pairwise(chars))


def test_clause_punctuation_is_in_no_class() -> None:
    """What _PROBE and _punctuation look for in the flags."""
    flags = normalize._tables().flags
    assert [int(flags[ord(c)]) for c in ",;:!?、。"] == [normalize._NO_CLASS] * 7
    assert int(flags[ord("杨")]) == normalize._CJK_BIT
    assert int(flags[ord("a")]) == normalize._ALNUM_BIT


def test_fillers_are_what_folding_makes_no_separator() -> None:
    assert all(normalize._is_filler(c) for c in "‼⁉™℡゜゛々〆〇℃ーｰ〱ﾞ")
    # Separators already, clause punctuation of their own, an enclosed letter
    # or digit, letters, Chinese characters, other numbers.
    # (U+2028 and U+2029 are separators that take turns.)
    assert not any(normalize._is_filler(c) for c in "…·★\ufe50\uff61①🅰a中一\u2028\u2029")


def _reference_is_filler(ch: str) -> bool:
    """What may space out a stretch though it is no separator once folded."""
    if ch in normalize._MARK_FILLERS:
        return True
    if not _reference_is_spacer(ch):
        return False
    folded = normalize._fold_char(ch)
    if len(folded) == 1 and (folded in normalize._NOT_SPACERS or re.fullmatch("[a-z0-9]", folded)):
        return False
    return not all(_reference_is_spacer(c) for c in folded)


_DIGITS = "0123456789" + "".join(normalize._CHINESE_DIGITS)


_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa\uff66-\uff6f\uff71-\uff9d]")


def _reference_fillers(text: str, unfolded: str, units: list[int]) -> set[int]:
    """Positions of the fillers of stretches spaced out by them (``text[i]`` was
    folded from ``unfolded[units[i]]``), as a plain loop."""
    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and units[j] == units[i]:
            j += 1
        key, before = unfolded[units[i]], unfolded[units[i] - 1 : units[i]]
        after_kana = key in normalize._KANA_MARKS and bool(_KANA.fullmatch(before))
        if _reference_is_filler(key) and not after_kana:
            runs.append((i, j, key))
        i = j

    def alone(run: tuple[int, int, str]) -> bool:
        start, end, key = run
        if key not in normalize._NUMERAL_FILLERS:
            return True
        # ("" is in every string: a 〇 that ends the text has no digit after it.)
        after = text[end] if end < len(text) else ""
        return not (start > 0 and text[start - 1] in _DIGITS) and not (after and after in _DIGITS)

    def linked(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        return (
            a[2] == b[2] and b[0] == a[1] + 1 and not text[a[1]].isspace() and alone(a) and alone(b)
        )

    def short_ok(chain: list[tuple[int, int, str]]) -> bool:
        return _short_ok(text, [chain[0][0] - 1, *(stop for _, stop, _ in chain)])

    chains = _chains(runs, linked, short_ok)
    return {at for chain in chains for start, stop, _ in chain for at in range(start, stop)}


def _reference_hosts(text: str, original: str, src: list[int]) -> list[int]:
    """Ideographic full stops of hosts, by a regex over the whole text (``src``
    maps it to the ``original``, where a top-level domain may be capitalized)."""
    stops = []
    for match in normalize._HOST.finditer(text):
        scheme, name, tld = match.groups()
        written = "".join(original[src[at]] for at in range(*match.span(3)))
        listed = tld in normalize._HOST_TLDS and not written.istitle()
        if scheme or name.startswith(("www.", "www\u3002")) or listed:
            stops.extend(match.start(2) + i for i, c in enumerate(name) if c == "\u3002")
    return stops


_PLAIN_CJK = re.compile(f"[{normalize._CJK}]")


def _reference_clause_runs(text: str) -> set[int]:
    """Clause punctuation, a letter or a digit between every character of six or
    more Chinese characters (no numeral, no two neighbours alike; a letter or
    digit not also before the first), as a plain loop."""

    def plain(c: str) -> bool:
        return bool(_PLAIN_CJK.fullmatch(c)) and c not in _DIGITS and c not in "\u4e28\u4e36"

    def spaced(i: int) -> bool:
        return (
            0 < i < len(text) - 1
            and (text[i] in normalize._CLAUSE_SPACERS or bool(re.fullmatch("[a-z0-9]", text[i])))
            and plain(text[i - 1])
            and plain(text[i + 1])
            and text[i - 1] != text[i + 1]
        )

    drop: set[int] = set()
    i = 0
    while i < len(text):
        if not spaced(i):
            i += 1
            continue
        end = i
        clause = normalize._CLAUSE_SPACERS
        while spaced(end + 2) and (
            text[end + 2] == text[i] or (text[end + 2] in clause and text[i] in clause)
        ):
            end += 2
        units = {chr(c) for c in normalize._DATE_UNITS}
        template = text[i] not in normalize._CLAUSE_SPACERS and (
            text[i - 2 : i - 1] == text[i] or bool(units & set(text[i - 1 : end + 2 : 2]))
        )
        # A mark at either end unlike the next one in, which is like the one
        # after it, is the punctuation of the text around.
        marks = text[i : end + 1 : 2]
        first = i + 2 if len(marks) >= 3 and marks[0] != marks[1] == marks[2] else i
        last = end - 2 if len(marks) >= 3 and marks[-1] != marks[-2] == marks[-3] else end
        if (last - first) // 2 + 1 >= normalize._CLAUSE_RUNS and not template:
            drop.update(range(first, last + 1, 2))
        i = end + 1
    return drop


def _reference_references(folded: str) -> list[tuple[int, int, str]]:
    edits = []
    for match in normalize._REFERENCE.finditer(folded):
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            value = html.entities.html5.get(name + ";") or normalize._entities().get(name)
        else:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            value = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else None
        if value is not None:
            edits.append((match.start(), match.end(), value.translate(normalize._table())))
    return edits


_CJK_CHAR = re.compile(f"[{normalize._CJK}]")


def _reference_repeated(text: str) -> list[tuple[int, int]]:
    """Runs (start, end) of CJK characters to collapse, as a plain loop."""
    runs = []
    position = 0
    for ch, group in itertools.groupby(text):
        size = len(list(group))
        runs.append((position, size, ch))
        position += size
    out = []
    k = 0
    while k < len(runs):
        _, size, ch = runs[k]
        end = k
        if size >= 2 and _CJK_CHAR.fullmatch(ch):
            while (
                end + 1 < len(runs)
                and runs[end + 1][1] == size
                and _CJK_CHAR.fullmatch(runs[end + 1][2])
            ):
                end += 1
            needed = normalize._REPEATED_RUNS - (1 if size >= 3 else 0)
            if end - k + 1 >= needed:
                out.extend((s, s + n) for s, n, _ in runs[k : end + 1])
        k = end + 1
    return out


_DIGIT_RUN = re.compile(f"[0-9{''.join(normalize._CHINESE_DIGITS)}]{{9,}}")


def _reference_is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def _reference_after_cjk(text: str, at: int) -> bool:
    """Whether a Chinese character comes before ``at``, past marks and invisibles."""
    for ch in reversed(text[:at]):
        if _CJK_CHAR.fullmatch(ch):
            return True
        if not (_reference_is_mark(ch) or _UNUSUAL_INVISIBLE.fullmatch(ch)):
            return False
    return False


_UNUSUAL_INVISIBLE = re.compile(f"[{normalize._INVISIBLE}]")


def reference_normalize(text: str) -> tuple[str, list[int], dict[int, int]]:
    src = list(range(len(text)))
    wide = {}
    folded = text.translate(normalize._table())
    edits = _reference_references(folded)
    for start, end, _ in edits:
        wide[start] = end
    folded, src = _reference_apply_edits(folded, src, edits)
    edits = []
    for match in _UNUSUAL.finditer(folded):
        replacement = normalize._fold_char(match.group())
        if _reference_is_mark(match.group()) and _reference_after_cjk(folded, match.start()):
            replacement = ""
        if replacement != match.group():
            edits.append((match.start(), match.end(), replacement))
    unfolded = folded
    folded, src = _reference_apply_edits(folded, src, edits)
    _, units = _reference_apply_edits(unfolded, list(range(len(unfolded))), edits)
    if re.search("[\u0370-\u052f]", folded):
        edits = normalize._script_lookalikes(text, np.array([ord(c) for c in folded]), src)
        folded, src = _reference_apply_edits(folded, src, edits)
    drop = _reference_fillers(folded, unfolded, units)
    folded, src = _reference_apply_edits(folded, src, [(i, i + 1, "") for i in sorted(drop)])
    for at in _reference_hosts(folded, text, src):
        folded = folded[:at] + "." + folded[at + 1 :]
    drop = _reference_clause_runs(folded)
    folded, src = _reference_apply_edits(folded, src, [(i, i + 1, "") for i in sorted(drop)])
    drop = _reference_spaced_out(folded)
    for candidate in _SPLIT_CANDIDATE.finditer(folded):
        match = _SPLIT.match(folded, candidate.start())
        if match:
            drop.update(range(match.start(), match.end()))
    edits = [(i, i + 1, "") for i in sorted(drop)]
    folded, src = _reference_apply_edits(folded, src, edits)
    edits = [(m.start(), m.end(), "") for m in _SPACE_BY_CJK.finditer(folded)]
    folded, src = _reference_apply_edits(folded, src, edits)
    edits = []
    for start, end in _reference_repeated(folded):
        wide[src[start]] = wide.get(src[end - 1], src[end - 1] + 1)
        edits.append((start, end, folded[start]))
    folded, src = _reference_apply_edits(folded, src, edits)
    for match in _DIGIT_RUN.finditer(folded):
        if sum(not c.isascii() for c in match.group()) >= normalize._CHINESE_DIGITS_MIN:
            digits = match.group().translate(str.maketrans(normalize._CHINESE_DIGITS))
            folded = folded[: match.start()] + digits + folded[match.end() :]
    return folded, src, wide


# Separators, lone and paired letters and digits, CJK, spaces before line breaks,
# full-width, traditional, enclosed, invisible and NFKC-expanding characters.
NORMALIZE_ALPHABET = (
    "杨方线配资中国楊線配資㐀豈"
    "ab9xZ"
    " \t\n\r\u3000\xa0\x0b\x85\u2800"
    "·•*|_-.~/+=#^\\—\u2212★♥※,、。:〜"
    "\uff21\uff41\uff10\uff0e"
    "①⑴⒈❶ⓐ㈠\u200b\u200d\ufeff\u00ad\u0336\u20e3\U000e0041"
    "…℃Ⅲ㌇\U0001d400\U0002f800\u0e31\u302a\u3099"
    "‼™〇々\u2028，！;ーゴ"
)


# Pieces of evasions: character references, Chinese numerals, repeated CJK
# characters, pictographs (one with a skin tone), punctuation and bars between
# characters, Cyrillic, Greek and small-capital lookalikes, other scripts' digits.
NORMALIZE_PIECES = [
    *'杨方线配资中国ab9x 1.-\n,、"丨\u4e36→★🔥💰\u02c7\ufffd',
    "👉🏻",
    *["&nbsp;", "&#x5fae;", "&#24494;", "&amp;", "&amp;lt;", "&NBSP;", "\uff06nbsp;", "&#0;"],
    *["一", "三", "八", "\u3007", "壹", "捌", "幺", "十", "5"],
    *["杨杨", "方方", "线线线", "上上上"],
    *["\u0430", "\u0441", "\u0445", "\u03bf", "\u0397", "\u03b1", "\u1d00", "\u0663"],
    # Fillers, clause punctuation between characters, hosts written with "。".
    *["‼", "‼\ufe0f", "™", "\u309c", "々", "\u3007", "\u2028", "，", "：", "！", "。", "、"],
    *["www", "com", "xyz", "cn", "163", "\u3002", "https://", "@"],
]


def _check_reference(text: str) -> None:
    norm = normalize.normalize(text)
    assert (norm.text, norm.src.tolist(), dict(norm.wide)) == reference_normalize(text)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=NORMALIZE_ALPHABET, max_size=80))
def test_normalize_matches_the_regex_reference(text: str) -> None:
    _check_reference(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(NORMALIZE_PIECES), max_size=40).map("".join))
def test_normalize_matches_the_reference_on_pieces_of_evasions(text: str) -> None:
    _check_reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_matches_the_regex_reference_on_any_text(text: str) -> None:
    _check_reference(text)


# One separator between characters, pieces around them: fillers (folding
# turns them into no separator), clause punctuation, line breaks.
SPACED_SEPARATORS = [
    *["‼", "‼\ufe0f", "⁉", "™", "\u309c", "々", "\u3007", "\u2028", "\u2029", "ー", "ﾞ"],
    *["，", ",", "：", "；", "！", "?", "、", "。", "·", "\n", "x", "X", "7", "丨", '"', "→"],
]
SPACED_CHARS = "杨方线配资中国股票一二〇丨\u4e36ab9 \n‼，ゴｺx"


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(NORMALIZE_PIECES), max_size=6).map("".join),
    st.text(alphabet=SPACED_CHARS, max_size=12),
    st.sampled_from(SPACED_SEPARATORS),
    st.lists(st.sampled_from(NORMALIZE_PIECES), max_size=6).map("".join),
)
def test_normalize_matches_the_reference_on_spaced_out_text(
    before: str, chars: str, separator: str, after: str
) -> None:
    _check_reference(before + separator.join(chars) + after)


HOST_PIECES = ["www", "xyz", "163", "a-b", "com", "Com", "cn", "me", "java", "\u3002", ".", "-"]


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(["", "https://", "http://", "@", "a", "访问"]),
    st.lists(st.sampled_from(HOST_PIECES), min_size=1, max_size=8).map("".join),
    st.sampled_from(["", "/abc", "。", "注册", "x", "\u3002com"]),
)
def test_normalize_matches_the_reference_on_hosts(before: str, host: str, after: str) -> None:
    _check_reference(before + host + after)


def test_long_texts_take_the_same_evasion_paths() -> None:
    """Past _SHORT characters, NumPy finds where clause punctuation
    may space out a stretch or stand for a host's dots: the same result."""
    news = "国家统计局今天发布数据，显示经济运行总体平稳。英、法、德、俄、美五国代表出席。\n"
    long = news * (normalize._SHORT // len(news) + 1)
    assert len(long) > normalize._SHORT
    ads = ["配，资，股，票，平，台", "访问www。xyz。com注册", "杨‼方‼线‼上‼配", "金,铜,锂,钒,锌,"]
    ads += ["杨x方x线x上x配x资", "x年x月x日x时x分x秒"]
    for ad in ads:
        alone, joined = normalize.normalize(ad), normalize.normalize(long + ad)
        assert joined.text == normalize.normalize(long).text + alone.text
        assert joined.src[-len(alone.src) :].tolist() == (alone.src + len(long)).tolist()


def test_decorative_separators_are_symbols_too() -> None:
    # _separators tries only _SYMBOL_RUN between two CJK characters.
    def chars(body: str) -> set[int]:
        return {c for low, high in normalize._class_ranges(body) for c in range(low, high + 1)}

    assert chars(normalize._DECORATIVE) <= chars(normalize._SYMBOLS)


def test_normalize_tables_match_the_regex_classes() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    every_codes = np.array([ord(c) for c in every])
    flags = normalize._tables().flags
    for pattern, bit in (
        (_UNUSUAL, normalize._UNUSUAL_BIT),
        (re.compile(f"[{normalize._SPLIT_CANDIDATE}]"), normalize._CANDIDATE_BIT),
        (re.compile(f"[{normalize._CJK}]"), normalize._CJK_BIT),
        (re.compile("[a-z0-9]"), normalize._ALNUM_BIT),
        (re.compile(r"\s"), normalize._SPACE_BIT),
    ):
        expected = np.zeros(0x110000, dtype=bool)
        expected[[every_codes[m.start()] for m in pattern.finditer(every)]] = True
        got = (flags & bit) > 0
        assert (got[every_codes] == expected[every_codes]).all(), pattern.pattern
    fold = normalize._tables().fold
    assert every.translate(normalize._table()) == normalize._text(fold[every_codes])


@given(st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=6))
@settings(max_examples=300, deadline=None)
def test_normalized_texts_equal_one_call_per_text(items: list[str]) -> None:
    """Fingerprints and the allowlist normalize every finding of a document in
    one call; each text comes out as it would alone, line breaks included."""
    from detector.suppress import normalized_text, normalized_texts

    assert normalized_texts(items) == [normalized_text(t) for t in items]

"""The NumPy inference path must equal scikit-learn's tf-idf + linear model."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from detector import features

TEXTS = ["杨方线上配资股票", "证监会打击场外配资", "银行调配资金", "加微信abc123", "配资配资配资"]


def test_row_ids_mark_each_span_and_leave_gaps() -> None:
    assert list(features.row_ids(7, [(0, 2), (4, 7)])) == [0, 0, -1, -1, 1, 1, 1]


def test_char_ngrams_never_cross_rows() -> None:
    text = "ab|cd"
    rows, _ = features.char_ngrams(
        features.codepoints(text), features.row_ids(5, [(0, 2), (3, 5)]), (1, 3), 16
    )
    # per row: 2 unigrams + 1 bigram, no trigram fits
    assert sorted(rows.tolist()) == [0, 0, 0, 1, 1, 1]


def test_char_ngram_sums_equal_the_sums_over_listed_ngrams() -> None:
    """The head scores' shortcut adds up a table over the n-grams of each span
    as summing it over ``char_ngrams`` would: spans with gaps between them, one
    ending the text, ones too short for the longer n-grams, a one-character
    text, and a range that starts above 1."""
    rng = np.random.default_rng(7)
    bits = 10
    table = rng.integers(-1000, 1000, size=(1 << bits, 4)).astype(np.float64)
    text = "杨方线上配资股票，证监会打击场外配资。a1\n加微信abc123领取福利"
    cases = [
        (text, [(0, 8), (9, 18), (19, 21), (22, len(text))], (1, 3)),
        (text, [(0, 1), (1, 3), (5, 6), (30, len(text))], (1, 3)),
        (text, [(2, 4), (10, len(text))], (2, 4)),
        ("配", [(0, 1)], (1, 3)),
        ("", [], (1, 3)),
    ]
    for string, spans, ngram_range in cases:
        codes = features.codepoints(string)
        bounds = np.array(spans, dtype=np.int64).reshape(-1, 2)
        rows, cols = features.char_ngrams(
            codes, features.row_ids(len(codes), bounds), ngram_range, bits
        )
        expected = np.zeros((len(spans), 4))
        np.add.at(expected, rows, table[cols])
        got = features.char_ngram_sums(codes, bounds, table, ngram_range, bits)
        np.testing.assert_array_equal(got, expected)
        assert got.shape == (len(spans), 4)


def test_char_ngram_sums_read_unigrams_from_the_plane_table_as_hashed() -> None:
    """Looked up in ``char_unigram_table`` by code point, a text's unigrams add
    the rows hashing gives; a text with a character beyond the table (an emoji,
    a rare CJK Extension B character) is hashed as before, and a range without
    unigrams has no table."""
    rng = np.random.default_rng(11)
    bits = 12
    table = rng.normal(size=(1 << bits, 4)).astype(np.float32)
    unigrams = features.char_unigram_table(table, (1, 3), bits)
    assert unigrams.shape == (1 << 16, 4)
    for text in ["杨方线上配资股票，加微信abc123", "配资😀平台\U00020000股票", "a"]:
        codes = features.codepoints(text)
        bounds = np.array([(0, len(text))], dtype=np.int64)
        plain = features.char_ngram_sums(codes, bounds, table, (1, 3), bits)
        listed = features.char_ngram_sums(codes, bounds, table, (1, 3), bits, unigrams)
        np.testing.assert_array_equal(listed, plain)
    # Each character's row is the one its unigram hashes to.
    for char in "配资a0，":
        (_, cols) = features.char_ngrams(
            features.codepoints(char), features.row_ids(1, [(0, 1)]), (1, 1), bits
        )
        np.testing.assert_array_equal(unigrams[ord(char)], table[cols[0]])
    assert len(features.char_unigram_table(table, (2, 3), bits)) == 0


def test_hashing_is_stable_across_runs() -> None:
    _, cols = features.char_ngrams(
        features.codepoints("配资"), features.row_ids(2, [(0, 2)]), (1, 2), 20
    )
    again = features.char_ngrams(
        features.codepoints("配资"), features.row_ids(2, [(0, 2)]), (1, 2), 20
    )
    assert cols.tolist() == again[1].tolist()


def test_tfidf_and_linear_scores_match_scikit_learn() -> None:
    bits = 12
    joined = "\n".join(TEXTS)
    spans, pos = [], 0
    for text in TEXTS:
        spans.append((pos, pos + len(text)))
        pos += len(text) + 1
    rows, cols = features.char_ngrams(
        features.codepoints(joined), features.row_ids(len(joined), spans), (1, 3), bits
    )
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(TEXTS), 1 << bits))
    transformer = TfidfTransformer(sublinear_tf=True)
    x = transformer.fit_transform(counts)
    model = LogisticRegression().fit(x, [1, 0, 0, 1, 1])

    r, c, v = features.tfidf(rows, cols, len(TEXTS), transformer.idf_, bits)
    ours = features.linear_scores(r, c, v, len(TEXTS), model.coef_[0], model.intercept_)
    np.testing.assert_allclose(ours[:, 0], model.decision_function(x), rtol=1e-9, atol=1e-9)

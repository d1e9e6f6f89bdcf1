"""``detector train``: build the shipped model from training_data/ and the corpora.

Deterministic: fixed seeds, stable hash splits, sorted inputs.  Writes the model
arrays, a model card (library versions, data checksums, parameters, thresholds,
metrics) and prints the validation figures.
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from detector import features
from detector.categories import CLEAN, MODEL_CLASSES
from detector.localize import LM_BITS, UNIGRAM_BITS, bigram_buckets, tagger_features
from detector.model import Head, Model, save_model
from detector.normalize import normalize
from detector.training import corpora
from detector.training.examples import (
    PAGE,
    ClauseExample,
    GoldDocument,
    bridge_examples,
    build_documents,
    clause_examples,
    focus_examples,
    fragment_examples,
    gold_codes,
    label_runs,
    load_sources,
    phrase_examples,
    standalone_phrases,
)

__all__ = ["TrainConfig", "train"]

# Validation false-positive budgets of the two thresholds.  Validation documents
# are 新闻联播 stories, the outlet the model trained on; on the cross-source dev
# benchmark the false-positive rate at a given threshold runs five to ten times
# the validation one, so a 1 % target for unseen outlets needs 0.1-0.2 % here
# (0.1 % left the seed article at review level, under block).
BLOCK_FPR = 0.002
REVIEW_FPR = 0.01

# 新闻联播 stories before this date train; those from DEV_FROM on are dev hosts.
TRAIN_BEFORE = "20250101"
DEV_FROM = "20250701"


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 20261125
    bits: int = 19
    tagger_bits: int = 18
    char_ngrams: tuple[int, int] = (1, 3)
    host_docs: int = 9000
    seo_docs: int = 600
    hard_negative_docs: int = 600
    grammar_phrases: int = 30000
    tagger_ad_clauses: int = 15000
    tagger_clean_clauses: int = 10000
    clean_fragments: int = 60000
    # Lines of a scraped page that are not the article: its date line ("2024-03-12
    # 09:15:33 来源：…"), byline, lists of stock codes and footer filing numbers
    # ("京ICP备12345678号"), as clean clauses.  Digits alone were read as a phone
    # number or a QQ handle: every date line and stock-code list was blocked.
    # Over three seeds the dev F1 was 0.866 without them, 0.864 with 500 and 0.860
    # with 1,500 (the latter without the footer templates); both sizes let the
    # probe lines of scripts/page_furniture.py pass.
    page_phrases: int = 500
    # Fit the stacking weights (clause head against span evidence) with a draft
    # model whose heads never saw a fifth of the grammars' train fillers (and an
    # eighth of the train spam and domains), on validation ads made of those: the
    # weights then fit ads worded unlike the training ones.  The shipped heads are
    # fitted on everything as before.  On the dev benchmark, seeds 20261125 / 1 /
    # 2: clean false positives 6 / 4 / 9 -> 4 / 3 / 8, hard-negative ones 10 / 6 /
    # 13 -> 9 / 6 / 12, recall 0.791 / 0.763 / 0.791 -> 0.768 / 0.774 / 0.791,
    # the best recall with at most 4 / 9 false positives +3.2 / +1.5 / 0.0 points.
    # Training takes about twice as long (two fits).
    novel_stack: bool = True
    # Ad runs with 0..focus_context characters of their clause either side, like the
    # focus unit the detector scores (dev F1 with 6 / 10 / 14 / 20: 0.839 / 0.851 /
    # 0.843 / 0.843).
    focus_examples: bool = True
    focus_context: int = 10
    # Ads split by their own punctuation across two clauses, from run to run with
    # 0..focus_context characters either side, like the bridge units the detector
    # scores, and this many clean pieces across the punctuation of clean clauses.
    bridge_examples: bool = True
    bridge_clean: int = 10000
    words: bool = True  # jieba word features in the clause heads
    # The category head weighs the categories equally: the recipes draw
    # stock-margin four times as often as adult, and real spam lines without a
    # category word count as promotion, so a finding whose wording it barely knew
    # was named by the frequent categories.  Category accuracy over the dev
    # benchmark's found spans, seeds 20261125 / 1 / 2: 0.894 / 0.903 / 0.892 ->
    # 0.907 / 0.911 / 0.901 (adult 0.37 / 0.45 / 0.52 -> 0.47 / 0.65 / 0.52).
    category_balanced: bool = True
    clause_c: float = 16.0
    prefilter_c: float = 4.0
    document_c: float = 4.0
    norm: str = "l2"  # of the clause and category heads: "l2" or "none"
    # Span boundaries (chosen on validation documents when there are some).
    tagger_weight: float = 0.5
    char_cost: float = 1.0
    span_cost: float = 3.0
    window: int = 16  # clauses longer than this are also scored in windows (0: never)
    focus: int = 4  # context characters around a clause's best span, scored as a unit
    # A document with at least this many ad clauses, making up at least this share
    # of its clauses, is reported whole as a machine-written ad article.
    article_clauses: int = 4
    article_share: float = 0.1
    balanced: bool = True  # weight ad and clean clauses equally in the clause head
    retail_spam: bool = True  # SMS/FBS shop and service promotions as positives
    prefilter_recall: float = 0.995
    # The prefilter passes at least this share of clean training clauses (more if
    # keeping ``prefilter_recall`` needs it): a speed knob, since every clause it
    # passes is windowed, segmented and localized.  The stacking weights are
    # fitted on the wider set of validation clauses that ``stack_pass`` lets through.
    prefilter_pass: float = 0.01
    stack_pass: float = 0.03


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rows_to_csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, bits: int) -> sparse.csr_matrix:
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n_rows, 1 << bits))
    matrix.sum_duplicates()
    return matrix


def _join(texts: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """``texts`` joined by line breaks (which end every clause) and their spans."""
    spans, pos = [], 0
    for text in texts:
        spans.append((pos, pos + len(text)))
        pos += len(text) + 1
    return "\n".join(texts), spans


def _char_matrix(texts: Sequence[str], config: TrainConfig) -> sparse.csr_matrix:
    """Count matrix of char n-grams, one row per text, hashed as at inference."""
    joined, spans = _join(texts)
    rows, cols = features.char_ngrams(
        features.codepoints(joined),
        features.row_ids(len(joined), spans),
        config.char_ngrams,
        config.bits,
    )
    return _rows_to_csr(rows, cols, len(texts), config.bits)


def _word_matrix(texts: Sequence[str], config: TrainConfig) -> sparse.csr_matrix:
    joined, spans = _join(texts)
    rows, cols = features.word_features(joined, spans, config.bits)
    return _rows_to_csr(rows, cols, len(texts), config.bits)


def _tfidf(counts: sparse.csr_matrix, norm: str = "l2") -> tuple[sparse.csr_matrix, np.ndarray]:
    """Tf-idf of ``counts`` and its (smooth) idf.  The clause heads read it with
    sublinear tf, l2-normalized (``norm`` "l2") or not ("none"); the document
    head and the prefilter ("occurrence-l2") with linear tf, divided by the
    root of the sum of idf squared over the row's n-gram occurrences (the l2
    norm when no n-gram repeats), which needs no per-row count of each n-gram
    at inference."""
    from sklearn.feature_extraction.text import TfidfTransformer

    if norm == "occurrence-l2":
        transformer = TfidfTransformer(sublinear_tf=False, norm=None, smooth_idf=True)
        matrix = transformer.fit_transform(counts).tocsr()
        idf = transformer.idf_
        lengths = np.sqrt(counts @ (idf * idf))
        matrix = sparse.diags(1.0 / np.where(lengths > 0, lengths, 1.0)) @ matrix
        return matrix.tocsr(), idf.astype(np.float32)
    transformer = TfidfTransformer(
        sublinear_tf=True, norm=None if norm == "none" else "l2", smooth_idf=True
    )
    matrix = transformer.fit_transform(counts)
    return matrix.tocsr(), transformer.idf_.astype(np.float32)


def _fit_binary(
    x: sparse.csr_matrix, y: np.ndarray, c: float, seed: int, balanced: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=c,
        solver="liblinear",
        max_iter=200,
        random_state=seed,
        class_weight="balanced" if balanced else None,
    )
    model.fit(x, y)
    return model.coef_[0].astype(np.float32), model.intercept_.astype(np.float32)


def _fit_multiclass(
    x: sparse.csr_matrix, y: np.ndarray, c: float, balanced: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((x.shape[1], len(MODEL_CLASSES)), dtype=np.float32)
    intercept = np.zeros(len(MODEL_CLASSES), dtype=np.float32)
    present = sorted(set(y.tolist()))
    if len(present) > 1:  # (one category: it is always the one named)
        weight = "balanced" if balanced else None
        model = LogisticRegression(C=c, solver="lbfgs", max_iter=200, class_weight=weight)
        model.fit(x, y)
        if len(model.classes_) == 2:
            # Two categories: sklearn fits one row, the log-odds of the second;
            # as softmax logits that is the first at 0 and the second at it.
            coef[:, model.classes_[1]] = model.coef_[0]
            intercept[model.classes_[1]] = model.intercept_[0]
        else:
            for column, label in enumerate(model.classes_):
                coef[:, label] = model.coef_[column]
                intercept[label] = model.intercept_[column]
    missing = set(range(len(MODEL_CLASSES))) - set(present)
    for label in missing:
        intercept[label] = -30.0  # a class without examples is never predicted
    return coef, intercept


def _tagger_matrix(
    examples: Sequence[ClauseExample], config: TrainConfig
) -> tuple[sparse.csr_matrix, np.ndarray]:
    texts = [e.text for e in examples]
    joined, spans = _join(texts)
    rows = features.row_ids(len(joined), spans)
    positions = np.flatnonzero(rows >= 0)
    index, cols = tagger_features(features.codepoints(joined), rows, positions, config.tagger_bits)
    labels = np.concatenate([e.char_labels for e in examples if e.char_labels is not None])
    return _rows_to_csr(index, cols, len(positions), config.tagger_bits), labels


def _library_versions() -> dict[str, str]:
    import jieba
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "jieba": jieba.__version__,
    }


def _training_data_manifest(training_data: Path) -> dict[str, str]:
    manifest = {}
    for path in sorted(training_data.rglob("*")):
        if path.is_file():
            manifest[str(path.relative_to(training_data))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return manifest


def train_hosts(corpora_root: Path, seed: int) -> list[tuple[str, str, str]]:
    """Every 新闻联播 story of the training period, shuffled (id, source, text)."""
    stories = [doc for date, doc in corpora.xwlb_stories(corpora_root) if date < TRAIN_BEFORE]
    rng = random.Random(seed)
    rng.shuffle(stories)
    return [(d.key, d.source, d.text[:2500]) for d in stories]


def training_examples(
    training_data: Path,
    corpora_root: Path,
    config: TrainConfig,
    heads_split: str = "train",
    validation_split: str = "train",
) -> tuple[list[GoldDocument], list[GoldDocument], list[ClauseExample]]:
    """(training documents, validation documents, clause examples) — all from the
    training side of every split: the documents and examples the heads are fitted
    on from ``heads_split``, the ads of the validation documents from
    ``validation_split`` (``fit`` and ``novel`` for the draft model, see
    :func:`fit_novel_stack`)."""
    corpora.check_manifest(corpora_root, training_data / "corpora_manifest.json")
    rng = random.Random(config.seed)
    sources = load_sources(
        training_data, corpora_root, heads_split, config.seed, retail_spam=config.retail_spam
    )
    validation_sources = (
        sources
        if validation_split == heads_split
        else load_sources(
            training_data,
            corpora_root,
            validation_split,
            config.seed,
            retail_spam=config.retail_spam,
        )
    )
    stories = train_hosts(corpora_root, config.seed)
    hosts, spare = stories[: config.host_docs], stories[config.host_docs :]
    is_validation = [corpora.stable_fraction(h[0]) < 0.1 for h in hosts]
    fit_hosts = [h for h, v in zip(hosts, is_validation, strict=True) if not v]
    validation_hosts = [h for h, v in zip(hosts, is_validation, strict=True) if v]
    if not fit_hosts or not validation_hosts:  # every document is built on one
        raise corpora.CorpusError(
            f"{corpora_root}: too little news to train on: {corpora.FILES['xwlb']} holds"
            f" {len(stories)} 新闻联播 stories before {TRAIN_BEFORE} (training and validation"
            " each need some)"
        )
    documents = build_documents(
        fit_hosts, sources, heads_split, config.seed,
        n_hard_negative_docs=config.hard_negative_docs, n_seo=config.seo_docs,
    )  # fmt: skip
    validation_docs = build_documents(
        validation_hosts, validation_sources, validation_split, config.seed + 1,
        n_hard_negative_docs=config.hard_negative_docs // 8, n_seo=config.seo_docs // 8,
    )  # fmt: skip
    # Stories no host was drawn from are clean validation documents: the block
    # threshold sits at a 0.5 % quantile of clean scores, which a few hundred
    # documents cannot place.
    validation_docs += [
        GoldDocument(key, text, (), "clean", "", source) for key, source, text in spare
    ]
    thuc = list(corpora.thucnews_titles(corpora_root, "dev"))
    phrases = standalone_phrases(sources, rng, heads_split, config.grammar_phrases, thuc)
    clauses = clause_examples(documents) + phrase_examples(phrases)
    # Fragments are drawn before the focus examples are made: both take random
    # draws from ``rng``, and this order keeps the fragments (and the shipped
    # model) what they were before focus examples existed.
    fragments = fragment_examples(clauses, config.clean_fragments, rng)
    if config.focus_examples:
        clauses += focus_examples(clauses, config.focus_context, rng)
    if config.bridge_examples:
        clauses += bridge_examples(
            documents, config.focus_context, config.focus, config.bridge_clean, rng
        )
    clauses += fragments
    # Drawn from a generator of their own, after everything else: the rest of the
    # training set stays what it was without them.
    page_rng = random.Random(f"page:{config.seed}")
    clauses += phrase_examples(
        (sources.finance.expand(PAGE, page_rng, "train"), CLEAN) for _ in range(config.page_phrases)
    )
    _log(f"documents {len(documents)}, clause examples {len(clauses)}")
    return documents, validation_docs, clauses


def train(
    training_data: Path,
    corpora_root: Path,
    output: Path,
    config: TrainConfig = TrainConfig(),
    evaluate: Callable[[Model, list[GoldDocument]], dict[str, Any]] | None = None,
) -> Model:
    """Train all heads and write the model; returns it."""
    started = time.perf_counter()
    stack = fit_novel_stack(training_data, corpora_root, config) if config.novel_stack else None
    documents, validation_docs, clauses = training_examples(training_data, corpora_root, config)
    model, stats = fit_model(clauses, documents, config, validation_docs, stack)
    card: dict[str, Any] = {
        "name": "detector default model",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "libraries": _library_versions(),
        "training_data": _training_data_manifest(training_data),
        "corpora": corpora.file_manifest(corpora_root),
        "examples": {"documents": len(documents), **stats},
    }
    if evaluate is not None:
        card["metrics"] = evaluate(model, documents)
    save_model(model, output, card)
    _log(f"model {model.version} written to {output} ({time.perf_counter() - started:.0f}s)")
    return model


def fit_novel_stack(training_data: Path, corpora_root: Path, config: TrainConfig) -> list[float]:
    """The stacking weights of a draft model whose heads never saw the ``novel``
    fillers, fitted on validation ads made of them: how much the clause head and
    the span evidence are worth on ads worded unlike any training ad."""
    _log("draft model: heads on the fit fillers, stacking on ads of the novel ones")
    documents, validation_docs, clauses = training_examples(
        training_data, corpora_root, config, "fit", "novel"
    )
    draft, _ = fit_model(clauses, documents, config, validation_docs)
    return list(draft.params["stack"])


def fit_model(
    clauses: Sequence[ClauseExample],
    documents: Sequence[GoldDocument],
    config: TrainConfig,
    validation_docs: Sequence[GoldDocument] = (),
    stack: list[float] | None = None,
) -> tuple[Model, dict[str, int]]:
    """Fit every head on labelled clauses and documents (no corpus access here).

    Thresholds come from ``validation_docs`` when given, else default to 0.5;
    so do the stacking weights unless ``stack`` gives them.
    """
    started = time.perf_counter()
    texts = [c.text for c in clauses]
    labels = np.array([MODEL_CLASSES.index(c.category) for c in clauses])
    char_counts = _char_matrix(texts, config)

    # Prefilter: char n-grams only (no jieba), binary, tuned for recall.
    pre_x, pre_idf = _tfidf(char_counts, "occurrence-l2")
    pre_coef, pre_b = _fit_binary(pre_x, (labels > 0).astype(int), config.prefilter_c, config.seed)
    _log(f"prefilter fitted ({time.perf_counter() - started:.0f}s)")

    # Clause model: char n-grams + jieba words; binary ad/clean, then the category
    # among ad clauses (multinomial), sharing one tf-idf space.
    clause_counts = char_counts + _word_matrix(texts, config) if config.words else char_counts
    clause_x, clause_idf = _tfidf(clause_counts.tocsr(), config.norm)
    ads = labels > 0
    clause_coef, clause_b = _fit_binary(
        clause_x, ads.astype(int), config.clause_c, config.seed, config.balanced
    )
    category_coef, category_b = _fit_multiclass(
        clause_x[ads], labels[ads], config.clause_c, config.category_balanced
    )
    _log(f"clause and category models fitted ({time.perf_counter() - started:.0f}s)")

    # Tagger: every ad clause plus a sample of clean clauses.
    positives = [c for c in clauses if c.category != CLEAN]
    negatives = [c for c in clauses if c.category == CLEAN]
    random.Random(config.seed).shuffle(positives)
    random.Random(config.seed).shuffle(negatives)
    tag_x, tag_y = _tagger_matrix(
        positives[: config.tagger_ad_clauses] + negatives[: config.tagger_clean_clauses], config
    )
    tag_coef, tag_b = _fit_binary(tag_x, tag_y, 1.0, config.seed)
    _log(f"tagger fitted on {tag_x.shape[0]} characters ({time.perf_counter() - started:.0f}s)")

    # Character language models of news and of ads, for span boundaries.
    news_lm, ad_lm = _fit_language_models(clauses)

    # Document head: whole SEO articles against clean, injected and hard-negative ones.
    doc_labels = np.array([d.kind == "seo" for d in documents], dtype=int)
    doc_x, doc_idf = _tfidf(_char_matrix([d.text for d in documents], config), "occurrence-l2")
    doc_coef, doc_b = _fit_binary(doc_x, doc_labels, config.document_c, config.seed)
    _log(f"document model fitted ({time.perf_counter() - started:.0f}s)")

    # Prefilter threshold: keep the clause model's recall on ad clauses, and pass
    # at least the top ``prefilter_pass`` of clean clauses: recall on the training
    # ads overstates recall on ads written differently.
    pre_scores = 1 / (1 + np.exp(-(pre_x @ pre_coef + pre_b[0])))
    ad_scores = np.sort(pre_scores[ads])
    keep_recall = float(ad_scores[int((1 - config.prefilter_recall) * len(ad_scores))])
    prefilter, stack_cutoff = (
        min(keep_recall, float(np.quantile(pre_scores[~ads], 1 - share)))
        for share in (config.prefilter_pass, config.stack_pass)
    )
    params = {
        "bits": config.bits,
        "tagger_bits": config.tagger_bits,
        "char_ngrams": list(config.char_ngrams),
        "seed": config.seed,
        "host_docs": config.host_docs,
        "seo_docs": config.seo_docs,
        "grammar_phrases": config.grammar_phrases,
        "clean_fragments": config.clean_fragments,
        "page_phrases": config.page_phrases,
        "focus_examples": config.focus_examples,
        "focus_context": config.focus_context,
        "bridge_examples": config.bridge_examples,
        "bridge_clean": config.bridge_clean,
        "words": config.words,
        "clause_c": config.clause_c,
        "prefilter_c": config.prefilter_c,
        "document_c": config.document_c,
        "prefilter_pass": config.prefilter_pass,
        "stack_pass": config.stack_pass,
        "norm": config.norm,
        "char_norm": "occurrence-l2",
        "tagger_weight": config.tagger_weight,
        "char_cost": config.char_cost,
        "span_cost": config.span_cost,
        "window": config.window,
        "focus": config.focus,
        "article_clauses": config.article_clauses,
        "article_share": config.article_share,
        "balanced": config.balanced,
        "retail_spam": config.retail_spam,
        "category_balanced": config.category_balanced,
        "novel_stack": stack is not None,
    }
    heads = {
        "prefilter": Head(pre_coef, pre_b, pre_idf),
        "clause": Head(clause_coef, clause_b, clause_idf),
        "category": Head(category_coef.astype(np.float16), category_b, clause_idf),
        "tagger": Head(tag_coef.astype(np.float16), tag_b),
        "document": Head(doc_coef, doc_b, doc_idf),
        "news_lm": news_lm,
        "ad_lm": ad_lm,
    }
    thresholds = {"prefilter": min(prefilter, 0.5), "review": 0.5, "block": 0.5, "document": 0.5}
    if validation_docs:
        draft = Model("draft", MODEL_CLASSES, params, thresholds, heads)
        params.update(choose_localizer(draft, validation_docs))
        draft = Model("draft", MODEL_CLASSES, params, thresholds, heads)
        params["stack"] = (
            fit_stack(draft, validation_docs, min(stack_cutoff, 0.5)) if stack is None else stack
        )
        draft = Model("draft", MODEL_CLASSES, params, thresholds, heads)
        thresholds.update(choose_thresholds(draft, validation_docs))
    digest = hashlib.sha256(
        b"".join(h.coef.tobytes() for h in heads.values())
        + json.dumps([params, thresholds], sort_keys=True).encode()
    ).hexdigest()
    version = time.strftime("%Y.%m.%d", time.gmtime()) + "-" + digest[:8]
    stats = {
        "clauses": len(clauses),
        "ad_clauses": int(ads.sum()),
        "tagger_characters": int(tag_x.shape[0]),
    }
    return Model(version, MODEL_CLASSES, params, thresholds, heads), stats


def _count_language_model(texts: Sequence[str]) -> Head:
    joined, spans = _join(texts)
    rows = features.row_ids(len(joined), spans)
    inside = rows >= 0
    _, previous, bigram = bigram_buckets(features.codepoints(joined)[inside], rows[inside])
    return Head(
        np.bincount(bigram, minlength=1 << LM_BITS).astype(np.float32),
        np.zeros(1, np.float32),
        np.bincount(previous, minlength=1 << UNIGRAM_BITS).astype(np.float32),
    )


def _fit_language_models(clauses: Sequence[ClauseExample]) -> tuple[Head, Head]:
    """Bigram counts of news text (clean clauses and the host part of ad clauses)
    and of ad text (the gold characters)."""
    news: list[str] = []
    ads: list[str] = []
    for clause in clauses:
        labels = clause.char_labels
        if clause.category == CLEAN or labels is None or not labels.any():
            news.append(clause.text)
            continue
        last = 0
        for start, end in label_runs(labels):
            if start > last:
                news.append(clause.text[last:start])
            ads.append(clause.text[start:end])
            last = end
        if last < len(clause.text):
            news.append(clause.text[last:])
    return _count_language_model(news), _count_language_model(ads)


def choose_localizer(model: Model, documents: Sequence[GoldDocument]) -> dict[str, float]:
    """Span-boundary parameters with the best character F1 on the validation
    documents' injected spans."""
    from detector.core import Detector
    from detector.evaluate import score
    from detector.training.evaluation import predict

    gold = [d.to_dict() for d in documents if d.kind == "injected"]
    best: tuple[float, dict[str, float]] = (-1.0, {})
    # A per-character cost under 1.0 lets spans swallow neighbouring news words
    # (服务 in the seed's "服务杨方线上配资股票") for a gain in validation F1 of
    # about 0.002, so it stays at 1.0 and only the tagger's weight is chosen.
    for weight, char_cost in ((0.35, 1.0), (0.5, 1.0), (0.7, 1.0)):
        params = {**model.params, "tagger_weight": weight, "char_cost": char_cost}
        candidate = Model("draft", model.classes, params, model.thresholds, model.heads)
        detector = Detector(candidate, threshold=0.0)
        predictions = [predict(detector, str(record["text"])) for record in gold]
        f1 = score(gold, predictions)["span"]["f1"]
        _log(f"localizer tagger_weight={weight} char_cost={char_cost}: span F1 {f1:.4f}")
        if f1 > best[0]:
            best = (f1, {"tagger_weight": weight, "char_cost": char_cost, "span_cost": 3.0})
    return best[1]


def fit_stack(
    model: Model, documents: Sequence[GoldDocument], cutoff: float | None = None
) -> list[float]:
    """Weights combining the clause head's logit with the localizer's best-span
    evidence into one calibrated score, fitted on the validation documents'
    clauses whose prefilter score reaches ``cutoff`` (default: the prefilter
    threshold; the combination sees no other clauses) and those spaced out,
    which a scan assesses whatever their prefilter score."""
    from sklearn.linear_model import LogisticRegression

    from detector.core import Detector

    # A fourth and a fifth weight, for Detector.reachable and Detector.spaced: a
    # draft whose stacking has them finds which clauses hold a link, phone
    # number or handle, and which are spaced out.
    detector = Detector(
        Model(
            model.version,
            model.classes,
            {**model.params, "stack": [1.0, 0.0, 0.0, 0.0, 0.0]},
            model.thresholds,
            model.heads,
        ),
        threshold=0.0,
    )
    if cutoff is None:
        cutoff = model.thresholds["prefilter"]
    inputs, labels = [], []
    for doc in documents:
        if doc.kind == "seo":
            continue
        clauses, pre, ad, strength = detector.clause_evidence(doc.text)
        norm = normalize(doc.text)
        codes = gold_codes(doc, norm.src)
        spaced = detector.spaced(doc.text, clauses)
        keep = (pre >= cutoff) | spaced
        reach = detector.reachable(doc.text, clauses[keep])
        for (start, end), a, s, r, apart in zip(
            clauses[keep].tolist(),
            ad[keep],
            strength[keep],
            reach.tolist(),
            spaced[keep].tolist(),
            strict=True,
        ):
            a = min(max(float(a), 1e-9), 1 - 1e-9)
            inputs.append((np.log(a / (1 - a)), np.log1p(s), float(r), float(apart)))
            labels.append(int((codes[start:end] > 0).sum() >= 2))
    if len(set(labels)) < 2:
        return [1.0, 0.0, 0.0, 0.0, 0.0]
    fitted = LogisticRegression(C=1.0, max_iter=1000).fit(np.array(inputs), np.array(labels))
    a, b, r, apart = (round(float(x), 6) for x in fitted.coef_[0])
    reached, spread = (int(sum(x[k] for x in inputs)) for k in (2, 3))
    _log(
        f"stacking: clause logit x {a}, log1p(span evidence) x {b}, reachable x {r},"
        f" spaced out x {apart}, on {len(labels)} clauses ({reached} reachable,"
        f" {spread} spaced out)"
    )
    return [a, b, round(float(fitted.intercept_[0]), 6), r, apart]


def choose_thresholds(model: Model, documents: Sequence[GoldDocument]) -> dict[str, float]:
    """Thresholds from the validation documents: *block* keeps the false-positive
    rate on clean and hard-negative documents at or under ``BLOCK_FPR``, *review*
    under ``REVIEW_FPR``; the document head keeps SEO false positives under 0.5 %."""
    from detector.core import Detector

    detector = Detector(model, threshold=0.0)
    clean_scores, doc_scores_clean = [], []
    for doc in documents:
        if doc.kind in ("clean", "hard-negative"):
            verdict = detector.scan(doc.text)
            clean_scores.append(verdict.score)
            doc_scores_clean.append(detector.document_score(doc.text))
    clean = np.sort(np.array(clean_scores))
    docs = np.sort(np.array(doc_scores_clean))

    def quantile(values: np.ndarray, rate: float) -> float:
        if not len(values):
            return 0.5
        return float(values[min(len(values) - 1, int(np.ceil((1 - rate) * len(values))))])

    block = max(0.5, quantile(clean, BLOCK_FPR) + 1e-6)
    review = min(block, max(0.3, quantile(clean, REVIEW_FPR) + 1e-6))
    document = max(0.5, quantile(docs, 0.005) + 1e-6)
    return {"review": round(review, 4), "block": round(block, 4), "document": round(document, 4)}

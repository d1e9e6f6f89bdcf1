"""Training's validation steps on the tiny fixture examples (no corpora)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from conftest import AD_PHRASES, CLEAN_SENTENCES, INJECTION_HOSTS, TINY_CONFIG, _tiny_examples

from detector.core import Detector
from detector.model import Model, load_model
from detector.training import train as training
from detector.training.examples import GoldDocument
from detector.training.inject import GoldSpan


def _validation_documents() -> list[GoldDocument]:
    documents = []
    for i, ((ad, category), host) in enumerate(zip(AD_PHRASES, INJECTION_HOSTS * 2, strict=False)):
        text = f"{host}，{ad}。{CLEAN_SENTENCES[i]}。"
        start = len(host) + 1
        span = GoldSpan(start, start + len(ad), category)
        documents.append(GoldDocument(f"ad{i}", text, (span,), "injected", "clause-end", "t"))
    for i, sentence in enumerate(CLEAN_SENTENCES):
        text = f"{sentence}。{INJECTION_HOSTS[i % len(INJECTION_HOSTS)]}。"
        documents.append(GoldDocument(f"clean{i}", text, (), "clean", "", "t"))
    return documents


def test_given_stacking_weights_replace_the_fitted_ones() -> None:
    """fit_model fits the stacking weights on the validation documents unless it
    is given them (the draft model's, see fit_novel_stack); the heads are the
    same either way, and the scores combine with the weights given."""
    clauses, documents = _tiny_examples()
    validation = _validation_documents()
    fitted, _ = training.fit_model(clauses, documents, TINY_CONFIG, validation)
    given = [0.25, 2.0, -1.0]
    chosen, _ = training.fit_model(clauses, documents, TINY_CONFIG, validation, given)
    assert len(fitted.params["stack"]) == 5 and fitted.params["stack"] != given
    assert fitted.params["novel_stack"] is False
    assert chosen.params["stack"] == given and chosen.params["novel_stack"] is True
    for name, head in fitted.heads.items():
        np.testing.assert_array_equal(head.coef, chosen.heads[name].coef)
    a, b, c = given
    expected = 1 / (1 + np.exp(-(a * np.log(0.9 / 0.1) + b * np.log1p(5.0) + c)))
    assert Detector(chosen).combine(0.9, 5.0) == pytest.approx(expected)
    assert Detector(fitted).combine(0.9, 5.0) != pytest.approx(expected)


def test_the_stacking_weighs_clauses_that_hold_a_way_to_reach_someone() -> None:
    """fit_stack's fourth weight is for Detector.reachable: where the validation
    ads hold handles and links and the clean clauses none, it is positive, and a
    clause that holds one scores higher than the same evidence without."""
    clauses, documents = _tiny_examples()
    model, _ = training.fit_model(clauses, documents, TINY_CONFIG)
    validation = _validation_documents()
    reachable = [d for d in validation if d.spans and ("abc12345" in d.text or "xyz888" in d.text)]
    assert len(reachable) >= 2  # the fixture's contact and link ads
    stack = training.fit_stack(model, validation, 0.0)
    assert len(stack) == 5 and stack[3] > 0
    params = {**model.params, "stack": stack}
    fitted = Detector(Model(model.version, model.classes, params, model.thresholds, model.heads))
    assert fitted.combine(0.5, 1.0, True) > fitted.combine(0.5, 1.0, False)


def test_the_stacking_weighs_clauses_written_with_their_characters_apart() -> None:
    """fit_stack's fifth weight is for Detector.spaced: where validation ads are
    written with a separator between every character and no clean clause is, it
    is positive, and such a clause scores higher than the same evidence written
    plainly; without any, it is 0."""
    clauses, documents = _tiny_examples()
    model, _ = training.fit_model(clauses, documents, TINY_CONFIG)
    validation = _validation_documents()
    for i, (ad, category) in enumerate(AD_PHRASES[:4]):
        ad = "·".join(ad)
        host = INJECTION_HOSTS[i % len(INJECTION_HOSTS)]
        text = f"{host}，{ad}。{CLEAN_SENTENCES[i]}。"
        span = GoldSpan(len(host) + 1, len(host) + 1 + len(ad), category)
        validation.append(GoldDocument(f"apart{i}", text, (span,), "injected", "dots", "t"))
    plain = training.fit_stack(model, _validation_documents(), 0.0)
    assert len(plain) == 5 and plain[4] == 0.0
    stack = training.fit_stack(model, validation, 0.0)
    assert len(stack) == 5 and stack[4] > 0
    params = {**model.params, "stack": stack}
    fitted = Detector(Model(model.version, model.classes, params, model.thresholds, model.heads))
    assert fitted.combine(0.5, 1.0, False, True) > fitted.combine(0.5, 1.0, False, False)


def test_train_fits_the_final_heads_with_the_draft_stacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With novel_stack, train() asks for the draft model's stacking weights and
    the written model uses them; without, it fits its own."""
    clauses, documents = _tiny_examples()
    validation = _validation_documents()
    splits: list[tuple[str, str]] = []

    def examples(training_data, corpora, config, heads="train", validation_split="train"):  # type: ignore[no-untyped-def]
        splits.append((heads, validation_split))
        return documents, validation, clauses

    monkeypatch.setattr(training, "training_examples", examples)
    draft_stack = [0.5, 1.5, -2.0]
    monkeypatch.setattr(training, "fit_novel_stack", lambda *args: draft_stack)
    monkeypatch.setattr(training, "_training_data_manifest", lambda path: {})
    monkeypatch.setattr(training.corpora, "file_manifest", lambda root: {})
    for novel, stack in ((True, draft_stack), (False, None)):
        config = training.TrainConfig(**{**TINY_CONFIG.__dict__, "novel_stack": novel})
        out = tmp_path / f"novel-{novel}"
        training.train(tmp_path, tmp_path, out, config)
        written = load_model(out)
        assert written.params["novel_stack"] is novel
        if stack is not None:
            assert written.params["stack"] == stack
        else:
            assert written.params["stack"] != draft_stack
    assert splits == [("train", "train"), ("train", "train")]


def test_the_category_head_weighs_the_categories_equally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clauses, documents = _tiny_examples()
    fitted: list[tuple[int, bool]] = []
    fit_multiclass = training._fit_multiclass

    def spy(x, y, c, balanced=False):  # type: ignore[no-untyped-def]
        fitted.append((x.shape[0], balanced))
        return fit_multiclass(x, y, c, balanced)

    monkeypatch.setattr(training, "_fit_multiclass", spy)
    ads = sum(c.category != "clean" for c in clauses)
    for balanced in (False, True):
        config = dataclasses.replace(TINY_CONFIG, category_balanced=balanced)
        model, _ = training.fit_model(clauses, documents, config)
        assert fitted.pop() == (ads, balanced)  # the ad clauses, weighed as asked
        assert model.params["category_balanced"] is balanced
        for ad, category in AD_PHRASES:  # each tiny ad alone is named its category
            assert {f.category for f in Detector(model).scan(ad).findings} <= {category}


def test_balanced_class_weights_lift_a_rare_category() -> None:
    """sklearn's "balanced" weighs each class by n / (k * its count): with one
    example of a class against twenty of each of two others, the rare one's
    decision moves toward it."""
    from scipy import sparse

    rows = [[1.0, 0.0, 0.0]] * 20 + [[0.0, 1.0, 0.0]] * 20 + [[0.9, 0.0, 0.1]]
    x = sparse.csr_matrix(np.array(rows))
    y = np.array([1] * 20 + [2] * 20 + [5])
    probe = sparse.csr_matrix(np.array([[0.9, 0.0, 0.1]]))
    scores = {}
    for balanced in (False, True):
        coef, intercept = training._fit_multiclass(x, y, 16.0, balanced)
        scores[balanced] = (probe @ coef + intercept)[0]
    assert scores[True][5] - scores[True][1] > scores[False][5] - scores[False][1]


def test_a_category_head_fits_with_one_or_two_categories() -> None:
    """A user's own training data may hold ads of two categories, or one:
    sklearn then fits one row (binary) or refuses; the head still names each
    category where its examples are."""
    from scipy import sparse

    x = sparse.csr_matrix(np.array([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5))
    for labels in ([1] * 5 + [5] * 5, [5] * 10):
        y = np.array(labels)
        coef, intercept = training._fit_multiclass(x, y, 16.0, balanced=True)
        named = (x @ coef + intercept).argmax(axis=1)
        assert named.tolist() == labels
        absent = sorted(set(range(len(training.MODEL_CLASSES))) - set(labels))
        assert (intercept[absent] == -30.0).all()

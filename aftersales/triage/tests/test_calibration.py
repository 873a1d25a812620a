"""Calibrated confidence: temperature scaling of the aggregation, fitted on cross-validated
probabilities, stored with the model and reported at the confidence floors."""

import io
import json
import pickle

import numpy as np
import pytest
from django.core.management import call_command

from aftersales.triage import classifier, trainer
from aftersales.triage.classifier import EVIDENCE, Aggregation
from aftersales.triage.corpus import Example, composed_examples, symptom_lexicon

CATEGORIES = ["audio", "camera", "screen", "signal_network_call"]


@pytest.fixture
def models_dir(tmp_path, settings):  # type: ignore[no-untyped-def]
    """Train into a scratch folder so the shipped model is never touched."""
    settings.TRIAGE_MODELS_DIR = tmp_path
    classifier.forget_loaded_models()
    yield tmp_path
    classifier.forget_loaded_models()


def overconfident(count: int = 1200, *, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that always say 0.97 for a category that is right only 60 % of the time."""
    rng = np.random.default_rng(seed)
    expected = rng.integers(0, len(CATEGORIES), size=count)
    picked = np.where(rng.random(count) < 0.6, expected, (expected + rng.integers(1, 4, size=count)) % 4)
    probabilities = np.full((count, len(CATEGORIES)), 0.01)
    probabilities[np.arange(count), picked] = 0.97
    return probabilities, expected


def test_the_fitted_temperature_softens_an_overconfident_model_and_lowers_its_nll():  # type: ignore[no-untyped-def]
    probabilities, expected = overconfident()
    temperature = trainer.fit_temperature(probabilities, expected)
    assert temperature > 1.5
    softened = trainer.tempered(probabilities, temperature)
    assert trainer.negative_log_likelihood(softened, expected) < trainer.negative_log_likelihood(
        probabilities, expected
    )
    # Right 60 % of the time, it now says about 0.6, where it said 0.97.
    assert softened.max(axis=1).mean() == pytest.approx(0.6, abs=0.03)
    correct = probabilities.argmax(axis=1) == expected
    assert trainer.expected_calibration_error(probabilities.max(axis=1), correct) > 0.3
    assert trainer.expected_calibration_error(softened.max(axis=1), correct) < 0.03
    # A temperature never changes which category is picked.
    assert (softened.argmax(axis=1) == probabilities.argmax(axis=1)).all()


def test_the_expected_calibration_error_weighs_each_bin_by_its_predictions():  # type: ignore[no-untyped-def]
    # Nine predictions at 0.95 all right (gap 0.05) and one at 0.55 that is wrong (gap 0.55).
    confidences = np.asarray([0.95] * 9 + [0.55])
    correct = np.asarray([True] * 9 + [False])
    assert trainer.expected_calibration_error(confidences, correct) == pytest.approx(0.1)
    assert trainer.expected_calibration_error(np.asarray([]), np.asarray([])) == 0.0


def test_the_aggregation_carries_the_temperature_fitted_on_its_folds_and_reports_every_floor():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    probabilities, expected = overconfident(600)
    # Every reading of the text repeats the overconfident probabilities.
    evidence = np.repeat(probabilities[:, None, :], len(EVIDENCE), axis=1)
    evidence[:, EVIDENCE.index("clause_votes")] = 0.0
    labels = [CATEGORIES[i] for i in expected]
    folds = rng.permutation(np.arange(len(labels)) % 5)
    aggregation, report = trainer.calibrated_aggregation(evidence, labels, CATEGORIES, folds)
    # The aggregation's weights, fitted by likelihood, already soften it: little is left for
    # the temperature, and applying it fold by fold costs next to nothing.
    assert aggregation.temperature == report["temperature"]
    assert 0.8 < aggregation.temperature < 1.25
    assert abs(report["nll"]["after"] - report["nll"]["before"]) < 0.01
    assert [row["floor"] for row in report["floors"]] == trainer.CALIBRATION_FLOORS
    assert set(report["floors"][0]["before"]) == {"routed_share", "routed_accuracy"}
    plain = Aggregation(weights=aggregation.weights, biases=aggregation.biases)
    assert (aggregation.combine(evidence).argmax(axis=1) == plain.combine(evidence).argmax(axis=1)).all()


def small_model(version: str = "t1") -> classifier.TriageModel:
    examples = composed_examples(per_phrase=1)
    return classifier.train_model(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        version=version,
        lexicon=symptom_lexicon(),
        sources={"own": len(examples)},
    )


def test_a_model_saved_before_the_temperature_reads_as_before(models_dir):  # type: ignore[no-untyped-def]
    model = small_model()
    size = len(model.categories)
    model.aggregation = Aggregation(weights=(0.4, 0.3, 0.2, 0.0, 0.1, 0.3, 0.0), biases=(0.05,) * size)
    texts = ["屏幕老是失灵", "1.充电太慢 2.喇叭有杂音", "the parcel came late"]
    before = model.predict(texts)
    # As pickled before the temperature and the calibration report existed.
    older = pickle.loads(pickle.dumps(model))
    del older.__dict__["calibration"]
    del older.aggregation.__dict__["temperature"]
    older = pickle.loads(pickle.dumps(older))
    assert older.aggregation.temperature == 1.0 and older.calibration is None
    read = older.predict(texts)
    assert [c for c, _ in read] == [c for c, _ in before]
    assert [p for _, p in read] == pytest.approx([p for _, p in before], abs=1e-12)
    # A temperature above 1 lowers the confidence, never the category.
    older.aggregation = Aggregation(
        weights=model.aggregation.weights, biases=model.aggregation.biases, temperature=2.0
    )
    softer = older.predict(texts)
    assert [c for c, _ in softer] == [c for c, _ in before]
    assert all(s < b for (_, s), (_, b) in zip(softer, before, strict=True))


def test_training_on_real_complaints_stores_the_temperature_and_its_figures(models_dir, monkeypatch):  # type: ignore[no-untyped-def]
    own = composed_examples(per_phrase=1)
    real = [Example(e.text, e.label, "file:real.jsonl") for e in own[:: len(own) // 60]]
    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", len(real))
    model = trainer.model_from_examples(own + real, version="calibrated")
    assert model.calibration is not None
    assert model.aggregation.temperature == model.calibration["temperature"] > 0
    model.save()
    about = json.loads((models_dir / "calibrated.json").read_text())
    assert about["aggregation"]["temperature"] == model.aggregation.temperature
    assert [row["floor"] for row in about["calibration"]["floors"]] == trainer.CALIBRATION_FLOORS


@pytest.mark.django_db
def test_eval_reports_routing_and_calibration_at_each_floor(models_dir, tmp_path):  # type: ignore[no-untyped-def]
    small_model("cli").save()
    classifier.set_current("cli")
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        '{"text": "信号太差老掉线", "label": "signal_network_call"}\n{"text": "喇叭有杂音", "label": "camera"}\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("triage", "eval", str(labelled), stdout=out)
    report = json.loads(out.getvalue())
    floors = report["calibration"]["floors"]
    assert [row["floor"] for row in floors] == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert floors[0]["routed_accuracy"] == 0.5 and floors[0]["routed_share"] == 1.0
    assert 0 < report["calibration"]["ece"] < 1
    assert report["model_calibration"] is None  # trained on the own corpus only: nothing to calibrate on

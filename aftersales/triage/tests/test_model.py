"""Training, versions, the command line and the API of the pre-diagnosis model."""

import io
import json

import pytest
from django.core.management import call_command

from aftersales.triage import classifier
from aftersales.triage.classifier import Aggregation
from aftersales.triage.corpus import composed_examples, symptom_lexicon
from aftersales.triage.trainer import evaluate


@pytest.fixture
def models_dir(tmp_path, settings):  # type: ignore[no-untyped-def]
    """Train into a scratch folder so the shipped model is never touched."""
    settings.TRIAGE_MODELS_DIR = tmp_path
    classifier.forget_loaded_models()
    yield tmp_path
    classifier.forget_loaded_models()


def small_model(version: str = "t1") -> classifier.TriageModel:
    examples = composed_examples(per_phrase=1)
    return classifier.train_model(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        version=version,
        lexicon=symptom_lexicon(),
        sources={"own": len(examples)},
    )


def test_a_trained_model_reads_unseen_phrasings(models_dir):  # type: ignore[no-untyped-def]
    model = small_model()
    predictions = model.predict(
        [
            "刚买的手机充电充了一整晚还没满",
            "外观好看，但是屏幕老是失灵点不动",
            "the package came two weeks late",
        ]
    )
    assert [category for category, _ in predictions] == ["battery_charging", "screen", "logistics"]
    assert all(0 < confidence <= 1 for _, confidence in predictions)


def test_models_are_versioned_and_current_is_switchable(models_dir):  # type: ignore[no-untyped-def]
    small_model("v1").save()
    small_model("v2").save()
    classifier.set_current("v1")
    assert classifier.load_model().version == "v1"
    classifier.set_current("v2")
    assert classifier.load_model().version == "v2"
    assert classifier.load_model("v1").version == "v1"
    assert json.loads((models_dir / "v2.json").read_text())["trained_on"] == {
        "own": len(composed_examples(per_phrase=1))
    }


def test_the_evaluation_report_counts_right():  # type: ignore[no-untyped-def]
    report = evaluate(
        predicted=["screen", "screen", "audio", "other"], expected=["screen", "audio", "audio", "other"]
    )
    assert report.accuracy == 0.75
    assert report.per_category["audio"]["recall"] == 0.5 and report.per_category["screen"]["precision"] == 0.5
    assert report.confusion[report.labels.index("audio")][report.labels.index("screen")] == 1


def test_alternatives_coverage_counts_the_misses_they_catch():  # type: ignore[no-untyped-def]
    from aftersales.triage.trainer import alternatives_coverage

    coverage = alternatives_coverage(
        predicted=[
            ("screen", []),
            ("screen", ["audio"]),
            ("camera", ["screen"]),
            ("other", ["audio", "camera"]),
        ],
        expected=["screen", "audio", "audio", "other"],
    )
    # Two first guesses are wrong; the alternatives catch one of them.
    assert coverage == {
        "mean_shown": 1.0,
        "wrong_with_right_alternative": 0.5,
        "right_first_or_alternative": 0.75,
    }


@pytest.mark.django_db
def test_train_predict_and_eval_on_the_command_line(models_dir, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("triage", "train", "--version", "cli-1", stdout=out)
    assert json.loads(out.getvalue())["version"] == "cli-1"
    assert (models_dir / "CURRENT").read_text().strip() == "cli-1"

    monkeypatch.setattr(
        "sys.stdin", io.StringIO('{"text": "手机老是自动重启"}\n{"text": "电池鼓包了，屏幕也碎了"}\n')
    )
    out = io.StringIO()
    call_command("triage", "predict", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["category"] for line in lines] == ["system_software", "battery_charging"]
    assert lines[1]["priority"] == 1 and lines[0]["model"] == "cli-1"
    assert [a["category"] for a in lines[1]["alternatives"]] == ["screen"] and lines[0]["alternatives"] == []

    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        '{"text": "信号太差老掉线", "label": "signal_network_call"}\n{"text": "喇叭有杂音", "label": "audio"}\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("triage", "eval", str(labelled), stdout=out)
    report = json.loads(out.getvalue())
    assert report["count"] == 2 and report["accuracy"] == 1.0 and "confusion" in report
    assert report["alternatives"]["right_first_or_alternative"] == 1.0


@pytest.mark.django_db
def test_an_agents_correction_is_kept_and_used_by_the_next_training(models_dir, alice):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import staff_actor
    from aftersales.complaints.services import complaint_correct_category
    from aftersales.complaints.tests.factories import submit_complaint
    from aftersales.triage.corpus import correction_examples
    from aftersales.triage.models import TriageCorrection

    complaint = submit_complaint(text="这个手机的壳子颜色和图片不一样")
    corrected = complaint_correct_category(
        actor=staff_actor(alice), complaint=complaint, category="sales_price_refund", reason="货不对版"
    )
    assert corrected.category == "sales_price_refund"
    correction = TriageCorrection.objects.get()
    assert correction.predicted_category == complaint.category and correction.corrected_by == alice
    assert [(e.text, e.label) for e in correction_examples()] == [
        ("这个手机的壳子颜色和图片不一样", "sales_price_refund")
    ]
    out = io.StringIO()
    call_command("triage", "train", "--version", "with-corrections", stdout=out)
    assert json.loads(out.getvalue())["trained_on"]["corrections"] == 1


def test_one_by_one_scoring_equals_the_pipeline(models_dir):  # type: ignore[no-untyped-def]
    from aftersales.triage.text import model_input

    model = small_model()
    texts = ["屏幕老是失灵", "the battery drains fast but the camera is great", "物流太慢了！！", "😀", ""]
    # Texts of one clause are read whole: the pipeline's own probabilities (but for the
    # floor that keeps the logarithm of a vanishing probability finite).
    expected = model.pipeline.predict_proba([model_input(t) for t in texts]).max(axis=1)
    assert [p for _, p in model.predict(texts)] == pytest.approx(list(expected), abs=1e-5)
    listing = ["屏幕有亮点，电池也不耐用，信号也一般", "1.充电太慢 2.喇叭有杂音 3.拍照模糊", *texts]
    one_by_one = model.predict(listing)
    in_a_batch = model.predict(listing * 20)[: len(listing)]
    assert [c for c, _ in one_by_one] == [c for c, _ in in_a_batch]
    assert [p for _, p in one_by_one] == pytest.approx([p for _, p in in_a_batch], abs=1e-9)


def test_the_naive_bayes_opinion_is_the_same_one_by_one_and_in_a_batch(models_dir):  # type: ignore[no-untyped-def]
    from aftersales.triage.classifier import EVIDENCE

    model = small_model()
    assert model.bayes is not None and model.bayes.shape[1] == len(model.categories)
    texts = ["屏幕老是失灵", "充电一晚上才到80", "the parcel arrived two weeks late", "😀"]
    one_by_one = model.evidence(texts)[:, EVIDENCE.index("whole_text_bayes")]
    in_a_batch = model.evidence(texts * 20)[: len(texts), EVIDENCE.index("whole_text_bayes")]
    assert one_by_one == pytest.approx(in_a_batch, abs=1e-9)
    assert one_by_one.sum(axis=1) == pytest.approx([1.0] * len(texts))
    best = [model.categories[i] for i in one_by_one.argmax(axis=1)]
    assert best[:3] == ["screen", "battery_charging", "logistics"]
    # A text with no known feature has no opinion: every category alike.
    assert one_by_one[3] == pytest.approx([1 / len(model.categories)] * len(model.categories))


def test_a_model_saved_before_the_naive_bayes_opinion_still_reads(models_dir):  # type: ignore[no-untyped-def]
    import copy
    import pickle

    model = small_model()  # not fitted to real complaints: the default aggregation, no weight on Bayes
    assert model.aggregation == Aggregation()
    older = copy.deepcopy(model)
    older.bayes = None
    older.aggregation = Aggregation(weights=(0.5, 0.5, 0.0, 0.0, 0.0))
    older = pickle.loads(pickle.dumps(older))
    assert older.aggregation.weights == Aggregation().weights
    texts = ["屏幕老是失灵", "1.充电太慢 2.喇叭有杂音"]
    for reading in (older.predict(texts), older.predict(texts * 40)[:2]):
        assert [c for c, _ in reading] == [c for c, _ in model.predict(texts)]
        assert [p for _, p in reading] == pytest.approx([p for _, p in model.predict(texts)])


def test_of_several_faults_the_first_named_one_weighs_most(models_dir):  # type: ignore[no-untyped-def]
    model = small_model()
    screen_first = "屏幕有亮点，电池也不耐用，信号也一般"
    battery_first = "电池也不耐用，屏幕有亮点，信号也一般"
    assert model.predict([screen_first])[0][0] == "screen"
    assert model.predict([battery_first])[0][0] == "battery_charging"
    # Praise before the fault is no fault: the first *fault* is what counts.
    assert model.predict(["外观漂亮，拍照清晰，系统流畅，但是电池不耐用"])[0][0] == "battery_charging"
    assert model.predict(["Great camera, beautiful screen, but the battery dies by noon"])[0][0] == (
        "battery_charging"
    )
    # Read whole, both orders are the same bag of n-grams.
    model.aggregation = Aggregation(weights=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    assert model.predict([screen_first])[0][0] == model.predict([battery_first])[0][0]


def test_every_written_complaint_file_is_a_category_of_the_pack():  # type: ignore[no-untyped-def]
    from aftersales.policy.pack import current_pack
    from aftersales.triage.corpus import CORPUS_DIR, written_examples

    categories = set(current_pack().categories)
    files = {path.stem for path in (CORPUS_DIR / "written").glob("*.txt")}
    assert files == categories
    examples = written_examples(framed=1)
    plain = [e for e in examples if e.source == "own:written"]
    framed = [e for e in examples if e.source == "own:written-framed"]
    assert len(plain) == len(framed) and all(e.text.strip() == e.text and e.text for e in plain)
    # A framed copy keeps the complaint at its end, after praise of something else.
    assert all(f.text.endswith(p.text) and f.label == p.label for p, f in zip(plain, framed, strict=True))


def test_routing_figures_split_confident_from_human_triage():  # type: ignore[no-untyped-def]
    from aftersales.triage.trainer import routing_at_floors

    rows = routing_at_floors(
        predictions=[("screen", 0.9), ("audio", 0.8), ("camera", 0.3), ("other", 0.1)],
        expected=["screen", "camera", "camera", "other"],
        floors=[0.0, 0.5],
    )
    assert rows == [
        {"floor": 0.0, "routed_share": 1.0, "routed_accuracy": 0.75},
        {"floor": 0.5, "routed_share": 0.5, "routed_accuracy": 0.5},
    ]


@pytest.mark.parametrize(
    ("clause", "praise"),
    [
        ("拍照清晰", True),
        ("拍照不清晰", False),
        ("物流很快", True),
        ("物流太慢", False),
        ("great screen", True),
        ("the screen is not great", False),
        ("屏幕有亮点", False),
    ],
)
def test_praise_is_a_word_of_praise_without_a_word_of_fault(clause, praise):  # type: ignore[no-untyped-def]
    from aftersales.triage.text import is_praise

    assert is_praise(clause) is praise


def test_clauses_split_lists_sentences_and_commas_and_drop_scraps():  # type: ignore[no-untyped-def]
    from aftersales.triage.text import MAX_CLAUSES, clauses

    assert clauses("1.充电太慢 2.喇叭有杂音") == ["充电太慢", "喇叭有杂音"]
    assert clauses("屏幕有亮点，电池不耐用。OK！信号差") == ["屏幕有亮点", "电池不耐用", "信号差"]
    assert clauses("Screen flickers. Battery dies, and wifi drops") == [
        "screen flickers",
        "battery dies",
        "and wifi drops",
    ]
    assert len(clauses("坏了坏了，" * 100)) == MAX_CLAUSES


def test_the_aggregation_learns_which_reading_real_complaints_follow():  # type: ignore[no-untyped-def]
    import numpy as np

    from aftersales.triage.classifier import EVIDENCE
    from aftersales.triage.trainer import fit_aggregation

    categories = ["audio", "camera", "screen"]
    rng = np.random.default_rng(3)
    evidence, labels = [], []
    for _ in range(300):
        # The whole text points at one category at random; the clauses' mean at the label.
        label, distractor = rng.choice(3, size=2, replace=False)
        rows = np.full((len(EVIDENCE), 3), 0.1)
        rows[:, distractor] = 0.8
        rows[EVIDENCE.index("clause_mean")] = 0.15
        rows[EVIDENCE.index("clause_mean"), label] = 0.7
        evidence.append(rows)
        labels.append(categories[label])
    fitted = fit_aggregation(np.asarray(evidence), labels, categories)
    weights = dict(zip(EVIDENCE, fitted.weights, strict=True))
    assert weights["clause_mean"] > 1.0 > weights["whole_text"]
    predicted = fitted.combine(np.asarray(evidence)).argmax(axis=1)
    assert [categories[i] for i in predicted] == labels
    # The default reading follows the whole text and its first fault, so it gets none right.
    assert not any(
        categories[i] == e
        for i, e in zip(Aggregation().combine(np.asarray(evidence)).argmax(axis=1), labels, strict=True)
    )


def test_the_aggregation_is_fitted_only_on_enough_real_complaints(monkeypatch):  # type: ignore[no-untyped-def]
    from aftersales.triage import trainer
    from aftersales.triage.corpus import Example

    own = composed_examples(per_phrase=1)
    real = [Example(e.text, e.label, "file:real.jsonl") for e in own[:: len(own) // 60]]
    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", len(real) + 1)
    assert trainer.model_from_examples(own + real, version="few").aggregation == Aggregation()
    monkeypatch.setattr(trainer, "MIN_REAL_FOR_AGGREGATION", len(real))
    model = trainer.model_from_examples(own + real, version="enough")
    assert model.aggregation != Aggregation()
    assert len(model.aggregation.biases) == len(model.categories)


def test_cross_validation_predicts_every_complaint():  # type: ignore[no-untyped-def]
    from aftersales.triage.corpus import Example
    from aftersales.triage.trainer import cross_validated_predictions

    examples = composed_examples(per_phrase=1)
    step = len(examples) // 50
    # The "real" complaints are not in the base: each is read by models that never saw it.
    real = [Example(e.text, e.label, "file:real.jsonl") for e in examples[1::step]]
    own = [e for i, e in enumerate(examples) if i % step != 1]
    predictions = cross_validated_predictions(examples=real, base=own, folds=3)
    assert len(predictions) == len(real)
    assert sum(c == e.label for (c, _), e in zip(predictions, real, strict=True)) >= 0.8 * len(real)
    assert all(0 < p <= 1 for _, p in predictions)


def test_a_reading_ranks_categories_and_knows_which_its_clauses_name(models_dir):  # type: ignore[no-untyped-def]
    model = small_model()
    text = "屏幕碎了，触摸失灵，电池也鼓包了，充不进电"
    (reading,) = model.read([text], top=3)
    assert len(reading.ranked) == 3
    assert [p for _, p in reading.ranked] == sorted((p for _, p in reading.ranked), reverse=True)
    assert reading.ranked[0] == model.predict([text])[0]
    assert reading.named == {"screen": 0.5, "battery_charging": 0.5}


def test_other_faults_are_kept_as_alternatives_and_unlikely_ones_are_not():  # type: ignore[no-untyped-def]
    from aftersales.triage.classifier import TextReading
    from aftersales.triage.services import ALTERNATIVE_MIN_CONFIDENCE, reading_of

    ranked = (("screen", 0.9), ("camera", 0.06), ("audio", 0.03), ("other", 0.01))
    # A fault named by a clause is kept however improbable the model finds it as the main one.
    reading = reading_of(TextReading(ranked=ranked, named={"screen": 0.67, "audio": 0.33}))
    assert reading.category == "screen"
    assert reading.alternatives == ({"category": "audio", "confidence": 0.03, "clause_share": 0.33},)
    # Unnamed, a fault needs the floor; "other" (no fault) is never one.
    likely = (("screen", 0.6), ("battery_charging", ALTERNATIVE_MIN_CONFIDENCE), ("other", 0.25))
    assert [a["category"] for a in reading_of(TextReading(ranked=likely, named={})).alternatives] == [
        "battery_charging"
    ]
    assert reading_of(TextReading(ranked=ranked, named={"screen": 1.0})).alternatives == ()


def test_the_shipped_model_reads_a_text_and_its_clauses_in_one_pass_as_the_pipeline_does():  # type: ignore[no-untyped-def]
    model = classifier.load_model()
    assert model is not None
    texts = [
        "屏幕閃爍，充電很慢，電池掉電也快。用原裝充電器充一晚上才到８０％🔋",
        "1.充电太慢 2.喇叭有杂音 3.拍照模糊",
        "外观漂亮，就是信号差，打电话老断",
        "😀",
    ]
    one_pass = model.evidence(texts)
    in_a_batch = model.evidence(texts * 20)[: len(texts)]
    assert one_pass == pytest.approx(in_a_batch, abs=1e-9)


def test_the_one_by_one_scorer_cuts_the_same_character_n_grams_as_sklearn():  # type: ignore[no-untyped-def]
    # classifier._analyzer builds the character n-grams itself (faster); the terms and their
    # order must be sklearn's, or the features (and the summation order) would change.
    model = classifier.load_model()
    assert model is not None
    texts = [
        "屏幕閃爍，充電很慢  電池掉電也快\t\n用原裝充電器",
        "The Battery  DRAINS fast | but the camera is great",
        "",
        "a",
        "ab",
        " x ",
        "1.充电太慢 2.喇叭有杂音 3.拍照模糊",
    ]
    checked = 0
    for _, vectorizer in model.pipeline.named_steps["features"].transformer_list:
        if isinstance(vectorizer, classifier.TfidfVectorizer):
            ours, sklearns = classifier._analyzer(vectorizer), vectorizer.build_analyzer()
            for text in texts:
                assert ours(text) == sklearns(text), text
            checked += vectorizer.analyzer == "char"
    assert checked == 1


def test_the_one_by_one_scorer_gives_the_same_bits_with_sklearns_analyzer(monkeypatch):  # type: ignore[no-untyped-def]
    model = classifier.load_model()
    assert model is not None
    texts = [
        "屏幕閃爍，充電很慢，電池掉電也快。用原裝充電器充一晚上才到８０％🔋",
        "外观漂亮，就是信号差，打电话老断",
    ]
    ours = classifier._build_scorer(model.pipeline, model.bayes)(texts, len(texts))
    monkeypatch.setattr(classifier, "_analyzer", lambda vectorizer: vectorizer.build_analyzer())
    reference = classifier._build_scorer(model.pipeline, model.bayes)(texts, len(texts))
    for found, expected in zip(ours, reference, strict=True):
        assert found.tobytes() == expected.tobytes()

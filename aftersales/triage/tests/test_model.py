"""Training, versions, the command line and the API of the pre-diagnosis model."""

import io
import json

import pytest
from django.core.management import call_command

from aftersales.triage import classifier
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


@pytest.mark.django_db
def test_train_predict_and_eval_on_the_command_line(models_dir, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("triage", "train", "--version", "cli-1", stdout=out)
    assert json.loads(out.getvalue())["version"] == "cli-1"
    assert (models_dir / "CURRENT").read_text().strip() == "cli-1"

    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "手机老是自动重启"}\n{"text": "电池鼓包了"}\n'))
    out = io.StringIO()
    call_command("triage", "predict", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["category"] for line in lines] == ["system_software", "battery_charging"]
    assert lines[1]["priority"] == 1 and lines[0]["model"] == "cli-1"

    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        '{"text": "信号太差老掉线", "label": "signal_network_call"}\n{"text": "喇叭有杂音", "label": "audio"}\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("triage", "eval", str(labelled), stdout=out)
    report = json.loads(out.getvalue())
    assert report["count"] == 2 and report["accuracy"] == 1.0 and "confusion" in report


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
    texts = ["屏幕老是失灵", "the battery drains fast, but the camera is great", "物流太慢了！！", "😀", ""]
    expected = model.pipeline.predict_proba([model_input(t) for t in texts]).max(axis=1)
    one_by_one = [probability for _, probability in model.predict(texts)]
    assert one_by_one == pytest.approx(list(expected), abs=1e-9)
    assert [c for c, _ in model.predict(texts * 20)][:5] == [c for c, _ in model.predict(texts)]

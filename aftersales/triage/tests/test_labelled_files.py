"""Labelled JSON-lines files (evaluation and extra training data) as other tools write them."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from aftersales.triage.corpus import LabelledFileError, jsonl_examples

CATEGORIES = ["screen", "audio", "other"]


def write(tmp_path, *lines: str, bom: bool = False):  # type: ignore[no-untyped-def]
    path = tmp_path / "labelled.jsonl"
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_byte_order_mark_blank_lines_and_a_category_field_are_read(tmp_path):  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        '{"text": "屏幕有亮点", "label": "screen", "lang": "zh"}',
        "",
        '{"text": "speaker crackles", "category": "audio"}',
        '{"text": "no idea what is wrong", "label": " Other "}',
        bom=True,
    )
    examples = list(jsonl_examples(path, "eval", categories=CATEGORIES))
    assert [(e.text, e.label, e.source) for e in examples] == [
        ("屏幕有亮点", "screen", "eval"),
        ("speaker crackles", "audio", "eval"),
        ("no idea what is wrong", "other", "eval"),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"text": "屏幕有亮点", "label": "display"}', "line 2: label: 'display' is not a category"),
        ('{"text": "屏幕有亮点"}', "line 2: label: missing"),
        ('{"label": "screen"}', "line 2: text: missing"),
        ('{"text": 42, "label": "screen"}', "line 2: text: missing or not a string"),
        ('["屏幕有亮点", "screen"]', "line 2: expected an object"),
        ('{"text": "屏幕有亮点", "label": "screen"', "line 2: not JSON"),
    ],
)
def test_a_bad_line_is_named_with_its_number_and_reason(tmp_path, line, reason):  # type: ignore[no-untyped-def]
    path = write(tmp_path, '{"text": "喇叭有杂音", "label": "audio"}', line)
    with pytest.raises(LabelledFileError, match=reason):
        list(jsonl_examples(path, "eval", categories=CATEGORIES))


def test_without_categories_any_label_is_read(tmp_path):  # type: ignore[no-untyped-def]
    path = write(tmp_path, '{"text": "屏幕有亮点", "label": "display"}')
    assert [e.label for e in jsonl_examples(path, "raw")] == ["display"]


@pytest.mark.django_db
def test_eval_and_train_refuse_a_label_the_pack_does_not_know(tmp_path, settings):  # type: ignore[no-untyped-def]
    path = write(
        tmp_path, '{"text": "屏幕有亮点", "label": "screen"}', '{"text": "喇叭有杂音", "label": "sound"}'
    )
    with pytest.raises(CommandError, match="line 2: label: 'sound' is not a category"):
        call_command("triage", "eval", str(path), stdout=io.StringIO())
    models = tmp_path / "models"
    models.mkdir()
    settings.TRIAGE_MODELS_DIR = models
    with pytest.raises(CommandError, match="line 2: label: 'sound'"):
        call_command("triage", "train", "--version", "refused", "--extra", str(path), stdout=io.StringIO())
    assert list(models.iterdir()) == []  # nothing half-written


def test_predict_reads_a_byte_order_mark_and_refuses_a_text_that_is_not_a_string(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO('\ufeff{"text": "喇叭有杂音，声音开大就破"}\n'))
    out = io.StringIO()
    call_command("triage", "predict", stdout=out)
    assert json.loads(out.getvalue())["category"] == "audio"
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "喇叭有杂音"}\n{"text": null}\n'))
    with pytest.raises(CommandError, match="line 2: text: not a string"):
        call_command("triage", "predict", stdout=io.StringIO())

"""The sentence encoder's part in pre-diagnosis: quality with and without it, a cross-lingual
check, and its cost per complaint.

    .venv/bin/python bench/triage_encoder_bench.py [--dev ../shared/data/complaints_dev.jsonl]
        [--raw var/triage-raw.jsonl] [--skip-cv]

(1) 5-fold cross-validation on every labelled real complaint (the labelled reviews and the
dev file; the own corpus always in training; classifier, encoder head and aggregation
fitted without the tested fold), once with the encoder and once without: accuracy,
macro-F1, English apart, routing at confidence floors. (2) Cross-lingual: trained on the
Chinese texts only (own corpus and labelled complaints), tested on the dev file's English
complaints: the encoder head alone against the n-gram classifier alone. (3) Speed: the
shipped model on one complaint at a time on one thread (p50, p99), the encoder's share, the
cold load of the engine. Vectors of training texts are cached in var/triage-embeddings.npz.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from aftersales.policy.pack import current_pack  # noqa: E402
from aftersales.triage import classifier, encoder, trainer  # noqa: E402
from aftersales.triage.corpus import Example, jsonl_examples, own_examples  # noqa: E402


def is_english(text: str) -> bool:
    return text.isascii()


def cross_validated(own: list[Example], pool: list[Example], *, with_encoder: bool) -> dict:
    settings.TRIAGE_ENCODER = with_encoder
    predictions = trainer.cross_validated_predictions(examples=pool, base=own)
    predicted = [c for c, _ in predictions]
    expected = [e.label for e in pool]
    scores = trainer.evaluate(predicted=predicted, expected=expected)
    english = [i for i, e in enumerate(pool) if is_english(e.text)]
    return {
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "english_accuracy": round(
            sum(predicted[i] == expected[i] for i in english) / max(1, len(english)), 4
        ),
        "english_count": len(english),
        "routing": trainer.routing_at_floors(
            predictions=predictions, expected=expected, floors=[0.5, 0.6, 0.7, 0.8, 0.9]
        ),
        "confusion": {"labels": scores.labels, "matrix": scores.confusion},
    }


def cross_lingual(own: list[Example], real: list[Example]) -> dict:
    """Trained on Chinese only, tested on the English labelled complaints."""
    settings.TRIAGE_ENCODER = True
    chinese = [e for e in own + real if not is_english(e.text)]
    english = [e for e in real if is_english(e.text)]
    categories = sorted({e.label for e in chinese})
    expected = [e.label for e in english]
    head = encoder.fit_head(
        vectors=trainer.training_vectors([e.text for e in chinese]),
        labels=[e.label for e in chinese],
        categories=categories,
    )
    by_head = head.probabilities(trainer.training_vectors([e.text for e in english])).argmax(axis=1)
    ngrams = classifier.train_model(
        texts=[e.text for e in chinese],
        labels=[e.label for e in chinese],
        version="zh-only",
        lexicon=trainer.symptom_lexicon(),
        sources={},
    )
    by_ngrams = [c for c, _ in ngrams.predict([e.text for e in english])]
    return {
        "english_tested": len(english),
        "encoder_head_accuracy": round(
            sum(categories[i] == e for i, e in zip(by_head, expected, strict=True)) / len(english), 4
        ),
        "ngram_accuracy": round(
            sum(c == e for c, e in zip(by_ngrams, expected, strict=True)) / len(english), 4
        ),
    }


def speed(texts: list[str]) -> dict:
    settings.TRIAGE_ENCODER = True
    started = time.perf_counter()
    encoder.encoder_available()
    engine_load = time.perf_counter() - started
    classifier.forget_loaded_models()
    started = time.perf_counter()
    model = classifier.load_model()
    model_load = time.perf_counter() - started
    assert model is not None and model.encoder_head is not None, "the shipped model has no encoder head"
    whole, alone = [], []
    for text in texts:
        started = time.perf_counter()
        model.read([text], top=3)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        encoder.embed([text])
        alone.append(time.perf_counter() - started)

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2),
        }

    return {
        "complaints": len(texts),
        "one_complaint": summary(whole),
        "encoder_pass": summary(alone),
        "engine_load_s": round(engine_load, 3),
        "model_load_s": round(model_load, 3),
        "shipped_files_mb": round(
            sum(p.stat().st_size for p in classifier.models_dir().glob(f"{model.version}.*")) / 1e6, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "complaints_dev.jsonl"))
    parser.add_argument("--raw", default=str(ROOT / "var" / "triage-raw.jsonl"))
    parser.add_argument("--skip-cv", action="store_true")
    args = parser.parse_args()
    categories = current_pack().categories
    own = own_examples()
    dev = list(jsonl_examples(Path(args.dev), "file:dev", categories=categories))
    raw = (
        list(jsonl_examples(Path(args.raw), "file:raw", categories=categories))
        if Path(args.raw).exists()
        else []
    )
    report: dict = {"texts": {"own": len(own), "reviews": len(raw), "dev": len(dev)}}
    if not args.skip_cv:
        report["cv5_with_encoder"] = cross_validated(own, raw + dev, with_encoder=True)
        report["cv5_without_encoder"] = cross_validated(own, raw + dev, with_encoder=False)
    report["cross_lingual"] = cross_lingual(own, raw + dev)
    report["speed"] = speed([e.text for e in dev])
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

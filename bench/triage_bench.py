"""Pre-diagnosis quality and speed.

    .venv/bin/python bench/triage_bench.py [--dev ../shared/data/complaints_dev.jsonl]

Quality, scored on labelled real complaints: (1) a model trained on the platform's own
corpus only, on the dev file; (2) on the own corpus plus the hand-labelled public reviews
(bench/triage_raw_labels.py), neither of which contains a dev text, on the dev file; (3)
5-fold cross-validation on the dev file, the reviews folded in with it and the own corpus
always in training, each fold predicted as the shipped model is built (classifier and
aggregation fitted without it), with the share routed automatically and its accuracy at
several confidence floors; (4) the same with the reviews tested too (three times the
texts: a steadier measure for choosing between variants); (5) the shipped model on
held-out labelled reviews that no training used (looked at once while choosing the
lexicon's words: docs/triage.md).
Speed: batch throughput on one core, single-complaint latency, load time and file size of
the shipped model.
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

from aftersales.triage import classifier  # noqa: E402
from aftersales.triage.corpus import Example, jsonl_examples, own_examples  # noqa: E402
from aftersales.triage.services import CustomerContext, reading_of, triage_batch, triage_complaint  # noqa: E402
from aftersales.triage.trainer import (  # noqa: E402
    alternatives_coverage,
    cross_validated_predictions,
    evaluate,
    model_from_examples,
    routing_at_floors,
)


def own_model_scores(model: classifier.TriageModel, real: list[Example]) -> dict:
    readings = [reading_of(r) for r in model.read([e.text for e in real], top=len(model.categories))]
    predicted = [r.category for r in readings]
    scores = evaluate(predicted=predicted, expected=[e.label for e in real])
    by_language = {}
    for language in ("zh", "en"):
        rows = [i for i, e in enumerate(real) if e.text.isascii() == (language == "en")]
        if rows:
            by_language[language] = round(sum(predicted[i] == real[i].label for i in rows) / len(rows), 4)
    return {
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "by_language": by_language,
        "alternatives": alternatives_coverage(
            predicted=[(r.category, [a["category"] for a in r.alternatives]) for r in readings],
            expected=[e.label for e in real],
        ),
    }


def quality(dev: Path, raw: list[Example]) -> dict:
    own = own_examples()
    real = list(jsonl_examples(dev, "dev"))
    report: dict = {
        "own_corpus_size": len(own),
        "labelled_raw_reviews": len(raw),
        "own_only_on_dev": own_model_scores(model_from_examples(own, version="own-only"), real),
    }
    if raw:
        report["own_and_raw_on_dev"] = own_model_scores(
            model_from_examples(own + raw, version="own-raw"), real
        )
    predictions = cross_validated_predictions(examples=real, base=own + raw)
    expected = [e.label for e in real]
    cv = evaluate(predicted=[c for c, _ in predictions], expected=expected)
    report["cv5_dev_with_own_and_raw"] = {
        "accuracy": cv.accuracy,
        "macro_f1": cv.macro_f1,
        "per_category": cv.per_category,
        "labels": cv.labels,
        "confusion": cv.confusion,
        "routing": routing_at_floors(
            predictions=predictions, expected=expected, floors=[0.0, 0.3, 0.45, 0.6, 0.7, 0.8]
        ),
    }
    if raw:
        report["cv5_dev_and_reviews"] = all_real_cross_validated(own=own, raw=raw, dev=real)
    return report


def all_real_cross_validated(*, own: list[Example], raw: list[Example], dev: list[Example]) -> dict:
    """Every labelled real complaint (reviews and dev file) tested in 5-fold cross-validation:
    three times the dev file's texts, so a steadier measure for choosing between variants."""
    pool = raw + dev
    predicted = [c for c, _ in cross_validated_predictions(examples=pool, base=own)]
    parts = {"reviews": slice(0, len(raw)), "dev": slice(len(raw), None), "all": slice(None)}
    report = {}
    for name, part in parts.items():
        scores = evaluate(predicted=predicted[part], expected=[e.label for e in pool[part]])
        report[name] = {"count": scores.count, "accuracy": scores.accuracy, "macro_f1": scores.macro_f1}
    return report


def labelled_raw_reviews(path: Path, *, heldout: bool = False) -> list[Example]:
    """The hand-labelled public reviews (bench/triage_raw_labels.py), if their archive is here."""
    if path.exists():
        return list(jsonl_examples(path, "raw"))
    from triage_raw_labels import HELDOUT_LABELS, LABELS, SHARED_DATA, build

    if not (SHARED_DATA / "raw" / "online_shopping_10_cats.zip").exists():
        return []
    lines = build(labels=HELDOUT_LABELS if heldout else LABELS)
    return [Example(line["text"], line["label"], "raw") for line in lines]


def shipped_on_heldout(heldout: list[Example]) -> dict:
    """The shipped model on reviews labelled like the training ones but never used to train or tune."""
    model = classifier.load_model()
    if model is None or not heldout:
        return {"skipped": "no shipped model or no held-out reviews"}
    predictions = model.predict([e.text for e in heldout])
    expected = [e.label for e in heldout]
    scores = evaluate(predicted=[c for c, _ in predictions], expected=expected)
    return {
        "model": model.version,
        "count": scores.count,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "routing": routing_at_floors(predictions=predictions, expected=expected, floors=[0.45, 0.6, 0.7]),
    }


def speed(texts: list[str]) -> dict:
    classifier.forget_loaded_models()
    started = time.perf_counter()
    model = classifier.load_model()
    load_seconds = time.perf_counter() - started
    if model is None:
        return {"error": "no shipped model"}
    path = classifier.models_dir() / f"{model.version}.pkl"
    batch = (texts * (4000 // max(1, len(texts)) + 1))[:4000]
    started = time.perf_counter()
    triage_batch(texts=batch)
    batch_rate = len(batch) / (time.perf_counter() - started)
    latencies = []
    for text in batch[:1000]:
        t0 = time.perf_counter()
        triage_complaint(text=text, context=CustomerContext())
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    return {
        "model": model.version,
        "load_seconds": round(load_seconds, 3),
        "file_mb": round(path.stat().st_size / 1e6, 2),
        "batch_per_second": round(batch_rate),
        "single_p50_ms": round(statistics.median(latencies), 2),
        "single_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "complaints_dev.jsonl"))
    parser.add_argument("--raw", default=str(ROOT / "var" / "triage-raw.jsonl"))
    parser.add_argument("--heldout", default=str(ROOT / "var" / "triage-heldout.jsonl"))
    args = parser.parse_args()
    dev = Path(args.dev)
    report: dict = {}
    if dev.exists():
        report["quality"] = quality(dev, labelled_raw_reviews(Path(args.raw)))
        report["quality"]["shipped_on_heldout_reviews"] = shipped_on_heldout(
            labelled_raw_reviews(Path(args.heldout), heldout=True)
        )
        texts = [e.text for e in jsonl_examples(dev, "dev")]
    else:
        report["quality"] = "skipped: no labelled dev file"
        texts = [e.text for e in own_examples()[:500]]
    report["speed"] = speed(texts)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

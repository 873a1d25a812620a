"""Pre-diagnosis quality and speed.

    .venv/bin/python bench/triage_bench.py [--dev ../shared/data/complaints_dev.jsonl]

Quality: (1) the model trained on the platform's own corpus only, scored on the labelled
real complaints of the dev file (none of which it saw); (2) 5-fold cross-validation on the
dev file with the own corpus always in training (what the shipped model is built like).
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
from aftersales.triage.corpus import composed_examples, jsonl_examples, symptom_lexicon  # noqa: E402
from aftersales.triage.services import CustomerContext, triage_batch, triage_complaint  # noqa: E402
from aftersales.triage.trainer import cross_validate, evaluate  # noqa: E402


def quality(dev: Path) -> dict:
    own = composed_examples()
    real = list(jsonl_examples(dev, "dev"))
    model = classifier.train_model(
        texts=[e.text for e in own],
        labels=[e.label for e in own],
        version="own-only",
        lexicon=symptom_lexicon(),
        sources={},
    )
    unseen = evaluate(
        predicted=[c for c, _ in model.predict([e.text for e in real])], expected=[e.label for e in real]
    )
    cv = cross_validate(examples=real, base=own)
    by_language = {}
    for language in ("zh", "en"):
        rows = [e for e in real if (e.text.isascii()) == (language == "en")]
        if rows:
            got = [c for c, _ in model.predict([e.text for e in rows])]
            by_language[language] = evaluate(predicted=got, expected=[e.label for e in rows]).accuracy
    return {
        "own_corpus_size": len(own),
        "own_only_on_dev": {
            "accuracy": unseen.accuracy,
            "macro_f1": unseen.macro_f1,
            "by_language": by_language,
        },
        "cv5_dev_with_own": {
            "accuracy": cv.accuracy,
            "macro_f1": cv.macro_f1,
            "per_category": cv.per_category,
            "labels": cv.labels,
            "confusion": cv.confusion,
        },
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
    args = parser.parse_args()
    dev = Path(args.dev)
    report: dict = {}
    if dev.exists():
        report["quality"] = quality(dev)
        texts = [e.text for e in jsonl_examples(dev, "dev")]
    else:
        report["quality"] = "skipped: no labelled dev file"
        texts = [e.text for e in composed_examples()[:500]]
    report["speed"] = speed(texts)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

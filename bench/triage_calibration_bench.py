"""Calibration of the pre-diagnosis confidence and cross-validated quality, by language and source.

    .venv/bin/python bench/triage_calibration_bench.py [--dev ../shared/data/complaints_dev.jsonl]
        [--raw var/triage-raw.jsonl] [--folds 5]

5-fold cross-validation on every labelled real complaint (the labelled reviews of
bench/triage_raw_labels.py and the dev file; the own corpus always in training; the
classifier, the aggregation and its temperature fitted without the tested fold, the
temperature on cross-validated probabilities of the other folds only). Prints accuracy
and macro-F1 overall, for English and Chinese apart and for each file; then, before and
after temperature scaling: negative log-likelihood, expected calibration error (10 bins)
and, at the floors 0.5-0.9, the share of complaints routed automatically and the accuracy
of the routed ones; and the confusion matrix. The encoder follows
AFTERSALES_TRIAGE_ENCODER (off by default).
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from aftersales.policy.pack import current_pack  # noqa: E402
from aftersales.triage import trainer  # noqa: E402
from aftersales.triage.corpus import count_sources, jsonl_examples, own_examples  # noqa: E402


def scores(predicted: list[str], expected: list[str], rows: list[int]) -> dict:
    chosen = trainer.evaluate(predicted=[predicted[i] for i in rows], expected=[expected[i] for i in rows])
    return {"count": chosen.count, "accuracy": chosen.accuracy, "macro_f1": chosen.macro_f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "complaints_dev.jsonl"))
    parser.add_argument("--raw", default=str(ROOT / "var" / "triage-raw.jsonl"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    categories = current_pack().categories
    own = own_examples()
    dev = list(jsonl_examples(Path(args.dev), "file:dev", categories=categories))
    raw = list(jsonl_examples(Path(args.raw), "file:raw", categories=categories))
    pool = raw + dev
    started = time.perf_counter()
    read = trainer.cross_validated_probabilities(examples=pool, base=own, folds=args.folds)
    labels, before, after = read.categories, read.before, read.after
    expected = [e.label for e in pool]
    predicted = [labels[i] for i in after.argmax(axis=1)]
    everything = list(range(len(pool)))
    english = [i for i, e in enumerate(pool) if e.text.isascii()]
    chinese = [i for i, e in enumerate(pool) if not e.text.isascii()]
    whole = trainer.evaluate(predicted=predicted, expected=expected)
    columns = np.asarray([labels.index(label) for label in expected])
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "own_corpus": count_sources(own),
        "cv_seconds": None,
        "all": scores(predicted, expected, everything),
        "english": scores(predicted, expected, english),
        "chinese": scores(predicted, expected, chinese),
        "reviews": scores(predicted, expected, everything[: len(raw)]),
        "dev": scores(predicted, expected, everything[len(raw) :]),
        "dev_english": scores(predicted, expected, [i for i in english if i >= len(raw)]),
        "temperatures": read.temperatures,
        "calibration": trainer.calibration_report(before=before, after=after, expected=columns),
        # The n-gram classifier's own probability of the whole text, before any aggregation.
        "whole_text_classifier": trainer.calibration_report(
            before=read.whole_text, after=read.whole_text, expected=columns
        ),
        "per_category_f1": {c: v["f1"] for c, v in whole.per_category.items()},
        "confusion": {"labels": whole.labels, "matrix": whole.confusion},
    }
    report["cv_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

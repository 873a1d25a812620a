"""What a set of review labels is worth: 5-fold cross-validation of the n-gram model.

    AFTERSALES_TRIAGE_ENCODER=0 .venv/bin/python bench/triage_labels_bench.py \\
        [--labels bench/labels/online_shopping_10_cats.tsv] [--no-english] [--seeds 13 7 29]

The labelled reviews (bench/triage_raw_labels.py, with the given Chinese labels file and,
unless --no-english, the English ones) and the dev file are folded together, the own corpus
always in training, each fold predicted as the shipped model is built
(trainer.cross_validated_predictions). Accuracy and macro-F1 are printed for the whole pool,
for the dev file (its texts and labels are the same whatever the review labels, so the
fairest comparison between label sets), and for the English and Chinese texts of each.
Each seed shuffles the folds differently (the trainer's own seed is 13); the mean over a few
seeds says how much of a difference between label sets is the folds' noise. Run with the
encoder off to measure the n-gram model alone in minutes.
"""

import argparse
import functools
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
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

from triage_raw_labels import LABELS, SHARED_DATA, build  # noqa: E402

from aftersales.triage import encoder, trainer  # noqa: E402
from aftersales.triage.corpus import Example, jsonl_examples, own_examples  # noqa: E402
from aftersales.triage.trainer import evaluate  # noqa: E402


def scores_of(pool: list[Example], predicted: list[str], rows: list[int]) -> dict:
    scores = evaluate(predicted=[predicted[i] for i in rows], expected=[pool[i].label for i in rows])
    return {"count": scores.count, "accuracy": scores.accuracy, "macro_f1": scores.macro_f1}


fold_assignment = trainer.fold_assignment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", default=str(LABELS))
    parser.add_argument("--no-english", action="store_true")
    parser.add_argument("--dev", default=str(SHARED_DATA / "complaints_dev.jsonl"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    args = parser.parse_args()
    dev_path = Path(args.dev)
    if not dev_path.exists() or not (SHARED_DATA / "raw" / "online_shopping_10_cats.zip").exists():
        print(json.dumps({"skipped": f"no dev file or review archive under {SHARED_DATA}"}))
        return
    lines = build(labels=Path(args.labels), english=not args.no_english)
    reviews = [Example(line["text"], line["label"], "raw") for line in lines]
    dev = list(jsonl_examples(dev_path, "dev"))
    pool = reviews + dev

    def english(i: int) -> bool:
        return pool[i].text.isascii()

    in_dev = range(len(reviews), len(pool))
    parts = {
        "all": list(range(len(pool))),
        "all_en": [i for i in range(len(pool)) if english(i)],
        "all_zh": [i for i in range(len(pool)) if not english(i)],
        "dev": list(in_dev),
        "dev_en": [i for i in in_dev if english(i)],
        "dev_zh": [i for i in in_dev if not english(i)],
        "reviews_zh": [i for i in range(len(reviews)) if not english(i)],
        "reviews_en": [i for i in range(len(reviews)) if english(i)],
    }
    report: dict = {
        "labels": args.labels,
        "english_reviews": not args.no_english,
        "encoder": encoder.encoder_available(),
        "seeds": args.seeds,
    }
    by_seed = []
    own = own_examples()
    for seed in args.seeds:
        # The trainer shuffles folds with its own fixed seed; another seed, another split.
        trainer.fold_assignment = functools.partial(fold_assignment, seed=seed)
        started = time.perf_counter()
        predicted = [c for c, _ in trainer.cross_validated_predictions(examples=pool, base=own)]
        scores = {name: scores_of(pool, predicted, rows) for name, rows in parts.items() if rows}
        scores["cv_seconds"] = round(time.perf_counter() - started)
        scores["load_average"] = round(os.getloadavg()[0], 1)
        by_seed.append(scores)
    report["mean"] = {
        name: {
            "count": by_seed[0][name]["count"],
            "accuracy": round(statistics.mean(s[name]["accuracy"] for s in by_seed), 4),
            "macro_f1": round(statistics.mean(s[name]["macro_f1"] for s in by_seed), 4),
        }
        for name in parts
        if name in by_seed[0]
    }
    report["by_seed"] = by_seed
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

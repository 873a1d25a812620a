"""Today's stacked model against the same with the fine-tuned encoder's reading, 5-fold CV.

    AFTERSALES_TRIAGE_ENCODER=1 nice -n 10 .venv/bin/python bench/triage_finetune_stack_bench.py \
        --extra var/triage-raw.jsonl --extra ../shared/data/complaints_dev.jsonl

Needs the fine-tuned encoder's out-of-fold readings: from the cache that
bench/triage_finetune_oof.py (or `aftersales triage train --finetune`) fills, or, with
PyTorch, fine-tuned here (hours of CPU). On every labelled real complaint, the same folds
(trainer.fold_assignment) and the same out-of-fold n-gram and frozen-encoder evidence:
(a) the stack as shipped today, (b) with the "finetuned" row, (c) the finetuned row
without the frozen encoder's, (d) the fine-tuned encoder alone. For each: top-1 accuracy,
macro-F1, English and Chinese apart, the share routed and its accuracy at the floors
0.5-0.9, after temperature scaling fitted without the tested fold.

Caveat, printed with the figures: the stacker is cross-validated on out-of-fold evidence,
so the fine-tunings that read the other folds (the stacker's training rows) were trained
on the tested fold's texts, as were their n-gram classifiers; the figures of (b) and (a)
share that optimism.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import finetune_recipe  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from aftersales.triage import ftstack, trainer  # noqa: E402
from aftersales.triage.classifier import EVIDENCE  # noqa: E402


def figures(probabilities: np.ndarray, categories: list[str], expected: list[str], texts: list[str]) -> dict:
    predicted = [categories[i] for i in probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1).tolist()
    result = {}
    for name, rows in (
        ("all", range(len(texts))),
        ("english", [i for i, t in enumerate(texts) if t.isascii()]),
        ("chinese", [i for i, t in enumerate(texts) if not t.isascii()]),
    ):
        report = trainer.evaluate(
            predicted=[predicted[i] for i in rows], expected=[expected[i] for i in rows]
        )
        result[name] = {"count": report.count, "accuracy": report.accuracy, "macro_f1": report.macro_f1}
    result["floors"] = trainer.routing_at_floors(
        predictions=list(zip(predicted, confidence, strict=True)),
        expected=expected,
        floors=trainer.CALIBRATION_FLOORS,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", action="append", default=[])
    finetune_recipe.add_arguments(parser)
    parser.add_argument("--out", default=str(ROOT / "var" / "triage-finetune-stack-bench.json"))
    parser.add_argument(
        "--cached-folds",
        action="store_true",
        help="fine-tune nothing: compare on the folds already in the cache, the fine-tuned row "
        "alone and hand-set means with the stack (the learnt stack needs every fold)",
    )
    args = parser.parse_args()
    finetune_recipe.apply(args)
    started = time.monotonic()
    examples = trainer.training_examples(extra_files=[Path(p) for p in args.extra], with_corrections=False)
    real, written, folds, categories = trainer.finetune_inputs(examples)
    own = [e for e in examples if trainer.is_own(e)]
    evidence = trainer.out_of_fold_evidence(examples=real, base=own, folds=folds)
    tuned = ftstack.out_of_fold_finetuned(
        examples=real, base=written, folds=folds, categories=categories, cached_only=args.cached_folds
    )
    expected = [e.label for e in real]
    texts = [e.text for e in real]
    if args.cached_folds:
        done = np.flatnonzero(~np.isnan(tuned).any(axis=1))
        today = trainer.cross_validated_probabilities(examples=real, base=own, evidence=evidence).after[done]
        mean = (today + tuned[done]) / 2
        geometric = np.sqrt(today * tuned[done])
        partial = {
            "date": datetime.now(UTC).isoformat(timespec="minutes"),
            "load_average": os.getloadavg(),
            "folds": sorted({int(folds[i]) for i in done}),
            "complaints": len(done),
        }
        subset = (categories, [expected[i] for i in done], [texts[i] for i in done])
        for name, probabilities in (
            ("whole_text", evidence[done, EVIDENCE.index("whole_text")]),
            ("a_today", today),
            ("d_finetuned_alone", tuned[done]),
            ("mean_a_d", mean),
            ("geometric_mean_a_d", geometric / geometric.sum(axis=1, keepdims=True)),
        ):
            partial[name] = figures(probabilities, *subset)
        print(json.dumps(partial, indent=1))
        return
    whole, frozen, row = (EVIDENCE.index(r) for r in ("whole_text", "encoder", "finetuned"))
    variants = {"a_today": evidence.copy(), "b_with_finetuned": evidence.copy()}
    variants["b_with_finetuned"][:, row] = tuned
    variants["c_finetuned_not_frozen"] = variants["b_with_finetuned"].copy()
    variants["c_finetuned_not_frozen"][:, frozen] = evidence[:, whole]
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "load_average": os.getloadavg(),
        "complaints": len(real),
        "frozen_encoder": bool(np.any(evidence[:, frozen] != evidence[:, whole])),
        "caveat": "stacker cross-validated on out-of-fold evidence: the readings of the other folds "
        "came from fine-tunings (and n-gram classifiers) trained on the tested fold's texts",
        "d_finetuned_alone": figures(tuned, categories, expected, texts),
    }
    for name, stacked in variants.items():
        read = trainer.cross_validated_probabilities(examples=real, base=own, evidence=stacked)
        report[name] = figures(read.after, read.categories, expected, texts)
    report["seconds"] = round(time.monotonic() - started)
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

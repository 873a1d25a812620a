"""A small fast encoder taught by the large one (distillation), 5-fold CV in the stack.

    AFTERSALES_TRIAGE_ENCODER=1 nice -n 5 .venv/bin/python bench/triage_distil_bench.py \
        --extra var/triage-raw.jsonl --extra ../shared/data/complaints_dev.jsonl \
        --pool var/triage-pool.jsonl [--student-layers 6] [--student-tokens 64]

The 50 ms bar for one reading needs e5's lowest 6 layers at 64 tokens (docs/triage.md,
"Fewer layers, fewer tokens"), which cost accuracy when fine-tuned on the labels alone.
Here, for each fold of the labelled real complaints (trainer.fold_assignment, as in
training): the teacher (the shipped recipe: 12 layers, 128 tokens, top ftstack.STACK_TOP_LAYERS
trained) is fine-tuned on the own written complaints and the other folds, reads the tested
fold in the engine (the shipped recipe's out-of-fold row, cached where `triage train
--finetune` looks for it) and reads the unlabelled pool (bench/triage_unlabelled.py) in
PyTorch; then two students of `--student-layers` x `--student-tokens`, every kept layer
trained: the control on the labels alone, and the distilled one on the labels plus the
pool with the teacher's probabilities as targets (finetune.fine_tune `soft`). Each reads
the tested fold in the engine. Then the stack (n-gram evidence + that row) is fitted and
cross-validated as trainer does, and compared: top-1, macro-F1, English and Chinese apart,
routing at the floors.

Each fold's three readings are cached in var/triage-distil-oof.npz (keyed like
ftstack.run_key plus the student's shape and the pool), so an interrupted run resumes.
"""

import argparse
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from aftersales.triage import ftstack, trainer  # noqa: E402
from aftersales.triage.classifier import EVIDENCE  # noqa: E402
from bench.triage_finetune_stack_bench import figures  # noqa: E402

log = logging.getLogger("aftersales.triage")
CACHE = ROOT / "var" / "triage-distil-oof.npz"


def fold_readings(train, tested, categories, pool, args) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    texts = [e.text for e in tested]
    key = ftstack.run_key(
        trained_on=train,
        read=texts,
        categories=categories,
        seed=ftstack.STACK_SEED,
        epochs=ftstack.STACK_EPOCHS,
    )
    student_key = ftstack.distil_key(key, pool, epochs=args.student_epochs)
    entries = ftstack._read_cache(CACHE)
    names = {"teacher": key, "control": student_key + "-control", "distilled": student_key + "-distilled"}
    if all(n in entries for n in names.values()):
        return {variant: entries[n] for variant, n in names.items()}
    started = time.monotonic()
    teacher = ftstack.fine_tune_examples(train, categories)
    read = {"teacher": ftstack.engine_read(teacher, texts, categories)}
    targets = teacher.probabilities(pool)
    del teacher
    log.info("teacher: %.0f s", time.monotonic() - started)
    with ftstack.encoder_shape(ftstack.STUDENT_LAYERS, ftstack.STUDENT_TOKENS):
        for variant, rows in (("control", None), ("distilled", targets)):
            begun = time.monotonic()
            if rows is None:
                tuned = ftstack.fine_tune_examples(
                    train, categories, epochs=args.student_epochs, top_layers=None
                )
            else:
                tuned = ftstack.fine_tune_student(
                    train, categories, pool=pool, targets=rows, epochs=args.student_epochs
                )
            read[variant] = ftstack.engine_read(tuned, texts, categories)
            log.info("%s: %.0f s", variant, time.monotonic() - begun)
    entries = ftstack._read_cache(CACHE)
    for variant, name in names.items():
        entries[name] = read[variant]
    ftstack._write_cache(CACHE, entries)
    # The teacher's and the student's rows are those `triage train --finetune [--distil-pool]`
    # computes (same keys): it finds them there.
    shared = ftstack._read_cache(ftstack.oof_cache_path())
    shared[key] = read["teacher"]
    if args.student_epochs == ftstack.STACK_EPOCHS:
        shared[student_key] = read["distilled"]
    ftstack._write_cache(ftstack.oof_cache_path(), shared)
    return read


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--pool", required=True, help="unlabelled texts, JSON lines with 'text'")
    parser.add_argument("--student-layers", type=int, default=ftstack.STUDENT_LAYERS)
    parser.add_argument("--student-tokens", type=int, default=ftstack.STUDENT_TOKENS)
    parser.add_argument("--student-epochs", type=int, default=ftstack.STACK_EPOCHS)
    parser.add_argument("--out", default=str(ROOT / "var" / "triage-distil-bench.json"))
    parser.add_argument("--limit", type=int, default=0, help="a quick check: so many texts of each kind")
    args = parser.parse_args()
    ftstack.STUDENT_LAYERS, ftstack.STUDENT_TOKENS = args.student_layers, args.student_tokens
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ftstack.require_torch()
    started = time.monotonic()
    examples = trainer.training_examples(extra_files=[Path(p) for p in args.extra], with_corrections=False)
    real, written, folds, categories = trainer.finetune_inputs(examples)
    pool = ftstack.read_pool(Path(args.pool))
    if args.limit:
        real, written, pool = real[: args.limit * 5], written[: args.limit], pool[: args.limit]
        folds = folds[: len(real)]
    pool = ftstack.unlabelled_pool(pool, examples)
    log.info("%d real complaints, %d written, %d unlabelled in the pool", len(real), len(written), len(pool))
    rows = {v: np.zeros((len(real), len(categories))) for v in ("teacher", "control", "distilled")}
    for fold in np.unique(folds):
        tested = [real[i] for i in np.flatnonzero(folds == fold)]
        train = written + [e for e, f in zip(real, folds, strict=True) if f != fold]
        log.info("fold %d: %d training texts, %d tested", fold, len(train), len(tested))
        for variant, read in fold_readings(train, tested, categories, pool, args).items():
            rows[variant][folds == fold] = read
    own = [e for e in examples if trainer.is_own(e)]
    evidence = trainer.out_of_fold_evidence(examples=real, base=own, folds=folds)
    expected, texts = [e.label for e in real], [e.text for e in real]
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "load_average": os.getloadavg(),
        "complaints": len(real),
        "pool": len(pool),
        "student": f"{args.student_layers} layers x {args.student_tokens} tokens, {args.student_epochs} epochs",
    }
    column = EVIDENCE.index("finetuned")
    for variant, row in rows.items():
        report[f"{variant}_alone"] = figures(row, categories, expected, texts)
        stacked = evidence.copy()
        stacked[:, column] = row
        read = trainer.cross_validated_probabilities(examples=real, base=own, evidence=stacked)
        report[f"{variant}_stack"] = figures(read.after, read.categories, expected, texts)
    report["seconds"] = round(time.monotonic() - started)
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

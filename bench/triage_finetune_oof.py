"""The fine-tuned encoder's out-of-fold readings of the labelled real complaints, cached.

    nice -n 10 .venv/bin/python bench/triage_finetune_oof.py \
        --extra var/triage-raw.jsonl --extra ../shared/data/complaints_dev.jsonl

Runs the fine-tunings that `aftersales triage train --finetune --no-corrections` with the
same --extra files needs (ftstack.out_of_fold_finetuned, five folds), ahead of it, so
that training reads them from the cache (var/triage-finetuned-oof.npz). Needs PyTorch.
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import finetune_recipe  # noqa: E402

django.setup()

from aftersales.triage import ftstack  # noqa: E402
from aftersales.triage.trainer import finetune_inputs, training_examples  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", action="append", default=[])
    finetune_recipe.add_arguments(parser)
    parser.add_argument("--with-final", action="store_true", help="also the artefact fine-tuned on all")
    args = parser.parse_args()
    finetune_recipe.apply(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ftstack.require_torch()
    examples = training_examples(extra_files=[Path(p) for p in args.extra], with_corrections=False)
    real, base, folds, categories = finetune_inputs(examples)
    started = time.monotonic()
    ftstack.out_of_fold_finetuned(examples=real, base=base, folds=folds, categories=categories)
    print(f"out-of-fold readings of {len(real)} complaints: {time.monotonic() - started:.0f} s", flush=True)
    if args.with_final:
        started = time.monotonic()
        target = ROOT / "var" / "triage-finetuned-final.npz"
        ftstack.final_artefact(examples=base + real, categories=categories, target=target)
        print(f"final artefact {target}: {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()

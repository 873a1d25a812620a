"""Training and evaluation of the category classifier (the `aftersales triage` command calls these)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from aftersales.triage.classifier import TriageModel, set_current, train_model
from aftersales.triage.corpus import (
    Example,
    correction_examples,
    count_sources,
    jsonl_examples,
    own_examples,
    symptom_lexicon,
)


def training_examples(*, extra_files: list[Path], with_corrections: bool = True) -> list[Example]:
    examples = own_examples()
    for path in extra_files:
        examples += list(jsonl_examples(path, f"file:{path.name}"))
    if with_corrections:
        examples += correction_examples()
    return examples


def triage_train(
    *, version: str, extra_files: list[Path], with_corrections: bool = True, make_current: bool = True
) -> TriageModel:
    examples = training_examples(extra_files=extra_files, with_corrections=with_corrections)
    model = model_from_examples(examples, version=version)
    model.save()
    if make_current:
        set_current(version)
    return model


def model_from_examples(examples: list[Example], *, version: str) -> TriageModel:
    """A model trained on `examples` with the pack's symptom lexicon; not saved."""
    return train_model(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        version=version,
        lexicon=symptom_lexicon(),
        sources=count_sources(examples),
    )


@dataclass(frozen=True)
class Evaluation:
    count: int
    accuracy: float
    macro_f1: float
    per_category: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]

    def as_dict(self) -> dict:
        return self.__dict__


def evaluate(*, predicted: list[str], expected: list[str]) -> Evaluation:
    labels = sorted(set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    per_category = {
        label: {
            "precision": round(float(p), 3),
            "recall": round(float(r), 3),
            "f1": round(float(f), 3),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    return Evaluation(
        count=len(expected),
        accuracy=round(float(np.mean([p == e for p, e in zip(predicted, expected, strict=True)])), 4),
        macro_f1=round(
            float(
                f1_score(expected, predicted, labels=sorted(set(expected)), average="macro", zero_division=0)
            ),
            4,
        ),
        per_category=per_category,
        labels=labels,
        confusion=confusion_matrix(expected, predicted, labels=labels).tolist(),
    )


def cross_validated_predictions(
    *, examples: list[Example], base: list[Example], folds: int = 5, seed: int = 13
) -> list[tuple[str, float]]:
    """(category, confidence) for each of `examples`, each predicted by a model trained on the
    other folds; `base` (the own corpus) is always in training, never tested."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(examples))
    predictions: list[tuple[str, float]] = [("", 0.0)] * len(examples)
    for fold in range(folds):
        test_index = set(order[fold::folds].tolist())
        train = base + [e for i, e in enumerate(examples) if i not in test_index]
        model = model_from_examples(train, version="cv")
        tested = sorted(test_index)
        for index, prediction in zip(tested, model.predict([examples[i].text for i in tested]), strict=True):
            predictions[index] = prediction
    return predictions


def routing_at_floors(
    *, predictions: list[tuple[str, float]], expected: list[str], floors: list[float]
) -> list[dict[str, float]]:
    """For each confidence floor: the share of complaints routed automatically (the rest go to
    human triage) and how many of the routed ones went to the right category."""
    rows = []
    for floor in floors:
        routed = [(c, e) for (c, p), e in zip(predictions, expected, strict=True) if p >= floor]
        rows.append(
            {
                "floor": floor,
                "routed_share": round(len(routed) / max(1, len(expected)), 3),
                "routed_accuracy": round(sum(c == e for c, e in routed) / max(1, len(routed)), 3),
            }
        )
    return rows

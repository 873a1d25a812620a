"""Training and evaluation of the category classifier (the `aftersales triage` command calls these)."""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from django.conf import settings
from numpy.typing import ArrayLike
from scipy.optimize import minimize, minimize_scalar
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from aftersales.policy.pack import current_pack
from aftersales.triage import encoder, ftstack
from aftersales.triage.classifier import (
    EVIDENCE,
    Aggregation,
    TriageModel,
    aggregation_inputs,
    file_sha256,
    models_dir,
    set_current,
    train_model,
    without_encoders,
)
from aftersales.triage.corpus import (
    Example,
    correction_examples,
    count_sources,
    jsonl_examples,
    own_examples,
    symptom_lexicon,
)
from aftersales.triage.text import model_input


def training_examples(*, extra_files: list[Path], with_corrections: bool = True) -> list[Example]:
    examples = own_examples()
    for path in extra_files:
        examples += list(jsonl_examples(path, f"file:{path.name}", categories=current_pack().categories))
    if with_corrections:
        examples += correction_examples()
    return examples


def triage_train(
    *,
    version: str,
    extra_files: list[Path],
    with_corrections: bool = True,
    make_current: bool = True,
    finetune: bool = False,
    distil_pool: Path | None = None,
) -> TriageModel:
    """Train, save and (`make_current`) switch to model `version`. With `finetune` the
    fine-tuned encoder is stacked in (model_from_examples): needs PyTorch
    (ftstack.PyTorchMissing before anything is trained) and at least
    MIN_REAL_FOR_AGGREGATION real complaints (ValueError). With `distil_pool` (unlabelled
    JSON lines, ftstack.read_pool; implies `finetune`) the encoder is the small student
    taught on them by the shipped recipe's encoder."""
    pool = ftstack.read_pool(distil_pool) if distil_pool else None
    if finetune or pool is not None:
        ftstack.require_torch()
    examples = training_examples(extra_files=extra_files, with_corrections=with_corrections)
    model = model_from_examples(
        examples, version=version, finetune=finetune or pool is not None, distil_pool=pool
    )
    model.save()
    if make_current:
        set_current(version)
    return model


# Below this many real labelled complaints the default aggregation is kept: too few to fit it on.
MIN_REAL_FOR_AGGREGATION = 200


def is_own(example: Example) -> bool:
    """Written for the platform (composed or whole complaints), not a real customer's text."""
    return example.source.startswith("own:")


def finetune_inputs(examples: list[Example]) -> tuple[list[Example], list[Example], np.ndarray, list[str]]:
    """(real complaints, the own written complaints, the real ones' folds, categories): what
    the fine-tuned encoder's out-of-fold readings are made of (ftstack.out_of_fold_finetuned).
    The own corpus's composed phrases and framed copies are left out of fine-tuning: the
    whole written complaints teach the encoder the same, at a fraction of the CPU."""
    real = [e for e in examples if not is_own(e)]
    base = [e for e in examples if e.source == "own:written"]
    return real, base, fold_assignment(len(real)), sorted({e.label for e in examples})


def model_from_examples(
    examples: list[Example], *, version: str, finetune: bool = False, distil_pool: list[str] | None = None
) -> TriageModel:
    """A model trained on `examples` with the pack's symptom lexicon; not saved.

    When there are enough real complaints among them (labelled files, agents'
    corrections), how its evidence is combined is fitted to how models trained without
    each of them read them.

    With `finetune` (needs PyTorch) the fine-tuned encoder is one more reading: its
    out-of-fold probabilities on the real complaints (ftstack.out_of_fold_finetuned, the
    same folds, read in the engine) are the "finetuned" evidence the aggregation is fitted
    on; then it is fine-tuned on all of them and the own written complaints, exported to
    `<version>.encoder.npz` in the models folder (written now) and named with its SHA-256
    in the model. ValueError with fewer than MIN_REAL_FOR_AGGREGATION real complaints.
    With `distil_pool` (unlabelled texts) the fine-tuned encoder, in the folds and shipped,
    is the student distilled on them (ftstack.distilled), STUDENT_LAYERS x STUDENT_TOKENS.
    """
    pool = None if distil_pool is None else ftstack.unlabelled_pool(distil_pool, examples)
    model = _classifier_from(examples, version=version)
    real = [e for e in examples if not is_own(e)]
    if finetune and len(real) < MIN_REAL_FOR_AGGREGATION:
        raise ValueError(
            f"stacking the fine-tuned encoder needs {MIN_REAL_FOR_AGGREGATION} real labelled complaints, "
            f"there are {len(real)}"
        )
    if len(real) >= MIN_REAL_FOR_AGGREGATION:
        own = [e for e in examples if is_own(e)]
        folds = fold_assignment(len(real))
        evidence = out_of_fold_evidence(examples=real, base=own, folds=folds)
        if finetune:
            _, written, _, _ = finetune_inputs(examples)
            evidence[:, EVIDENCE.index("finetuned")] = ftstack.out_of_fold_finetuned(
                examples=real, base=written, folds=folds, categories=model.categories, pool=pool
            )
        labels = [e.label for e in real]
        model.aggregation, model.calibration = calibrated_aggregation(
            evidence, labels, model.categories, folds
        )
        if model.encoder_head is not None or finetune:
            model.fallback_aggregation, _ = calibrated_aggregation(
                without_encoder(evidence), labels, model.categories, folds
            )
    if finetune:
        _, written, _, _ = finetune_inputs(examples)
        tuned_on = written + real
        artefact = ftstack.final_artefact(
            examples=tuned_on,
            categories=model.categories,
            target=models_dir() / f"{version}.encoder.npz",
            trained_on=count_sources(tuned_on),
            pool=pool,
        )
        model.finetuned_encoder = {"file": artefact.name, "sha256": file_sha256(artefact)}
    return model


# The confidence floors a calibration is reported at (a pack's triage.min_confidence is one of them or between).
CALIBRATION_FLOORS = [0.5, 0.6, 0.7, 0.8, 0.9]


def calibrated_aggregation(
    evidence: np.ndarray, labels: list[str], categories: list[str], folds: np.ndarray
) -> tuple[Aggregation, dict]:
    """The aggregation fitted on all of `evidence`, with the temperature that makes its
    cross-validated probabilities most likely (fit_temperature), and a report of what the
    temperature changes: {"temperature", "nll": {before, after}, "ece": {before, after},
    "floors": [{floor, before: {routed_share, routed_accuracy}, after: {...}}]}.

    The probabilities are cross-validated twice over: each complaint's comes from an
    aggregation fitted without its fold, and the "after" figures apply to each fold a
    temperature fitted on the other folds, so that no figure grades its own fit.
    """
    aggregation = fit_aggregation(evidence, labels, categories)
    expected = np.asarray([categories.index(label) for label in labels])
    probabilities = np.zeros((len(labels), len(categories)))
    for fold in np.unique(folds):
        fitted_on = np.flatnonzero(folds != fold)
        tested = np.flatnonzero(folds == fold)
        probabilities[tested] = fit_aggregation(
            evidence[fitted_on], [labels[i] for i in fitted_on], categories
        ).combine(evidence[tested])
    temperature = fit_temperature(probabilities, expected)
    calibrated = np.zeros_like(probabilities)
    for fold in np.unique(folds):
        fitted_on = np.flatnonzero(folds != fold)
        tested = np.flatnonzero(folds == fold)
        calibrated[tested] = tempered(
            probabilities[tested], fit_temperature(probabilities[fitted_on], expected[fitted_on])
        )
    report = {
        "temperature": round(temperature, 4),
        "complaints": len(labels),
        **calibration_report(before=probabilities, after=calibrated, expected=expected),
    }
    return replace(aggregation, temperature=round(temperature, 4)), report


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """The probabilities a softmax gives with its scores divided by `temperature`."""
    scores = np.log(np.maximum(probabilities, 1e-12)) / temperature
    scores -= scores.max(axis=1, keepdims=True)
    exponentials = np.exp(scores)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def negative_log_likelihood(probabilities: np.ndarray, expected: np.ndarray) -> float:
    """Mean -log p(right category), in nats; `expected` holds column indices."""
    return float(-np.log(np.maximum(probabilities[np.arange(len(expected)), expected], 1e-12)).mean())


def fit_temperature(probabilities: np.ndarray, expected: np.ndarray) -> float:
    """The temperature T in [0.05, 20] that minimises the negative log-likelihood of
    `expected` (column indices) under tempered(probabilities, T): one scalar, so it
    changes how sure the model is, never which category it picks (Guo et al., 2017,
    "On calibration of modern neural networks"). 1.0 for no probabilities."""
    if not len(expected):
        return 1.0
    fitted = minimize_scalar(
        lambda log_t: negative_log_likelihood(tempered(probabilities, float(np.exp(log_t))), expected),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(fitted.x))


def expected_calibration_error(confidences: ArrayLike, correct: ArrayLike, *, bins: int = 10) -> float:
    """The gap between confidence and accuracy, averaged over `bins` equal-width confidence
    bins weighted by how many predictions fall in each (0: calibrated; 0.1: on average ten
    points off). `correct` is 1 where the top category was right."""
    said = np.asarray(confidences, dtype=np.float64)
    right = np.asarray(correct, dtype=np.float64)
    if not len(said):
        return 0.0
    edges = np.minimum((said * bins).astype(np.int64), bins - 1)
    error = 0.0
    for index in range(bins):
        inside = edges == index
        if inside.any():
            error += inside.sum() * abs(said[inside].mean() - right[inside].mean())
    return float(error / len(said))


def calibration_report(*, before: np.ndarray, after: np.ndarray, expected: np.ndarray) -> dict:
    """NLL, ECE (10 bins) and routing at CALIBRATION_FLOORS of two probability tables of the same
    complaints (`expected`: the right column of each row)."""
    labels = [str(i) for i in expected]

    def figures(probabilities: np.ndarray) -> tuple[float, float, list[dict]]:
        best = probabilities.argmax(axis=1)
        confidence = probabilities.max(axis=1)
        predictions = [(str(b), float(c)) for b, c in zip(best, confidence, strict=True)]
        return (
            round(negative_log_likelihood(probabilities, expected), 4),
            round(expected_calibration_error(confidence, best == expected), 4),
            routing_at_floors(predictions=predictions, expected=labels, floors=CALIBRATION_FLOORS),
        )

    nll_before, ece_before, floors_before = figures(before)
    nll_after, ece_after, floors_after = figures(after)
    return {
        "nll": {"before": nll_before, "after": nll_after},
        "ece": {"before": ece_before, "after": ece_after},
        "floors": [
            {
                "floor": b["floor"],
                "before": {"routed_share": b["routed_share"], "routed_accuracy": b["routed_accuracy"]},
                "after": {"routed_share": a["routed_share"], "routed_accuracy": a["routed_accuracy"]},
            }
            for b, a in zip(floors_before, floors_after, strict=True)
        ],
    }


def without_encoder(evidence: np.ndarray) -> np.ndarray:
    """The evidence as read when the encoders cannot load: their rows repeat the whole text's."""
    return without_encoders(evidence)


_caches: dict[str, encoder.EmbeddingCache] = {}


def training_vectors(texts: list[str]) -> np.ndarray | None:
    """The encoder vectors of training texts (cached in settings.TRIAGE_EMBEDDINGS_CACHE,
    default var/triage-embeddings.npz), or None when the encoder is off or cannot load."""
    if not encoder.encoder_available():
        return None
    path = (
        getattr(settings, "TRIAGE_EMBEDDINGS_CACHE", None) or Path(settings.VAR_DIR) / "triage-embeddings.npz"
    )
    cache = _caches.setdefault(str(path), encoder.EmbeddingCache(Path(path)))
    return cache.embed([model_input(t) for t in texts])


def _classifier_from(examples: list[Example], *, version: str) -> TriageModel:
    return train_model(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        version=version,
        lexicon=symptom_lexicon(),
        sources=count_sources(examples),
        vectors=training_vectors([e.text for e in examples]),
    )


def fold_assignment(count: int, *, folds: int = 5, seed: int = 13) -> np.ndarray:
    """A fold number for each of `count` examples, shuffled, reproducible."""
    folds_of = np.empty(count, dtype=np.int64)
    folds_of[np.random.default_rng(seed).permutation(count)] = np.arange(count) % folds
    return folds_of


def out_of_fold_evidence(*, examples: list[Example], base: list[Example], folds: np.ndarray) -> np.ndarray:
    """The evidence (classifier.EVIDENCE) of each of `examples` as read by a classifier trained
    on `base` and the other folds, so that it is the reading of a complaint never seen."""
    evidence: np.ndarray | None = None
    for fold in np.unique(folds):
        tested = np.flatnonzero(folds == fold)
        train = base + [e for e, f in zip(examples, folds, strict=True) if f != fold]
        texts = [examples[i].text for i in tested]
        read = _classifier_from(train, version="fold").evidence(texts, vectors=training_vectors(texts))
        if evidence is None:
            evidence = np.zeros((len(examples), *read.shape[1:]))
        evidence[tested] = read
    assert evidence is not None
    return evidence


def fit_aggregation(
    evidence: np.ndarray, labels: list[str], categories: list[str], *, bias_penalty: float = 0.01
) -> Aggregation:
    """The weights and per-category biases that best predict `labels` from `evidence`
    (multinomial log-likelihood; the biases are kept small, so that the categories' shares
    in these complaints weigh only where the evidence is unsure)."""
    inputs = aggregation_inputs(evidence)
    count, kinds, size = inputs.shape
    expected = np.asarray([categories.index(label) for label in labels])

    def loss_and_gradient(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        weights, biases = parameters[:kinds], parameters[kinds:]
        scores = np.einsum("nec,e->nc", inputs, weights) + biases
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        loss = -np.log(probabilities[np.arange(count), expected]).mean() + bias_penalty * (biases**2).sum()
        residual = probabilities
        residual[np.arange(count), expected] -= 1.0
        residual /= count
        gradient = np.concatenate(
            [np.einsum("nec,nc->e", inputs, residual), residual.sum(axis=0) + 2 * bias_penalty * biases]
        )
        return float(loss), gradient

    start = np.concatenate([np.asarray(Aggregation().weights), np.zeros(size)])
    fitted = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B").x
    return Aggregation(
        weights=tuple(round(float(w), 6) for w in fitted[:kinds]),
        biases=tuple(round(float(b), 6) for b in fitted[kinds:]),
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
    *, examples: list[Example], base: list[Example], folds: int = 5, calibrated: bool = True
) -> list[tuple[str, float]]:
    """(category, confidence) for each of `examples`, each predicted as the shipped model is
    built but without its fold: the classifier trained on the other folds, the aggregation
    (and, when `calibrated`, its temperature) fitted on the other folds' out-of-fold
    evidence. The own corpus in `base` is always in training; the real complaints in `base`
    are folded in with `examples` but never tested."""
    read = cross_validated_probabilities(examples=examples, base=base, folds=folds)
    probabilities = read.after if calibrated else read.before
    best = probabilities.argmax(axis=1)
    return [(read.categories[b], float(row[b])) for b, row in zip(best, probabilities, strict=True)]


class CrossValidated(NamedTuple):
    """Cross-validated probabilities of the tested complaints, (complaints, categories) each."""

    categories: list[str]
    before: np.ndarray  # the aggregation's, before calibration
    after: np.ndarray  # the same with the temperature fitted without the complaint's fold
    whole_text: np.ndarray  # the n-gram classifier's own reading of the whole text, for reference
    temperatures: list[float]  # the temperature of each fold


def cross_validated_probabilities(
    *, examples: list[Example], base: list[Example], folds: int = 5, evidence: np.ndarray | None = None
) -> CrossValidated:
    """The probabilities of each of `examples`, read as in cross_validated_predictions. The
    temperature applied to a fold is fitted, like the shipped model's, on cross-validated
    probabilities of the other folds alone (an aggregation fitted without each of them in
    turn). `evidence`: the out-of-fold evidence of the real complaints of `base` then
    `examples` (out_of_fold_evidence on fold_assignment's folds), when the caller has it
    (bench/triage_finetune_stack_bench.py compares the stack with and without a row)."""
    own = [e for e in base if is_own(e)]
    pool = [e for e in base if not is_own(e)] + examples
    folds_of = fold_assignment(len(pool), folds=folds)
    if evidence is None:
        evidence = out_of_fold_evidence(examples=pool, base=own, folds=folds_of)
    labels = [e.label for e in pool]
    categories = sorted({e.label for e in own + pool})
    expected = np.asarray([categories.index(label) for label in labels])
    before = np.zeros((len(pool), len(categories)))
    after = np.zeros_like(before)
    temperatures = []

    def aggregated(fitted_on: np.ndarray, tested: np.ndarray) -> np.ndarray:
        aggregation = fit_aggregation(evidence[fitted_on], [labels[i] for i in fitted_on], categories)
        return aggregation.combine(evidence[tested])

    for fold in range(folds):
        fitted_on = np.flatnonzero(folds_of != fold)
        tested = np.flatnonzero(folds_of == fold)
        before[tested] = aggregated(fitted_on, tested)
        inner = np.zeros((len(pool), len(categories)))
        for other in range(folds):
            if other != fold:
                inner_tested = np.flatnonzero(folds_of == other)
                inner[inner_tested] = aggregated(fitted_on[folds_of[fitted_on] != other], inner_tested)
        temperature = fit_temperature(inner[fitted_on], expected[fitted_on])
        temperatures.append(round(temperature, 4))
        after[tested] = tempered(before[tested], temperature)
    first = len(pool) - len(examples)
    whole_text = evidence[first:, EVIDENCE.index("whole_text")]
    return CrossValidated(categories, before[first:], after[first:], whole_text, temperatures)


def alternatives_coverage(*, predicted: list[tuple[str, list[str]]], expected: list[str]) -> dict[str, float]:
    """For (category, alternative categories) per text: how many alternatives staff see, and
    how often the right category is among them when the first guess is wrong."""
    missed = [
        right in alternatives
        for (category, alternatives), right in zip(predicted, expected, strict=True)
        if category != right
    ]
    count = max(1, len(expected))
    return {
        "mean_shown": round(sum(len(alternatives) for _, alternatives in predicted) / count, 2),
        "wrong_with_right_alternative": round(sum(missed) / max(1, len(missed)), 4),
        "right_first_or_alternative": round((len(expected) - len(missed) + sum(missed)) / count, 4),
    }


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

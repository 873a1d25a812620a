"""The fault-category classifier: character and word n-grams plus the policy pack's symptom lexicon,
read by a multinomial logistic regression and, as a second opinion on the whole text, a
complement naive Bayes over the same features.

A text is also read clause by clause (a customer who lists several faults usually names
the one that matters first); how the whole text's and the clauses' probabilities are
combined is learnt from real labelled complaints (Aggregation).

Models are versioned files under triage/trained/; CURRENT names the one in use.
"""

import hashlib
import json
import logging
import math
import pickle
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline

from aftersales.policy.pack import KeywordLexicon
from aftersales.triage import encoder
from aftersales.triage.encoder import EncoderHead
from aftersales.triage.text import clauses, is_praise, model_input

if TYPE_CHECKING:
    from aftersales.triage.finetuned import FineTunedEncoder

log = logging.getLogger("aftersales.triage")

# From this many texts on, the vectorised sklearn pipeline is faster than scoring one by one.
BATCH_THRESHOLD = 64
SHIPPED_MODELS_DIR = Path(__file__).resolve().parent / "trained"


def models_dir() -> Path:
    """Where model versions live: settings.TRIAGE_MODELS_DIR, by default the ones shipped in the package."""
    return Path(getattr(settings, "TRIAGE_MODELS_DIR", None) or SHIPPED_MODELS_DIR)


class LexiconHits(BaseEstimator, TransformerMixin):
    """One column per category: how many distinct symptom words of that category the text names.

    The words are the policy pack's per-category keywords (short, general symptom words
    such as 屏幕, 充电, signal), which carry over to phrasings the corpus never had.
    """

    def __init__(self, lexicon: KeywordLexicon | None = None, weight: float = 3.0) -> None:
        self.lexicon = lexicon
        self.weight = weight

    def fit(self, texts: list[str], labels: object = None) -> "LexiconHits":
        self.categories_ = list(self.lexicon.categories) if self.lexicon else []
        return self

    def row(self, text: str) -> list[float]:
        counts = self.lexicon.counts(text) if self.lexicon else {}
        return [self.weight * math.log1p(counts.get(c, 0)) for c in self.categories_]

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            np.asarray([self.row(t) for t in texts], dtype=np.float64).reshape(len(texts), -1)
        )


def build_pipeline(lexicon: KeywordLexicon) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=80_000
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    token_pattern=r"[a-z][a-z']+",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                    max_features=30_000,
                ),
            ),
            ("lexicon", LexiconHits(lexicon)),
        ]
    )
    classifier = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("classifier", classifier)])


# What is known of a text before its category is decided, one probability row per kind.
EVIDENCE = (
    "whole_text",
    "first_fault",
    "clause_mean",
    "last_clause",
    "clause_votes",
    "whole_text_bayes",
    "encoder",
    "finetuned",
)
# The rows read by a sentence encoder; a model that cannot read them reads with its
# fallback aggregation, these rows repeating the whole text's (without_encoders).
ENCODER_ROWS = ("encoder", "finetuned")
# A clause counts as naming a fault (first fault, a vote) from this probability on.
CLAUSE_FLOOR = 0.4
# Additive smoothing of the naive Bayes counts; small, because most n-grams are rare.
BAYES_SMOOTHING = 0.05
_LOG_FLOOR = 1e-6


@dataclass
class Aggregation:
    """How a text's evidence becomes its category probabilities: a softmax of the weighted
    log-probabilities (votes as they are) plus one bias per category.

    The default is the geometric mean of the whole text's and its first named fault's
    probabilities (a text of one clause keeps its own). Training on real
    labelled complaints replaces it by weights fitted to them (trainer.fit_aggregation).

    `temperature` divides the scores before the softmax (temperature scaling: > 1 softens
    an overconfident model, < 1 sharpens an underconfident one; the ranking of categories
    never changes). It is fitted by trainer.fit_temperature on cross-validated
    probabilities of the fitted aggregation, so that a confidence of 0.8 is right about
    80 % of the time; aggregations saved before it read with 1.0 (the class default).
    """

    weights: tuple[float, ...] = (0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    biases: tuple[float, ...] = ()
    temperature: float = 1.0

    def __post_init__(self) -> None:
        # Weights fitted before a kind of evidence existed give it none.
        self.weights = (*self.weights, *(0.0,) * (len(EVIDENCE) - len(self.weights)))

    def combine(self, evidence: np.ndarray) -> np.ndarray:
        """(texts, EVIDENCE, categories) -> (texts, categories) probabilities."""
        scores = np.einsum("nec,e->nc", aggregation_inputs(evidence), np.asarray(self.weights))
        if self.biases:
            scores = scores + np.asarray(self.biases)
        return _softmax(scores / self.temperature)


def without_encoders(evidence: np.ndarray) -> np.ndarray:
    """`evidence` as read without any sentence encoder: the ENCODER_ROWS repeat the whole text's."""
    fallback = evidence.copy()
    for row in ENCODER_ROWS:
        fallback[:, EVIDENCE.index(row)] = evidence[:, EVIDENCE.index("whole_text")]
    return fallback


def aggregation_inputs(evidence: np.ndarray) -> np.ndarray:
    """Probabilities as log-probabilities; the votes (a share of clauses) as they are."""
    inputs = np.log(np.maximum(evidence, _LOG_FLOOR))
    votes = EVIDENCE.index("clause_votes")
    inputs[:, votes] = evidence[:, votes]
    return inputs


@dataclass(frozen=True)
class TextReading:
    ranked: tuple[tuple[str, float], ...]  # (category, probability), most probable first
    named: dict[str, float]  # category -> share of the text's clauses that name it


@dataclass
class TriageModel:
    version: str
    pipeline: Pipeline
    trained_on: dict[str, int] = field(default_factory=dict)
    aggregation: Aggregation = field(default_factory=Aggregation)
    # (features, categories) complement naive Bayes weights: a text's scores are its
    # features times these, its probabilities their softmax. None in models saved before.
    bayes: np.ndarray | None = None
    # The sentence encoder's head (encoder.py) and the aggregation to use when the encoder
    # cannot be loaded; None in models trained without the encoder.
    encoder_head: EncoderHead | None = None
    fallback_aggregation: Aggregation | None = None
    # How the aggregation's temperature was chosen and what it changed, cross-validated
    # (trainer.calibrated_aggregation); None in models saved before or fitted on too few.
    calibration: dict | None = None
    # The fine-tuned encoder the model was stacked with (ftstack.py): {"file": its name in
    # the models folder, "sha256": of that file}; its reading is the "finetuned" evidence.
    # None in models trained without it.
    finetuned_encoder: dict | None = None

    @property
    def reads_with_encoder(self) -> bool:
        """Whether the model has a sentence encoder's reading (frozen or fine-tuned) to add
        to the n-gram ones: intake leaves it to the worker's second reading."""
        return self.encoder_head is not None or self.finetuned_encoder is not None

    @property
    def categories(self) -> list[str]:
        return list(self.pipeline.classes_)

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        """(category, probability) for each text."""
        return [reading.ranked[0] for reading in self.read(texts, top=1)]

    def read(self, texts: list[str], *, top: int) -> list[TextReading]:
        """For each text its `top` most probable categories and the categories its clauses name."""
        vectors = encoder.embed([model_input(t) for t in texts]) if self.encoder_head is not None else None
        tuned = self._finetuned_reading(texts) if self.finetuned_encoder is not None else None
        evidence = self.evidence(texts, vectors=vectors, finetuned=tuned)
        aggregation = self.aggregation
        missing = (self.encoder_head is not None and vectors is None) or (
            self.finetuned_encoder is not None and tuned is None
        )
        if missing and self.fallback_aggregation is not None:
            # Read exactly as the aggregation fitted without the encoders was fitted.
            aggregation = self.fallback_aggregation
            evidence = without_encoders(evidence)
        probabilities = aggregation.combine(evidence)
        votes = evidence[:, EVIDENCE.index("clause_votes")]
        classes = [str(c) for c in self.pipeline.classes_]
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
        return [
            TextReading(
                ranked=tuple((classes[i], float(probabilities[row, i])) for i in best),
                named={classes[i]: float(votes[row, i]) for i in np.flatnonzero(votes[row])},
            )
            for row, best in enumerate(order)
        ]

    def _finetuned_reading(self, texts: list[str]) -> np.ndarray | None:
        """The fine-tuned encoder's (texts, categories) probabilities in this model's
        category order, or None when it is deferred, switched off (settings.TRIAGE_ENCODER)
        or cannot be used (logged once: see finetuned_for)."""
        if encoder.is_deferred() or not encoder.encoder_enabled() or self.finetuned_encoder is None:
            return None
        reader = finetuned_for(
            models_dir() / self.finetuned_encoder["file"], self.finetuned_encoder["sha256"]
        )
        if reader is None:
            return None
        read = reader.probabilities(texts)
        return read[:, [reader.categories.index(c) for c in self.categories]]

    def evidence(
        self, texts: list[str], *, vectors: np.ndarray | None = None, finetuned: np.ndarray | None = None
    ) -> np.ndarray:
        """For each text, the probabilities of its whole text, its first clause that names a
        fault (praise skipped), the mean and the last of its clauses, the share of its
        clauses naming each category, the naive Bayes opinion, the encoder head's reading
        of `vectors` (the texts' encoder vectors) and the fine-tuned encoder's probabilities
        `finetuned` (in the model's category order; without either, its row repeats the
        whole text's): (texts, EVIDENCE, categories).

        A customer who lists several faults usually names the one that matters first, and
        the fault that most clauses are about is the complaint; which weighs how much is
        learnt from real complaints. Many texts go through the sklearn pipeline at once; a
        few, with all their clauses, are scored in one pass of plain dictionary and NumPy
        operations (the same figures), because the pipeline's per-call checks cost more
        than the arithmetic.
        """
        size = len(self.categories)
        wholes = [model_input(t) for t in texts]
        parts = [_fault_clauses(t) for t in texts]
        clause_inputs = [model_input(c) for clauses_of in parts for c in clauses_of]
        if len(texts) >= BATCH_THRESHOLD:
            whole, whole_bayes = self._score_batch(wholes, with_bayes=True)
            # All clauses of all texts in one call, so batches stay vectorised.
            scored, _ = self._score_batch(clause_inputs, with_bayes=False)
        else:
            # The texts and all their clauses in one pass: one product with the coefficients.
            logistic, bayes = self._scorer()([*wholes, *clause_inputs], len(wholes))
            whole, whole_bayes, scored = logistic[: len(texts)], bayes, logistic[len(texts) :]
        if not len(scored):
            scored = np.zeros((0, size))
        other = self.categories.index("other") if "other" in self.categories else -1
        evidence = np.repeat(whole[:, None, :], len(EVIDENCE), axis=1)
        votes = EVIDENCE.index("clause_votes")
        evidence[:, votes] = 0.0
        evidence[np.arange(len(texts)), votes, whole.argmax(axis=1)] = 1.0
        evidence[:, EVIDENCE.index("whole_text_bayes")] = whole_bayes
        if vectors is not None and self.encoder_head is not None:
            evidence[:, EVIDENCE.index("encoder")] = self.encoder_head.probabilities(vectors)
        if finetuned is not None:
            evidence[:, EVIDENCE.index("finetuned")] = finetuned
        start = 0
        for row, clauses_of in enumerate(parts):
            if not clauses_of:
                continue
            rows = scored[start : start + len(clauses_of)]
            start += len(clauses_of)
            named = rows.max(axis=1) >= CLAUSE_FLOOR
            faults = np.flatnonzero(named & (rows.argmax(axis=1) != other))
            if len(faults):
                evidence[row, EVIDENCE.index("first_fault")] = rows[faults[0]]
            evidence[row, EVIDENCE.index("clause_mean")] = rows.mean(axis=0)
            evidence[row, EVIDENCE.index("last_clause")] = rows[-1]
            evidence[row, votes] = np.bincount(rows.argmax(axis=1)[named], minlength=size) / len(clauses_of)
        return evidence

    def _score_batch(self, inputs: list[str], *, with_bayes: bool) -> tuple[np.ndarray, np.ndarray]:
        """(logistic, naive Bayes) probabilities of many model inputs, through the sklearn
        pipeline; without Bayes (or a model without it) the logistic ones twice."""
        size = len(self.categories)
        if not inputs:
            return np.zeros((0, size)), np.zeros((0, size))
        features = self.pipeline.named_steps["features"].transform(inputs)
        logistic = self.pipeline.named_steps["classifier"].predict_proba(features)
        if self.bayes is None or not with_bayes:
            return logistic, logistic
        return logistic, _softmax(np.asarray(features @ self.bayes))

    def _scorer(self):  # type: ignore[no-untyped-def]
        cached = getattr(self, "_cached_scorer", None)
        if cached is None:
            cached = self._cached_scorer = _build_scorer(self.pipeline, self.bayes)
        return cached

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_cached_scorer", None)
        return state

    def __setstate__(self, state: dict) -> None:
        # Models saved before the aggregation was learnt averaged the whole text and its first fault.
        state.setdefault("aggregation", Aggregation())
        # Models saved before the naive Bayes opinion give it no weight.
        state.setdefault("bayes", None)
        # Models saved before the encoder read without it.
        state.setdefault("encoder_head", None)
        state.setdefault("fallback_aggregation", None)
        # Models saved before the calibration read with temperature 1 (Aggregation's default).
        state.setdefault("calibration", None)
        # Models saved before the fine-tuned encoder was stacked read without it.
        state.setdefault("finetuned_encoder", None)
        for aggregation in (state["aggregation"], state["fallback_aggregation"]):
            if aggregation is not None:
                aggregation.__post_init__()
        for setting in ("clause_floor", "clause_weight"):
            state.pop(setting, None)
        self.__dict__.update(state)

    def save(self) -> Path:
        directory = models_dir()
        directory.mkdir(parents=True, exist_ok=True)
        # The vectorizers remember every pruned n-gram; prediction never needs them.
        for _, vectorizer in self.pipeline.named_steps["features"].transformer_list:
            if hasattr(vectorizer, "stop_words_"):
                vectorizer.stop_words_ = None
        path = directory / f"{self.version}.pkl"
        with open(path, "wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        about: dict = {
            "version": self.version,
            "trained_on": self.trained_on,
            "aggregation": self._described(self.aggregation),
        }
        if self.fallback_aggregation is not None:
            about["aggregation_without_encoder"] = self._described(self.fallback_aggregation)
        if self.calibration is not None:
            about["calibration"] = self.calibration
        if self.finetuned_encoder is not None:
            about["finetuned_encoder"] = self.finetuned_encoder
        (directory / f"{self.version}.json").write_text(json.dumps(about, indent=1), encoding="utf-8")
        return path

    def _described(self, aggregation: Aggregation) -> dict:
        return {
            "weights": dict(zip(EVIDENCE, aggregation.weights, strict=True)),
            "biases": dict(zip(self.categories, aggregation.biases, strict=False)),
            "temperature": aggregation.temperature,
        }


_finetuned_lock = threading.Lock()
_finetuned_checked: dict[tuple[str, str], bool] = {}


def finetuned_for(path: Path, sha256: str) -> "FineTunedEncoder | None":
    """The fine-tuned encoder in `path` when the file is the one the model was stacked with
    (its SHA-256 is checked once per process), else None, logged once: a model must not
    weigh another encoder's probabilities as it learnt to weigh its own."""
    from aftersales.triage.finetuned import load_finetuned

    key = (str(path), sha256)
    with _finetuned_lock:
        if key not in _finetuned_checked:
            matches = path.exists() and file_sha256(path) == sha256
            if path.exists() and not matches:
                log.warning(
                    "%s is not the fine-tuned encoder the model was trained with (sha256 %s…); "
                    "triage reads without it",
                    path,
                    sha256[:12],
                )
            _finetuned_checked[key] = matches or not path.exists()
        if not _finetuned_checked[key]:
            return None
    # A missing or unloadable file: load_finetuned says why, once.
    return load_finetuned(path)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fault_clauses(text: str) -> list[str]:
    """The clauses of a text of several clauses that do not only praise ("外观漂亮", "great camera")."""
    parts = clauses(text)
    return [c for c in parts if not is_praise(c)] if len(parts) > 1 else []


def _sum_in_order(
    start: np.ndarray, rows: np.ndarray, places: np.ndarray, width: int, terms: np.ndarray
) -> np.ndarray:
    """`start` (rows, classes) plus each of `terms` (n, classes) added to its row `rows[i]`,
    one after another in the order given (`places[i]` is the term's place in its row, from 1),
    as `np.add.at(start, rows, terms)` adds them but in one pass: the terms are laid out in a
    (rows, width, classes) block behind their row's start and summed left to right
    (`add.accumulate` adds strictly in order, unlike a reduction's pairwise sum; the
    padding's zeros add nothing), so every figure is bit for bit add.at's."""
    block = np.zeros((start.shape[0], width, start.shape[1]))
    block[:, 0] = start
    block[rows, places] = terms
    return np.add.accumulate(block, axis=1)[:, -1]


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=-1, keepdims=True)
    exponentials = np.exp(scores)
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def _analyzer(vectorizer: TfidfVectorizer):  # type: ignore[no-untyped-def]
    """The vectorizer's analyzer: for character n-grams of plain text an equal one (the same
    terms in the same order) built with slices rather than one append per n-gram; for
    anything else sklearn's own."""
    if not (
        vectorizer.analyzer == "char"
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and vectorizer.strip_accents is None
        and vectorizer.lowercase
    ):
        return vectorizer.build_analyzer()
    shortest, longest = vectorizer.ngram_range
    white_spaces = vectorizer._white_spaces

    def char_ngrams(text: str) -> list[str]:
        # As sklearn's _char_ngrams: lower case, runs of white space as one space, then all
        # n-grams of the shortest length in order, then the next length, and so on.
        text = white_spaces.sub(" ", text.lower())
        size = len(text)
        terms = list(text) if shortest == 1 else []
        for n in range(max(shortest, 2), min(longest + 1, size + 1)):
            terms += [text[i : i + n] for i in range(size - n + 1)]
        return terms

    return char_ngrams


def _build_scorer(pipeline: Pipeline, bayes: np.ndarray | None):  # type: ignore[no-untyped-def]
    """A function (texts, bayes_rows) -> (logistic, naive Bayes) class probabilities, equal
    to those of TriageModel._score_batch, for a few texts at a time."""
    union = pipeline.named_steps["features"]
    classifier = pipeline.named_steps["classifier"]
    coefficients = classifier.coef_.T.copy()  # (features, classes)
    intercept = classifier.intercept_
    blocks = []
    offset = 0
    for _, transformer in union.transformer_list:
        if isinstance(transformer, TfidfVectorizer):
            # The arithmetic below is that of these settings; refuse a model built otherwise.
            assert transformer.sublinear_tf and transformer.norm == "l2" and transformer.use_idf
            blocks.append(
                ("tfidf", offset, _analyzer(transformer), transformer.vocabulary_, transformer.idf_)
            )
            offset += len(transformer.vocabulary_)
        else:
            blocks.append(("lexicon", offset, transformer, None, None))
            offset += len(transformer.categories_)

    def row_of(text: str) -> tuple[list[int], list[float]]:
        columns: list[int] = []
        values: list[float] = []
        for kind, start, tool, vocabulary, idf in blocks:
            if kind == "tfidf":
                # Each known term's count, in the order the terms first occur (as a dict
                # filled term by term would hold them), counted in C: the terms no
                # vocabulary entry knows are counted under None, then dropped.
                counts = Counter(map(vocabulary.get, tool(text)))
                counts.pop(None, None)
                if not counts:
                    continue
                indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                weights = (
                    1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                ) * idf[indices]
                weights /= np.sqrt(np.dot(weights, weights))
                columns.extend((indices + start).tolist())
                values.extend(weights.tolist())
            else:
                # LexiconHits.row's non-zero values, in its column order, without the zeros.
                hits = tool.lexicon.counts(text) if tool.lexicon else {}
                for position, category in enumerate(tool.categories_):
                    if category in hits and (value := tool.weight * math.log1p(hits[category])):
                        columns.append(start + position)
                        values.append(value)
        return columns, values

    def score(texts: list[str], bayes_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Logistic probabilities of every text, and naive Bayes ones of the first `bayes_rows`
        (the logistic ones again for a model without Bayes): the rows' features are gathered,
        then weighed against the coefficients in one product."""
        columns: list[int] = []
        values: list[float] = []
        owners: list[int] = []
        places: list[int] = []
        # A text's clauses often repeat (the subject is the text's first line): each
        # distinct text is turned into features once.
        rows: dict[str, tuple[list[int], list[float]]] = {}
        for row, text in enumerate(texts):
            found = rows.get(text)
            if found is None:
                found = rows[text] = row_of(text)
            row_columns, row_values = found
            columns += row_columns
            values += row_values
            owners += [row] * len(row_columns)
            # Place 0 of each row holds its starting value (intercept or zero).
            places += range(1, len(row_columns) + 1)
        weights = np.asarray(values)[:, None]
        at = np.asarray(owners, dtype=np.int64)
        place = np.asarray(places, dtype=np.int64)
        features = np.asarray(columns, dtype=np.int64)
        width = int(place.max()) + 1 if len(places) else 1
        logistic = _sum_in_order(
            np.tile(intercept, (len(texts), 1)), at, place, width, weights * coefficients[features]
        )
        logistic = _softmax(logistic)
        if bayes is None:
            return logistic, logistic[:bayes_rows]
        first = at < bayes_rows
        naive = _sum_in_order(
            np.zeros((bayes_rows, bayes.shape[1])),
            at[first],
            place[first],
            width,
            weights[first] * bayes[features[first]],
        )
        return logistic, _softmax(naive)

    return score


def train_model(
    *,
    texts: list[str],
    labels: list[str],
    version: str,
    lexicon: KeywordLexicon,
    sources: dict[str, int],
    vectors: np.ndarray | None = None,
) -> TriageModel:
    """The classifier fitted on `texts`; with `vectors` (the texts' encoder vectors, in
    order) also the encoder head."""
    pipeline = build_pipeline(lexicon)
    features = pipeline.named_steps["features"].fit_transform([model_input(t) for t in texts], labels)
    pipeline.named_steps["classifier"].fit(features, labels)
    bayes = ComplementNB(alpha=BAYES_SMOOTHING).fit(features, labels)
    head = None
    if vectors is not None:
        head = encoder.fit_head(
            vectors=vectors, labels=labels, categories=[str(c) for c in pipeline.classes_]
        )
    return TriageModel(
        version=version,
        pipeline=pipeline,
        trained_on=sources,
        # Only the weights are kept (float32 halves their size): the counts are not needed to predict.
        bayes=bayes.feature_log_prob_.T.astype(np.float32),
        encoder_head=head,
    )


def set_current(version: str) -> None:
    (models_dir() / "CURRENT").write_text(version + "\n", encoding="utf-8")
    forget_loaded_models()


def load_model(version: str | None = None) -> TriageModel | None:
    """The model `version` (default: CURRENT), or None when no model is installed."""
    return _load(version, models_dir())


@lru_cache(maxsize=4)
def _load(version: str | None, directory: Path) -> TriageModel | None:
    # Only the installation's own model folder is read: its files are pickles.
    if version is None:
        if not (directory / "CURRENT").exists():
            return None
        version = (directory / "CURRENT").read_text(encoding="utf-8").strip()
    path = directory / f"{version}.pkl"
    if not path.exists():
        return None
    with open(path, "rb") as handle:
        model = pickle.load(handle)  # noqa: S301 - a file shipped with or trained by this installation
    if not isinstance(model, TriageModel):
        raise TypeError(f"{path} is not a triage model")
    return model


def forget_loaded_models() -> None:
    _load.cache_clear()
    with _finetuned_lock:
        _finetuned_checked.clear()

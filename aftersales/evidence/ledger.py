"""Appending to the ledger: called by the writer of a record, inside the writer's transaction.

Each subject has its own chain, so an append reads only its chain's last entry (one indexed
read) and inserts one row: no global lock, no global counter. The caller already holds the row
lock that orders its writes (for complaints, the complaint row); a writer that does not would
fail on the (chain, seq) unique constraint rather than fork the chain. The global order is
given later, by the sealer (`services.seal_create`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from aftersales.common import clock
from aftersales.evidence.formats import GENESIS, entry_document, iso_time, sha256_hex
from aftersales.evidence.models import LedgerEntry


@dataclass(frozen=True)
class Record:
    """What the writer hands over: the chain, what is sealed, and its canonical bytes."""

    chain: str
    subject_kind: str
    subject_id: int
    content: bytes


def ledger_append(*, records: Sequence[Record]) -> list[LedgerEntry]:
    """Append `records` in order, one entry each, with one read per chain and one INSERT.

    Returns the entries (saved). Must run inside the transaction that writes the records.
    """
    if not records:
        return []
    now = clock.now()
    recorded_at = iso_time(now)
    heads: dict[str, tuple[int, str]] = {}
    for chain in dict.fromkeys(record.chain for record in records):
        last = (
            LedgerEntry.objects.filter(chain=chain).order_by("-seq").values_list("seq", "entry_hash").first()
        )
        heads[chain] = last if last is not None else (0, GENESIS)
    entries = []
    for record in records:
        seq, prev = heads[record.chain]
        seq += 1
        content = sha256_hex(record.content)
        subject = f"{record.subject_kind}:{record.subject_id}"
        entry_hash = sha256_hex(
            entry_document(
                chain=record.chain,
                seq=seq,
                prev=prev,
                content=content,
                recorded_at=recorded_at,
                subject=subject,
            )
        )
        heads[record.chain] = (seq, entry_hash)
        entries.append(
            LedgerEntry(
                chain=record.chain,
                seq=seq,
                prev=prev,
                content=content,
                subject_kind=record.subject_kind,
                subject_id=record.subject_id,
                recorded_at=now,
                entry_hash=entry_hash,
            )
        )
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        LedgerEntry.objects.bulk_create(entries)
    return entries


def entry_document_of(entry: LedgerEntry) -> bytes:
    """The stored entry's canonical document (what its entry hash must be the SHA-256 of)."""
    return entry_document(
        chain=entry.chain,
        seq=entry.seq,
        prev=entry.prev,
        content=entry.content,
        recorded_at=iso_time(entry.recorded_at),
        subject=f"{entry.subject_kind}:{entry.subject_id}",
    )

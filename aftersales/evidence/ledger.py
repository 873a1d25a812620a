"""Appending to the ledger: called by the writer of a record, inside the writer's transaction.

Each subject has its own chain, so an append reads only its chain's last entry (one indexed
read) and inserts one row: no global lock, no global counter. On PostgreSQL both happen in one
statement (one round trip). The caller already holds the row
lock that orders its writes (for complaints, the complaint row); a writer that does not would
fail on the (chain, seq) unique constraint rather than fork the chain. The global order is
given later, by the sealer (`services.seal_create`).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

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


def ledger_append(*, records: Sequence[Record], new_chains: bool = False) -> None:
    """Append `records` in order, one entry each, with one read per chain and one INSERT.

    `new_chains`: every record's chain starts here (a complaint numbered in this transaction),
    so no head is read; were one there, the (chain, seq) unique constraint refuses the INSERT.

    Raw SQL rather than the ORM: this runs with every timeline event, and building the queries
    costs more than the indexed read and the insert themselves.

    Returns nothing: every timeline event is sealed here, so no model instance is built for
    an entry that nobody reads back. Must run inside the transaction that writes the records.
    """
    if not records:
        return
    now = clock.now()
    recorded_at = iso_time(now)
    if len(records) == 1 and not new_chains and connection.vendor == "postgresql" and _plain(records[0]):
        _append_in_one_statement(records[0], now, recorded_at)
        return
    table = LedgerEntry._meta.db_table
    heads: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for chain in dict.fromkeys(record.chain for record in records):
            if new_chains:
                heads[chain] = (0, GENESIS)
                continue
            cursor.execute(
                f"SELECT seq, entry_hash FROM {table} WHERE chain = %s ORDER BY seq DESC LIMIT 1", [chain]
            )
            last = cursor.fetchone()
            heads[chain] = (last[0], last[1]) if last is not None else (0, GENESIS)
    stored_at = connection.ops.adapt_datetimefield_value(now)
    rows: list[tuple[Any, ...]] = []
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
        rows.append(
            (record.chain, seq, prev, content, record.subject_kind, record.subject_id, stored_at, entry_hash)
        )
    # One multi-row INSERT.
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, '')"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (chain, seq, prev, content, subject_kind, subject_id, recorded_at,"
            f" entry_hash, link) VALUES {placeholders}",
            [value for row in rows for value in row],
        )


_PLAIN_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII, no quote or backslash

# One round trip instead of two (read the chain's head, then insert): PostgreSQL reads the head,
# builds the same canonical document as `entry_document` and hashes it while inserting.
_APPEND_SQL = """
WITH head AS (
    SELECT seq, entry_hash FROM {table} WHERE chain = %(chain)s::text ORDER BY seq DESC LIMIT 1
), next AS (
    SELECT COALESCE((SELECT seq FROM head), 0) + 1 AS seq,
           COALESCE((SELECT entry_hash FROM head), %(genesis)s::text) AS prev
)
INSERT INTO {table} (chain, seq, prev, content, subject_kind, subject_id, recorded_at, entry_hash, link)
SELECT %(chain)s::text, next.seq, next.prev, %(content)s::text, %(kind)s, %(subject_id)s, %(at)s,
       encode(sha256(convert_to(
           '{{"chain":"' || %(chain)s::text || '","content":"' || %(content)s::text
           || '","prev":"' || next.prev || '","recorded_at":"' || %(iso)s::text
           || '","seq":' || next.seq::text || ',"subject":"' || %(subject)s::text || '"}}',
           'UTF8')), 'hex'),
       ''
FROM next
"""


def _plain(record: Record) -> bool:
    return bool(_PLAIN_TEXT.fullmatch(f"{record.chain}{record.subject_kind}"))


def _append_in_one_statement(record: Record, now: datetime, recorded_at: str) -> None:
    content = sha256_hex(record.content)
    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND_SQL.format(table=LedgerEntry._meta.db_table),
            {
                "chain": record.chain,
                "genesis": GENESIS,
                "content": content,
                "kind": record.subject_kind,
                "subject_id": record.subject_id,
                "at": now,
                "iso": recorded_at,
                "subject": f"{record.subject_kind}:{record.subject_id}",
            },
        )


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

"""Verification of the whole ledger, streamed: every entry, every chain, every seal.

Reads the entries in the global order in chunks (never all at once), keeps one (seq, hash) per
chain and O(log n) Merkle state, and stops at the first problem, naming the entry or position.
Catches changes made directly in the database: an entry whose bytes no longer hash to its entry
hash (altered), a position or chain step that is missing (removed), one too many (inserted or
duplicated), or out of order (reordered), a seal whose signature, root or links do not hold, and,
with `check_records`, a sealed record (timeline event) whose canonical bytes changed or that has
no entry at all.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, NamedTuple

from django.db.models import QuerySet

from aftersales.evidence.formats import (
    GENESIS,
    MerkleBuilder,
    entry_document,
    link_hash,
    sha256_hex,
)
from aftersales.evidence.models import LedgerEntry, Seal, SigningKey
from aftersales.evidence.records import TIMELINE_EVENT, first_unsealed_timeline_event, record_contents
from aftersales.evidence.services import statement_of
from aftersales.evidence.signing import signature_valid

CHUNK = 5_000


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong. `code` is stable; `detail` is for people."""

    code: str
    detail: str
    entry_id: int | None = None
    position: int | None = None
    chain: str = ""
    seq: int | None = None
    seal: int | None = None
    subject: str = ""


@dataclass
class Report:
    entries: int = 0
    sealed: int = 0
    seals: int = 0
    records: int = 0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Failed(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


Progress = Callable[[int], None]


def ledger_verify(
    *,
    check_records: bool = True,
    trusted_keys: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check every seal and every entry; `report.problem` is the first failure or None.

    `trusted_keys` maps key ids to raw public keys (hex) to trust instead of the database's
    table (e.g. the keys published at the well-known URL, pinned by an auditor).
    `progress(n)` is called after each chunk with the number of entries just checked.
    """
    report = Report()
    try:
        seals = _check_seals(report, trusted_keys)
        _check_entries(report, seals, check_records, progress)
        if check_records:
            _check_every_record_has_an_entry(report)
    except _Failed as failed:
        report.problem = failed.problem
    return report


def _check_seals(report: Report, trusted_keys: dict[str, str] | None) -> list[Seal]:
    keys = (
        trusted_keys
        if trusted_keys is not None
        else dict(SigningKey.objects.values_list("key_id", "public_key"))
    )
    seals = list(Seal.objects.order_by("number"))
    previous: Seal | None = None
    for seal in seals:
        expected_number = previous.number + 1 if previous else 1
        expected_first = previous.last_position + 1 if previous else 1
        expected_previous = sha256_hex(statement_of(previous)) if previous else GENESIS
        public_key = keys.get(seal.key_id)
        found = None
        if seal.number != expected_number:
            found = ("seal_missing", f"seal {expected_number} is missing")
        elif seal.previous_seal != expected_previous:
            found = ("seal_chain_broken", f"seal {seal.number} does not follow seal {expected_number - 1}")
        elif seal.first_position != expected_first or seal.last_position < seal.first_position:
            found = (
                "seal_range_invalid",
                f"seal {seal.number} covers positions {seal.first_position}-{seal.last_position};"
                f" the next seal starts at {expected_first}",
            )
        elif public_key is None:
            found = (
                "seal_key_unknown",
                f"seal {seal.number} names key {seal.key_id}, which is not published",
            )
        elif not signature_valid(
            public_key_hex=public_key, signature_hex=seal.signature, message=statement_of(seal)
        ):
            found = (
                "seal_signature_invalid",
                f"seal {seal.number}: the signature does not match its statement",
            )
        if found is not None:
            raise _Failed(Problem(*found, seal=expected_number))
        previous = seal
    report.seals = len(seals)
    return seals


class _Row(NamedTuple):
    id: int
    chain: str
    seq: int
    prev: str
    content: str
    subject_kind: str
    subject_id: int
    recorded_at: datetime
    entry_hash: str
    position: int | None
    link: str

    @property
    def subject(self) -> str:
        return f"{self.subject_kind}:{self.subject_id}"

    def problem(self, code: str, detail: str, **where: Any) -> Problem:
        located = {
            "entry_id": self.id,
            "position": self.position,
            "chain": self.chain,
            "seq": self.seq,
            "subject": self.subject,
        }
        return Problem(code, detail, **{**located, **where})


def _rows(queryset: QuerySet[LedgerEntry]) -> Iterator[_Row]:
    for values in queryset.values_list(*_Row._fields).iterator(chunk_size=CHUNK):
        yield _Row(*values)


def _chunks(rows: Iterator[_Row]) -> Iterator[list[_Row]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _check_entries(report: Report, seals: list[Seal], check_records: bool, progress: Progress | None) -> None:
    heads: dict[str, tuple[int, str]] = {}
    seal_index = 0
    builder = MerkleBuilder()
    expected_position = 1
    link = GENESIS
    last_sealed = seals[-1].last_position if seals else 0
    streams = (
        (True, _rows(LedgerEntry.objects.filter(position__isnull=False).order_by("position", "id"))),
        (False, _rows(LedgerEntry.objects.filter(position__isnull=True).order_by("id"))),
    )
    for sealed, rows in streams:
        for chunk in _chunks(rows):
            records = _record_contents(chunk) if check_records else None
            for row in chunk:
                # 1. Its place in the global order (sealed entries only).
                if sealed:
                    assert row.position is not None
                    if row.position > expected_position:
                        raise _Failed(
                            row.problem(
                                "entry_missing",
                                f"position {expected_position} is missing (removed), before entry {row.id}",
                                position=expected_position,
                            )
                        )
                    if row.position < expected_position:
                        raise _Failed(
                            row.problem(
                                "entry_inserted",
                                f"entry {row.id} repeats position {row.position} (inserted or duplicated)",
                            )
                        )
                    if row.position > last_sealed:
                        raise _Failed(
                            row.problem(
                                "entry_inserted",
                                f"entry {row.id} claims position {row.position}, which no seal covers",
                            )
                        )
                # 2. Its own bytes.
                document = entry_document(
                    chain=row.chain,
                    seq=row.seq,
                    prev=row.prev,
                    content=row.content,
                    recorded_at=row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
                    subject=row.subject,
                )
                if sha256_hex(document) != row.entry_hash:
                    raise _Failed(
                        row.problem(
                            "entry_altered",
                            f"entry {row.id} (chain {row.chain}, seq {row.seq}) was altered:"
                            " its fields no longer hash to its entry hash",
                        )
                    )
                # 3. The global order's link, which fixes the entry at its position.
                if sealed:
                    link = link_hash(link, row.position, row.entry_hash)  # type: ignore[arg-type]
                    if link != row.link:
                        raise _Failed(
                            row.problem(
                                "entry_reordered",
                                f"entry {row.id} is not the entry sealed at position {row.position}"
                                " (inserted, replaced or reordered)",
                            )
                        )
                elif row.position is not None or row.link:
                    raise _Failed(row.problem("entry_inserted", f"entry {row.id} has a link but no position"))
                # 4. Its chain: the next seq, linked to the previous entry's hash.
                last_seq, last_hash = heads.get(row.chain, (0, GENESIS))
                if row.seq > last_seq + 1:
                    raise _Failed(
                        row.problem(
                            "chain_broken",
                            f"chain {row.chain}: seq {last_seq + 1}..{row.seq - 1} missing (removed),"
                            f" before entry {row.id}",
                            seq=last_seq + 1,
                        )
                    )
                if row.seq <= last_seq:
                    raise _Failed(
                        row.problem(
                            "chain_broken",
                            f"chain {row.chain}: seq {row.seq} repeated or out of order"
                            f" (inserted, duplicated or reordered), at entry {row.id}",
                        )
                    )
                if row.prev != last_hash:
                    raise _Failed(
                        row.problem(
                            "chain_broken",
                            f"chain {row.chain}: entry {row.id} (seq {row.seq}) does not follow seq {last_seq}",
                        )
                    )
                heads[row.chain] = (row.seq, row.entry_hash)
                # 5. The record it seals, as it is now.
                if records is not None:
                    _check_record(records, row)
                    report.records += 1
                # 6. The seal's Merkle root, when its last position is reached.
                if sealed:
                    builder.add(bytes.fromhex(row.entry_hash))
                    seal = seals[seal_index]
                    if row.position == seal.last_position:
                        if builder.root().hex() != seal.merkle_root or link != seal.last_link:
                            raise _Failed(
                                row.problem(
                                    "seal_root_mismatch",
                                    f"seal {seal.number}: positions {seal.first_position}-{seal.last_position}"
                                    " do not give its Merkle root",
                                    seal=seal.number,
                                )
                            )
                        seal_index += 1
                        builder = MerkleBuilder()
                    expected_position = row.position + 1  # type: ignore[operator]
                    report.sealed += 1
                report.entries += 1
            if progress is not None:
                progress(len(chunk))
    if expected_position <= last_sealed:
        raise _Failed(
            Problem(
                "entry_missing",
                f"positions {expected_position}-{last_sealed} are missing (removed) at the end of the sealed ledger",
                position=expected_position,
            )
        )


def _record_contents(chunk: list[_Row]) -> dict[tuple[str, int], bytes]:
    return record_contents((row.subject_kind, row.subject_id) for row in chunk)


def _check_record(records: dict[tuple[str, int], bytes], row: _Row) -> None:
    current = records.get((row.subject_kind, row.subject_id))
    if current is None:
        raise _Failed(
            row.problem("record_missing", f"{row.subject} sealed by entry {row.id} no longer exists")
        )
    if sha256_hex(current) != row.content:
        raise _Failed(
            row.problem("record_altered", f"{row.subject} was changed after entry {row.id} sealed it")
        )


def _check_every_record_has_an_entry(report: Report) -> None:
    sealed_ids = LedgerEntry.objects.filter(subject_kind=TIMELINE_EVENT).values("subject_id")
    orphan = first_unsealed_timeline_event(sealed_ids)
    if orphan is not None:
        raise _Failed(
            Problem(
                "record_unsealed",
                f"timeline_event {orphan[0]} (complaint {orphan[1]}) has no ledger entry:"
                " inserted directly, or its entry was removed",
                subject=f"{TIMELINE_EVENT}:{orphan[0]}",
            )
        )

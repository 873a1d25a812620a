"""Verification of the whole ledger, streamed: every entry, every chain, every seal.

Reads the entries in the global order in chunks (never all at once), keeps one (seq, hash) per
chain and O(log n) Merkle state, and stops at the first problem, naming the entry or position.
Catches changes made directly in the database: an entry whose bytes no longer hash to its entry
hash (altered), a position or chain step that is missing (removed), one too many (inserted or
duplicated), or out of order (reordered), a seal whose signature, root or links do not hold, and,
with `check_records`, a sealed record (timeline event) whose canonical bytes changed or that has
no entry at all.
"""

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connection

from aftersales.evidence.formats import GENESIS, entry_document, iso_time, merkle_root, sha256_hex
from aftersales.evidence.models import LedgerEntry, Seal, SigningKey
from aftersales.evidence.records import TIMELINE_EVENT, first_unsealed_timeline_event, record_contents
from aftersales.evidence.services import statement_of
from aftersales.evidence.signing import signature_valid
from aftersales.evidence.timestamps import TimestampInvalid, timestamp_token_verify

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
        elif seal.timestamp_token and (reason := _timestamp_problem(seal)) is not None:
            found = ("seal_timestamp_invalid", f"seal {seal.number}: its RFC 3161 time-stamp {reason}")
        if found is not None:
            raise _Failed(Problem(*found, seal=expected_number))
        previous = seal
    report.seals = len(seals)
    return seals


def _timestamp_problem(seal: Seal) -> str | None:
    """Why the seal's stored time-stamp token does not hold for its statement, or None."""
    token = seal.timestamp_token
    if token is None:
        return None
    try:
        timestamp_token_verify(bytes(token), hashlib.sha256(statement_of(seal)).digest())
    except TimestampInvalid as exc:
        return f"does not hold: {exc}"
    except OSError as exc:
        return f"cannot be checked: {exc}"
    return None


class _Row(NamedTuple):
    id: int
    chain: str
    seq: int
    prev: str
    content: str
    subject_kind: str
    subject_id: int
    recorded_at: object  # datetime, or SQLite's text
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


_COLUMNS = (
    "id, chain, seq, prev, content, subject_kind, subject_id, {recorded_at}, entry_hash, position, link"
)
# recorded_at as text in `iso_time` form (PostgreSQL) or as stored (SQLite), so that no datetime
# object is built per row; `_iso` finishes the SQLite form.
_RECORDED_AT = {
    "postgresql": "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
    "sqlite": (
        "CASE WHEN length(recorded_at) = 19 THEN replace(recorded_at, ' ', 'T') || '.000000+00:00'"
        " ELSE replace(recorded_at, ' ', 'T') || '+00:00' END"
    ),
}
_SAFE_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII, no quote or backslash


def _pages(sealed: bool) -> Iterator[list[tuple]]:
    """The entries in pages of CHUNK rows, by keyset (position, id) or id: bounded memory on any database.

    Raw rows, without the ORM's per-value converters: verification reads every entry.
    """
    table = LedgerEntry._meta.db_table
    columns = _COLUMNS.format(recorded_at=_RECORDED_AT.get(connection.vendor, "recorded_at"))
    if sealed:
        sql = f"SELECT {columns} FROM {table} WHERE position >= %s ORDER BY position, id LIMIT %s"
        after: tuple[int, int] = (-(2**62), 0)
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, [after[0], CHUNK + 1])
                rows = cursor.fetchall()
            skip = 0  # the rows of the last position already read (only if positions repeat)
            while skip < len(rows) and (rows[skip][9], rows[skip][0]) <= after:
                skip += 1
            rows = rows[skip:] if skip else rows
            if not rows:
                return
            yield rows
            after = (rows[-1][9], rows[-1][0])
    else:
        sql = f"SELECT {columns} FROM {table} WHERE position IS NULL AND id > %s ORDER BY id LIMIT %s"
        last_id = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, [last_id, CHUNK])
                rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last_id = rows[-1][0]


def _iso(value: object) -> str:
    """A stored time in `iso_time` form: from a datetime (naive ones are UTC) or from stored text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite's converter: naive, in UTC
            return value.isoformat(timespec="microseconds") + "+00:00"
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    text = str(value)
    if len(text) == 32 and text[10] == "T":  # already in iso_time form
        return text
    if len(text) == 26 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}+00:00"
    if len(text) == 19 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}.000000+00:00"
    moment = datetime.fromisoformat(text)
    return iso_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _document(chain: str, seq: int, prev: str, content: str, recorded_at: str, subject: str) -> bytes:
    if _SAFE_TEXT.fullmatch(f"{chain}{prev}{content}{subject}") and type(seq) is int:
        return (
            f'{{"chain":"{chain}","content":"{content}","prev":"{prev}",'
            f'"recorded_at":"{recorded_at}","seq":{seq},"subject":"{subject}"}}'
        ).encode()
    return entry_document(
        chain=chain, seq=seq, prev=prev, content=content, recorded_at=recorded_at, subject=subject
    )


def _check_entries(report: Report, seals: list[Seal], check_records: bool, progress: Progress | None) -> None:
    heads: dict[str, tuple[int, str]] = {}
    seal_index = 0
    leaves: list[bytes] = []
    add_leaf = leaves.append
    expected_position = 1
    link = bytes(32)  # GENESIS
    last_sealed = seals[-1].last_position if seals else 0
    next_seal_end = seals[0].last_position if seals else 0
    sha256 = hashlib.sha256
    safe_text = _SAFE_TEXT.fullmatch
    for sealed in (True, False):
        for page in _pages(sealed):
            records = _record_contents([_Row(*row) for row in page]) if check_records else None
            for row in page:
                (
                    entry_id,
                    chain,
                    seq,
                    prev,
                    content,
                    subject_kind,
                    subject_id,
                    at,
                    entry_hash,
                    position,
                    stored_link,
                ) = row
                subject = f"{subject_kind}:{subject_id}"
                # 1. Its place in the global order (sealed entries only).
                if sealed:
                    if position != expected_position:
                        _order_problem(_Row(*row), expected_position, last_sealed)
                    if position > last_sealed:
                        raise _Failed(
                            _Row(*row).problem(
                                "entry_inserted",
                                f"entry {entry_id} claims position {position}, which no seal covers",
                            )
                        )
                # 2. Its own bytes.
                iso = at if type(at) is str and len(at) == 32 else _iso(at)
                if safe_text(f"{chain}{prev}{content}{subject}") and type(seq) is int:
                    document = (
                        f'{{"chain":"{chain}","content":"{content}","prev":"{prev}",'
                        f'"recorded_at":"{iso}","seq":{seq},"subject":"{subject}"}}'
                    ).encode()
                else:
                    document = _document(chain, seq, prev, content, iso, subject)
                digest = sha256(document).digest()
                if digest.hex() != entry_hash:
                    raise _Failed(
                        _Row(*row).problem(
                            "entry_altered",
                            f"entry {entry_id} (chain {chain}, seq {seq}) was altered:"
                            " its fields no longer hash to its entry hash",
                        )
                    )
                # 3. The global order's link, which fixes the entry at its position.
                if sealed:
                    link = sha256(link + position.to_bytes(8, "big") + digest).digest()
                    if link.hex() != stored_link:
                        raise _Failed(
                            _Row(*row).problem(
                                "entry_reordered",
                                f"entry {entry_id} is not the entry sealed at position {position}"
                                " (inserted, replaced or reordered)",
                            )
                        )
                elif position is not None or stored_link:
                    raise _Failed(
                        _Row(*row).problem("entry_inserted", f"entry {entry_id} has a link but no position")
                    )
                # 4. Its chain: the next seq, linked to the previous entry's hash.
                last_seq, last_hash = heads.get(chain, _CHAIN_START)
                if seq != last_seq + 1 or prev != last_hash:
                    _chain_problem(_Row(*row), last_seq, last_hash)
                heads[chain] = (seq, entry_hash)
                # 5. The record it seals, as it is now.
                if records is not None:
                    _check_record(records, _Row(*row))
                    report.records += 1
                # 6. The seal's Merkle root, when its last position is reached.
                if sealed:
                    add_leaf(digest)
                    if position == next_seal_end:
                        seal = seals[seal_index]
                        if merkle_root(leaves).hex() != seal.merkle_root or link.hex() != seal.last_link:
                            raise _Failed(
                                _Row(*row).problem(
                                    "seal_root_mismatch",
                                    f"seal {seal.number}: positions {seal.first_position}-{seal.last_position}"
                                    " do not give its Merkle root",
                                    seal=seal.number,
                                )
                            )
                        seal_index += 1
                        next_seal_end = seals[seal_index].last_position if seal_index < len(seals) else 0
                        leaves = []
                        add_leaf = leaves.append
                    expected_position = position + 1
                    report.sealed += 1
            report.entries += len(page)
            if progress is not None:
                progress(len(page))
    if expected_position <= last_sealed:
        raise _Failed(
            Problem(
                "entry_missing",
                f"positions {expected_position}-{last_sealed} are missing (removed) at the end of the sealed ledger",
                position=expected_position,
            )
        )


_CHAIN_START = (0, GENESIS)


def _order_problem(row: _Row, expected_position: int, last_sealed: int) -> None:
    assert row.position is not None
    if row.position > expected_position:
        raise _Failed(
            row.problem(
                "entry_missing",
                f"position {expected_position} is missing (removed), before entry {row.id}",
                position=expected_position,
            )
        )
    raise _Failed(
        row.problem(
            "entry_inserted", f"entry {row.id} repeats position {row.position} (inserted or duplicated)"
        )
    )


def _chain_problem(row: _Row, last_seq: int, last_hash: str) -> None:
    if row.seq > last_seq + 1:
        raise _Failed(
            row.problem(
                "chain_broken",
                f"chain {row.chain}: seq {last_seq + 1}..{row.seq - 1} missing (removed), before entry {row.id}",
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
    raise _Failed(
        row.problem(
            "chain_broken",
            f"chain {row.chain}: entry {row.id} (seq {row.seq}) does not follow seq {last_seq}",
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

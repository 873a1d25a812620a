"""The evidence ledger: append cost, intake with and without it, concurrent appends, verification.

    .venv/bin/python bench/evidence_bench.py [--db sqlite|postgres|both] [--entries 1000000]
                                             [--intake 300] [--appends 2000]

For each database, on a fresh database (bench/run.py's `prepare_database`), in one process:
  append      ledger_append of one event inside a transaction, on chains that already have
              entries (`appends` of them; mean, p50, p99 in ms). Bar (issue 16): <= 0.5 ms.
  intake      complaint_submit in-process, alternating blocks of 25 with the ledger on and off
              (off: the append replaced by a no-op), `intake` complaints each; complaints/s and
              the ratio. Bar: on within 10 % of off.
  concurrent  thread A appends to its complaint's chain and holds its transaction open 200 ms;
              thread B appends to another complaint's chain meanwhile: B's append time.
              (PostgreSQL only: SQLite locks the whole database for any writer.)
  records     `aftersales evidence verify` with the records re-hashed, on the intake's entries.
  verify      `entries` synthetic entries over entries/10 chains, sealed 10,000 to a seal and
              signed, inserted in bulk; then the streamed verification of chains and seals
              (ledger_verify(check_records=False)), wall time and peak RSS.
              Bar: 1,000,000 entries with their seals <= 10 s.
"""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, ROOT, percentile, prepare_database  # noqa: E402


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def bench_append(count: int) -> None:
    from django.db import transaction

    from aftersales.evidence.ledger import Record, ledger_append

    chains = [f"complaint:BENCH-{i:05d}" for i in range(200)]
    for chain in chains:
        ledger_append(records=[Record(chain=chain, subject_kind="bench", subject_id=0, content=b"{}")])
    payload = json.dumps({"kind": "message_in", "payload": {"sha256": "a" * 64, "channel": "app"}}).encode()
    times = []
    for i in range(count):
        record = Record(chain=chains[i % len(chains)], subject_kind="bench", subject_id=i, content=payload)
        with transaction.atomic():
            t0 = time.perf_counter()
            ledger_append(records=[record])
            times.append((time.perf_counter() - t0) * 1000)
    ms = sorted(times)
    emit(
        scenario="append: one event in its transaction",
        appends=count,
        mean_ms=round(statistics.fmean(ms), 3),
        p50_ms=round(percentile(ms, 50), 3),
        p99_ms=round(percentile(ms, 99), 3),
    )


def bench_intake(total: int) -> None:
    from stdnum import luhn

    from aftersales.accounts.actors import ANONYMOUS
    from aftersales.complaints import events
    from aftersales.complaints.models import TimelineEvent
    from aftersales.evidence.models import LedgerEntry
    from aftersales.intake.services import complaint_submit
    from aftersales.intake.submission import Submission
    from aftersales.notifications.services import notifications_suppressed

    real_append = events.ledger_append
    serial = [0]

    def submit_block(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            serial[0] += 1
            body = f"35300000{serial[0]:06d}"
            complaint_submit(
                actor=ANONYMOUS,
                submission=Submission(
                    channel="app",
                    text=f"第{serial[0]}号:手机充电很慢,电池掉电也快,充一晚上才到80%",
                    phone=f"+86137{serial[0]:08d}",
                    imei=body + luhn.calc_check_digit(body),
                ),
            )
        return time.perf_counter() - started

    seconds = {"on": 0.0, "off": 0.0}
    done = {"on": 0, "off": 0}
    block = 25
    with notifications_suppressed():
        submit_block(10)  # warm-up: caches, the policy pack, the triage model
        while done["on"] < total:
            for mode in ("off", "on") if done["on"] % (2 * block) else ("on", "off"):
                events.ledger_append = real_append if mode == "on" else (lambda *, records: [])  # type: ignore[assignment]
                seconds[mode] += submit_block(block)
                done[mode] += block
    events.ledger_append = real_append
    rate = {mode: done[mode] / seconds[mode] for mode in seconds}
    emit(
        scenario="intake in-process, ledger on vs off",
        complaints_each=total,
        on_per_s=round(rate["on"], 1),
        off_per_s=round(rate["off"], 1),
        on_vs_off=f"{(rate['on'] / rate['off'] - 1) * 100:+.1f} %",
        events_per_complaint=round(TimelineEvent.objects.count() / (done["on"] + done["off"] + 10), 2),
        entries=LedgerEntry.objects.filter(subject_kind="timeline_event").count(),
    )


def bench_concurrent(vendor: str) -> None:
    """B's append time while A's transaction (with its own append) stays open, against A committing at once."""
    if vendor != "postgresql":
        emit(
            scenario="concurrent appends", skipped="SQLite allows one writer at a time for the whole database"
        )
        return
    from django.db import connection, transaction

    from aftersales.evidence.ledger import Record, ledger_append

    def one_round(hold: float) -> float:
        appended, done = threading.Event(), threading.Event()
        result: dict[str, float] = {}

        def thread_a() -> None:
            with transaction.atomic():
                ledger_append(
                    records=[
                        Record(chain="complaint:HOLD-A", subject_kind="bench", subject_id=1, content=b"a")
                    ]
                )
                appended.set()
                time.sleep(hold)
            done.set()
            connection.close()

        def thread_b() -> None:
            connection.ensure_connection()
            appended.wait()
            if not hold:
                done.wait()
            with transaction.atomic():
                t0 = time.perf_counter()
                ledger_append(
                    records=[
                        Record(chain="complaint:HOLD-B", subject_kind="bench", subject_id=2, content=b"b")
                    ]
                )
                result["ms"] = (time.perf_counter() - t0) * 1000
            connection.close()

        threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return result["ms"]

    one_round(0.0)
    figures = {}
    for label, hold in (("alone", 0.0), ("while A holds 200 ms", 0.2)):
        ms = sorted(one_round(hold) for _ in range(20))
        figures[label] = {"p50_ms": round(percentile(ms, 50), 3), "max_ms": round(ms[-1], 3)}
    emit(scenario="concurrent: B appends to its complaint's chain", rounds=20, **figures)


def bench_records() -> None:
    from aftersales.accounts.actors import SYSTEM
    from aftersales.evidence.models import LedgerEntry, Seal
    from aftersales.evidence.services import seal_all
    from aftersales.evidence.verify import ledger_verify

    LedgerEntry.objects.exclude(subject_kind="timeline_event").delete()
    seal_all(actor=SYSTEM)
    started = time.perf_counter()
    report = ledger_verify(check_records=True)
    wall = time.perf_counter() - started
    # The complaints taken with the ledger off have no entries: the one problem expected.
    assert report.problem is not None and report.problem.code == "record_unsealed", report.problem
    emit(
        scenario="verify with records re-hashed (intake's timeline)",
        entries=report.entries,
        seals=Seal.objects.count(),
        seconds=round(wall, 3),
        us_per_entry=round(wall / report.entries * 1e6, 1),
    )


def seed_synthetic(entries: int, per_seal: int = 10_000) -> float:
    """Entries over entries/10 chains, in bulk, with positions, links and signed seals."""
    from aftersales.common import clock
    from aftersales.evidence.formats import (
        GENESIS,
        MerkleBuilder,
        entry_document,
        iso_time,
        link_hash,
        sha256_hex,
    )
    from aftersales.evidence.models import LedgerEntry, Seal
    from aftersales.evidence.services import statement_of
    from aftersales.evidence.signing import current_signer

    started = time.perf_counter()
    LedgerEntry.objects.all().delete()
    Seal.objects.all().delete()
    key_id, private_key = current_signer()
    chains = max(1, entries // 10)
    heads: dict[int, tuple[int, str]] = {}
    rng = random.Random(16)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    link = GENESIS
    previous_seal = None
    builder = MerkleBuilder()
    batch: list[LedgerEntry] = []
    first = 1
    for position in range(1, entries + 1):
        chain_number = rng.randrange(chains)
        seq, prev = heads.get(chain_number, (0, GENESIS))
        seq += 1
        chain = f"complaint:SYN-{chain_number:07d}"
        at = base + timedelta(seconds=position)
        content = sha256_hex(f"record {position}".encode())
        entry_hash = sha256_hex(
            entry_document(
                chain=chain,
                seq=seq,
                prev=prev,
                content=content,
                recorded_at=iso_time(at),
                subject=f"bench:{position}",
            )
        )
        heads[chain_number] = (seq, entry_hash)
        link = link_hash(link, position, entry_hash)
        builder.add(bytes.fromhex(entry_hash))
        batch.append(
            LedgerEntry(
                chain=chain,
                seq=seq,
                prev=prev,
                content=content,
                subject_kind="bench",
                subject_id=position,
                recorded_at=at,
                entry_hash=entry_hash,
                position=position,
                link=link,
            )
        )
        if len(batch) == 10_000:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
        if position % per_seal == 0 or position == entries:
            seal = Seal(
                number=(previous_seal.number + 1) if previous_seal else 1,
                first_position=first,
                last_position=position,
                merkle_root=builder.root().hex(),
                last_link=link,
                previous_seal=sha256_hex(statement_of(previous_seal)) if previous_seal else GENESIS,
                sealed_at=clock.now(),
                key_id=key_id,
            )
            seal.signature = private_key.sign(statement_of(seal)).hex()
            seal.save()
            previous_seal, first, builder = seal, position + 1, MerkleBuilder()
    if batch:
        LedgerEntry.objects.bulk_create(batch)
    return time.perf_counter() - started


def bench_verify(entries: int) -> None:
    from django.db import connection

    from aftersales.evidence.verify import ledger_verify

    seed_seconds = seed_synthetic(entries)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        report = ledger_verify(check_records=False)
        runs.append(time.perf_counter() - started)
        assert report.ok, report.problem
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    emit(
        scenario="verify chains and seals (streamed)",
        entries=report.entries,
        seals=report.seals,
        seed_seconds=round(seed_seconds, 1),
        seconds=[round(x, 2) for x in runs],
        per_million_s=round(min(runs) / report.entries * 1_000_000, 2),
        peak_rss_growth_mib=round((rss_after - rss_before) / 1024, 1),
    )


def inner(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    from aftersales.evidence.signing import signing_key_generate

    signing_key_generate()
    vendor = connection.vendor
    emit(db=vendor)
    bench_append(args.appends)
    bench_intake(args.intake)
    bench_concurrent(vendor)
    bench_records()
    bench_verify(args.entries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--intake", type=int, default=300)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    emit(
        machine=platform.node(),
        cpus=os.cpu_count(),
        python=platform.python_version(),
        date=datetime.now(UTC).isoformat(timespec="minutes"),
    )
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = prepare_database(db)
        subprocess.run([PYTHON, "-m", "config.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        command = [PYTHON, str(Path(__file__).resolve()), "--inner"]
        command += [
            "--entries",
            str(args.entries),
            "--intake",
            str(args.intake),
            "--appends",
            str(args.appends),
        ]
        subprocess.run(command, env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()

"""Dispatch on intake: what choosing an outlet adds to opening a complaint.

    .venv/bin/python bench/dispatch_bench.py [--db sqlite|postgres|both] [--outlets 10000] [--intake 300]

For each database, on a fresh database (bench/run.py's `prepare_database`): imports an
outlet list of `outlets` rows around the 72 demo cities (bench/network_bench.py's), then runs
`complaint_submit` in-process in alternating blocks of 25: with the customer's location (the
complaint is dispatched in the intake's transaction: index, queues, today's dispatches, the
dispatch row and its timeline event) and without (it waits for staff). Prints complaints per
second each way and the statements each way issues.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.network_bench import write_outlet_list  # noqa: E402
from bench.run import PG_BENCH_DB, PYTHON, ROOT, prepare_database  # noqa: E402


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def bench_intake(total: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from stdnum import luhn

    from aftersales.accounts.actors import ANONYMOUS
    from aftersales.demo.outlets import city_table
    from aftersales.intake.services import complaint_submit
    from aftersales.intake.submission import Submission
    from aftersales.network.models import Dispatch
    from aftersales.notifications.services import notifications_suppressed

    rng = random.Random(7)
    cities = city_table()
    serial = [0]

    def submission(located: bool) -> Submission:
        serial[0] += 1
        body = f"35300000{serial[0]:06d}"
        city = rng.choice(cities)
        return Submission(
            channel="app",
            text=f"第{serial[0]}号:手机充电很慢,电池掉电也快,充一晚上才到80%",
            phone=f"+86137{serial[0]:08d}",
            imei=body + luhn.calc_check_digit(body),
            lat=city["lat"] + rng.uniform(-0.05, 0.05) if located else None,
            lon=city["lon"] + rng.uniform(-0.05, 0.05) if located else None,
        )

    def submit_block(n: int, located: bool) -> float:
        started = time.perf_counter()
        for _ in range(n):
            complaint_submit(actor=ANONYMOUS, submission=submission(located))
        return time.perf_counter() - started

    def statements(located: bool) -> int:
        with CaptureQueriesContext(connection) as queries:
            complaint_submit(actor=ANONYMOUS, submission=submission(located))
        return len(queries)

    seconds = {"located": 0.0, "plain": 0.0}
    done = {"located": 0, "plain": 0}
    block = 25
    with notifications_suppressed():
        submit_block(10, True)  # warm-up: caches, the policy pack, the triage model, the finder's index
        before = Dispatch.objects.count()
        while done["located"] < total:
            for mode in ("plain", "located") if done["located"] % (2 * block) else ("located", "plain"):
                seconds[mode] += submit_block(block, mode == "located")
                done[mode] += block
        dispatched = Dispatch.objects.count() - before
        counts = {mode: statements(mode == "located") for mode in ("located", "plain")}
    rate = {mode: done[mode] / seconds[mode] for mode in seconds}
    emit(
        scenario="intake in-process, with the customer's location (dispatched) vs without",
        complaints_each=total,
        located_per_s=round(rate["located"], 1),
        plain_per_s=round(rate["plain"], 1),
        located_vs_plain=f"{(rate['located'] / rate['plain'] - 1) * 100:+.1f} %",
        dispatched=dispatched,
        statements_located=counts["located"],
        statements_plain=counts["plain"],
    )


def inner(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    emit(db=connection.vendor)
    bench_intake(args.intake)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--outlets", type=int, default=10_000)
    parser.add_argument("--intake", type=int, default=300)
    parser.add_argument(
        "--pg-database", default=PG_BENCH_DB, help="the PostgreSQL database to drop and create"
    )
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
        outlets=args.outlets,
    )
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = prepare_database(db, args.pg_database)
        subprocess.run([PYTHON, "-m", "config.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        with tempfile.TemporaryDirectory() as folder:
            outlets = Path(folder) / "outlets.csv"
            # The list is made from the demo cities and the pack (no database).
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            import django

            django.setup()
            write_outlet_list(outlets, args.outlets)
            subprocess.run(
                [PYTHON, "-m", "config.cli", "outlets", "import", str(outlets), "--no-progress"],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        command = [PYTHON, str(Path(__file__).resolve()), "--inner", "--intake", str(args.intake)]
        subprocess.run(command, env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()

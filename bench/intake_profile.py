"""Where an intake's time goes, in-process: the full request path of `POST /api/v1/complaints`.

    .venv/bin/python bench/intake_profile.py [--db sqlite|postgres] [--intakes 600] [--top 25]

On a fresh, migrated database (SQLite file or PostgreSQL, bench/run.py's `prepare_database`),
posts the bench's intake body through Django's test client (middleware, the Ninja schema,
`complaint_submit`, the receipt) with the Celery broker of the HTTP bench (`filesystem://`
unless CELERY_BROKER_URL says otherwise). Prints, as JSON lines:

- per intake: wall time, CPU time of this process (steadier than wall time on a shared
  machine; the database server's own CPU on PostgreSQL is not in it: it is given apart, as
  `server_cpu_ms_per_intake`, when the server runs on this machine), time inside the write transaction (the lock SQLite holds; on
  PostgreSQL the time its row locks last), statements issued, and the after-commit
  notification publish (`notify_customer_task.delay`);
- a cProfile of the same loop: the functions with the most cumulative and own time.

Single process, no HTTP: the figures are CPU per intake, the ceiling a worker can reach.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import ROOT, prepare_database  # noqa: E402

BODY = {
    "channel": "app",
    "text": "第{index}号测试:手机充电很慢,电池掉电也快,用原装充电器充一晚上才到80%",
    "phone": "+86137{index:08d}",
    "name": "压测用户",
    "city": "上海",
}


def body_of(index: int) -> bytes:
    return json.dumps({k: v.format(index=index) for k, v in BODY.items()}).encode()


class LockClock:
    """Time from the outermost atomic block's BEGIN to its COMMIT, per request."""

    def __init__(self) -> None:
        self.held: list[float] = []
        # Time to get the transaction started: on SQLite, waiting for the write lock.
        self.waited: list[float] = []
        self._started = 0.0

    def install(self) -> None:
        from django.db import connection, transaction

        original_enter = transaction.Atomic.__enter__
        original_exit = transaction.Atomic.__exit__
        clock = self

        def enter(atomic):  # type: ignore[no-untyped-def]
            if connection.in_atomic_block:
                return original_enter(atomic)
            asked = time.perf_counter()
            try:
                return original_enter(atomic)
            finally:
                clock._started = time.perf_counter()
                clock.waited.append(clock._started - asked)

        def leave(atomic, *exc):  # type: ignore[no-untyped-def]
            try:
                return original_exit(atomic, *exc)
            finally:
                if not connection.in_atomic_block:
                    clock.held.append(time.perf_counter() - clock._started)

        transaction.Atomic.__enter__ = enter  # type: ignore[method-assign]
        transaction.Atomic.__exit__ = leave  # type: ignore[method-assign]


class ServerClock:
    """CPU time of this connection's PostgreSQL backend (read from /proc: the server runs on
    this machine in the bench), None on SQLite or where it cannot be read. The backend shares
    the cores with the workers, so its CPU per intake counts as much as theirs."""

    def __init__(self, connection) -> None:  # type: ignore[no-untyped-def]
        self.stat: Path | None = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.started = self._now()

    def _now(self) -> float | None:
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split() if self.stat else None
        except OSError:
            return None
        # utime and stime, the 14th and 15th fields, in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else None

    def spent(self) -> float | None:
        now = self._now()
        return now - self.started if now is not None and self.started is not None else None


class PublishClock:
    """Time spent publishing the acknowledgement task after commit."""

    def __init__(self) -> None:
        self.spent: list[float] = []

    def install(self) -> None:
        from aftersales.notifications.tasks import notify_customer_task

        original = notify_customer_task.delay
        clock = self

        def delay(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                clock.spent.append(time.perf_counter() - started)

        notify_customer_task.delay = delay  # type: ignore[method-assign]


# Where an intake's CPU goes: (label, module, attribute). Each is timed inclusively (a phase
# holds the ones it calls); module attributes are looked up when called, so replacing them
# times every call made through that module. "COMMIT and after-commit" is the outermost
# atomic block's exit; "request" the whole test-client request.
PHASES = [
    ("view: who is calling", "aftersales.intake.api", "actor_from_request"),
    ("view: uploads named", "aftersales.intake.api", "attachments_claimable"),
    ("view: complaint_submit", "aftersales.intake.api", "complaint_submit"),
    ("  validation", "aftersales.intake.services", "validate_submission"),
    ("  plan before the lock", "aftersales.intake.services", "_plan"),
    ("    triage_text (model + pack rules)", "aftersales.intake.services", "triage_text"),
    ("    triage_complaint", "aftersales.intake.services", "triage_complaint"),
    ("    complaint_draft (deadlines, terms)", "aftersales.intake.services", "complaint_draft"),
    ("    city_location", "aftersales.intake.services", "city_location"),
    ("  under the lock: _open_or_link", "aftersales.intake.services", "_open_or_link"),
    ("    customer_identify", "aftersales.intake.services", "customer_identify"),
    ("    complaint_open", "aftersales.intake.services", "complaint_open"),
    ("      number", "aftersales.complaints.services", "complaint_number_issue"),
    ("      complaint and message INSERTs", "aftersales.complaints.services", "rows_insert"),
    ("      search document", "aftersales.complaints.services", "search_index_write"),
    ("      timeline events INSERT", "aftersales.complaints.events", "rows_insert"),
    ("      ledger entries of the events", "aftersales.complaints.events", "ledger_append"),
    ("      outbox row", "aftersales.complaints.services", "_after_commit_notify_customer"),
    ("    complaint_dispatch_on_intake", "aftersales.intake.services", "complaint_dispatch_on_intake"),
    ("view: receipt", "aftersales.intake.api", "receipt"),
]


class PhaseClock:
    """CPU time of this process per phase of an intake (PHASES), inclusive."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, label: str, function):  # type: ignore[no-untyped-def]
        clock = self

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                clock.spent[label] = clock.spent.get(label, 0.0) + time.process_time() - started
                clock.calls[label] = clock.calls.get(label, 0) + 1

        return timed

    def install(self) -> None:
        import importlib

        from django.db import connection, transaction

        for label, module_name, attribute in PHASES:
            module = importlib.import_module(module_name)
            if hasattr(module, attribute):  # an older tree may lack one (to compare commits)
                setattr(module, attribute, self.wrap(label, getattr(module, attribute)))
        original_exit = transaction.Atomic.__exit__
        clock = self

        def leave(atomic, *exc):  # type: ignore[no-untyped-def]
            if connection.savepoint_ids or not connection.in_atomic_block:
                return original_exit(atomic, *exc)
            return clock.wrap("  COMMIT and after-commit", original_exit)(atomic, *exc)

        transaction.Atomic.__exit__ = leave  # type: ignore[method-assign]

    def report(self, intakes: int) -> dict:
        return {label: round(self.spent[label] * 1000 / intakes, 3) for label in self.spent}


def ms(values: list[float]) -> dict:
    ordered = sorted(v * 1000 for v in values)
    if not ordered:
        return {}
    return {
        "mean": round(statistics.fmean(ordered), 3),
        "p50": round(ordered[len(ordered) // 2], 3),
        "p95": round(ordered[int(len(ordered) * 0.95)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--intakes", type=int, default=600)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pg-database", default="aftersales_intake_profile")
    parser.add_argument("--no-publish", action="store_true", help="suppress the notification publish")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one intake")
    parser.add_argument("--dump", default="", help="also write the cProfile data to this file (pstats)")
    parser.add_argument(
        "--profile-clock",
        choices=["wall", "cpu"],
        default="wall",
        help="cProfile's clock: wall time, or this process's CPU time (steadier on a shared machine)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="intake loops in this many processes at once (as gunicorn workers)",
    )
    args = parser.parse_args()

    env = prepare_database(args.db, args.pg_database)
    os.environ.update(env)
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from aftersales.notifications.services import notifications_suppressed

    lock, publish = LockClock(), PublishClock()
    lock.install()
    publish.install()
    client = Client()
    statements: list[int] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[-1] += 1
        return execute(sql, params, many, context)

    def post(index: int) -> float:
        started = time.perf_counter()
        response = client.post("/api/v1/complaints", body_of(index), content_type="application/json")
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.content
        return elapsed

    suppressed = notifications_suppressed() if args.no_publish else None
    if suppressed is not None:
        suppressed.__enter__()
    for index in range(20):  # warm-up: the model, the policy pack, the finder, the statements
        post(10_000_000 + index)
    if args.show_sql:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            post(10_000_100)
        for query in queries.captured_queries:
            print(query["sql"][:300])
    lock.held.clear()
    lock.waited.clear()
    publish.spent.clear()
    connection.close()
    children = []
    for process in range(1, args.processes):
        pid = os.fork()
        if pid == 0:  # a worker of its own: its own connection, its own intakes
            process_index = process
            break
        children.append(pid)
    else:
        process_index = 0
    walls = []
    cpus = []
    server = ServerClock(connection)
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        for index in range(args.intakes):
            statements.append(0)
            cpu_started = time.process_time()
            walls.append(post(30_000_000 + 1_000_000 * process_index + index))
            cpus.append(time.process_time() - cpu_started)
    elapsed = time.perf_counter() - started
    server_cpu = server.spent()
    print(
        json.dumps(
            {
                "db": args.db,
                "process": process_index,
                "intakes": args.intakes,
                "per_second": round(len(walls) / elapsed, 1),
                "wall_ms": ms(walls),
                "cpu_ms": ms(cpus),
                "server_cpu_ms_per_intake": round(server_cpu * 1000 / args.intakes, 3)
                if server_cpu is not None
                else None,
                "load": [round(value, 2) for value in os.getloadavg()],
                "transaction_wait_ms": ms(lock.waited),
                "transaction_ms": ms(lock.held),
                "publish_ms": ms(publish.spent),
                "statements": statistics.median(statements),
            }
        ),
        flush=True,
    )
    if process_index:
        os._exit(0)
    for pid in children:
        os.waitpid(pid, 0)
    phases = PhaseClock()
    phases.install()
    total = phases.wrap("request (middleware, Ninja, view, response)", post)
    for index in range(args.intakes):
        total(40_000_000 + index)
    print(
        json.dumps(
            {"db": args.db, "cpu_ms_per_intake": phases.report(args.intakes)}, ensure_ascii=False, indent=1
        )
    )
    profiler = cProfile.Profile(time.process_time) if args.profile_clock == "cpu" else cProfile.Profile()
    profiler.enable()
    for index in range(args.intakes):
        post(20_000_000 + index)
    profiler.disable()
    if args.dump:
        profiler.dump_stats(args.dump)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(args.top)
        print(f"--- cProfile, {args.intakes} intakes, by {order} ---")
        print(
            "\n".join(line for line in out.getvalue().splitlines() if line.strip())[-(args.top + 3) * 200 :]
        )


if __name__ == "__main__":
    main()

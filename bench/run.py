"""HTTP benchmark of the platform against gunicorn (2 workers), on SQLite and PostgreSQL.

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--complaints 100000] [--copies 0]
                                  [--pg-database NAME] [--reuse] [--reads 40]
                                  [--only floor queue detail search desk]
                                  [--peer-work DIR]   # also run the django-helpdesk peer

A million on PostgreSQL, seeded once and kept (bench/seed_million.py):
    .venv/bin/python bench/run.py --db postgres --complaints 50000 --copies 19 \
        --pg-database bench_million --reuse --requests 0

Scenarios (the peer harness in ../shared/peers/django-helpdesk runs the same ones):
  intake  2,000 POST /api/v1/complaints at concurrency 8, one connection per request
  queue   GET /api/v1/complaints?team=agents (open, most overdue first, page of 25), sequential
  detail  GET /api/v1/complaints/{number} with 20 timeline events, sequential
  search  GET /api/v1/complaints/search?q=... for a two-character and a four-character Chinese
          query, an English word, a phone number, an IMEI and a complaint number as people type
          them, sequential
  desk    GET /desk/?queue=mine|team|overdue|waiting and /desk/complaints/{number}/ (20 events)
          signed in as agent1, sequential (with --copies or --reuse on PostgreSQL)
Only loopback addresses are used; every loop is bounded in count and time.
"""

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "aftersales_bench"


def percentile(sorted_values: list[float], p: float) -> float:
    k = (len(sorted_values) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (k - low)


def summary(name: str, latencies: list[float], wall: float, statuses: dict[int, int]) -> dict:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "scenario": name,
        "requests": len(ms),
        "rps": round(len(ms) / wall, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "statuses": statuses,
    }


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (Linux /proc; 0 for a process gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


# The processes that serve a request: set by bench_database (gunicorn workers and, on
# PostgreSQL, their backends). Their CPU time per request is what a request costs whatever the
# load of a shared machine; the wall time also holds the waiting for a core.
SERVER_PIDS: list[int] = []


def run_reads(port: int, name: str, path: str, token: str, count: int, cookie: str = "") -> dict:
    headers = {"Cookie": cookie} if cookie else {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        request(port, "GET", path, headers=headers)
    latencies, statuses = [], {}
    cpu_before = cpu_seconds(SERVER_PIDS)
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        status = request(port, "GET", path, headers=headers)
        latencies.append(time.perf_counter() - t0)
        statuses[status] = statuses.get(status, 0) + 1
        if time.perf_counter() - started > 120:
            break
    result = summary(name, latencies, time.perf_counter() - started, statuses)
    if SERVER_PIDS:
        result["server_cpu_ms"] = round((cpu_seconds(SERVER_PIDS) - cpu_before) * 1000 / len(latencies), 1)
    result["load_average_1m"] = round(os.getloadavg()[0], 1)
    return result


def run_intake(port: int, total: int, concurrency: int, first: int = 0) -> dict:
    """`total` intakes numbered from `first` (each its own customer's phone number)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(first, first + total))
    deadline = time.monotonic() + 600

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            body = json.dumps(
                {
                    "channel": "app",
                    "text": f"第{index}号测试:手机充电很慢,电池掉电也快,用原装充电器充一晚上才到80%",
                    "phone": f"+86137{index:08d}",
                    "name": "压测用户",
                    "city": "上海",
                }
            ).encode()
            t0 = time.perf_counter()
            status = request(port, "POST", "/api/v1/complaints", body, {"Content-Type": "application/json"})
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(f"intake POST c={concurrency}", latencies, time.perf_counter() - started, statuses)


def prepare_database(db: str, pg_database: str = PG_BENCH_DB) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    var = RESULTS / f"var-{db}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env["AFTERSALES_VAR_DIR"] = str(var)
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {pg_database}")
            admin.execute(f"CREATE DATABASE {pg_database}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_database}"
    return env


def seed(env: dict, complaints: int, copies: int = 0) -> dict:
    subprocess.run([PYTHON, "-m", "config.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [PYTHON, "-m", "config.cli", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    script = (
        "import django, json; django.setup();"
        "from bench.seed_bulk import bulk_seed, search_probes;"
        "from aftersales.notifications.services import notifications_suppressed;"
        "from aftersales.accounts.models import User; from aftersales.accounts.services import api_token_create;"
        f"ctx = notifications_suppressed(); ctx.__enter__(); number = bulk_seed(complaints={complaints}, copies={copies});"
        "print(json.dumps({'detail': number, 'search': search_probes(),"
        " 'token': api_token_create(user=User.objects.get(username='agent1'))}))"
    )
    started = time.perf_counter()
    output = subprocess.run(
        [PYTHON, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    facts = json.loads(output.stdout.strip().splitlines()[-1])
    # A bulk load leaves the planner without statistics; a live database has them from autovacuum.
    analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
    subprocess.run([PYTHON, "-c", "import django; django.setup();" + analyze], env=env, cwd=ROOT, check=True)
    facts["seed_seconds"] = round(time.perf_counter() - started, 1)
    return facts


def serve(env: dict, port: int, workers: int = 2, app: str = "config.wsgi:application") -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            app,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(120):
        try:
            if request(port, "GET", "/api/v1/policy") == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def server_pids(server: subprocess.Popen, database_url: str) -> list[int]:
    """The gunicorn workers of `server` and the PostgreSQL backends of the bench database."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as db:
            rows = db.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        pids += [row[0] for row in rows]
    return pids


def bench_database(db: str, args: argparse.Namespace) -> list[dict]:
    copies = args.copies if db == "postgres" else 0
    total = args.complaints * (1 + copies)
    if db == "postgres" and (copies or args.reuse):
        sys.path.insert(0, str(ROOT))
        from bench.seed_million import database_env, ensure_million

        facts = ensure_million(
            database=args.pg_database, complaints=total, base=args.complaints, reuse=args.reuse
        )
        env = database_env(args.pg_database)
    else:
        env = prepare_database(db, args.pg_database)
        facts = seed(env, args.complaints, copies)
    if args.broker:
        env["CELERY_BROKER_URL"] = args.broker
    seeded = "reused" if facts["seed_seconds"] is None else f"seeded in {facts['seed_seconds']} s"
    print(f"[{db}] {total} complaints, {seeded}", flush=True)
    server = serve(env, args.port)
    try:
        for _ in range(4):  # each worker opens its database connection
            request(
                args.port,
                "GET",
                f"/api/v1/complaints/{facts['detail']}",
                headers={"Authorization": f"Bearer {facts['token']}"},
            )
        SERVER_PIDS[:] = server_pids(server, env.get("DATABASE_URL", ""))
        token = facts["token"]
        reads = [
            # What any request costs on this machine now (the policy pack, no database read):
            # on a shared machine the floor moves with the load, and every figure with it.
            ("floor: policy pack, no database", "/api/v1/policy", ""),
            ("queue: team agents, open, by deadline, page 1", "/api/v1/complaints?team=agents", ""),
            ("detail: 20 timeline events", f"/api/v1/complaints/{facts['detail']}", ""),
            *(
                (f"search: {kind} {query!r}", "/api/v1/complaints/search?q=" + urllib.parse.quote(query), "")
                for kind, query in facts["search"].items()
            ),
            *(
                (f"desk: {name}", path, facts["desk_cookie"])
                for name, path in [
                    ("queue mine", "/desk/?queue=mine"),
                    ("queue team", "/desk/?queue=team"),
                    ("queue overdue", "/desk/?queue=overdue"),
                    ("queue waiting", "/desk/?queue=waiting"),
                    ("complaint page, 20 events", f"/desk/complaints/{facts['detail']}/"),
                ]
                if "desk_cookie" in facts
            ),
        ]
        results = [
            run_reads(args.port, name, path, token, args.reads, cookie=cookie)
            for name, path, cookie in reads
            if not args.only or name.split(":")[0] in args.only
        ]
        if args.requests:
            results.append(run_intake(args.port, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)
    for result in results:
        result["db"] = db
        result["system"] = "aftersales"
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return results


def bench_peer(db: str, work: str) -> list[dict]:
    vendor = "postgresql" if db == "postgres" else "sqlite"
    out = Path(work) / f"results_{vendor}.jsonl"
    before = out.read_text().count("\n") if out.exists() else 0
    harness = ROOT.parent / "shared" / "peers" / "django-helpdesk" / "run_bench.sh"
    subprocess.run(["bash", str(harness)], env={**os.environ, "WORK": work, "PEER_DB": db}, check=True)
    lines = out.read_text().splitlines()[before:]
    results = [json.loads(line) for line in lines if line.strip()]
    for result in results:
        result["system"] = "django-helpdesk 2.6.1"
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument(
        "--copies", type=int, default=0, help="PostgreSQL: copy the seeded complaints this many times in SQL"
    )
    parser.add_argument("--requests", type=int, default=2000, help="intake POSTs (0: reads only)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument(
        "--pg-database", default=PG_BENCH_DB, help="scratch database (dropped and made afresh)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep --pg-database if it already holds the complaints (bench/seed_million.py)",
    )
    parser.add_argument(
        "--broker", default="", help="CELERY_BROKER_URL for the web workers (default: file broker)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["floor", "queue", "detail", "search", "desk"],
        help="run only these read scenarios (default: all)",
    )
    parser.add_argument("--peer-work", help="scratch dir of the django-helpdesk peer (after its setup.sh)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(
        json.dumps(
            {
                "load_average": os.getloadavg(),
                "commit": subprocess.run(
                    ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
                ).stdout.strip(),
                "machine": platform.node(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "date": datetime.now(UTC).isoformat(timespec="minutes"),
            }
        ),
        flush=True,
    )
    all_results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        all_results += bench_database(db, args)
        if args.peer_work:
            all_results += bench_peer(db, args.peer_work)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"run-{stamp}.json").write_text(json.dumps(all_results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

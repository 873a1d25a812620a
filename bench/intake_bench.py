"""Intake throughput against its two yardsticks, in one run on one machine.

    .venv/bin/python bench/intake_bench.py [--peer-work DIR] [--db sqlite|postgres|both]
                                           [--complaints 100000] [--requests 2000] [--concurrency 8]

For each database, with the same server setup (gunicorn, 2 sync workers, 127.0.0.1) and the
same load (2,000 POSTs at concurrency 8, one connection per request), one after another:

1. aftersales: `POST /api/v1/complaints` (bench/run.py's intake scenario) on 100,000 seeded
   complaints (bench/run.py's `seed`);
2. the bare floor: a Django project of one view that validates the same JSON body with a form
   and inserts one row (bench/bare/), on a fresh database of the same kind;
3. the peer: django-helpdesk 2.6.1's REST ticket create (`POST /helpdesk/api/tickets/`), from
   its harness in ../shared/peers/django-helpdesk (its own client, bench_http.py, which
   works the same way), on its own 100,000 seeded tickets; only with --peer-work DIR, the
   harness's WORK folder after its `setup.sh` (the venv and the seeded SQLite file); for
   PostgreSQL this script migrates and seeds the peer itself into a scratch database as the
   `postgres` role;
4. PostgreSQL only: aftersales again with 4 workers, on the same database.

Prints one JSON line per measurement and the ratios (intake / peer, intake / bare, 4 / 2
workers), and writes them to bench/results/intake-<stamp>.json. Only loopback addresses
are used; every loop is bounded in count and time.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (  # noqa: E402
    PG_ADMIN_URL,
    PYTHON,
    RESULTS,
    ROOT,
    prepare_database,
    request,
    run_intake,
    seed,
    serve,
)

PEER = ROOT.parent / "shared" / "peers" / "django-helpdesk"


def emit(result: dict) -> dict:
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # BENCH_COMMIT names the commit when the tree measured is an export without git.
    return out.stdout.strip() or os.environ.get("BENCH_COMMIT", "")


def measure(
    env: dict,
    args: argparse.Namespace,
    *,
    system: str,
    db: str,
    workers: int = 2,
    app: str = "",
    first: int = 0,
) -> dict:
    """Serve, warm every worker up (the model, the policy pack, connections), then time the intakes
    numbered from `first` (new customers each time)."""
    server = serve(env, args.port, workers=workers, **({"app": app} if app else {}))
    try:
        warm_up = 4 * workers
        run_intake(args.port, warm_up, args.concurrency, first=first + 9_000_000)
        result = run_intake(args.port, args.requests, args.concurrency, first=first)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return emit({**result, "system": system, "db": db, "workers": workers, "load": os.getloadavg()[0]})


def bench_bare(db: str, args: argparse.Namespace) -> dict:
    env = prepare_database(db, f"{args.pg_database}_bare")
    env["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"
    subprocess.run([PYTHON, "-m", "django", "migrate", "--run-syncdb", "-v0"], env=env, cwd=ROOT, check=True)
    return measure(
        env, args, system="bare Django (validate + insert one row)", db=db, app="bench.bare.wsgi:application"
    )


def bench_peer(db: str, args: argparse.Namespace) -> dict:
    work = Path(args.peer_work)
    python = work / "venv" / "bin" / "python"
    env = {**os.environ, "WORK": str(work), "PEER_DB": db}
    env.pop("DATABASE_URL", None)
    vendor = "postgresql" if db == "postgres" else "sqlite"
    if db == "sqlite":
        # Start from the seeded 100,000 tickets, as the harness's run_bench.sh does.
        for suffix in ("-wal", "-shm"):
            (work / f"helpdesk.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copy(work / "helpdesk.seeded.sqlite3", work / "helpdesk.sqlite3")
    else:
        import psycopg

        # A scratch database of this run's own (after --pg-database), never another run's.
        peer_database = f"{args.pg_database}_peer"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {peer_database}")
            admin.execute(f"CREATE DATABASE {peer_database}")
        env.update({"PGUSER": "postgres", "PGDATABASE": peer_database})
        subprocess.run(
            [str(python), "manage.py", "migrate", "-v0"], env=env, cwd=PEER / "project", check=True
        )
        started = time.perf_counter()
        subprocess.run(
            [str(python), str(PEER / "seed.py"), "--tickets", str(args.complaints)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"[peer postgres] seeded in {time.perf_counter() - started:.0f} s", flush=True)
    server = subprocess.Popen(
        [
            str(work / "venv" / "bin" / "gunicorn"),
            "peerproj.wsgi:application",
            "--chdir",
            str(PEER / "project"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{args.peer_port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(120):
            try:
                if request(args.peer_port, "GET", "/helpdesk/login/") == 200:
                    break
            except OSError:
                time.sleep(0.5)
        out = subprocess.run(
            [
                str(python),
                str(PEER / "bench_http.py"),
                "--base",
                f"http://127.0.0.1:{args.peer_port}",
                "--meta",
                str(work / f"bench_meta_{vendor}.json"),
                "create",
                "--mode",
                "api",
                "-n",
                str(args.requests),
                "-c",
                str(args.concurrency),
                "--max-seconds",
                "300",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.pop("errors", None)
    return emit(
        {
            **result,
            "system": "django-helpdesk 2.6.1 REST create",
            "db": db,
            "workers": 2,
            "load": os.getloadavg()[0],
        }
    )


def bench_ours(db: str, args: argparse.Namespace) -> list[dict]:
    env = prepare_database(db, args.pg_database)
    facts = seed(env, args.complaints)
    print(f"[{db}] seeded {args.complaints} complaints in {facts['seed_seconds']} s", flush=True)
    results = [measure(env, args, system="aftersales intake", db=db)]
    if db == "postgres":
        results.append(measure(env, args, system="aftersales intake", db=db, workers=4, first=1_000_000))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--peer-work",
        default="",
        help="the django-helpdesk harness's WORK after setup.sh; without it the peer is not measured",
    )
    parser.add_argument(
        "--complaints", type=int, default=100_000, help="seeded complaints, and the peer's tickets"
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8742)
    parser.add_argument("--peer-port", type=int, default=8741)
    parser.add_argument("--pg-database", default="intakespeed_bench", help="scratch database prefix")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = emit(
        {
            "machine": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "commit": git_commit(),
            "date": datetime.now(UTC).isoformat(timespec="minutes"),
            "load": os.getloadavg(),
        }
    )
    results: list[dict] = []
    ratios: list[dict] = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        ours = bench_ours(db, args)
        bare = bench_bare(db, args)
        results += [*ours, bare]
        ratio = {"db": db, "intake_over_bare": round(ours[0]["rps"] / bare["rps"], 3)}
        if args.peer_work:
            peer = bench_peer(db, args)
            results.append(peer)
            ratio["intake_over_peer"] = round(ours[0]["rps"] / peer["rps"], 2)
        if len(ours) > 1:
            ratio["workers_4_over_2"] = round(ours[1]["rps"] / ours[0]["rps"], 2)
        ratios.append(emit(ratio))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"intake-{stamp}.json").write_text(
        json.dumps({"run": header, "results": results, "ratios": ratios}, ensure_ascii=False, indent=1)
    )


if __name__ == "__main__":
    main()

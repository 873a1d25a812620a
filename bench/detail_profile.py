"""Where a staff read of one complaint goes, in process: `GET /api/v1/complaints/{number}`.

    .venv/bin/python bench/detail_profile.py [--database bench_million] [--requests 300]
                                             [--profile cprofile|none] [--top 25]
                                             [--facts FILE]

Against the million of `bench/seed_million.py` (made first if missing; `--reuse` is implied), the
detail complaint (20 timeline events) is read with agent1's API token through the WSGI
application itself (`config.wsgi.application`: every middleware, the token check, Ninja, the
access-log record), sequentially, after 20 warm-up requests. No HTTP and no gunicorn: what a
worker spends on one request. Prints JSON lines:

- `timing`: p50 / p95 / mean wall ms per request, the CPU ms of this process per request
  (`time.process_time`) and of its PostgreSQL backend (/proc of `pg_backend_pid()`), the
  statements per request and the load average (1 minute) at the end;
- with `--profile cprofile`, a second loop under cProfile: the Python function calls per
  request (a count the machine's load does not move), then the functions with the most
  cumulative and own time (the times of that loop are inflated by the profiler).
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

from bench.run import cpu_seconds, percentile  # noqa: E402
from bench.seed_million import DEFAULT_DATABASE, database_env, ensure_million  # noqa: E402


def wsgi_get(application, path: str, token: str) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8702",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8702",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_CONNECTION": "close",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    body = b"".join(application(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=["cprofile", "none"], default="cprofile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--facts", help="JSON file with the detail complaint's number and a staff token (another database)"
    )
    args = parser.parse_args()

    if args.facts:
        facts = json.loads(Path(args.facts).read_text())
    else:
        facts = ensure_million(database=args.database, complaints=1_000_000, base=50_000, reuse=True)
    os.environ.update(database_env(args.database))
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    application = get_wsgi_application()
    path = f"/api/v1/complaints/{facts['detail']}"
    for _ in range(20):
        status, body = wsgi_get(application, path, facts["token"])
        assert status == 200, body[:500]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = [cursor.fetchone()[0]]
    with CaptureQueriesContext(connection) as queries:
        wsgi_get(application, path, facts["token"])
    statements = [q["sql"] for q in queries.captured_queries]
    reset_queries()

    wall, cpu = [], []
    backend_before = cpu_seconds(backend)
    started = time.perf_counter()
    for _ in range(args.requests):
        t0, c0 = time.perf_counter(), time.process_time()
        status, _ = wsgi_get(application, path, facts["token"])
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
        assert status == 200
    elapsed = time.perf_counter() - started
    backend_ms = (cpu_seconds(backend) - backend_before) * 1000 / args.requests
    ms = sorted(x * 1000 for x in wall)
    print(
        json.dumps(
            {
                "timing": "detail in process",
                "requests": args.requests,
                "p50_ms": round(percentile(ms, 50), 2),
                "p95_ms": round(percentile(ms, 95), 2),
                "mean_ms": round(statistics.fmean(ms), 2),
                "rps": round(args.requests / elapsed, 1),
                "process_cpu_ms": round(statistics.fmean(cpu) * 1000, 2),
                "backend_cpu_ms": round(backend_ms, 2),
                "statements": len(statements),
                "load_average_1m": round(os.getloadavg()[0], 1),
            }
        ),
        flush=True,
    )
    for sql in statements:
        print(json.dumps({"statement": sql[:200]}, ensure_ascii=False))
    if args.profile == "cprofile":
        profiler = cProfile.Profile(time.process_time)  # CPU time: the waits for a core left out
        profiler.enable()
        for _ in range(args.requests):
            wsgi_get(application, path, facts["token"])
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        # Whatever the load: the Python function calls one request makes.
        print(json.dumps({"python_calls_per_request": round(calls / args.requests)}), flush=True)
        for sort in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()

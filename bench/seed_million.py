"""Seed a PostgreSQL database with a million complaints for the read benchmarks, or reuse it.

    .venv/bin/python bench/seed_million.py [--database bench_million] [--complaints 1000000]
                                           [--base 50000] [--reuse]

`--base` complaints (with their customers, devices, one message, three timeline events and a
search document each) are made by `bench/seed_bulk.bulk_seed` from the platform's own deadline and
term functions; then they are copied in SQL (`bulk_copy`) until `--complaints` are stored, each
copy with its own customer, device and complaint number. Last the statistics and visibility maps
are brought up to date (VACUUM ANALYZE), as autovacuum would have on a live database, and one
complaint with 20 timeline events is filed through the real services for the detail scenario.

With `--reuse` an existing database holding at least `--complaints` complaints is kept as it is
(only the facts are printed); otherwise the database is dropped and made afresh.
Prints one JSON line: the database URL, the seed time, the row counts, the detail complaint's
number, the search probes, an API token of agent1 and a desk session cookie of agent1.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "bench_million"

FACTS_SCRIPT = """
import django, json
django.setup()
from aftersales.accounts.models import User
from aftersales.accounts.services import api_token_create
from aftersales.complaints.models import Complaint
from bench.seed_bulk import DETAIL_PHONE, search_probes
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in ("complaints_complaint", "complaints_message", "complaints_timelineevent",
                  "accounts_customer", "devices_device", "complaints_search"):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
detail = Complaint.objects.filter(customer__phone=DETAIL_PHONE).order_by("pk").first()
from django.conf import settings
from django.test import Client
browser = Client()
browser.force_login(User.objects.get(username="agent1"))
print(json.dumps({
    "desk_cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}",
    "counts": counts,
    "detail": detail.number if detail else None,
    "search": search_probes(),
    "token": api_token_create(user=User.objects.get(username="agent1")),
}))
"""

SEED_SCRIPT = """
import django, json
django.setup()
from aftersales.notifications.services import notifications_suppressed
from bench.seed_bulk import bulk_seed
with notifications_suppressed():
    bulk_seed(complaints={base}, copies={copies}, detail_first=False)
"""


def database_env(database: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    var = ROOT / "bench" / "results" / f"var-{database}"
    var.mkdir(parents=True, exist_ok=True)
    env["AFTERSALES_VAR_DIR"] = str(var)
    return env


def stored_complaints(database: str) -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            return 0
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{database}") as db:
        exists = db.execute("SELECT to_regclass('complaints_complaint')").fetchone()
        if exists is None or exists[0] is None:
            return 0
        # The planner's estimate: a count(*) over a million rows takes seconds on a busy machine.
        row = db.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'complaints_complaint'::regclass"
        ).fetchone()
        return int(row[0]) if row else 0


def ensure_million(*, database: str, complaints: int, base: int, reuse: bool) -> dict:
    """Make (or with `reuse`, keep) the database; return the facts (module docstring)."""
    import psycopg

    env = database_env(database)
    seed_seconds = None
    if not (reuse and stored_complaints(database) >= complaints * 0.99):
        if complaints % base:
            raise SystemExit(f"--complaints {complaints} is not a multiple of --base {base}")
        started = time.perf_counter()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
        run = [sys.executable, "-m", "config.cli"]
        subprocess.run([*run, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*run, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        script = SEED_SCRIPT.format(base=base, copies=complaints // base - 1)
        subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
            db.execute("VACUUM ANALYZE")
        detail = (
            "import django; django.setup(); from bench.seed_bulk import detail_complaint; detail_complaint()"
        )
        subprocess.run([sys.executable, "-c", detail], env=env, cwd=ROOT, check=True)
        seed_seconds = round(time.perf_counter() - started, 1)
    output = subprocess.run(
        [sys.executable, "-c", FACTS_SCRIPT], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    facts = json.loads(output.stdout.strip().splitlines()[-1])
    facts["database_url"] = env["DATABASE_URL"]
    facts["seed_seconds"] = seed_seconds
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=50_000, help="complaints made in Python, then copied")
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded")
    args = parser.parse_args()
    facts = ensure_million(
        database=args.database, complaints=args.complaints, base=args.base, reuse=args.reuse
    )
    print(json.dumps(facts, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

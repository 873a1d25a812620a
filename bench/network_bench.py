"""The service network at 10,000 outlets: importing the list, the 5 nearest in-process and over HTTP.

    .venv/bin/python bench/network_bench.py [--db sqlite|postgres|both] [--outlets 10000]
                                            [--queries 20000] [--requests 2000]

For each database: writes an outlet list of `outlets` rows around the 72 demo cities
(demo/cities.py), imports it with `aftersales outlets import` (wall time of the whole
command, Django start included) and again (nothing changes: the idempotent path), then
times, after warm-ups:
  index    OutletIndex.nearest, 5 nearest of random points over 73°E-135°E (`queries` of them)
  filtered the same with a speciality and with open-now
  selector outlets_nearest: version check, index and the public rows from the database
  http     GET /api/v1/outlets/nearest?lat=&lon= through Django's test client (`requests`)
Bars (issue 12): index p99 <= 50 µs; HTTP p99 <= 10 ms; import < 30 s.
"""

import argparse
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, ROOT, percentile, prepare_database  # noqa: E402


def write_outlet_list(path: Path, count: int, seed: int = 12) -> None:
    from aftersales.demo.outlets import HOURS, _landline, _uscc, city_table
    from aftersales.network.records import COLUMNS
    from aftersales.policy.pack import current_pack

    rng = random.Random(seed)
    cities = city_table()
    specialities = list(current_pack().network.specialities)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for number in range(count):
            city = rng.choice(cities)
            district, district_adcode = rng.choice(city["districts"])
            writer.writerow(
                {
                    "code": f"{city['slug']}-b{number:05d}",
                    "name": f"演示手机授权服务中心({city['city']}{number}号店)",
                    "brand": "demo-phone",
                    "kind": rng.choice(["service_centre", "brand_store", "partner"]),
                    "address": f"{city['city']}{district}人民路{rng.randint(1, 999)}号",
                    "province": city["province"],
                    "province_adcode": city["province_adcode"],
                    "city": city["city"],
                    "city_adcode": city["city_adcode"],
                    "district": district,
                    "district_adcode": district_adcode,
                    "lat": round(city["lat"] + rng.uniform(-0.15, 0.15), 6),
                    "lon": round(city["lon"] + rng.uniform(-0.15, 0.15), 6),
                    "phones": f"{_landline(rng, city['area'])}; 1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    "hours": rng.choice(HOURS),
                    "timezone": "",
                    "uscc": _uscc(rng, city["city_adcode"]),
                    "authorisation": "authorised",
                    "authorised_from": "2024-01-01",
                    "authorised_until": "",
                    "specialities": "; ".join(rng.sample(specialities, rng.randint(0, 3))),
                    "capacity_per_day": rng.choice([40, 60, 80, 120]),
                    "notes": "",
                }
            )


def timings(samples: list[float]) -> dict:
    us = sorted(s * 1e6 for s in samples)
    return {
        "n": len(us),
        "p50_us": round(percentile(us, 50), 1),
        "p95_us": round(percentile(us, 95), 1),
        "p99_us": round(percentile(us, 99), 1),
        "mean_us": round(statistics.fmean(us), 1),
    }


def measure(queries: int, requests: int) -> dict:
    """Run in a process set up for one database (see bench_database)."""
    import django

    django.setup()
    from django.test import Client

    from aftersales.common import clock
    from aftersales.network.finder import Filters
    from aftersales.network.selectors import NearestQuery, outlet_index, outlets_nearest

    rng = random.Random(5)
    points = [(rng.uniform(18.0, 53.5), rng.uniform(73.0, 135.0)) for _ in range(queries)]
    started = time.perf_counter()
    index = outlet_index()
    report: dict = {
        "outlets_indexed": index.size,
        "index_build_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    today = clock.localdate(clock.now())
    moment = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    for label, filters in (
        ("index", None),
        ("index_speciality", Filters(specialities=frozenset({"battery_green_channel"}))),
        ("index_open_now", Filters(open_at=moment)),
    ):
        for lat, lon in points[:1000]:
            index.nearest(lat, lon, limit=5, today=today, filters=filters)
        samples = []
        for lat, lon in points:
            begun = time.perf_counter()
            index.nearest(lat, lon, limit=5, today=today, filters=filters)
            samples.append(time.perf_counter() - begun)
        report[label] = timings(samples)
    now = clock.now()
    samples = []
    for lat, lon in points[: max(1, requests)]:
        begun = time.perf_counter()
        outlets_nearest(query=NearestQuery(lat=lat, lon=lon), now=now, language="zh-hans")
        samples.append(time.perf_counter() - begun)
    report["selector"] = timings(samples)
    client = Client()
    for lat, lon in points[:100]:
        client.get("/api/v1/outlets/nearest", {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"})
    samples, statuses = [], {}
    for lat, lon in points[:requests]:
        begun = time.perf_counter()
        answer = client.get("/api/v1/outlets/nearest", {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"})
        samples.append(time.perf_counter() - begun)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    report["http"] = {**timings(samples), "statuses": statuses}
    return report


def bench_database(db: str, outlets: int, queries: int, requests: int) -> dict:
    env = prepare_database(db)
    subprocess.run([PYTHON, "-m", "config.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    path = Path(env["AFTERSALES_VAR_DIR"]) / "outlets.csv"
    write_outlet_list(path, outlets)
    result: dict = {"db": db, "outlets": outlets}
    for run in ("import", "reimport"):
        started = time.perf_counter()
        output = subprocess.run(
            [PYTHON, "-m", "config.cli", "outlets", "import", str(path), "--no-progress"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        result[f"{run}_seconds"] = round(time.perf_counter() - started, 2)
        result[f"{run}_report"] = json.loads(output.stdout.strip().splitlines()[-1])
    # A bulk load leaves the planner without statistics; a live database has them from autovacuum.
    analyze = "import django; django.setup(); from django.db import connection; connection.cursor().execute('ANALYZE')"
    subprocess.run([PYTHON, "-c", analyze], env=env, cwd=ROOT, check=True)
    output = subprocess.run(
        [PYTHON, __file__, "--measure", "--queries", str(queries), "--requests", str(requests)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {**result, **json.loads(output.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--outlets", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.measure:
        print(json.dumps(measure(args.queries, args.requests)))
        return
    import django

    django.setup()
    machine = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.uname().machine,
    }
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [bench_database(db, args.outlets, args.queries, args.requests) for db in dbs]
    print(json.dumps({"machine": machine, "results": results}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""How long the pre-diagnosis quality report takes on a large history, on SQLite and PostgreSQL.

    .venv/bin/python bench/triage_quality_bench.py [--db sqlite|postgres|both]
                                                   [--complaints 100000] [--corrected 0.15]

Seeds `complaints` complaints over two years (bench/seed_bulk.py), spreads them over three
model versions, lets an agent correct the category of a share of them (one correction
each, a tenth of them set back), then times `triage_quality_in_service` for the last 30
days and for the whole two years (median of 5 after a warm-up) and reports its peak
Python memory.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, ROOT, prepare_database, seed  # noqa: E402

MODEL_VERSIONS = ["triage-a", "triage-b", "triage-c"]
CORRECTED_TO = ["screen", "battery_charging", "system_software", "audio", "after_sales_service"]


def correct_a_share(share: float, rng: random.Random) -> int:
    """Give the seeded complaints model versions (oldest third first) and one agent's
    corrections; return how many corrections were made."""
    from aftersales.accounts.models import User
    from aftersales.complaints.models import Complaint, Message
    from aftersales.triage.models import TriageCorrection

    ids = list(Complaint.objects.order_by("created_at", "pk").values_list("pk", flat=True))
    for index, version in enumerate(MODEL_VERSIONS):
        part = ids[index * len(ids) // 3 : (index + 1) * len(ids) // 3]
        for start in range(0, len(part), 5000):
            Complaint.objects.filter(pk__in=part[start : start + 5000]).update(triage_model=version)
    agent = User.objects.get(username="agent1")
    message_of = dict(Message.objects.values_list("complaint_id", "pk"))
    corrections, final_category = [], {}
    chosen = sorted(rng.sample(ids, int(len(ids) * share)))
    rows = Complaint.objects.filter(pk__in=chosen).order_by("pk")
    for pk, category, model, at in rows.values_list("pk", "category", "triage_model", "created_at"):
        right = rng.choice([c for c in CORRECTED_TO if c != category])
        corrections.append(
            TriageCorrection(
                complaint_id=pk,
                message_id=message_of[pk],
                predicted_category=category,
                corrected_category=right,
                model_version=model,
                corrected_by=agent,
                created_at=at + timedelta(hours=1),
            )
        )
        # A tenth end on the model's category again, as when a second correction undoes the first.
        final_category[pk] = category if rng.random() < 0.1 else right
    TriageCorrection.objects.bulk_create(corrections, batch_size=5000)
    for category in set(final_category.values()):
        pks = [pk for pk, c in final_category.items() if c == category]
        for start in range(0, len(pks), 5000):
            Complaint.objects.filter(pk__in=pks[start : start + 5000]).update(category=category)
    return len(corrections)


def measure(share: float) -> dict:
    """Run in a process set up for one database (see main)."""
    import django

    django.setup()
    from django.db import connection

    from aftersales.accounts.actors import SYSTEM
    from aftersales.common import clock
    from aftersales.triage.selectors import triage_quality_in_service

    report: dict = {"corrections": correct_a_share(share, random.Random(7))}
    connection.cursor().execute("ANALYZE")
    now = clock.now()
    for days in (30, 730):

        def run(days: int = days) -> list[dict]:
            return triage_quality_in_service(actor=SYSTEM, since=now - timedelta(days=days), until=now)

        result = run()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        report[f"last_{days}_days"] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "peak_python_mib": round(peak / 2**20, 2),
            "triaged": sum(r["triaged"] for r in result),
            "corrected": sum(r["corrected"] for r in result),
        }
    return report


def bench_database(db: str, complaints: int, share: float) -> dict:
    env = prepare_database(db)
    seeded = seed(env, complaints)
    output = subprocess.run(
        [PYTHON, __file__, "--measure", "--corrected", str(share)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    measured = json.loads(output.stdout.strip().splitlines()[-1])
    return {"db": db, "seed_seconds": seeded["seed_seconds"], **measured}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument(
        "--corrected", type=float, default=0.15, help="share of complaints an agent corrected"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.corrected)))
        return
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "complaints": args.complaints,
        "runs": [bench_database(db, args.complaints, args.corrected) for db in databases],
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

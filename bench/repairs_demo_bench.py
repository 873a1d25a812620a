"""Demo repairs: how long `seed_repairs` takes to carry complaints through repair orders, on SQLite.

    .venv/bin/python bench/repairs_demo_bench.py [--repairs 200]

On a fresh, migrated file-backed SQLite database with the demo staff and outlets, runs
`aftersales.demo.repairs.seed_repairs` (catalogue, prices, depots, stock, then the repairs
through the real services, one transaction) and prints wall and CPU seconds, repairs per
second of CPU, and the orders by state and walk-in route.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(tempfile.mkdtemp(prefix="aftersales-repairs-bench-"))
os.environ["AFTERSALES_VAR_DIR"] = str(VAR)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["AFTERSALES_LOG_LEVEL"] = "WARNING"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repairs", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    from django.conf import settings

    from aftersales.demo.outlets import seed_outlets
    from aftersales.demo.repairs import seed_repairs
    from aftersales.demo.seed import seed_staff
    from aftersales.notifications.services import notifications_suppressed
    from aftersales.repairs.models import RepairOrder

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    staff = seed_staff()
    seed_outlets()
    wall, cpu = time.perf_counter(), time.process_time()
    with notifications_suppressed():
        made = seed_repairs(count=args.repairs, staff=staff)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"repairs: {made} of {args.repairs} in {wall:.1f} s wall, {cpu:.1f} s CPU ({made / cpu:.1f}/s CPU)")
    print("states:", dict(Counter(RepairOrder.objects.values_list("state", flat=True))))
    print(
        "walk-in routes:",
        dict(Counter(RepairOrder.objects.filter(walk_in=True).values_list("lightning_route", flat=True))),
    )


if __name__ == "__main__":
    main()

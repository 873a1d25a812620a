"""Time the manager dashboard's figures (reporting.dashboard.report_compute) on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/dashboard_bench.py \
        [--complete] [--runs 3]

Runs against the database DATABASE_URL names, as bench/seed_bulk.py left it (e.g. 100,000
complaints copied 9 times: 1,000,001). That seed writes no dispatches, resolutions, scores or
reopenings; `--complete` adds them in a few SQL statements so that every figure has rows to
count: the demo outlet network, a dispatch for 60 % of complaints, a resolution time and a
1-5 score for the resolved and archived ones, breaches on 8 % and a reopening on 2 % of them.
It then refreshes the daily figures (reporting.daily) the dashboard reads for whole days.

Then it times the ten-minute refresh (the last 40 days). Periods timed: the last 7, 30 and 365 days and the whole two years, each `--runs` times;
prints the median and worst wall time and the number of queries per computation.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def complete() -> None:
    """Give the bulk seed's complaints dispatches, resolutions, scores, breaches and reopenings."""
    from django.db import connection

    from aftersales.demo.outlets import seed_outlets
    from aftersales.network.models import Outlet

    if not Outlet.objects.exists():
        seed_outlets()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM network_dispatch")
        if cursor.fetchone()[0]:
            print("already completed")
            return
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM network_outlet")
        outlet_ids = cursor.fetchone()[0]
        statements = [
            # A dispatch for six complaints in ten, to outlets in turn.
            """INSERT INTO network_dispatch (complaint_id, outlet_id, at, actor, automatic, basis, reason,
                   speciality, waiting, candidates)
               SELECT c.id, (%(outlets)s::bigint[])[1 + c.id %% array_length(%(outlets)s::bigint[], 1)],
                      c.created_at + interval '2 hours', 'system', true, 'nearest', '', '', 0, '[]'
               FROM complaints_complaint c WHERE c.id %% 10 < 6""",
            # Resolved and archived: resolved within 0-7 days, a score skewed to 4 and 5.
            """UPDATE complaints_complaint SET
                   resolved_at = created_at + (random() * interval '7 days'),
                   satisfaction_score = CASE WHEN random() < 0.7 THEN NULL
                       ELSE (ARRAY[1, 2, 3, 4, 4, 5, 5, 5, 5, 5])[1 + floor(random() * 10)::int] END
               WHERE state IN ('resolved', 'archived')""",
            # First responses spread from minutes to days instead of the seed's constant 20 min.
            """UPDATE complaints_complaint SET
                   responded_at = created_at + (random() * random() * interval '30 hours'),
                   level_responded_at = created_at + (random() * random() * interval '30 hours')
               WHERE responded_at IS NOT NULL""",
            """UPDATE complaints_complaint SET breaches = '["response_due_at", "process_due_at"]'::jsonb
               WHERE id %% 100 < 8""",
            """INSERT INTO complaints_timelineevent (complaint_id, seq, kind, at, actor, payload)
               SELECT id, 1000, 'status', created_at + interval '5 days', 'system',
                      '{"action": "reopen", "from": "resolved", "to": "reopened"}'::jsonb
               FROM complaints_complaint WHERE id %% 50 = 7 AND state IN ('resolved', 'archived')""",
        ]
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement, {"outlets": outlet_ids})
            print(
                f"{cursor.rowcount:>9} rows  {time.perf_counter() - started:6.1f} s  {statement.split()[0]}"
            )
        cursor.execute("ANALYZE")


def refresh_daily() -> None:
    from aftersales.common import clock
    from aftersales.reporting.daily import complaint_figures_refresh

    started = time.perf_counter()
    days = complaint_figures_refresh(now=clock.now(), days=None)
    print(f"daily figures: {days} days refreshed in {time.perf_counter() - started:.1f} s")


def refresh_recent() -> dict:
    """What the ten-minute beat does: the last RECENT_DAYS days' figures."""
    from aftersales.reporting.daily import RECENT_DAYS, complaint_figures_refresh

    started = time.perf_counter()
    complaint_figures_refresh(days=RECENT_DAYS)
    result = {"refresh_recent_days": RECENT_DAYS, "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(result))
    return result


def run(runs: int) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.accounts.actors import Actor
    from aftersales.common import clock
    from aftersales.complaints.models import Complaint
    from aftersales.reporting.dashboard import Period, report_compute

    actor = Actor(kind="staff", role="admin")
    now = clock.now()
    today = clock.localdate(now)
    results = []
    for days in (7, 30, 365, 730):
        period = Period(today - timedelta(days=days - 1), today)
        since, until = period.bounds()
        rows = Complaint.objects.filter(created_at__gte=since, created_at__lt=until).count()
        timings = []
        queries = 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                dashboard = report_compute(actor=actor, period=period, now=now, language="zh-hans")
                timings.append(time.perf_counter() - started)
            queries = len(captured)
        result = {
            "period_days": days,
            "complaints_in_period": rows,
            "median_s": round(statistics.median(timings), 3),
            "worst_s": round(max(timings), 3),
            "queries": queries,
            "satisfaction": round(dashboard.totals.satisfaction_rate or 0, 3),
            "response_p90_h": round(dashboard.totals.response_p90_hours or 0, 2),
        }
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complete", action="store_true", help="add dispatches, resolutions, scores")
    parser.add_argument("--refresh", action="store_true", help="refresh every day's figures first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from aftersales.complaints.models import Complaint

    print(
        f"{connection.vendor}, {Complaint.objects.count():,} complaints, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    if args.complete:
        complete()
    if args.complete or args.refresh:
        refresh_daily()
    refresh_recent()
    run(args.runs)


if __name__ == "__main__":
    main()

"""Outbound: the cost of queueing a message in a transaction, and how fast the outbox drains.

    .venv/bin/python bench/outbox_bench.py [--messages 2000] [--workers 2]

On a fresh, migrated database (file-backed SQLite by default; PostgreSQL when DATABASE_URL
is set), one complaint's customer gets `--messages` SMS notices: each is queued by
`outbound_enqueue` in its own transaction (what a request pays), with the wake-up after
commit turned off. Then `--workers` threads drain the outbox at once (`outbox_drain`, batches
of 50) through a gateway that records the text, and the run checks that every message was
sent exactly once. Prints enqueue latency percentiles and drained messages per second.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(tempfile.mkdtemp(prefix="aftersales-outbox-bench-"))
os.environ["AFTERSALES_VAR_DIR"] = str(VAR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["AFTERSALES_LOG_LEVEL"] = "WARNING"
os.environ["AFTERSALES_OUTBOX_NUDGE"] = "0"
os.environ["CELERY_BROKER_URL"] = "memory://"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from aftersales.complaints.tests.factories import submit_complaint
    from aftersales.notifications import sms
    from aftersales.notifications.models import OutboxMessage
    from aftersales.notifications.outbox import outbound_enqueue, outbox_drain

    sent: list[str] = []
    lock = threading.Lock()

    def record(phone: str, text: str) -> None:
        with lock:
            sent.append(text)

    sms.console_gateway = record  # type: ignore[assignment]
    OutboxMessage.objects.all().delete()
    complaint = submit_complaint(text="屏幕有亮点")
    OutboxMessage.objects.all().delete()
    latencies = []
    for index in range(args.messages):
        begin = time.perf_counter()
        with transaction.atomic():
            outbound_enqueue(
                channel="sms",
                recipient=f"customer:{complaint.customer_id}",
                reason="reply",
                key=f"bench-{index}",
                complaint_id=complaint.pk,
            )
        latencies.append(time.perf_counter() - begin)

    def drain() -> None:
        try:
            while outbox_drain(limit=50).handled:
                pass
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=drain) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    drain_total = time.perf_counter() - started
    states = dict(OutboxMessage.objects.values_list("state").annotate(n=django.db.models.Count("pk")))
    cuts = statistics.quantiles(latencies, n=100)
    print(f"database: {connection.vendor}; messages: {args.messages}; workers: {args.workers}")
    print(
        f"enqueue in its own transaction: median {cuts[49] * 1000:.2f} ms, p95 {cuts[94] * 1000:.2f} ms,"
        f" p99 {cuts[98] * 1000:.2f} ms"
    )
    print(
        f"drained {len(sent)} in {drain_total:.2f} s: {len(sent) / drain_total:.0f} messages/s; states {states}"
    )
    if len(sent) != args.messages or states != {"sent": args.messages}:
        raise SystemExit("a message was sent twice or not at all")


if __name__ == "__main__":
    main()

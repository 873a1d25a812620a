"""Scheduled escalation with a real Celery worker and beat on a real broker, no HTTP request involved.

Runs when CELERY_WORKER_BROKER_URL names a reachable broker (.ci/run sets it to the
machine's Redis); the database must be one a second process can open (PostgreSQL, or
SQLite in a file via AFTERSALES_TEST_SQLITE).
"""

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import OutboxMessage
from aftersales.triage.classifier import forget_loaded_models
from aftersales.triage.services import triage_read

BROKER = os.environ.get("CELERY_WORKER_BROKER_URL", "")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not BROKER, reason="set CELERY_WORKER_BROKER_URL to run a real worker"),
]


def database_url_for_worker() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    name = str(settings["NAME"])
    if "memory" in name or not name:
        pytest.skip("the SQLite test database is in memory; set AFTERSALES_TEST_SQLITE to a file")
    return f"sqlite:///{Path(name).resolve()}"


def filed_in_hotline_hours() -> datetime:
    """The latest of 08:00, 12:00, 16:00 or 20:00 Beijing time at least an hour ago: inside the
    hotline's 7:00-23:00, so the first response falls due the same evening and is overdue now,
    whatever the hour the suite runs at (an hour filed at night would be due next morning)."""
    now = clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    for days in (0, 1):
        for hour in (20, 16, 12, 8):
            at = (now - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
            if at <= now - timedelta(hours=1):
                return at
    raise AssertionError("unreachable: yesterday's 20:00 is always an hour ago")


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_escalate_an_overdue_complaint_on_their_own(tmp_path, settings):  # type: ignore[no-untyped-def]
    # Filed while no worker runs: its acknowledgement waits in the outbox.
    settings.OUTBOX_NUDGE = False
    with clock.travel_to(filed_in_hotline_hours()):
        complaint = submit_complaint(text="屏幕有亮点")
    assert complaint.level == "L1" and complaint.next_deadline_at < clock.now()
    outbox = OutboxMessage.objects.filter(complaint_id=complaint.pk)
    assert list(outbox.values_list("reason", "state")) == [("acknowledgement", "queued")]
    # Read on arrival without the sentence encoder: the worker reads it again with it.
    settings.TRIAGE_ENCODER = True
    forget_loaded_models()
    fresh = submit_complaint(text="打游戏的时候画面总是自己乱跳,点哪里都不对")
    assert fresh.triage_second_reading_due
    arrival = (fresh.category, round(fresh.category_confidence, 4))
    full = triage_read(text=f"{fresh.subject}\n打游戏的时候画面总是自己乱跳,点哪里都不对").reading
    forget_loaded_models()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DATABASE_URL": database_url_for_worker(),
        "AFTERSALES_SLA_SWEEP_SECONDS": "1",
        # Only the beat drains the outbox here: no wake-up after commit.
        "AFTERSALES_OUTBOX_DRAIN_SECONDS": "1",
        "AFTERSALES_OUTBOX_NUDGE": "0",
        "AFTERSALES_VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "AFTERSALES_TRIAGE_ENCODER": "1",
        "AFTERSALES_TRIAGE_SECOND_READING_SECONDS": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "-Q",
            "celery",
            "-n",
            "ci-worker@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            complaint.refresh_from_db()
            states = set(outbox.values_list("state", flat=True))
            fresh.refresh_from_db()
            if (
                complaint.level != "L1"
                and outbox.count() > 2
                and states == {"sent"}
                and not fresh.triage_second_reading_due
            ):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert complaint.level == "L2", output[-3000:]
    assert complaint.state == "escalated"
    assert Complaint.objects.get(pk=complaint.pk).events.filter(kind="sla_breach", actor="system").exists()
    # The acknowledgement and the team's notices (breach, escalation) left through the outbox, once each.
    sent = list(outbox.order_by("pk").values_list("reason", "state", "attempts"))
    assert sent[0] == ("acknowledgement", "sent", 1), output[-3000:]
    assert ("escalation", "sent", 1) in sent, output[-3000:]
    assert f"工单号 {complaint.number}" in output  # the console SMS gateway's line, in the worker
    # The second reading is the encoder's, and the timeline keeps the arrival reading.
    assert not fresh.triage_second_reading_due, output[-3000:]
    assert fresh.category == full.category
    assert fresh.category_confidence == pytest.approx(full.confidence, abs=1e-4)
    revised = (fresh.category, round(fresh.category_confidence, 4)) != arrival
    assert fresh.events.filter(kind="triage", payload__has_key="revised_from").count() == int(revised)

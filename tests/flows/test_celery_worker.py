"""Scheduled escalation with a real Celery worker and beat on a real broker, no HTTP request involved.

Runs when CELERY_WORKER_BROKER_URL names a reachable broker (.ci/run sets it to the
machine's Redis); the database must be one a second process can open (PostgreSQL, or
SQLite in a file via AFTERSALES_TEST_SQLITE).
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint

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


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_escalate_an_overdue_complaint_on_their_own(tmp_path):  # type: ignore[no-untyped-def]
    with clock.travel_to(clock.now() - timedelta(hours=3)):
        complaint = submit_complaint(text="屏幕有亮点")
    assert complaint.level == "L1" and complaint.next_deadline_at < clock.now()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DATABASE_URL": database_url_for_worker(),
        "AFTERSALES_SLA_SWEEP_SECONDS": "1",
        "AFTERSALES_VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "0",
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
            if complaint.level != "L1":
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert complaint.level == "L2", output[-3000:]
    assert complaint.state == "escalated"
    assert Complaint.objects.get(pk=complaint.pk).events.filter(kind="sla_breach", actor="system").exists()

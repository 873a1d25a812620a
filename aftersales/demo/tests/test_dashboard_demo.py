"""The demo fills the manager dashboard at once: customers' ratings and every day's figures.

Mei is the demo's HQ expert reading the dashboard right after `make demo`.
"""

from datetime import timedelta

import pytest
from django.db.models import Min

from aftersales.accounts.actors import staff_actor
from aftersales.common import clock
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.demo.seed import seed_demo
from aftersales.reporting.daily import RECENT_DAYS
from aftersales.reporting.dashboard import Period, report_compute
from aftersales.reporting.models import ComplaintFigures


@pytest.mark.django_db
def test_the_demo_rates_resolved_complaints_and_builds_every_days_figures(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_demo(count=120)
    from aftersales.accounts.models import User

    finished = Complaint.objects.filter(resolved_at__isnull=False)
    rated = finished.filter(satisfaction_score__isnull=False)
    assert finished.count() >= 20
    # About three in five, each through the rating service (its timeline event is there).
    assert 0.35 <= rated.count() / finished.count() <= 0.85
    assert TimelineEvent.objects.filter(kind="satisfaction").count() == rated.count()
    assert set(rated.values_list("satisfaction_score", flat=True)) <= {1, 2, 3, 4, 5}
    # Figures for every day, the ones older than the scheduler's recent days included.
    today = clock.localdate(clock.now())
    first = clock.localdate(Complaint.objects.aggregate(first=Min("created_at"))["first"])
    assert first < today - timedelta(days=RECENT_DAYS)
    assert ComplaintFigures.objects.filter(span="day", start=first).exists()
    mei = staff_actor(User.objects.get(username="expert1"))
    period = Period(first, today)
    stored = report_compute(actor=mei, period=period, now=clock.now(), language="zh-hans")
    live = report_compute(actor=mei, period=period, now=clock.now(), language="zh-hans", source="live")
    assert stored.totals.complaints == live.totals.complaints == Complaint.objects.count()
    assert stored.totals.rated == rated.count()
    assert stored.totals.satisfaction_rate is not None and stored.totals.satisfaction_rate > 0.7
    assert any(row.rated for row in stored.outlet_ranking)

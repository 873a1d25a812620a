"""The demo's hotline calls: pushed through the call-centre endpoint, with recordings and call-backs."""

import pytest

from aftersales.demo.calls import seed_calls
from aftersales.demo.seed import seed_complaints, seed_staff
from aftersales.intake.channels.hotline.models import Call, CallBack


@pytest.mark.django_db
def test_the_demo_pushes_calls_with_recordings_call_backs_and_the_senior_line(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = seed_staff()
    seed_complaints(count=30, staff=staff)
    assert seed_calls(count=12, staff=staff) == 12
    assert Call.objects.count() == 12
    assert Call.objects.exclude(recording="").count() == 9
    assert CallBack.objects.count() == 3 and Call.objects.filter(after_hours=True).count() == 3
    assert Call.objects.filter(queue="senior", opened_complaint=True).exists()
    assert Call.objects.filter(direction="outbound", complaint__isnull=False).exists()

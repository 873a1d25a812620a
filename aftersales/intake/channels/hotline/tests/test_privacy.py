"""A customer's calls are erased with them: number, transcript and recording; the hash stays."""

from datetime import timedelta

import pytest

from aftersales.accounts.actors import customer_actor
from aftersales.accounts.privacy.services import erasure_execute, erasure_request, retention_purge
from aftersales.common import clock
from aftersales.complaints.models import TimelineEvent
from aftersales.intake.channels.hotline.client import tone_wav
from aftersales.intake.channels.hotline.models import Call
from aftersales.intake.channels.hotline.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_erasure_takes_the_recording_and_transcript_but_keeps_the_hash(
    call_centre, wang, grandma_li, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    pushed = call_centre.push_call(
        call_id="c-1",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text="手机屏幕碎了，想问保修",
        transcript="李秀英：我家住在朝阳区……",
        recording=tone_wav(seconds=0.2),
    ).json()
    call = Call.objects.get()
    path = settings.MEDIA_ROOT / call.recording.name
    assert path.exists()
    request = erasure_request(customer=grandma_li, actor=customer_actor(grandma_li.pk))
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(request_id=request.pk)
    call.refresh_from_db()
    assert (call.customer_phone, call.transcript, call.recording.name, call.customer_id) == ("", "", "", None)
    assert call.erased_at is not None and call.recording_sha256 == pushed["recording_sha256"]
    assert not path.exists()
    event = TimelineEvent.objects.get(kind=TimelineEvent.Kind.CALL)
    assert event.payload["recording_sha256"] == pushed["recording_sha256"]


def test_recordings_past_the_retention_period_are_deleted(
    call_centre, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    call_centre.push_call(
        call_id="c-old",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:01"),
        customer_number="13911112222",
        recording=tone_wav(seconds=0.1),
    )
    call = Call.objects.get()
    path = settings.MEDIA_ROOT / call.recording.name
    with (
        clock.travel_to(call.started_at + timedelta(days=800)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        retention_purge()
    call.refresh_from_db()
    assert call.recording.name == "" and call.recording_sha256 and not path.exists()


def test_the_service_record_cites_the_recordings_hash(call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    from aftersales.complaints.models import Complaint
    from aftersales.evidence.service_record import service_record_content

    pushed = call_centre.push_call(
        call_id="c-rec",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:01"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text="开机后一直卡在品牌画面",
        recording=tone_wav(seconds=0.1),
    ).json()
    document = service_record_content(complaint=Complaint.objects.get(number=pushed["complaint_number"]))
    words = [row["words"] for row in document["timeline"]]
    assert any(pushed["recording_sha256"] in line and "热线通话" in line for line in words)

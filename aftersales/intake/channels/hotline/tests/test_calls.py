import hashlib
import logging

import pytest

from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.intake.channels.hotline.client import CallCentreClient, tone_wav
from aftersales.intake.channels.hotline.models import Call, CallBack
from aftersales.intake.channels.hotline.tests.conftest import SECRET, at, bearer

pytestmark = pytest.mark.django_db

COMPLAINT = "手机充电的时候发烫得厉害，充一晚上才到百分之六十，麻烦看一下"


def test_a_call_with_a_wrong_or_missing_secret_is_refused_and_logged(client, call_centre, caplog):  # type: ignore[no-untyped-def]
    call_centre.secret = "not-the-secret-at-all-000000"
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        wrong = call_centre.push_call(
            call_id="c-1", started_at=at("2026-11-30 10:00"), ended_at=at("2026-11-30 10:05")
        )
        missing = client.post("/api/v1/channels/hotline/calls", {"call_id": "c-1"})
    assert wrong.status_code == 401 and missing.status_code == 401
    assert wrong.json()["error"] == "call_centre_unauthenticated"
    assert "呼叫中心" in wrong.json()["message"]
    assert "wrong secret" in caplog.text and "unknown system" in caplog.text
    assert SECRET not in caplog.text and not Call.objects.exists()


def test_a_call_logs_a_complaint_through_intake_and_writes_its_timeline(call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    wav = tone_wav(seconds=0.5)
    answer = call_centre.push_call(
        call_id="c-100",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:07:30"),
        customer_number="+86 138 0013 8000",
        agent="E10001",
        complaint_text=COMPLAINT,
        transcript="客户：你好，我的手机充电发烫……",
        recording=wav,
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    complaint = Complaint.objects.get(number=body["complaint_number"])
    assert complaint.channel == "hotline" and complaint.customer == grandma_li
    assert body["opened_complaint"] and body["customer_known"] and not body["after_hours"]
    assert body["recording_sha256"] == hashlib.sha256(wav).hexdigest()
    event = complaint.events.get(kind=TimelineEvent.Kind.CALL)
    assert event.payload["recording_sha256"] == body["recording_sha256"]
    assert event.payload["duration_seconds"] == 450 and event.actor == f"staff:{wang.pk}"
    # References only: no number, name or transcript on the timeline.
    text = str(event.payload)
    assert "13800138000" not in text and "李" not in text and "发烫" not in text


def test_a_replayed_call_is_answered_as_before_and_a_changed_one_refused(call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    fields = {
        "call_id": "c-200",
        "started_at": at("2026-11-30 10:00"),
        "ended_at": at("2026-11-30 10:03"),
        "customer_number": "13800138000",
        "agent": "wang",
        "complaint_text": COMPLAINT,
    }
    first = call_centre.push_call(**fields)
    again = call_centre.push_call(**fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] and again.json()["complaint_number"] == first.json()["complaint_number"]
    assert Call.objects.count() == 1 and Complaint.objects.count() == 1
    changed = call_centre.push_call(**{**fields, "ended_at": at("2026-11-30 10:09")})
    assert changed.status_code == 409 and changed.json()["error"] == "call_id_reused"


@pytest.mark.parametrize(
    "written",
    [
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "１３８００１３８０００",
        "(+86)13800138000",
        "138-0013-8000",
    ],
)
def test_the_caller_is_found_by_the_number_however_written(call_centre, grandma_li, written):  # type: ignore[no-untyped-def]
    answer = call_centre.push_call(
        call_id="c-300",
        started_at=at("2026-11-30 09:00"),
        ended_at=at("2026-11-30 09:01"),
        customer_number=written,
    )
    assert answer.status_code == 201
    call = Call.objects.get()
    assert call.customer == grandma_li and call.customer_phone == "+8613800138000"


def test_a_landline_with_its_area_code_is_kept_in_e164(call_centre):  # type: ignore[no-untyped-def]
    answer = call_centre.push_call(
        call_id="c-301",
        started_at=at("2026-11-30 09:00"),
        ended_at=at("2026-11-30 09:01"),
        customer_number="010-6552 9988",
    )
    assert answer.status_code == 201 and not answer.json()["customer_known"]
    assert Call.objects.get().customer_phone == "+861065529988"


def test_a_call_attaches_to_an_existing_complaint_by_number(call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    opened = call_centre.push_call(
        call_id="c-400",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text=COMPLAINT,
    ).json()
    later = call_centre.push_call(
        call_id="c-401",
        started_at=at("2026-11-30 15:00"),
        ended_at=at("2026-11-30 15:02"),
        customer_number="13800138000",
        agent="E10001",
        complaint_number=opened["complaint_number"],
        direction="outbound",
    )
    assert later.status_code == 201 and not later.json()["opened_complaint"]
    complaint = Complaint.objects.get(number=opened["complaint_number"])
    assert complaint.events.filter(kind=TimelineEvent.Kind.CALL).count() == 2
    unknown = call_centre.push_call(
        call_id="c-402",
        started_at=at("2026-11-30 15:00"),
        ended_at=at("2026-11-30 15:02"),
        complaint_number="OP-19990101-0001",
    )
    assert unknown.status_code == 422 and "complaint_number" in unknown.json()["fields"]


def test_a_call_outside_opening_hours_becomes_a_call_back_due_at_opening(client, call_centre, wang):  # type: ignore[no-untyped-def]
    late = call_centre.push_call(
        call_id="c-500",
        started_at=at("2026-11-30 23:20"),
        ended_at=at("2026-11-30 23:21"),
        customer_number="13912345678",
    )
    early = call_centre.push_call(
        call_id="c-501",
        started_at=at("2026-11-30 06:40"),
        ended_at=at("2026-11-30 06:41"),
        customer_number="13912345679",
    )
    open_hours = call_centre.push_call(
        call_id="c-502",
        started_at=at("2026-11-30 07:00"),
        ended_at=at("2026-11-30 07:01"),
        customer_number="13912345670",
    )
    assert late.json()["after_hours"] and early.json()["after_hours"] and not open_hours.json()["after_hours"]
    assert late.json()["call_back_due_at"].startswith("2026-11-30T23:00:00")  # 07:00 in Beijing, in UTC
    assert early.json()["call_back_due_at"].startswith("2026-11-29T23:00:00")
    assert CallBack.objects.count() == 2
    listed = client.get("/api/v1/channels/hotline/call-backs", **bearer(wang)).json()
    assert [row["customer_phone"] for row in listed] == ["+8613912345679", "+8613912345678"]
    done = client.post(f"/api/v1/channels/hotline/call-backs/{listed[0]['id']}/done", **bearer(wang))
    assert done.status_code == 200
    twice = client.post(f"/api/v1/channels/hotline/call-backs/{listed[0]['id']}/done", **bearer(wang))
    assert twice.status_code == 409 and twice.json()["error"] == "call_back_done"
    left = client.get("/api/v1/channels/hotline/call-backs", **bearer(wang)).json()
    assert [row["customer_phone"] for row in left] == ["+8613912345678"]
    assert client.get("/api/v1/channels/hotline/call-backs").status_code == 401


def test_the_senior_line_raises_the_complaint_and_its_call_back_first(client, call_centre, wang):  # type: ignore[no-untyped-def]
    plain = call_centre.push_call(
        call_id="c-600",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13911112222",
        agent="E10001",
        complaint_text="屏幕有一条竖线",
    ).json()
    senior = call_centre.push_call(
        call_id="c-601",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13911113333",
        agent="E10001",
        complaint_text="屏幕有一条竖线",
        dialled_number="400-666-7733",
    ).json()
    assert (plain["queue"], senior["queue"]) == ("general", "senior")
    assert senior["priority"] == plain["priority"] - 1
    plain_complaint = Complaint.objects.get(number=plain["complaint_number"])
    senior_complaint = Complaint.objects.get(number=senior["complaint_number"])
    assert senior_complaint.priority == plain_complaint.priority - 1
    event = senior_complaint.events.get(kind=TimelineEvent.Kind.CALL)
    assert event.payload["priority_to"] == senior_complaint.priority and event.payload["queue"] == "senior"
    # After hours, the senior line's call-back comes first though it came later.
    call_centre.push_call(
        call_id="c-602",
        started_at=at("2026-11-30 23:10"),
        ended_at=at("2026-11-30 23:11"),
        customer_number="13911114444",
    )
    call_centre.push_call(
        call_id="c-603",
        started_at=at("2026-11-30 23:50"),
        ended_at=at("2026-11-30 23:51"),
        customer_number="13911115555",
        queue="senior",
    )
    listed = client.get("/api/v1/channels/hotline/call-backs", **bearer(wang)).json()
    assert [row["queue"] for row in listed] == ["senior", "general"]


def test_a_recording_uploaded_separately_is_hashed_and_put_on_the_timeline(call_centre, wang, grandma_li):  # type: ignore[no-untyped-def]
    opened = call_centre.push_call(
        call_id="c-700",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text=COMPLAINT,
    ).json()
    assert opened["recording_sha256"] == ""
    wav = tone_wav(seconds=0.3, frequency=660)
    uploaded = call_centre.push_recording(call_id="c-700", recording=wav)
    assert (
        uploaded.status_code == 200 and uploaded.json()["recording_sha256"] == hashlib.sha256(wav).hexdigest()
    )
    again = call_centre.push_recording(call_id="c-700", recording=wav)
    assert again.status_code == 200
    other = call_centre.push_recording(call_id="c-700", recording=tone_wav(seconds=0.3, frequency=880))
    assert other.status_code == 409 and other.json()["error"] == "recording_exists"
    events = Complaint.objects.get(number=opened["complaint_number"]).events.filter(
        kind=TimelineEvent.Kind.CALL
    )
    assert [e.payload.get("recording_sha256", "") for e in events.order_by("seq")] == [
        "",
        hashlib.sha256(wav).hexdigest(),
    ]
    call = Call.objects.get()
    assert call.recording.name.endswith(".wav") and "13800138000" not in call.recording.name
    assert call.recording.read() == wav


def test_only_central_staff_may_play_a_recording(client, call_centre, wang, liu, grandma_li):  # type: ignore[no-untyped-def]
    wav = tone_wav(seconds=0.2)
    pushed = call_centre.push_call(
        call_id="c-800",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:05"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text=COMPLAINT,
        recording=wav,
    ).json()
    path = f"/api/v1/channels/hotline/recordings/{pushed['id']}"
    played = client.get(path, **bearer(wang))
    assert played.status_code == 200 and played["Content-Type"] == "audio/x-wav"
    assert b"".join(played.streaming_content) == wav
    assert "attachment" in client.get(path + "?download=1", **bearer(wang))["Content-Disposition"]
    assert client.get(path).status_code == 401
    assert client.get(path, **bearer(liu)).status_code == 403
    # The customer's own session may not either.
    from aftersales.accounts.services import customer_session_open
    from aftersales.common import clock

    token = customer_session_open(customer=grandma_li, at=clock.now())
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


BASE = {"call_id": "c-900", "started_at": at("2026-11-30 10:00"), "ended_at": at("2026-11-30 10:05")}


def _refusal(answer, field):  # type: ignore[no-untyped-def]
    """A 4xx naming `field`, its reason in Chinese, and the same in English."""
    assert 400 <= answer.status_code < 500, answer.content
    body = answer.json()
    assert field in body["fields"], body
    return body["fields"][field]


def test_an_oversized_recording_is_refused_naming_the_field(client, call_centre, settings):  # type: ignore[no-untyped-def]
    settings.HOTLINE_RECORDING_MAX_BYTES = 4096
    reason = _refusal(call_centre.push_call(**BASE, recording=tone_wav(seconds=2)), "recording")
    assert "4096" in reason and "录音" in reason
    assert not Call.objects.exists()


def test_an_executable_disguised_as_a_wav_is_refused(call_centre, settings):  # type: ignore[no-untyped-def]
    program = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 64
        + b"This program cannot be run in DOS mode"
    )
    answer = call_centre.push_call(**BASE, recording=program, recording_name="录音.wav")
    assert "录音" in _refusal(answer, "recording")
    assert answer.json()["field_codes"]["recording"] == "recording_type_not_allowed"
    assert not Call.objects.exists()
    assert not settings.MEDIA_ROOT.exists() or not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_a_wav_header_alone_is_not_enough_to_pass_for_text(call_centre):  # type: ignore[no-untyped-def]
    answer = call_centre.push_call(
        **BASE, recording="这是一段文字，不是录音".encode(), recording_name="call.wav"
    )
    assert answer.json()["field_codes"]["recording"] == "recording_type_not_allowed"
    empty = call_centre.push_call(**BASE, recording=b"", recording_name="call.wav")
    assert empty.status_code == 422 and "recording" in empty.json()["fields"]


def test_refusals_are_in_english_too(client):  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.hotline.client import CallCentreClient

    english = CallCentreClient(http=client, system="yunhu", secret=SECRET)
    answer = client.post(
        "/api/v1/channels/hotline/calls?lang=en",
        {
            "call_id": "c-901",
            "direction": "inbound",
            "started_at": "2026-11-30T10:05:00+08:00",
            "ended_at": "2026-11-30T10:00:00+08:00",
        },
        **english._auth(),
    )
    assert answer.status_code == 422
    assert answer.json()["fields"]["ended_at"] == "The end is before the start."


@pytest.mark.parametrize(
    ("language", "reason"), [("en", "Not a valid phone number."), ("zh-hans", "电话号码无效。")]
)
def test_a_bad_customer_number_is_not_called_a_bad_mobile_since_landlines_are_taken(client, language, reason):  # type: ignore[no-untyped-def]
    answer = client.post(
        f"/api/v1/channels/hotline/calls?lang={language}",
        {
            "call_id": "c-902",
            "direction": "inbound",
            "started_at": "2026-11-30T10:00:00+08:00",
            "ended_at": "2026-11-30T10:05:00+08:00",
            "customer_number": "０１０-６５５２",
        },
        **CallCentreClient(http=client, system="yunhu", secret=SECRET)._auth(),
    )
    assert answer.status_code == 422
    assert answer.json()["fields"]["customer_number"] == reason
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ended_at": at("2026-11-30 09:00")}, "ended_at"),
        ({"customer_number": "138\x000013800"}, "customer_number"),
        ({"transcript": "客户说\x00话"}, "transcript"),
        ({"customer_number": "请回电"}, "customer_number"),
        ({"agent": "E99999"}, "agent"),
        ({"queue": "vip"}, "queue"),
        ({"direction": "sideways"}, "direction"),
        ({"complaint_text": COMPLAINT}, "agent"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(call_centre, fields, field):  # type: ignore[no-untyped-def]
    reason = _refusal(call_centre.push_call(**{**BASE, **fields}), field)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    assert not Call.objects.exists()


def test_times_without_offset_or_unreadable_are_refused(client, call_centre):  # type: ignore[no-untyped-def]
    auth = call_centre._auth()
    naive = client.post(
        "/api/v1/channels/hotline/calls",
        {
            "call_id": "c-902",
            "direction": "inbound",
            "started_at": "2026-11-30T10:00:00",
            "ended_at": "2026-11-30T10:05:00+08:00",
        },
        **auth,
    )
    assert "偏移" in _refusal(naive, "started_at")
    garbled = client.post(
        "/api/v1/channels/hotline/calls",
        {
            "call_id": "c-903",
            "direction": "inbound",
            "started_at": "昨天上午",
            "ended_at": "2026-11-30T10:05:00+08:00",
        },
        **auth,
    )
    _refusal(garbled, "started_at")

"""The worker's second reading: intake reads a complaint without the sentence encoder, the
worker reads it again with it seconds later and revises what no person has touched yet."""

import pytest
from django.utils import translation

from aftersales.accounts.actors import SYSTEM, staff_actor
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.services import (
    complaint_correct_category,
    complaint_second_reading,
    complaint_second_readings,
)
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.words import event_words
from aftersales.policy.pack import current_pack
from aftersales.triage import classifier, encoder
from aftersales.triage import services as triage_services
from aftersales.triage.services import Reading, TextCategory, triage_read

TEXT = "手机用了两个月,打游戏时屏幕经常自己乱跳,点哪里都不对,重启也没用"


@pytest.fixture
def encoder_on(settings):  # type: ignore[no-untyped-def]
    settings.TRIAGE_ENCODER = True
    classifier.forget_loaded_models()
    yield
    classifier.forget_loaded_models()


def revisions(complaint: Complaint) -> list[TimelineEvent]:
    return [
        e
        for e in complaint.events.filter(kind=TimelineEvent.Kind.TRIAGE).order_by("pk")
        if "revised_from" in e.payload
    ]


def reading_as(category: str, confidence: float, monkeypatch):  # type: ignore[no-untyped-def]
    """The second reading answers `category` at `confidence` (the model's own answer is tested below)."""

    def read(*, text: str, pack=None, defer_encoder: bool = False) -> TextCategory:  # type: ignore[no-untyped-def]
        return TextCategory(reading=Reading(category, confidence), version="test-model")

    monkeypatch.setattr(triage_services, "triage_read", read)


def test_intake_does_not_run_the_encoder_and_marks_the_complaint(db, encoder_on, monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[int] = []
    available = encoder.encoder_available

    def spy() -> bool:
        calls.append(1)
        return available()

    monkeypatch.setattr(encoder, "encoder_available", spy)

    complaint = submit_complaint(text=TEXT)

    assert calls == []  # not even loaded by the request
    assert complaint.triage_second_reading_due is True
    arrival = triage_read(text=f"{complaint.subject}\n{TEXT}", defer_encoder=True)
    assert arrival.encoder_deferred is True
    assert complaint.category == arrival.reading.category
    assert complaint.category_confidence == pytest.approx(arrival.reading.confidence, abs=1e-4)


def test_without_the_encoder_nothing_is_marked(db, settings):  # type: ignore[no-untyped-def]
    settings.TRIAGE_ENCODER = False
    classifier.forget_loaded_models()
    assert submit_complaint(text=TEXT).triage_second_reading_due is False


def test_the_worker_reads_it_with_the_encoder_and_keeps_the_arrival_reading_in_the_timeline(db, encoder_on):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TEXT)
    arrival = (complaint.category, round(complaint.category_confidence, 4), complaint.team)
    full = triage_read(text=f"{complaint.subject}\n{TEXT}")
    assert full.encoder_deferred is False

    assert complaint_second_readings(actor=SYSTEM) == 1

    complaint.refresh_from_db()
    assert complaint.triage_second_reading_due is False
    assert complaint.category == full.reading.category
    assert complaint.category_confidence == pytest.approx(full.reading.confidence, abs=1e-4)
    [event] = revisions(complaint)
    before = event.payload["revised_from"]
    assert (before["category"], before["confidence"], before["team"]) == arrival
    assert event.payload["category"] == complaint.category
    # The sweep finds nothing more to do.
    assert complaint_second_readings(actor=SYSTEM) == 0


def test_a_confident_second_reading_takes_it_out_of_the_human_triage_queue(db, encoder_on, monkeypatch):  # type: ignore[no-untyped-def]
    pack = current_pack()
    complaint = submit_complaint(text=TEXT)
    Complaint.objects.filter(pk=complaint.pk).update(
        team=pack.triage_team, category="other", category_confidence=0.2
    )
    reading_as("screen", 0.93, monkeypatch)

    revised = complaint_second_reading(actor=SYSTEM, complaint_id=complaint.pk)

    assert revised is not None
    assert (revised.category, revised.team) == ("screen", pack.levels[revised.level].team)
    [event] = revisions(revised)
    assert event.payload["revised_from"] == {"category": "other", "confidence": 0.2, "team": pack.triage_team}
    assert revised.event_count == revised.events.count()
    with translation.override("en"):
        headline, _ = event_words(event, {})
    assert "Second reading" in headline and "93%" in headline and "20%" in headline


def test_an_unsure_second_reading_sends_it_to_human_triage(db, encoder_on, monkeypatch):  # type: ignore[no-untyped-def]
    pack = current_pack()
    complaint = submit_complaint(text=TEXT)
    assert complaint.team != pack.triage_team
    reading_as("camera", pack.triage_min_confidence / 2, monkeypatch)

    revised = complaint_second_reading(actor=SYSTEM, complaint_id=complaint.pk)

    assert revised is not None and revised.team == pack.triage_team


def test_what_a_person_has_touched_keeps_its_category(db, encoder_on, alice, monkeypatch):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TEXT)
    complaint_correct_category(
        actor=staff_actor(alice), complaint=complaint, category="audio", reason="客户电话确认"
    )
    reading_as("screen", 0.95, monkeypatch)

    assert complaint_second_readings(actor=SYSTEM) == 1

    complaint.refresh_from_db()
    assert (complaint.category, complaint.triage_second_reading_due) == ("audio", False)
    assert revisions(complaint) == []


def test_a_complaint_is_read_again_once_by_two_workers(db, encoder_on, monkeypatch):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TEXT)
    reading_as("camera", 0.9, monkeypatch)

    first = complaint_second_reading(actor=SYSTEM, complaint_id=complaint.pk)
    second = complaint_second_reading(actor=SYSTEM, complaint_id=complaint.pk)

    assert first is not None and second is None
    assert len(revisions(first)) == 1


def test_marks_wait_while_the_encoder_cannot_load_and_are_cleared_when_it_is_switched_off(
    db, encoder_on, settings, monkeypatch
):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TEXT)
    monkeypatch.setattr(encoder, "encoder_available", lambda: False)

    assert complaint_second_readings(actor=SYSTEM) == 0
    assert Complaint.objects.get(pk=complaint.pk).triage_second_reading_due is True

    settings.TRIAGE_ENCODER = False
    assert complaint_second_readings(actor=SYSTEM) == 0
    assert Complaint.objects.get(pk=complaint.pk).triage_second_reading_due is False

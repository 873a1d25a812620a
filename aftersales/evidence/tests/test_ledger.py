"""The ledger as the application writes it: one chain per complaint, in the writer's transaction."""

import pytest
from django.db import connection

from aftersales.accounts.actors import SYSTEM, staff_actor
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import TimelineEvent
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.evidence.formats import GENESIS, canonical_json, sha256_hex
from aftersales.evidence.ledger import entry_document_of
from aftersales.evidence.models import LedgerEntry
from aftersales.evidence.services import seal_create
from aftersales.evidence.verify import ledger_verify

pytestmark = pytest.mark.django_db


def _busy_day(alice):  # type: ignore[no-untyped-def]
    """Two customers' complaints with replies, notes and transitions: a normal day's timeline."""
    agent = staff_actor(alice)
    first = submit_complaint(text="屏幕碎了 📱 还能保修吗?", phone="+8613800138000")
    second = submit_complaint(text="電池膨脹,螢幕被頂起來", phone="+8613900139000")
    complaint_services.complaint_reply(actor=agent, complaint=first, body="您好,请带设备到网点检测。")
    complaint_services.complaint_add_note(actor=agent, complaint=second, body="客户很着急 ２４小时内回电")
    return first, second


def test_every_timeline_event_gets_an_entry_in_its_complaints_chain(alice):  # type: ignore[no-untyped-def]
    first, second = _busy_day(alice)
    for complaint in (first, second):
        events = list(TimelineEvent.objects.filter(complaint=complaint).order_by("seq"))
        entries = list(LedgerEntry.objects.filter(chain=f"complaint:{complaint.number}").order_by("seq"))
        assert [entry.subject_id for entry in entries] == [event.pk for event in events]
        assert [entry.seq for entry in entries] == list(range(1, len(events) + 1))
        assert entries[0].prev == GENESIS
        for before, after in zip(entries, entries[1:], strict=False):
            assert after.prev == before.entry_hash
        for entry in entries:
            assert entry.position is None and entry.link == ""


def test_an_entrys_hash_is_the_sha256_of_its_canonical_json(alice):  # type: ignore[no-untyped-def]
    _busy_day(alice)
    entry = LedgerEntry.objects.order_by("id").first()
    document = {
        "chain": entry.chain,
        "content": entry.content,
        "prev": entry.prev,
        "recorded_at": entry.recorded_at.isoformat(timespec="microseconds"),
        "seq": entry.seq,
        "subject": f"timeline_event:{entry.subject_id}",
    }
    assert entry_document_of(entry) == canonical_json(document)
    assert sha256_hex(canonical_json(document)) == entry.entry_hash


def test_the_ledger_verifies_after_normal_use_sealed_and_unsealed(alice, signing_key):  # type: ignore[no-untyped-def]
    first, second = _busy_day(alice)
    seal_create(actor=SYSTEM)
    complaint_services.complaint_reply(actor=staff_actor(alice), complaint=second, body="已安排上门取件")
    report = ledger_verify()
    assert report.ok, report.problem
    assert report.entries == LedgerEntry.objects.count() == TimelineEvent.objects.count()
    assert 0 < report.sealed < report.entries
    assert report.records == report.entries
    assert report.seals == 1


def test_a_timeline_event_rolled_back_leaves_no_entry(alice):  # type: ignore[no-untyped-def]
    first, _second = _busy_day(alice)
    before = LedgerEntry.objects.count()
    with pytest.raises(Exception, match="boom"):
        from django.db import transaction

        with transaction.atomic():
            complaint_services.complaint_add_note(actor=staff_actor(alice), complaint=first, body="草稿")
            raise RuntimeError("boom")
    assert LedgerEntry.objects.count() == before
    assert ledger_verify().ok


def test_a_timeline_event_changed_in_the_database_is_named(alice):  # type: ignore[no-untyped-def]
    first, _second = _busy_day(alice)
    event = TimelineEvent.objects.filter(complaint=first).order_by("seq").last()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TimelineEvent._meta.db_table} SET actor = %s WHERE id = %s", ["staff:999", event.pk]
        )
    problem = ledger_verify().problem
    assert problem is not None
    assert problem.code == "record_altered"
    assert problem.subject == f"timeline_event:{event.pk}"


def test_a_timeline_event_inserted_in_the_database_is_named(alice):  # type: ignore[no-untyped-def]
    first, _second = _busy_day(alice)
    forged = TimelineEvent.objects.create(
        complaint=first, seq=99, kind="note", at=first.created_at, actor="staff:1", payload={}
    )
    problem = ledger_verify().problem
    assert problem is not None
    assert problem.code == "record_unsealed"
    assert problem.subject == f"timeline_event:{forged.pk}"


def test_appends_for_different_complaints_read_only_their_own_chain(alice, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    first, second = _busy_day(alice)
    from aftersales.evidence.ledger import Record, ledger_append

    with django_assert_max_num_queries(2) as captured:
        ledger_append(
            records=[
                Record(chain=f"complaint:{first.number}", subject_kind="test", subject_id=1, content=b"{}")
            ]
        )
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert first.number in sql and second.number not in sql
    assert "FOR UPDATE" not in sql.upper()

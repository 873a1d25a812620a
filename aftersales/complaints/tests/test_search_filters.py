"""Search filters and id ranges as the index holds them: a filtered search follows a complaint's
state, team and category as they change (PostgreSQL keeps them as terms of the document,
SQLite joins the complaints table), old matches are found past empty newer id ranges, and
filtered and paged searches cost the same statements for one hit as for many.

Personas (conftest.py): alice (agent, sees every complaint), tom (technical team),
oscar (outlet technician of outlet-sh-01, sees only his outlet's).
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.complaints import search as complaint_search_module
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.search import _id_range_branches, _months, search_index_missing
from aftersales.complaints.tests.factories import new_imei, submit_complaint
from aftersales.complaints.tests.test_search import bearer, search, statements

pytestmark = pytest.mark.django_db
TOUCH = "屏幕触控失灵了,打字点不到"


def phone(index: int) -> str:
    return f"+861360013{index:04d}"


def test_a_state_filter_follows_the_complaint_through_its_moves(client, alice):
    complaint = submit_complaint(text=TOUCH, phone=phone(1))
    assert search(client, alice, "触控失灵", state="accepted") == [complaint.number]
    services.complaint_transition(actor=staff_actor(alice), complaint=complaint, action="start_processing")
    assert search(client, alice, "触控失灵", state="accepted") == []
    assert search(client, alice, "触控失灵", state="processing") == [complaint.number]


def test_a_team_filter_follows_an_escalation_and_a_category_filter_a_correction(client, alice):
    complaint = submit_complaint(text=TOUCH, phone=phone(2))
    before = Complaint.objects.get(pk=complaint.pk)
    assert search(client, alice, "触控", team=before.team) == [complaint.number]
    services.complaint_escalate(actor=staff_actor(alice), complaint=complaint, reason="需要技术支持判断")
    after = Complaint.objects.get(pk=complaint.pk)
    assert after.team != before.team
    assert search(client, alice, "触控", team=before.team) == []
    assert search(client, alice, "触控", team=after.team) == [complaint.number]
    services.complaint_correct_category(
        actor=staff_actor(alice), complaint=after, category="battery_charging", reason="实为电池问题"
    )
    assert search(client, alice, "触控", category=before.category) == []
    assert search(client, alice, "触控", category="battery_charging") == [complaint.number]


def test_a_bulk_update_outside_the_services_moves_the_filters_too(client, alice):
    complaint = submit_complaint(text=TOUCH, phone=phone(3))
    Complaint.objects.filter(pk=complaint.pk).update(state="closed", is_open=False, channel="hotline")
    assert search(client, alice, "触控", state="closed", channel="hotline") == [complaint.number]
    assert search(client, alice, "触控", channel="app") == []
    assert search_index_missing() == []


def test_a_filter_value_with_quotes_and_backslashes_finds_nothing_and_breaks_nothing(client, alice):
    submit_complaint(text=TOUCH, phone=phone(4))
    for hostile in ["agents' | 'x", "a\\", "' & !'", "team:agents", "触控 | 电池"]:
        assert search(client, alice, "触控", team=hostile) == [], hostile
        assert search(client, alice, "触控", category=hostile) == [], hostile


def test_outlet_staff_find_only_their_outlets_complaints_whatever_team_they_ask_for(client, alice, oscar):
    mine = submit_complaint(text=TOUCH, phone=phone(5))
    other = submit_complaint(text=TOUCH, phone=phone(6))
    Complaint.objects.filter(pk=mine.pk).update(team="outlet-sh-01")
    assert search(client, oscar, "触控") == [mine.number]
    assert search(client, oscar, "触控", team="agents") == []
    assert set(search(client, alice, "触控")) == {mine.number, other.number}


def _skip_complaint_ids(count: int) -> None:
    """The next complaint's id is `count` past the last one: as if that many came in between.
    (A PostgreSQL sequence is not rolled back with the test's transaction: always move forward.)"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sequence = "pg_get_serial_sequence('complaints_complaint', 'id')"
            cursor.execute(f"SELECT setval({sequence}, nextval({sequence}) + %s)", [count])
        else:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = 'complaints_complaint'", [count]
            )


def test_an_old_match_is_found_past_newer_id_ranges_that_hold_none(client, alice):
    old = submit_complaint(text=TOUCH, phone=phone(7))
    _skip_complaint_ids(3_000_000)  # sixty ranges of 50,000 later: the last, open-ended branch
    newer = submit_complaint(text="电池续航很差,半天就没电", phone=phone(8))
    _skip_complaint_ids(120_000)
    newest = submit_complaint(text="触控有时失灵", phone=phone(9))
    assert newest.pk - old.pk > 3_120_000
    assert search(client, alice, "触控") == [newest.number, old.number]
    assert search(client, alice, "电池") == [newer.number]


def test_the_newest_matches_fill_the_window_before_older_ranges_are_read(client, alice, monkeypatch):
    monkeypatch.setattr(complaint_search_module, "SEARCH_WINDOW", 2)
    old = submit_complaint(text=TOUCH, phone=phone(10))
    _skip_complaint_ids(500_000)
    newer = [submit_complaint(text=TOUCH, phone=phone(11 + index)) for index in range(3)]
    found = search(client, alice, "触控", limit=2)
    assert found == [newer[2].number, newer[1].number]
    assert old.number not in found


def test_a_period_filter_keeps_its_exact_local_bounds(client, alice):
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    # 00:30 on 1 November in Shanghai is still October in UTC: the month terms must not lose it.
    early = submit_complaint(text=TOUCH, phone=phone(20), at=datetime(2026, 11, 1, 0, 30, tzinfo=shanghai))
    late = submit_complaint(text=TOUCH, phone=phone(21), at=datetime(2026, 10, 31, 23, 30, tzinfo=shanghai))
    assert search(client, alice, "触控", created_from="2026-11-01", created_to="2026-11-01") == [early.number]
    assert search(client, alice, "触控", created_to="2026-10-31") == [late.number]
    assert search(client, alice, "触控", created_from="2026-10-01") == [late.number, early.number]


def test_id_range_branches_grow_from_the_newest_and_end_open():
    assert _id_range_branches(10) == [None]
    assert _id_range_branches(1_000_000) == [[20, 19], [18, 17, 16, 15, 14, 13, 12, 11], None]
    assert _id_range_branches(99_999) == [None]
    assert len(_id_range_branches(10**9)) == complaint_search_module.MAX_BRANCHES


def test_months_cover_the_period_in_utc_without_the_month_it_ends_on_the_first_instant_of():
    assert _months(datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 1, 16, tzinfo=UTC)) == [
        "2026-10",
        "2026-11",
    ]
    assert _months(datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)) == [
        "2025-12",
        "2026-01",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": "accepted"},
        {"team": "agents", "channel": "app"},
        {"category": "screen", "created_from": "2026-01-01"},
        {"offset": 5, "limit": 5},
    ],
)
def test_a_filtered_or_paged_search_costs_the_same_statements_for_a_short_page_as_for_a_full_one(
    client, alice, params
):
    headers = bearer(alice)
    for index in range(6):  # one hit on the page at offset 5
        submit_complaint(text=TOUCH, phone=phone(50 + index), imei=new_imei())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/complaints/search", {"q": "触控", **params}, **headers)
        assert response.status_code == 200, response.json()
        return statements(queries)

    one = count()
    for index in range(11):
        submit_complaint(text=TOUCH, phone=phone(31 + index))
    assert count() == one <= 6


# --- the staff read paths' statements ------------------------------------------------------------


@pytest.mark.parametrize("query", ["?team=agents&state=accepted", "?state=accepted", "?team=technical"])
def test_a_narrowed_queue_costs_the_same_statements_for_two_rows_as_for_eight(client, alice, query):
    headers = bearer(alice)
    counts = []
    for batch in (2, 6):
        made = [submit_complaint(text=TOUCH, phone=phone(100 + 10 * batch + i)).pk for i in range(batch)]
        Complaint.objects.filter(pk__in=made).update(team="technical" if "technical" in query else "agents")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/complaints{query}", **headers)
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.json()) == 8
    assert counts[0] == counts[1] <= 4


def test_the_timeline_costs_the_same_statements_for_three_events_as_for_twenty(client, alice, tom):
    headers = bearer(alice)
    complaint = submit_complaint(text=TOUCH, phone=phone(200))
    url = f"/api/v1/complaints/{complaint.number}/timeline"
    with CaptureQueriesContext(connection) as short:
        first = client.get(url, **headers).json()
    for index in range(9):
        services.complaint_add_note(
            actor=staff_actor(tom if index % 2 else alice), complaint=complaint, body="跟进"
        )
        services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body=f"您好,第{index}次回复")
    with CaptureQueriesContext(connection) as long:
        second = client.get(url, **headers).json()
    assert len(second) >= len(first) + 18
    assert len(long) == len(short)


def test_the_detail_costs_the_same_statements_for_three_events_as_for_twenty(client, alice, tom):
    """The staff detail: the token, the complaint, the access record, its outlet, its timeline
    and its walk-in read-out, whatever the length of the timeline."""
    headers = bearer(alice)
    complaint = submit_complaint(text=TOUCH, phone=phone(210))
    url = f"/api/v1/complaints/{complaint.number}"
    with CaptureQueriesContext(connection) as short:
        first = client.get(url, **headers).json()
    while Complaint.objects.get(pk=complaint.pk).event_count < 20:
        services.complaint_add_note(actor=staff_actor(tom), complaint=complaint, body="跟进")
    with CaptureQueriesContext(connection) as long:
        second = client.get(url, **headers).json()
    assert (len(first["timeline"]), len(second["timeline"])) == (3, 20)
    assert statements(long) == statements(short) <= 6

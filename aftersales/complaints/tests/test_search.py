"""Staff search: numbers, phones and IMEIs as people write them, Chinese without spaces, English
words, ranking, filters, who may search what, and erased text that can no longer be found.

Personas (conftest.py): alice (agent, sees every complaint), oscar (outlet technician of
outlet-sh-01, sees only his outlet's), carol (a customer: may not search).
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import Customer
from aftersales.accounts.services import api_token_create
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message
from aftersales.complaints.search import (
    SearchFilters,
    complaint_search,
    document_terms,
    search_index_missing,
    search_index_refresh,
    text_query,
)
from aftersales.complaints.tests.factories import new_imei, submit_complaint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOUCH = "屏幕触控失灵了,打字点不到"
BATTERY = "电池续航很差,半天就没电"


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def search(client, user, q, **params):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/complaints/search", {"q": q, **params}, **bearer(user))
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()]


@pytest.fixture
def touch(db):  # type: ignore[no-untyped-def]
    return submit_complaint(text=TOUCH, phone="+8613800138000", name="张伟", imei="352099000007779")


@pytest.fixture
def battery(db):  # type: ignore[no-untyped-def]
    return submit_complaint(text=BATTERY, phone="+8613700137000", name="Carol Smith")


# --- the terms ------------------------------------------------------------------------------


def test_chinese_is_indexed_as_pairs_and_each_runs_last_character():
    assert document_terms(["触控失灵"]) == sorted(["触控", "控失", "失灵", "灵"])


def test_a_four_character_query_needs_its_pairs_side_by_side_not_every_overlapping_pair():
    query = text_query("屏幕失灵")
    assert query is not None
    assert [t.text for t in query.required] == ["屏幕", "失灵"]
    assert [t.text for t in query.ranking] == ["屏幕", "幕失", "失灵"]


def test_a_query_of_punctuation_and_emoji_has_no_words():
    assert text_query("!!! 😡 ……") is None


# --- each kind of query --------------------------------------------------------------------------


def test_it_finds_a_complaint_by_its_number_however_it_is_typed(client, alice, touch, battery):
    number = touch.number
    prefix, day, serial, check = number.split("-")
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in [number, number.lower(), f" {number} ", full_width, f"{day}-{serial}-{check}"]:
        assert search(client, alice, typed)[0] == number, typed


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "(+86)138.0013.8000",
        "１３８００１３８０００",
    ],
)
def test_it_finds_a_complaint_by_the_customers_phone_in_any_spelling(client, alice, touch, battery, typed):
    assert search(client, alice, typed) == [touch.number]


def test_it_finds_a_complaint_by_any_phone_identity_of_its_customer(client, alice, touch):
    from aftersales.accounts.models import CustomerIdentity

    CustomerIdentity.objects.create(
        customer=touch.customer, kind="phone", value="+8613300133000", created_at=clock.now()
    )
    assert search(client, alice, "133-0013-3000") == [touch.number]


@pytest.mark.parametrize(
    "typed", ["352099000007779", "35 209900 000777 9", "35209900/000777/9", "IMEI:352099000007779"]
)
def test_it_finds_a_complaint_by_its_devices_imei_in_printed_groupings(client, alice, touch, battery, typed):
    assert search(client, alice, typed) == [touch.number]


def test_it_finds_a_complaint_by_its_customers_name(client, alice, touch, battery):
    assert search(client, alice, "张伟") == [touch.number]
    assert search(client, alice, "smith") == [battery.number]


def test_two_chinese_characters_find_a_text_that_holds_them(client, alice, touch, battery):
    assert search(client, alice, "触控") == [touch.number]
    assert search(client, alice, "续航") == [battery.number]


def test_four_chinese_characters_find_a_text_with_other_words_between_them(client, alice, touch, battery):
    assert search(client, alice, "屏幕失灵") == [touch.number]
    assert search(client, alice, "屏幕触控失灵") == [touch.number]
    assert search(client, alice, "电池失灵") == []


def test_one_chinese_character_finds_every_text_holding_it_wherever_it_stands(client, alice, touch, battery):
    assert search(client, alice, "灵") == [touch.number]  # last character of its run
    assert search(client, alice, "电") == [battery.number]


def test_traditional_chinese_text_is_found_with_simplified_words_and_back(client, alice):
    taiwan = submit_complaint(text="螢幕觸控失靈,打字點不到", phone="+8613600136000")
    assert search(client, alice, "屏幕失灵") == [taiwan.number]
    assert search(client, alice, "觸控") == [taiwan.number]


def test_english_words_are_found_by_any_case_and_by_their_beginning(client, alice):
    english = submit_complaint(text="The SCREEN keeps flickering after the update", phone="+8613500135000")
    submit_complaint(text="Battery drains overnight", phone="+8613400134000")
    assert search(client, alice, "screen") == [english.number]
    assert search(client, alice, "Flicker") == [english.number]
    assert search(client, alice, "ｓｃｒｅｅｎ") == [english.number]  # full-width letters


def test_a_mixed_query_needs_every_word(client, alice):
    wifi = submit_complaint(text="升级后WiFi经常断网", phone="+8613500135001")
    submit_complaint(text="升级后蓝牙连不上", phone="+8613500135002")
    assert search(client, alice, "wifi 断网") == [wifi.number]
    assert search(client, alice, "升级 wifi") == [wifi.number]


def test_staff_replies_and_notes_are_searchable_once_written(client, alice, touch):
    actor = staff_actor(alice)
    services.complaint_reply(actor=actor, complaint=touch, body="已为您预约上门取件")
    services.complaint_add_note(actor=actor, complaint=touch, body="customer asked for a loaner phone")
    assert search(client, alice, "上门取件") == [touch.number]
    assert search(client, alice, "loaner") == [touch.number]


def test_a_query_without_letters_or_digits_finds_nothing(client, alice, touch):
    assert search(client, alice, "!!! 😡") == []


# --- ranking --------------------------------------------------------------------------------------


def test_the_phrase_as_written_ranks_above_its_words_apart_and_identifiers_come_first(client, alice):
    apart = submit_complaint(text="屏幕有时候触控失灵", phone="+8613500135003")
    together = submit_complaint(text="屏幕失灵,点不动", phone="+8613500135004")
    submit_complaint(text="手机发烫", phone="+8613500135005")
    assert search(client, alice, "屏幕失灵") == [together.number, apart.number]
    # A complaint whose text mentions another's number comes after the complaint with that number.
    mention = submit_complaint(text=f"跟进 {apart.number} 的问题", phone="+8613500135006")
    assert search(client, alice, apart.number) == [apart.number, mention.number]


def test_among_equal_matches_the_newest_comes_first(client, alice):
    older = submit_complaint(
        text="屏幕失灵", phone="+8613500135007", at=datetime(2026, 11, 2, 10, tzinfo=SHANGHAI)
    )
    newer = submit_complaint(
        text="屏幕失灵", phone="+8613500135008", at=datetime(2026, 11, 3, 10, tzinfo=SHANGHAI)
    )
    assert search(client, alice, "屏幕失灵") == [newer.number, older.number]


# --- filters and pages ----------------------------------------------------------------------------


def test_filters_narrow_the_results(client, alice, touch, battery):
    Complaint.objects.filter(pk=battery.pk).update(
        state="processing", team="outlet-sh-01", category="battery", channel="hotline"
    )
    submit_complaint(text="手机屏幕触控失灵", phone="+8613500135009")
    assert len(search(client, alice, "失灵")) == 2
    narrowing = [
        {"state": "processing"},
        {"team": "outlet-sh-01"},
        {"outlet": "sh-01"},
        {"channel": "hotline"},
        {"category": "battery"},
    ]
    for params in narrowing:
        assert search(client, alice, "失灵", **params) == [], params
    for params in narrowing:
        assert search(client, alice, "续航", **params) == [battery.number], params


def test_the_period_filter_counts_whole_local_days(client, alice):
    late = submit_complaint(
        text="屏幕失灵", phone="+8613500135010", at=datetime(2026, 11, 2, 23, 30, tzinfo=SHANGHAI)
    )
    next_day = submit_complaint(
        text="屏幕失灵", phone="+8613500135011", at=datetime(2026, 11, 3, 0, 30, tzinfo=SHANGHAI)
    )
    assert search(client, alice, "屏幕失灵", created_to="2026-11-02") == [late.number]
    assert search(client, alice, "屏幕失灵", created_from="2026-11-03") == [next_day.number]
    assert search(client, alice, "屏幕失灵", created_from="2026-11-02", created_to="2026-11-03") == [
        next_day.number,
        late.number,
    ]


def test_pages_follow_the_ranking(client, alice):
    made = [submit_complaint(text=f"屏幕失灵 第{i}次", phone=f"+861350013{i:04d}").number for i in range(5)]
    newest_first = list(reversed(made))
    assert search(client, alice, "屏幕失灵", limit=2) == newest_first[:2]
    assert search(client, alice, "屏幕失灵", limit=2, offset=2) == newest_first[2:4]
    assert search(client, alice, "屏幕失灵", limit=2, offset=4) == newest_first[4:]


# --- who may search what ---------------------------------------------------------------------------


def test_outlet_staff_find_only_their_outlets_complaints(client, oscar, touch, battery):
    Complaint.objects.filter(pk=battery.pk).update(team="outlet-sh-01")
    assert search(client, oscar, "续航") == [battery.number]
    assert search(client, oscar, "触控") == []
    assert search(client, oscar, touch.number) == []
    assert search(client, oscar, "138 0013 8000") == []
    assert search(client, oscar, "352099000007779") == []
    assert search(client, oscar, "张伟") == []


def test_customers_and_strangers_may_not_search(client, carol, touch):
    from aftersales.accounts.actors import customer_actor
    from aftersales.common.errors import Forbidden

    assert client.get("/api/v1/complaints/search", {"q": "触控"}).status_code == 401
    with pytest.raises(Forbidden):
        complaint_search(actor=customer_actor(carol.pk), query="触控", filters=SearchFilters())


# --- erasure -------------------------------------------------------------------------------------


def test_an_erased_message_cannot_be_found_even_before_the_index_is_refreshed(client, alice, touch):
    Message.objects.filter(complaint=touch).update(body="", erased_at=clock.now())
    assert search(client, alice, "触控") == []
    assert touch.pk in search_index_missing()
    search_index_refresh(complaint_ids=[touch.pk])
    assert search(client, alice, "触控") == []
    assert search(client, alice, touch.number) == [touch.number]  # the number is no personal data


def test_marking_a_message_erased_is_enough_to_hide_its_words(client, alice, touch):
    services.complaint_add_note(actor=staff_actor(alice), complaint=touch, body="客户住在幸福小区")
    note = Message.objects.get(complaint=touch, direction="note")
    note.erased_at = clock.now()
    note.save(update_fields=["erased_at"])
    search_index_refresh(complaint_ids=[touch.pk])
    assert search(client, alice, "幸福小区") == []
    assert search(client, alice, "触控") == [touch.number]  # the rest stays findable


def test_an_erased_customers_name_cannot_be_found(client, alice, touch):
    Customer.objects.filter(pk=touch.customer_id).update(erased_at=clock.now())
    assert search(client, alice, "张伟") == []
    search_index_refresh(complaint_ids=[touch.pk])
    assert search(client, alice, "张伟") == []
    assert search(client, alice, "触控") == [touch.number]


# --- bad input and cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", "屏" * 10_000, "屏幕\x00失灵", "\x07"])
def test_a_bad_query_is_refused_naming_q(client, alice, q):
    response = client.get("/api/v1/complaints/search", {"q": q}, **bearer(alice))
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["q"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"created_from": "2026-11-05", "created_to": "2026-11-01"}, "created_to"),
        ({"offset": 490, "limit": 20}, "offset"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"limit": 1000}, "limit"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, alice, params, field):
    response = client.get("/api/v1/complaints/search", {"q": "屏幕", **params}, **bearer(alice))
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]


def statements(queries: CaptureQueriesContext) -> int:
    """Statements that read or write rows: transaction control (PostgreSQL's word search runs in
    a transaction of its own, a savepoint inside a test) is left out."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return sum(1 for query in queries.captured_queries if not query["sql"].startswith(control))


def test_search_costs_the_same_queries_for_one_result_as_for_twenty(client, alice):
    headers = bearer(alice)
    submit_complaint(text="屏幕失灵", phone="+8613500135100", imei=new_imei())

    def count(q: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/complaints/search", {"q": q}, **headers)
        assert response.status_code == 200
        return statements(queries)

    one = count("屏幕失灵")
    for i in range(20):
        Complaint.objects.filter(pk=submit_complaint(text="屏幕失灵", phone=f"+861350014{i:04d}").pk).update(
            owner=alice
        )
    assert count("屏幕失灵") == one
    assert count("138 0013 8000") <= one + 2  # phone: its customers, then their complaints
    assert one <= 6


def test_reindexing_puts_back_what_an_erasure_left_findable(client, alice, touch):

    services.complaint_add_note(actor=staff_actor(alice), complaint=touch, body="客户住在幸福小区")
    Message.objects.filter(complaint=touch, direction="note").update(body="", erased_at=clock.now())
    assert search(client, alice, "触控") == []  # the document went with the erased note
    call_command("search_reindex", stdout=io.StringIO())
    assert search(client, alice, "触控") == [touch.number]
    assert search(client, alice, "幸福小区") == []
    assert search_index_missing() == []

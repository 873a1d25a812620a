"""The desk's search: the top bar's box, the results page and its fragment, its filters and pages,
what outlet staff may find, and hostile queries.

Personas (conftest.py): alice (agent, sees every complaint), oscar (outlet technician of
outlet-sh-01, sees only his outlet's complaints), carol (a customer: not let in).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import PersonalDataAccess
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.filters import SEARCH_PAGE_SIZE

pytestmark = pytest.mark.django_db
TOUCH = "屏幕触控失灵了,打字点不到"
BATTERY = "电池续航很差,半天就没电"


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<span class="number">([^<]+)</span>', response.content.decode())


@pytest.fixture
def touch(db):  # type: ignore[no-untyped-def]
    return submit_complaint(text=TOUCH, phone="+8613800138000", name="张伟")


@pytest.fixture
def battery(db):  # type: ignore[no-untyped-def]
    return submit_complaint(text=BATTERY, phone="+8613700137000", name="Carol Smith")


def test_every_desk_page_has_the_search_box_in_its_top_bar(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    page = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'role="search"' in page and 'action="/desk/search/"' in page and 'name="q"' in page


@pytest.mark.parametrize(
    "query",
    ["１３８ ００１３ ８０００", "+86 138-0013-8000", "86 13800138000", "(+86)138 0013 8000"],
)
def test_a_phone_written_any_way_finds_the_complaint(client, alice, touch, battery, query):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get("/desk/search/", {"q": query})
    assert response.status_code == 200
    assert numbers(response) == [touch.number]


def test_a_two_character_chinese_word_finds_the_complaint_and_the_page_says_what_matched(
    client, alice, touch, battery
):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get("/desk/search/", {"q": "电池"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert numbers(response) == [battery.number]
    assert "电池续航很差" in response.content.decode()
    # Traditional characters find it too.
    assert numbers(client.get("/desk/search/", {"q": "電池"})) == [battery.number]
    # A search is a customer lookup: each customer shown is in the access log.
    assert PersonalDataAccess.objects.filter(
        staff=alice, customer_id=battery.customer_id, purpose=PersonalDataAccess.Purpose.SEARCH
    ).exists()


def test_an_htmx_search_answers_with_the_results_fragment_only(client, alice, touch):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get("/desk/search/", {"q": "触控"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and numbers(response) == [touch.number]
    assert "<html" not in body and 'id="search-results"' in body


def test_the_filters_narrow_the_results(client, alice, touch, battery):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    Complaint.objects.filter(pk=battery.pk).update(state="resolved")
    both = client.get("/desk/search/", {"q": "138 0013 8000 电池"})
    assert both.status_code == 200
    assert numbers(client.get("/desk/search/", {"q": "电池", "state": "resolved"})) == [battery.number]
    assert numbers(client.get("/desk/search/", {"q": "电池", "state": "accepted"})) == []
    assert numbers(client.get("/desk/search/", {"q": "电池", "channel": "app"})) == [battery.number]
    assert numbers(client.get("/desk/search/", {"q": "电池", "channel": "email"})) == []
    assert numbers(client.get("/desk/search/", {"q": "电池", "team": battery.team})) == [battery.number]
    # An unknown value is dropped, as the queue's filters do.
    assert numbers(client.get("/desk/search/", {"q": "电池", "state": "nonsense"})) == [battery.number]


def test_outlet_staff_find_only_their_outlets_complaints(client, oscar, touch, battery):  # type: ignore[no-untyped-def]
    Complaint.objects.filter(pk=touch.pk).update(team="outlet-sh-01")
    client.force_login(oscar)
    assert numbers(client.get("/desk/search/", {"q": "触控"})) == [touch.number]
    assert numbers(client.get("/desk/search/", {"q": "电池"})) == []
    assert numbers(client.get("/desk/search/", {"q": battery.number})) == []


def test_results_come_a_page_at_a_time(client, alice):  # type: ignore[no-untyped-def]
    made = [submit_complaint(text=TOUCH, phone=f"+861390013{i:04d}") for i in range(SEARCH_PAGE_SIZE + 3)]
    client.force_login(alice)
    first = client.get("/desk/search/", {"q": "触控"})
    assert len(numbers(first)) == SEARCH_PAGE_SIZE and 'id="search-next"' in first.content.decode()
    second = client.get("/desk/search/", {"q": "触控", "page": "2"})
    assert len(numbers(second)) == 3 and 'id="search-next"' not in second.content.decode()
    assert set(numbers(first)) | set(numbers(second)) == {c.number for c in made}
    far = client.get("/desk/search/", {"q": "触控", "page": "999"})
    assert far.status_code == 200 and numbers(far) == []


def test_the_search_page_costs_the_same_statements_for_three_results_as_for_twelve(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    counts = []
    for batch in (3, 9):
        for index in range(batch):
            submit_complaint(text=TOUCH, phone=f"+861360013{batch * 10 + index:04d}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/desk/search/", {"q": "触控"})
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(numbers(response)) == 12
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    "query",
    [
        "屏幕\x00失灵",
        "触控" * 5000,
        "\x1b[31m",
        "'; DROP TABLE complaints_complaint; --",
        "<script>alert(1)</script>",
    ],
)
def test_a_hostile_query_answers_with_a_reason_or_nothing_never_a_500(client, alice, touch, query):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get("/desk/search/", {"q": query}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code in (200, 422)
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    if response.status_code == 422:
        # The search names the fault; a NUL is refused before any view, by the site's middleware.
        assert ('id="search-error"' in body and "控制字符" in body) or "空字符" in body
    else:
        assert numbers(response) == []
    assert Complaint.objects.filter(pk=touch.pk).exists()


def test_customers_and_strangers_are_sent_to_the_sign_in_page(client, carol):  # type: ignore[no-untyped-def]
    response = client.get("/desk/search/", {"q": "触控"})
    assert response.status_code == 302 and "/desk/signin/" in response["Location"]

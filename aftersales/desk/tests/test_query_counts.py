"""Every desk queue and the complaint page cost the same statements however many rows they show,
and the queues list what they say (a guard against N+1 queries, which a million complaints turn
into seconds).

Personas (conftest.py): alice (hotline agent, team "agents"), tom (technical team).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.status import State
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.selectors import BREACHING_WINDOW
from aftersales.policy.pack import current_pack

pytestmark = pytest.mark.django_db
SCREEN = "屏幕触控失灵,打字点不到"


def phone(index: int) -> str:
    return f"+861350017{index:04d}"


def _into_queue(queue: str, ids: list[int], alice) -> None:  # type: ignore[no-untyped-def]
    """Put these complaints where `queue` lists them, as the workflow would have."""
    now = clock.now()
    rows = Complaint.objects.filter(pk__in=ids)
    if queue == "mine":
        rows.update(owner=alice)
    elif queue == "team":
        rows.update(team="agents", owner=alice)
    elif queue == "breaching":
        rows.update(earliest_due_at=now + BREACHING_WINDOW / 2, owner=alice)
    elif queue == "overdue":
        rows.update(earliest_due_at=now - timedelta(hours=3), owner=alice)
    elif queue == "triage":
        rows.update(team=current_pack().triage_team, owner=alice)
    elif queue == "waiting":
        rows.update(state=State.WAITING_CUSTOMER, earliest_due_at=None, owner=alice)


@pytest.mark.parametrize("queue", ["mine", "team", "breaching", "overdue", "triage", "waiting"])
def test_each_queue_costs_the_same_statements_for_two_rows_as_for_eight(client, alice, tom, queue):
    client.force_login(alice)
    counts = []
    made: list[int] = []
    for batch in (2, 6):
        for index in range(batch):
            complaint = submit_complaint(text=SCREEN, phone=phone(10 * batch + index))
            # A note by someone else: the row's owner and last actor differ.
            services.complaint_add_note(actor=staff_actor(tom), complaint=complaint, body="跟进")
            made.append(complaint.pk)
        _into_queue(queue, made, alice)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/desk/?queue={queue}")
        assert response.status_code == 200
        assert response.content.decode().count('class="queue-link"') == len(made), queue
        counts.append(len(queries))
    assert counts[0] == counts[1], queue


def test_the_htmx_queue_fragment_costs_what_the_page_costs_and_no_more(client, alice):
    client.force_login(alice)
    made = [submit_complaint(text=SCREEN, phone=phone(100 + index)).pk for index in range(4)]
    _into_queue("mine", made, alice)
    with CaptureQueriesContext(connection) as page:
        client.get("/desk/?queue=mine")
    with CaptureQueriesContext(connection) as fragment:
        response = client.get("/desk/?queue=mine", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert len(fragment) <= len(page)


def test_the_complaint_page_costs_the_same_with_many_other_complaints_of_the_customer(client, alice):
    client.force_login(alice)
    complaint = submit_complaint(text=SCREEN, phone=phone(200))
    counts = []
    for more in (1, 7):
        for _ in range(more):
            submit_complaint(text="电池续航很差", phone=phone(200))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/desk/complaints/{complaint.number}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

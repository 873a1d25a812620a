"""How a model version fares on the complaints it triaged, from agents' corrections."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.services import api_token_create
from aftersales.common import clock
from aftersales.common.errors import Forbidden
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_correct_category
from aftersales.complaints.status import State
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.triage.selectors import triage_quality_in_service

pytestmark = pytest.mark.django_db

TWO_FAULTS = "屏幕摔碎了，触摸失灵，而且电池鼓包，充电也充不进去"


def settle(complaint: Complaint) -> None:
    # The report reads only the state; how a complaint gets resolved is the workflow's tests' business.
    Complaint.objects.filter(pk=complaint.pk).update(state=State.RESOLVED)


def last_days(actor, days: int = 30) -> list[dict]:  # type: ignore[no-untyped-def]
    now = clock.now()
    return triage_quality_in_service(actor=actor, since=now - timedelta(days=days), until=now)


@pytest.fixture
def triaged(alice):  # type: ignore[no-untyped-def]
    """Five complaints: two settled and left alone, one settled after a correction to its
    alternative, one open and corrected to a category not shown, one corrected and set back."""
    agent = staff_actor(alice)
    for text in ("屏幕触控失灵，打字点不到", "快递送了一个星期才到"):
        settle(submit_complaint(text=text))
    two_faults = submit_complaint(text=TWO_FAULTS)
    assert two_faults.category == "screen"
    assert "battery_charging" in [a["category"] for a in two_faults.triage_alternatives]
    complaint_correct_category(actor=agent, complaint=two_faults, category="battery_charging")
    settle(two_faults)
    slow = submit_complaint(text="手机用了两天就很卡，经常死机")
    complaint_correct_category(actor=agent, complaint=slow, category="hardware_other")
    back = submit_complaint(text="充电特别慢，充一晚上才到80")
    complaint_correct_category(actor=agent, complaint=back, category="audio")
    complaint_correct_category(actor=agent, complaint=back, category=back.category)
    return {"slow": slow}


def test_corrections_tell_how_a_model_fares_on_settled_complaints(alice, triaged):  # type: ignore[no-untyped-def]
    (report,) = last_days(staff_actor(alice))
    assert report["model"] == Complaint.objects.first().triage_model
    assert report["triaged"] == 5
    # Set back to the model's category, the last one does not count as corrected.
    assert report["corrected"] == 2
    # Three settled, one of them corrected.
    assert report["settled"] == 3 and report["settled_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    # The battery was shown as an alternative; hardware_other was not.
    assert report["corrected_among_alternatives"] == 0.5
    assert sorted((c["predicted"], c["corrected"], c["count"]) for c in report["confusions"]) == [
        ("screen", "battery_charging", 1),
        (triaged["slow"].category, "hardware_other", 1),
    ]


def test_the_number_of_queries_does_not_grow_with_the_corrections(alice, triaged, django_assert_num_queries):  # type: ignore[no-untyped-def]
    agent = staff_actor(alice)
    for _ in range(3):
        complaint = submit_complaint(text="耳机插上没有声音，外放也很小")
        complaint_correct_category(actor=agent, complaint=complaint, category="signal_network_call")
    # The models' counts, then the corrected complaints with their first correction.
    with django_assert_num_queries(2):
        (report,) = last_days(agent)
    assert report["corrected"] == 5


def test_only_complaints_of_the_period_count(alice):  # type: ignore[no-untyped-def]
    submit_complaint(text="屏幕触控失灵，打字点不到", at=clock.now() - timedelta(days=40))
    submit_complaint(text="快递送了一个星期才到")
    assert [r["triaged"] for r in last_days(staff_actor(alice))] == [1]
    assert [r["triaged"] for r in last_days(staff_actor(alice), days=60)] == [2]
    assert last_days(staff_actor(alice), days=60)[0]["settled_accuracy"] is None


def test_outlet_staff_may_not_read_it(oscar):  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        last_days(staff_actor(oscar))


def test_the_report_on_the_api_and_the_command_line(client, alice, oscar, triaged):  # type: ignore[no-untyped-def]
    def get(user, query: str = ""):  # type: ignore[no-untyped-def]
        token = api_token_create(user=user)
        return client.get(f"/api/v1/triage/quality{query}", HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = get(alice, "?days=7")
    assert answer.status_code == 200
    (report,) = answer.json()
    assert (report["triaged"], report["corrected"], report["corrected_among_alternatives"]) == (5, 2, 0.5)
    assert get(oscar).status_code == 403
    assert get(alice, "?days=0").status_code == 422
    out = io.StringIO()
    call_command("triage", "quality", "--days", "7", stdout=out)
    assert json.loads(out.getvalue()) == answer.json()

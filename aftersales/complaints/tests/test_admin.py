"""Staff workspace (Django admin): workflow actions call the services and report the outcome."""

import pytest

from aftersales.accounts.services import staff_enable_workspace
from aftersales.complaints.tests.factories import submit_complaint

CHANGELIST = "/admin/complaints/complaint/"


@pytest.fixture
def signed_in(client, alice):  # type: ignore[no-untyped-def]
    staff_enable_workspace(user=alice, password="agent-pass-2026")
    assert client.login(username="alice", password="agent-pass-2026")
    return client


def run_action(client, action, complaints):  # type: ignore[no-untyped-def]
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in complaints], "index": 0},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_a_workflow_action_moves_the_complaints_and_says_how_many(signed_in, alice):  # type: ignore[no-untyped-def]
    first, second = submit_complaint(), submit_complaint(phone="+8613900139000", text="电池鼓包了")
    response = run_action(signed_in, "action_start_processing", [first, second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("processing", "processing")
    assert first.owner == alice
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["开始处理 Start processing: done for 2 complaint(s)."]


@pytest.mark.django_db
def test_a_refused_move_is_named_per_complaint_and_nothing_is_counted(signed_in):  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    response = run_action(signed_in, "action_resume", [complaint])
    complaint.refresh_from_db()
    assert complaint.state == "accepted"
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 1 and texts[0].startswith(complaint.number + ": ")
    assert "done for" not in texts[0]

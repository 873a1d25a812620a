"""Every (state, action, role) combination against the one workflow table."""

import pytest
from django.db import transaction

from aftersales.accounts.actors import SYSTEM, customer_actor, staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common.errors import TransitionNotAllowed
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_transition
from aftersales.complaints.status import ACTIONS, MOVES, State, allowed_actions, move_for
from aftersales.complaints.tests.factories import submit_complaint

ROLES = [Role.AGENT, Role.TECHNICAL, Role.EXPERT, Role.ADMIN, Role.OUTLET_TECHNICIAN, Role.OUTLET_MANAGER]


def test_every_state_has_a_meaning_and_the_table_names_only_known_states():  # type: ignore[no-untyped-def]
    known = set(State.values)
    for move in MOVES:
        assert move.target in known
        assert move.sources <= known
    assert {State.ARCHIVED} == {s for s in known if not allowed_actions(s)}


@pytest.mark.django_db
@pytest.mark.parametrize("state", State.values)
def test_each_action_from_each_state_follows_the_table(state):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="屏幕有一条绿线")  # level L1, team agents
    Complaint.objects.filter(pk=complaint.pk).update(state=state, team="outlet-sh-01")
    actors = [staff_actor(StaffFactory(role=role, team="outlet-sh-01")) for role in ROLES]
    actors += [customer_actor(complaint.customer_id), SYSTEM]
    for action in ACTIONS:
        for actor in actors:
            move = move_for(state, action)
            expected_ok = move is not None and actor.role in move.roles
            with transaction.atomic():
                try:
                    result = complaint_transition(
                        actor=actor, complaint=complaint, action=action, reason="test reason"
                    )
                except TransitionNotAllowed as refusal:
                    assert not expected_ok, f"{actor.role} could not {action} from {state}"
                    assert refusal.params["state"].startswith(state)
                    assert refusal.params["allowed"] == (", ".join(allowed_actions(state, actor.role)) or "-")
                else:
                    assert expected_ok, f"{actor.role} was let {action} from {state}"
                    assert result.state == move.target
                    assert result.events.filter(kind="status", payload__action=action).exists()
                transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_move_that_needs_a_reason_is_refused_without_one(alice):  # type: ignore[no-untyped-def]
    from aftersales.common.errors import ValidationFailed

    complaint = submit_complaint()
    with pytest.raises(ValidationFailed) as refusal:
        complaint_transition(actor=staff_actor(alice), complaint=complaint, action="close", reason="  ")
    assert "reason" in refusal.value.fields
    complaint.refresh_from_db()
    assert complaint.state == State.ACCEPTED

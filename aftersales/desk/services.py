"""The workspace's writes: saved filters, bulk moves, filling a reply template, presence.

Every change to a complaint goes through `complaints.services` (its lock, its workflow table,
its timeline event); nothing here writes a complaint's row itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.common import clock
from aftersales.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    problem,
)
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.desk.filters import QueueFilter
from aftersales.desk.macros import macro_render, placeholder_values
from aftersales.desk.models import ComplaintPresence, Macro, SavedFilter

FILTER_NAME_LIMIT = 60
FILTERS_PER_OWNER = 30
BULK_LIMIT = 50
# A colleague counts as having the complaint open this long after the page last checked in;
# the page checks in every PRESENCE_POLL (templates: hx-trigger="every 15s").
PRESENCE_WINDOW = timedelta(seconds=45)
PRESENCE_POLL = timedelta(seconds=15)


# --- saved filters --------------------------------------------------------------------------


def saved_filter_create(*, actor: Actor, name: str, queue_filter: QueueFilter, shared: bool) -> SavedFilter:
    """Save `queue_filter` under `name` for the actor, or for the actor's team when `shared`.

    Sharing needs the `desk.share_filter` permission (managers) and a team. Names are unique
    per owner (personal) and per team (shared): 409 `saved_filter_name_taken`. At most
    FILTERS_PER_OWNER each (409 `saved_filter_limit`).
    """
    user = _staff_user(actor)
    text = " ".join(name.split())
    if not text or len(text) > FILTER_NAME_LIMIT:
        raise ValidationFailed({"name": problem("saved_filter_name_empty", limit=FILTER_NAME_LIMIT)})
    team = ""
    if shared:
        if not actor.may("desk.share_filter") or not user.team:
            raise Forbidden(what="desk.share_filter")
        team = user.team
    if SavedFilter.objects.filter(owner=user).count() >= FILTERS_PER_OWNER:
        raise Conflict("saved_filter_limit", limit=FILTERS_PER_OWNER)
    taken = SavedFilter.objects.filter(team=team, name=text)
    if not team:
        taken = taken.filter(owner=user)
    if taken.exists():
        raise Conflict("saved_filter_name_taken", name=text)
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(
                owner=user, name=text, query=queue_filter.as_query(), team=team, created_at=clock.now()
            )
    except IntegrityError:
        # The same name saved a moment ago from another tab.
        raise Conflict("saved_filter_name_taken", name=text) from None


def saved_filter_delete(*, actor: Actor, filter_id: int) -> None:
    """Delete a filter the actor owns (a shared one too). Anyone else's: 404, as if absent."""
    user = _staff_user(actor)
    deleted, _ = SavedFilter.objects.filter(pk=filter_id, owner=user).delete()
    if not deleted:
        raise NotFound(what="saved filter")


# --- bulk moves ----------------------------------------------------------------------------

# What a bulk move may do: a workflow step (complaints/status.py), or take ownership.
ASSIGN = "assign"


@dataclass(frozen=True)
class BulkOutcome:
    number: str
    done: bool
    # Refused: the domain error, put into words by the page (desk.presenters.error_words).
    error: DomainError | None = None


def complaints_bulk_move(
    *,
    actor: Actor,
    seen: dict[str, int],
    action: str,
    reason: str,
    new_owner: User | None = None,
) -> list[BulkOutcome]:
    """Apply one move to each complaint in `seen`, with one reason, each in its own transaction.

    seen: complaint number -> the event count the agent's list showed (`Complaint.event_count`);
    a complaint changed since (another agent moved it) is left alone and reported
    (`bulk_changed_meanwhile`), so two agents working the same list never undo each other.
    action: a workflow action (`complaints.status.ACTIONS`; "escalate" raises the level) or
    ASSIGN with `new_owner` (a transfer of ownership). The reason is required for every bulk
    move, even for steps that need none alone. Each complaint goes through the one service
    for that move, so each gets its own timeline event in the same transaction as its change;
    a refusal (a step its state does not allow, a complaint the actor may not see) is
    reported for that complaint in words and the others go on. Rows are taken in number
    order. Raises ValidationFailed before touching anything when nothing is chosen, more
    than BULK_LIMIT are, the action is unknown or the reason is missing.
    """
    from aftersales.complaints.status import ACTIONS

    if not seen:
        raise ValidationFailed({"complaints": problem("bulk_nothing_chosen")})
    if len(seen) > BULK_LIMIT:
        raise ValidationFailed({"complaints": problem("bulk_too_many", limit=BULK_LIMIT, count=len(seen))})
    if action not in ACTIONS and action != ASSIGN:
        raise ValidationFailed({"action": problem("bulk_move_unknown")})
    if action == ASSIGN and new_owner is None:
        raise ValidationFailed({"owner": problem("required")})
    if not reason.strip():
        raise ValidationFailed({"reason": problem("required")})
    move = _bulk_step(action, reason=reason, new_owner=new_owner)
    outcomes = []
    for number in sorted(seen):
        try:
            with transaction.atomic():
                complaint, _ = complaint_get_for_actor(actor=actor, number=number)
                # Lock before comparing: a colleague's move commits before or after ours, never between.
                current = Complaint.objects.select_for_update().get(pk=complaint.pk)
                if current.event_count != seen[number]:
                    raise Conflict("bulk_changed_meanwhile", number=number, state=current.state)
                move(actor, current)
            outcomes.append(BulkOutcome(number=number, done=True))
        except DomainError as error:
            outcomes.append(BulkOutcome(number=number, done=False, error=error))
    return outcomes


def _bulk_step(action: str, *, reason: str, new_owner: User | None) -> Callable[[Actor, Complaint], object]:
    if action == ASSIGN:
        assert new_owner is not None
        return lambda actor, complaint: complaint_services.complaint_transfer_ownership(
            actor=actor, complaint=complaint, new_owner=new_owner, reason=reason
        )
    return lambda actor, complaint: complaint_services.complaint_transition(
        actor=actor, complaint=complaint, action=action, reason=reason
    )


# --- reply templates ------------------------------------------------------------------------


def macro_fill(*, actor: Actor, number: str, macro_id: int) -> str:
    """The template `macro_id` filled for complaint `number`, for the agent to edit before sending.

    Filled in the complaint's language (the customer's). Raises NotFound / Forbidden as
    `complaint_get_for_actor`, 404 `macro_unknown` for a template absent or retired, and
    ValidationFailed `macro_placeholder_unknown` for a template naming an unknown placeholder.
    Writes nothing: sending is `complaints.services.complaint_reply`.
    """
    complaint, _ = complaint_get_for_actor(actor=actor, number=number)
    if not actor.may("complaint.reply"):
        raise Forbidden(what="complaint.reply")
    macro = Macro.objects.filter(pk=macro_id, is_active=True).first()
    if macro is None:
        raise NotFound("macro_unknown")
    with translation.override(complaint.language or "zh-hans"):
        values = placeholder_values(complaint=complaint)
    return macro_render(macro.body, values)


# --- who has a complaint open -----------------------------------------------------------------


def complaint_presence_mark(*, actor: Actor, complaint: Complaint, replying: bool, now: datetime) -> None:
    """Record that the actor has `complaint` open now (writing a reply when `replying`).

    One row per complaint and staff member, updated in place; rows of colleagues gone longer
    than PRESENCE_WINDOW are deleted on the way.
    """
    user = _staff_user(actor)
    activity = ComplaintPresence.Activity.REPLYING if replying else ComplaintPresence.Activity.VIEWING
    ComplaintPresence.objects.filter(complaint=complaint, seen_at__lt=now - PRESENCE_WINDOW).delete()
    ComplaintPresence.objects.update_or_create(
        complaint=complaint, user=user, defaults={"activity": activity, "seen_at": now}
    )


def complaint_presence_leave(*, actor: Actor, complaint: Complaint) -> None:
    """The actor left the complaint page (sent by the page as it closes)."""
    ComplaintPresence.objects.filter(complaint=complaint, user=_staff_user(actor)).delete()


def _staff_user(actor: Actor) -> User:
    if not actor.is_staff or actor.user is None:
        raise Forbidden(what="complaint.view_team")
    return actor.user

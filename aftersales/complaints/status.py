"""The complaint's states and every allowed move between them: the one workflow table."""

from dataclasses import dataclass

from django.db import models

from aftersales.accounts.roles import ALL_STAFF, CENTRAL_STAFF, Role

SYSTEM = "system"


class State(models.TextChoices):
    ACCEPTED = "accepted", "受理 Accepted"  # received, numbered and triaged; nobody has started work
    PROCESSING = "processing", "处理中 Processing"  # a team is diagnosing, inspecting or repairing
    WAITING_CUSTOMER = "waiting_customer", "待客户回复 Waiting on customer"  # service clocks paused
    # A repair waits for parts on their way to the outlet (repairs: waiting_parts): clocks paused.
    WAITING_PARTS = "waiting_parts", "待备件 Waiting for parts"
    ESCALATED = "escalated", "已升级 Escalated"  # handed to a higher response level, awaiting pickup
    RESOLVED = "resolved", "已解决 Resolved"  # solution delivered; satisfaction check pending
    REOPENED = "reopened", "已重开 Reopened"  # the customer or staff found it not solved
    ARCHIVED = "archived", "已归档 Archived"  # closed for good after the archive period
    CLOSED = "closed", "已关闭 Closed without resolution"  # e.g. withdrawn, unreachable customer


OPEN_STATES = frozenset(
    {
        State.ACCEPTED,
        State.PROCESSING,
        State.WAITING_CUSTOMER,
        State.WAITING_PARTS,
        State.ESCALATED,
        State.REOPENED,
    }
)
# States whose service clocks run (waiting on the customer or for parts pauses them).
CLOCKED_STATES = frozenset({State.ACCEPTED, State.PROCESSING, State.ESCALATED, State.REOPENED})

_WORKERS = ALL_STAFF
_DECIDERS = frozenset({Role.AGENT, Role.TECHNICAL, Role.EXPERT, Role.ADMIN})


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool = False


MOVES: tuple[Move, ...] = (
    Move("start_processing", CLOCKED_STATES, State.PROCESSING, _WORKERS),
    Move("wait_for_customer", CLOCKED_STATES, State.WAITING_CUSTOMER, _WORKERS, needs_reason=True),
    Move("wait_for_parts", CLOCKED_STATES, State.WAITING_PARTS, _WORKERS | {SYSTEM}, needs_reason=True),
    Move("resume", frozenset({State.WAITING_CUSTOMER}), State.PROCESSING, _WORKERS | {Role.CUSTOMER, SYSTEM}),
    # Parts arrived: the repair resumes. A customer's message does not end this wait.
    Move("resume", frozenset({State.WAITING_PARTS}), State.PROCESSING, _WORKERS | {SYSTEM}),
    Move("escalate", CLOCKED_STATES, State.ESCALATED, CENTRAL_STAFF | {SYSTEM}, needs_reason=True),
    Move("resolve", CLOCKED_STATES, State.RESOLVED, _WORKERS, needs_reason=True),
    Move(
        "reopen", frozenset({State.RESOLVED, State.CLOSED}), State.REOPENED, _DECIDERS | {Role.CUSTOMER}, True
    ),
    Move("archive", frozenset({State.RESOLVED}), State.ARCHIVED, frozenset({Role.ADMIN, SYSTEM})),
    Move("close", frozenset(OPEN_STATES), State.CLOSED, _DECIDERS, needs_reason=True),
)

ACTIONS = tuple(sorted({move.action for move in MOVES}))


def move_for(state: str, action: str) -> Move | None:
    for move in MOVES:
        if move.action == action and state in move.sources:
            return move
    return None


def allowed_actions(state: str, role: str | None = None) -> list[str]:
    """Actions possible from `state`; only those `role` may take when a role is given."""
    return [move.action for move in MOVES if state in move.sources and (role is None or role in move.roles)]

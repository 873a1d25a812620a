"""The repair order's states and every allowed move between them: the one workflow table."""

from dataclasses import dataclass

from django.db import models

from aftersales.accounts.roles import OUTLET_STAFF, Role


class State(models.TextChoices):
    RECEIVED = "received", "已接机 Received"  # the device is at the outlet; checks under way
    DIAGNOSED = "diagnosed", "已诊断 Diagnosed"  # fault found, work items and warranty decisions set
    QUOTED = "quoted", "已报价 Quoted"  # itemised quote shown to the customer, awaiting their answer
    # Parts are on their way to the outlet (transfer orders); the complaint's clocks are paused.
    WAITING_PARTS = "waiting_parts", "待备件 Waiting for parts"
    APPROVED = "approved", "已确认 Approved"  # the customer accepted the quote; parts reserved
    REPAIRING = "repairing", "维修中 Repairing"  # agreement signed, work started
    COMPLETED = "completed", "已完成 Completed"  # work done, parts consumed; device awaits hand-back
    RETURNED = "returned", "已取机 Returned"  # device handed back to the customer
    CANCELLED = "cancelled", "已取消 Cancelled"  # stopped by the outlet before work; parts released
    REFUSED_BY_CUSTOMER = (
        "refused_by_customer",
        "客户拒绝 Refused by customer",
    )  # the customer declined the quote


FINISHED_STATES = frozenset({State.RETURNED, State.CANCELLED, State.REFUSED_BY_CUSTOMER})
# States in which the customer may still sign the service agreement.
BEFORE_WORK = frozenset({State.RECEIVED, State.DIAGNOSED, State.QUOTED, State.WAITING_PARTS, State.APPROVED})

# Who works repair orders: the outlet's own staff (checked by team) and the central technical roles.
WORKERS = OUTLET_STAFF | {Role.TECHNICAL, Role.EXPERT, Role.ADMIN}
# The customer's answers (approval, refusal, agreement) are recorded by staff at the counter
# or given by the customer through the complaint's tracking link.
CUSTOMER_ANSWER = WORKERS | {Role.CUSTOMER}


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


MOVES: tuple[Move, ...] = (
    Move("record_checks", frozenset({State.RECEIVED, State.DIAGNOSED}), "", WORKERS),
    Move("diagnose", frozenset({State.RECEIVED, State.DIAGNOSED, State.QUOTED}), State.DIAGNOSED, WORKERS),
    Move("quote", frozenset({State.DIAGNOSED, State.QUOTED}), State.QUOTED, WORKERS),
    Move("wait_for_parts", frozenset({State.QUOTED}), State.WAITING_PARTS, WORKERS),
    Move("parts_arrived", frozenset({State.WAITING_PARTS}), State.QUOTED, WORKERS),
    Move("approve", frozenset({State.QUOTED}), State.APPROVED, CUSTOMER_ANSWER),
    Move("refuse", frozenset({State.QUOTED}), State.REFUSED_BY_CUSTOMER, CUSTOMER_ANSWER),
    Move("accept_agreement", BEFORE_WORK, "", CUSTOMER_ANSWER),
    Move("start", frozenset({State.APPROVED}), State.REPAIRING, WORKERS),
    # Walk-in lightning service: an eligible device is exchanged instead of repaired.
    Move("replace_device", frozenset({State.RECEIVED, State.DIAGNOSED}), State.COMPLETED, WORKERS),
    Move("complete", frozenset({State.REPAIRING}), State.COMPLETED, WORKERS),
    Move("return", frozenset({State.COMPLETED}), State.RETURNED, WORKERS),
    # No hardware fault found (advice, a software fix): the device goes back unrepaired.
    Move("hand_back", frozenset({State.RECEIVED, State.DIAGNOSED}), State.RETURNED, WORKERS),
    Move("cancel", BEFORE_WORK, State.CANCELLED, WORKERS),
)
# An empty target keeps the state: the step records something without moving the order.

ACTIONS = tuple(move.action for move in MOVES)


def move_for(state: str, action: str) -> Move | None:
    for move in MOVES:
        if move.action == action and state in move.sources:
            return move
    return None


def allowed_actions(state: str, role: str | None = None) -> list[str]:
    """Actions possible from `state`; only those `role` may take when a role is given."""
    return [move.action for move in MOVES if state in move.sources and (role is None or role in move.roles)]

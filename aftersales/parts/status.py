"""The transfer order's states and every allowed move between them: the one workflow table."""

from dataclasses import dataclass

from django.db import models


class TransferState(models.TextChoices):
    REQUESTED = "requested", "已申请 Requested"  # parts promised at the source, not yet sent
    SHIPPED = "shipped", "已发货 Shipped"  # off the source's shelf, on the way
    RECEIVED = "received", "已收货 Received"  # on the destination outlet's shelf
    CANCELLED = "cancelled", "已取消 Cancelled"  # withdrawn before shipping; the source's promise released


@dataclass(frozen=True)
class TransferMove:
    action: str
    sources: frozenset[str]
    target: str


TRANSFER_MOVES: tuple[TransferMove, ...] = (
    TransferMove("ship", frozenset({TransferState.REQUESTED}), TransferState.SHIPPED),
    TransferMove("receive", frozenset({TransferState.SHIPPED}), TransferState.RECEIVED),
    TransferMove("cancel", frozenset({TransferState.REQUESTED}), TransferState.CANCELLED),
)


def transfer_move_for(state: str, action: str) -> TransferMove | None:
    for move in TRANSFER_MOVES:
        if move.action == action and state in move.sources:
            return move
    return None


def transfer_allowed_actions(state: str) -> list[str]:
    return [move.action for move in TRANSFER_MOVES if state in move.sources]

"""The erasure request's states and the moves between them (one table)."""

from django.db import models


class ErasureState(models.TextChoices):
    PENDING = "pending", "冷静期中 In its cooling-off period"  # waits for due_at; a legal hold keeps it here
    CANCELLED = "cancelled", "已撤回 Cancelled"  # the customer (or an administrator) withdrew it in time
    DONE = "done", "已删除 Erased"  # the data is gone; final


# move -> (states it may start from, state it ends in)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "cancel": (frozenset({ErasureState.PENDING}), ErasureState.CANCELLED),
    "execute": (frozenset({ErasureState.PENDING}), ErasureState.DONE),
}

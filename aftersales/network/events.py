"""One small function per kind of outlet event.

Each returns the unsaved event; the service saves it (alone, or in bulk on an import)
in the transaction of the change it records.
"""

from datetime import datetime
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.network.models import Outlet, OutletEvent


def _event(outlet: Outlet, kind: str, actor: Actor, at: datetime, **payload: Any) -> OutletEvent:
    return OutletEvent(outlet=outlet, kind=kind, at=at, actor=actor.ref, payload=payload)


def outlet_created_event(*, outlet: Outlet, actor: Actor, at: datetime, source: str) -> OutletEvent:
    return _event(outlet, "created", actor, at, source=source)


def outlet_updated_event(
    *, outlet: Outlet, actor: Actor, at: datetime, source: str, fields: list[str]
) -> OutletEvent:
    return _event(outlet, "updated", actor, at, source=source, fields=fields)


def outlet_rated_event(
    *, outlet: Outlet, actor: Actor, at: datetime, source: str, score: int, replaced: int | None
) -> OutletEvent:
    return _event(outlet, "rated", actor, at, source=source, score=score, replaced=replaced)


def outlet_ratings_loaded_event(
    *, outlet: Outlet, actor: Actor, at: datetime, added: int, replaced: int
) -> OutletEvent:
    return _event(outlet, "ratings_loaded", actor, at, added=added, replaced=replaced)


def queue_joined_event(*, outlet: Outlet, actor: Actor, at: datetime, lane: str, ticket: int) -> OutletEvent:
    return _event(outlet, "queue_joined", actor, at, lane=lane, ticket=ticket)


def queue_served_event(*, outlet: Outlet, actor: Actor, at: datetime, lane: str, ticket: int) -> OutletEvent:
    return _event(outlet, "queue_served", actor, at, lane=lane, ticket=ticket)

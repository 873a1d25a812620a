"""Reads of the evidence app, and who may read them."""

from typing import TypedDict

from aftersales.accounts.actors import Actor
from aftersales.common.errors import Forbidden
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.evidence.formats import iso_time
from aftersales.evidence.models import SigningKey
from aftersales.evidence.signing import public_key_pem


class PublishedKey(TypedDict):
    key_id: str
    algorithm: str
    public_key: str  # raw 32 bytes, hex
    public_key_pem: str  # SubjectPublicKeyInfo
    created_at: str
    retired_at: str | None


def published_keys() -> list[PublishedKey]:
    """Every key that ever signed a seal, oldest first, retired ones included (they verify old seals)."""
    return [
        PublishedKey(
            key_id=key.key_id,
            algorithm="Ed25519",
            public_key=key.public_key,
            public_key_pem=public_key_pem(key.public_key),
            created_at=iso_time(key.created_at),
            retired_at=iso_time(key.retired_at) if key.retired_at else None,
        )
        for key in SigningKey.objects.order_by("created_at", "id")
    ]


def complaint_for_bundle(*, actor: Actor, number: str) -> Complaint:
    """The complaint whose evidence bundle `actor` asks for: staff who may see the complaint only.

    Raises Forbidden for customers and anonymous callers (the bundle holds staff-only events),
    NotFound / Forbidden as complaint_get_for_actor does for staff.
    """
    if not actor.is_staff:
        raise Forbidden(what="evidence bundle")
    complaint, _actor = complaint_get_for_actor(actor=actor, number=number)
    return complaint

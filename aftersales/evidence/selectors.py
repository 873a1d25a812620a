"""Reads of the evidence app, and who may read them."""

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypedDict

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.devices.imei import valid_imei
from aftersales.evidence.formats import iso_time, merkle_root, sha256_hex
from aftersales.evidence.ledger import entry_document_of
from aftersales.evidence.models import LedgerEntry, Seal, ServiceRecord, SigningKey, WipeCertificate
from aftersales.evidence.records import SERVICE_RECORD, WIPE_CERTIFICATE, service_record_receipt
from aftersales.evidence.services import statement_of
from aftersales.evidence.signing import public_key_pem, signature_valid


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


def complaint_for_record(*, actor: Actor, number: str, tracking_token: str = "") -> tuple[Complaint, Actor]:
    """The complaint whose service record `actor` may download: staff who may see it, its
    customer signed in, or the holder of its tracking token (complaint_get_for_actor's rule)."""
    return complaint_get_for_actor(actor=actor, number=number, tracking_token=tracking_token)


def service_record_get_for_actor(*, actor: Actor, record_id: int, tracking_token: str = "") -> ServiceRecord:
    """One issued service record, if `actor` may see its complaint and, unless staff, it is the
    customer's copy; NotFound otherwise."""
    record = ServiceRecord.objects.select_related("complaint").filter(pk=record_id).first()
    if record is None:
        if actor.kind == "anonymous" and not tracking_token:
            raise Unauthenticated()
        raise NotFound(what="service record")
    _complaint, acting = complaint_get_for_actor(
        actor=actor, number=record.complaint.number, tracking_token=tracking_token
    )
    if not acting.is_staff and record.audience != ServiceRecord.Audience.CUSTOMER:
        raise NotFound(what="service record")  # the staff copy: as if it did not exist
    return record


@dataclass(frozen=True)
class Verdict:
    """What a public verification page may say: no personal data, only facts about the document.

    `code`: "authentic" (issued by the platform, its ledger entry intact and, once sealed, in a
    seal whose signature and Merkle root hold), "unknown" (no such document: forged, altered, or
    a wrong link), "ledger_mismatch" (the document exists but its ledger entry does not match:
    tampered with), "pending" (issued, not yet in the ledger: being generated).
    """

    code: str
    kind: str = ""  # "service_record" | "wipe_certificate"
    issued_at: datetime | None = None
    entry_seq: int | None = None
    seal_number: int | None = None
    sealed_at: datetime | None = None
    timestamped: bool = False
    superseded: bool = False  # a later record of the same complaint exists

    @property
    def authentic(self) -> bool:
        return self.code == "authentic"


_HASH = re.compile(r"[0-9a-f]{64}")


def _entry_verdict(*, kind: str, subject_id: int, content: bytes, issued_at: datetime | None) -> Verdict:
    entry = LedgerEntry.objects.filter(subject_kind=kind, subject_id=subject_id).first()
    if entry is None:
        return Verdict(code="ledger_mismatch", kind=kind, issued_at=issued_at)
    if sha256_hex(content) != entry.content or sha256_hex(entry_document_of(entry)) != entry.entry_hash:
        return Verdict(code="ledger_mismatch", kind=kind, issued_at=issued_at)
    if entry.position is None:
        return Verdict(code="authentic", kind=kind, issued_at=issued_at, entry_seq=entry.seq)
    seal = Seal.objects.filter(first_position__lte=entry.position, last_position__gte=entry.position).first()
    if seal is None or not seal_holds(seal, entry):
        return Verdict(code="ledger_mismatch", kind=kind, issued_at=issued_at, entry_seq=entry.seq)
    return Verdict(
        code="authentic",
        kind=kind,
        issued_at=issued_at,
        entry_seq=entry.seq,
        seal_number=seal.number,
        sealed_at=seal.sealed_at,
        timestamped=bool(seal.timestamp_token),
    )


def seal_holds(seal: Seal, entry: LedgerEntry) -> bool:
    """The seal's signature is valid and its Merkle root includes `entry` at its position."""
    public_key = SigningKey.objects.filter(key_id=seal.key_id).values_list("public_key", flat=True).first()
    if public_key is None or not signature_valid(
        public_key_hex=public_key, signature_hex=seal.signature, message=statement_of(seal)
    ):
        return False
    leaves = [
        bytes.fromhex(value)
        for value in LedgerEntry.objects.filter(
            position__gte=seal.first_position, position__lte=seal.last_position
        )
        .order_by("position")
        .values_list("entry_hash", flat=True)
    ]
    assert entry.position is not None
    index = entry.position - seal.first_position
    if not 0 <= index < len(leaves) or leaves[index].hex() != entry.entry_hash:
        return False
    return merkle_root(leaves).hex() == seal.merkle_root


def service_record_verdict(*, number: str, content_hash: str) -> Verdict:
    """Is `content_hash` the hash of a service record the platform issued for complaint `number`?

    Public (no access check): it answers only about the document, never with its content.
    """
    content_hash = content_hash.strip().lower()
    if not _HASH.fullmatch(content_hash) or len(number) > 32:
        return Verdict(code="unknown")
    record = (
        ServiceRecord.objects.filter(complaint__number=number, content_sha256=content_hash)
        .exclude(generated_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if record is None:
        return Verdict(code="unknown")
    verdict = _entry_verdict(
        kind=SERVICE_RECORD,
        subject_id=record.pk,
        content=service_record_receipt(record, complaint_number=number),
        issued_at=record.generated_at,
    )
    later = ServiceRecord.objects.filter(
        complaint_id=record.complaint_id,
        audience=record.audience,
        pk__gt=record.pk,
        status=ServiceRecord.Status.READY,
    ).exclude(content_sha256=content_hash)
    return replace(verdict, superseded=later.exists())


def wipe_certificate_verdict(*, certificate_id: str, document_hash: str) -> Verdict:
    """Is `document_hash` the SHA-256 of the signed wipe certificate `certificate_id`?"""
    document_hash = document_hash.strip().lower()
    try:
        uid = uuid.UUID(certificate_id)
    except ValueError:
        return Verdict(code="unknown")
    if not _HASH.fullmatch(document_hash):
        return Verdict(code="unknown")
    certificate = WipeCertificate.objects.filter(certificate_id=uid, document_sha256=document_hash).first()
    if certificate is None:
        return Verdict(code="unknown")
    document = certificate.document.encode()
    public_key = (
        SigningKey.objects.filter(key_id=certificate.key_id).values_list("public_key", flat=True).first()
    )
    if (
        sha256_hex(document) != document_hash
        or public_key is None
        or not signature_valid(
            public_key_hex=public_key, signature_hex=certificate.signature, message=document
        )
    ):
        return Verdict(code="ledger_mismatch", kind=WIPE_CERTIFICATE, issued_at=certificate.issued_at)
    return _entry_verdict(
        kind=WIPE_CERTIFICATE, subject_id=certificate.pk, content=document, issued_at=certificate.issued_at
    )


def wipe_certificate_get_for_actor(*, actor: Actor, certificate_id: str) -> WipeCertificate:
    """A wipe certificate for staff who may inspect devices; outlet staff see their outlet's only."""
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.inspect"):
        raise Forbidden(what="wipe certificates")
    try:
        uid = uuid.UUID(certificate_id)
    except ValueError:
        raise NotFound(what="wipe certificate") from None
    certificate = WipeCertificate.objects.select_related("outlet").filter(certificate_id=uid).first()
    if certificate is None:
        raise NotFound(what="wipe certificate")
    if actor.role in OUTLET_STAFF and (
        actor.user is None or certificate.outlet is None or certificate.outlet.team != actor.user.team
    ):
        raise NotFound(what="wipe certificate")
    return certificate


def wipe_certificates_for_imei(*, actor: Actor, imei: str) -> list[WipeCertificate]:
    """The wipe certificates of one device, newest first, as `wipe_certificate_get_for_actor` lets
    `actor` see them (outlet staff: their outlet's). An IMEI that is not one gives 422 `imei`."""
    if not actor.is_staff:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.inspect"):
        raise Forbidden(what="wipe certificates")
    digits = valid_imei(imei) if text_problem(imei) is None else None
    if digits is None:
        raise ValidationFailed({"imei": problem("imei_invalid")})
    rows = WipeCertificate.objects.select_related("outlet").filter(imei=digits)
    if actor.role in OUTLET_STAFF:
        team = actor.user.team if actor.user is not None else "-"
        rows = rows.filter(outlet__code=team.removeprefix("outlet-"))
    return list(rows.order_by("-issued_at", "-pk")[:100])

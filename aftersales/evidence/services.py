"""Writes of the evidence app: sealing, service records, wipe certificates, seal timestamps.

(Appends are in ledger.py, called by each record's writer.)
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.roles import OUTLET_STAFF
from aftersales.common import clock
from aftersales.common.errors import FieldProblem, Forbidden, Unauthenticated, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.complaints.models import Complaint
from aftersales.devices.imei import valid_imei
from aftersales.devices.models import Device
from aftersales.evidence.formats import (
    GENESIS,
    MerkleBuilder,
    canonical_json,
    iso_time,
    link_hash,
    seal_statement,
    sha256_hex,
)
from aftersales.evidence.ledger import Record as LedgerRecord
from aftersales.evidence.ledger import ledger_append
from aftersales.evidence.models import LedgerEntry, Seal, SealLock, ServiceRecord, WipeCertificate
from aftersales.evidence.pdf import service_record_pdf, wipe_certificate_pdf
from aftersales.evidence.records import SERVICE_RECORD, WIPE_CERTIFICATE, service_record_receipt
from aftersales.evidence.service_record import beijing_time, content_sha256, service_record_content
from aftersales.evidence.signing import current_signer
from aftersales.evidence.storage import (
    generated_file_delete,
    generated_file_exists,
    generated_file_save,
    service_record_file_name,
    wipe_certificate_file_name,
)
from aftersales.evidence.timestamps import (
    TimestampAuthority,
    TimestampInvalid,
    configured_authority,
    timestamp_request,
    token_from_response,
)
from aftersales.network.models import Outlet

log = logging.getLogger("aftersales.evidence")

# One seal covers at most this many entries, so that a backlog is sealed in bounded transactions.
MAX_ENTRIES_PER_SEAL = 50_000
_UPDATE_BATCH = 1_000


def statement_of(seal: Seal) -> bytes:
    """The bytes the seal's signature covers, rebuilt from its stored fields."""
    return seal_statement(
        number=seal.number,
        first_position=seal.first_position,
        last_position=seal.last_position,
        merkle_root=seal.merkle_root,
        last_link=seal.last_link,
        previous_seal=seal.previous_seal,
        sealed_at=iso_time(seal.sealed_at),
        key_id=seal.key_id,
    )


def seal_create(*, actor: Actor, limit: int = MAX_ENTRIES_PER_SEAL) -> Seal | None:
    """Seal the entries appended since the last seal (at most `limit`); None if there are none.

    1. Take the seal lock, so that sealers run one at a time (appends never take it).
    2. Give the unsealed entries, in id order, the next positions and their link hashes.
    3. Sign the statement: Merkle root of those positions, last link, previous seal's hash.
    Raises SigningKeyUnavailable (nothing written) when no signing key is usable.
    """
    key_id, private_key = current_signer()
    with transaction.atomic():
        SealLock.objects.get_or_create(pk=1)
        SealLock.objects.select_for_update().get(pk=1)
        unsealed = list(
            LedgerEntry.objects.filter(position__isnull=True)
            .order_by("id")
            .values_list("id", "entry_hash")[:limit]
        )
        if not unsealed:
            return None
        previous = Seal.objects.order_by("-number").first()
        position = previous.last_position if previous else 0
        link = previous.last_link if previous else GENESIS
        first_position = position + 1
        builder = MerkleBuilder()
        updates = []
        for entry_id, entry_hash in unsealed:
            position += 1
            link = link_hash(link, position, entry_hash)
            builder.add(bytes.fromhex(entry_hash))
            updates.append(LedgerEntry(id=entry_id, position=position, link=link))
        LedgerEntry.objects.bulk_update(updates, ["position", "link"], batch_size=_UPDATE_BATCH)
        seal = Seal(
            number=(previous.number + 1) if previous else 1,
            first_position=first_position,
            last_position=position,
            merkle_root=builder.root().hex(),
            last_link=link,
            previous_seal=sha256_hex(statement_of(previous)) if previous else GENESIS,
            sealed_at=clock.now(),
            key_id=key_id,
        )
        seal.signature = private_key.sign(statement_of(seal)).hex()
        seal.save(force_insert=True)
    return seal


def seal_all(*, actor: Actor, authority: TimestampAuthority | None = None) -> list[Seal]:
    """Seal every unsealed entry, in as many seals as MAX_ENTRIES_PER_SEAL needs.

    With a time-stamping authority (`authority`, else the configured one: EVIDENCE_TSA_URL),
    each new seal is then time-stamped; an authority that fails leaves the seal without a token
    (logged) for `seals_timestamp` to retry: sealing never waits on a third party's outage.
    """
    seals = []
    while (seal := seal_create(actor=actor)) is not None:
        seals.append(seal)
    authority = authority or configured_authority()
    if authority is not None and seals:
        seals_timestamp(actor=actor, authority=authority, seals=seals)
    return seals


def seal_timestamp(*, actor: Actor, seal: Seal, authority: TimestampAuthority) -> Seal:
    """Obtain an RFC 3161 token over SHA-256(seal statement) and store it with the seal, once.

    Raises TimestampInvalid when the authority refuses or answers with a token that does not
    hold (nothing stored), OSError / URLError when it cannot be reached. A seal that already
    has a token is returned unchanged. The token is fetched outside any transaction.
    """
    if seal.timestamp_token:
        return seal
    request = timestamp_request(hashlib.sha256(statement_of(seal)).digest())
    token = token_from_response(authority.stamp(request), request=request)
    Seal.objects.filter(pk=seal.pk, timestamp_token__isnull=True).update(
        timestamp_token=token, timestamp_authority=authority.name[:200]
    )
    seal.refresh_from_db(fields=["timestamp_token", "timestamp_authority"])
    return seal


def seals_timestamp(*, actor: Actor, authority: TimestampAuthority, seals: list[Seal] | None = None) -> int:
    """Time-stamp `seals` (default: every seal without a token); returns how many got one."""
    stamped = 0
    for seal in seals if seals is not None else Seal.objects.filter(timestamp_token__isnull=True):
        try:
            seal_timestamp(actor=actor, seal=seal, authority=authority)
        except (TimestampInvalid, OSError) as exc:
            log.error("seal %s not time-stamped by %s: %s", seal.number, authority.name, exc)
            continue
        stamped += 1
    return stamped


# --- The electronic service record (电子服务档案) -------------------------------------------


def verify_url(*, number: str, content_hash: str) -> str:
    """The public verification page a record's QR code leads to."""
    return f"{settings.PUBLIC_BASE_URL}/verify/{quote(number, safe='')}?h={content_hash}"


def wipe_verify_url(*, certificate_id: str, document_hash: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify/wipe/{certificate_id}?h={document_hash}"


# A record still pending this long after it was asked for is taken as lost and asked for again.
PENDING_RECORD_GIVEN_UP_AFTER = timedelta(minutes=15)


def _record_size(document: dict[str, Any]) -> int:
    """Rows the PDF will print: what decides inline or background generation."""
    return (
        len(document["timeline"])
        + len(document["messages"])
        + len(document["calls"])
        + sum(len(o["checks"]) + len(o["items"]) + 10 for o in document["repair_orders"])
    )


def service_record_request(*, actor: Actor, complaint: Complaint) -> ServiceRecord:
    """The complaint's service record for `actor` (access already checked by the caller): the
    staff copy for staff, the customer's copy for anyone else (service_record.py).

    1. If a record of exactly the current content was issued and its PDF is still stored,
       return it: the same data give the same record, and nothing new is appended.
    2. If one is being generated, return it (status "pending"), unless it was asked for more
       than PENDING_RECORD_GIVEN_UP_AFTER ago (its task was lost): that one is marked failed.
    3. Otherwise create one. A record of at most EVIDENCE_RECORD_INLINE_MAX_ROWS rows is
       generated now (status "ready" on return); a larger one by a background task after commit
       (status "pending": poll `service_record_get_for_actor`).
    """
    audience = ServiceRecord.Audience.STAFF if actor.is_staff else ServiceRecord.Audience.CUSTOMER
    document = service_record_content(complaint=complaint, audience=audience)
    digest = content_sha256(document)
    for existing in ServiceRecord.objects.filter(
        complaint=complaint, audience=audience, content_sha256=digest, status=ServiceRecord.Status.READY
    ).order_by("-pk"):
        if existing.file_name and generated_file_exists(existing.file_name):
            return existing
    with transaction.atomic():
        # Two downloads at once make one record: the second waits here, then finds it pending.
        Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
        pending = ServiceRecord.objects.filter(
            complaint=complaint, audience=audience, status=ServiceRecord.Status.PENDING
        ).first()
        now = clock.now()
        if pending is not None and pending.requested_at > now - PENDING_RECORD_GIVEN_UP_AFTER:
            return pending
        if pending is not None:  # its worker died or the broker lost the task: ask again
            pending.status, pending.failure = ServiceRecord.Status.FAILED, "abandoned"
            pending.save(update_fields=["status", "failure"])
        record = ServiceRecord.objects.create(
            complaint=complaint, audience=audience, requested_by=actor.ref, requested_at=now
        )
    if _record_size(document) > settings.EVIDENCE_RECORD_INLINE_MAX_ROWS:
        from aftersales.evidence.tasks import service_record_generate_task

        transaction.on_commit(lambda: service_record_generate_task.delay(record.pk))
        return record
    return service_record_generate(record_id=record.pk, actor=actor)


def service_record_generate(*, record_id: int, actor: Actor) -> ServiceRecord:
    """Render a pending record's PDF, store it and append its receipt to the complaint's chain.

    1. Read the content and render the PDF outside any lock (a large record takes seconds).
    2. Store the PDF (storage.generated_file_save).
    3. In one transaction: lock the complaint (the lock that orders its chain), mark the record
       ready with both hashes, and append the receipt (records.service_record_receipt).
    A record that is no longer pending is returned as it is. On a rendering error the record is
    marked "failed" with the error's class and the error is raised again.
    """
    record = ServiceRecord.objects.select_related("complaint__customer", "complaint__device").get(
        pk=record_id
    )
    if record.status != ServiceRecord.Status.PENDING:
        return record
    complaint = record.complaint
    try:
        document = service_record_content(complaint=complaint, audience=record.audience)
        digest = content_sha256(document)
        at = clock.now()
        pdf, pages = service_record_pdf(
            content=document,
            content_hash=digest,
            verify_url=verify_url(number=complaint.number, content_hash=digest),
            issued_at=beijing_time(at),
        )
    except Exception as exc:
        ServiceRecord.objects.filter(pk=record.pk).update(
            status=ServiceRecord.Status.FAILED, failure=type(exc).__name__
        )
        raise
    name = generated_file_save(
        name=service_record_file_name(complaint_number=complaint.number, record_id=record.pk), data=pdf
    )
    try:
        with transaction.atomic():
            Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
            locked = ServiceRecord.objects.select_for_update().get(pk=record.pk)
            if locked.status != ServiceRecord.Status.PENDING:
                generated_file_delete(name)
                return locked
            locked.status = ServiceRecord.Status.READY
            locked.content_sha256 = digest
            locked.pdf_sha256 = sha256_hex(pdf)
            locked.pages = pages
            locked.generated_at = at
            locked.file_name = name
            locked.save(
                update_fields=["status", "content_sha256", "pdf_sha256", "pages", "generated_at", "file_name"]
            )
            ledger_append(
                records=[
                    LedgerRecord(
                        chain=f"complaint:{complaint.number}",
                        subject_kind=SERVICE_RECORD,
                        subject_id=locked.pk,
                        content=service_record_receipt(locked, complaint_number=complaint.number),
                    )
                ]
            )
    except Exception:
        generated_file_delete(name)
        raise
    locked.complaint = complaint
    return locked


# --- Device wipe certificates -----------------------------------------------------------------

# NIST SP 800-88 Rev. 1 (Guidelines for Media Sanitization), sections 2.5 and 5; appendix A
# for mobile devices. Codes are stable: they are written into signed certificates.
WIPE_METHODS: dict[str, dict[str, str]] = {
    "nist_clear": {
        "zh-hans": "NIST SP 800-88 清除(Clear):恢复出厂设置并覆写用户数据区",
        "en": "NIST SP 800-88 Clear: factory reset overwriting user-addressable storage",
    },
    "nist_purge": {
        "zh-hans": "NIST SP 800-88 净化(Purge):块擦除或覆写,实验室手段亦不可恢复",
        "en": "NIST SP 800-88 Purge: block erase or overwrite, infeasible to recover in a laboratory",
    },
    "cryptographic_erase": {
        "zh-hans": "NIST SP 800-88 净化:密码擦除(销毁介质加密密钥)",
        "en": "NIST SP 800-88 Purge by cryptographic erase (the media encryption key destroyed)",
    },
}
WIPE_REASONS: dict[str, dict[str, str]] = {
    "trade_in": {"zh-hans": "以旧换新回收", "en": "Trade-in"},
    "replacement": {"zh-hans": "换机(旧机回收)", "en": "Replacement (old device returned)"},
    "hand_back": {"zh-hans": "应客户要求交还前清除", "en": "Hand-back on the customer's request"},
}
WIPE_TOOL_RESULTS = ("passed", "failed")
WIPE_CERTIFICATE_FORMAT = 1


@dataclass(frozen=True)
class WipeReport:
    """What the outlet's erasure tool reported. `result` is "passed" or "failed"."""

    imei: str
    method: str
    reason: str
    tool_name: str
    tool_version: str
    result: str
    wiped_at: datetime
    report: str = ""
    outlet_code: str = ""


def _text_field(fields: dict[str, FieldProblem], name: str, value: str, *, required: bool, limit: int) -> str:
    value = value.strip()
    found = text_problem(value)
    if found is not None:
        fields[name] = found
    elif required and not value:
        fields[name] = problem("required")
    elif len(value) > limit:
        fields[name] = problem("text_too_long", limit=limit, length=len(value))
    return value


def wipe_certificate_issue(*, actor: Actor, report: WipeReport) -> WipeCertificate:
    """Record a device wipe and issue its signed certificate (PDF + JSON), sealed in the ledger.

    Guards: staff who may inspect devices (`complaint.inspect`); outlet staff for their own
    outlet only (403). 422 naming the field: `imei` not an IMEI (devices/imei.py), `method` not
    one of WIPE_METHODS, `reason` not one of WIPE_REASONS, `result` unknown or "failed" (a
    failed wipe is not certified: wipe again), `wiped_at` in the future, tool texts missing,
    too long or unstorable, `outlet_code` unknown. 503 when no signing key is usable.

    The certificate's document (canonical JSON) is signed with the platform's current Ed25519
    key, appended to the ledger as the one entry of chain "wipe:<certificate id>", and
    rendered as a PDF with a QR code to `/verify/wipe/<id>?h=<document SHA-256>`.
    """
    if not actor.is_staff or actor.user is None:
        raise Unauthenticated("staff_sign_in_required")
    if not actor.may("complaint.inspect"):
        raise Forbidden(what="certify a device wipe")
    fields: dict[str, FieldProblem] = {}
    imei = valid_imei(report.imei) if text_problem(report.imei) is None else None
    if imei is None:
        fields["imei"] = problem("imei_invalid")
    if report.method not in WIPE_METHODS:
        fields["method"] = problem("wipe_method_unknown", allowed=", ".join(WIPE_METHODS))
    if report.reason not in WIPE_REASONS:
        fields["reason"] = problem("wipe_reason_unknown", allowed=", ".join(WIPE_REASONS))
    if report.result not in WIPE_TOOL_RESULTS:
        fields["result"] = problem("wipe_result_unknown", allowed=", ".join(WIPE_TOOL_RESULTS))
    elif report.result != "passed":
        fields["result"] = problem("wipe_not_verified")
    tool_name = _text_field(fields, "tool_name", report.tool_name, required=True, limit=100)
    tool_version = _text_field(fields, "tool_version", report.tool_version, required=False, limit=50)
    tool_report = _text_field(fields, "report", report.report, required=False, limit=2000)
    now = clock.now()
    if report.wiped_at.tzinfo is None or report.wiped_at > now + WIPE_CLOCK_SKEW:
        fields["wiped_at"] = problem("wiped_at_in_future")
    outlet = None
    if report.outlet_code:
        outlet = Outlet.objects.filter(code=report.outlet_code).first()
        if outlet is None:
            fields["outlet_code"] = problem("outlet_unknown", outlet=report.outlet_code[:40])
    elif actor.role in OUTLET_STAFF:
        outlet = Outlet.objects.filter(code=actor.user.team.removeprefix("outlet-")).first()
    if fields:
        raise ValidationFailed(fields)
    assert imei is not None
    if actor.role in OUTLET_STAFF and (outlet is None or outlet.team != actor.user.team):
        raise Forbidden(what="certify a wipe for another outlet")
    key_id, private_key = current_signer()
    device = Device.objects.filter(imei=imei).first()
    certificate_id = uuid.uuid4()
    user = actor.user
    document: dict[str, Any] = {
        "format": WIPE_CERTIFICATE_FORMAT,
        "kind": "device_wipe_certificate",
        "certificate": str(certificate_id),
        "imei": imei,
        "device_model": device.model_name if device is not None else "",
        "reason": report.reason,
        "reason_label": f"{WIPE_REASONS[report.reason]['zh-hans']} {WIPE_REASONS[report.reason]['en']}",
        "method": report.method,
        "method_label": f"{WIPE_METHODS[report.method]['zh-hans']} · {WIPE_METHODS[report.method]['en']}",
        "standard": "NIST SP 800-88 Rev. 1",
        "tool": {"name": tool_name, "version": tool_version, "result": report.result, "report": tool_report},
        "wiped_at": iso_time(report.wiped_at),
        "outlet": f"{outlet.code} {outlet.name}" if outlet is not None else "",
        "engineer_id": user.employee_id or f"staff-{user.pk}",
        "issued_at": iso_time(now),
        "key_id": key_id,
    }
    document_bytes = canonical_json(document)
    digest = sha256_hex(document_bytes)
    signature = private_key.sign(document_bytes).hex()
    pdf, _pages = wipe_certificate_pdf(
        document=document,
        document_hash=digest,
        signature=signature,
        verify_url=wipe_verify_url(certificate_id=str(certificate_id), document_hash=digest),
    )
    name = generated_file_save(name=wipe_certificate_file_name(certificate_id=str(certificate_id)), data=pdf)
    try:
        with transaction.atomic():
            certificate = WipeCertificate.objects.create(
                certificate_id=certificate_id,
                imei=imei,
                device=device,
                outlet=outlet,
                engineer=user,
                reason=report.reason,
                method=report.method,
                wiped_at=report.wiped_at,
                issued_at=now,
                document=document_bytes.decode(),
                document_sha256=digest,
                key_id=key_id,
                signature=signature,
                file_name=name,
            )
            ledger_append(
                records=[
                    LedgerRecord(
                        chain=f"wipe:{certificate_id}",
                        subject_kind=WIPE_CERTIFICATE,
                        subject_id=certificate.pk,
                        content=document_bytes,
                    )
                ]
            )
    except Exception:
        generated_file_delete(name)
        raise
    return certificate


WIPE_CLOCK_SKEW = timedelta(minutes=5)

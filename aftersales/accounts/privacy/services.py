"""Privacy workflows: erasure with a cooling-off period and legal holds, export-my-data, retention,
and the record of staff reading personal data. PIPL arts. 44-47; docs/privacy.md.
"""

import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import zipfile
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftersales.accounts.actors import SYSTEM, Actor
from aftersales.accounts.models import (
    Customer,
    DataExport,
    ErasureRequest,
    LegalHold,
    PersonalDataAccess,
    RetentionRun,
)
from aftersales.accounts.privacy.registry import (
    DataSubject,
    customer_personal_files,
    personal_data_sources,
    retention_purger,
)
from aftersales.accounts.privacy.selectors import data_subject_of, legal_hold_active
from aftersales.accounts.privacy.status import MOVES, ErasureState
from aftersales.common import clock
from aftersales.common.errors import (
    Conflict,
    Forbidden,
    TransitionNotAllowed,
    Unauthenticated,
    ValidationFailed,
    problem,
)
from aftersales.common.sql import rows_insert
from aftersales.common.text import text_problem
from aftersales.policy.pack import current_pack

log = logging.getLogger("aftersales.privacy")

EXPORT_FORMAT = "aftersales-personal-data-export/1"
EXPORT_FOLDER = "privacy/exports"
MAX_REASON_LENGTH = 500
MAX_ACCESS_REASON_LENGTH = 200


class LegalHoldActive(Conflict):
    """409: a legal hold keeps the customer's data; the message names the hold, its reason and end."""

    code = "legal_hold_active"


# --- legal holds ------------------------------------------------------------------------------


def _reason_checked(reason: str, *, field: str = "reason", required: bool = True) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationFailed({field: problem("required")})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed({field: problem("text_too_long", limit=MAX_REASON_LENGTH, length=len(reason))})
    found = text_problem(reason)
    if found is not None:
        raise ValidationFailed({field: found})
    return reason


def legal_hold_place(*, customer: Customer, kind: str, reason: str, ends_on: date, actor: Actor) -> LegalHold:
    """Keep `customer`'s data until `ends_on` (an open dispute, a court order, a regulator's inquiry).

    Raises Forbidden unless `actor` holds `privacy.legal_hold`; 422 on an unknown kind, an empty
    or overlong reason, or an end before today.
    """
    if not actor.is_staff or not actor.may("privacy.legal_hold"):
        raise Forbidden(what="privacy.legal_hold")
    if kind not in LegalHold.Kind.values:
        raise ValidationFailed({"kind": problem("choice_invalid", allowed=", ".join(LegalHold.Kind.values))})
    reason = _reason_checked(reason)
    now = clock.now()
    if ends_on < clock.localdate(now):
        raise ValidationFailed({"ends_on": problem("hold_end_in_past")})
    return LegalHold.objects.create(
        customer=customer, kind=kind, reason=reason, ends_on=ends_on, placed_by=actor.ref, placed_at=now
    )


def legal_hold_release(*, hold: LegalHold, actor: Actor) -> LegalHold:
    """End a hold before its date (the dispute settled). Releasing twice keeps the first release."""
    if not actor.is_staff or not actor.may("privacy.legal_hold"):
        raise Forbidden(what="privacy.legal_hold")
    if hold.released_at is None:
        hold.released_at = clock.now()
        hold.released_by = actor.ref
        hold.save(update_fields=["released_at", "released_by"])
    return hold


def _refuse_if_held(customer_id: int, now: datetime) -> None:
    hold = legal_hold_active(customer_id=customer_id, today=clock.localdate(now))
    if hold is not None:
        raise LegalHoldActive(
            hold=hold.pk, kind=hold.kind, reason=hold.reason, ends_on=hold.ends_on.isoformat()
        )


# --- erasure ----------------------------------------------------------------------------------


def _may_act_for(actor: Actor, customer_id: int) -> bool:
    if actor.kind == "customer":
        return actor.customer_id == customer_id
    return actor.is_staff and actor.may("privacy.erase_any")


def erasure_request(*, customer: Customer, actor: Actor, reason: str = "") -> ErasureRequest:
    """Ask for the customer's personal data to be erased once the pack's cooling-off period ends.

    `actor`: the signed-in customer themself, or staff holding `privacy.erase_any` (whose
    `reason`, e.g. a ticket reference, is required). Asking again while a request is pending
    returns that request. Raises LegalHoldActive (409) while a hold is in force,
    Conflict `customer_already_erased` (409) after erasure, Forbidden for anyone else.
    The customer is told when it will run and until when they can cancel.
    """
    if not _may_act_for(actor, customer.pk):
        raise Forbidden(what="request erasure")
    reason = _reason_checked(reason, required=actor.is_staff)
    now = clock.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None:
            raise Conflict("customer_already_erased")
        _refuse_if_held(locked.pk, now)
        pending = ErasureRequest.objects.filter(customer=locked, state=ErasureState.PENDING).first()
        if pending is not None:
            return pending
        due_at = now + current_pack().privacy.erasure_cooling_off
        try:
            with transaction.atomic():
                request = ErasureRequest.objects.create(
                    customer=locked,
                    state=ErasureState.PENDING,
                    requested_by=actor.ref,
                    reason=reason,
                    requested_at=now,
                    due_at=due_at,
                )
        except IntegrityError:  # a request made at the same moment on another worker won
            return ErasureRequest.objects.get(customer=locked, state=ErasureState.PENDING)
        contact = _confirmation_contact(locked)
        transaction.on_commit(lambda: _tell_customer(locked, contact, "erasure_requested", request))
    return request


def _move(request: ErasureRequest, move: str) -> None:
    sources, _target = MOVES[move]
    if request.state not in sources:
        raise TransitionNotAllowed("erasure_not_pending", request=request.pk, state=request.state)


def erasure_cancel(*, request: ErasureRequest, actor: Actor) -> ErasureRequest:
    """Withdraw a pending request (the customer within the cooling-off period, or an administrator).

    Raises TransitionNotAllowed (409) naming the state when it already ran or was cancelled.
    """
    if not _may_act_for(actor, request.customer_id):
        raise Forbidden(what="request erasure")
    _move(request, "cancel")
    now = clock.now()
    target = MOVES["cancel"][1]
    # Claimed with a conditional update: the sweeper may be starting it at this moment.
    won = ErasureRequest.objects.filter(pk=request.pk, state=ErasureState.PENDING).update(
        state=target, cancelled_at=now
    )
    request.refresh_from_db()
    if not won:
        _move(request, "cancel")
    return request


def erasure_execute(*, request_id: int, actor: Actor = SYSTEM) -> ErasureRequest:
    """Run the request now if it is pending and no hold is in force (see `_erasure_run`)."""
    return _erasure_run(request_id=request_id, actor=actor)[0]


def _erasure_run(*, request_id: int, actor: Actor) -> tuple[ErasureRequest, bool]:
    """Erase everything every app holds about the request's customer, in one transaction; returns the
    request and whether this call erased (False: not pending any more, or held).

    1. Lock the customer, then the request; anything but pending is left as it is.
    2. A legal hold in force keeps the request pending (`held_by` names it); it runs on a later
       sweep after the hold ends or is released.
    3. Read the data subject (every identifier) and the files that hold their data, and the
       contact the confirmation goes to.
    4. Run each registered source's eraser (registry.py); record the counts, not the data.
    5. After commit: delete the files, and send the confirmation to the contact read in step 3
       (kept only in memory: the customer record no longer has it).
    """
    now = clock.now()
    with transaction.atomic():
        request = ErasureRequest.objects.get(pk=request_id)
        customer = Customer.objects.select_for_update().get(pk=request.customer_id)
        request = ErasureRequest.objects.select_for_update().get(pk=request_id)
        if request.state != ErasureState.PENDING:
            return request, False
        hold = legal_hold_active(customer_id=customer.pk, today=clock.localdate(now))
        if hold is not None:
            if request.held_by_id != hold.pk:
                request.held_by = hold
                request.save(update_fields=["held_by"])
            log.info("erasure request %s held by legal hold %s until %s", request.pk, hold.pk, hold.ends_on)
            return request, False
        subject = data_subject_of(customer)
        files = customer_personal_files(subject)
        contact = _confirmation_contact(customer)
        outcome: dict[str, Any] = {}
        for source in personal_data_sources():
            outcome[source.name] = source.erase(subject=subject, at=now, request_id=request.pk)
        outcome["files"] = len(files)
        request.state = MOVES["execute"][1]
        request.done_at = now
        request.outcome = outcome
        request.save(update_fields=["state", "done_at", "outcome"])
        names = [stored.storage_name for stored in files]
        transaction.on_commit(lambda: _delete_files(names))
        customer.refresh_from_db()
        transaction.on_commit(lambda: _tell_customer(customer, contact, "erasure_done", request))
    return request, True


def erasure_sweep(*, now: datetime | None = None) -> list[int]:
    """Run every pending request whose cooling-off has ended; returns the ids this call erased
    (a request another sweeper erased meanwhile is not counted twice)."""
    now = now or clock.now()
    due = list(
        ErasureRequest.objects.filter(state=ErasureState.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    done = []
    for request_id in due:
        _request, ran = _erasure_run(request_id=request_id, actor=SYSTEM)
        if ran:
            done.append(request_id)
    return done


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("could not delete a stored file of an erased customer: %s", name)


# What the customer is told about their requests: no personal data, by language.
PRIVACY_TEXTS = {
    "erasure_requested": {
        "zh-hans": (
            "个人信息删除申请已受理",
            "您的个人信息删除申请 #{request} 已受理,将于 {due} 执行;在此之前您可随时撤回。",
        ),
        "en": (
            "Erasure request received",
            "Your request #{request} to erase your personal data will run on {due}; you can cancel it until then.",
        ),
    },
    "erasure_done": {
        "zh-hans": ("个人信息已删除", "您的个人信息已按申请 #{request} 删除。此后我们不再保存您的联系方式。"),
        "en": (
            "Your personal data has been erased",
            "Your personal data has been erased as asked in request #{request}. We no longer hold your contacts.",
        ),
    },
    "export_ready": {
        "zh-hans": (
            "您的个人信息副本已生成",
            "您申请的个人信息副本 #{export} 已可下载,请登录后在 {expires} 前下载一次。",
        ),
        "en": (
            "Your data export is ready",
            "Your data export #{export} is ready: sign in and download it once before {expires}.",
        ),
    },
}


def _confirmation_contact(customer: Customer) -> tuple[str, str]:
    """(channel, address) for privacy notices: the customer's mobile by SMS, else their e-mail."""
    from aftersales.accounts.models import CustomerIdentity

    mobile = (
        CustomerIdentity.objects.filter(customer=customer, kind="phone", is_mobile=True)
        .order_by("-verified_at", "pk")
        .values_list("value", flat=True)
        .first()
    )
    if mobile and not mobile.startswith("erased:"):
        return "sms", mobile
    if customer.email:
        return "email", customer.email
    if customer.phone:
        return "sms", customer.phone
    return "", ""


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def local_time_words(moment: datetime, language: str) -> str:
    """`moment` in the platform's time zone (settings.TIME_ZONE, Beijing time) as a customer reads
    it: "2026年12月4日 13:42(北京时间)" or "4 December 2026, 13:42 (Beijing time)"."""
    local = timezone.localtime(moment)
    if language == "en":
        month = _MONTHS[local.month - 1]
        return f"{local.day} {month} {local.year}, {local:%H:%M} (Beijing time)"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}(北京时间)"


def _tell_customer(customer: Customer, contact: tuple[str, str], reason: str, about: Any) -> None:
    from aftersales.notifications.services import notification_record_and_send

    channel, address = contact
    if not channel:
        return
    texts = PRIVACY_TEXTS[reason]
    subject, body = texts.get(customer.language, texts["zh-hans"])
    fields = {"request": about.pk, "export": about.pk}
    if isinstance(about, ErasureRequest):
        fields["due"] = clock.localdate(about.due_at).isoformat()
    if isinstance(about, DataExport) and about.expires_at is not None:
        fields["expires"] = local_time_words(about.expires_at, customer.language)
    try:
        notification_record_and_send(
            recipient=f"customer:{customer.pk}",
            channel=channel,
            reason=reason,
            subject=subject,
            body=body.format(**fields),
            complaint_id=None,
            address=address,
        )
    except OSError:
        log.exception("privacy notice %s to customer %s not delivered", reason, customer.pk)


# --- export-my-data ---------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def data_export_request(*, actor: Actor) -> tuple[DataExport, str]:
    """The signed-in customer asks for a copy of their data; returns the export and its download token.

    The token is shown once (only its hash is kept). Built in the background within the hour
    (tasks.data_export_build_task, and the sweep as a safety net). Raises Conflict
    `export_pending` (409) while an earlier export is still being built; Unauthenticated (401)
    for nobody signed in, Forbidden (403) for any other caller.
    """
    if actor.kind == "anonymous":
        raise Unauthenticated()
    if actor.kind != "customer" or actor.customer_id is None:
        raise Forbidden(what="export personal data")
    now = clock.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=actor.customer_id)
        if customer.erased_at is not None:
            raise Conflict("customer_already_erased")
        pending = DataExport.objects.filter(customer=customer, state=DataExport.State.PENDING).first()
        if pending is not None:
            raise Conflict("export_pending", export=pending.pk)
        token = secrets.token_urlsafe(32)
        export = DataExport.objects.create(
            customer=customer, requested_by=actor.ref, requested_at=now, token_hash=token_hash(token)
        )
        from aftersales.accounts.tasks import data_export_build_task

        transaction.on_commit(lambda: data_export_build_task.delay(export.pk))
    return export, token


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def data_export_build(*, export_id: int) -> DataExport:
    """Build the archive of a pending export: `data.json` (every source's rows) and `files/…`.

    data.json: {"format", "customer", "built_at", "sources": {name: {section: [rows]}},
    "files": [{"name", "sha256", "size"}]}. The zip goes to the default storage under
    privacy/exports/ with a random name; the export is then ready for `export_link_valid`.
    """
    now = clock.now()
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export_id)
        if export.state != DataExport.State.PENDING:
            return export
        customer = Customer.objects.get(pk=export.customer_id)
        subject = data_subject_of(customer)
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "customer": customer.pk,
            "built_at": now.isoformat(),
            "sources": {source.name: source.export(subject=subject) for source in personal_data_sources()},
            "files": [],
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for stored in customer_personal_files(subject):
                if stored.storage_name.startswith(EXPORT_FOLDER + "/"):
                    continue  # earlier exports are not exported again
                try:
                    with default_storage.open(stored.storage_name, "rb") as handle:
                        content = handle.read()
                except OSError:
                    log.warning("export %s: stored file missing: %s", export.pk, stored.storage_name)
                    continue
                name = f"files/{_safe_name(stored.export_name)}"
                archive.writestr(name, content)
                document["files"].append(
                    {"name": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
                )
            archive.writestr(
                "data.json",
                json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default),
            )
        payload = buffer.getvalue()
        name = default_storage.save(f"{EXPORT_FOLDER}/{secrets.token_hex(16)}.zip", ContentFile(payload))
        export.archive = name
        export.size = len(payload)
        export.sha256 = hashlib.sha256(payload).hexdigest()
        export.state = DataExport.State.READY
        export.built_at = now
        export.expires_at = now + current_pack().privacy.export_link_valid
        export.save(update_fields=["archive", "size", "sha256", "state", "built_at", "expires_at"])
        contact = _confirmation_contact(customer)
        transaction.on_commit(lambda: _tell_customer(customer, contact, "export_ready", export))
    return export


_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def _safe_name(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name).strip("._")[:150] or "file"


def data_export_sweep(*, now: datetime | None = None) -> list[int]:
    """Build the exports still pending (a lost task), oldest first; returns their ids."""
    pending = list(
        DataExport.objects.filter(state=DataExport.State.PENDING)
        .order_by("requested_at")
        .values_list("pk", flat=True)
    )
    return [data_export_build(export_id=pk).pk for pk in pending]


def data_export_download(*, export: DataExport, token: str, actor: Actor) -> bytes:
    """The archive's bytes, once: the signed-in customer with the token given when they asked.

    Raises Forbidden `export_token_invalid` (403) for a wrong token, Conflict `export_not_ready`
    (409) while pending or after it was downloaded or expired. The stored archive is deleted
    when it is handed over.
    """
    if actor.kind != "customer" or actor.customer_id != export.customer_id:
        raise Forbidden(what="export personal data")
    if not hmac.compare_digest(export.token_hash, token_hash(token)):
        raise Forbidden("export_token_invalid")
    now = clock.now()
    if export.state == DataExport.State.READY and export.expires_at is not None and export.expires_at <= now:
        _data_export_expire(export)
    if export.state != DataExport.State.READY:
        raise Conflict("export_not_ready", export=export.pk, state=export.state)
    with default_storage.open(export.archive, "rb") as handle:
        payload = handle.read()
    won = DataExport.objects.filter(pk=export.pk, state=DataExport.State.READY).update(
        state=DataExport.State.DOWNLOADED, downloaded_at=now, archive=""
    )
    if not won:  # a second download at the same moment lost
        export.refresh_from_db()
        raise Conflict("export_not_ready", export=export.pk, state=export.state)
    name = export.archive
    transaction.on_commit(lambda: _delete_files([name]))
    export.refresh_from_db()
    return payload


def _data_export_expire(export: DataExport) -> None:
    name = export.archive
    DataExport.objects.filter(pk=export.pk, state=DataExport.State.READY).update(
        state=DataExport.State.EXPIRED, archive=""
    )
    if name:
        transaction.on_commit(lambda: _delete_files([name]))
    export.refresh_from_db()


# --- retention --------------------------------------------------------------------------------


def retention_purge(*, actor: Actor = SYSTEM, now: datetime | None = None) -> RetentionRun:
    """Purge, per data kind of the pack's retention section, what is older than its period.

    Each kind is purged by the app that stores it (registry.retention_purger_register). A kind
    that no app stores yet is listed in `unstored_kinds`. Returns the run, with its counts.
    """
    now = now or clock.now()
    purged: dict[str, int] = {}
    unstored: list[str] = []
    for kind, rule in sorted(current_pack().privacy.retention.items()):
        purger = retention_purger(kind)
        if purger is None:
            unstored.append(kind)
            continue
        with transaction.atomic():
            purged[kind] = purger(cutoff=rule.cutoff(now), now=now)
    run = RetentionRun.objects.create(ran_at=now, actor=actor.ref, purged=purged, unstored_kinds=unstored)
    log.info("retention purge %s: %s", run.pk, purged)
    return run


# --- the access log ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def access_reason(raw: str) -> str:
    """A reason as given by a reader (header, query, form): control characters dropped, cut to fit."""
    return _CONTROL.sub("", raw).strip()[:MAX_ACCESS_REASON_LENGTH]


def access_record(
    *,
    actor: Actor,
    customer_ids: list[int] | set[int] | tuple[int, ...],
    purpose: str,
    subject: str,
    reason: str = "",
) -> int:
    """Record that staff `actor` was shown the personal data of these customers; returns rows written.

    Nothing is written for customers reading their own data or for the system. The rows are
    written and committed before the caller answers, on every path that shows the data (and on
    none that refuses it), and are visible to every other session at once.

    On PostgreSQL, when the record is its own transaction (the caller is not inside one), that
    transaction commits without waiting for its WAL to reach the disk (`SET LOCAL
    synchronous_commit TO OFF`, `_insert_committed_without_waiting_for_the_disk`): a read does not
    wait for an fsync. The trade-off, accepted for read records only: should the database
    server itself crash (not the application, not a restart), the reads of the last moments
    before it (at most 3 x `wal_writer_delay`, 0.6 s by default) may be missing from the log;
    what is stored is never inconsistent. Inside a caller's transaction the record commits
    with it, as durably as the caller's own writes.
    """
    if not actor.is_staff or actor.user is None or not customer_ids:
        return 0
    now = clock.now()
    rows = [
        PersonalDataAccess(
            staff=actor.user,
            customer_id=customer_id,
            purpose=purpose,
            subject=subject[:80],
            reason=access_reason(reason),
            at=now,
        )
        for customer_id in sorted(set(customer_ids))
    ]
    _insert_committed_without_waiting_for_the_disk(rows)
    return len(rows)


# What a record's own transaction tells PostgreSQL, for that transaction only.
ASYNCHRONOUS_COMMIT = "set_config('synchronous_commit', 'off', true)"
_ACCESS_COLUMNS = ("staff_id", "customer_id", "purpose", "subject", "reason", "at")


def _insert_committed_without_waiting_for_the_disk(rows: list[PersonalDataAccess]) -> None:
    """Insert the records in a transaction of their own whose commit does not wait for the WAL
    flush (PostgreSQL), or with the caller's transaction when inside one, or on SQLite.

    Only for writes whose loss in a database-server crash is acceptable (access_record says
    why). On its own the transaction is one statement: `WITH recorded AS (INSERT ...) SELECT
    set_config('synchronous_commit', 'off', true)`, which PostgreSQL runs as an implicit
    transaction of its own, committed when it answers; the setting is local to that
    transaction and read at its commit. One statement works with client-side and server-side
    parameter binding alike. Every other path: the prepared INSERT of common.sql.
    """
    alone = connection.vendor == "postgresql" and not connection.in_atomic_block
    if not alone:
        rows_insert(rows)
        return
    quote = connection.ops.quote_name
    adapt_timestamp = connection.ops.adapt_datetimefield_value
    row = "(" + ", ".join(["%s"] * len(_ACCESS_COLUMNS)) + ")"
    sql = (
        f"WITH recorded AS (INSERT INTO {quote(PersonalDataAccess._meta.db_table)} "
        f"({', '.join(quote(column) for column in _ACCESS_COLUMNS)}) VALUES {', '.join([row] * len(rows))}) "
        f"SELECT {ASYNCHRONOUS_COMMIT}"
    )
    params = [
        value
        for record in rows
        for value in (
            record.staff_id,
            record.customer_id,
            record.purpose,
            record.subject,
            record.reason,
            adapt_timestamp(record.at),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def subject_for(subject: DataSubject) -> str:
    return f"customer:{subject.customer_id}"

"""The hotline's endpoints (docs/channels.md).

The call-centre system, with its code and secret (settings.HOTLINE_SYSTEMS):

    POST /api/v1/channels/hotline/calls                      multipart: the call's fields, `recording`
    POST /api/v1/channels/hotline/calls/{call_id}/recording  multipart: `recording`

Staff (bearer token, or the desk's session for reads):

    GET  /api/v1/channels/hotline/recordings/{id}            the audio of call {id} (?download=1 to save it)
    GET  /api/v1/channels/hotline/call-backs                 open call-backs
    POST /api/v1/channels/hotline/call-backs/{id}/done
    GET  /api/v1/customers/lookup?phone=                     the caller's history (screen pop)
"""

import hmac
import logging
from datetime import UTC

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from aftersales.accounts.selectors import actor_from_request, staff_actor_from_request
from aftersales.common.errors import PayloadTooLarge, Unauthenticated, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.intake.channels.hotline import selectors
from aftersales.intake.channels.hotline.models import Call, CallBack
from aftersales.intake.channels.hotline.schemas import (
    CallBackOut,
    CallerHistoryOut,
    CallIn,
    CallOut,
)
from aftersales.intake.channels.hotline.services import (
    CallReport,
    CallResult,
    call_back_mark_done,
    call_receive,
    call_recording_attach,
)

router = Router(tags=["hotline"])
customers_router = Router(tags=["hotline"])
security_log = logging.getLogger("aftersales.security")
SYSTEM_HEADER = "X-Call-Centre-System"
SECRET_HEADER = "X-Call-Centre-Secret"
# Room for the call's form fields beside the recording.
FORM_ALLOWANCE = 256 * 1024


class CallCentreAuth:
    """The pushing system by its code and secret, checked before the body is read: a missing or
    wrong secret is refused (401) and logged, a body beyond the recording cap refused (413)."""

    def __call__(self, request: HttpRequest) -> str:
        code = request.headers.get(SYSTEM_HEADER, "").strip()
        given = request.headers.get(SECRET_HEADER, "")
        secret = settings.HOTLINE_SYSTEMS.get(code, "")
        if not secret or not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
            security_log.warning(
                "hotline push refused: %s system %r; from %s",
                "wrong secret for" if secret else "unknown",
                code[:32],
                request.META.get("REMOTE_ADDR", "?"),
            )
            raise Unauthenticated("call_centre_unauthenticated")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.HOTLINE_RECORDING_MAX_BYTES + FORM_ALLOWANCE
        if declared > limit:
            security_log.warning("hotline push of %d bytes from %s refused", declared, code)
            raise PayloadTooLarge(limit=limit)
        return code


def _call_out(result: CallResult) -> CallOut:
    call = result.call
    return CallOut(
        id=call.pk,
        call_id=call.call_id,
        replayed=result.replayed,
        queue=call.queue,
        priority=call.priority,
        after_hours=call.after_hours,
        customer_known=call.customer_id is not None,
        complaint_number=call.complaint.number if call.complaint is not None else None,
        opened_complaint=call.opened_complaint,
        recording_sha256=call.recording_sha256,
        call_back_due_at=result.call_back.due_at.astimezone(UTC) if result.call_back is not None else None,
    )


@router.post("/calls", response={200: CallOut, 201: CallOut}, auth=CallCentreAuth())
def push_call(  # type: ignore[no-untyped-def]
    request: HttpRequest, payload: Form[CallIn], recording: File[UploadedFile | None] = None
):
    """Take in one call; 201 when new, 200 when the same call was pushed before (nothing new written)."""
    report = CallReport(**payload.dict())
    result = call_receive(system=request.auth, report=report, recording=recording)  # type: ignore[attr-defined]
    return Status(200 if result.replayed else 201, _call_out(result))


@router.post("/calls/{call_id}/recording", response={200: CallOut}, auth=CallCentreAuth())
def push_recording(request: HttpRequest, call_id: str, recording: File[UploadedFile]):  # type: ignore[no-untyped-def]
    """The recording of a call pushed before without one."""
    found = text_problem(call_id)
    if found is not None:
        raise ValidationFailed({"call_id": found})
    call = call_recording_attach(system=request.auth, call_id=call_id, recording=recording)  # type: ignore[attr-defined]
    return _call_out(
        CallResult(call=call, replayed=False, call_back=CallBack.objects.filter(call=call).first())
    )


@router.get("/recordings/{int:call}", auth=None)
def get_recording(request: HttpRequest, call: int):  # type: ignore[no-untyped-def]
    """The recording's audio, for staff who may play it (and see the call's complaint)."""
    found = selectors.call_get_for_recording(actor=actor_from_request(request), call_id=call)
    download = request.GET.get("download") == "1"
    extension = found.recording.name.rsplit(".", 1)[-1]
    response = FileResponse(
        found.recording.open("rb"),
        content_type=found.recording_type,
        as_attachment=download,
        filename=f"call-{found.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/call-backs", response=list[CallBackOut], auth=None)
def list_call_backs(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Open call-backs, the most urgent queue first, then the earliest due."""
    rows = selectors.call_backs_open(actor=actor_from_request(request))
    return [_call_back_out(row) for row in rows]


@router.post("/call-backs/{int:call_back}/done", response=CallBackOut, auth=None)
def mark_call_back_done(request: HttpRequest, call_back: int):  # type: ignore[no-untyped-def]
    done = call_back_mark_done(actor=staff_actor_from_request(request), call_back_id=call_back)
    return _call_back_out(done)


def _call_back_out(row: CallBack) -> CallBackOut:
    call: Call = row.call
    return CallBackOut(
        id=row.pk,
        call=call.pk,
        queue=call.queue,
        priority=row.priority,
        due_at=row.due_at.astimezone(UTC),
        customer_phone=call.customer_phone,
        complaint_number=call.complaint.number if call.complaint is not None else None,
        started_at=call.started_at.astimezone(UTC),
    )


@customers_router.get("/lookup", response=CallerHistoryOut, auth=None)
def lookup_customer(request: HttpRequest, phone: str = ""):  # type: ignore[no-untyped-def]
    """The caller's whole history by phone number, in any written form (the agent's screen pop)."""
    actor = actor_from_request(request)
    if not phone.strip():
        selectors.caller_history_allowed(actor=actor)
        raise ValidationFailed({"phone": problem("required")})
    history = selectors.caller_history(
        actor=actor, phone=phone[:40], reason=request.headers.get("X-Access-Reason", "")
    )
    masked = history.masked
    customer = history.customer
    return {
        "phone": selectors.shown_phone(history.phone, masked=masked),
        "masked": masked,
        "customer": None
        if customer is None
        else {
            "id": customer.pk,
            "name": selectors.shown_name(customer.name, masked=masked),
            "phone": selectors.shown_phone(customer.phone or "", masked=masked),
            "is_senior": customer.is_senior,
            "is_vip": customer.is_vip,
            "language": customer.language,
        },
        "complaints": [
            {
                "number": c.number,
                "state": c.state,
                "category": c.category,
                "priority": c.priority,
                "channel": c.channel,
                "subject": c.subject,
                "created_at": c.created_at,
                "deadline_at": c.earliest_due_at,
            }
            for c in history.complaints
        ],
        "messages": [
            {
                "complaint_number": m.complaint.number,
                "direction": m.direction,
                "channel": m.channel,
                "body": "" if m.erased_at else m.body,
                "created_at": m.created_at,
            }
            for m in history.messages
        ],
        "calls": [
            {
                "id": c.pk,
                "direction": c.direction,
                "queue": c.queue,
                "started_at": c.started_at,
                "duration_seconds": c.duration_seconds,
                "complaint_number": c.complaint.number if c.complaint is not None else None,
                "has_recording": bool(c.recording),
                "transcript": "" if masked else c.transcript,
            }
            for c in history.calls
        ],
        "devices": [
            {
                "imei": selectors.shown_imei(d.imei, masked=masked),
                "model_name": d.model_name,
                "purchase_date": d.purchase_date.isoformat() if d.purchase_date else None,
                "warranty_ends_on": d.warranty_ends_on.isoformat() if d.warranty_ends_on else None,
            }
            for d in history.devices
        ],
    }

"""Endpoints for the service app and mini-programs: upload files, list and download a complaint's
files, poll its progress. Who may see a complaint is decided by the one access function
(complaints.selectors.complaint_get_for_actor): staff token, customer session token, or the
complaint's tracking token (`X-Tracking-Token` header or `?token=`).
"""

import hashlib
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from aftersales.accounts.actors import Actor
from aftersales.accounts.selectors import actor_from_request
from aftersales.common.client_address import client_address
from aftersales.common.errors import NotFound, ValidationFailed, problem
from aftersales.common.language import request_language
from aftersales.common.messages import term_words
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.complaints.services import DEADLINE_FIELDS
from aftersales.intake.attachments import selectors, services
from aftersales.intake.attachments.schemas import (
    AttachmentOut,
    CustomerAttachmentOut,
    ProgressOut,
    UploadOut,
)
from aftersales.policy.pack import current_pack

router = Router(tags=["attachments"])
# The channels an upload may come from: the app and the web (the store counter uses its own).
UPLOAD_CHANNELS = ("app", "web", "store")


@router.post("", response={201: UploadOut})
def upload(request: HttpRequest, file: File[UploadedFile], channel: Form[str] = "app"):  # type: ignore[no-untyped-def]
    """Upload one photo (JPEG, PNG, HEIC, WebP) or video (MP4, MOV) as multipart/form-data, field `file`.

    Answers 201 with `id`: name it in the complaint's `attachments` (POST /complaints),
    within ATTACHMENT_UNCLAIMED_HOURS. 422 naming `file` for a file refused (its type judged
    from the bytes, its size per kind, programs, archives and bombs; docs/channels.md), and
    `attachment_pending_limit` past ATTACHMENT_MAX_PER_COMPLAINT uploads waiting from one
    caller or client address.
    """
    if channel not in UPLOAD_CHANNELS or channel not in current_pack().channels:
        raise ValidationFailed({"channel": problem("channel_unknown", allowed=", ".join(UPLOAD_CHANNELS))})
    stored = services.attachment_upload(
        actor=actor_from_request(request),
        uploaded=file,
        channel=channel,
        client_address=client_address(request),
    )
    return Status(
        201,
        UploadOut(
            id=stored.token,
            kind=stored.kind,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            expires_at=stored.uploaded_at + timedelta(hours=settings.ATTACHMENT_UNCLAIMED_HOURS),
        ),
    )


def _access(request: HttpRequest, number: str) -> tuple[Complaint, Actor]:
    token = request.headers.get("X-Tracking-Token") or request.GET.get("token", "")
    return complaint_get_for_actor(actor=actor_from_request(request), number=number, tracking_token=token)


def attachment_out(view: selectors.AttachmentView, *, number: str, actor: Actor) -> CustomerAttachmentOut:
    """One file for this audience: customers get CustomerAttachmentOut, staff AttachmentOut."""
    shown: dict[str, Any] = {
        "id": view.id,
        "kind": view.kind,
        "content_type": view.content_type,
        "size": view.size,
        "uploaded_at": view.uploaded_at,
        "download_url": f"/api/v1/complaints/{number}/attachments/{view.id}",
    }
    if not actor.is_staff:
        return CustomerAttachmentOut(**shown)
    return AttachmentOut(
        **shown,
        source=view.source,
        channel=view.channel,
        name=view.name,
        sha256=view.sha256,
        uploaded_by=view.uploaded_by,
    )


def list_attachments(request: HttpRequest, number: str):  # type: ignore[no-untyped-def]
    """The complaint's files from every channel (uploads and mail), oldest first."""
    complaint, actor = _access(request, number)
    return [
        attachment_out(view, number=complaint.number, actor=actor)
        for view in selectors.complaint_attachments(complaint=complaint)
    ]


def download_attachment(request: HttpRequest, number: str, attachment_id: str) -> FileResponse:
    """The file itself, as a download (never shown inline), to whoever may see the complaint."""
    complaint, _ = _access(request, number)
    view = selectors.complaint_attachment(complaint=complaint, attachment_id=attachment_id)
    extension = view.content_type.rsplit("/", 1)[-1].replace("quicktime", "mov").replace("jpeg", "jpg")
    try:
        stored = default_storage.open(view.storage_name, "rb")
    except OSError as missing:  # deleted by a retention purge or by hand since the row was read
        raise NotFound(what="attachment") from missing
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=view.name or f"{view.id}.{extension}",
        content_type=view.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# Events a customer's progress counts (what their timeline shows, complaints.api).
def _last_event_at(complaint: Complaint, actor: Actor):  # type: ignore[no-untyped-def]
    from aftersales.complaints.selectors import CUSTOMER_EVENT_KINDS, CUSTOMER_REPAIR_STEPS

    events = TimelineEvent.objects.filter(complaint=complaint)
    if not actor.is_staff:
        shown = list(CUSTOMER_EVENT_KINDS)
        events = events.filter(kind__in=shown) | events.filter(
            kind=TimelineEvent.Kind.REPAIR, payload__step__in=list(CUSTOMER_REPAIR_STEPS)
        )
    return events.order_by("-seq").values_list("at", flat=True).first()


def progress_etag(complaint: Complaint, actor: Actor, language: str) -> str:
    """The progress answer's version, from the complaint row alone (its event count, state and
    clocks), so that an unchanged complaint is answered 304 without reading its timeline."""
    document = "|".join(
        str(part)
        for part in (
            "staff" if actor.is_staff else "customer",
            language,
            complaint.number,
            complaint.event_count,
            complaint.state,
            complaint.is_open,
            complaint.next_deadline_at.isoformat() if complaint.next_deadline_at else "",
        )
    )
    return f'"{complaint.event_count}-{hashlib.sha256(document.encode()).hexdigest()[:16]}"'


def _etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match is `*` or a list of tags, compared weakly."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def get_progress(request: HttpRequest, number: str) -> HttpResponse:
    """State, stage, next deadline and last event time; cheap to poll.

    Send the `ETag` of the last answer in `If-None-Match`: while nothing changed, the answer
    is 304 with no body, read from the complaint row alone.
    """
    complaint, actor = _access(request, number)
    language = request_language(request)
    etag = progress_etag(complaint, actor, language)
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        next_name = next(
            (
                name
                for name in DEADLINE_FIELDS
                if complaint.next_deadline_at is not None
                and getattr(complaint, name) == complaint.next_deadline_at
            ),
            None,
        )
        body = ProgressOut(
            number=complaint.number,
            state=complaint.state,
            stage=str(term_words(complaint.state, language)),
            is_open=complaint.is_open,
            next_deadline=next_name,
            next_deadline_at=complaint.next_deadline_at.astimezone(UTC)
            if complaint.next_deadline_at
            else None,
            last_event_at=last.astimezone(UTC) if (last := _last_event_at(complaint, actor)) else None,
            version=complaint.event_count,
        )
        from config.api import api

        response = api.create_response(request, body.dict(), status=200)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, X-Tracking-Token, Accept-Language"
    return response

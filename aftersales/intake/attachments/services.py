"""Writes of attachments: upload, attach to a complaint, remove what was never attached.

An app uploads each file first (`attachment_upload`, one request per file, resumable by
retrying that file alone) and names the returned ids in the complaint it submits; the web
form sends its files with the form. Either way intake files the complaint first
(intake.services.complaint_submit) and `attachments_attach` then ties the files to it, with
one `attachment` event on its timeline.
"""

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from aftersales.accounts.actors import Actor
from aftersales.accounts.services import client_hash
from aftersales.common import clock
from aftersales.common.errors import ValidationFailed, problem
from aftersales.complaints.events import attachment_event
from aftersales.complaints.models import Complaint
from aftersales.intake.attachments.judging import AttachmentRefused, JudgedFile, attachment_judge
from aftersales.intake.models import Attachment

security_log = logging.getLogger("aftersales.security")
NAME_LIMIT = Attachment._meta.get_field("name").max_length or 200


def uploader_ref(actor: Actor) -> str:
    """Whose upload: a staff user's or a signed-in customer's own, else anyone's holding the id."""
    if actor.is_staff or actor.kind == "customer":
        return actor.ref
    return "anonymous"


def _clean_name(name: str) -> str:
    """The device's file name as staff may see it: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base[-NAME_LIMIT:]


def attachment_judge_upload(uploaded: UploadedFile, *, field: str) -> JudgedFile:
    """Judge one uploaded file; 422 naming `field` with the reason when it is not taken."""
    try:
        return attachment_judge(
            name=uploaded.name or "",
            declared_type=uploaded.content_type or "",
            stream=uploaded.file,  # type: ignore[arg-type]
            size=uploaded.size or 0,
        )
    except AttachmentRefused as refused:
        security_log.info(
            "attachment refused (%s): %s bytes declared %s",
            refused.reason.code,
            uploaded.size,
            uploaded.content_type,
        )
        raise ValidationFailed({field: refused.reason}, code=refused.reason.code) from refused


def attachment_upload(
    *, actor: Actor, uploaded: UploadedFile, channel: str, client_address: str = "", field: str = "file"
) -> Attachment:
    """Judge and store one file, not yet on any complaint; returns its row (`token` is its id).

    Errors (422 on `field`): every refusal of the judging (intake.attachments.judging), and
    `attachment_pending_limit` when the uploader, or anyone at the same client address
    (`client_address`), already has ATTACHMENT_MAX_PER_COMPLAINT uploads waiting for a
    submission. Uploads older than ATTACHMENT_UNCLAIMED_HOURS that
    no submission named are removed here first.
    """
    now = clock.now()
    attachments_purge_unclaimed(now=now)
    owner = uploader_ref(actor)
    client = client_hash(client_address or "unknown")
    waiting = Attachment.objects.filter(complaint__isnull=True).filter(
        Q(client=client) if owner == "anonymous" else Q(uploaded_by=owner) | Q(client=client)
    )
    if waiting.count() >= settings.ATTACHMENT_MAX_PER_COMPLAINT:
        raise ValidationFailed(
            {field: problem("attachment_pending_limit", limit=settings.ATTACHMENT_MAX_PER_COMPLAINT)}
        )
    judged = attachment_judge_upload(uploaded, field=field)
    return _store(judged, uploaded, owner=owner, channel=channel, at=now, client=client)


def _store(
    judged: JudgedFile, uploaded: UploadedFile, *, owner: str, channel: str, at: datetime, client: str = ""
) -> Attachment:
    token = secrets.token_urlsafe(18)
    uploaded.file.seek(0)  # type: ignore[union-attr]
    # Named by the random id, never by the sender's name; the type is served from the row.
    stored = default_storage.save(f"attachments/{judged.sha256[:2]}/{token}", uploaded)
    return Attachment.objects.create(
        token=token,
        channel=channel,
        kind=judged.kind,
        name=_clean_name(judged.name),
        content_type=judged.content_type,
        size=judged.size,
        sha256=judged.sha256,
        file=stored,
        uploaded_by=owner,
        client=client,
        uploaded_at=at,
    )


def attachments_claimable(
    *, actor: Actor, tokens: Sequence[str], retry: bool = False, field: str = "attachments"
) -> list[Attachment]:
    """The uploads `tokens` name, checked before a submission is filed.

    422 on `field`: `attachment_count_exceeded` past ATTACHMENT_MAX_COUNT; on `field.<i>`:
    `attachment_unknown` for an id that does not exist, is already on a complaint, or is a
    staff user's or customer's upload named by someone else. With `retry` (the request
    carries an Idempotency-Key), an upload already on a complaint passes: the first
    request attached it, and `attachments_attach` leaves it where it is.
    """
    if not tokens:
        return []  # most submissions name none: no query to build
    tokens = list(dict.fromkeys(tokens))
    if len(tokens) > settings.ATTACHMENT_MAX_COUNT:
        raise ValidationFailed(
            {
                field: problem(
                    "attachment_count_exceeded", limit=settings.ATTACHMENT_MAX_COUNT, count=len(tokens)
                )
            }
        )
    rows = Attachment.objects.filter(token__in=[token[:40] for token in tokens])
    found = {a.token: a for a in (rows if retry else rows.filter(complaint__isnull=True))}
    owner = uploader_ref(actor)
    problems = {}
    for index, token in enumerate(tokens):
        attachment = found.get(token)
        if attachment is None or attachment.uploaded_by not in ("anonymous", owner):
            problems[f"{field}.{index}"] = problem("attachment_unknown", id=token[:40])
    if problems:
        raise ValidationFailed(problems, code="attachment_unknown")
    return [found[token] for token in tokens]


def attachments_upload_many(
    *, uploads: Sequence[UploadedFile], field: str = "attachments"
) -> list[JudgedFile]:
    """Judge the files a form sent (all of them, before anything is filed); 422 on `field`."""
    if len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        raise ValidationFailed(
            {
                field: problem(
                    "attachment_count_exceeded", limit=settings.ATTACHMENT_MAX_COUNT, count=len(uploads)
                )
            }
        )
    return [attachment_judge_upload(uploaded, field=field) for uploaded in uploads]


def attachments_store_judged(
    *, actor: Actor, uploads: Sequence[UploadedFile], judged: Sequence[JudgedFile], channel: str
) -> list[Attachment]:
    """Store files already judged (`attachments_upload_many`) as uploads of `actor`."""
    now = clock.now()
    owner = uploader_ref(actor)
    return [_store(j, u, owner=owner, channel=channel, at=now) for j, u in zip(judged, uploads, strict=True)]


def attachments_attach(
    *, actor: Actor, complaint: Complaint, attachments: Sequence[Attachment]
) -> list[Attachment]:
    """Put uploads on `complaint` and write one `attachment` timeline event; returns those attached.

    An upload another request attached meanwhile is skipped (each is attached once). The
    complaint holds at most ATTACHMENT_MAX_PER_COMPLAINT: past it, 422
    `attachment_count_exceeded` on `attachments`, and nothing is attached.
    """
    attachments = [a for a in attachments if a.complaint_id is None]
    if not attachments:
        return []
    now = clock.now()
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        present = Attachment.objects.filter(complaint=locked).count()
        if present + len(attachments) > settings.ATTACHMENT_MAX_PER_COMPLAINT:
            raise ValidationFailed(
                {
                    "attachments": problem(
                        "attachment_count_exceeded",
                        limit=settings.ATTACHMENT_MAX_PER_COMPLAINT,
                        count=present + len(attachments),
                    )
                }
            )
        attached = []
        for attachment in attachments:
            won = Attachment.objects.filter(pk=attachment.pk, complaint__isnull=True).update(
                complaint=locked, attached_at=now
            )
            if won:
                attachment.complaint, attachment.attached_at = locked, now
                attached.append(attachment)
        if attached:
            attachment_event(
                complaint_id=locked.pk,
                actor=actor,
                at=now,
                attachments=[
                    {
                        "id": a.pk,
                        "kind": a.kind,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                    }
                    for a in attached
                ],
            )
        return attached


def attachments_purge_unclaimed(*, now: datetime, batch: int = 100) -> int:
    """Delete uploads no submission named within ATTACHMENT_UNCLAIMED_HOURS; returns how many."""
    cutoff = now - timedelta(hours=settings.ATTACHMENT_UNCLAIMED_HOURS)
    stale = list(
        Attachment.objects.filter(complaint__isnull=True, uploaded_at__lt=cutoff).values_list("pk", "file")[
            :batch
        ]
    )
    if not stale:
        return 0
    names = []
    for pk, name in stale:
        # One by one: a row a submission claims meanwhile keeps its file.
        if Attachment.objects.filter(pk=pk, complaint__isnull=True).delete()[0] and name:
            names.append(name)
    transaction.on_commit(lambda: _delete_files(names))
    return len(names)


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)

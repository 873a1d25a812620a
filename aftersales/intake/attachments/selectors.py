"""Reads of a complaint's attachments: the one list of every channel's files, and one file to download.

Access to the complaint is decided before (complaints.selectors.complaint_get_for_actor): whoever
may see the complaint may see and download its files. Uploads carry ids like `Xy3...` (their
random token); mail attachments `mail-<id>`.
"""

from dataclasses import dataclass
from datetime import datetime

from aftersales.common.errors import NotFound
from aftersales.complaints.models import Complaint
from aftersales.intake.channels.email.models import MailAttachment
from aftersales.intake.models import Attachment

MAIL_PREFIX = "mail-"


@dataclass(frozen=True)
class AttachmentView:
    id: str
    source: str  # "upload" or "mail"
    channel: str
    kind: str  # photo, video, or for mail "file"
    content_type: str
    size: int
    sha256: str
    name: str
    uploaded_by: str
    uploaded_at: datetime
    storage_name: str


def _kind_of_mail(content_type: str) -> str:
    if content_type.startswith("image/"):
        return "photo"
    if content_type.startswith("video/"):
        return "video"
    return "file"


def _upload_view(upload: Attachment) -> AttachmentView:
    return AttachmentView(
        id=upload.token,
        source="upload",
        channel=upload.channel,
        kind=upload.kind,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        name=upload.name,
        uploaded_by=upload.uploaded_by,
        uploaded_at=upload.uploaded_at,
        storage_name=upload.file.name or "",
    )


def _mail_view(mail: MailAttachment) -> AttachmentView:
    return AttachmentView(
        id=f"{MAIL_PREFIX}{mail.pk}",
        source="mail",
        channel="email",
        kind=_kind_of_mail(mail.content_type),
        content_type=mail.content_type,
        size=mail.size,
        sha256=mail.sha256,
        name=mail.name,
        uploaded_by="customer",
        uploaded_at=mail.received.received_at,
        storage_name=mail.file.name or "",
    )


def _stored_mail(complaint: Complaint):  # type: ignore[no-untyped-def]
    return (
        MailAttachment.objects.filter(complaint=complaint, refused="")
        .exclude(file="")
        .select_related("received")
        .order_by("pk")
    )


def complaint_attachments(*, complaint: Complaint) -> list[AttachmentView]:
    """Every stored file of the complaint, oldest first: uploads, then mail attachments (two queries)."""
    uploads = Attachment.objects.filter(complaint=complaint).exclude(file="").order_by("uploaded_at", "pk")
    return [_upload_view(a) for a in uploads] + [_mail_view(m) for m in _stored_mail(complaint)]


def complaint_attachment(*, complaint: Complaint, attachment_id: str) -> AttachmentView:
    """One stored file of the complaint by its id; NotFound for any other (another complaint's too)."""
    if attachment_id.startswith(MAIL_PREFIX):
        number = attachment_id.removeprefix(MAIL_PREFIX)
        if not number.isdigit() or len(number) > 18:
            raise NotFound(what="attachment")
        mail = _stored_mail(complaint).filter(pk=int(number)).first()
        if mail is None:
            raise NotFound(what="attachment")
        return _mail_view(mail)
    upload = Attachment.objects.filter(token=attachment_id[:32], complaint=complaint).exclude(file="").first()
    if upload is None:
        raise NotFound(what="attachment")
    return _upload_view(upload)

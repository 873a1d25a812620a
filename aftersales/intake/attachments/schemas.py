from datetime import datetime

from ninja import Schema


class UploadOut(Schema):
    """An upload waiting for a submission: name `id` in the complaint's `attachments`."""

    id: str
    kind: str  # photo | video
    content_type: str  # judged from the bytes
    size: int  # bytes
    sha256: str
    # After this, an upload no submission named is deleted.
    expires_at: datetime


class CustomerAttachmentOut(Schema):
    """A file on the complaint as its customer sees it."""

    id: str
    kind: str  # photo | video | file (mail)
    content_type: str
    size: int
    uploaded_at: datetime
    download_url: str


class AttachmentOut(CustomerAttachmentOut):
    """A file on the complaint as staff see it: also its name, digest, channel and who sent it."""

    source: str  # upload | mail
    channel: str
    name: str
    sha256: str
    uploaded_by: str  # staff:<id>, customer:<id>, customer, anonymous


class ProgressOut(Schema):
    """Where the complaint stands, for an app to poll (send If-None-Match with the last ETag)."""

    number: str
    state: str
    # The state in words of the caller's language.
    stage: str
    is_open: bool
    # The next deadline not yet passed, its name (e.g. process_due_at) and when (UTC).
    next_deadline: str | None = None
    next_deadline_at: datetime | None = None
    # When the last step the caller may see happened (UTC).
    last_event_at: datetime | None = None
    version: int

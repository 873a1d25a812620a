"""The pipe endpoint: a mail server posts one raw RFC 822 message (docs/channels.md).

    POST /api/v1/channels/email/raw
    X-Aftersales-Mail-Secret: <AFTERSALES_EMAIL_PIPE_SECRET>
    Content-Type: message/rfc822
    <the raw message>

202 with what became of it; 401 without the secret; 413 above AFTERSALES_EMAIL_MAX_BYTES;
422 naming the reason when the message is refused (the mail server keeps or bounces it).
"""

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from aftersales.common.errors import PayloadTooLarge, Unauthenticated
from aftersales.intake.channels.email.services import MailRefused, mail_receive, mail_refusal_error

router = Router(tags=["channels"])
security_log = logging.getLogger("aftersales.security")
SECRET_HEADER = "X-Aftersales-Mail-Secret"


class MailReceivedOut(Schema):
    outcome: str
    reason: str


@router.post("/email/raw", response={202: MailReceivedOut}, auth=None)
def receive_raw_mail(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Take in one raw message from the mail server's pipe."""
    secret = settings.EMAIL_PIPE_SECRET
    given = request.headers.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        security_log.warning("mail pipe: wrong or missing secret")
        raise Unauthenticated()
    limit = settings.EMAIL_MAX_BYTES
    # Read from the stream: the request-body limit for JSON requests is far below a mail's.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(limit=limit)
    try:
        outcome = mail_receive(raw=raw, source="endpoint")
    except MailRefused as refused:
        security_log.warning("mail pipe: message refused: %s", refused.reason)
        raise mail_refusal_error(refused.reason) from refused
    return Status(202, {"outcome": outcome.outcome, "reason": outcome.reason})

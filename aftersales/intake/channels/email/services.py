"""The e-mail channel's writes: a raw message in, a complaint opened or joined, an acknowledgement out.

`mail_receive` is what the IMAP poller and the pipe endpoint both call. Steps:
1. refuse what is too large, has no sender or is sent to a crowd (MailRefused: the caller
   quarantines it with the reason); count a message seen before (same bytes) once;
2. a delivery report on a mail we sent becomes a delivery failure on its complaint;
3. auto-replies and bounces of anything else are recorded and go no further;
4. a reply joins its complaint when In-Reply-To/References name a mail we sent, or when the
   subject carries the complaint's number and the sender is that complaint's customer;
   anything else goes through intake (`complaint_submit`, channel "email");
5. the sender is acknowledged at once, threaded, with the complaint number: never an
   auto-reply, a bounce, a list, our own address, and at most N per sender per hour. The
   acknowledgement is a SentMail row (the thread index replies are matched against) and a
   row of the platform's outbox (notifications/outbox.py), both written in the same
   transaction; the outbox's worker sends it (`sent_mail_envelope` builds the mail).
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from aftersales.accounts.actors import ANONYMOUS, SYSTEM, customer_actor
from aftersales.accounts.models import CustomerIdentity
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed, problem
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import (
    complaint_follow_up,
    complaint_record_delivery_failure,
    tracking_url,
)
from aftersales.intake.channels.email import automatic
from aftersales.intake.channels.email.models import MailAttachment, ReceivedMail, SentMail
from aftersales.intake.channels.email.parsing import ParsedMail, parse_mail
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import FIELD_LIMITS, Submission
from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.outbox import (
    Envelope,
    NothingToSend,
    outbound_enqueue,
    outbox_drain,
    outbox_message_deliver,
)
from aftersales.notifications.services import notifications_suppressed
from aftersales.policy.pack import current_pack

log = logging.getLogger("aftersales.email")

CHANNEL = "email"
_CJK = re.compile(r"[\u3400-\u9fff]")
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f]")


class MailRefused(Exception):
    """A message not taken in; `reason` is a short code (`too_large`, `no_sender`, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MailOutcome:
    outcome: str  # ReceivedMail.Outcome, or "duplicate"
    reason: str = ""
    complaint_number: str | None = None
    acknowledgement_id: int | None = None


def own_addresses() -> frozenset[str]:
    """The platform's own addresses, lower case: the sender of our mail and any configured."""
    addresses = {settings.DEFAULT_FROM_EMAIL, *settings.EMAIL_OWN_ADDRESSES}
    if settings.EMAIL_IMAP_USER and "@" in settings.EMAIL_IMAP_USER:
        addresses.add(settings.EMAIL_IMAP_USER)
    return frozenset(_bare_address(a) for a in addresses if a)


def mail_parse(raw: bytes) -> ParsedMail:
    """Parse with the configured attachment limit (see parsing.parse_mail)."""
    return parse_mail(raw, max_attachment_bytes=settings.EMAIL_ATTACHMENT_MAX_BYTES)


def mail_should_acknowledge(parsed: ParsedMail) -> bool:
    """Whether this mail, by its own content, earns an acknowledgement (the loop guard aside)."""
    address = parsed.answer_address
    ours = own_addresses()
    return (
        parsed.auto is None
        and bool(address)
        and address not in ours
        and parsed.from_address not in ours
        and parsed.recipients <= settings.EMAIL_MAX_RECIPIENTS
        and _address_is_safe(address)
    )


def mail_receive(*, raw: bytes, source: str) -> MailOutcome:
    """Take in one raw message. Raises MailRefused for what must be set aside (see module doc)."""
    if len(raw) > settings.EMAIL_MAX_BYTES:
        raise MailRefused("too_large")
    digest = hashlib.sha256(raw).hexdigest()
    if ReceivedMail.objects.filter(digest=digest).exists():
        return MailOutcome(outcome="duplicate")
    parsed = mail_parse(raw)
    if not parsed.from_address and parsed.auto is None:
        raise MailRefused("no_sender")
    if parsed.recipients > settings.EMAIL_MAX_RECIPIENTS:
        raise MailRefused("too_many_recipients")
    try:
        with transaction.atomic():
            outcome = _take_in(parsed, raw=raw, digest=digest, source=source)
    except IntegrityError:
        # The same message arrived twice at once (the poller and the pipe): the other one won.
        if ReceivedMail.objects.filter(digest=digest).exists():
            return MailOutcome(outcome="duplicate")
        raise
    log.info(
        "mail %s from %s: %s %s %s",
        digest[:12],
        source,
        outcome.outcome,
        outcome.reason,
        outcome.complaint_number or "",
    )
    return outcome


def _take_in(parsed: ParsedMail, *, raw: bytes, digest: str, source: str) -> MailOutcome:
    complaint: Complaint | None = None
    outcome: str = ReceivedMail.Outcome.IGNORED
    reason = ""
    show_number = True
    if parsed.from_address in own_addresses():
        reason = "own_address"
    elif parsed.auto == automatic.BOUNCE:
        complaint, outcome, reason = _bounce_record(parsed)
    elif parsed.auto == automatic.AUTO_REPLY:
        reason = "auto_reply"
    else:
        complaint = _thread_complaint(parsed)
        if complaint is not None:
            complaint = _join(parsed, complaint)
        if complaint is not None:
            outcome = ReceivedMail.Outcome.JOINED
        else:
            complaint, created, show_number = _intake(parsed)
            outcome = ReceivedMail.Outcome.OPENED if created else ReceivedMail.Outcome.JOINED
        reason = parsed.auto or ""
    received = ReceivedMail.objects.create(
        digest=digest,
        message_id=parsed.message_id[:255],
        source=source[:64],
        sender=parsed.from_address[:254],
        size=len(raw),
        outcome=outcome,
        reason=reason,
        complaint=complaint,
        received_at=clock.now(),
    )
    if outcome in (ReceivedMail.Outcome.OPENED, ReceivedMail.Outcome.JOINED):
        _store_attachments(parsed, received=received, complaint=complaint)
    acknowledgement = None
    if complaint is not None and outcome != ReceivedMail.Outcome.DELIVERY_FAILURE:
        acknowledgement = _acknowledgement_queue(parsed, complaint=complaint, show_number=show_number)
    if acknowledgement is not None:
        outbound_enqueue(
            channel="email",
            recipient=f"mail:{acknowledgement.pk}",
            reason="mail_acknowledgement",
            key=f"mail:{acknowledgement.pk}",
            language=complaint.language if complaint is not None else "zh-hans",
            complaint_id=acknowledgement.complaint_id,
        )
    return MailOutcome(
        outcome=outcome,
        reason=reason,
        complaint_number=complaint.number if complaint is not None and show_number else None,
        acknowledgement_id=acknowledgement.pk if acknowledgement is not None else None,
    )


def _bounce_record(parsed: ParsedMail) -> tuple[Complaint | None, str, str]:
    """A report on a mail we sent goes on its complaint's timeline; any other bounce is ignored."""
    bounce = parsed.bounce
    ids = bounce.original_message_ids if bounce else ()
    sent = (
        SentMail.objects.select_related("complaint")
        .filter(message_id__in=ids[:50])
        .order_by("-created_at")
        .first()
        if ids
        else None
    )
    if sent is None or sent.complaint is None or bounce is None:
        return None, ReceivedMail.Outcome.IGNORED, "bounce_unmatched"
    reason = " ".join(part for part in (bounce.status, bounce.diagnostic) if part) or "undelivered"
    complaint = complaint_record_delivery_failure(
        actor=SYSTEM, complaint=sent.complaint, channel=CHANNEL, reference=sent.message_id, reason=reason
    )
    SentMail.objects.filter(pk=sent.pk).update(state=SentMail.State.BOUNCED, last_error=reason[:255])
    return complaint, ReceivedMail.Outcome.DELIVERY_FAILURE, "bounce"


def _thread_complaint(parsed: ParsedMail) -> Complaint | None:
    """The complaint this mail answers: by a Message-ID we sent, or by number from its customer."""
    ids = [*parsed.in_reply_to, *parsed.references][-50:]
    if ids:
        sent = (
            SentMail.objects.select_related("complaint")
            .filter(message_id__in=ids, complaint__isnull=False)
            .order_by("-created_at")
            .first()
        )
        if sent is not None:
            return sent.complaint
    for number in parsed.subject_numbers:
        complaint = Complaint.objects.select_related("customer").filter(number=number).first()
        if complaint is not None and _sender_is_customer(complaint, parsed.from_address):
            return complaint
    return None


def _join(parsed: ParsedMail, complaint: Complaint) -> Complaint | None:
    """Add the mail to the complaint it answers; None when the complaint takes no more messages.

    A refusal (the complaint's state allows no follow-up) is logged and the mail goes
    through intake instead, so that nothing the customer wrote is lost.
    """
    try:
        with transaction.atomic():
            follow_up = complaint_follow_up(
                actor=customer_actor(complaint.customer_id),
                complaint=complaint,
                body=_body(parsed),
                channel=CHANNEL,
            )
    except DomainError as refused:
        log.warning("mail for complaint %s not joined (%s): taken in as new", complaint.number, refused.code)
        return None
    return follow_up.message.complaint


def _sender_is_customer(complaint: Complaint, address: str) -> bool:
    # Knowing a complaint number proves nothing: the sender must be an address of its customer.
    if not address:
        return False
    if (complaint.customer.email or "").lower() == address:
        return True
    return CustomerIdentity.objects.filter(
        customer_id=complaint.customer_id, kind=CustomerIdentity.Kind.EMAIL, value=address
    ).exists()


def _intake(parsed: ParsedMail) -> tuple[Complaint, bool, bool]:
    """(complaint, created, sender may see it) through the one intake service."""
    submission = Submission(
        channel=CHANNEL,
        text=_body(parsed),
        subject=parsed.topic[: FIELD_LIMITS["subject"]],
        name=parsed.from_name[: FIELD_LIMITS["name"]],
        email=parsed.from_address,
        language=_language(parsed),
    )
    try:
        # The channel sends its own threaded acknowledgement instead of the generic one.
        with notifications_suppressed():
            result = complaint_submit(actor=ANONYMOUS, submission=submission)
    except ValidationFailed as failure:
        raise MailRefused("invalid_" + "_".join(sorted(failure.fields))[:50]) from failure
    return result.complaint, result.created, result.caller_may_see


def _body(parsed: ParsedMail) -> str:
    text = parsed.text.strip() or parsed.topic or "(无正文 / no text)"
    limit = current_pack().text_limit
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _language(parsed: ParsedMail) -> str:
    sample = f"{parsed.subject}\n{parsed.text[:500]}"
    return "zh-hans" if _CJK.search(sample) or not sample.strip() else "en"


def _store_attachments(parsed: ParsedMail, *, received: ReceivedMail, complaint: Complaint | None) -> None:
    for attachment in parsed.attachments:
        sha256 = hashlib.sha256(attachment.content).hexdigest()
        row = MailAttachment(
            received=received,
            complaint=complaint,
            name=attachment.name,
            content_type=attachment.content_type[:100],
            declared_type=attachment.declared_type[:100],
            size=attachment.size,
            sha256=sha256,
            refused=attachment.refused,
        )
        if not attachment.refused:
            # Stored under its digest, never under the sender's name for it.
            row.file.name = default_storage.save(
                f"mail/{sha256[:2]}/{sha256}", ContentFile(attachment.content)
            )
        else:
            log.warning(
                "attachment refused (%s): %s %s bytes",
                attachment.refused,
                attachment.content_type,
                attachment.size,
            )
        row.save()


# --- acknowledgements ------------------------------------------------------------------------

ACKNOWLEDGEMENT_TEXTS = {
    "zh-hans": {
        "subject": "[{number}] 已受理：{topic}",
        "body": (
            "您好：\n\n我们已收到您的邮件，投诉工单号 {number}。客服将在 24 小时内回复您，"
            "并由专人负责到底。\n查看进度：{link}\n\n直接回复本邮件即可补充信息。\n\n"
            "（本邮件由系统自动发送）"
        ),
        "subject_unnumbered": "已收到：{topic}",
        "body_unnumbered": "您好：\n\n我们已收到您的邮件，并已转交负责的客服。\n\n（本邮件由系统自动发送）",
    },
    "en": {
        "subject": "[{number}] Received: {topic}",
        "body": (
            "Hello,\n\nWe have your mail; your complaint number is {number}. We will answer within "
            "24 hours, and one person will see it through.\nFollow it here: {link}\n\n"
            "Reply to this mail to add anything.\n\n(Sent automatically.)"
        ),
        "subject_unnumbered": "Received: {topic}",
        "body_unnumbered": "Hello,\n\nWe have your mail and passed it to the team in charge.\n\n(Sent automatically.)",
    },
}


def _acknowledgement_queue(parsed: ParsedMail, *, complaint: Complaint, show_number: bool) -> SentMail | None:
    """The outbox row for an acknowledgement, or None when none may be sent (logged why)."""
    if not mail_should_acknowledge(parsed):
        return None
    address = parsed.answer_address
    now = clock.now()
    recent = SentMail.objects.filter(recipient=address, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= settings.EMAIL_ACKS_PER_SENDER_PER_HOUR:
        log.warning(
            "loop guard: no acknowledgement, %s acknowledgements to this sender within the hour", recent
        )
        return None
    language = complaint.language if complaint.language in ACKNOWLEDGEMENT_TEXTS else _language(parsed)
    texts = ACKNOWLEDGEMENT_TEXTS[language]
    topic = _header_safe(parsed.topic or complaint.subject)[:150]
    if show_number:
        subject = texts["subject"].format(number=complaint.number, topic=topic)
        body = texts["body"].format(number=complaint.number, link=tracking_url(complaint))
    else:
        subject = texts["subject_unnumbered"].format(topic=topic)
        body = texts["body_unnumbered"]
    references = (
        [*parsed.references[-10:], parsed.message_id] if parsed.message_id else list(parsed.references[-10:])
    )
    return SentMail.objects.create(
        message_id=_new_message_id(),
        complaint=complaint,
        recipient=address,
        subject=subject[:255],
        body=body,
        in_reply_to=parsed.message_id[:255] if "@" in parsed.message_id else "",
        references=" ".join(f"<{r}>" for r in references if "@" in r),
        created_at=now,
    )


def sent_mail_envelope(message: OutboxMessage) -> Envelope:
    """The outbox's e-mail for a "mail:<SentMail id>" row: the stored mail, threaded.

    Message-ID is the SentMail's own (what a reply's In-Reply-To will name); In-Reply-To and
    References point at the customer's mail. Raises NothingToSend when the row is gone.
    """
    sent = SentMail.objects.filter(pk=int(message.recipient.split(":", 1)[1])).first()
    if sent is None or not sent.recipient:
        raise NothingToSend("the mail was erased")
    headers = {
        "Message-ID": f"<{sent.message_id}>",
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if sent.in_reply_to:
        headers["In-Reply-To"] = f"<{sent.in_reply_to}>"
    if sent.references:
        headers["References"] = sent.references
    return Envelope(subject=sent.subject, body=sent.body, address=sent.recipient, headers=headers)


_MAIL_STATES = {
    OutboxMessage.State.QUEUED: SentMail.State.PENDING,
    OutboxMessage.State.SENDING: SentMail.State.SENDING,
    OutboxMessage.State.SENT: SentMail.State.SENT,
    OutboxMessage.State.FAILED: SentMail.State.FAILED,
    OutboxMessage.State.CANCELLED: SentMail.State.FAILED,
}


def sent_mail_outcome(message: OutboxMessage) -> None:
    """Mirror the outbox row's state on the SentMail (the e-mail channel's admin shows it)."""
    SentMail.objects.filter(pk=int(message.recipient.split(":", 1)[1])).update(
        state=_MAIL_STATES[OutboxMessage.State(message.state)],
        attempts=message.attempts,
        last_error=message.last_error[:255],
        sent_at=message.sent_at,
    )


def complaint_thread_headers(complaint_id: int) -> dict[str, str]:
    """In-Reply-To/References for later mail about a complaint that came by e-mail: our last mail."""
    last = (
        SentMail.objects.filter(complaint_id=complaint_id, state=SentMail.State.SENT)
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is None:
        return {}
    references = " ".join([*last.references.split()[-10:], f"<{last.message_id}>"])
    return {"In-Reply-To": f"<{last.message_id}>", "References": references}


def acknowledgement_deliver(*, sent_mail_id: int) -> bool:
    """Send one acknowledgement now through its outbox row; True when it went out.

    False when it was already sent, failed or claimed by a worker: nothing is sent twice.
    """
    message = OutboxMessage.objects.filter(key=f"mail:{sent_mail_id}").first()
    if message is None:
        return False
    return outbox_message_deliver(message_id=message.pk) == OutboxMessage.State.SENT


def acknowledgements_deliver_pending(*, limit: int = 100) -> int:
    """Drain the outbox once (acknowledgements among the rest); returns how many messages went."""
    return outbox_drain(limit=limit).sent


def _new_message_id() -> str:
    domain = _bare_address(settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1] or "aftersales.invalid"
    return f"{clock.now():%Y%m%d%H%M%S}.{secrets.token_hex(12)}@{domain}"


def _bare_address(value: str) -> str:
    found = re.search(r"<([^<>]+)>", value)
    return (found.group(1) if found else value).strip().lower()


def _header_safe(text: str) -> str:
    return " ".join(_UNSAFE_IN_HEADER.sub(" ", text).split())


def _address_is_safe(address: str) -> bool:
    """One plain address: no line breaks or list separators that would add recipients or headers."""
    if _UNSAFE_IN_HEADER.search(address) or any(c in address for c in ",;<>\"'()[]\\ "):
        return False
    try:
        validate_email(address)
    except DjangoValidationError:
        return False
    return True


def mail_refusal_error(reason: str) -> DomainError:
    """The API error for a refused message: 422 naming the message and the reason."""
    return ValidationFailed({"message": problem("mail_refused", reason=reason)})

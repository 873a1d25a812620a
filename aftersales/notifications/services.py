"""Notifications to staff and customers, queued through the outbox (notifications/outbox.py).

`owner_notify` and `customer_notify` are what other apps call inside their transaction; they
choose the channel (the one the customer used for the complaint) and the language, and queue
one outbox row. The text and the address are read when the row is sent (`_customer_envelope`,
`_staff_envelope`), so a customer who is erased meanwhile gets nothing and no address waits
in the queue.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.core.mail import send_mail

from aftersales.common import clock
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.notifications.outbox import Envelope, NothingToSend, RecipientKind, outbound_enqueue
from aftersales.notifications.sms import gateway

if TYPE_CHECKING:
    from datetime import datetime

    from aftersales.complaints.models import Complaint

_suppressed: list[bool] = []


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """Within this block, services schedule no notifications (used when importing history)."""
    _suppressed.append(True)
    try:
        yield
    finally:
        _suppressed.pop()


def notifications_enabled() -> bool:
    return not _suppressed


def sms_send(*, phone: str, text: str) -> None:
    """A sign-in code, sent at once: the customer is waiting for it on the sign-in page."""
    gateway()(phone, text)


def notification_record_and_send(
    *,
    recipient: str,
    channel: str,
    reason: str,
    subject: str,
    body: str,
    complaint_id: int | None,
    address: str = "",
) -> Notification:
    """Record the notification and deliver it at once on its channel (e-mail or SMS to `address`).

    For what cannot wait for the outbox or has no one to reference any more: an in-app note
    (the record is the delivery) and the privacy notices, whose last one goes out after the
    customer's contacts are erased.
    """
    notification = Notification.objects.create(
        recipient=recipient,
        channel=channel,
        reason=reason,
        subject=subject,
        body=body,
        complaint_id=complaint_id,
        created_at=clock.now(),
    )
    if channel == Notification.Channel.EMAIL and address:
        send_mail(subject, body, None, [address], fail_silently=False)
    elif channel == Notification.Channel.SMS and address:
        sms_send(phone=address, text=body)
    notification.sent_at = clock.now()
    notification.save(update_fields=["sent_at"])
    return notification


# What the owner is told, by reason (staff read both languages).
def _owner_text(complaint: "Complaint", reason: str) -> tuple[str, str]:
    subject = f"[{complaint.number}] {reason}: level {complaint.level}, state {complaint.state}"
    body = f"Complaint {complaint.number} needs attention ({reason}). Team: {complaint.team}."
    return subject, body


def owner_notify(*, complaint: "Complaint", reason: str) -> OutboxMessage | None:
    """Queue a notice to the complaint's owner (or, without one, its team): a breach, an escalation.

    By e-mail when the owner has an address, else in the app. None while notifications are
    suppressed (importing history).
    """
    if not notifications_enabled():
        return None
    owner = complaint.owner
    recipient = f"staff:{owner.pk}" if owner else f"team:{complaint.team}"
    channel = Notification.Channel.EMAIL if owner and owner.email else Notification.Channel.IN_APP
    return outbound_enqueue(
        channel=channel, recipient=recipient, reason=reason, complaint_id=complaint.pk, language="zh-hans"
    )


# What the customer is told, by reason and language.
CUSTOMER_TEXTS = {
    "acknowledgement": {
        "zh-hans": ("您的投诉 {number} 已受理", "我们已收到您的投诉，工单号 {number}。查看进度：{link}"),
        "en": ("Complaint {number} received", "We have your complaint {number}. Follow it here: {link}"),
    },
    "reply": {
        "zh-hans": ("工单 {number} 有新回复", "您的投诉 {number} 有新的回复，请查看：{link}"),
        "en": ("New reply on {number}", "There is a new reply on your complaint {number}: {link}"),
    },
    # Seed 四(四): a month after resolution, how to keep the device well.
    "care_guide": {
        "zh-hans": (
            "工单 {number}：设备保养指南",
            "您的投诉 {number} 已解决一个月。保养小贴士：使用原装充电器，避免边充电边玩大型游戏，"
            "远离高温与潮湿，定期更新系统。如有新问题，请查看：{link}",
        ),
        "en": (
            "{number}: caring for your device",
            "A month ago we resolved your complaint {number}. Tips: use the original charger, avoid heavy"
            " games while charging, keep the device away from heat and damp, keep its system updated."
            " Anything new? {link}",
        ),
    },
}


# Where a customer on a social platform is written to, by channel: set by that channel's app.
# Called with (complaint, the platform user id); returns the platform's reply_to or None.
SocialAddress = Callable[["Complaint", str], "dict[str, Any] | None"]
_SOCIAL_ADDRESSES: dict[str, SocialAddress] = {}
# E-mail threading of a complaint's later mail (set by the e-mail channel): complaint id -> headers.
_EMAIL_THREADS: list[Callable[[int], dict[str, str]]] = []


def social_address_register(channel: str, address: SocialAddress) -> None:
    _SOCIAL_ADDRESSES[channel] = address


def email_thread_register(headers: Callable[[int], dict[str, str]]) -> None:
    _EMAIL_THREADS[:] = [headers]


_SOCIAL_KINDS = {"wechat_openid": "wechat", "weibo_uid": "weibo", "douyin_open_id": "douyin"}


def customer_channel(complaint: "Complaint") -> str:
    """The channel the customer used for `complaint`, "" when it cannot reach them.

    The e-mail address given with it first; else its contact: an e-mail address, a mobile
    (SMS; a landline gets nothing), or the social platform it came from. Never the customer
    record's other contacts: a phone or address someone else typed for this customer must
    not receive this complaint's tracking link.
    """
    return _customer_reach(complaint)[0]


def customer_unreachable_reason(complaint: "Complaint") -> str:
    """Why no message can reach the complaint's customer (an UNREACHABLE_* text), "" when one can."""
    return _customer_reach(complaint)[1]


# Why a customer cannot be written to, in the words the "delivery failed" timeline event keeps.
UNREACHABLE_LANDLINE = "no channel to reach the customer: landline only"
UNREACHABLE_NO_CONTACT = "no channel to reach the customer: no contact"
# The messages whose loss the agent must hear of on the timeline. The care guide is not one:
# it goes out a month after the complaint is resolved, and its sweep would write it again.
UNREACHABLE_RECORDED = frozenset({"acknowledgement", "reply"})


def _customer_reach(complaint: "Complaint") -> tuple[str, str]:
    """(channel, "") when the customer can be written to, else ("", why: an UNREACHABLE_* text)."""
    from aftersales.accounts.phones import phone_is_mobile

    if complaint.email_identity_id is not None:
        return Notification.Channel.EMAIL, ""
    contact = complaint.contact_identity
    if contact is not None:
        if contact.kind == "email":
            return Notification.Channel.EMAIL, ""
        if contact.kind == "phone":
            if contact.is_mobile:
                return Notification.Channel.SMS, ""
            return "", UNREACHABLE_LANDLINE
        channel = _SOCIAL_KINDS.get(contact.kind, "")
        if channel in _SOCIAL_ADDRESSES:
            return channel, ""
        return "", UNREACHABLE_NO_CONTACT
    customer = complaint.customer  # filed before identities existed
    if customer.email:
        return Notification.Channel.EMAIL, ""
    if not customer.phone:
        return "", UNREACHABLE_NO_CONTACT
    try:
        mobile = phone_is_mobile(customer.phone)
    except Exception:  # a number typed before numbers were normalised: not one to text
        mobile = False
    return (Notification.Channel.SMS, "") if mobile else ("", UNREACHABLE_LANDLINE)


def customer_notify(*, complaint: "Complaint", reason: str, key: str = "") -> OutboxMessage | None:
    """Queue `reason` (a key of CUSTOMER_TEXTS) to the complaint's customer, on their channel.

    In the complaint's language (else the customer's). None while notifications are
    suppressed, or when the complaint has no contact to reach: then, for an acknowledgement
    or a reply, a "delivery failed" event with channel "" and the reason (UNREACHABLE_*) is
    written on the complaint's timeline in the caller's transaction, so that the agent knows
    the customer was told nothing (`complaint.event_count` follows it). `key` makes it
    once-only (the care guide: one per complaint).
    """
    if not notifications_enabled():
        return None
    if reason not in CUSTOMER_TEXTS:
        raise ValueError(f"no customer text for {reason!r}")
    channel, unreachable = _customer_reach(complaint)
    if not channel:
        if reason in UNREACHABLE_RECORDED:
            _record_unreachable(complaint, reason=reason, why=unreachable)
        return None
    language = (
        complaint.language if complaint.language in CUSTOMER_TEXTS[reason] else complaint.customer.language
    )
    return outbound_enqueue(
        channel=channel,
        recipient=f"customer:{complaint.customer_id}",
        reason=reason,
        key=key,
        language=language,
        complaint_id=complaint.pk,
    )


def _record_unreachable(complaint: "Complaint", *, reason: str, why: str) -> None:
    from aftersales.accounts.actors import SYSTEM
    from aftersales.complaints.services import complaint_record_delivery_failure

    recorded = complaint_record_delivery_failure(
        actor=SYSTEM, complaint=complaint, channel="", reference=reason, reason=why
    )
    complaint.event_count = recorded.event_count


def care_guide_push_due(*, now: "datetime | None" = None) -> list[int]:
    """Queue the care guide (seed 四(四)) for complaints resolved `care_guide_after` ago (policy pack).

    Complaints resolved within the window before that moment and still resolved, archived or
    closed get one guide each (the outbox key "care_guide:<complaint>" makes a rerun queue
    nothing twice); an erased customer gets none. Returns the complaint ids queued for.
    """
    from aftersales.complaints.models import Complaint
    from aftersales.policy.pack import current_pack

    now = now or clock.now()
    jobs = current_pack().privacy.archive_jobs
    latest = now - jobs.care_guide_after
    due = (
        Complaint.objects.filter(
            resolved_at__lte=latest,
            resolved_at__gt=latest - jobs.care_guide_window,
            state__in=["resolved", "archived", "closed"],
            customer__erased_at__isnull=True,
        )
        .exclude(
            pk__in=OutboxMessage.objects.filter(reason="care_guide", complaint_id__isnull=False).values(
                "complaint_id"
            )
        )
        .select_related("customer", "contact_identity")
        .order_by("resolved_at", "pk")
    )
    queued = []
    for complaint in due:
        if customer_notify(complaint=complaint, reason="care_guide", key=f"care_guide:{complaint.pk}"):
            queued.append(complaint.pk)
    return queued


# --- building the messages when they are sent ------------------------------------------------------


def _complaint_for(message: OutboxMessage) -> "Complaint":
    from aftersales.complaints.models import Complaint

    if message.complaint_id is None:
        raise NothingToSend("no complaint to write about")
    complaint = (
        Complaint.objects.select_related("customer", "contact_identity", "email_identity", "owner")
        .filter(pk=message.complaint_id)
        .first()
    )
    if complaint is None:
        raise NothingToSend("the complaint is gone")
    return complaint


def _customer_envelope(message: OutboxMessage) -> Envelope:
    from aftersales.complaints.services import tracking_url

    complaint = _complaint_for(message)
    customer = complaint.customer
    if customer.erased_at is not None:
        raise NothingToSend("the customer was erased")
    if f"customer:{customer.pk}" != message.recipient:
        raise NothingToSend("the complaint belongs to another customer now")
    texts = CUSTOMER_TEXTS[message.reason]
    subject, body = texts.get(message.language, texts["zh-hans"])
    number = complaint.number
    body = body.format(number=number, link=tracking_url(complaint))
    if message.reason == "acknowledgement":
        from aftersales.triage.services import triage_advice

        advice = triage_advice(reasons=complaint.triage_reasons, language=message.language)
        body = "\n".join([*advice, body]) if advice else body
    envelope = Envelope(subject=subject.format(number=number), body=body, record_as=message.recipient)
    channel = message.channel
    if channel == Notification.Channel.EMAIL:
        email = complaint.email_identity or complaint.contact_identity
        address = email.value if email is not None and email.kind == "email" else customer.email
        if not address:
            raise NothingToSend("no e-mail address on the complaint")
        headers = _EMAIL_THREADS[0](complaint.pk) if _EMAIL_THREADS else {}
        return replace(envelope, address=address, headers=headers)
    if channel == Notification.Channel.SMS:
        contact = complaint.contact_identity
        phone = contact.value if contact is not None and contact.is_mobile else ""
        if contact is None:
            phone = customer.phone or ""
        if not phone:
            raise NothingToSend("no mobile number on the complaint")
        return replace(envelope, address=phone)
    contact = complaint.contact_identity
    address_of = _SOCIAL_ADDRESSES.get(channel)
    if contact is None or _SOCIAL_KINDS.get(contact.kind) != channel or address_of is None:
        raise NothingToSend(f"no {channel} account on the complaint")
    reply_to = address_of(complaint, contact.value)
    if reply_to is None:
        raise NothingToSend(f"no {channel} conversation to answer in")
    return replace(envelope, reply_to=reply_to)


def _staff_envelope(message: OutboxMessage) -> Envelope:
    from aftersales.accounts.models import User

    complaint = _complaint_for(message)
    subject, body = _owner_text(complaint, message.reason)
    address = ""
    if message.channel == Notification.Channel.EMAIL:
        staff = User.objects.filter(pk=int(message.recipient.split(":", 1)[1])).first()
        address = staff.email if staff is not None else ""
        if not address:
            raise NothingToSend("the staff member has no e-mail address")
    return Envelope(subject=subject, body=body, address=address, record_as=message.recipient)


RECIPIENT_KINDS = {
    "customer": RecipientKind(envelope=_customer_envelope),
    "staff": RecipientKind(envelope=_staff_envelope, customer_facing=False),
    "team": RecipientKind(envelope=_staff_envelope, customer_facing=False),
}

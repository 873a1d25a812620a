from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail

from aftersales.common import clock
from aftersales.notifications.models import Notification
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
    """Record the notification and deliver it on its channel (e-mail or SMS to `address`)."""
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


def notify_owner(*, complaint_id: int, reason: str) -> Notification | None:
    """Tell the complaint's owner (or, without one, its team) about a breach or escalation."""
    from aftersales.complaints.models import Complaint

    complaint = Complaint.objects.select_related("owner").filter(pk=complaint_id).first()
    if complaint is None:
        return None
    owner = complaint.owner
    recipient = f"staff:{owner.pk}" if owner else f"team:{complaint.team}"
    subject = f"[{complaint.number}] {reason}: level {complaint.level}, state {complaint.state}"
    body = f"Complaint {complaint.number} needs attention ({reason}). Team: {complaint.team}."
    return notification_record_and_send(
        recipient=recipient,
        channel=Notification.Channel.EMAIL if owner and owner.email else Notification.Channel.IN_APP,
        reason=reason,
        subject=subject,
        body=body,
        complaint_id=complaint.pk,
        address=owner.email if owner else "",
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


def notify_customer(*, complaint_id: int, reason: str) -> Notification | None:
    """Acknowledge receipt or announce a reply, to the contacts the complaint was filed with.

    By e-mail when an address came with it, else by SMS to its phone when that is a mobile.
    Never to the customer record's other contacts: a phone or address someone else typed
    for this customer must not receive this complaint's tracking link.
    """
    from aftersales.complaints.models import Complaint
    from aftersales.complaints.services import tracking_token

    complaint = (
        Complaint.objects.select_related("customer", "contact_identity", "email_identity")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None or complaint.customer.erased_at is not None:
        return None
    customer = complaint.customer
    channel, address = _customer_address(complaint)
    if not address:
        return None
    link = f"{settings.PUBLIC_BASE_URL}/track/{complaint.number}/?token={tracking_token(complaint)}"
    texts = CUSTOMER_TEXTS[reason]
    subject, body = texts.get(complaint.language, texts.get(customer.language, texts["zh-hans"]))
    if reason == "acknowledgement":
        from aftersales.triage.services import triage_advice

        advice = triage_advice(reasons=complaint.triage_reasons, language=complaint.language)
        body = "\n".join([*advice, body]) if advice else body
    return notification_record_and_send(
        recipient=f"customer:{customer.pk}",
        channel=channel,
        reason=reason,
        subject=subject.format(number=complaint.number),
        body=body.format(number=complaint.number, link=link),
        complaint_id=complaint.pk,
        address=address,
    )


def care_guide_push_due(*, now: "datetime | None" = None) -> list[int]:
    """Send the care guide (seed 四(四)) for complaints resolved `care_guide_after` ago (policy pack).

    Complaints resolved within the window before that moment and still resolved, archived or closed
    get one guide each, through the notifications record (a complaint already sent one is skipped,
    so a rerun sends nothing twice); an erased customer gets none. Returns the complaint ids sent to.
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
            pk__in=Notification.objects.filter(reason="care_guide", complaint_id__isnull=False).values(
                "complaint_id"
            )
        )
        .order_by("resolved_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = []
    for complaint_id in due:
        if notify_customer(complaint_id=complaint_id, reason="care_guide") is not None:
            sent.append(complaint_id)
    return sent


def _customer_address(complaint: "Complaint") -> tuple[str, str]:
    """(channel, address) to reach the customer about this complaint; address "" when none."""
    email = complaint.email_identity
    contact = complaint.contact_identity
    if email is not None:
        return Notification.Channel.EMAIL, email.value
    if contact is not None:
        if contact.kind == "email":
            return Notification.Channel.EMAIL, contact.value
        return Notification.Channel.SMS, contact.value if contact.is_mobile else ""
    customer = complaint.customer  # filed before identities existed
    if customer.email:
        return Notification.Channel.EMAIL, customer.email
    return Notification.Channel.SMS, customer.phone or ""

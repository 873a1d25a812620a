"""The electronic service record's content (电子服务档案): what the PDF shows, in one canonical form.

`service_record_content` reads the complaint and everything the record shows, and returns a
document of strings, numbers, lists and dicts only. Its canonical JSON (formats.canonical_json)
is the record's canonical content; `content_sha256` is its SHA-256, the hash printed on the
PDF, carried by its QR code and sealed in the ledger when the record is issued. The same
data give the same hash, so a record is issued again only when something in it changed.

What it holds: the complaint (number, channel in words, category, dates, state), the customer
(name and phone partly masked) and device (model, IMEI partly masked), the timeline in words,
the messages to and from the customer (erased ones say so), the calls (messages on the hotline
channel), every repair order (engineer's employee id, checks, work items with their warranty
decision, quote and total, the accepted agreement version and its SHA-256), and the
satisfaction score. Every time is Beijing time (Asia/Shanghai), as "2026-12-01 18:30:05".

Two audiences, two documents (`audience` is part of the content, so their hashes differ and
each verifies on its own): the customer's copy (`CUSTOMER`) has only the timeline events a
customer is shown (complaints.selectors.event_customer_may_see: no pre-diagnosis, priority,
level changes by triage, team assignments, category corrections, deadlines missed or notes),
plus the hotline calls, and no staff names; the staff copy (`STAFF`) has every event but internal notes.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.selectors import event_customer_may_see
from aftersales.complaints.status import State
from aftersales.evidence.formats import canonical_json, iso_time, sha256_hex
from aftersales.policy.pack import current_pack
from aftersales.repairs.models import CheckKind, RepairOrder, WorkItem
from aftersales.repairs.status import State as RepairState

CALL_CHANNELS = frozenset({"hotline"})
RECORD_FORMAT = 2  # 2: audiences, Beijing times, channel in words
BEIJING = ZoneInfo("Asia/Shanghai")
CUSTOMER = "customer"
STAFF = "staff"
AUDIENCES = (CUSTOMER, STAFF)
# Beyond the tracking page's events, the customer's copy shows the hotline calls (direction,
# length and the recording's hash, no agent): the record is the customer's voucher of them.
CUSTOMER_RECORD_EXTRA_KINDS = frozenset({TimelineEvent.Kind.CALL})
# The repair steps a customer is told of (complaints.selectors.CUSTOMER_REPAIR_STEPS), in words.
REPAIR_STEP_WORDS = {
    "waiting_for_parts": "等待配件 Waiting for parts",
    "parts_arrived": "配件已到 Parts arrived",
    "emergency_mode": "按应急服务安排处理 Handled under the emergency service arrangements",
}


def mask_imei(imei: str) -> str:
    """First 4 and last 4 digits kept: "3520*******7779" (enough to match the box, not to clone)."""
    if len(imei) < 9:
        return "*" * len(imei)
    return imei[:4] + "*" * (len(imei) - 8) + imei[-4:]


def mask_phone(phone: str) -> str:
    """ "+8613800138000" → "+86138****8000": the last four digits, as Chinese receipts print them."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:-8] + "****" + phone[-4:]


def mask_name(name: str) -> str:
    """The family name kept: "张伟" → "张*", "Li Na" → "L****"."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def beijing_time(moment: datetime | None) -> str:
    """An aware instant as "2026-12-01 18:30:05" in Beijing time (Asia/Shanghai); "" for None."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


_time = beijing_time


def channel_words(channel: str) -> str:
    """A channel code in words, both languages: "web" → "网页 Web" (policy pack `channels`)."""
    labels = current_pack().channels.get(channel)
    if not labels:
        return channel
    return f"{labels.get('zh-hans', channel)} {labels.get('en', '')}".strip()


def _event_words(event: TimelineEvent) -> str:
    """One bilingual sentence for a timeline event, from its kind and references (no bodies)."""
    payload = event.payload or {}
    kind = event.kind
    if kind == TimelineEvent.Kind.CREATED:
        code = str(payload.get("channel", ""))
        labels = current_pack().channels.get(code) or {}
        return (
            f"投诉受理,渠道:{labels.get('zh-hans', code)} · "
            f"Complaint opened through: {labels.get('en', code)}"
        )
    if kind == TimelineEvent.Kind.STATUS:
        before = _label(State, str(payload.get("from", "")))
        after = _label(State, str(payload.get("to", "")))
        return f"状态 Status: {before} → {after}"
    if kind == TimelineEvent.Kind.TRIAGE:
        if "category_to" in payload:
            return (
                f"类别更正 Category corrected: {payload.get('category_from')} → {payload.get('category_to')}"
            )
        if "revised_from" in payload:
            return (
                f"预诊断复核 Second reading: {payload.get('revised_from', {}).get('category', '')} → "
                f"{payload.get('category', '')}"
            )
        return (
            f"预诊断 Pre-diagnosis: {payload.get('category', '')}, 优先级 priority "
            f"{payload.get('priority_to', payload.get('priority', ''))}, 级别 level "
            f"{payload.get('level_to', payload.get('level', ''))}"
        )
    if kind == TimelineEvent.Kind.MESSAGE_IN:
        return f"客户来信 Message from the customer ({channel_words(str(payload.get('channel', '')))})"
    if kind == TimelineEvent.Kind.MESSAGE_OUT:
        return f"回复客户 Reply to the customer ({channel_words(str(payload.get('channel', '')))})"
    if kind == TimelineEvent.Kind.ASSIGNMENT:
        return f"分配给团队 Assigned to team {payload.get('team', '')}"
    if kind == TimelineEvent.Kind.ESCALATION:
        return f"升级 Escalated: {payload.get('from_level', '')} → {payload.get('to_level', '')}"
    if kind == TimelineEvent.Kind.SLA_BREACH:
        return f"超时 Deadline missed: {payload.get('deadline', '')}"
    if kind == TimelineEvent.Kind.INSPECTION:
        return "设备检测已记录 Device inspection recorded"
    if kind == TimelineEvent.Kind.REPAIR:
        step = str(payload.get("step", ""))
        return f"维修单 {payload.get('order', '')}: {REPAIR_STEP_WORDS.get(step, step)}"
    if kind == TimelineEvent.Kind.FOLLOW_UP:
        return f"后续投诉 Follow-up complaint {payload.get('follow_up', '')}"
    if kind == TimelineEvent.Kind.DELIVERY_FAILED:
        channel = str(payload.get("channel", ""))
        if not channel:  # no channel reaches the customer (notifications.customer_unreachable_reason)
            return "未能送达：客户无可用联系渠道 Not delivered: no channel reaches the customer"
        return f"投递失败 Delivery failed ({channel_words(channel)})"
    if kind == TimelineEvent.Kind.ATTACHMENT:
        return "附件已接收 Attachment received"
    if kind == TimelineEvent.Kind.CALL:
        # The recording's hash makes the record a voucher of the call (intake/channels/hotline).
        digest = payload.get("recording_sha256", "")
        words = (
            f"热线通话 Hotline call ({payload.get('direction', '')}, {payload.get('duration_seconds', 0)} s)"
        )
        return words + (f" · 录音 recording SHA-256 {digest}" if digest else "")
    return _label(TimelineEvent.Kind, kind)


def _message(message: Message) -> dict[str, str]:
    return {
        "at": _time(message.created_at),
        "direction": message.direction,
        "channel": channel_words(message.channel),
        "body": "" if message.erased_at else message.body,
        "erased": "yes" if message.erased_at else "",
    }


def _order(order: RepairOrder) -> dict[str, Any]:
    engineer = order.engineer
    checks = [
        {
            "kind": check.kind,
            "label": _label(CheckKind, check.kind),
            "passed": "" if check.passed is None else ("yes" if check.passed else "no"),
            "value": "" if check.value is None else str(check.value),
            "count": "" if check.count is None else str(check.count),
            "note": check.note,
        }
        for check in order.checks.all()
    ]
    items = [
        {
            "part": item.part.name,
            "part_number": item.part.number,
            "quantity": item.quantity,
            "coverage": item.coverage,
            "coverage_label": _label(WorkItem.Coverage, item.coverage),
            "reasons": [
                str(reason.get("zh-hans", "")) + " " + str(reason.get("en", "")) for reason in item.reasons
            ],
        }
        for item in order.items.all()
    ]
    return {
        "number": order.number,
        "outlet": f"{order.outlet.code} {order.outlet.name}",
        "state": order.state,
        "state_label": _label(RepairState, order.state),
        "engineer_id": (engineer.employee_id or f"staff-{engineer.pk}") if engineer is not None else "",
        "diagnosis": order.diagnosis,
        "checks": checks,
        "items": items,
        "quote_lines": order.quote_lines or [],
        "quote_total": "" if order.quote_total is None else f"{order.quote_total:.2f}",
        "warranty_decided_at": _time(order.warranty_decided_at),
        "agreement_version": order.agreement.version if order.agreement is not None else "",
        "agreement_sha256": order.agreement_sha256,
        "agreement_accepted_at": _time(order.agreement_accepted_at),
        "created_at": _time(order.created_at),
        "completed_at": _time(order.completed_at),
        "returned_at": _time(order.returned_at),
    }


def service_record_content(*, complaint: Complaint, audience: str = STAFF) -> dict[str, Any]:
    """The record's document for `audience` (CUSTOMER or STAFF; see the module's docstring).

    A fixed number of queries. ValueError for another audience.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"service record audience {audience!r}; allowed: {', '.join(AUDIENCES)}")
    customer = complaint.customer
    device = complaint.device
    labels = current_pack().categories.get(complaint.category, {})
    events = [
        event
        for event in TimelineEvent.objects.filter(complaint=complaint)
        .exclude(kind=TimelineEvent.Kind.NOTE)
        .order_by("seq")
        .only("seq", "kind", "at", "payload")
        if audience == STAFF or event_customer_may_see(event) or event.kind in CUSTOMER_RECORD_EXTRA_KINDS
    ]
    messages = list(
        Message.objects.filter(complaint=complaint)
        .exclude(direction=Message.Direction.NOTE)
        .order_by("created_at", "pk")
    )
    orders = (
        RepairOrder.objects.filter(complaint=complaint)
        .select_related("outlet", "engineer", "agreement")
        .prefetch_related("checks", "items__part")
        .order_by("created_at", "pk")
    )
    return {
        "format": RECORD_FORMAT,
        "audience": audience,
        "complaint": {
            "number": complaint.number,
            "channel": complaint.channel,
            "channel_label": channel_words(complaint.channel),
            "category": complaint.category,
            "category_label": f"{labels.get('zh-hans', complaint.category)} {labels.get('en', '')}".strip(),
            "subject": complaint.subject,
            "state": complaint.state,
            "state_label": _label(State, complaint.state),
            "created_at": _time(complaint.created_at),
            "resolved_at": _time(complaint.resolved_at),
            "closed_at": _time(complaint.closed_at),
        },
        "customer": {
            "name": mask_name(customer.name) if not customer.erased_at else "",
            "phone": mask_phone(customer.phone or "") if not customer.erased_at else "",
        },
        "device": {
            "model": device.model_name if device is not None else "",
            "imei": mask_imei(device.imei) if device is not None else "",
            "warranty_ends_on": device.warranty_ends_on.isoformat()
            if device is not None and device.warranty_ends_on
            else "",
        },
        "timeline": [
            {"seq": event.seq, "at": _time(event.at), "words": _event_words(event)} for event in events
        ],
        "messages": [_message(m) for m in messages if m.channel not in CALL_CHANNELS],
        "calls": [_message(m) for m in messages if m.channel in CALL_CHANNELS],
        "repair_orders": [_order(order) for order in orders],
        "satisfaction": "" if complaint.satisfaction_score is None else str(complaint.satisfaction_score),
    }


def content_bytes(document: dict[str, Any]) -> bytes:
    return canonical_json(document)


def content_sha256(document: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(document))


def receipt_bytes(
    *, record_id: int, complaint_number: str, content_hash: str, pdf_hash: str, generated_at: datetime
) -> bytes:
    """What the ledger seals for an issued record: its hashes and when, no personal data."""
    return canonical_json(
        {
            "kind": "service_record",
            "record": record_id,
            "complaint": complaint_number,
            "content_sha256": content_hash,
            "pdf_sha256": pdf_hash,
            "generated_at": iso_time(generated_at),
        }
    )

from django.http import HttpRequest
from ninja import Status

from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.client_address import client_address
from aftersales.common.language import request_language
from aftersales.complaints.schemas import deadlines_out
from aftersales.complaints.selectors import complaint_categories, complaint_deadlines
from aftersales.complaints.services import tracking_url
from aftersales.intake.attachments.services import attachments_attach, attachments_claimable
from aftersales.intake.schemas import ComplaintReceiptOut, ComplaintSubmitIn
from aftersales.intake.services import IntakeResult, complaint_submit
from aftersales.intake.submission import Submission
from aftersales.knowledge.services import self_help_for
from aftersales.triage.services import triage_advice

RECEIPT_TEXT = {
    "created": {"zh-hans": "投诉已受理,工单号 {number}。", "en": "Complaint received: number {number}."},
    "linked": {
        "zh-hans": "您关于这台设备的投诉 {number} 仍在处理中,本次内容已补充到该工单。",
        "en": "Your complaint {number} about this device is still open; this message was added to it.",
    },
    "linked_unseen": {
        "zh-hans": "该设备已有处理中的投诉,本次内容已补充到该工单。"
        "机主可通过受理时收到的查询链接,或用手机号登录后查看进度。",
        "en": "There is an open complaint about this device; this message was added to it. "
        "Its owner can follow it through the link sent when it was filed, or by signing in with their phone.",
    },
}


RESPONSES = {200: ComplaintReceiptOut, 201: ComplaintReceiptOut}


def submit_complaint(request: HttpRequest, payload: ComplaintSubmitIn):  # type: ignore[no-untyped-def]
    """Open a complaint (no account needed). Send an Idempotency-Key header to make retries safe.

    `attachments` names files uploaded first (POST /attachments, at most
    ATTACHMENT_MAX_COUNT; 422 `attachment_unknown` naming `attachments.<i>` for an id not
    uploaded, already used, or another signed-in caller's).

    The key (at most 100 characters, else 422 naming `Idempotency-Key`) is the caller's own:
    only the same staff user, signed-in customer or anonymous client address gets the first
    answer back.

    Answers 201 with a new complaint, or 200 when the message joined the customer's open
    complaint about the same device or replayed an earlier request with the same key.
    """
    actor = actor_from_request(request)
    fields = payload.dict()
    key = request.headers.get("Idempotency-Key", "")
    uploads = attachments_claimable(actor=actor, tokens=fields.pop("attachments"), retry=bool(key))
    result = complaint_submit(
        actor=actor,
        submission=Submission(**fields),
        idempotency_key=key,
        client_address=client_address(request),
    )
    # Uploads named go on the complaint filed or joined; a replay finds them there already.
    attachments_attach(actor=actor, complaint=result.complaint, attachments=uploads)
    status = 201 if result.created and not result.replayed else 200
    return Status(status, receipt(result, request_language(request)))


def receipt(result: IntakeResult, language: str) -> dict:
    """The receipt for `result`, holding nothing of a complaint the caller may not see."""
    complaint = result.complaint
    if not result.caller_may_see:
        return {
            "created": False,
            "linked_to_existing": True,
            "replayed": result.replayed,
            "message": RECEIPT_TEXT["linked_unseen"][language],
        }
    text_key = "linked" if result.linked_to_existing else "created"
    return {
        "created": result.created,
        "linked_to_existing": result.linked_to_existing,
        "replayed": result.replayed,
        "message": RECEIPT_TEXT[text_key][language].format(number=complaint.number),
        "number": complaint.number,
        "state": complaint.state,
        "level": complaint.level,
        "category": complaint.category,
        "deadlines": deadlines_out(complaint_deadlines(complaint=complaint, now=clock.now())),
        "tracking_token": result.tracking_token,
        "tracking_url": tracking_url(complaint),
        "advice": triage_advice(reasons=complaint.triage_reasons, language=language),
        "self_help": [
            item.__dict__
            for category in complaint_categories(complaint)
            for item in self_help_for(category=category, language=language)
        ],
    }

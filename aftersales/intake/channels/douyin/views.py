"""Douyin's webhook: `X-Douyin-Signature` = sha1(secret | raw body), hex; JSON events.

`verify_webhook` is answered with its challenge (the number kept a number); `im_receive_msg`
(a customer's private message) goes to intake; `im_send_msg` (our own messages, including
our replies) is ignored so that a reply never comes back as a complaint; other events are
acknowledged and ignored. There is no passive reply: the answer leaves through the reply
sender (social/outbound.py) with the conversation and message ids of the customer's message.
The signature has no timestamp: a replay is stopped by the message's dedupe keys.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from aftersales.intake.channels.social.services import (
    DeliveryReplayed,
    InboundMessage,
    channel_message_receive,
)
from aftersales.intake.channels.webhooks import (
    WebhookRefused,
    body_read,
    json_document,
    platform_id,
    security_log,
    signature_check,
    webhook_guard,
)

CHANNEL = "douyin"


def body_signature(secret: str, body: bytes) -> str:
    """The hex SHA-1 of the secret followed by the body's bytes as received."""
    return hashlib.sha1(secret.encode() + body).hexdigest()


@csrf_exempt
@webhook_guard(CHANNEL)
def douyin_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.DOUYIN_WEBHOOK_SECRET
    if not secret:
        raise WebhookRefused(404, "no Douyin app configured")
    if request.method != "POST":
        raise WebhookRefused(405, f"method {request.method}")
    body = body_read(request)
    signature_check(
        expected=body_signature(secret, body),
        given=request.headers.get("X-Douyin-Signature", ""),
        what="X-Douyin-Signature",
    )
    document = json_document(body)
    event = document.get("event")
    content = _content(document.get("content"))
    if event == "verify_webhook":
        challenge = content.get("challenge")
        if isinstance(challenge, bool) or not isinstance(challenge, int | str):
            raise WebhookRefused(400, "verify_webhook without a challenge")
        return JsonResponse({"challenge": challenge})
    if event != "im_receive_msg":
        # im_send_msg is our own message (our replies among them): never a complaint.
        return _ack()
    message = _inbound(document, content, msg_id=request.headers.get("Msg-Id", "")[:100])
    try:
        channel_message_receive(message=message)
    except DeliveryReplayed:
        security_log.warning(
            "douyin Msg-Id %s seen before with another message: ignored", message.delivery_id
        )
    return _ack()


def _content(raw: Any) -> dict[str, Any]:
    """`content` is an object in some events and a JSON string in others: both are read."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise WebhookRefused(400, "content is a string but not JSON") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise WebhookRefused(400, "content is not an object")
    return raw


def _inbound(document: dict[str, Any], content: dict[str, Any], *, msg_id: str) -> InboundMessage:
    sender = platform_id(document.get("from_user_id"), "from_user_id")
    account = platform_id(document.get("to_user_id"), "to_user_id")
    server_message_id = platform_id(content.get("server_message_id"), "content.server_message_id")
    message_type = str(content.get("message_type", ""))[:32]
    text = content.get("text", "")
    return InboundMessage(
        channel=CHANNEL,
        account=account,
        sender_id=sender,
        key=f"msg:{server_message_id}",
        delivery_id=msg_id,
        message_type=message_type if message_type else "other",
        text=text if message_type == "text" and isinstance(text, str) else "",
        reply_to={
            "to_user_id": sender,
            "open_id": account,
            "conversation_id": str(content.get("conversation_short_id", "")),
            "msg_id": server_message_id,
            "scene": "im_reply_msg",
        },
        passive_reply=False,
    )


def _ack() -> HttpResponse:
    return HttpResponse(b"", status=200)

"""Weibo's push URL: GET verifies it, POST delivers JSON messages and takes a passive reply.

Signed like WeChat's plain mode but with the app secret: `signature =
sha1(sort(app_secret, timestamp, nonce))`, timestamp in milliseconds; the body is not
covered. Weibo has no message id: a message is known by sender_id, created_at (to the
second), type and a hash of its text, so two quick different messages stay two.
"""

import hashlib
import json
import time
from typing import Any
from urllib.parse import quote

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
    sha1_sorted,
    signature_check,
    timestamp_check,
    webhook_guard,
)

CHANNEL = "weibo"
ECHOSTR_LIMIT = 128
# A passive reply's text must stay under 300 characters.
REPLY_LIMIT = 299


@csrf_exempt
@webhook_guard(CHANNEL)
def weibo_push(request: HttpRequest) -> HttpResponse:
    secret = settings.WEIBO_APP_SECRET
    if not secret:
        raise WebhookRefused(404, "no Weibo app configured")
    query = request.GET
    if "encrypt_type" in query:
        raise WebhookRefused(400, "Weibo pushes are never encrypted")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    signature_check(
        expected=sha1_sorted(secret, timestamp, nonce), given=query.get("signature", ""), what="signature"
    )
    timestamp_check(timestamp, now=time.time(), milliseconds=len(timestamp) > 11)
    if request.method == "GET":
        echostr = query.get("echostr", "")
        if not echostr or len(echostr) > ECHOSTR_LIMIT:
            raise WebhookRefused(400, "echostr missing or too long")
        return HttpResponse(echostr, content_type="text/plain")
    if request.method != "POST":
        raise WebhookRefused(405, f"method {request.method}")
    document = json_document(body_read(request))
    message = _inbound(document, delivery_id=f"{timestamp}:{nonce}")
    if message is None:
        return HttpResponse(b"")
    try:
        result = channel_message_receive(message=message)
    except DeliveryReplayed as exc:
        raise WebhookRefused(403, f"timestamp and nonce {exc} reused for another message") from exc
    if not result.reply_text:
        return HttpResponse(b"")
    return JsonResponse(passive_reply(us=message.account, to=message.sender_id, text=result.reply_text))


def passive_reply(*, us: str, to: str, text: str) -> dict[str, Any]:
    """The passive text reply: `data` is URL-encoded UTF-8 JSON, its text cut below 300 characters."""
    if len(text) > REPLY_LIMIT:
        text = text[: REPLY_LIMIT - 1] + "…"
    data = quote(json.dumps({"text": text}, ensure_ascii=False), safe="")
    return {"result": True, "sender_id": _as_id(us), "receiver_id": _as_id(to), "type": "text", "data": data}


def _as_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _inbound(document: dict[str, Any], *, delivery_id: str) -> InboundMessage | None:
    kind = document.get("type")
    if not isinstance(kind, str) or not kind:
        raise WebhookRefused(400, "message without type")
    kind = kind[:32]
    sender = platform_id(document.get("sender_id"), "sender_id")
    receiver = platform_id(document.get("receiver_id"), "receiver_id")
    text = document.get("text", "")
    text = text if isinstance(text, str) else ""
    data = document.get("data")
    subtype = str(data.get("subtype", ""))[:32] if isinstance(data, dict) else ""
    created_at = str(document.get("created_at", ""))[:40]
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "account": receiver,
        "sender_id": sender,
        "delivery_id": delivery_id,
        "key": f"{sender}:{created_at}:{kind}/{subtype}:{digest}"[:200],
    }
    if kind == "text":
        return InboundMessage(message_type="text", text=text, **common)
    if kind == "event":
        follow = subtype in ("follow", "subscribe")
        return InboundMessage(message_type="subscribe" if follow else "event", **common)
    # position, voice, image and types Weibo adds later: acknowledged, nothing to act on.
    return None

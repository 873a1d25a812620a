"""The official account's server URL: GET verifies it, POST delivers messages and takes the passive reply.

Every request is signed over its query (token, timestamp, nonce); in safe and compatible
modes the message is also encrypted and signed with the Encrypt text (`msg_signature`).
Retries of one message (same MsgId) get the first answer; refusals are logged on
`aftersales.security` and answered with an empty 4xx body.
"""

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from aftersales.common.text import document_text_problems
from aftersales.intake.channels.social.services import (
    DeliveryReplayed,
    InboundMessage,
    channel_message_receive,
)
from aftersales.intake.channels.webhooks import (
    WebhookRefused,
    body_read,
    platform_id,
    signature_check,
    timestamp_check,
    webhook_guard,
)
from aftersales.intake.channels.wechat.protocol import (
    MessageCipher,
    ProtocolError,
    encrypted_reply,
    signature,
    text_reply,
    xml_fields,
)

CHANNEL = "wechat"
ECHOSTR_LIMIT = 128


@csrf_exempt
@webhook_guard(CHANNEL)
def wechat_callback(request: HttpRequest) -> HttpResponse:
    token = settings.WECHAT_TOKEN
    if not token:
        raise WebhookRefused(404, "no WeChat account configured")
    query = request.GET
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    signature_check(
        expected=signature(token, timestamp, nonce), given=query.get("signature", ""), what="signature"
    )
    timestamp_check(timestamp, now=time.time())
    if request.method == "GET":
        echostr = query.get("echostr", "")
        if not echostr or len(echostr) > ECHOSTR_LIMIT:
            raise WebhookRefused(400, "echostr missing or too long")
        return HttpResponse(echostr, content_type="text/plain")
    if request.method != "POST":
        raise WebhookRefused(405, f"method {request.method}")
    body = body_read(request)
    encrypted = query.get("encrypt_type", "raw").lower() == "aes"
    fields = _message_fields(body, query_get=query.get, token=token, encrypted=encrypted)
    message = _inbound(fields, delivery_id=f"{timestamp}:{nonce}")
    if message is None:
        return _success()
    try:
        result = channel_message_receive(message=message)
    except DeliveryReplayed as exc:
        raise WebhookRefused(403, f"timestamp and nonce {exc} reused for another message") from exc
    if not result.reply_text:
        return _success()
    reply = text_reply(to_user=message.sender_id, from_user=message.account, content=result.reply_text)
    if encrypted:
        reply = encrypted_reply(
            cipher=_cipher(), token=token, reply=reply, timestamp=str(int(time.time())), nonce=nonce
        )
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


def _cipher() -> MessageCipher:
    return MessageCipher(encoding_aes_key=settings.WECHAT_ENCODING_AES_KEY, app_id=settings.WECHAT_APP_ID)


def _message_fields(body: bytes, *, query_get, token: str, encrypted: bool) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The message's fields, decrypted and checked in safe and compatible modes."""
    mode = settings.WECHAT_MESSAGE_MODE
    try:
        if not encrypted:
            if mode == "safe":
                # The query signature does not cover the body: only the encrypted form proves it.
                raise WebhookRefused(403, "plaintext message while the account is in safe mode")
            fields = xml_fields(body)
        else:
            if mode == "plain":
                raise WebhookRefused(400, "encrypted message while the account is in plain mode")
            outer = xml_fields(body)
            encrypted_text = outer.get("Encrypt", "")
            if not encrypted_text:
                raise WebhookRefused(400, "encrypted message without Encrypt")
            signature_check(
                expected=signature(token, query_get("timestamp", ""), query_get("nonce", ""), encrypted_text),
                given=query_get("msg_signature", ""),
                what="msg_signature",
            )
            fields = xml_fields(_cipher().decrypt(encrypted_text))
    except ProtocolError as exc:
        status = 403 if "AppID" in str(exc) else 400
        raise WebhookRefused(status, str(exc)) from exc
    unstorable = document_text_problems(fields)
    if unstorable:
        raise WebhookRefused(400, f"unstorable text in {', '.join(sorted(unstorable))}")
    for required in ("ToUserName", "FromUserName", "MsgType"):
        if not fields.get(required):
            raise WebhookRefused(400, f"message without {required}")
    return fields


def _inbound(fields: dict[str, str], *, delivery_id: str) -> InboundMessage | None:
    """The message in intake's terms; None for a kind we do not act on (answered `success`)."""
    msg_type = fields["MsgType"].lower()[:32]
    sender = platform_id(fields["FromUserName"], "FromUserName")
    account = platform_id(fields["ToUserName"], "ToUserName")
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "account": account,
        "sender_id": sender,
        "delivery_id": delivery_id,
    }
    if msg_type == "event":
        event = fields.get("Event", "").lower()
        key = f"event:{sender}:{fields.get('CreateTime', '')}:{event}"
        return InboundMessage(
            key=key, message_type="subscribe" if event == "subscribe" else "event", **common
        )
    msg_id = fields.get("MsgId", "")
    if not msg_id:
        return None
    key = f"msg:{msg_id}"
    if msg_type == "text":
        return InboundMessage(key=key, message_type="text", text=fields.get("Content", ""), **common)
    if msg_type == "voice":
        # The recognised speech, when the account has recognition on, is the customer's text.
        return InboundMessage(
            key=key,
            message_type="voice",
            text=fields.get("Recognition", ""),
            media_id=fields.get("MediaId", ""),
            **common,
        )
    if msg_type in ("image", "video", "shortvideo"):
        return InboundMessage(key=key, message_type=msg_type, media_id=fields.get("MediaId", ""), **common)
    return None


def _success() -> HttpResponse:
    """`success`: handled, WeChat neither retries nor shows the user anything."""
    return HttpResponse(b"success", content_type="text/plain")

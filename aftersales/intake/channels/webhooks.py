"""What every signed webhook needs before its body is believed: a size cap, a signature check,
a freshness window, and one way to refuse with the reason on the `aftersales.security` log.

Views wrap themselves in `webhook_guard`, so that a refusal answers its status and nothing
else, and an unexpected failure answers 503 (the platform retries; nothing is lost) instead of
escaping as a 500 with a traceback.
"""

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from aftersales.common.text import document_text_problems

security_log = logging.getLogger("aftersales.security")
log = logging.getLogger("aftersales.channels")


class WebhookRefused(Exception):
    """A delivery we will not act on: answered with `status`, `reason` logged (never echoed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def webhook_guard(
    channel: str,
) -> Callable[[Callable[[HttpRequest], HttpResponse]], Callable[[HttpRequest], HttpResponse]]:
    """Decorate a webhook view: refusals become their status with an empty body, failures 503."""

    def decorate(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
        @functools.wraps(view)
        def guarded(request: HttpRequest) -> HttpResponse:
            try:
                return view(request)
            except WebhookRefused as refused:
                security_log.warning(
                    "%s webhook refused (%d): %s; from %s",
                    channel,
                    refused.status,
                    refused.reason,
                    request.META.get("REMOTE_ADDR", "?"),
                )
                return HttpResponse(b"", status=refused.status, content_type="text/plain")
            except Exception:
                log.exception("%s webhook failed; answered 503 so that the platform retries", channel)
                return HttpResponse(b"", status=503, content_type="text/plain")

        return guarded

    return decorate


def body_read(request: HttpRequest) -> bytes:
    """The raw body, refused (413) above settings.CHANNEL_MAX_BODY_BYTES before it is read."""
    limit = settings.CHANNEL_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise WebhookRefused(400, "unreadable Content-Length") from exc
    if declared > limit:
        raise WebhookRefused(413, f"body of {declared} bytes over the {limit}-byte cap")
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise WebhookRefused(413, f"body over the {limit}-byte cap") from exc
    if len(body) > limit:
        raise WebhookRefused(413, f"body of {len(body)} bytes over the {limit}-byte cap")
    return body


def sha1_sorted(*parts: str) -> str:
    """Lowercase hex SHA-1 of the parts sorted and joined: the WeChat and Weibo signature."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_check(*, expected: str, given: str, what: str) -> None:
    """Refuse (403) unless `given` is `expected` (hex, compared in constant time, any case)."""
    if not given:
        raise WebhookRefused(403, f"{what} missing")
    if not hmac.compare_digest(expected.lower().encode(), given.strip().lower().encode("utf-8", "replace")):
        raise WebhookRefused(403, f"{what} does not match")


def timestamp_check(raw: str, *, now: float, milliseconds: bool = False) -> int:
    """The signed timestamp as an int, refused (403) outside settings.CHANNEL_TIMESTAMP_WINDOW_SECONDS.

    WeChat sends seconds, Weibo milliseconds.
    """
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16:
        raise WebhookRefused(403, "timestamp missing or not a number")
    value = int(raw)
    seconds = value / 1000 if milliseconds else value
    window = settings.CHANNEL_TIMESTAMP_WINDOW_SECONDS
    if abs(now - seconds) > window:
        raise WebhookRefused(403, f"timestamp {raw} outside the {window} s window (replayed or clock skew)")
    return value


def json_document(body: bytes) -> dict[str, Any]:
    """A JSON object from the body; refused (400) when malformed or holding text no column can store."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WebhookRefused(400, "malformed JSON") from exc
    if not isinstance(document, dict):
        raise WebhookRefused(400, "JSON body is not an object")
    unstorable = document_text_problems(document)
    if unstorable:
        raise WebhookRefused(400, f"unstorable text in {', '.join(sorted(unstorable))}")
    return document


PLATFORM_ID_LIMIT = 128


def platform_id(value: object, what: str) -> str:
    """A platform's user or account id as text; refused (400) when missing, not a string or
    number, or longer than any platform issues (WeChat openids are 28 characters)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WebhookRefused(400, f"{what} missing or not an id")
    text = str(value).strip()
    if not text or len(text) > PLATFORM_ID_LIMIT:
        raise WebhookRefused(400, f"{what} empty or longer than {PLATFORM_ID_LIMIT} characters")
    return text

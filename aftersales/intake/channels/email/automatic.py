"""Mail that no person wrote: auto-replies, delivery reports, list and bulk mail.

Sources: RFC 3834 (`Auto-Submitted`, and that automatic responses go to a null return path),
RFC 3464 (multipart/report; report-type=delivery-status), RFC 2369/2919 (`List-*`), and the
headers servers really set: `Precedence: bulk|junk|list|auto_reply`, Exchange's
`X-Auto-Response-Suppress`, `X-Autoreply`/`X-Autorespond`, QQMail's `X-QQ-AUTO-REPLY`,
and Postfix/Exchange/Coremail bounce senders and subjects.
"""

import re
from collections.abc import Callable

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
LIST = "list"

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto_|auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office\b|"
    # Only phrases a person does not start a complaint with: "休假期间手机坏了" is a complaint.
    r"自动回复|自動回覆|自動回復|自动答复|自動答覆|假期自动回复)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliver|delivery status notification|delivery failure|returned mail|mail delivery failed|"
    r"failure notice|未能送达|无法送达|退信|投递失败|系统退信|無法傳遞)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_VENDOR_AUTO_FLAGS = ("x-autoreply", "x-autorespond", "x-qq-auto-reply", "x-auto-reply", "x-mail-autoreply")


def classify(
    header: Callable[[str], str],
    *,
    content_type: str,
    report_type: str,
    subject: str,
    from_address: str,
    has_delivery_status: bool,
) -> str | None:
    """ "bounce", "auto_reply", "list" or None for a mail a person wrote.

    `header(name)` returns the decoded header value, "" when absent.
    """
    null_sender = header("return-path").replace(" ", "") == "<>"
    if (
        (content_type == "multipart/report" and report_type in ("delivery-status", ""))
        or has_delivery_status
        or header("x-failed-recipients")
        or (_DAEMON.match(from_address) and (null_sender or _BOUNCE_SUBJECT.search(subject)))
    ):
        return BOUNCE
    auto_submitted = header("auto-submitted").strip().lower()
    precedence = header("precedence").strip().lower()
    suppress = header("x-auto-response-suppress").strip().lower()
    if (
        (auto_submitted and not auto_submitted.startswith("no"))
        or precedence == "auto_reply"
        or any(header(flag).strip().lower() not in ("", "no", "false", "0") for flag in _VENDOR_AUTO_FLAGS)
        or (suppress and any(word in suppress for word in ("all", "oof", "autoreply", "dr", "rn")))
        or _AUTO_SUBJECT.match(subject)
        or null_sender
    ):
        return AUTO_REPLY
    if precedence in ("bulk", "junk", "list") or header("list-id") or header("list-unsubscribe"):
        return LIST
    return None

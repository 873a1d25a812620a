"""One raw RFC 822 message into one typed `ParsedMail`. Reads bytes only; writes nothing.

Decoding rules are in `charsets` (labels that lie, unknown labels, 8-bit headers, encoded
words), HTML in `html`, quoted replies in `quotes`, automatic mail in `automatic`,
attachments in `attachments`.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr

from aftersales.intake.channels.email import automatic
from aftersales.intake.channels.email.attachments import Attachment, attachment_judge
from aftersales.intake.channels.email.charsets import decode_bytes, decode_header
from aftersales.intake.channels.email.html import html_sanitise, html_to_text
from aftersales.intake.channels.email.quotes import strip_quoted, strip_reply_prefixes

# Within one mail: how many MIME parts are read, and how deep.
MAX_PARTS = 200
MAX_DEPTH = 12
_MESSAGE_ID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")
_NUMBER = re.compile(r"\b([A-Z]{1,8}-\d{8}-\d{5}-\d)\b")


@dataclass(frozen=True)
class Bounce:
    """A delivery report: which of our Message-IDs it reports on, and why delivery failed."""

    original_message_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    status: str
    diagnostic: str


@dataclass(frozen=True)
class ParsedMail:
    subject: str
    from_address: str  # lower case, "" when there is none
    from_name: str
    reply_to: str  # lower case, "" when the mail names none
    recipients: int  # To + Cc addresses
    message_id: str  # without angle brackets
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    # What the customer wrote this time (quotes and signature cut), and the whole text.
    text: str
    full_text: str
    # The HTML body sanitised for display, "" when the mail had none.
    html: str
    attachments: tuple[Attachment, ...]
    auto: str | None  # None, "auto_reply", "bounce" or "list"
    bounce: Bounce | None
    # Complaint numbers the subject names (checked against the database by the caller).
    subject_numbers: tuple[str, ...]
    # What could not be read exactly: "charset_unknown", "nul_removed", "mime_defects", ...
    notes: tuple[str, ...] = field(default=())

    @property
    def answer_address(self) -> str:
        """Where an answer goes: Reply-To when given, else From."""
        return self.reply_to or self.from_address

    @property
    def topic(self) -> str:
        """The subject without reply and forward prefixes, as a complaint subject."""
        return strip_reply_prefixes(self.subject)


class _Reader:
    def __init__(self, max_attachment_bytes: int) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.notes: set[str] = set()
        self.embedded_ids: list[str] = []
        self.delivery_status: list[str] = []
        self.parts = 0

    def read(self, part: Message, depth: int = 0) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS or depth > MAX_DEPTH:
            self.notes.add("mime_too_deep")
            return
        if part.defects:
            self.notes.add("mime_defects")
        content_type = part.get_content_type()
        # Checked first: the parser gives these a list of header blocks as their payload.
        if content_type in ("message/rfc822", "text/rfc822-headers"):
            self._embedded(part)
            return
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            self.delivery_status.append(_part_text(part, self.notes))
            return
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                for child in children:
                    if isinstance(child, Message):
                        self.read(child, depth + 1)
            return
        if part.get_content_maintype() == "multipart":
            self._broken_multipart(part, depth)
            return
        name = _filename(part)
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if name or disposition == "attachment" or part.get_content_maintype() not in ("text",):
            content = _payload_bytes(part)
            if not content and not name:
                return
            self.attachments.append(
                attachment_judge(
                    name=name or "attachment",
                    declared_type=content_type,
                    content=content,
                    max_bytes=self.max_attachment_bytes,
                )
            )
            return
        text = _payload_text(part, self.notes)
        (self.html if content_type == "text/html" else self.plain).append(text)

    def _broken_multipart(self, part: Message, depth: int) -> None:
        """A multipart whose boundary never shows: read what follows its first `--` line as a part."""
        self.notes.add("mime_defects")
        body = _payload_bytes(part) or str(part.get_payload()).encode("utf-8", "surrogateescape")
        found = re.search(rb"^--[^\r\n]*\r?\n", body, re.MULTILINE)
        if found is None:
            self.plain.append(decode_bytes(body, part.get_content_charset())[0])
            return
        self.read(message_from_bytes(body[found.end() :], policy=compat32), depth + 1)

    def _embedded(self, part: Message) -> None:
        """The original message inside a delivery report or a forward: its ids only."""
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            inner_id = payload[0].get("Message-ID", "")
            self.embedded_ids += _MESSAGE_ID.findall(str(inner_id))
        else:
            self.embedded_ids += _MESSAGE_ID.findall(_part_text(part, self.notes))


def parse_mail(raw: bytes, *, max_attachment_bytes: int = 10 * 1024 * 1024) -> ParsedMail:
    """Parse a raw message. Never raises on malformed input: what cannot be read is noted."""
    notes: set[str] = set()
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
        notes.add("nul_removed")
    message = message_from_bytes(raw, policy=compat32)
    headers = _raw_headers(message)

    def header(name: str) -> str:
        value = headers.get(name.lower())
        return decode_header(value) if value is not None else ""

    subject = header("subject")
    from_name, from_address = _address(headers.get("from", ""))
    _, reply_to = _address(headers.get("reply-to", ""))
    recipients = len(
        [a for _, a in getaddresses([decode_header(headers.get(n, "")) for n in ("to", "cc")]) if "@" in a]
    )
    reader = _Reader(max_attachment_bytes)
    reader.read(message)
    notes |= reader.notes
    if reader.plain and any(t.strip() for t in reader.plain):
        full_text = "\n\n".join(t.strip() for t in reader.plain if t.strip())
    else:
        full_text = "\n\n".join(html_to_text(h) for h in reader.html).strip()
    full_text = unicodedata.normalize("NFC", full_text.replace("\x00", ""))
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "") if content_type == "multipart/report" else ""
    auto = automatic.classify(
        header,
        content_type=content_type,
        report_type=str(report_type).lower(),
        subject=subject,
        from_address=from_address,
        has_delivery_status=bool(reader.delivery_status),
    )
    bounce = _bounce(reader, full_text) if auto == automatic.BOUNCE else None
    return ParsedMail(
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to,
        recipients=recipients,
        message_id=_first_id(headers.get("message-id", "")),
        in_reply_to=tuple(_MESSAGE_ID.findall(header("in-reply-to"))),
        references=tuple(_MESSAGE_ID.findall(header("references"))),
        text=strip_quoted(full_text),
        full_text=full_text,
        html=html_sanitise("\n".join(reader.html)) if reader.html else "",
        attachments=tuple(reader.attachments),
        auto=auto,
        bounce=bounce,
        subject_numbers=tuple(_NUMBER.findall(unicodedata.normalize("NFKC", subject).upper())),
        notes=tuple(sorted(notes)),
    )


def _raw_headers(message: Message) -> dict[str, str]:
    """Each header's first value as it came (8-bit bytes kept as surrogate escapes)."""
    found: dict[str, str] = {}
    for name, value in message._headers:  # type: ignore[attr-defined]
        key = str(name).lower()
        if key not in found:
            found[key] = str(value)
    return found


def _address(raw: str) -> tuple[str, str]:
    """(display name, lower-case address) from a From-like header; ("", "") when none."""
    if not raw:
        return "", ""
    decoded = decode_header(raw)
    name, address = parseaddr(decoded)
    if "@" not in address:
        # A display name with an encoded word holding a comma or quote confuses parseaddr.
        found = re.search(r"<([^<>\s]+@[^<>\s]+)>|([^\s<>\"',;:]+@[^\s<>\"',;:]+)", decoded)
        address = (found.group(1) or found.group(2)) if found else ""
        name = decoded.split("<")[0].strip().strip('"') if found else name
    return name.strip().strip('"'), address.strip().lower()


def _first_id(raw: str) -> str:
    found = _MESSAGE_ID.findall(raw)
    return found[0] if found else raw.strip().strip("<>")[:250]


def _filename(part: Message) -> str:
    """The attachment's name: RFC 2231 (`filename*=`), RFC 2047 words in quotes, or raw 8-bit."""
    for param, where in (("filename", "content-disposition"), ("name", "content-type")):
        value = part.get_param(param, header=where)
        if value is None:
            continue
        if isinstance(value, tuple):
            charset, _, text = value
            data = text.encode("raw-unicode-escape") if isinstance(text, str) else bytes(text)
            return _safe_name(decode_bytes(data, charset or None)[0])
        return _safe_name(decode_header(str(value)))
    return ""


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:200]


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _payload_text(part: Message, notes: set[str]) -> str:
    data = _payload_bytes(part)
    text, exact = decode_bytes(data, part.get_content_charset())
    if not exact:
        notes.add("charset_guessed")
    if "\x00" in text:
        notes.add("nul_removed")
        text = text.replace("\x00", "")
    return text


def _part_text(part: Message, notes: set[str]) -> str:
    """A part's text, also when the parser split it into header blocks."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(block.as_string() if isinstance(block, Message) else str(block) for block in payload)
    return _payload_text(part, notes)


def _bounce(reader: _Reader, text: str) -> Bounce:
    status_text = "\n".join(reader.delivery_status)
    recipients = tuple(
        address.strip().lower()
        for address in re.findall(
            r"^Final-Recipient:\s*[^;]*;\s*(\S+)", status_text, re.MULTILINE | re.IGNORECASE
        )
    )
    status = re.search(r"^Status:\s*(\S+)", status_text, re.MULTILINE | re.IGNORECASE)
    diagnostic = re.search(
        r"^Diagnostic-Code:\s*(.+(?:\n[ \t].+)*)", status_text, re.MULTILINE | re.IGNORECASE
    )
    ids = list(reader.embedded_ids)
    if not ids:
        # Bounces without a report (QQ, Coremail, old qmail) quote the original's headers as text.
        ids = re.findall(r"Message-ID:\s*<([^<>\s]+@[^<>\s]+)>", text, re.IGNORECASE)
    return Bounce(
        original_message_ids=tuple(dict.fromkeys(ids)),
        recipients=recipients,
        status=status.group(1) if status else "",
        diagnostic=" ".join(diagnostic.group(1).split())[:500] if diagnostic else "",
    )

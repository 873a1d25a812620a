"""The IMAP poller: reads new mail by UID, takes each message in, sets aside what it cannot.

Per poll:
1. select the folder; when its UIDVALIDITY differs from the one stored, UIDs start over
   (the digest of each message still keeps one seen before from being taken in twice);
2. list UIDs above the last one read; for each, in order: a message above the size limit,
   one refused by `mail_receive`, or one whose processing fails in any way is moved to the
   quarantine folder with the reason logged; a message taken in is flagged \\Seen;
3. the position is saved after every message, so a crash re-reads at most one.
"""

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from imapclient import IMAPClient

from aftersales.common import clock
from aftersales.intake.channels.email.models import MailboxPosition
from aftersales.intake.channels.email.services import MailRefused, mail_receive

log = logging.getLogger("aftersales.email")


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    quarantine_folder: str = "Quarantine"
    use_ssl: bool = True
    timeout: float = 30.0

    @property
    def key(self) -> str:
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"[:255]


@dataclass
class PollReport:
    taken_in: int = 0
    duplicates: int = 0
    quarantined: list[tuple[int, str]] = field(default_factory=list)


def mailbox_from_settings() -> MailboxConfig | None:
    """The configured mailbox (settings EMAIL_IMAP_*), or None when no host is set."""
    if not settings.EMAIL_IMAP_HOST:
        return None
    return MailboxConfig(
        host=settings.EMAIL_IMAP_HOST,
        port=settings.EMAIL_IMAP_PORT,
        username=settings.EMAIL_IMAP_USER,
        password=settings.EMAIL_IMAP_PASSWORD,
        folder=settings.EMAIL_IMAP_FOLDER,
        quarantine_folder=settings.EMAIL_IMAP_QUARANTINE_FOLDER,
        use_ssl=settings.EMAIL_IMAP_SSL,
    )


def _connect(config: MailboxConfig) -> IMAPClient:
    context = ssl.create_default_context() if config.use_ssl else None
    client = IMAPClient(
        config.host, port=config.port, ssl=config.use_ssl, ssl_context=context, timeout=config.timeout
    )
    client.login(config.username, config.password)
    return client


def mailbox_poll(
    *,
    config: MailboxConfig,
    batch: int = 100,
    receive: Callable[..., object] = mail_receive,
) -> PollReport:
    """Read the folder's new messages once (module doc); returns what became of them."""
    report = PollReport()
    client = _connect(config)
    try:
        selected = client.select_folder(config.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        position, _ = MailboxPosition.objects.get_or_create(mailbox=config.key)
        if position.uidvalidity != uidvalidity:
            if position.uidvalidity:
                log.warning("mailbox %s: UIDVALIDITY changed, reading it from the start", config.key)
            position.uidvalidity, position.last_uid = uidvalidity, 0
            position.save(update_fields=["uidvalidity", "last_uid"])
        uids = sorted(
            uid for uid in client.search(["UID", f"{position.last_uid + 1}:*"]) if uid > position.last_uid
        )
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            for uid in chunk:
                _poll_one(client, config, uid, sizes.get(uid, {}).get(b"RFC822.SIZE", 0), report, receive)
                position.last_uid = uid
                position.polled_at = clock.now()
                position.save(update_fields=["last_uid", "polled_at"])
    finally:
        try:
            client.logout()
        except Exception:  # a dead connection has nothing left to close
            log.debug("logout failed", exc_info=True)
    return report


def _poll_one(
    client: IMAPClient,
    config: MailboxConfig,
    uid: int,
    size: int,
    report: PollReport,
    receive: Callable[..., object],
) -> None:
    reason = ""
    if size > settings.EMAIL_MAX_BYTES:
        reason = "too_large"
    else:
        try:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
            raw = fetched.get(b"BODY[]")
            if not isinstance(raw, bytes):
                raise MailRefused("unreadable")
            outcome = receive(raw=raw, source=f"imap:{config.folder}")
            if getattr(outcome, "outcome", "") == "duplicate":
                report.duplicates += 1
            else:
                report.taken_in += 1
            client.add_flags([uid], [b"\\Seen"])
            return
        except MailRefused as refused:
            reason = refused.reason
        except Exception as exc:  # one bad message must not stall the mailbox
            log.exception("mailbox %s: message UID %s failed", config.key, uid)
            reason = f"error_{type(exc).__name__}"[:60]
    _quarantine(client, config, uid, reason)
    report.quarantined.append((uid, reason))


def _quarantine(client: IMAPClient, config: MailboxConfig, uid: int, reason: str) -> None:
    log.warning(
        "mailbox %s: message UID %s moved to %s: %s", config.key, uid, config.quarantine_folder, reason
    )
    if not client.folder_exists(config.quarantine_folder):
        client.create_folder(config.quarantine_folder)
    if client.has_capability("MOVE"):
        client.move([uid], config.quarantine_folder)
    else:
        client.copy([uid], config.quarantine_folder)
        client.delete_messages([uid])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            client.expunge()

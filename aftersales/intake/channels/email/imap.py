"""The IMAP poller: reads new mail by UID, takes each message in, sets aside what it cannot.

Per poll:
1. select the folder; when its UIDVALIDITY differs from the one stored, UIDs start over
   (the digest of each message still keeps one seen before from being taken in twice);
2. list UIDs above the last one read; for each, in order: a message above the size limit,
   one refused by `mail_receive`, or one whose processing fails in any way is moved to the
   quarantine folder with the reason logged; a message taken in is flagged \\Seen;
3. the position is saved after every message, so a crash re-reads at most one.

`mailbox_watch` keeps one connection and waits with IMAP IDLE between reads where the server
offers it (mail is taken in as it arrives), polling otherwise.
"""

import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections
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
    # The highest UID read so far in the folder (the stored position after this read).
    last_uid: int = 0


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
    client = _connect(config)
    try:
        return _read_new(client, config, batch=batch, receive=receive)
    finally:
        _logout(client)


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # a dead connection has nothing left to close
        log.debug("logout failed", exc_info=True)


def _read_new(
    client: IMAPClient, config: MailboxConfig, *, batch: int, receive: Callable[..., object]
) -> PollReport:
    """Steps 1-3 of the module doc on an open connection."""
    report = PollReport()
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
    report.last_uid = position.last_uid
    return report


def _news_since(client: IMAPClient, last_uid: int) -> bool:
    """Whether a message above `last_uid` is in the folder now.

    Asked before each IDLE: a message that arrived while the last read was under way was
    announced in the answer to one of its commands, not in the IDLE that follows, and would
    otherwise wait for the next renewal.
    """
    return any(uid > last_uid for uid in client.search(["UID", f"{last_uid + 1}:*"]))


# What a lost or refused connection raises; the watcher reconnects after it.
CONNECTION_ERRORS = (OSError, IMAPClient.Error, IMAPClient.AbortError)


def mailbox_watch(
    *,
    config: MailboxConfig,
    stop: threading.Event,
    receive: Callable[..., object] = mail_receive,
    idle_seconds: float | None = None,
    poll_seconds: float | None = None,
    use_idle: bool = True,
    on_report: Callable[[PollReport], object] | None = None,
    batch: int = 100,
) -> None:
    """Keep taking mail in until `stop` is set: IMAP IDLE where the server offers it, else polling.

    1. connect and read what is new (by UID above the stored position, as `mailbox_poll`);
    2. with IDLE (RFC 2177, capability `IDLE`): wait for the server to announce new mail
       (an untagged EXISTS), ending the wait every `idle_seconds` (settings
       EMAIL_IMAP_IDLE_SECONDS, under the 29 minutes the RFC allows) to renew it; without
       it, wait `poll_seconds` (settings EMAIL_IMAP_POLL_SECONDS);
    3. read again; a lost connection (or any failure of a read) is logged and the
       connection reopened shortly after.

    The stored UID position makes every read start after the last message taken in, so
    a wake-up without new mail reads nothing and no message is read twice.
    `on_report` gets each read's PollReport.
    """
    idle_seconds = idle_seconds if idle_seconds is not None else settings.EMAIL_IMAP_IDLE_SECONDS
    poll_seconds = poll_seconds if poll_seconds is not None else settings.EMAIL_IMAP_POLL_SECONDS
    while not stop.is_set():
        try:
            client = _connect(config)
        except CONNECTION_ERRORS:
            log.warning(
                "mailbox %s: cannot connect; trying again in %ss", config.key, poll_seconds, exc_info=True
            )
            stop.wait(poll_seconds)
            continue
        try:
            idle = use_idle and client.has_capability("IDLE")
            log.info(
                "mailbox %s: watching with %s", config.key, "IDLE" if idle else f"polls every {poll_seconds}s"
            )
            while not stop.is_set():
                close_old_connections()
                report = _read_new(client, config, batch=batch, receive=receive)
                if on_report is not None:
                    on_report(report)
                if idle:
                    if not _news_since(client, report.last_uid):
                        _idle_until_news(client, seconds=idle_seconds, stop=stop)
                else:
                    stop.wait(poll_seconds)
        except Exception:  # lost connection or database: the watcher outlives both
            log.warning("mailbox %s: reading failed; reconnecting", config.key, exc_info=True)
            stop.wait(min(poll_seconds, 5.0))
        finally:
            _logout(client)


# How often a wait in IDLE looks at `stop`, in seconds.
IDLE_TICK = 1.0


def _idle_until_news(client: IMAPClient, *, seconds: float, stop: threading.Event) -> None:
    """Wait in IDLE until the server announces new mail, `seconds` pass, or `stop` is set."""
    deadline = time.monotonic() + seconds
    client.idle()
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            responses = client.idle_check(timeout=min(IDLE_TICK, max(deadline - time.monotonic(), 0.01)))
            if any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                return
    finally:
        client.idle_done()


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

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.intake.channels.email.selectors import parsed_mail_summary


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "The e-mail channel: `parse FILE.eml` prints what a message holds; `poll` reads the mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        parse = actions.add_parser("parse", help="Print one message as JSON; writes nothing.")
        parse.add_argument("file", help="a raw RFC 822 message (.eml)")
        poll = actions.add_parser(
            "poll",
            help="Take new mail in from the configured IMAP mailbox: waits with IMAP IDLE where the "
            "server offers it, else polls every --interval seconds.",
        )
        poll.add_argument("--once", action="store_true", help="read once and stop")
        poll.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between polls without IDLE (default AFTERSALES_IMAP_POLL_SECONDS)",
        )
        poll.add_argument("--no-idle", action="store_true", help="poll even where the server offers IDLE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "parse":
            try:
                raw = Path(options["file"]).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
            self.stdout.write(json.dumps(parsed_mail_summary(raw), ensure_ascii=False, indent=2))
            return
        self._poll(once=options["once"], interval=options["interval"], idle=not options["no_idle"])

    def _poll(self, *, once: bool, interval: float | None, idle: bool) -> None:
        import signal
        import threading

        from aftersales.intake.channels.email.imap import (
            PollReport,
            mailbox_from_settings,
            mailbox_poll,
            mailbox_watch,
        )
        from aftersales.intake.channels.email.services import acknowledgements_deliver_pending

        config = mailbox_from_settings()
        if config is None:
            raise CommandError("no mailbox: set AFTERSALES_IMAP_HOST, _USER and _PASSWORD (docs/channels.md)")

        def after_read(report: PollReport) -> None:
            sent = acknowledgements_deliver_pending()
            self.stdout.write(
                f"taken in {report.taken_in}, duplicates {report.duplicates}, "
                f"quarantined {len(report.quarantined)}, acknowledgements sent {sent}"
            )

        if once:
            after_read(mailbox_poll(config=config))
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        mailbox_watch(config=config, stop=stop, poll_seconds=interval, use_idle=idle, on_report=after_read)

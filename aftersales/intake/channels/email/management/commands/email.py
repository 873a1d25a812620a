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
        poll = actions.add_parser("poll", help="Read new mail from the configured IMAP mailbox.")
        poll.add_argument("--once", action="store_true", help="poll once and stop")
        poll.add_argument("--interval", type=float, default=60.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "parse":
            try:
                raw = Path(options["file"]).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
            self.stdout.write(json.dumps(parsed_mail_summary(raw), ensure_ascii=False, indent=2))
            return
        self._poll(once=options["once"], interval=options["interval"])

    def _poll(self, *, once: bool, interval: float) -> None:
        import time

        from aftersales.intake.channels.email.imap import mailbox_from_settings, mailbox_poll
        from aftersales.intake.channels.email.services import acknowledgements_deliver_pending

        config = mailbox_from_settings()
        if config is None:
            raise CommandError("no mailbox: set AFTERSALES_IMAP_HOST, _USER and _PASSWORD (docs/channels.md)")
        while True:
            report = mailbox_poll(config=config)
            sent = acknowledgements_deliver_pending()
            self.stdout.write(
                f"taken in {report.taken_in}, duplicates {report.duplicates}, "
                f"quarantined {len(report.quarantined)}, acknowledgements sent {sent}"
            )
            if once:
                return
            time.sleep(interval)

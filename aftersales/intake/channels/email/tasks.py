from celery import shared_task

from aftersales.intake.channels.email.imap import mailbox_from_settings, mailbox_poll
from aftersales.intake.channels.email.services import (
    acknowledgement_deliver,
    acknowledgements_deliver_pending,
)


@shared_task(name="email.poll")
def poll_mailbox_task() -> int:
    """Read the configured mailbox once, then drain the outbox once (acknowledgements among the rest).

    Returns the number of mails taken in.
    """
    config = mailbox_from_settings()
    if config is None:
        return 0
    taken_in = mailbox_poll(config=config).taken_in
    acknowledgements_deliver_pending()
    return taken_in


@shared_task(name="email.deliver_acknowledgement")
def deliver_acknowledgement_task(sent_mail_id: int) -> bool:
    """Send one acknowledgement now (the outbox's drain sends them on its own; this serves old messages)."""
    return acknowledgement_deliver(sent_mail_id=sent_mail_id)

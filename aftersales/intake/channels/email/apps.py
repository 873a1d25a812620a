from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "aftersales.intake.channels.email"
    label = "email_channel"
    verbose_name = "E-mail channel"

    def ready(self) -> None:
        from aftersales.intake.channels.email import privacy
        from aftersales.intake.channels.email.services import (
            complaint_thread_headers,
            sent_mail_envelope,
            sent_mail_outcome,
        )
        from aftersales.notifications.outbox import RecipientKind, recipient_kind_register
        from aftersales.notifications.services import email_thread_register

        privacy.register()
        # The outbox sends the channel's acknowledgements ("mail:<SentMail id>") and threads
        # later mail about a complaint under the last one.
        recipient_kind_register("mail", RecipientKind(envelope=sent_mail_envelope, outcome=sent_mail_outcome))
        email_thread_register(complaint_thread_headers)

from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "aftersales.intake.channels.email"
    label = "email_channel"
    verbose_name = "E-mail channel"

    def ready(self) -> None:
        from aftersales.intake.channels.email import privacy

        privacy.register()

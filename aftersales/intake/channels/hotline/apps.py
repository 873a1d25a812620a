from django.apps import AppConfig


class HotlineChannelConfig(AppConfig):
    name = "aftersales.intake.channels.hotline"
    label = "hotline_channel"
    verbose_name = "400 hotline"

    def ready(self) -> None:
        from aftersales.intake.channels.hotline import privacy

        privacy.register()

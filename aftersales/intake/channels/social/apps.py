from django.apps import AppConfig


class SocialChannelsConfig(AppConfig):
    name = "aftersales.intake.channels.social"
    label = "social_channels"
    verbose_name = "Social channels"

    def ready(self) -> None:
        from aftersales.intake.channels.social import privacy

        privacy.register()

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    label = "notifications"

    def ready(self) -> None:
        from aftersales.notifications import privacy

        privacy.register()

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    label = "notifications"

    def ready(self) -> None:
        from aftersales.notifications import privacy
        from aftersales.notifications.channels import EmailAdapter, InAppAdapter, SmsAdapter
        from aftersales.notifications.outbox import channel_adapter_register, recipient_kind_register
        from aftersales.notifications.services import RECIPIENT_KINDS

        privacy.register()
        channel_adapter_register("email", EmailAdapter())
        channel_adapter_register("sms", SmsAdapter())
        channel_adapter_register("in_app", InAppAdapter())
        for name, kind in RECIPIENT_KINDS.items():
            recipient_kind_register(name, kind)

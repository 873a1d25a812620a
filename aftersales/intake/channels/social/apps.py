from django.apps import AppConfig


class SocialChannelsConfig(AppConfig):
    name = "aftersales.intake.channels.social"
    label = "social_channels"
    verbose_name = "Social channels"

    def ready(self) -> None:
        from aftersales.intake.channels.social import privacy
        from aftersales.intake.channels.social.outbound import SocialAdapter
        from aftersales.intake.channels.social.services import (
            delivery_envelope,
            delivery_outcome,
            social_address,
        )
        from aftersales.notifications.outbox import (
            RecipientKind,
            channel_adapter_register,
            recipient_kind_register,
        )
        from aftersales.notifications.services import social_address_register

        privacy.register()
        # Replies and later notices leave through the outbox (notifications/outbox.py).
        recipient_kind_register(
            "delivery", RecipientKind(envelope=delivery_envelope, outcome=delivery_outcome)
        )
        for channel in ("wechat", "weibo", "douyin"):
            channel_adapter_register(channel, SocialAdapter())
            social_address_register(channel, social_address)

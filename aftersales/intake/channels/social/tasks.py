import logging

from celery import shared_task

from aftersales.intake.channels.social.models import ChannelDelivery
from aftersales.intake.channels.social.services import channel_reply_send

log = logging.getLogger("aftersales.channels")


@shared_task(name="social_channels.reply_send")
def reply_send_task(delivery_id: int) -> None:
    """Send one delivery's pending reply now (the outbox row's claim makes a rerun harmless).

    The outbox's drain sends replies on its own; this serves messages queued before it.
    """
    channel_reply_send(delivery_id=delivery_id)


@shared_task(name="social_channels.media_fetch")
def media_fetch_task(delivery_id: int) -> None:
    """Fetch the media a message pointed at, through the configured MediaFetcher."""
    from aftersales.intake.channels.social.media import media_fetcher

    delivery = ChannelDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or not delivery.media_id:
        return
    content = media_fetcher().fetch(channel=delivery.channel, media_id=delivery.media_id)
    if content is not None:
        log.info("%s media %s fetched: %d bytes", delivery.channel, delivery.media_id, len(content))

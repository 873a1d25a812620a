"""Who fetches the media a platform message points at (a WeChat image's MediaId).

Fetching needs the platform's access token and the internet, so it sits behind an interface:
the default fetches nothing, the console one only says what it would fetch. A deployment sets
AFTERSALES_CHANNEL_MEDIA_FETCHER to a class with the same method.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("aftersales.channels")


class MediaFetcher(Protocol):
    def fetch(self, *, channel: str, media_id: str) -> bytes | None:
        """The media's bytes, or None when it cannot be had."""


class NullMediaFetcher:
    def fetch(self, *, channel: str, media_id: str) -> bytes | None:
        return None


class ConsoleMediaFetcher:
    def fetch(self, *, channel: str, media_id: str) -> bytes | None:
        log.warning("%s media %s would be fetched here", channel, media_id)
        return None


def media_fetcher() -> MediaFetcher:
    fetcher: MediaFetcher = import_string(settings.CHANNEL_MEDIA_FETCHER)()
    return fetcher

"""The public warranty look-up: counted per client address, then read."""

from datetime import datetime

from django.conf import settings

from aftersales.common import clock
from aftersales.common.throttle import throttle_hit
from aftersales.warranty.selectors import PublicWarranty, imei_read, warranty_status_public

LOOKUP_SCOPE = "warranty_lookup"


def warranty_lookup(*, imei: str, client_address: str, now: datetime) -> PublicWarranty:
    """The public warranty status of the device with IMEI `imei` (as typed) on `now`'s local day.

    1. The IMEI is read first: 422 `imei_invalid` on `imei`, not counted.
    2. The look-up is counted against its client address (common/throttle.py): at most
       settings.WARRANTY_LOOKUP_MAX per WARRANTY_LOOKUP_WINDOW_SECONDS, whether the device is
       known or not, so IMEIs cannot be tried in bulk; beyond, 429 `warranty_lookup_limit`
       with Retry-After.
    3. The status (warranty/selectors.py `warranty_status_public`).
    """
    number = imei_read(imei)
    throttle_hit(
        scope=LOOKUP_SCOPE,
        client_address=client_address,
        limit=settings.WARRANTY_LOOKUP_MAX,
        window_seconds=settings.WARRANTY_LOOKUP_WINDOW_SECONDS,
        now=now,
    )
    return warranty_status_public(imei=number, on=clock.localdate(now))

"""Request limits per client address, counted in the database.

Like the sign-in code limits (accounts/services.py), the count is read from rows, so every
web worker and every server enforces one limit without a shared cache: each counted request
writes a `RateLimitHit`, and a request is refused when its key already has `limit` hits
within the last `window_seconds` (a sliding window). The key's `RateLimitKey` row is locked
(`SELECT ... FOR UPDATE`; SQLite serialises write transactions anyway) while the count is
read and the hit written, so simultaneous requests cannot both take the last place.

Client addresses are kept only as a keyed hash (HMAC with the secret key, per scope); an
IPv6 client counts by its /64, the block one subscriber is usually given.
"""

import ipaddress
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.crypto import salted_hmac

from aftersales.common.errors import Throttled
from aftersales.common.models import RateLimitHit, RateLimitKey

security_log = logging.getLogger("aftersales.security")


def client_bucket(address: str) -> str:
    """The unit a client address is counted in: the IPv4 address (IPv4-mapped IPv6 included),
    the /64 of an IPv6 address, or the text itself when it is no address ("unknown")."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def client_key(*, scope: str, address: str) -> str:
    """`<scope>:<HMAC-SHA256 hex of the client's bucket>`; the salt is the scope, so hashes of
    one address under two limits cannot be joined."""
    digest = salted_hmac(f"aftersales.throttle.{scope}", client_bucket(address), algorithm="sha256")
    return f"{scope}:{digest.hexdigest()}"


def throttle_hit(*, scope: str, client_address: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one request of `client_address` under `scope`, or refuse it.

    Raises Throttled(`<scope>_limit`, retry_after=seconds until the oldest counted hit leaves
    the window) when `limit` requests were already counted within `window_seconds` before
    `now`; a refused request is not counted. Hits that have left the window are deleted.
    """
    key = client_key(scope=scope, address=client_address)
    window = timedelta(seconds=window_seconds)
    with transaction.atomic():
        RateLimitKey.objects.bulk_create([RateLimitKey(key=key)], ignore_conflicts=True)
        list(RateLimitKey.objects.select_for_update().filter(key=key))
        RateLimitHit.objects.filter(key=key, at__lte=now - window).delete()
        counted = list(
            RateLimitHit.objects.filter(key=key, at__gt=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(counted) >= limit:
            retry_after = (counted[-1] + window - now).total_seconds()
            security_log.warning(
                "%s limit reached by client %s, retry in %d s", scope, key.split(":")[1][:12], retry_after
            )
            raise Throttled(f"{scope}_limit", retry_after=retry_after)
        RateLimitHit.objects.create(key=key, at=now)

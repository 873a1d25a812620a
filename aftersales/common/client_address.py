"""The address a request came from, for limits per client.

`X-Forwarded-For` is written by whoever sends the request, so it is only believed as far as
the deployment says: `settings.TRUSTED_PROXY_COUNT` (env `AFTERSALES_TRUSTED_PROXY_COUNT`)
is the number of reverse proxies in front of the application, each of which appends the
address it received the request from. With N proxies, the client is the N-th entry from the
right; anything to its left was sent by the client and is ignored. With 0 (the default) the
header is ignored and the client is REMOTE_ADDR, the peer of the socket.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text (`203.0.113.7`, `2001:db8::1`); "unknown" if there is none.

    Falls back to REMOTE_ADDR when fewer entries than trusted proxies are forwarded (the request
    did not come through all of them) or the chosen entry is not an IP address.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "unknown"
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote

"""Which address a request is counted under: the socket's peer, or what trusted proxies forwarded."""

import pytest
from django.test import RequestFactory

from aftersales.common.client_address import client_address


def request(remote="203.0.113.66", forwarded=None):  # type: ignore[no-untyped-def]
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(forwarded="192.0.2.1")) == "203.0.113.66"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # the left entry was written by the client
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_entry_the_outermost_one_wrote_is_the_client(  # type: ignore[no-untyped-def]
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(remote="10.0.0.2", forwarded=forwarded)) == expected


@pytest.mark.parametrize(
    "forwarded", [None, "", "198.51.100.7", "not-an-address, 10.0.0.1", "unknown, 10.0.0.1"]
)
def test_a_short_or_garbled_forwarded_header_falls_back_to_the_peer(settings, forwarded):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request(remote="10.0.0.2", forwarded=forwarded)) == "10.0.0.2"


def test_a_request_without_a_peer_address_is_unknown(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(remote="")) == "unknown"

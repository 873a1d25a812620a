"""Weibo fan service pushes: signed with the app secret over a millisecond timestamp, JSON bodies.

Personas: Weibo user 2500000001 writes to our brand account 1900000001.
"""

import json
import logging
import time
import urllib.parse
from itertools import count

import pytest

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.social.models import ChannelDelivery
from aftersales.intake.channels.webhooks import sha1_sorted

pytestmark = pytest.mark.django_db
URL = "/channels/weibo/"
SECRET = "xyz123xyz"
_nonces = count(57155157)


@pytest.fixture(autouse=True)
def weibo_app(settings):  # type: ignore[no-untyped-def]
    settings.WEIBO_APP_KEY = "3000000001"
    settings.WEIBO_APP_SECRET = SECRET


def signed(*, secret: str = SECRET, timestamp: int | None = None, **extra: str) -> str:
    stamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
    nonce = str(next(_nonces))
    query = {"signature": sha1_sorted(secret, stamp, nonce), "timestamp": stamp, "nonce": nonce, **extra}
    return urllib.parse.urlencode(query)


def message(
    text: str, *, created_at: str = "Mon Dec 01 08:09:20 +0800 2026", kind: str = "text", **extra
) -> bytes:  # type: ignore[no-untyped-def]
    document = {
        "type": kind,
        "receiver_id": 1900000001,
        "sender_id": 2500000001,
        "created_at": created_at,
        "text": text,
        "data": {},
        **extra,
    }
    return json.dumps(document, ensure_ascii=False).encode()


def push(client, body: bytes, query: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(f"{URL}?{query or signed()}", body, content_type="application/json")


def test_the_url_check_echoes_echostr(client):  # type: ignore[no-untyped-def]
    response = client.get(f"{URL}?{signed(echostr='dnPdpTZz85')}")
    assert response.status_code == 200 and response.content == b"dnPdpTZz85"


def test_a_url_check_signed_with_another_secret_is_refused(client):  # type: ignore[no-untyped-def]
    response = client.get(f"{URL}?{signed(secret='not-ours', echostr='dnPdpTZz85')}")
    assert response.status_code == 403 and b"dnPdpTZz85" not in response.content


def test_a_text_message_opens_a_complaint_answered_by_a_passive_json_reply(client):  # type: ignore[no-untyped-def]
    response = push(client, message("洗衣机漏水"))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    reply = response.json()
    assert reply["result"] is True and reply["sender_id"] == 1900000001 and reply["receiver_id"] == 2500000001
    assert complaint.number in json.loads(urllib.parse.unquote(reply["data"]))["text"]
    assert complaint.contact_identity.kind == "weibo_uid"


def test_a_retry_makes_one_complaint_but_two_messages_in_one_second_make_two_contacts(client):  # type: ignore[no-untyped-def]
    body = message("洗衣机漏水")
    first, retry = push(client, body), push(client, body)
    assert first.json() == retry.json() and ChannelDelivery.objects.count() == 1
    push(client, message("地上全是水"))
    assert ChannelDelivery.objects.count() == 2
    assert Complaint.objects.get().contact_count == 2


def test_a_reply_is_cut_below_300_characters():  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.weibo.views import passive_reply

    text = json.loads(urllib.parse.unquote(passive_reply(us="1", to="2", text="字" * 500)["data"]))["text"]
    assert len(text) < 300


def test_a_millisecond_timestamp_outside_the_window_is_refused(client, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = push(client, message("洗衣机漏水"), signed(timestamp=int(time.time() * 1000) - 3_600_000))
    assert response.status_code == 403 and not Complaint.objects.exists()
    assert "window" in caplog.text


def test_the_official_example_timestamp_from_2014_is_a_replay_now(client):  # type: ignore[no-untyped-def]
    query = "signature=90e4c22c90a58f26526c2dd5b6c56c8822edeaa1&timestamp=1397022061823&nonce=57155157&echostr=dnPdpTZz85"
    assert client.get(f"{URL}?{query}").status_code == 403


def test_an_encrypt_type_parameter_is_refused(client):  # type: ignore[no-untyped-def]
    assert push(client, message("洗衣机漏水"), signed(encrypt_type="aes")).status_code == 400


def test_a_missing_signature_stores_nothing(client):  # type: ignore[no-untyped-def]
    stamp = str(int(time.time() * 1000))
    assert push(client, message("洗衣机漏水"), f"timestamp={stamp}&nonce=1").status_code == 403
    assert not ChannelDelivery.objects.exists()


def test_follow_events_are_welcomed_and_unknown_types_ignored(client):  # type: ignore[no-untyped-def]
    follow = push(client, message("", kind="event", data={"subtype": "follow"}))
    assert "绑定" in json.loads(urllib.parse.unquote(follow.json()["data"]))["text"]
    for kind in ("position", "voice", "hologram"):
        response = push(client, message("", kind=kind))
        assert response.status_code == 200 and response.content == b""
    unknown_event = push(client, message("", kind="event", data={"subtype": "brand_new"}))
    assert unknown_event.status_code == 200 and unknown_event.content == b""
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "text", ',
        b'{"type": "text", "sender_id": 1, "receiver_id": 2, "text": "a\\u0000b"}',
        b'"text"',
    ],
    ids=["truncated", "nul", "not-object"],
)
def test_malformed_bodies_are_refused(client, body):  # type: ignore[no-untyped-def]
    assert push(client, body).status_code == 400
    assert not ChannelDelivery.objects.exists()

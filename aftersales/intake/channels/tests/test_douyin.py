"""Douyin private messages: the webhook signed over its raw body, replies out through the sender.

Personas: `dy-zhou` is a customer writing to our enterprise account `dy-brand`.
"""

import hashlib
import json
import logging
from itertools import count

import pytest

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.social.models import ChannelDelivery
from aftersales.intake.channels.social.outbound import ConsoleReplySender, ReplySendFailed

pytestmark = pytest.mark.django_db
URL = "/channels/douyin/"
SECRET = "test_client_secret"
_ids = count(1)


@pytest.fixture(autouse=True)
def douyin_app(settings):  # type: ignore[no-untyped-def]
    settings.DOUYIN_CLIENT_KEY = "abc"
    settings.DOUYIN_WEBHOOK_SECRET = SECRET
    ConsoleReplySender.sent.clear()


def deliver(client, body: bytes, *, signature: str | None = None, msg_id: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_MSG_ID": msg_id or f"msg-{next(_ids)}"}
    if signature is None:
        signature = hashlib.sha1(SECRET.encode() + body).hexdigest()
    if signature:
        headers["HTTP_X_DOUYIN_SIGNATURE"] = signature
    return client.post(URL, body, content_type="application/json", **headers)


def received(text: str, *, server_message_id: str | None = None, content_as_string: bool = False) -> bytes:
    content = {
        "conversation_short_id": "conv-1",
        "server_message_id": server_message_id or f"smid-{next(_ids)}",
        "conversation_type": 1,
        "message_type": "text",
        "text": text,
        "create_time": 1733011200000,
        "user_infos": [{"open_id": "dy-zhou", "nick_name": "小周", "avatar": ""}],
    }
    document = {
        "event": "im_receive_msg",
        "from_user_id": "dy-zhou",
        "to_user_id": "dy-brand",
        "client_key": "abc",
        "content": json.dumps(content, ensure_ascii=False) if content_as_string else content,
        "log_id": "log-1",
    }
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_verify_webhook_challenge_is_answered_with_the_same_number(client):  # type: ignore[no-untyped-def]
    body = b'{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}'
    response = deliver(client, body, signature="ed6b1797456b888e29a8fcc49521ba7e1993f7bc")
    assert response.status_code == 200 and response.json() == {"challenge": 12345}


def test_a_challenge_with_a_bad_signature_is_refused_without_echo(client, caplog):  # type: ignore[no-untyped-def]
    body = b'{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}'
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = deliver(client, body, signature="0" * 40)
    assert response.status_code == 403 and b"12345" not in response.content
    assert "X-Douyin-Signature does not match" in caplog.text


def test_a_private_message_opens_a_complaint_and_the_reply_goes_out_through_the_sender(  # type: ignore[no-untyped-def]
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, received("扫地机器人不回充了", server_message_id="smid-a"))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.channel == "douyin" and complaint.contact_identity.kind == "douyin_open_id"
    [(channel, reply_to, text)] = ConsoleReplySender.sent
    assert channel == "douyin" and complaint.number in text
    assert reply_to == {
        "to_user_id": "dy-zhou",
        "open_id": "dy-brand",
        "conversation_id": "conv-1",
        "msg_id": "smid-a",
        "scene": "im_reply_msg",
    }
    assert ChannelDelivery.objects.get().reply_state == "sent"


def test_a_signature_in_upper_case_hex_is_accepted(client):  # type: ignore[no-untyped-def]
    body = received("耳机断连")
    assert (
        deliver(client, body, signature=hashlib.sha1(SECRET.encode() + body).hexdigest().upper()).status_code
        == 200
    )
    assert Complaint.objects.count() == 1


def test_content_sent_as_a_json_string_is_read(client):  # type: ignore[no-untyped-def]
    assert deliver(client, received("屏幕有亮点", content_as_string=True)).status_code == 200
    assert Complaint.objects.count() == 1


def test_retries_by_msg_id_or_server_message_id_make_one_complaint(
    client, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    body = received("充电器发烫", server_message_id="smid-r")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert deliver(client, body, msg_id="msg-same").status_code == 200
        assert deliver(client, body).status_code == 200  # new Msg-Id, same message
    assert Complaint.objects.count() == 1 and len(ConsoleReplySender.sent) == 1


def test_our_own_sent_messages_never_come_back_as_complaints(client):  # type: ignore[no-untyped-def]
    body = json.loads(received("您的投诉已受理"))
    body.update(event="im_send_msg", from_user_id="dy-brand", to_user_id="dy-zhou")
    body["content"]["source"] = "abc"
    assert deliver(client, json.dumps(body).encode()).status_code == 200
    assert not Complaint.objects.exists() and not ChannelDelivery.objects.exists()


@pytest.mark.parametrize("event", ["im_enter_direct_msg", "im_recall_msg", "something_new"])
def test_other_events_are_acknowledged_and_ignored(client, event):  # type: ignore[no-untyped-def]
    body = json.dumps(
        {"event": event, "from_user_id": "dy-zhou", "content": '{"server_message_id": "x"}'}
    ).encode()
    assert deliver(client, body).status_code == 200
    assert not ChannelDelivery.objects.exists()


def test_a_body_respaced_after_signing_is_refused(client, caplog):  # type: ignore[no-untyped-def]
    body = received("耳机断连")
    signature = hashlib.sha1(SECRET.encode() + body).hexdigest()
    respaced = json.dumps(json.loads(body), ensure_ascii=False, indent=1).encode()
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        assert deliver(client, respaced, signature=signature).status_code == 403
    assert not Complaint.objects.exists()


def test_a_missing_signature_stores_nothing(client, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        assert deliver(client, received("耳机断连"), signature="").status_code == 403
    assert not ChannelDelivery.objects.exists() and "X-Douyin-Signature missing" in caplog.text


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b'{"event": "im_receive_msg", ', 400, "malformed JSON"),
        (b"[1, 2]", 400, "not an object"),
        (
            b'{"event": "im_receive_msg", "from_user_id": "a\\u0000b", "to_user_id": "b", "content": {}}',
            400,
            "unstorable",
        ),
        (b'{"event": "im_receive_msg", "content": "{not json"}', 400, "not JSON"),
        (
            b'{"event": "im_receive_msg", "from_user_id": "a", "to_user_id": "b", "content": {}}',
            400,
            "server_message_id",
        ),
        (b"\xff\xfe\x00garbage", 400, "malformed JSON"),
        (b"[" * 100_000, 413, "cap"),
    ],
    ids=["truncated", "array", "nul", "content-not-json", "no-message-id", "not-utf8", "oversized"],
)
def test_malformed_bodies_are_refused_and_logged(client, caplog, body, status, reason):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        assert deliver(client, body).status_code == status
    assert reason in caplog.text and not ChannelDelivery.objects.exists()


def test_a_reply_is_sent_once_even_when_its_task_runs_twice(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.social.tasks import reply_send_task

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, received("音箱没有声音"))
    reply_send_task(ChannelDelivery.objects.get().pk)
    assert len(ConsoleReplySender.sent) == 1


def test_a_reply_refused_for_good_is_marked_failed_and_not_retried(  # type: ignore[no-untyped-def]
    client, django_capture_on_commit_callbacks, monkeypatch
):
    def closed(self, **_):  # type: ignore[no-untyped-def]
        raise ReplySendFailed("reply window closed", permanent=True)

    monkeypatch.setattr(ConsoleReplySender, "send", closed)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, received("音箱没有声音")).status_code == 200
    delivery = ChannelDelivery.objects.get()
    assert (delivery.reply_state, delivery.reply_attempts, delivery.reply_error) == (
        "failed",
        1,
        "reply window closed",
    )
    assert Complaint.objects.count() == 1

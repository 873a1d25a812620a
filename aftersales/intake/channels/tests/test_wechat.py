"""The WeChat official account end to end: wechatpy plays WeChat against our callback URL.

Personas: a customer who follows the account writes from openid `o-li`; `o-wang` is
another follower; carol (conftest) already has a phone on file.
"""

import logging
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from wechatpy import parse_message

from aftersales.accounts.models import CustomerIdentity
from aftersales.complaints.models import Complaint, Message
from aftersales.intake.channels.social.models import ChannelDelivery
from aftersales.intake.channels.tests.wechat_client import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    TOKEN,
    URL,
    WeChatServer,
    text_xml,
    xml_message,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wechat_account(settings):  # type: ignore[no-untyped-def]
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_ENCODING_AES_KEY = AES_KEY
    settings.WECHAT_MESSAGE_MODE = "compatible"


@pytest.fixture
def wechat():  # type: ignore[no-untyped-def]
    return WeChatServer()


def reply_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    message = parse_message(response.content)
    assert message.source == ACCOUNT
    return message.content


# --- server verification -------------------------------------------------------------


def test_the_server_url_check_echoes_echostr(wechat):  # type: ignore[no-untyped-def]
    response = wechat.client.get(URL, wechat.query(echostr="5837397520221312"))
    assert response.status_code == 200 and response.content == b"5837397520221312"


def test_a_forged_url_check_is_refused_without_echo(wechat, caplog):  # type: ignore[no-untyped-def]
    query = wechat.query(echostr="5837397520221312")
    query["signature"] = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = wechat.client.get(URL, query)
    assert response.status_code == 403 and b"5837397520221312" not in response.content
    assert "signature does not match" in caplog.text


def test_without_a_configured_account_the_url_is_not_there(wechat, settings):  # type: ignore[no-untyped-def]
    settings.WECHAT_TOKEN = ""
    assert wechat.client.get(URL, wechat.query(echostr="1")).status_code == 404


# --- messages into complaints --------------------------------------------------------


def test_a_text_message_opens_a_complaint_and_the_passive_reply_gives_its_number(wechat):  # type: ignore[no-untyped-def]
    response = wechat.post(text_xml("o-li", "手机充电时发烫，充不进电"))
    complaint = Complaint.objects.get()
    assert complaint.channel == "wechat"
    assert complaint.number in reply_of(response)
    assert parse_message(response.content).target == "o-li"
    identity = complaint.contact_identity
    assert (identity.kind, identity.value) == ("wechat_openid", "o-li") and identity.verified_at is not None


def test_three_retries_of_one_message_make_one_complaint_and_get_the_same_reply(wechat):  # type: ignore[no-untyped-def]
    body = text_xml("o-li", "屏幕闪烁", msg_id=1234567890123456789)
    replies = [reply_of(wechat.post(body)) for _ in range(3)]
    assert Complaint.objects.count() == 1 and ChannelDelivery.objects.count() == 1
    assert replies[0] == replies[1] == replies[2]
    assert Complaint.objects.get().number in replies[0]


def test_a_follow_up_from_the_same_openid_joins_the_open_complaint(wechat):  # type: ignore[no-untyped-def]
    first = reply_of(wechat.post(text_xml("o-li", "耳机左耳没有声音")))
    second = reply_of(wechat.post(text_xml("o-li", "换了手机也一样")))
    complaint = Complaint.objects.get()
    assert complaint.number in first and complaint.number in second
    assert list(Message.objects.filter(complaint=complaint).values_list("body", flat=True)) == [
        "耳机左耳没有声音",
        "换了手机也一样",
    ]
    reply_of(wechat.post(text_xml("o-wang", "耳机左耳没有声音")))
    assert Complaint.objects.count() == 2


def test_a_voice_message_becomes_a_complaint_from_its_recognised_text(wechat):  # type: ignore[no-untyped-def]
    fields = "<MediaId><![CDATA[media-v1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[手机摔了以后开不了机]]></Recognition>"
    reply = reply_of(wechat.post(xml_message("o-li", "voice", fields)))
    complaint = Complaint.objects.get()
    assert complaint.number in reply
    assert Message.objects.get(complaint=complaint).body == "手机摔了以后开不了机"


def test_an_image_asks_for_words_and_is_handed_to_the_media_fetcher_not_the_internet(  # type: ignore[no-untyped-def]
    wechat, monkeypatch, django_capture_on_commit_callbacks
):
    fetched = []
    from aftersales.intake.channels.social import media

    monkeypatch.setattr(media.NullMediaFetcher, "fetch", lambda self, **kw: fetched.append(kw))
    fields = "<PicUrl><![CDATA[http://mmbiz.example/pic]]></PicUrl><MediaId><![CDATA[media-p1]]></MediaId>"
    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_of(wechat.post(xml_message("o-li", "image", fields)))
    assert "描述" in reply and not Complaint.objects.exists()
    assert fetched == [{"channel": "wechat", "media_id": "media-p1"}]
    # With a complaint open, a picture is added to it.
    reply_of(wechat.post(text_xml("o-li", "后盖裂了")))
    reply_of(wechat.post(xml_message("o-li", "image", fields.replace("p1", "p2"))))
    assert Message.objects.filter(body="[image] media-p2").count() == 1


def test_a_follow_event_is_welcomed_and_opens_nothing(wechat):  # type: ignore[no-untyped-def]
    fields = "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_42]]></EventKey>"
    assert "绑定" in reply_of(wechat.post(xml_message("o-li", "event", fields)))
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("msg_type", "fields"),
    [
        ("event", "<Event><![CDATA[unsubscribe]]></Event>"),
        ("event", "<Event><![CDATA[some_future_event]]></Event>"),
        ("location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>"),
        ("hologram", "<Content><![CDATA[?]]></Content>"),
    ],
)
def test_events_and_unknown_types_are_answered_success_and_open_nothing(wechat, msg_type, fields):  # type: ignore[no-untyped-def]
    response = wechat.post(xml_message("o-li", msg_type, fields))
    assert response.status_code == 200 and response.content == b"success"
    assert not Complaint.objects.exists()


def test_a_text_intake_refuses_is_answered_with_the_reason_not_retried(wechat):  # type: ignore[no-untyped-def]
    reply = reply_of(wechat.post(text_xml("o-li", "长" * 6000)))
    assert "未能受理" in reply and not Complaint.objects.exists()


# --- binding a phone ---------------------------------------------------------------------


def test_binding_a_phone_with_its_code_links_the_openid_to_that_customer(wechat, carol, monkeypatch):  # type: ignore[no-untyped-def]
    from aftersales.notifications import sms

    texts: list[str] = []
    monkeypatch.setattr(sms, "console_gateway", lambda phone, text: texts.append(text))
    reply_of(wechat.post(text_xml("o-li", "屏幕碎了")))
    assert "验证码" in reply_of(wechat.post(text_xml("o-li", f"绑定 {carol.phone}")))
    assert "未成功" in reply_of(
        wechat.post(text_xml("o-li", "000000" if "000000" not in texts[-1] else "111111"))
    )
    code = texts[-1].split()[-1]
    assert "成功" in reply_of(wechat.post(text_xml("o-li", code)))
    identity = CustomerIdentity.objects.get(kind="wechat_openid", value="o-li")
    assert identity.customer == carol
    # A later complaint from this openid is carol's.
    Complaint.objects.update(state="closed", is_open=False)
    reply_of(wechat.post(text_xml("o-li", "电池鼓包")))
    assert Complaint.objects.order_by("-pk").first().customer == carol


# --- safe and compatible modes -------------------------------------------------------


def test_a_safe_mode_message_from_wechatpy_is_decrypted_and_the_reply_encrypted(wechat, settings):  # type: ignore[no-untyped-def]
    settings.WECHAT_MESSAGE_MODE = "safe"
    response = wechat.post_encrypted(text_xml("o-li", "蓝牙连不上"))
    assert response.status_code == 200
    reply = parse_message(wechat.decrypt_reply(response))
    assert Complaint.objects.get().number in reply.content and reply.target == "o-li"


def test_safe_mode_refuses_a_plaintext_message(wechat, settings, caplog):  # type: ignore[no-untyped-def]
    settings.WECHAT_MESSAGE_MODE = "safe"
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        assert wechat.post(text_xml("o-li", "蓝牙连不上")).status_code == 403
    assert not Complaint.objects.exists() and "safe mode" in caplog.text


def test_a_tampered_encrypted_message_fails_its_msg_signature(wechat, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        assert wechat.post_encrypted(text_xml("o-li", "蓝牙连不上"), tamper=True).status_code == 403
    assert not Complaint.objects.exists() and "msg_signature does not match" in caplog.text


def test_a_message_encrypted_for_another_app_id_is_refused(wechat):  # type: ignore[no-untyped-def]
    assert (
        wechat.post_encrypted(text_xml("o-li", "蓝牙连不上"), app_id="wx0000000000000000").status_code == 403
    )
    assert not Complaint.objects.exists()


# --- hostile input ---------------------------------------------------------------------


def test_a_message_without_or_with_a_wrong_signature_stores_nothing(wechat, caplog):  # type: ignore[no-untyped-def]
    query = wechat.query()
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        missing = wechat.post(
            text_xml("o-li", "屏幕碎了"), {k: v for k, v in query.items() if k != "signature"}
        )
        forged = wechat.post(text_xml("o-li", "屏幕碎了"), {**query, "signature": "0" * 40})
    assert missing.status_code == forged.status_code == 403
    assert not ChannelDelivery.objects.exists() and not Complaint.objects.exists()
    assert "signature missing" in caplog.text and "signature does not match" in caplog.text


def test_a_delivery_replayed_outside_the_time_window_is_refused(wechat, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = wechat.post(text_xml("o-li", "屏幕碎了"), wechat.query(timestamp=int(time.time()) - 3600))
    assert response.status_code == 403 and not Complaint.objects.exists()
    assert "outside the 300 s window" in caplog.text


def test_a_signed_query_replayed_with_another_message_is_refused(wechat, caplog):  # type: ignore[no-untyped-def]
    query = wechat.query()
    reply_of(wechat.post(text_xml("o-li", "屏幕碎了"), query))
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        replayed = wechat.post(text_xml("o-evil", "我是别人"), query)
    assert replayed.status_code == 403 and Complaint.objects.count() == 1
    assert "reused for another message" in caplog.text


def test_an_oversized_body_is_refused_before_it_is_read(wechat, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = wechat.post(text_xml("o-li", "字" * 40_000))
    assert response.status_code == 413 and not ChannelDelivery.objects.exists()
    assert "cap" in caplog.text


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-li</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&d;</Content><MsgId>1</MsgId></xml>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-li</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BOMB, "DTDForbidden"),
        (EXTERNAL, "DTDForbidden"),
        ("<xml><ToUserName>gh_1</ToUserName><FromUser", "malformed XML"),
        ("", "malformed XML"),
        ('{"MsgType": "text"}', "malformed XML"),
        ("<html><body>hi</body></html>", "not <xml>"),
        (
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-li</FromUserName><MsgType>text</MsgType>"
            "<Content>a\x00b</Content><MsgId>3</MsgId></xml>",
            "malformed XML",
        ),
        (
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-li</FromUserName><MsgType>text</MsgType>"
            "<Content>a&#0;b</Content><MsgId>4</MsgId></xml>",
            "malformed XML",
        ),
        (
            "<xml><ToUserName>gh_1</ToUserName><MsgType>text</MsgType><Content>a</Content></xml>",
            "without FromUserName",
        ),
        (
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>"
            + "o" * 200
            + "</FromUserName><MsgType>text</MsgType><Content>a</Content><MsgId>5</MsgId></xml>",
            "longer than 128",
        ),
    ],
    ids=[
        "entity-bomb",
        "external-entity",
        "truncated",
        "empty",
        "json",
        "not-xml-root",
        "nul",
        "nul-reference",
        "no-sender",
        "sender-too-long",
    ],
)
def test_malformed_or_hostile_xml_is_refused_with_400_and_logged(wechat, caplog, body, reason):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = wechat.post(body.encode())
    assert response.status_code == 400 and b"aaaa" not in response.content
    assert reason in caplog.text
    assert not ChannelDelivery.objects.exists()


def test_an_encrypted_message_with_broken_base64_is_refused_not_crashed(wechat):  # type: ignore[no-untyped-def]
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>!!!not base64!!!</Encrypt></xml>"
    from aftersales.intake.channels.tests.wechat_client import sign

    query = wechat.query(encrypt_type="aes")
    query["msg_signature"] = sign(TOKEN, query["timestamp"], query["nonce"], "!!!not base64!!!")
    assert wechat.post(body, query).status_code == 400


def test_a_failure_inside_answers_503_so_that_wechat_retries_and_nothing_is_lost(wechat, monkeypatch):  # type: ignore[no-untyped-def]
    from aftersales.intake.channels.wechat import views

    def broken(**_):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "channel_message_receive", broken)
    body = text_xml("o-li", "屏幕碎了", msg_id=99)
    assert wechat.post(body).status_code == 503
    assert not ChannelDelivery.objects.exists()
    monkeypatch.undo()
    reply = reply_of(wechat.post(body))
    assert Complaint.objects.get().number in reply


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME"),
    reason="in-memory SQLite shares one connection between threads; set AFTERSALES_TEST_SQLITE",
)
def test_retries_arriving_at_the_same_moment_make_one_complaint_and_one_answer():  # type: ignore[no-untyped-def]
    body = text_xml("o-li", "屏幕闪烁", msg_id=777)
    barrier = threading.Barrier(3)
    replies: list = [None] * 3

    def send(index: int) -> None:
        server = WeChatServer(client=Client())
        barrier.wait()
        try:
            replies[index] = reply_of(server.post(body))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            replies[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Complaint.objects.count() == 1
    assert replies[0] == replies[1] == replies[2] and Complaint.objects.get().number in replies[0]

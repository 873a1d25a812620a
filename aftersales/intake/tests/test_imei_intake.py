"""The IMEI a complaint registers, read the same way from the IMEI field and from the complaint's text."""

import json

import pytest

from aftersales.complaints.models import Complaint
from aftersales.devices.models import Device

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
IMEI = "352099000007779"


def post(client, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def a_complaint(**overrides):  # type: ignore[no-untyped-def]
    return {"text": "屏幕触控失灵,打字点不到", "phone": "13800138000", "channel": "app", **overrides}


@pytest.mark.parametrize(
    "text",
    [
        "联系电话 13800138000 2025年3月买的手机,屏幕坏了",
        "订单号202611011234564,物流太慢",
        "聯繫電話 13800138000 2025年3月買的手機，螢幕壞了",
        "訂單號：２０２６１１０１１２３４５６４，物流太慢",
        "My order no. 202611011234564 arrived with a cracked screen",
    ],
)
def test_a_phone_number_a_year_or_an_order_number_in_the_text_registers_no_device(client, text):  # type: ignore[no-untyped-def]
    response = post(client, a_complaint(text=text))
    assert response.status_code == 201
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.device is None
    assert Device.objects.count() == 0


@pytest.mark.parametrize(
    "field",
    [
        "35209900/000777/9",
        "IMEI:352099000007779",
        "IMEI1：３５２０９９０００００７７７９",
        "35-209900-000777-9",
        "35 209900 000777 9",
        "352099/00/000777/9",
        "串號 352099000007779",
    ],
)
def test_the_imei_field_accepts_the_ways_an_imei_is_printed(client, field):  # type: ignore[no-untyped-def]
    response = post(client, a_complaint(imei=field))
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.device is not None and complaint.device.imei == IMEI


@pytest.mark.parametrize(
    "field",
    [
        "138001380002025",  # 15 digits with a passing check digit, but a phone number and a year
        "13800138000 2025",
        "3520990000077701",  # an IMEISV: no check digit to catch a typo
        "35209900000777",  # 14 digits: no check digit either
        "IMEI1: 352099000007779 IMEI2: 352099000007787",
        "SN: 352099000007779",
    ],
)
def test_the_imei_field_refuses_what_is_not_exactly_one_imei(client, field):  # type: ignore[no-untyped-def]
    response = post(client, a_complaint(imei=field), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["field_codes"]["imei"] == "imei_invalid"
    assert Complaint.objects.count() == 0 and Device.objects.count() == 0


def test_the_field_and_the_text_read_the_same_imei_for_the_same_device(client):  # type: ignore[no-untyped-def]
    by_field = post(client, a_complaint(imei="35209900/000777/9")).json()
    by_text = post(client, a_complaint(text="IMEI:35209900/000777/9 还是充不进电", channel="wechat"))
    assert by_text.status_code == 200
    assert by_text.json()["linked_to_existing"] is True
    complaint = Complaint.objects.get()
    assert complaint.number == by_field["number"] and complaint.messages.count() == 2
    assert Device.objects.get().imei == IMEI


def test_a_labelled_imei_in_the_text_wins_over_other_numbers(client):  # type: ignore[no-untyped-def]
    text = "联系电话 13800138000,订单号202611011234564,IMEI1：35 209900 000777 9 IMEI2：352099000007787"
    response = post(client, a_complaint(text=text))
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert complaint.device is not None and complaint.device.imei == IMEI


def test_the_web_form_accepts_an_imei_written_with_its_label(client):  # type: ignore[no-untyped-def]
    client.post(
        "/",
        {
            "text": "手机充电很慢",
            "phone": "13800138000",
            "imei": "IMEI:35209900/000777/9",
            "language": "zh-hans",
        },
    )
    assert Complaint.objects.get().device.imei == IMEI

"""What real clients send that used to crash the API: each is a 422 naming the field, and nothing is written."""

import json

import pytest

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import new_imei
from aftersales.complaints.tests.test_api import bearer, customer_token
from aftersales.devices.models import Device
from aftersales.intake.submission import FIELD_LIMITS

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"


def post_raw(client, raw: str):  # type: ignore[no-untyped-def]
    return client.post(URL, raw.encode(), content_type="application/json")


def nothing_written() -> bool:
    return not (Complaint.objects.exists() or Customer.objects.exists() or Device.objects.exists())


def test_half_an_emoji_is_refused_naming_the_field(client):  # type: ignore[no-untyped-def]
    response = post_raw(client, '{"text": "屏幕坏了\\ud83d", "phone": "13800138000"}')
    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    assert response.json()["field_codes"] == {"text": "text_broken_character"}
    assert nothing_written()


def test_a_whole_emoji_written_as_a_surrogate_pair_is_fine(client):  # type: ignore[no-untyped-def]
    response = post_raw(client, '{"text": "屏幕坏了\\ud83d\\ude21", "phone": "13800138000"}')
    assert response.status_code == 201
    assert Complaint.objects.get().messages.get().body == "屏幕坏了😡"


@pytest.mark.parametrize("field", ["name", "text", "city", "device_model", "purchase_channel", "email"])
def test_a_nul_character_in_any_text_field_is_refused_on_every_database(client, field):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕坏了", "phone": "13800138000", field: "张\u0000三"}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field_codes"][field] == "text_nul"
    assert nothing_written()


def test_a_nul_in_a_nested_value_or_a_key_is_named_by_its_path(client):  # type: ignore[no-untyped-def]
    response = post_raw(client, '{"text": "x", "phone": "13800138000", "extra": [{"a": "\\u0000"}]}')
    assert response.status_code == 422 and "extra.0.a" in response.json()["fields"]


@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999999", "-1", "abc", "1e3"])
def test_an_offset_out_of_range_is_a_422_for_staff_and_customers(client, alice, offset):  # type: ignore[no-untyped-def]
    for headers in (bearer(alice), customer_token(client, "+8613800138000")):
        response = client.get(f"{URL}?offset={offset}", **headers)
        assert response.status_code == 422, response.content
        assert "offset" in response.json()["fields"]


def test_a_limit_above_a_hundred_is_refused_with_the_bound(client, alice):  # type: ignore[no-untyped-def]
    response = client.get(f"{URL}?limit=1000", HTTP_ACCEPT_LANGUAGE="en", **bearer(alice))
    assert response.status_code == 422 and response.json()["fields"]["limit"] == "At most 100."


@pytest.mark.parametrize("path", ["/api/v1/complaints/OP%00", "/api/v1/complaints?team=%00", "/track/%00/"])
def test_a_nul_in_the_address_is_a_422_not_a_crash(client, alice, path):  # type: ignore[no-untyped-def]
    assert client.get(path, **bearer(alice)).status_code == 422


def _value_of_length(field: str, length: int) -> str:
    if field == "email":
        domain = "@example.com"
        return "a" * (length - len(domain)) + domain
    return "屏" * length


@pytest.mark.parametrize("field", sorted(set(FIELD_LIMITS) - {"phone", "imei"}))
def test_every_field_is_taken_at_its_limit_and_refused_one_over(client, field):  # type: ignore[no-untyped-def]
    limit = FIELD_LIMITS[field]
    body = {"text": "屏幕坏了", "phone": "13800138000", "imei": new_imei()}
    at_limit = client.post(
        URL, json.dumps({**body, field: _value_of_length(field, limit)}), content_type="application/json"
    )
    assert at_limit.status_code == 201, at_limit.content
    over = client.post(
        URL,
        json.dumps({**body, "imei": new_imei(), field: _value_of_length(field, limit + 1)}),
        content_type="application/json",
    )
    assert over.status_code == 422 and over.json()["field_codes"][field] == "text_too_long"
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("field", ["phone", "imei"])
def test_a_phone_or_imei_longer_than_anyone_types_is_refused_before_parsing(client, field):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕坏了", "phone": "13800138000", field: "1" * (FIELD_LIMITS[field] + 1)}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field_codes"][field] == "text_too_long"


def test_an_e_mail_address_of_312_characters_is_refused_not_stored(client):  # type: ignore[no-untyped-def]
    address = "a" * 300 + "@example.com"
    body = {"text": "屏幕坏了", "phone": "13800138000", "email": address}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field_codes"]["email"] == "text_too_long"
    assert not CustomerIdentity.objects.exists()


def test_the_web_form_stops_at_the_same_limits(client):  # type: ignore[no-untyped-def]
    page = client.get("/").content.decode()
    for field, limit in FIELD_LIMITS.items():
        if f'name="{field}"' in page:
            assert f'maxlength="{limit}"' in page.split(f'name="{field}"')[1].split(">")[0] or (
                f'maxlength="{limit}"' in page.split(f'name="{field}"')[0].rsplit("<", 1)[1]
            )


@pytest.mark.parametrize("token", ["é", "中文", "😀"])
def test_a_non_ascii_tracking_token_is_simply_wrong(client, token):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕坏了", "phone": "13800138000"}
    number = client.post(URL, json.dumps(body), content_type="application/json").json()["number"]
    assert client.get(f"{URL}/{number}", {"token": token}).status_code == 404
    assert client.get(f"/track/{number}/", {"token": token}).status_code == 404


def test_an_address_that_lengthens_in_lower_case_is_measured_as_stored(client):  # type: ignore[no-untyped-def]
    address = "a" * 200 + "@" + "İ" * 31 + ".com"
    body = {"text": "屏幕坏了", "phone": "13800138000", "email": address}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field_codes"]["email"] == "text_too_long"


def test_an_address_whose_domain_cannot_be_written_in_dns_is_refused(client):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕坏了", "phone": "13800138000", "email": "kim@" + "İ" * 31 + ".com"}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field_codes"]["email"] == "email_invalid"


def test_the_web_form_sent_again_after_an_edit_asks_to_check_and_send_again(client):  # type: ignore[no-untyped-def]
    form = {"text": "充电很慢", "phone": "13800138000", "language": "zh-hans", "submission_key": "k-1"}
    assert client.post("/", form).status_code == 302
    again = client.post("/", {**form, "text": "充电很慢,还发烫"})
    assert again.status_code == 200 and "已用不同内容提交过" in again.content.decode()
    assert Complaint.objects.count() == 1


def test_the_sign_in_code_never_leaves_in_the_answer(client, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    answer = client.post(
        "/api/v1/auth/otp", json.dumps({"phone": "13511112222"}), content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["debug_code"] is None

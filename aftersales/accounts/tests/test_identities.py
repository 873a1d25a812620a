"""A customer's phones and e-mail addresses: kept when claimed, trusted when verified.

- li: files with phone A and li@example.com, then with phone B and the same address
- mallory: types li's address with her own phone
"""

import json

import pytest

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import new_imei
from aftersales.complaints.tests.test_api import customer_token

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
PHONE_A, PHONE_B = "13800138000", "13900139000"


def file(client, **body):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕失灵", "imei": new_imei(), **body}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["number"]


def listed(client, phone):  # type: ignore[no-untyped-def]
    return [row["number"] for row in client.get(URL, **customer_token(client, "+86" + phone)).json()]


def test_a_second_phone_with_the_same_address_is_kept_and_signing_in_with_it_shows_its_complaint(client):  # type: ignore[no-untyped-def]
    first = file(client, phone=PHONE_A, email="li@example.com")
    second = file(client, phone=PHONE_B, email="li@example.com")
    assert CustomerIdentity.objects.filter(kind="phone", value="+86" + PHONE_B).exists()
    assert listed(client, PHONE_B) == [second]
    assert listed(client, PHONE_A) == [first]


def test_an_address_typed_by_a_stranger_opens_nothing_of_the_owner(client):  # type: ignore[no-untyped-def]
    owners = file(client, phone=PHONE_A, email="li@example.com")
    strangers = file(client, phone=PHONE_B, email="li@example.com", text="电池鼓包")
    assert owners not in listed(client, PHONE_B) and strangers not in listed(client, PHONE_A)


def test_an_e_mail_only_complaint_stays_out_of_a_phone_session_until_its_address_is_verified(client):  # type: ignore[no-untyped-def]
    file(client, phone=PHONE_A, email="li@example.com")
    by_mail = file(client, email="LI@example.com", text="充电慢")
    complaint = Complaint.objects.get(number=by_mail)
    # One customer, one history for staff; the e-mail complaint is filed under the address.
    assert complaint.customer == Customer.objects.get(phone="+86" + PHONE_A)
    assert complaint.contact_identity.kind == "email" and complaint.contact_identity.value == "li@example.com"
    assert by_mail not in listed(client, PHONE_A)


def test_signing_in_verifies_the_phone_and_only_that_phone(client):  # type: ignore[no-untyped-def]
    file(client, phone=PHONE_A, email="li@example.com")
    customer_token(client, "+86" + PHONE_A)
    identities = {i.kind: i for i in CustomerIdentity.objects.all()}
    assert identities["phone"].verified_at is not None and identities["phone"].is_mobile
    assert identities["email"].verified_at is None


def test_a_landline_is_kept_as_a_contact_but_is_no_mobile(client):  # type: ignore[no-untyped-def]
    file(client, phone="021-52066273")
    identity = CustomerIdentity.objects.get()
    assert identity.value == "+862152066273" and identity.is_mobile is False


def test_an_anonymous_form_never_changes_the_customers_preferred_contacts(client):  # type: ignore[no-untyped-def]
    file(client, phone=PHONE_A)
    file(client, phone=PHONE_A, email="someone-else@example.com")
    customer = Customer.objects.get()
    assert customer.email is None
    assert CustomerIdentity.objects.filter(kind="email", value="someone-else@example.com").exists()

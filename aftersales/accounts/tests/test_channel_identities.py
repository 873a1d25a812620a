"""Social platform user ids as customer identities: proven by the platform, never by a form."""

import json

import pytest

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.accounts.services import customer_identify
from aftersales.common.errors import ValidationFailed
from aftersales.intake.submission import Submission, validate_submission
from aftersales.policy.pack import current_pack

pytestmark = pytest.mark.django_db


def identify(openid: str):  # type: ignore[no-untyped-def]
    return customer_identify(
        phone=None, email=None, name="", language="zh-hans", channel_identity=("wechat_openid", openid)
    )


def test_a_first_message_from_an_openid_makes_a_customer_filed_under_that_verified_id():  # type: ignore[no-untyped-def]
    first = identify("o-li")
    assert first.created and first.contact.kind == "wechat_openid" and first.contact.verified_at is not None
    again = identify("o-li")
    assert not again.created and again.customer == first.customer and again.contact == first.contact
    assert Customer.objects.count() == 1


def test_one_platform_id_cannot_belong_to_two_customers():  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    from aftersales.common import clock

    owner = identify("o-li").customer
    other = Customer.objects.create(created_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerIdentity.objects.create(
            customer=other, kind="wechat_openid", value="o-li", created_at=clock.now()
        )
    assert CustomerIdentity.objects.get(kind="wechat_openid").customer == owner


def test_the_public_api_cannot_claim_to_be_a_platform_user(client):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕碎了", "channel": "wechat", "sender_id": "o-li"}
    response = client.post("/api/v1/complaints", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "phone" in response.json()["fields"]
    assert not CustomerIdentity.objects.filter(kind="wechat_openid").exists()


def test_a_sender_id_on_a_channel_without_platform_ids_is_refused():  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        validate_submission(Submission(channel="web", text="屏幕碎了", sender_id="o-li"), current_pack())
    assert "sender_id" in refused.value.fields

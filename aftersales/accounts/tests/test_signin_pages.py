import re

import pytest

from aftersales.accounts.models import OneTimeCode
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db


def test_a_customer_signs_in_with_a_code_and_sees_only_their_complaints(client, carol, dave, caplog):  # type: ignore[no-untyped-def]
    own = submit_complaint(phone=carol.phone)
    other = submit_complaint(phone=dave.phone)
    assert client.get("/my/").url == "/signin/"
    asked = client.post("/signin/", {"phone": "138 0013 8000"})
    assert "code" in asked.content.decode() and OneTimeCode.objects.filter(phone=carol.phone).exists()
    code = re.search(r"code: (\d{6})", caplog.text).group(1)  # what the SMS gateway was given
    wrong = client.post(
        "/signin/", {"phone": "13800138000", "code": "000000" if code != "000000" else "111111"}
    )
    assert "验证码错误或已过期" in wrong.content.decode()
    signed_in = client.post("/signin/", {"phone": "13800138000", "code": code}, follow=True)
    page = signed_in.content.decode()
    assert own.number in page and other.number not in page
    tracking = re.search(rf'href="(/track/{own.number}/\?token=[^"]+)"', page).group(1)
    assert client.get(tracking).status_code == 200


def test_a_bad_phone_is_explained(client):  # type: ignore[no-untyped-def]
    answer = client.post("/signin/", {"phone": "123"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Not a valid mobile phone number." in answer.content.decode()

"""Signing in by phone on the page: the number shown back masked, the resend wait, signing out.

- carol: signs in on her phone with the code texted to 138 0013 8000, typed in full-width digits
"""

import re

import pytest

from aftersales.accounts.models import OneTimeCode
from aftersales.accounts.phones import phone_masked_for_display

pytestmark = pytest.mark.django_db


def test_the_page_says_where_the_code_went_with_the_middle_digits_hidden(client, carol):  # type: ignore[no-untyped-def]
    sent = client.post("/signin/", {"phone": "１３８ ００１３ ８０００"})
    page = sent.content.decode()
    assert sent.status_code == 200
    assert "验证码已发送至 138****8000。" in page and "13800138000" not in page.replace(
        'value="１３８ ００１３ ８０００"', ""
    )
    assert 'autocomplete="one-time-code"' in page and 'data-wait="60"' in page
    assert OneTimeCode.objects.filter(phone=carol.phone).count() == 1


def test_a_resend_too_soon_is_refused_with_the_wait_and_the_code_field_stays(client, carol):  # type: ignore[no-untyped-def]
    client.post("/signin/", {"phone": "13800138000"})
    again = client.post("/signin/?lang=en", {"phone": "13800138000", "resend": "1", "code": ""})
    page = again.content.decode()
    assert again.status_code == 429 and int(again["Retry-After"]) <= 60
    assert "A code was just sent to this number" in page and "A code was sent to 138****8000." in page
    wait = int(re.search(r'data-wait="(\d+)"', page).group(1))
    assert 0 < wait <= 60
    assert OneTimeCode.objects.filter(phone=carol.phone).count() == 1


def test_signing_in_and_out(client, carol, caplog):  # type: ignore[no-untyped-def]
    client.post("/signin/", {"phone": "13800138000"})
    code = re.search(r"code: (\d{6})", caplog.text).group(1)
    mine = client.post("/signin/", {"phone": "13800138000", "code": code}, follow=True)
    assert "我的投诉" in mine.content.decode() and 'id="signout"' in mine.content.decode()
    out = client.post("/signout/")
    assert out.status_code == 302 and out.url == "/signin/"
    assert client.get("/my/").url == "/signin/"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [("+8613800138000", "138****8000"), ("+447700900123", "+44 ****0123"), ("+85291234567", "+852 ****4567")],
)
def test_numbers_are_masked_for_display(e164, shown):  # type: ignore[no-untyped-def]
    assert phone_masked_for_display(e164) == shown

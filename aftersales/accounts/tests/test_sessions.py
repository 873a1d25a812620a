"""Customer sessions: a new session key on sign-in, sign-out that ends the token, codes as people type them.

- carol: a customer who signs in with her mobile and the SMS code
- mallory: plants a session cookie in carol's browser before she signs in (session fixation)
"""

import json
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db
CAROLS = "13800138000"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def post_json(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def sms_code(caplog) -> str:  # type: ignore[no-untyped-def]
    return re.findall(r"code: (\d{6})", caplog.text)[-1]  # what the SMS gateway was last given


def api_sign_in(client, caplog, code_as=lambda code: code) -> str:  # type: ignore[no-untyped-def]
    assert post_json(client, "/api/v1/auth/otp", {"phone": CAROLS}).status_code == 200
    answer = post_json(
        client, "/api/v1/auth/otp/verify", {"phone": CAROLS, "code": code_as(sms_code(caplog))}
    )
    assert answer.status_code == 200, answer.json()
    return answer.json()["token"]


def test_signing_in_gives_the_browser_a_new_session_key(client, carol, caplog):  # type: ignore[no-untyped-def]
    planted = SessionStore()
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    client.post("/signin/", {"phone": CAROLS})
    signed_in = client.post("/signin/", {"phone": CAROLS, "code": sms_code(caplog)})
    assert signed_in.status_code == 302 and signed_in.url == "/my/"
    now_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert now_key != planted.session_key
    # The planted key opens nothing: mallory's browser is not signed in as carol.
    assert CUSTOMER_SESSION_KEY not in SessionStore(session_key=planted.session_key).load()
    assert client.get("/my/").status_code == 200


def test_signing_out_through_the_api_ends_the_token(client, carol, caplog):  # type: ignore[no-untyped-def]
    submit_complaint(phone=carol.phone)
    token = api_sign_in(client, caplog)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert len(client.get("/api/v1/complaints", **headers).json()) == 1
    assert client.post("/api/v1/auth/signout", **headers).status_code == 204
    refused = client.get("/api/v1/complaints", **headers)
    assert refused.status_code == 401 and refused.json()["error"] == "unauthenticated"
    assert client.post("/api/v1/auth/signout", **headers).status_code == 204  # twice is harmless
    assert client.post("/api/v1/auth/signout").status_code == 401


def test_signing_out_of_one_session_leaves_the_others(client, carol, caplog, settings):  # type: ignore[no-untyped-def]
    settings.OTP_RESEND_SECONDS = 0
    phone_app, laptop = api_sign_in(client, caplog), api_sign_in(client, caplog)
    client.post("/api/v1/auth/signout", HTTP_AUTHORIZATION=f"Bearer {phone_app}")
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {laptop}").status_code == 200


def test_the_sign_out_button_ends_the_browser_session(client, carol, caplog):  # type: ignore[no-untyped-def]
    client.post("/signin/", {"phone": CAROLS})
    client.post("/signin/", {"phone": CAROLS, "code": sms_code(caplog)})
    my_page = client.get("/my/").content.decode()
    assert 'action="/signout/"' in my_page
    token = client.session[CUSTOMER_SESSION_KEY]
    assert 'action="/signout/"' in client.get("/signin/").content.decode()
    assert client.get("/signout/").status_code == 405  # a link cannot sign anyone out
    signed_out = client.post("/signout/")
    assert signed_out.status_code == 302 and signed_out.url == "/signin/"
    assert client.get("/my/").url == "/signin/"
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.translate(FULL_WIDTH),  # a Chinese input method's full-width digits
        lambda code: f"{code[:3]} {code[3:]}",  # grouped as the SMS shows it
        lambda code: f"\u3000{code.translate(FULL_WIDTH)}\u3000",
    ],
)
def test_a_code_typed_in_full_width_digits_or_grouped_signs_in(client, carol, caplog, typed):  # type: ignore[no-untyped-def]
    token = api_sign_in(client, caplog, code_as=typed)
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_the_sign_in_page_takes_a_full_width_code(client, carol, caplog):  # type: ignore[no-untyped-def]
    client.post("/signin/", {"phone": "１３８００１３８０００"})
    signed_in = client.post("/signin/", {"phone": CAROLS, "code": sms_code(caplog).translate(FULL_WIDTH)})
    assert signed_in.status_code == 302 and signed_in.url == "/my/"

"""Sign-in codes: only mobiles get one, requests are limited per phone and per client address,
and wrong codes are counted per phone, whichever code they were typed against.

Personas: carol (+86 138 0013 8000) signs in from home; dave (+86 139 0013 9000) is her
neighbour. Mallory is whoever sits at 203.0.113.66 asking for codes for other people's phones.
"""

import json
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from aftersales.accounts.models import OneTimeCode
from aftersales.common import clock
from aftersales.notifications import sms

pytestmark = pytest.mark.django_db

CAROL = "+8613800138000"
MALLORY = "203.0.113.66"


@pytest.fixture
def sent_sms(monkeypatch):  # type: ignore[no-untyped-def]
    """Every text handed to the SMS gateway, as (phone, text)."""
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(phone: str, text: str) -> None:
        with lock:
            sent.append((phone, text))

    monkeypatch.setattr(sms, "console_gateway", record)
    return sent


def ask_code(client, phone, address="198.51.100.7", **headers):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/otp",
        json.dumps({"phone": phone}),
        content_type="application/json",
        REMOTE_ADDR=address,
        **headers,
    )


def verify(client, phone, code, **headers):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/otp/verify",
        json.dumps({"phone": phone, "code": code}),
        content_type="application/json",
        **headers,
    )


def code_sent(sent_sms, phone=CAROL):  # type: ignore[no-untyped-def]
    texts = [text for to, text in sent_sms if to == phone]
    return re.search(r"code: (\d{6})", texts[-1]).group(1)


def wrong(code):  # type: ignore[no-untyped-def]
    return "000000" if code != "000000" else "111111"


def later(**delta):  # type: ignore[no-untyped-def]
    return clock.travel_to(clock.now() + timedelta(**delta))


# Numbers that cannot receive a text message.


@pytest.mark.parametrize(
    "number",
    [
        "021-52066273",  # a Shanghai landline
        "400-773-6666",  # the brand's own hotline (shared cost)
        "800-820-8820",  # a toll-free number
        "+86 10 6552 9988",  # a Beijing landline with the country code
        "0086 021 5206 6273",
    ],
)
def test_a_number_that_cannot_receive_a_text_gets_no_code(client, sent_sms, number):  # type: ignore[no-untyped-def]
    answer = ask_code(client, number, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 422
    body = answer.json()
    assert body["field_codes"] == {"phone": "phone_not_mobile"}
    assert "cannot receive a text message" in body["fields"]["phone"]
    assert sent_sms == [] and not OneTimeCode.objects.exists()


def test_the_refusal_is_in_chinese_by_default(client, sent_sms):  # type: ignore[no-untyped-def]
    answer = ask_code(client, "021-52066273")
    assert "无法接收短信" in answer.json()["fields"]["phone"]


def test_a_landline_cannot_verify_a_code_either(client):  # type: ignore[no-untyped-def]
    answer = verify(client, "021-52066273", "123456")
    assert answer.status_code == 422 and answer.json()["field_codes"] == {"phone": "phone_not_mobile"}


@pytest.mark.parametrize(
    "spelling",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "(+86)13800138000",
        "（+86）13800138000",
        "１３８００１３８０００",
        "＋８６ １３８ ００１３ ８０００",
        "8613800138000",
    ],
)
def test_a_mobile_gets_its_code_however_it_is_written(client, sent_sms, spelling):  # type: ignore[no-untyped-def]
    answer = ask_code(client, spelling)
    assert answer.status_code == 200 and answer.json()["sent"] is True
    assert [to for to, _ in sent_sms] == [CAROL]
    assert OneTimeCode.objects.get().phone == CAROL


# Limits per phone.


def test_thirty_requests_in_a_row_for_one_phone_send_one_code(client, sent_sms):  # type: ignore[no-untyped-def]
    answers = [ask_code(client, "13800138000", HTTP_ACCEPT_LANGUAGE="en") for _ in range(30)]
    assert answers[0].status_code == 200
    assert {answer.status_code for answer in answers[1:]} == {429}
    for answer in answers[1:]:
        assert 1 <= int(answer["Retry-After"]) <= 60
        assert answer.json()["error"] == "otp_resend_too_soon"
        assert "seconds" in answer.json()["message"]
    assert len(sent_sms) == 1 and OneTimeCode.objects.count() == 1


def test_a_new_code_can_be_asked_for_once_the_wait_is_over(client, sent_sms):  # type: ignore[no-untyped-def]
    assert ask_code(client, CAROL).status_code == 200
    with later(seconds=30):
        refused = ask_code(client, CAROL)
        assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    with later(seconds=61):
        assert ask_code(client, CAROL).status_code == 200
    assert len(sent_sms) == 2


def test_a_phone_gets_at_most_five_codes_an_hour(client, sent_sms):  # type: ignore[no-untyped-def]
    start = clock.now()
    for minute in range(5):
        with clock.travel_to(start + timedelta(minutes=2 * minute)):
            assert ask_code(client, CAROL).status_code == 200
    with clock.travel_to(start + timedelta(minutes=20)):
        refused = ask_code(client, CAROL, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and refused.json()["error"] == "otp_phone_limit"
    assert int(refused["Retry-After"]) == 40 * 60
    with clock.travel_to(start + timedelta(minutes=60, seconds=1)):
        assert ask_code(client, CAROL).status_code == 200
    assert len(sent_sms) == 6


# Limits per client address.


def test_one_address_cannot_ask_for_codes_for_many_phones(client, sent_sms):  # type: ignore[no-untyped-def]
    phones = [f"+86139{n:08d}" for n in range(11)]
    for phone in phones[:10]:
        assert ask_code(client, phone, address=MALLORY).status_code == 200
    refused = ask_code(client, phones[10], address=MALLORY, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and refused.json()["error"] == "otp_client_limit"
    assert 1 <= int(refused["Retry-After"]) <= 600
    # Carol, elsewhere, is not held back by Mallory.
    assert ask_code(client, CAROL, address="198.51.100.7").status_code == 200
    assert len(sent_sms) == 11


def test_addresses_in_one_ipv6_slash_64_count_as_one_client(client, sent_sms):  # type: ignore[no-untyped-def]
    for n in range(1, 11):
        assert ask_code(client, f"+86139{n:08d}", address=f"2001:db8:1:2::{n:x}").status_code == 200
    assert ask_code(client, "+8613912345678", address="2001:db8:1:2:ffff::1").status_code == 429
    assert ask_code(client, "+8613912345678", address="2001:db8:1:3::1").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(client, sent_sms):  # type: ignore[no-untyped-def]
    for n in range(10):
        assert ask_code(client, f"+86139{n:08d}", address=MALLORY).status_code == 200
    forged = ask_code(client, "+8613912345678", address=MALLORY, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert forged.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_one_limited(client, sent_sms, settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(10):
        # Mallory prepends a different address each time; the proxy appends the one it saw.
        headers = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, {MALLORY}"}
        assert ask_code(client, f"+86139{n:08d}", address=proxy, **headers).status_code == 200
    refused = ask_code(
        client, "+8613912345678", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.200, {MALLORY}"
    )
    assert refused.status_code == 429
    # Everyone else behind the same proxy still gets codes.
    assert ask_code(client, CAROL, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


# Wrong codes.


def test_asking_for_a_new_code_does_not_reset_the_wrong_attempts(client, sent_sms):  # type: ignore[no-untyped-def]
    ask_code(client, CAROL)
    for _ in range(3):
        assert verify(client, CAROL, wrong(code_sent(sent_sms))).status_code == 422
    with later(seconds=61):
        assert ask_code(client, CAROL).status_code == 200
        fresh = code_sent(sent_sms)
        assert verify(client, CAROL, wrong(fresh)).status_code == 422
        locked = verify(client, CAROL, wrong(fresh), HTTP_ACCEPT_LANGUAGE="en")
        assert locked.status_code == 429 and locked.json()["error"] == "otp_locked"
        assert int(locked["Retry-After"]) > 0
        # Locked means locked: the right code is refused too, and no new code is sent.
        assert verify(client, CAROL, fresh).status_code == 429
    with later(minutes=3):
        assert ask_code(client, CAROL).status_code == 429
    assert len(sent_sms) == 2


def test_the_lock_ends_when_the_wrong_attempts_age_out(client, sent_sms):  # type: ignore[no-untyped-def]
    ask_code(client, CAROL)
    for _ in range(5):
        verify(client, CAROL, wrong(code_sent(sent_sms)))
    with later(minutes=61):
        assert ask_code(client, CAROL).status_code == 200
        assert verify(client, CAROL, code_sent(sent_sms)).status_code == 200


def test_a_used_code_cannot_be_used_again(client, sent_sms):  # type: ignore[no-untyped-def]
    ask_code(client, CAROL)
    code = code_sent(sent_sms)
    assert verify(client, CAROL, code).status_code == 200
    again = verify(client, CAROL, code)
    assert again.status_code == 422 and again.json()["field_codes"] == {"code": "otp_invalid"}


def test_an_expired_code_is_refused(client, sent_sms):  # type: ignore[no-untyped-def]
    ask_code(client, CAROL)
    with later(minutes=5, seconds=1):
        answer = verify(client, CAROL, code_sent(sent_sms))
    assert answer.status_code == 422 and answer.json()["field_codes"] == {"code": "otp_invalid"}


def test_refusals_are_logged_without_the_phone_number(client, sent_sms, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level("WARNING", logger="aftersales.security")
    ask_code(client, "021-52066273")
    ask_code(client, CAROL)
    ask_code(client, CAROL)
    verify(client, CAROL, wrong(code_sent(sent_sms)))
    security = [r.getMessage() for r in caplog.records if r.name == "aftersales.security"]
    assert len(security) == 3
    assert any("6273" in line for line in security) and any("8000" in line for line in security)
    for line in security:
        assert "52066273" not in line and "13800138000" not in line and "198.51.100.7" not in line


# Two requests at the same moment (PostgreSQL: SQLite serialises every write transaction anyway).


def at_once(count, request):  # type: ignore[no-untyped-def]
    """The status codes of `request()` sent from `count` threads released together."""
    start = threading.Barrier(count)
    statuses: list[int] = []

    def send() -> None:
        try:
            start.wait()
            statuses.append(request().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_for_one_phone_send_one_code(sent_sms):  # type: ignore[no-untyped-def]
    for _attempt in range(3):
        OneTimeCode.objects.all().delete()
        sent_sms.clear()
        assert at_once(2, lambda: ask_code(Client(), "138 0013 8000")) == [200, 429]
        assert len(sent_sms) == 1 and OneTimeCode.objects.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_codes_are_all_counted(sent_sms):  # type: ignore[no-untyped-def]
    ask_code(Client(), CAROL)
    code = code_sent(sent_sms)
    assert at_once(6, lambda: verify(Client(), CAROL, wrong(code))) == [422, 422, 422, 422, 429, 429]
    assert verify(Client(), CAROL, code).status_code == 429


# The sign-in page asks for codes under the same rules.


def test_the_signin_page_explains_that_a_landline_cannot_get_a_code(client, sent_sms):  # type: ignore[no-untyped-def]
    page = client.post("/signin/", {"phone": "021-52066273"})
    assert "无法接收短信" in page.content.decode() and sent_sms == []


def test_the_signin_page_says_when_a_new_code_can_be_asked_for(client, sent_sms):  # type: ignore[no-untyped-def]
    assert client.post("/signin/", {"phone": "138 0013 8000"}, REMOTE_ADDR=MALLORY).status_code == 200
    again = client.post("/signin/", {"phone": "138 0013 8000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= 60
    page = again.content.decode()
    assert "A code was just sent to this number" in page and re.search(r"in \d+ seconds", page)
    # The code already sent can still be typed in.
    assert 'name="code"' in page
    assert len(sent_sms) == 1


def test_the_signin_page_counts_against_the_same_address_limit(client, sent_sms):  # type: ignore[no-untyped-def]
    for n in range(10):
        assert ask_code(client, f"+86139{n:08d}", address=MALLORY).status_code == 200
    page = client.post("/signin/", {"phone": "13800138000"}, REMOTE_ADDR=MALLORY, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        page.status_code == 429 and "Too many codes were requested from your network" in page.content.decode()
    )
    assert len(sent_sms) == 10


def test_the_signin_page_says_when_sign_in_is_locked(client, sent_sms):  # type: ignore[no-untyped-def]
    client.post("/signin/", {"phone": CAROL})
    code = code_sent(sent_sms)
    for _ in range(5):
        page = client.post("/signin/", {"phone": CAROL, "code": wrong(code)}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 429 and "Too many wrong codes" in page.content.decode()

"""Two identical submissions at the same moment: one customer, one open complaint per device, no 500.

Threads post through the test client against a real database, released together by a
barrier, each on its own connection (on PostgreSQL the race is real: row locks and
unique indexes decide it; SQLite takes its write lock at BEGIN).
"""

import json
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import new_imei, submit_complaint
from aftersales.devices.models import Device

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME"),
        reason="in-memory SQLite shares one cache between threads and locks whole tables; "
        "set AFTERSALES_TEST_SQLITE to a file to run these on SQLite",
    ),
]
URL = "/api/v1/complaints"


def at_once(count: int, send: Callable[[Client], object]) -> list:
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def run(index: int) -> None:
        client = Client()
        barrier.wait()
        try:
            answers[index] = send(client)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def post_json(body: dict) -> Callable[[Client], object]:
    return lambda client: client.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("with_imei", [True, False])
def test_two_first_submissions_of_a_new_customer_make_one_customer(with_imei):  # type: ignore[no-untyped-def]
    body = {"text": "屏幕失灵", "phone": "13800138000", **({"imei": new_imei()} if with_imei else {})}
    for attempt in range(3):
        answers = at_once(2, post_json({**body, "text": f"屏幕失灵 {attempt}"}))
        codes = sorted(a.status_code for a in answers)
        # With an IMEI the first pair opens one complaint and the second joins it; later pairs join.
        expected = ([200, 201] if attempt == 0 else [200, 200]) if with_imei else [201, 201]
        assert codes == expected, [a.content for a in answers]
    assert Customer.objects.count() == 1
    assert CustomerIdentity.objects.filter(kind="phone", value="+8613800138000").count() == 1
    if with_imei:
        assert Device.objects.count() == 1
        assert Complaint.objects.filter(is_open=True).count() == 1


def test_two_submissions_about_one_known_device_leave_one_open_complaint():  # type: ignore[no-untyped-def]
    imei = new_imei()
    first = submit_complaint(phone="+8613800138000", imei=imei)
    # A closed complaint on the device: each submission must open one, or join the other's.
    Complaint.objects.filter(pk=first.pk).update(is_open=False, state="closed")
    answers = at_once(2, post_json({"text": "又坏了", "phone": "13800138000", "imei": imei}))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert Complaint.objects.filter(device__imei=imei, is_open=True).count() == 1


def test_a_double_clicked_web_form_makes_one_complaint():  # type: ignore[no-untyped-def]
    page = Client().get("/").content.decode()
    key = page.split('name="submission_key" value="')[1].split('"')[0]
    form = {"text": "充电很慢", "phone": "13800138000", "language": "zh-hans", "submission_key": key}
    answers = at_once(2, lambda client: client.post("/", form))
    assert all(a.status_code == 302 for a in answers), [a.status_code for a in answers]
    assert Complaint.objects.count() == 1
    assert answers[0]["Location"].split("&new=")[0] == answers[1]["Location"].split("&new=")[0]


@pytest.mark.parametrize("with_imei", [True, False])
def test_two_first_e_mail_only_submissions_of_a_new_customer_make_one_customer(with_imei):  # type: ignore[no-untyped-def]
    imei = {"imei": new_imei()} if with_imei else {}
    for attempt in range(3):
        # The same address as people type it: any letter case, blanks around it.
        bodies = [
            {"text": f"耳机没声音 {attempt}", "email": "Wang.Fang@Example.com", **imei},
            {"text": f"耳机没声音 {attempt}", "email": " wang.fang@example.COM ", **imei},
        ]
        answers = at_once(2, _each_once(bodies))
        codes = sorted(a.status_code for a in answers)
        expected = ([200, 201] if attempt == 0 else [200, 200]) if with_imei else [201, 201]
        assert codes == expected, [a.content for a in answers]
    assert Customer.objects.count() == 1
    assert CustomerIdentity.objects.filter(kind="email", value="wang.fang@example.com").count() == 1
    if with_imei:
        assert Device.objects.count() == 1
        assert Complaint.objects.filter(is_open=True).count() == 1


def _each_once(bodies: list[dict]) -> Callable[[Client], object]:
    """A sender that posts a different one of `bodies` from each thread."""
    return lambda client: post_json(bodies.pop())(client)

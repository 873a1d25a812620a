"""The public warranty look-up by IMEI, over the API and the page.

Personas: carol owns a handset bought on 2024-03-02 (IMEI 352099000007779); a stranger who
knows that IMEI may learn its warranty status and nothing about carol. Another device was
registered with no purchase date.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.common import clock
from aftersales.devices.models import Device
from aftersales.devices.services import device_register, warranty_end
from aftersales.warranty.api import WarrantyOut
from aftersales.warranty.rules import Facts, decide_item, rules_on

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
CAROLS = "352099000007779"
CAROLS_FULL_WIDTH = "３５２０９９０００００７７７９"
UNDATED = "490154203237518"
NEVER_SEEN = "356938035643809"
PERSONAL = ("Carol", "+8613800138000", "13800138000", "2024-03-02", "京东", "jd")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def devices(carol):  # type: ignore[no-untyped-def]
    with clock.travel_to(at(date(2024, 3, 2))):
        device_register(
            imei=CAROLS,
            customer=carol,
            model_name="Reno10",
            purchase_date=date(2024, 3, 2),
            purchase_channel="京东 jd.com",
        )
        device_register(imei=UNDATED, customer=carol, model_name="Reno10")


def lookup(client, imei: str, *, day: date = date(2026, 3, 1), **extra):  # type: ignore[no-untyped-def]
    with clock.travel_to(at(day)):
        return client.get("/api/v1/warranty", {"imei": imei, **extra.pop("params", {})}, **extra)


def test_a_device_is_in_warranty_on_the_last_day_of_its_24th_month(client, devices):  # type: ignore[no-untyped-def]
    answer = lookup(client, CAROLS, day=date(2026, 3, 1))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "in_warranty"
    assert body["warranty_until"] == "2026-03-01"
    assert body["model"] == "Reno10" and body["months"] == 24 and body["checked_on"] == "2026-03-01"


def test_a_device_is_out_of_warranty_the_next_day(client, devices):  # type: ignore[no-untyped-def]
    body = lookup(client, CAROLS, day=date(2026, 3, 2)).json()
    assert body["status"] == "expired" and body["warranty_until"] == "2026-03-01"


def test_the_stored_warranty_end_and_the_warranty_rule_agree_on_the_boundary_day(devices):  # type: ignore[no-untyped-def]
    stored = Device.objects.get(imei=CAROLS).warranty_ends_on
    assert stored == date(2026, 3, 1) == warranty_end(date(2024, 3, 2), on=date(2026, 3, 1))
    rules = rules_on(stored)
    for day, outcome in ((stored, "covered"), (stored + timedelta(days=1), "not_covered")):
        facts = Facts(purchase_date=date(2024, 3, 2), reported_on=day, battery_health=70)
        assert decide_item(component="battery", facts=facts, rules=rules).outcome == outcome
    # The 31st: the month that has no 31st ends the warranty on the rule's day, stored and decided alike.
    assert warranty_end(date(2024, 1, 31), on=date(2026, 1, 1)) == date(2026, 1, 30)


def test_full_width_digits_and_a_printed_grouping_are_read_as_the_same_imei(client, devices):  # type: ignore[no-untyped-def]
    for typed in (CAROLS_FULL_WIDTH, "IMEI：35 209900 000777 9", "35-209900-000777-9"):
        body = lookup(client, typed).json()
        assert body["imei"] == CAROLS and body["status"] == "in_warranty", typed


def test_an_unknown_device_and_an_undated_one_say_so(client, devices):  # type: ignore[no-untyped-def]
    unknown = lookup(client, NEVER_SEEN).json()
    assert (
        unknown["status"] == "unknown_device" and unknown["warranty_until"] is None and unknown["model"] == ""
    )
    undated = lookup(client, UNDATED).json()
    assert undated["status"] == "purchase_date_unknown" and undated["warranty_until"] is None


def test_the_answer_carries_no_personal_data(client, devices):  # type: ignore[no-untyped-def]
    answer = lookup(client, CAROLS)
    assert set(answer.json()) == set(WarrantyOut.model_fields)
    for secret in PERSONAL:
        assert secret not in answer.content.decode(), secret
    page = client.get("/warranty/", {"imei": CAROLS})
    for secret in PERSONAL:
        assert secret not in page.content.decode(), secret


@pytest.mark.parametrize(
    "typed",
    [
        "352099000007778",  # wrong check digit
        "35209900000777",  # 14 digits
        "3520990000077790",  # 16 digits (an IMEISV)
        "SN:352099000007779",
        "",
        "\x00",
        "3520990000\x0007779",
        "😀" * 40,
        "9" * 100_000,
        "٣٥٢٠٩٩٠٠٠٠٠٧٧٧٩",  # Arabic-Indic digits are not read
        "'; DROP TABLE devices_device; --",
    ],
)
def test_a_bad_imei_is_a_422_naming_imei_never_a_500(client, devices, typed):  # type: ignore[no-untyped-def]
    with clock.travel_to(at(date(2026, 3, 1))):
        answer = client.get("/api/v1/warranty", {"imei": typed}, HTTP_ACCEPT_LANGUAGE="en")
        page = client.get("/warranty/", {"imei": typed})
    assert answer.status_code == 422, answer.content[:200]
    assert list(answer.json()["fields"]) == ["imei"]
    assert page.status_code == 422


@pytest.mark.parametrize("raw", ["%ED%A0%BD", "%FF%FE", "%00", "35209900000777%39%00"])
def test_broken_bytes_in_the_address_are_a_422_never_a_500(client, devices, raw):  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/warranty?imei={raw}").status_code == 422
    assert client.get(f"/warranty/?imei={raw}").status_code == 422


def test_a_bad_imei_is_explained_in_chinese_by_default_and_in_english_on_request(client, devices):  # type: ignore[no-untyped-def]
    chinese = client.get("/api/v1/warranty", {"imei": "123"}).json()
    english = client.get("/api/v1/warranty", {"imei": "123", "lang": "en"}).json()
    assert chinese["fields"]["imei"].startswith("IMEI 无效")
    assert english["fields"]["imei"].startswith("Not a valid IMEI")


def test_a_missing_imei_is_a_422_naming_imei(client):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/warranty")
    assert answer.status_code == 422 and list(answer.json()["fields"]) == ["imei"]


def test_look_ups_past_the_limit_are_refused_with_retry_after_until_the_window_slides(
    client, devices, settings
):  # type: ignore[no-untyped-def]
    settings.WARRANTY_LOOKUP_MAX = 3
    settings.WARRANTY_LOOKUP_WINDOW_SECONDS = 600
    start = at(date(2026, 3, 1))
    for minute in range(3):
        with clock.travel_to(start + timedelta(minutes=minute)):
            # Unknown devices count too: a client cannot try IMEIs in bulk.
            assert client.get("/api/v1/warranty", {"imei": NEVER_SEEN}).status_code == 200
    with clock.travel_to(start + timedelta(minutes=3)):
        refused = client.get("/api/v1/warranty", {"imei": CAROLS, "lang": "en"})
        page = client.get("/warranty/", {"imei": CAROLS, "lang": "en"})
        # A bad IMEI is still told it is bad, and is not counted.
        assert client.get("/api/v1/warranty", {"imei": "1"}).status_code == 422
    assert refused.status_code == 429 and refused.json()["error"] == "warranty_lookup_limit"
    # The first look-up leaves the window 10 minutes after it was made: 7 minutes from now.
    assert refused["Retry-After"] == "420"
    assert "7 min" in refused.json()["message"]
    assert page.status_code == 429 and page["Retry-After"] == "420"
    assert "Too many warranty look-ups" in page.content.decode()
    # Another client address has its own count.
    with clock.travel_to(start + timedelta(minutes=3)):
        assert client.get("/api/v1/warranty", {"imei": CAROLS}, REMOTE_ADDR="203.0.113.9").status_code == 200
    with clock.travel_to(start + timedelta(minutes=10, seconds=1)):
        assert client.get("/api/v1/warranty", {"imei": CAROLS}).status_code == 200


def test_an_ipv6_client_counts_by_its_64_block(client, devices, settings):  # type: ignore[no-untyped-def]
    settings.WARRANTY_LOOKUP_MAX = 2
    with clock.travel_to(at(date(2026, 3, 1))):
        for host in ("2001:db8:1:2::1", "2001:db8:1:2::abcd"):
            assert client.get("/api/v1/warranty", {"imei": CAROLS}, REMOTE_ADDR=host).status_code == 200
        assert (
            client.get("/api/v1/warranty", {"imei": CAROLS}, REMOTE_ADDR="2001:db8:1:2::7").status_code == 429
        )
        assert (
            client.get("/api/v1/warranty", {"imei": CAROLS}, REMOTE_ADDR="2001:db8:1:3::7").status_code == 200
        )


def test_the_page_shows_the_status_in_chinese_by_default_and_in_english(client, devices):  # type: ignore[no-untyped-def]
    with clock.travel_to(at(date(2026, 3, 1))):
        chinese = client.get("/warranty/", {"imei": CAROLS_FULL_WIDTH})
        english = client.get("/warranty/", {"imei": CAROLS, "lang": "en"})
    with clock.travel_to(at(date(2026, 3, 2))):
        expired = client.get("/warranty/", {"imei": CAROLS, "lang": "en"})
    assert chinese.status_code == 200
    assert "在保修期内,至 2026-03-01" in chinese.content.decode()
    assert '<html lang="zh-Hans">' in chinese.content.decode()
    assert "In warranty until 2026-03-01" in english.content.decode()
    assert "Out of warranty: it ended on 2026-03-01" in expired.content.decode()
    first_visit = client.get("/warranty/")
    assert first_visit.status_code == 200 and "warranty-result" not in first_visit.content.decode()


def test_a_look_up_takes_a_fixed_number_of_queries(client, devices):  # type: ignore[no-untyped-def]
    with clock.travel_to(at(date(2026, 3, 1))), CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/warranty", {"imei": CAROLS}).status_code == 200
    # Throttle: key insert, lock, prune, count, hit (+ savepoint statements); status: one read.
    reads = [q["sql"] for q in queries.captured_queries if "devices_device" in q["sql"]]
    assert len(reads) == 1
    assert len(queries.captured_queries) <= 9

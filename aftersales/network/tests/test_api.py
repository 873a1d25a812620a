"""The public outlet API, signed in or not: only public fields leave, bad input is a 422 naming
the field, no string makes it answer 500, and verify tells an authorised outlet from a fake."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.common import clock
from aftersales.network.schemas import OutletPublicOut
from aftersales.network.tests.factories import make_outlets, make_uscc, outlet_row

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "9" * 5000,
    "-0x1p3",
    "１２",
    "\x00",
    "22.5\x00",
    "😀",
    "'; DROP TABLE network_outlet; --",
    "1 OR 1=1",
    "%",
    "\\",
    "<script>alert(1)</script>",
    "٣",
    "\u202e22",
    "[]",
    "{}",
    "null",
    "true",
]


@pytest.fixture
def network(db):  # type: ignore[no-untyped-def]
    return make_outlets(
        outlet_row("sz-futian", notes="房东下月涨租,内部备注"),
        outlet_row(
            "sz-nanshan",
            name="演示手机授权服务中心(南山)",
            district="南山区",
            district_adcode="440305",
            lat="22.5329",
            lon="113.9305",
            phones="0755-2666 0000; 13800138000",
            uscc=make_uscc(77),
            hours="Mo-Fr 09:00-18:00; Sa-Su off",
            specialities="express_replacement",
        ),
        outlet_row(
            "sz-old",
            name="旧网点",
            lat="22.55",
            lon="114.06",
            authorisation="revoked",
            phones="0755-2000 1111",
            uscc=make_uscc(99),
        ),
    )


def test_nearest_lists_authorised_outlets_nearest_first_with_their_distance(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"lat": "22.5431", "lon": "114.0579"})
    assert answer.status_code == 200
    body = answer.json()
    assert [o["code"] for o in body] == ["sz-futian", "sz-nanshan"]
    assert body[0]["distance_m"] == 0 and 12_000 < body[1]["distance_m"] < 14_000


def test_nearest_filters_by_speciality_category_open_now_and_queue(client, network):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import ANONYMOUS
    from aftersales.network.services import outlet_queue_join

    near = {"lat": "22.5431", "lon": "114.0579"}

    def codes(**extra):  # type: ignore[no-untyped-def]
        return [o["code"] for o in client.get("/api/v1/outlets/nearest", {**near, **extra}).json()]

    assert codes(speciality="express_replacement") == ["sz-nanshan"]
    assert codes(category="battery_charging") == ["sz-futian", "sz-nanshan"]
    assert codes(category="system_software") == []
    with clock.travel_to(datetime(2026, 3, 7, 4, 0, tzinfo=UTC)):  # Saturday noon in Shenzhen
        assert codes(open_now="true") == ["sz-futian"]
    for _ in range(3):
        outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="normal")
    assert codes(max_queue="2") == ["sz-nanshan"]
    # 60 a day over 12 open hours: 12 minutes each, so 3 waiting is a 36-minute wait.
    body = client.get("/api/v1/outlets/nearest", near).json()
    assert body[0]["queue"]["normal"] == {"waiting": 3, "wait_minutes": 36}
    assert codes(max_wait_minutes="30") == ["sz-nanshan"]


def test_nothing_but_public_fields_leaves(client, network):  # type: ignore[no-untyped-def]
    answers = [
        client.get("/api/v1/outlets/nearest", {"lat": "22.5", "lon": "114"}).json()[0],
        client.get("/api/v1/outlets/top", {"city": "深圳"}).json()[0],
        client.get("/api/v1/outlets/sz-futian").json(),
        client.get("/api/v1/outlets/verify", {"q": "0755-8888 6666"}).json()["outlets"][0],
    ]
    public = set(OutletPublicOut.model_fields)
    for body in answers:
        assert set(body) - {"distance_m"} == public
        text = str(body)
        assert "内部备注" not in text and "outlet-sz" not in text and "rating_sum" not in text


def test_an_outlet_is_found_by_its_code_in_any_case_and_a_pending_one_is_not(client, network):  # type: ignore[no-untyped-def]
    make_outlets(outlet_row("sz-new", authorisation="pending", authorised_from=""))
    assert client.get("/api/v1/outlets/SZ-FUTIAN").json()["code"] == "sz-futian"
    old = client.get("/api/v1/outlets/sz-old").json()
    assert old["authorisation"]["in_force"] is False
    assert client.get("/api/v1/outlets/sz-new").status_code == 404
    assert client.get("/api/v1/outlets/nope").json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("query", "verdict", "codes"),
    [
        ("0755-8888 6666", "authorised", ["sz-futian"]),
        ("(0755) 88886666", "authorised", ["sz-futian"]),
        ("+86 755 8888 6666", "authorised", ["sz-futian"]),
        ("０７５５８８８８６６６６", "authorised", ["sz-futian"]),
        ("138 0013 8000", "authorised", ["sz-nanshan"]),
        ("+8613800138000", "authorised", ["sz-nanshan"]),
        ("400-773-6666", "authorised", ["sz-futian"]),
        ("演示手机授权服务中心(南山)", "authorised", ["sz-nanshan"]),
        ("演示手機授權服務中心（南山）", "authorised", ["sz-nanshan"]),
        ("演示手机授权服务中心 南山", "authorised", ["sz-nanshan"]),
        (make_uscc(77), "authorised", ["sz-nanshan"]),
        (make_uscc(77).lower()[:6] + " " + make_uscc(77).lower()[6:], "authorised", ["sz-nanshan"]),
        ("0755-2000 1111", "not_authorised", []),
        ("旧网点", "not_authorised", []),
        (make_uscc(99), "not_authorised", []),
        ("91440300MA5F000001", "invalid_code", []),
        ("演示手机维修中心", "unknown", []),
        ("0755-1234 5678", "unknown", []),
        (make_uscc(12345), "unknown", []),
    ],
)
def test_verify_tells_an_authorised_outlet_by_name_phone_or_credit_code(
    client, network, query, verdict, codes
):  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/outlets/verify", {"q": query}).json()
    assert body["verdict"] == verdict
    assert [o["code"] for o in body["outlets"]] == codes


def test_top_answers_a_citys_best_outlets_by_name_or_adcode(client, network):  # type: ignore[no-untyped-def]
    by_name = client.get("/api/v1/outlets/top", {"city": "深圳"}).json()
    assert [o["code"] for o in by_name] == ["sz-futian", "sz-nanshan"]
    assert client.get("/api/v1/outlets/top", {"city": "440300"}).json() == by_name


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        ("91", "114", "lat"),
        ("22", "-180.5", "lon"),
        ("nan", "114", "lat"),
        ("22", "inf", "lon"),
        ("abc", "114", "lat"),
    ],
)
def test_bad_coordinates_are_a_422_naming_the_field(client, network, lat, lon, field):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"lat": lat, "lon": lon})
    assert answer.status_code == 422
    assert list(answer.json()["fields"]) == [field]


def test_missing_coordinates_and_unknown_filters_are_named(client, network):  # type: ignore[no-untyped-def]
    assert set(client.get("/api/v1/outlets/nearest", {"lat": "22"}).json()["fields"]) == {"lon"}
    for name, value in (
        ("speciality", "teleport"),
        ("category", "cooking"),
        ("limit", "0"),
        ("limit", "51"),
        ("max_queue", "-1"),
    ):
        answer = client.get("/api/v1/outlets/nearest", {"lat": "22", "lon": "114", name: value})
        assert answer.status_code == 422 and list(answer.json()["fields"]) == [name], (name, value)


@pytest.mark.parametrize("nasty", NASTY)
def test_no_string_makes_an_endpoint_answer_500(client, network, nasty):  # type: ignore[no-untyped-def]
    answers = {
        "lat": client.get("/api/v1/outlets/nearest", {"lat": nasty, "lon": "114"}),
        "lon": client.get("/api/v1/outlets/nearest", {"lat": "22", "lon": nasty}),
        "limit": client.get("/api/v1/outlets/nearest", {"lat": "22", "lon": "114", "limit": nasty}),
        "speciality": client.get("/api/v1/outlets/nearest", {"lat": "22", "lon": "114", "speciality": nasty}),
        "open_now": client.get("/api/v1/outlets/nearest", {"lat": "22", "lon": "114", "open_now": nasty}),
        "city": client.get("/api/v1/outlets/top", {"city": nasty}),
        "q": client.get("/api/v1/outlets/verify", {"q": nasty}),
        "code": client.get("/api/v1/outlets/" + nasty.replace("/", "")),
    }
    for name, answer in answers.items():
        assert answer.status_code in (200, 404, 422), (name, answer.status_code)
        if answer.status_code == 422:
            assert name in answer.json()["fields"] or name == "code", (name, answer.json())


def test_nearest_takes_a_few_queries_whatever_the_number_of_outlets(client, network):  # type: ignore[no-untyped-def]
    make_outlets(*[outlet_row(f"sz-extra-{n:02d}", lat=f"22.{n + 10}", lon="114.1") for n in range(50)])
    client.get("/api/v1/outlets/nearest", {"lat": "22.5", "lon": "114", "limit": "1"})  # builds the index
    counts = []
    for limit in ("50", "50", "5"):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/outlets/nearest", {"lat": "22.5", "lon": "114", "limit": limit})
        assert answer.status_code == 200 and len(answer.json()) == int(limit)
        counts.append(len(queries))
    # Version token, outlets, phones, live counts; then only the token and the live counts.
    assert counts == [4, 2, 2]


def test_nearest_shows_live_queues_and_ratings_and_fresh_outlet_details(client, network):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import ANONYMOUS, SYSTEM
    from aftersales.network.services import outlet_queue_join, outlet_record_rating, outlet_save

    near = {"lat": "22.5431", "lon": "114.0579", "limit": "1"}
    assert client.get("/api/v1/outlets/nearest", near).json()[0]["queue"]["urgent"]["waiting"] == 0
    outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="urgent")
    outlet_record_rating(actor=SYSTEM, outlet=network["sz-futian"], source="complaint:OP1", score=1)
    outlet_save(actor=SYSTEM, row=outlet_row("sz-futian", name="演示手机授权服务中心(福田新店)"))
    body = client.get("/api/v1/outlets/nearest", near).json()[0]
    assert body["queue"]["urgent"]["waiting"] == 1
    assert body["rating"]["count"] == 1
    assert body["name"] == "演示手机授权服务中心(福田新店)"

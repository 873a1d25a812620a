"""`aftersales outlets locate` and the finder by address (GET /api/v1/outlets/nearest?address=)."""

import io
import json

import pytest
from django.core.management import call_command

from aftersales.network.tests.factories import make_outlets, make_uscc, outlet_row


def locate(*lines: str) -> list[dict]:  # type: ignore[type-arg]
    out = io.StringIO()
    call_command("outlets", "locate", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_locate_answers_one_line_per_address_with_the_fields_of_a_place():
    answers = locate(
        json.dumps({"address": "广东省深圳市南山区工业三路一号汇港购物中心"}),
        json.dumps({"address": "朝阳区建国路88号", "city_hint": "北京", "id": "a-2"}),
    )
    assert len(answers) == 2
    first, second = answers
    assert {k: first[k] for k in ("province", "city", "district", "adcode", "ambiguous")} == {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "adcode": "440305",
        "ambiguous": False,
    }
    assert 22 < first["lat"] < 23 and 113 < first["lon"] < 115 and 0 < first["confidence"] <= 1
    assert first["candidates"] == []
    assert (second["id"], second["city"], second["adcode"]) == ("a-2", "北京市", "110105")


def test_locate_lists_the_readings_of_an_ambiguous_address():
    (answer,) = locate(json.dumps({"address": "朝阳区建国路88号"}))
    assert answer["ambiguous"] is True and answer["city"] is None
    assert sorted(c["adcode"] for c in answer["candidates"]) == ["110105", "220104"]


def test_locate_answers_a_bad_line_with_an_error_line_and_goes_on():
    answers = locate(
        "not json",
        "[1, 2]",
        json.dumps({"address": 12}),
        json.dumps({"address": "杭州市西湖区", "city_hint": ["x"]}),
        "",
        json.dumps({"address": "杭州市下城区延安路"}),
    )
    assert [a.get("error") for a in answers] == [
        "malformed_json",
        "malformed_json",
        "address_missing",
        "city_hint_invalid",
        None,
    ]
    assert [a["line"] for a in answers] == [1, 2, 3, 4, 6]
    assert answers[-1]["adcode"] == "330105" and answers[-1]["notes"]


@pytest.fixture
def network(db):  # type: ignore[no-untyped-def]
    return make_outlets(
        outlet_row("sz-futian"),
        outlet_row(
            "bj-chaoyang",
            address="北京市朝阳区建国路 87 号",
            province="北京市",
            province_adcode="110000",
            city="北京市",
            city_adcode="110100",
            district="朝阳区",
            district_adcode="110105",
            lat="39.9087",
            lon="116.4605",
            phones="010-6500 1234",
            uscc=make_uscc(5, "110105"),
        ),
    )


def test_nearest_by_address_resolves_it_then_lists_the_nearest_outlets(client, network):  # type: ignore[no-untyped-def]
    answer = client.get(
        "/api/v1/outlets/nearest", {"address": "北京市朝阳区建国路88号SKP商场5层", "limit": 1}
    )
    assert answer.status_code == 200, answer.content
    assert [o["code"] for o in answer.json()] == ["bj-chaoyang"]
    answer = client.get("/api/v1/outlets/nearest", {"address": "深圳市福田区深南大道", "limit": 1})
    assert [o["code"] for o in answer.json()] == ["sz-futian"]


def test_an_ambiguous_address_is_a_422_listing_the_candidates_and_the_city_hint_settles_it(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"address": "朝阳区建国路88号"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field_codes"] == {"address": "address_ambiguous"}
    assert "长春市" in body["fields"]["address"] and "北京市" in body["fields"]["address"]
    assert sorted(c["adcode"] for c in body["candidates"]) == ["110105", "220104"]
    answer = client.get(
        "/api/v1/outlets/nearest", {"address": "朝阳区建国路88号", "city": "北京", "limit": 1}
    )
    assert [o["code"] for o in answer.json()] == ["bj-chaoyang"]


def test_an_address_naming_no_place_is_a_422_naming_address_in_both_languages(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"address": "南京西路1266号"})
    assert answer.status_code == 422
    assert answer.json()["field_codes"] == {"address": "address_no_place"}
    assert "城市" in answer.json()["fields"]["address"]
    english = client.get(
        "/api/v1/outlets/nearest", {"address": "南京西路1266号"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "city" in english["fields"]["address"]
    only_province = client.get("/api/v1/outlets/nearest", {"address": "广东省"}).json()
    assert only_province["field_codes"] == {"address": "address_only_province"}
    blank = client.get("/api/v1/outlets/nearest", {"address": "  "}).json()
    assert blank["field_codes"] == {"address": "address_empty"}


def test_neither_a_point_nor_an_address_is_a_422(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest")
    assert answer.status_code == 422 and answer.json()["field_codes"] == {"lat": "point_or_address_required"}


@pytest.mark.parametrize(
    "nasty",
    ["\x00", "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 50, "朝" * 199, "%00", "　　"],
)
def test_no_address_string_gets_a_500(client, network, nasty):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"address": nasty})
    assert answer.status_code in (200, 422), (nasty, answer.status_code)
    answer = client.get("/api/v1/outlets/nearest", {"address": "深圳市福田区", "city": nasty})
    assert answer.status_code in (200, 422), (nasty, answer.status_code)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%00", "%E6%9C", "%F0%9F%99%82%0A%0D"])
def test_broken_bytes_in_the_address_get_no_500(client, network, raw):  # type: ignore[no-untyped-def]
    answer = client.get(f"/api/v1/outlets/nearest?address={raw}&city={raw}")
    assert answer.status_code in (200, 422), (raw, answer.status_code)


def test_an_address_over_200_characters_is_refused_naming_the_field(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"address": "深圳市福田区" + "1" * 300})
    assert answer.status_code == 422 and list(answer.json()["fields"]) == ["address"]


def test_locate_answers_each_line_before_the_next_is_written():
    """A program may write one address and wait for its answer: the command must not hold it."""
    import os
    import subprocess
    import sys
    import threading
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": "config.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "outlets", "--skip-checks", "locate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=root,
        text=True,
        encoding="utf-8",
    )
    assert process.stdin is not None and process.stdout is not None
    watchdog = threading.Timer(180, process.kill)  # a held answer fails the test, not hangs it
    watchdog.start()
    try:
        process.stdin.write(json.dumps({"address": "浙江省温州市龙港市龙跃路"}, ensure_ascii=False) + "\n")
        process.stdin.flush()
        first = json.loads(process.stdout.readline())  # stdin is still open
        assert first["adcode"] == "330383"
        process.stdin.write(json.dumps({"address": "新疆石河子市"}, ensure_ascii=False) + "\n")
        process.stdin.close()
        assert json.loads(process.stdout.readline())["adcode"] == "659001"
        assert process.wait(timeout=120) == 0
    finally:
        watchdog.cancel()
        process.kill()


@pytest.mark.parametrize("hint", ["深圳", "深圳市", "440300"])
def test_a_city_hint_never_overrides_the_city_the_address_names(hint):  # type: ignore[no-untyped-def]
    from aftersales.network.address import address_resolve

    beijing = address_resolve(address="北京", city_hint=hint)
    assert (beijing.city, beijing.ambiguous) == ("北京市", False)
    assert beijing.notes and hint in beijing.notes[-1]
    district = address_resolve(address="北京市朝阳区", city_hint="长春")
    assert (district.city, district.adcode) == ("北京市", "110105")
    # A district found in neither the hint's city: both readings, not the hint's city.
    both = address_resolve(address="朝阳区建国路88号", city_hint=hint)
    assert both.ambiguous and both.city is None
    assert sorted(c["adcode"] for c in both.candidates) == ["110105", "220104"]
    # The hint still chooses between readings, and stands alone when the address names no place.
    assert address_resolve(address="朝阳区建国路88号", city_hint="长春").adcode == "220104"
    assert address_resolve(address="工业三路1号", city_hint=hint).city == "深圳市"
    (line,) = locate(json.dumps({"address": "北京", "city_hint": hint}))
    assert line["city"] == "北京市" and line["adcode"] != "440300"


def test_the_finder_shows_the_address_s_city_not_the_hint_s(client, network):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/outlets/nearest", {"address": "北京", "city": "440300", "limit": 1})
    assert answer.status_code == 200, answer.content
    assert [o["code"] for o in answer.json()] == ["bj-chaoyang"]
    page = client.get("/outlets/", {"address": "北京", "city": "440300"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "北京市" in html and html.index("(bj-chaoyang)") < html.find("(sz-futian)") % len(html)


@pytest.mark.parametrize(
    "line",
    [
        '{"address": "北京", "id": Infinity}',
        '{"address": "北京", "id": -Infinity}',
        '{"address": "北京", "id": NaN}',
        '{"address": "北京", "id": 1e999}',
        '{"address": "北京", "id": [1, {"x": NaN}]}',
    ],
)
def test_locate_answers_strict_json_for_a_non_finite_id(line):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command(
        "outlets", "locate", stdin=io.StringIO(line + '\n{"address": "北京", "id": 7}\n'), stdout=out
    )
    first, second = out.getvalue().splitlines()
    # parse_constant refuses what a strict reader refuses: NaN and Infinity never come out.
    strict = json.loads(first, parse_constant=lambda name: pytest.fail(f"{name} in {first}"))
    assert strict == {"line": 1, "error": "malformed_json", "message": "not a strict JSON object"}
    assert json.loads(second)["id"] == 7 and json.loads(second)["city"] == "北京市"

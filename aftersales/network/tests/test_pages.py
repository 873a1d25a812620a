"""The public finder page and the "is this shop authorised?" page, in Chinese and English.

Personas: a customer standing in Futian, Shenzhen (22.5431, 114.0579) looking for an outlet
on a Saturday noon; a customer in Guangzhou who only picks a city.
"""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import ANONYMOUS, SYSTEM
from aftersales.common import clock
from aftersales.network.services import outlet_queue_join, outlet_record_ratings
from aftersales.network.sketch import nice_length, sketch_map
from aftersales.network.tests.factories import make_outlets, make_uscc, outlet_row

pytestmark = pytest.mark.django_db
FUTIAN = {"lat": "22.5431", "lon": "114.0579"}
SATURDAY_NOON = datetime(2026, 3, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shenzhen
NASTY = [
    "",
    "nan",
    "inf",
    "-1e400",
    "9" * 100_000,
    "１２",
    "😀🔧",
    "<script>alert(1)</script>",
    "'; DROP TABLE network_outlet; --",
    "\u202e22",
    "٣",
    "深圳\U0001f600",
]


def guangzhou_row(code: str, seed: int, **overrides: str) -> dict[str, str]:
    return outlet_row(
        code,
        name=f"演示手机广州服务中心({code})",
        address="广州市天河区天河路 200 号",
        city="广州市",
        city_adcode="440100",
        district="天河区",
        district_adcode="440106",
        lat="23.1322",
        lon="113.3240",
        uscc=make_uscc(seed, "440100"),
        phones="020-3888 0000",
        **overrides,
    )


@pytest.fixture
def network(db):  # type: ignore[no-untyped-def]
    outlets = make_outlets(
        outlet_row("sz-futian", notes="房东下月涨租,内部备注"),
        outlet_row(
            "sz-nanshan",
            name="演示手机授权服务中心(南山)",
            district="南山区",
            district_adcode="440305",
            lat="22.5329",
            lon="113.9305",
            uscc=make_uscc(77),
            hours="Mo-Fr 09:00-18:00; Sa-Su off",
            specialities="express_replacement",
        ),
        guangzhou_row("gz-1", 1),
        guangzhou_row("gz-2", 2, specialities="express_replacement"),
        guangzhou_row("gz-3", 3),
        guangzhou_row("gz-4", 4),
        outlet_row(
            "sz-old", name="旧网点", lat="22.55", lon="114.06", authorisation="revoked", uscc=make_uscc(99)
        ),
    )
    # gz-4 is loved by many, gz-1 by a few, gz-3 is disliked: the city's order is 4, 1, 2, 3.
    outlet_record_ratings(actor=SYSTEM, outlet=outlets["gz-4"], scores={f"c:{n}": 5 for n in range(40)})
    outlet_record_ratings(actor=SYSTEM, outlet=outlets["gz-1"], scores={f"c:{n}": 5 for n in range(5)})
    outlet_record_ratings(actor=SYSTEM, outlet=outlets["gz-3"], scores={f"c:{n}": 1 for n in range(30)})
    return outlets


def codes(page) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'id="outlet-([a-z0-9-]+)" aria-labelledby', page.content.decode())


def test_the_first_visit_shows_the_form_in_chinese(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/")
    text = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in text and "查找授权服务网点" in text and "使用我的位置" in text
    assert 'value="440100">广州市' in text and 'value="440300">深圳市' in text
    assert "电池绿色通道" in text  # specialities by name
    assert codes(page) == []


def test_near_me_lists_outlets_nearest_first_with_distance_hours_queue_rating_and_phone(client, network):  # type: ignore[no-untyped-def]
    for _ in range(3):
        outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="normal")
    outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="urgent")
    with clock.travel_to(SATURDAY_NOON):
        page = client.get("/outlets/", {**FUTIAN, "lang": "en"})
    text = page.content.decode()
    assert page.status_code == 200 and '<html lang="en">' in text
    assert codes(page)[:2] == ["sz-futian", "sz-nanshan"]
    assert "sz-old" not in codes(page)  # revoked
    futian = text[text.index('id="outlet-sz-futian"') : text.index('id="outlet-sz-nanshan"')]
    assert "0 m away" in futian and "Authorised service centre" in futian
    assert "Mon-Sun 09:00-21:00" in futian and "Open now" in futian
    # 60 a day over 12 hours: 12 minutes each; urgent goes first.
    assert "Urgent: 1 waiting, about 12 min" in futian and "Normal: 3 waiting, about 48 min" in futian
    assert "Screen repair without disassembly" in futian and "Battery green channel" in futian
    assert "No reviews yet" in futian
    assert 'href="tel:+8675588886666"' in futian
    nanshan = text[text.index('id="outlet-sz-nanshan"') :]
    assert re.search(r"13\.\d km away", nanshan)
    assert "Sat-Sun closed" in nanshan and "Closed now" in nanshan
    assert "房东" not in text  # staff notes stay inside


def test_the_same_page_speaks_chinese_by_default(client, network):  # type: ignore[no-untyped-def]
    with clock.travel_to(SATURDAY_NOON):
        text = client.get("/outlets/", FUTIAN).content.decode()
    assert "距您 0 米" in text and "授权服务中心" in text and "周一-周日 09:00-21:00" in text
    assert "正在营业" in text and "已打烊" in text and "普通:0 人等候,约 0 分钟" in text
    assert "周六-周日 休息" in text and "暂无评价" in text


def test_the_filters_narrow_the_list(client, network):  # type: ignore[no-untyped-def]
    outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="normal")
    outlet_queue_join(actor=ANONYMOUS, outlet=network["sz-futian"], lane="normal")
    with clock.travel_to(SATURDAY_NOON):
        assert codes(client.get("/outlets/", {**FUTIAN, "open_now": "on"}))[:1] == ["sz-futian"]
        assert "sz-nanshan" not in codes(client.get("/outlets/", {**FUTIAN, "open_now": "on"}))
        speciality = codes(client.get("/outlets/", {**FUTIAN, "speciality": "express_replacement"}))
        assert speciality == ["sz-nanshan", "gz-2"]
        # Two waiting at Futian: 24 minutes; a 20-minute limit sends the customer elsewhere.
        assert "sz-futian" not in codes(client.get("/outlets/", {**FUTIAN, "max_wait": "20"}))
        assert codes(client.get("/outlets/", {**FUTIAN, "max_wait": "30"}))[0] == "sz-futian"


def test_a_city_shows_its_three_best_rated_outlets_and_the_filters_apply(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"city": "440100"})
    assert page.status_code == 200
    assert codes(page) == ["gz-4", "gz-1", "gz-2"]
    assert "本市评分最高的网点" in page.content.decode()
    # (20 x 4.2 + 40 x 5) / 60 = 4.73: the Bayesian average, with its review count.
    assert "4.7 / 5 分(40 条评价)" in page.content.decode()
    assert codes(client.get("/outlets/", {"city": "440100", "speciality": "express_replacement"})) == ["gz-2"]
    # With the customer's place too, the city's best carry their distance from it.
    with_distance = client.get("/outlets/", {"city": "440100", **FUTIAN, "lang": "en"}).content.decode()
    assert "99.7 km away" in with_distance


def test_the_sketch_map_is_drawn_on_the_server_around_the_customer(client, network):  # type: ignore[no-untyped-def]
    text = client.get("/outlets/", FUTIAN).content.decode()
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert 'id="map-customer"' in svg and svg.count('class="map-outlet"') == len(codes_in(text))
    # Nothing is loaded from elsewhere: no tile service, script or style sheet.
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert 'role="img"' in svg and "km" in svg


def codes_in(text: str) -> list[str]:
    return re.findall(r'id="outlet-([a-z0-9-]+)" aria-labelledby', text)


def test_no_customer_place_means_no_customer_on_the_map(client, network):  # type: ignore[no-untyped-def]
    text = client.get("/outlets/", {"city": "440100"}).content.decode()
    assert "<svg" in text and 'id="map-customer"' not in text


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("field", ["lat", "lon", "address", "city", "speciality", "max_wait", "open_now"])
def test_no_value_of_any_field_makes_the_finder_answer_500(client, network, field, value):  # type: ignore[no-untyped-def]
    params = {**FUTIAN, field: value}
    page = client.get("/outlets/", params)
    assert page.status_code in (200, 422), (field, value, page.status_code)
    assert "9" * 200 not in page.content.decode()  # huge input is not echoed back in an error


@pytest.mark.parametrize("raw", ["%00", "%ED%A0%BD", "%FF", "%F0%9F"])
def test_broken_bytes_in_the_address_never_make_a_500(client, network, raw):  # type: ignore[no-untyped-def]
    # A NUL is refused before any view; broken UTF-8 is read as U+FFFD, a city no list has.
    assert client.get(f"/outlets/?city={raw}").status_code == 422
    assert client.get(f"/outlets/verify/?q={raw}").status_code == (422 if raw == "%00" else 200)


def test_half_a_location_is_a_422_that_says_so(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"lat": "22.5", "lang": "en"})
    assert page.status_code == 422 and "Your location was incomplete" in page.content.decode()
    out_of_range = client.get("/outlets/", {"lat": "91", "lon": "114"})
    assert out_of_range.status_code == 422


def test_a_typed_address_lists_the_outlets_near_it(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"address": "广东省深圳市南山区科苑路15号(科兴科学园B座3楼)"})
    text = page.content.decode()
    assert page.status_code == 200 and "以下是您所填地址附近的网点" in text
    assert codes(page)[0] == "sz-nanshan" and "gz-1" in codes(page)
    assert 'id="map-customer"' in text


def test_a_city_chosen_with_the_address_tells_its_readings_apart(client, network):  # type: ignore[no-untyped-def]
    # 鼓楼区 is in five cities; none of them has an outlet here, so the hint must not invent one.
    alone = client.get("/outlets/", {"address": "鼓楼区中山路1号", "lang": "en"})
    assert alone.status_code == 422 and "more than one place" in alone.content.decode()
    assert codes(alone) == []
    # The city chosen beside a district name shared with no other reading places it.
    hinted = client.get("/outlets/", {"address": "南山区科苑路15号", "city": "440300"})
    assert hinted.status_code == 200 and codes(hinted)[0] == "sz-nanshan"


def test_an_address_that_names_no_place_is_a_422_on_the_address(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"address": "门口那家店"})
    text = page.content.decode()
    assert page.status_code == 422 and 'id="address-error"' in text and "请补充所在城市或区县" in text
    ambiguous = client.get("/outlets/", {"address": "朝阳区建国路88号"}).content.decode()
    assert "北京" in ambiguous and "长春" in ambiguous


def test_the_browsers_location_wins_over_a_typed_address(client, network):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {**FUTIAN, "address": "广州市天河区天河路200号"})
    assert page.status_code == 200 and codes(page)[0] == "sz-futian"


def test_the_finder_takes_a_fixed_number_of_queries_whatever_the_number_of_outlets(client, network):  # type: ignore[no-untyped-def]
    def count(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/outlets/", params).status_code == 200
        return len(queries.captured_queries)

    few = {"near": count(FUTIAN), "city": count({"city": "440100"})}
    make_outlets(*(guangzhou_row(f"gz-more-{n}", 100 + n) for n in range(12)))
    many = {"near": count(FUTIAN), "city": count({"city": "440100"})}
    assert many == few
    assert many["near"] <= 8 and many["city"] <= 8


@pytest.mark.parametrize(
    ("query", "verdict_words", "shows"),
    [
        # Both Shenzhen outlets publish this number; the revoked one does too, but is not shown.
        ("0755-8888 6666", "这属于授权服务网点", ["sz-futian", "sz-nanshan"]),
        ("旧网点", "授权已失效", []),
        ("91440300MA5F0000X0", "信用代码无效", []),
        ("街角手机快修", "查无此店", []),
    ],
)
def test_the_verify_page_tells_an_authorised_outlet_from_a_fake(client, network, query, verdict_words, shows):  # type: ignore[no-untyped-def]
    page = client.get("/outlets/verify/", {"q": query})
    text = page.content.decode()
    assert page.status_code == 200 and verdict_words in text
    assert codes(page) == shows


def test_the_verify_page_in_english_and_its_bad_input(client, network):  # type: ignore[no-untyped-def]
    uscc = network["sz-futian"].uscc
    page = client.get("/outlets/verify/", {"q": uscc, "lang": "en"})
    assert "Yes: this belongs to an authorised outlet." in page.content.decode()
    for value in ("", " ", "x" * 101, "9" * 100_000, "\t\n"):
        refused = client.get("/outlets/verify/", {"q": value})
        assert refused.status_code == 422, value[:10]
    assert client.get("/outlets/verify/").status_code == 200


def test_a_nice_scale_bar_and_every_point_inside_the_frame():  # type: ignore[no-untyped-def]
    assert [nice_length(x) for x in (0.7, 1, 3.9, 12, 180)] == [0.5, 1, 2, 10, 100]
    sketch = sketch_map(
        customer=(22.5431, 114.0579),
        outlets=[(22.5329, 113.9305, "1", "a"), (22.60, 114.10, "2", "b"), (22.5431, 114.0579, "3", "c")],
    )
    assert sketch is not None
    for p in (*sketch.outlets, sketch.customer):
        assert p is not None and 0 < p.x < sketch.width and 0 < p.y < sketch.height
    # North up and east right: the northern point is higher, the western one further left.
    assert sketch.outlets[1].y < sketch.customer.y and sketch.outlets[0].x < sketch.customer.x  # type: ignore[union-attr]
    # One point alone is drawn in the middle at a sensible scale, not divided by zero.
    alone = sketch_map(customer=None, outlets=[(22.5, 114.0, "1", "a")])
    assert alone is not None and (alone.outlets[0].x, alone.outlets[0].y) == (180, 130) and alone.scale_km > 0
    assert sketch_map(customer=None, outlets=[]) is None


def test_near_me_never_lists_an_outlet_beyond_the_reach_and_says_so(client, db):  # type: ignore[no-untyped-def]
    outlets = make_outlets(
        outlet_row("sz-busy", lat="22.5400", lon="114.0600"),
        outlet_row(
            "bj-far",
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
    outlet_queue_join(actor=ANONYMOUS, outlet=outlets["sz-busy"], lane="normal")
    near = {"lat": "22.54", "lon": "114.05"}
    assert codes(client.get("/outlets/", near)) == ["sz-busy"]
    # The only outlet with no wait is some 1,950 km away: not "near you".
    chinese = client.get("/outlets/", {**near, "max_wait": "0"})
    assert chinese.status_code == 200 and codes(chinese) == []
    assert "150 公里内没有符合条件的授权网点" in chinese.content.decode()
    english = client.get("/outlets/", {**near, "max_wait": "0", "lang": "en"}).content.decode()
    assert "No authorised outlet within 150 km matches" in english

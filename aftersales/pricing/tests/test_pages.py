"""The public price page: a model's repair prices per part and its trade-in table, in force today.

Persona: a customer with a Reno10 and a cracked screen, deciding between a repair and a trade-in.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.parts.models import Component, Part
from aftersales.parts.tests.factories import make_catalogue
from aftersales.pricing.services import trade_in_price_publish
from aftersales.pricing.tests.factories import publish

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JULY_1 = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def price_list(db):  # type: ignore[no-untyped-def]
    reno = make_catalogue()
    publish(reno.screen, "899.00", "100.00", effective_from=date(2026, 1, 1))
    publish(reno.screen, "949.00", "120.00", effective_from=date(2026, 7, 1))
    publish(reno.screen, "999.00", "120.00", effective_from=date(2026, 8, 1))  # not yet
    publish(reno.battery, "199.00", "50.00", effective_from=date(2026, 1, 1))
    for grade, price in (("like_new", "1800.00"), ("good", "1500.00"), ("poor", "400.00")):
        trade_in_price_publish(
            actor=SYSTEM,
            model_code="reno10",
            condition=grade,
            price=Decimal(price),
            effective_from=date(2026, 1, 1),
        )
    trade_in_price_publish(
        actor=SYSTEM,
        model_code="reno10",
        condition="good",
        price=Decimal("1450.00"),
        effective_from=date(2026, 6, 1),
    )
    other = make_catalogue("find-x7")
    publish(other.battery, "259.00", "60.00", effective_from=date(2026, 1, 1))
    return reno


def rows(text: str, table: str) -> list[list[str]]:
    body = text[text.index(f'id="{table}"') :]
    body = body[: body.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", " ", cell).split()[0] for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body[body.index("<tbody>") :])
    ]


def test_the_page_shows_the_repair_prices_and_trade_in_prices_in_force_today(client, price_list):  # type: ignore[no-untyped-def]
    with clock.travel_to(JULY_1):
        page = client.get("/prices/", {"model": "reno10"})
    text = page.content.decode()
    assert page.status_code == 200 and '<html lang="zh-Hans">' in text
    assert "2026-07-01 执行的标准价格" in text and "起执行" not in text
    # By part number: the part, then parts, labour and the total of the price in force on July 1.
    assert rows(text, "repair-prices") == [
        ["电池", "¥199.00", "¥50.00", "¥249.00"],
        ["屏幕", "¥949.00", "¥120.00", "¥1069.00"],
    ]
    assert rows(text, "trade-in-prices") == [
        ["几乎全新", "¥1800.00"],
        ["良好", "¥1450.00"],
        ["较差", "¥400.00"],
    ]


def test_the_page_in_english_and_before_a_price_change(client, price_list):  # type: ignore[no-untyped-def]
    with clock.travel_to(datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)):
        text = client.get("/prices/", {"model": "reno10", "lang": "en"}).content.decode()
    assert '<html lang="en">' in text and "Repair prices: Reno10" in text
    assert rows(text, "repair-prices")[1] == ["Screen", "¥899.00", "¥100.00", "¥999.00"]
    assert rows(text, "trade-in-prices") == [["Like", "¥1800.00"], ["Good", "¥1450.00"], ["Poor", "¥400.00"]]


def test_the_first_visit_shows_the_first_model_and_lists_every_priced_model(client, price_list):  # type: ignore[no-untyped-def]
    with clock.travel_to(JULY_1):
        text = client.get("/prices/").content.decode()
    assert 'value="find-x7"' in text and 'value="reno10"' in text
    assert "维修价格:" in text and "¥259.00" in text  # find-x7 comes first by code
    with clock.travel_to(JULY_1):
        other = client.get("/prices/", {"model": "find-x7"}).content.decode()
    assert "该机型暂未公布以旧换新价格" in other


@pytest.mark.parametrize(
    "value", ["nokia-3310", "", "\u202ereno10", "😀", "9" * 100_000, "<script>alert(1)</script>", "reno10'--"]
)
def test_an_unknown_model_is_a_422_never_a_500(client, price_list, value):  # type: ignore[no-untyped-def]
    page = client.get("/prices/", {"model": value, "lang": "en"})
    assert page.status_code == 422
    assert 'id="model-error"' in page.content.decode()
    if value:
        assert "Choose a model from the list." in page.content.decode()
    assert "9" * 200 not in page.content.decode() and "<script>alert" not in page.content.decode()


def test_a_nul_in_the_address_is_refused_before_the_page(client, price_list):  # type: ignore[no-untyped-def]
    assert client.get("/prices/?model=reno10%00").status_code == 422


def test_no_prices_at_all_says_so(client, db):  # type: ignore[no-untyped-def]
    page = client.get("/prices/", {"lang": "en"})
    assert page.status_code == 200 and "No prices are published yet." in page.content.decode()


def test_the_page_takes_a_fixed_number_of_queries_whatever_the_number_of_parts(client, price_list):  # type: ignore[no-untyped-def]
    def count() -> int:
        with clock.travel_to(JULY_1), CaptureQueriesContext(connection) as queries:
            assert client.get("/prices/", {"model": "reno10"}).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for n in range(8):
        part = Part.objects.create(
            number=f"RN10-SPK-{n}", model=price_list.model, component=Component.SPEAKER, name=f"扬声器 {n}"
        )
        publish(part, "59.00", "30.00", effective_from=date(2026, 1, 1))
    assert count() == few <= 8


def test_every_component_is_named_in_words_in_both_languages(client, price_list):  # type: ignore[no-untyped-def]
    from aftersales.pricing.views import COMPONENTS

    assert set(COMPONENTS) == set(Component.values)
    part = Part.objects.create(
        number="RN10-BC", model=price_list.model, component=Component.BACK_COVER, name="Reno10 后盖组件"
    )
    publish(part, "89.00", "40.00", effective_from=date(2026, 1, 1))
    with clock.travel_to(JULY_1):
        chinese = client.get("/prices/", {"model": "reno10"}).content.decode()
        english = client.get("/prices/", {"model": "reno10", "lang": "en"}).content.decode()
    assert ["后盖", "¥89.00", "¥40.00", "¥129.00"] in rows(chinese, "repair-prices")
    assert "Back cover<br>" in english and "back_cover" not in english and "back_cover" not in chinese

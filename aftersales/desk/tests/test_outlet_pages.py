"""The outlet pages through the test client: the day's repair orders, a repair order's page and its
steps, the outlet's parts, and opening an order from a complaint.

Personas (aftersales/repairs/tests/factories.py): olga, technician of outlet sz-futian-01,
where the complaints are dispatched; otto, technician of gz-tianhe-01, who should not see
olga's orders. From conftest.py: tom (technical team, central: may view and work every
order), alice (hotline agent, central: may view, has no repair step).
"""

import html as html_text
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.parts.models import Component, Part, Stock
from aftersales.parts.tests.factories import stock_up
from aftersales.pricing.tests.factories import publish
from aftersales.repairs import services
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.selectors import agreement_current
from aftersales.repairs.tests.factories import (
    approved_order,
    dispatched_complaint,
    make_bench,
    open_order,
    other_outlet_technician,
    quoted_order,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def bench(db):  # type: ignore[no-untyped-def]
    return make_bench()


def htmx() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


def visible_text(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def page(order: RepairOrder) -> str:
    return f"/desk/repairs/{order.number}/"


def step(client, order: RepairOrder, name: str, data: dict[str, str | list[str]] | None = None, **extra):  # type: ignore[no-untyped-def]
    return client.post(f"/desk/repairs/{order.number}/{name}/", data or {}, **htmx(), **extra)


def fresh(order: RepairOrder) -> RepairOrder:
    return RepairOrder.objects.get(pk=order.pk)


# --- the day's repair orders ----------------------------------------------------------------------


def test_a_technician_sees_the_outlets_open_orders_of_the_day_grouped_by_state(client, bench):  # type: ignore[no-untyped-def]
    received = open_order(bench)
    quoted = quoted_order(bench)
    otto = other_outlet_technician()
    theirs = open_order(bench)
    RepairOrder.objects.filter(pk=theirs.pk).update(team=otto.team)
    text = visible_text(client_for(client, bench.olga).get("/desk/outlet/"))
    assert received.number in text and quoted.number in text and theirs.number not in text
    assert "已接机 (1)" in text and "已报价 (1)" in text
    assert text.index("已接机") < text.index("已报价")
    assert received.complaint.number in text and "Reno10" in text and "SZ0042" in text
    assert "0 分钟" in text
    assert not any(code in text for code in ("received", "quoted", "outlet-sz"))


def test_the_day_page_speaks_english_and_gives_the_age_of_each_order(client, bench):  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    with clock.travel_to(at):
        order = open_order(bench)
    with clock.travel_to(at + timedelta(hours=5, minutes=10)):
        text = visible_text(client_for(client, bench.olga).get("/desk/outlet/?lang=en"))
    assert order.number in text and "Received (1)" in text and "5 h" in text
    assert "Repair orders today" in text


def test_an_order_handed_back_yesterday_leaves_the_day_and_one_handed_back_today_stays(client, bench):  # type: ignore[no-untyped-def]
    day = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    with clock.travel_to(day - timedelta(days=1)):
        yesterday = _returned(bench)
    with clock.travel_to(day):
        today = _returned(bench)
        text = visible_text(client_for(client, bench.olga).get("/desk/outlet/"))
    assert today.number in text and yesterday.number not in text and "已取机 (1)" in text


def _returned(bench) -> RepairOrder:  # type: ignore[no-untyped-def]
    order = approved_order(bench)
    order = services.repair_order_start(actor=bench.actor, order=order)
    order = services.repair_order_complete(actor=bench.actor, order=order)
    return services.repair_order_return(actor=bench.actor, order=order)


def test_central_staff_see_every_outlet_or_the_one_they_ask_for_and_outlet_staff_only_theirs(
    client, bench, tom
):  # type: ignore[no-untyped-def]
    ours = open_order(bench)
    otto = other_outlet_technician()
    text = visible_text(client_for(client, tom).get("/desk/outlet/"))
    assert ours.number in text
    assert ours.number not in visible_text(client.get("/desk/outlet/?outlet=gz-tianhe-01"))
    assert ours.number in visible_text(client.get("/desk/outlet/?outlet=SZ-FUTIAN-01"))
    # Otto asks for olga's outlet: he still sees only his own.
    assert ours.number not in visible_text(client_for(client, otto).get("/desk/outlet/?outlet=sz-futian-01"))


def test_the_day_list_answers_htmx_with_the_list_alone(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    response = client_for(client, bench.olga).get("/desk/outlet/", **htmx())
    body = response.content.decode()
    assert order.number in body and "<html" not in body


def test_the_day_page_takes_the_same_number_of_queries_for_one_order_or_ten(client, bench):  # type: ignore[no-untyped-def]
    client = client_for(client, bench.olga)
    counts = []
    for batch in (1, 9):
        for _ in range(batch):
            open_order(bench)
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/desk/outlet/")
        assert response.content.decode().count('class="queue-link number"') == (1 if batch == 1 else 10)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def client_for(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


# --- parts ------------------------------------------------------------------------------------------


def test_the_parts_page_shows_on_hand_reserved_and_free_at_the_outlet(client, bench):  # type: ignore[no-untyped-def]
    approved_order(bench)  # reserves one screen and one battery of the two on hand
    text = visible_text(client_for(client, bench.olga).get("/desk/outlet/parts/"))
    row = text[text.index("RN10-SCR-01") :]
    assert re.match(r"RN10-SCR-01 屏幕总成 Screen assembly 屏幕 Reno10 2 1 1 库存低 0", row), row[:80]
    assert "RN10-CAM-01" in text
    nav = text[: text.index("RN10-SCR-01")]
    assert "配件库存" in nav and "配件费" not in text
    english = visible_text(client.get("/desk/outlet/parts/?lang=en"))
    assert "On hand" in english and "Reserved" in english and "Free" in english


def test_a_part_with_nothing_free_is_marked(client, bench):  # type: ignore[no-untyped-def]
    Stock.objects.filter(part=bench.catalogue.camera).update(reserved=2)
    body = client_for(client, bench.olga).get("/desk/outlet/parts/").content.decode()
    assert '<strong class="late">0</strong>' in body


def test_central_staff_name_the_outlet_whose_parts_they_want(client, bench, tom):  # type: ignore[no-untyped-def]
    client = client_for(client, tom)
    assert "RN10-SCR-01" not in visible_text(client.get("/desk/outlet/parts/"))
    assert "RN10-SCR-01" in visible_text(client.get("/desk/outlet/parts/?outlet=sz-futian-01"))


# --- the repair order page ---------------------------------------------------------------------------


def test_the_page_explains_the_warranty_decision_per_item_and_itemises_the_quote(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench, touch_failures=3, battery_health=76)
    text = visible_text(client_for(client, bench.olga).get(page(order)))
    assert "已报价" in text and "SZ0042" in text
    assert "电池健康度 76% < 80%" in text and "连续 3 次" in text
    assert "保修" in text and "¥0.00" in text
    assert order.quote_digest in text
    english = visible_text(client.get(page(order) + "?lang=en"))
    assert (
        "battery health 76% < 80%" in english and "Quoted" in english and "Covered by the warranty" in english
    )


def test_the_agreement_in_force_is_shown_with_its_version_and_hash(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    current = agreement_current(at=clock.now())
    assert current is not None
    text = visible_text(client_for(client, bench.olga).get(page(order)))
    assert current.version in text and current.sha256 in text and "电子服务协议" in text


def test_only_the_moves_the_state_table_allows_are_offered(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    body = client_for(client, bench.olga).get(page(order)).content.decode()
    for offered in ("checks-save", "diagnose-save", "agreement-accept", "work-cancel"):
        assert f'id="{offered}"' in body, offered
    for withheld in (
        "quote-make",
        "quote-approve",
        "work-start",
        "work-complete",
        "work-return",
        "work-refuse",
    ):
        assert f'id="{withheld}"' not in body, withheld
    quoted = quoted_order(bench)
    body = client.get(page(quoted)).content.decode()
    assert 'id="quote-approve"' in body and 'id="work-refuse"' in body and 'id="checks-save"' not in body


def test_checks_recorded_from_the_page_are_typed_results(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    response = step(
        client_for(client, bench.olga),
        order,
        "checks",
        {
            "touch-result": "fail",
            "touch-count": "３",
            "battery_health-value": "７６%",
            "charge_current-result": "pass",
            "charge_current-value": "1850 mA",
            "moisture-result": "pass",
            "visible_damage-result": "fail",
            "visible_damage-note": "右上角裂纹 🙁",
            "camera-result": "",
        },
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    recorded = {c.kind: c for c in fresh(order).checks.all()}
    assert set(recorded) == {"touch", "battery_health", "charge_current", "moisture", "visible_damage"}
    assert recorded["touch"].passed is False and recorded["touch"].count == 3
    assert recorded["battery_health"].value == 76 and recorded["charge_current"].value == 1850
    assert recorded["visible_damage"].note == "右上角裂纹 🙁"
    assert "已完成:记录检测结果" in visible_text(response)


def test_a_battery_health_of_130_percent_is_refused_beside_its_field_and_nothing_is_recorded(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    response = step(
        client_for(client, bench.olga),
        order,
        "checks",
        {"camera-result": "pass", "battery_health-value": "130"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "电池健康度 · 数值:超出范围:0% 至 100%。" in visible_text(response)
    assert 'id="check-battery_health-value" maxlength="12" value="130" aria-invalid="true"' in body
    assert 'id="check-battery_health-value-error"' in body
    assert not fresh(order).checks.exists()


def test_bad_numbers_in_the_checks_are_refused_in_english_naming_the_field(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    client = client_for(client, bench.olga)
    words = step(client, order, "checks", {"battery_health-value": "七十六"}, HTTP_ACCEPT_LANGUAGE="en")
    assert words.status_code == 422
    assert "Battery health · value: Must be a whole number." in visible_text(words)
    no_count = step(client, order, "checks", {"touch-result": "fail"}, HTTP_ACCEPT_LANGUAGE="en")
    assert no_count.status_code == 422
    assert "Touch test · abnormal results in a row: This field is required." in visible_text(no_count)
    odd = step(client, order, "checks", {"camera-result": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert odd.status_code == 422 and "Camera · result: Choose normal or abnormal." in visible_text(odd)
    chinese = step(client, order, "checks", {"camera-result": "maybe"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请选择“正常”或“异常”。" in visible_text(chinese)
    assert not fresh(order).checks.exists()


def test_a_nul_character_anywhere_is_refused_not_a_server_error(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    client = client_for(client, bench.olga)
    response = step(client, order, "diagnose", {"diagnosis": "屏幕\x00坏了", "qty-RN10-SCR-01": "1"})
    assert response.status_code == 422 and "空字符" in visible_text(response)
    response = step(client, order, "diagnose", {"diagnosis": "屏幕", "qty-RN10\x00": "1"})
    assert response.status_code == 422
    assert fresh(order).diagnosis == ""


HOSTILE = (
    "９９９９９９９９９９９９",
    "99999999999999999999999999",
    "1e3",
    "螢幕觸控失靈😡",
    "<script>alert(1)</script>",
    "\u202e01",
    "x" * 5000,
    "屏幕\x00坏了",
)


def test_no_string_in_any_field_of_any_step_gets_a_server_error(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    client = client_for(client, bench.olga)
    fields = (
        "touch-result",
        "touch-count",
        "battery_health-value",
        "charge_current-value",
        "visible_damage-note",
        "diagnosis",
        "qty-RN10-SCR-01",
        "quote",
        "version",
        "reason",
        "part_used",
    )
    for name in (
        "checks",
        "diagnose",
        "quote",
        "approve",
        "refuse",
        "agreement",
        "start",
        "complete",
        "cancel",
    ):
        for text in HOSTILE:
            response = step(client, order, name, {field: text for field in fields} | {"parts_listed": "1"})
            assert response.status_code < 500, (name, text[:20], response.status_code)
            assert "<script>alert(1)</script>" not in response.content.decode()
    assert fresh(order).state in ("quoted", "refused_by_customer", "cancelled")


def test_the_diagnosis_from_the_page_decides_the_warranty_per_part(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    services.repair_order_record_checks(
        actor=bench.actor, order=order, checks=[services.CheckResult(kind="battery_health", value=76)]
    )
    response = step(
        client_for(client, bench.olga),
        order,
        "diagnose",
        {"diagnosis": "电池老化", "qty-RN10-BAT-01": "1", "qty-RN10-SCR-01": "0", "qty-RN10-CAM-01": ""},
    )
    assert response.status_code == 200
    items = list(fresh(order).items.all())
    assert [(i.part.number, i.coverage) for i in items] == [("RN10-BAT-01", "covered")]
    assert "电池健康度 76% < 80%" in visible_text(response)


def test_bad_parts_in_the_diagnosis_are_named_and_nothing_is_written(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    client = client_for(client, bench.olga)
    negative = step(client, order, "diagnose", {"diagnosis": "屏幕坏", "qty-RN10-SCR-01": "-1"})
    assert negative.status_code == 422
    assert "屏幕总成 Screen assembly:数量须为大于 0 的整数。" in visible_text(negative)
    assert 'id="qty-RN10-SCR-01-error"' in negative.content.decode()
    unknown = step(client, order, "diagnose", {"diagnosis": "屏幕坏", "qty-NOKIA-3310": "1"})
    assert unknown.status_code == 422 and "未知配件编号 NOKIA-3310" in visible_text(unknown)
    nothing = step(client, order, "diagnose", {"diagnosis": "屏幕坏"})
    assert nothing.status_code == 422 and "需更换的配件" in visible_text(nothing)
    empty = step(client, order, "diagnose", {"diagnosis": "  ", "qty-RN10-SCR-01": "1"})
    assert empty.status_code == 422 and 'id="diagnosis-error"' in empty.content.decode()
    assert not fresh(order).items.exists() and fresh(order).state == "received"


def test_approving_a_quote_that_changed_is_a_409_naming_the_quote(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    response = step(client_for(client, bench.olga), order, "approve", {"quote": "0" * 64})
    assert response.status_code == 409
    assert "报价:" in visible_text(response) and "报价已变更" in visible_text(response)
    assert fresh(order).state == "quoted" and not Stock.objects.filter(reserved__gt=0).exists()


def test_a_part_short_at_approval_is_a_409_naming_the_part_and_nothing_is_reserved(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    Stock.objects.filter(part=bench.catalogue.battery).update(reserved=2)
    response = step(client_for(client, bench.olga), order, "approve", {"quote": order.quote_digest})
    assert response.status_code == 409
    text = visible_text(response)
    assert "RN10-BAT-01 电池 Battery:网点 sz-futian-01 配件 RN10-BAT-01 可用 0 件,需要 1 件。" in text
    assert fresh(order).state == "quoted"
    assert Stock.objects.get(part=bench.catalogue.screen).reserved == 0


def test_a_part_without_a_price_is_named_when_quoting(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    back = Part.objects.create(
        number="RN10-BCK-01", model=bench.catalogue.model, component=Component.BACK_COVER, name="后盖"
    )
    services.repair_order_diagnose(
        actor=bench.actor, order=order, diagnosis="后盖碎裂", items=[services.ItemRequest(part=back.number)]
    )
    response = step(client_for(client, bench.olga), order, "quote", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "RN10-BCK-01 后盖: Part RN10-BCK-01 has no price in force on" in visible_text(response)
    assert fresh(order).state == "diagnosed"


def test_work_cannot_start_without_the_agreement_and_an_old_version_is_refused(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    client = client_for(client, bench.olga)
    assert step(client, order, "approve", {"quote": order.quote_digest}).status_code == 200
    response = step(client, order, "start")
    assert response.status_code == 409 and "尚未签署电子服务协议" in visible_text(response)
    old = step(client, order, "agreement", {"version": "2025-01"})
    assert old.status_code == 409 and "服务协议:服务协议版本 2025-01 不是现行版本" in visible_text(old)
    assert fresh(order).state == "approved" and fresh(order).agreement is None


def test_a_step_the_state_does_not_allow_is_a_409_in_words_not_codes(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    response = step(client_for(client, bench.olga), order, "return")
    assert response.status_code == 409
    text = visible_text(response)
    assert "无法执行“交还设备”" in text and "已接机" in text and "record_checks" not in text


def test_cancelling_needs_a_reason_and_releases_the_parts(client, bench):  # type: ignore[no-untyped-def]
    order = approved_order(bench)
    client = client_for(client, bench.olga)
    refused = step(client, order, "cancel", {"reason": ""})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.content.decode()
    assert step(client, order, "cancel", {"reason": "客户改主意 🙂"}).status_code == 200
    assert fresh(order).state == "cancelled" and not Stock.objects.filter(reserved__gt=0).exists()


def test_the_whole_repair_from_the_page_resolves_the_complaint(client, bench):  # type: ignore[no-untyped-def]
    order = quoted_order(bench)
    client = client_for(client, bench.olga)
    current = agreement_current(at=clock.now())
    assert current is not None
    assert step(client, order, "agreement", {"version": current.version}).status_code == 200
    assert step(client, order, "approve", {"quote": order.quote_digest}).status_code == 200
    for name in ("start", "complete"):
        assert step(client, order, name).status_code == 200, name
    # Without HTMX a step answers with a redirect back to the page.
    plain = client.post(f"/desk/repairs/{order.number}/return/")
    assert plain.status_code == 302 and plain["Location"] == page(order)
    order = fresh(order)
    assert order.state == "returned" and order.agreement_sha256 == current.sha256
    assert Complaint.objects.get(pk=order.complaint_id).state == "resolved"
    text = visible_text(client.get(page(order)))
    assert "已取机" in text and "已使用" in text and current.sha256 in text


def test_completion_fits_the_parts_ticked_and_returns_the_others_to_stock(client, bench):  # type: ignore[no-untyped-def]
    order = services.repair_order_start(actor=bench.actor, order=approved_order(bench))
    client = client_for(client, bench.olga)
    body = client.get(page(order)).content.decode()
    assert 'id="used-RN10-SCR-01" checked' in body and 'id="used-RN10-BAT-01" checked' in body
    never = step(client, order, "complete", {"parts_listed": "1", "part_used": ["RN10-CAM-01"]})
    assert never.status_code == 409
    assert "RN10-CAM-01:配件 RN10-CAM-01 未为本次维修预留。" in visible_text(never)
    assert fresh(order).state == "repairing"
    done = step(client, order, "complete", {"parts_listed": "1", "part_used": ["RN10-SCR-01"]})
    assert done.status_code == 200 and fresh(order).state == "completed"
    screen = Stock.objects.get(part=bench.catalogue.screen)
    battery = Stock.objects.get(part=bench.catalogue.battery)
    assert (screen.on_hand, screen.reserved, battery.on_hand, battery.reserved) == (1, 0, 2, 0)
    assert "已释放" in visible_text(done) and "已使用" in visible_text(done)


# --- access -------------------------------------------------------------------------------------------


def test_staff_of_another_outlet_get_not_found_on_the_page_and_every_step(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    otto = other_outlet_technician()
    client = client_for(client, otto)
    assert client.get(page(order)).status_code == 404
    assert client.get("/desk/repairs/NO-SUCH-R1/").status_code == 404
    response = step(client, order, "checks", {"camera-result": "fail"})
    assert response.status_code == 404 and "未找到该维修单" in visible_text(response)
    assert not fresh(order).checks.exists()


def test_central_staff_may_view_and_an_agent_has_no_repair_step(client, bench, alice, tom):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    viewed = client_for(client, alice).get(page(order))
    assert viewed.status_code == 200 and 'id="checks-save"' not in viewed.content.decode()
    refused = step(client, order, "checks", {"camera-result": "fail"})
    assert refused.status_code == 409 and not fresh(order).checks.exists()
    worked = step(client_for(client, tom), order, "checks", {"camera-result": "fail"})
    assert worked.status_code == 200 and fresh(order).checks.count() == 1


def test_the_outlet_manager_works_the_outlets_orders_like_its_technicians(client, bench):  # type: ignore[no-untyped-def]
    from aftersales.accounts.roles import Role
    from aftersales.accounts.tests.factories import StaffFactory

    manager = StaffFactory(username="mia", role=Role.OUTLET_MANAGER, team=bench.outlet.team)
    order = open_order(bench)
    client = client_for(client, manager)
    assert order.number in visible_text(client.get("/desk/outlet/"))
    assert step(client, order, "checks", {"signal-result": "fail"}).status_code == 200
    assert fresh(order).checks.get().kind == "signal"


def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in(client, bench):  # type: ignore[no-untyped-def]
    order = open_order(bench)
    response = client.get(page(order))
    assert response.status_code == 302 and response["Location"].startswith("/desk/signin/")
    assert client.post(f"/desk/repairs/{order.number}/start/").status_code == 302


def _more_parts(bench, count: int) -> list[Part]:  # type: ignore[no-untyped-def]
    parts = []
    for index in range(count):
        part = Part.objects.create(
            number=f"RN10-BCK-{index:02d}",
            model=bench.catalogue.model,
            component=Component.BACK_COVER,
            name="后盖",
        )
        publish(part, "59.00", "20.00")
        stock_up(bench.outlet.code, part, 3)
        parts.append(part)
    return parts


def page_queries(client, order: RepairOrder) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page(order))
    assert response.status_code == 200
    return len(captured)


def test_the_page_takes_the_same_number_of_queries_whatever_the_checks_parts_and_events(client, bench):  # type: ignore[no-untyped-def]
    extra = _more_parts(bench, 8)
    small = open_order(bench)
    services.repair_order_record_checks(
        actor=bench.actor, order=small, checks=[services.CheckResult(kind="camera", passed=True)]
    )
    services.repair_order_diagnose(
        actor=bench.actor, order=small, diagnosis="摄像头", items=[services.ItemRequest(part="RN10-CAM-01")]
    )
    small = services.repair_order_quote(actor=bench.actor, order=small)
    services.repair_order_approve(actor=bench.actor, order=small, quote=small.quote_digest)

    large = open_order(bench)
    every_check = [
        services.CheckResult(kind="touch", passed=False, count=3),
        services.CheckResult(kind="battery_health", value=76),
        services.CheckResult(kind="charge_current", passed=True, value=1500),
        services.CheckResult(kind="camera", passed=False),
        services.CheckResult(kind="audio", passed=True),
        services.CheckResult(kind="signal", passed=True),
        services.CheckResult(kind="moisture", passed=True),
        services.CheckResult(kind="visible_damage", passed=False, note="裂纹"),
    ]
    for _ in range(3):  # more steps on the timeline
        services.repair_order_record_checks(actor=bench.actor, order=large, checks=every_check)
    ten = ["RN10-SCR-01", "RN10-BAT-01"] + [p.number for p in extra]
    services.repair_order_diagnose(
        actor=bench.actor,
        order=large,
        diagnosis="多处故障",
        items=[services.ItemRequest(part=n) for n in ten],
    )
    large = services.repair_order_quote(actor=bench.actor, order=large)
    services.repair_order_approve(actor=bench.actor, order=large, quote=large.quote_digest)
    assert fresh(large).checks.count() == 8 and fresh(large).items.count() == 10

    client = client_for(client, bench.olga)
    assert page_queries(client, small) == page_queries(client, large)


# --- opening from the complaint -----------------------------------------------------------------------


def test_outlet_staff_open_a_repair_order_from_the_complaint_page(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    client = client_for(client, bench.olga)
    body = client.get(f"/desk/complaints/{complaint.number}/").content.decode()
    assert 'id="open-repair"' in body and "Reno10" in body
    response = client.post(
        f"/desk/complaints/{complaint.number}/repair-order/",
        {"model": "reno10", "damage_date": "２０２６-１１-０１"},
    )
    order = RepairOrder.objects.get(complaint=complaint)
    assert response.status_code == 302 and response["Location"] == page(order)
    assert order.team == bench.outlet.team and order.engineer == bench.olga
    assert str(order.damage_date) == "2026-11-01"
    text = visible_text(client.get(f"/desk/complaints/{complaint.number}/"))
    assert order.number in text and "已接机" in text
    # The complaint's timeline tells the repair step in words.
    assert f"接机:维修单 {order.number}" in text and " repair " not in text


def test_a_second_click_on_open_does_not_open_a_second_order_for_the_device(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    client = client_for(client, bench.olga)
    url = f"/desk/complaints/{complaint.number}/repair-order/"
    first = client.post(url, {"model": "reno10"})
    assert first.status_code == 302
    again = client.post(url, {"model": "reno10"}, follow=True)
    orders = list(RepairOrder.objects.filter(complaint=complaint))
    assert len(orders) == 1
    assert f"维修单 {orders[0].number} 尚未完成" in visible_text(again)
    # Once that order is finished (here: cancelled), the device may come in again.
    services.repair_order_cancel(actor=staff_actor(bench.olga), order=orders[0], reason="客户改约")
    assert client.post(url, {"model": "reno10"}).status_code == 302
    assert RepairOrder.objects.filter(complaint=complaint).count() == 2


def test_opening_with_an_unknown_model_or_a_bad_date_says_why_on_the_complaint_page(client, bench):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    client = client_for(client, bench.olga)
    response = client.post(
        f"/desk/complaints/{complaint.number}/repair-order/", {"model": "nokia-3310"}, follow=True
    )
    assert "机型:未知机型 nokia-3310" in visible_text(response)
    response = client.post(
        f"/desk/complaints/{complaint.number}/repair-order/",
        {"model": "reno10", "damage_date": "昨天"},
        follow=True,
    )
    assert "日期格式应为 YYYY-MM-DD" in visible_text(response)
    assert not RepairOrder.objects.filter(complaint=complaint).exists()


def test_central_staff_and_other_outlets_get_no_open_button(client, bench, alice):  # type: ignore[no-untyped-def]
    complaint = dispatched_complaint(bench.outlet)
    body = client_for(client, alice).get(f"/desk/complaints/{complaint.number}/").content.decode()
    assert 'id="open-repair"' not in body
    refused = client.post(
        f"/desk/complaints/{complaint.number}/repair-order/", {"model": "reno10"}, follow=True
    )
    assert "您无权" in visible_text(refused)
    otto = other_outlet_technician()
    assert (
        client_for(client, otto)
        .post(f"/desk/complaints/{complaint.number}/repair-order/", {"model": "reno10"})
        .status_code
        == 302
    )
    assert not RepairOrder.objects.filter(complaint=complaint).exists()


# --- waiting for parts ---------------------------------------------------------------------------


def test_a_quoted_order_short_of_parts_waits_for_them_from_the_page(client, bench, tom):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import staff_actor
    from aftersales.parts.models import Transfer
    from aftersales.parts.services import transfer_ship
    from aftersales.parts.tests.factories import make_depot, stock_depot

    depot = make_depot()
    for part in (bench.catalogue.screen, bench.catalogue.battery):
        stock_depot(depot, part, 3)
    order = quoted_order(bench)
    Stock.objects.filter(location_code=order.outlet.code).update(on_hand=0, reserved=0)
    olga = client_for(client, bench.olga)
    assert 'id="parts-wait"' in olga.get(page(order)).content.decode()
    waiting = step(olga, order, "wait-for-parts")
    assert waiting.status_code == 200
    text = visible_text(waiting)
    assert fresh(order).state == "waiting_parts" and "待备件" in text
    assert Complaint.objects.get(pk=order.complaint_id).state == "waiting_parts"
    # Until the depot's parcels are received, "arrived" is refused in words, and nothing moves.
    early = step(olga, order, "parts-arrived")
    assert early.status_code == 409 and fresh(order).state == "waiting_parts"
    assert "transfer_not_received" not in visible_text(early)
    # Shipped by the depot, the parts show as in transit on the outlet's parts page.
    for transfer in Transfer.objects.all():
        transfer_ship(actor=staff_actor(tom), transfer=transfer)
    parts = visible_text(olga.get("/desk/outlet/parts/"))
    row = parts[parts.index("RN10-SCR-01") :]
    assert re.match(r"RN10-SCR-01 屏幕总成 Screen assembly 屏幕 Reno10 0 0 0 (库存低 )?1", row), row[:80]


def test_every_state_and_move_of_a_repair_order_has_words_on_the_desk():  # type: ignore[no-untyped-def]
    from aftersales.desk import words
    from aftersales.repairs.status import MOVES, State

    assert [s for s in State.values if words.repair_state_words(s) == s] == []
    assert [m.action for m in MOVES if words.repair_action_words(m.action) == m.action] == []

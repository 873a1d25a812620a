"""Each warranty rule fires, and does not fire on the near miss; a rule change has its date."""

from dataclasses import replace
from datetime import date

import pytest

from aftersales.policy.tests.packs import shipped_pack_raw
from aftersales.warranty.rules import (
    COVERED,
    NOT_COVERED,
    PARTIAL,
    Facts,
    decide_item,
    last_covered_day,
    rules_on,
)

RULES = rules_on(date(2026, 6, 1))
# Bought 2025-03-02, reported 2026-11-05: 20 months in, well within 24.
BASE = Facts(purchase_date=date(2025, 3, 2), reported_on=date(2026, 11, 5))


def decide(component: str, **facts: object):  # type: ignore[no-untyped-def]
    return decide_item(component=component, facts=replace(BASE, **facts), rules=RULES)  # type: ignore[arg-type]


def texts(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [reason.text["en"] for reason in decision.reasons]


def test_the_shipped_pack_holds_the_brand_rules():  # type: ignore[no-untyped-def]
    assert (RULES.months_from_purchase, RULES.battery_health_below_percent) == (24, 80)
    assert (RULES.touch_failures_in_a_row, RULES.screen_damage_report_within_days) == (3, 7)


def test_a_battery_at_79_percent_is_replaced_free_and_says_why():  # type: ignore[no-untyped-def]
    decision = decide("battery", battery_health=79)
    assert decision.outcome == COVERED
    assert "purchase 2025-03-02, 20 months ago: within the 24-month warranty" in texts(decision)
    assert "battery health 79% < 80%: free battery" in texts(decision)
    assert "电池健康度 79% < 80%:免费更换电池" in [r.text["zh-hans"] for r in decision.reasons]
    assert decision.reasons[-1].facts == {"battery_health": 79, "below": 80}


def test_a_battery_at_80_percent_is_not_replaced_free():  # type: ignore[no-untyped-def]
    decision = decide("battery", battery_health=80)
    assert decision.outcome == NOT_COVERED
    assert "battery health 80% ≥ 80%: normal wear, a new battery is paid" in texts(decision)


def test_three_abnormal_touch_tests_in_a_row_cover_the_screen():  # type: ignore[no-untyped-def]
    decision = decide("screen", touch_failures_in_a_row=3)
    assert decision.outcome == COVERED
    assert "touch abnormal 3 times in a row: screen replacement covered" in texts(decision)


def test_two_abnormal_touch_tests_do_not_cover_the_screen():  # type: ignore[no-untyped-def]
    decision = decide("screen", touch_failures_in_a_row=2)
    assert decision.outcome == NOT_COVERED
    assert "touch abnormal 2 times in a row, fewer than 3: no screen fault confirmed" in texts(decision)


def test_screen_damage_reported_on_day_7_is_within_the_window():  # type: ignore[no-untyped-def]
    decision = decide("screen", damage_date=date(2026, 10, 29))
    assert decision.outcome == COVERED
    assert "screen damage reported 7 days after the damage date: within the 7-day window" in texts(decision)


def test_screen_damage_reported_on_day_8_is_outside_the_window():  # type: ignore[no-untyped-def]
    decision = decide("screen", damage_date=date(2026, 10, 28), touch_failures_in_a_row=5)
    assert decision.outcome == NOT_COVERED
    assert "screen damage reported 8 days after the damage date: outside the 7-day window" in texts(decision)


def test_the_last_day_of_the_24th_month_is_covered_and_the_next_is_not():  # type: ignore[no-untyped-def]
    bought = date(2024, 3, 2)
    assert last_covered_day(bought, 24) == date(2026, 3, 1)
    inside = decide("battery", purchase_date=bought, reported_on=date(2026, 3, 1), battery_health=70)
    outside = decide("battery", purchase_date=bought, reported_on=date(2026, 3, 2), battery_health=70)
    assert inside.outcome == COVERED
    assert outside.outcome == NOT_COVERED
    assert "purchase 2024-03-02, warranty ended 2026-03-01: outside the 24-month warranty" in texts(outside)


def test_a_purchase_on_the_31st_ends_on_the_last_day_of_a_short_month():  # type: ignore[no-untyped-def]
    assert last_covered_day(date(2024, 8, 31), 24) == date(2026, 8, 30)
    assert last_covered_day(date(2023, 12, 31), 2) == date(2024, 2, 28)


def test_a_red_liquid_indicator_excludes_every_item():  # type: ignore[no-untyped-def]
    decision = decide("battery", battery_health=50, moisture_indicator_red=True)
    assert decision.outcome == NOT_COVERED
    assert "liquid damage indicator red: excluded" in texts(decision)
    assert decide("battery", battery_health=50, moisture_indicator_red=False).outcome == COVERED


def test_a_repair_by_an_unauthorised_shop_excludes_every_item():  # type: ignore[no-untyped-def]
    decision = decide("screen", touch_failures_in_a_row=4, unauthorised_repair=True)
    assert decision.outcome == NOT_COVERED
    assert "repaired by an unauthorised shop: excluded" in texts(decision)
    assert decide("screen", touch_failures_in_a_row=4, unauthorised_repair=False).outcome == COVERED


def test_an_unknown_purchase_date_cannot_be_covered():  # type: ignore[no-untyped-def]
    decision = decide("battery", purchase_date=None, battery_health=50)
    assert decision.outcome == NOT_COVERED
    assert "purchase date unknown: warranty cannot be verified" in texts(decision)


def test_a_failed_camera_check_covers_the_camera_and_a_passed_one_does_not():  # type: ignore[no-untyped-def]
    assert decide("camera", failed_checks=frozenset({"camera"})).outcome == COVERED
    assert decide("camera").outcome == NOT_COVERED


@pytest.mark.django_db
def test_a_rule_change_applies_from_its_date_and_a_partial_cover_is_parts_only(pack_with):  # type: ignore[no-untyped-def]
    raw = shipped_pack_raw()
    stricter = {
        **raw["warranty_rules"][0],
        "effective_from": "2027-01-01",
        "battery_health_below_percent": 75,
        "screen_damage_covers": "parts",
    }
    raw["warranty_rules"] = [*raw["warranty_rules"], stricter]
    pack_with(raw)
    before, after = rules_on(date(2026, 12, 31)), rules_on(date(2027, 1, 1))
    assert before.battery_health_below_percent == 80 and after.battery_health_below_percent == 75
    facts = replace(BASE, battery_health=78)
    assert decide_item(component="battery", facts=facts, rules=before).outcome == COVERED
    assert decide_item(component="battery", facts=facts, rules=after).outcome == NOT_COVERED
    screen = decide_item(component="screen", facts=replace(BASE, damage_date=date(2026, 11, 1)), rules=after)
    assert (screen.outcome, screen.covers_parts, screen.covers_labour) == (PARTIAL, True, False)

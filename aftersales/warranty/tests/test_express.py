"""The counter's route rules (warranty.express): each fires, and does not on its near miss."""

from datetime import date, timedelta

import pytest

from aftersales.warranty.express import (
    EXPRESS,
    ON_SPOT,
    REGULAR,
    CounterFacts,
    decide_counter,
    faulty_components,
    lightning_rules_on,
    parse_lightning,
)

TODAY = date(2026, 12, 1)


def facts(*, days: int | None = 5, failed: tuple[str, ...] = ("touch",), **flags: bool) -> CounterFacts:
    return CounterFacts(
        purchase_date=TODAY - timedelta(days=days) if days is not None else None,
        reported_on=TODAY,
        failed_checks=frozenset(failed),
        faulty_components=faulty_components(frozenset(failed)),
        **flags,
    )


def route(f: CounterFacts, free: bool = True) -> str:
    return decide_counter(facts=f, rules=lightning_rules_on(TODAY), part_free=lambda _c: free).route


@pytest.mark.parametrize(("days", "expected"), [(0, EXPRESS), (15, EXPRESS), (16, REGULAR), (-1, REGULAR)])
def test_the_15_day_window_counts_from_the_purchase_day(days, expected):  # type: ignore[no-untyped-def]
    assert route(facts(days=days)) == expected


@pytest.mark.parametrize("flag", ["moisture_indicator_red", "visible_damage", "unauthorised_repair"])
def test_each_exclusion_blocks_the_express_replacement(flag):  # type: ignore[no-untyped-def]
    assert route(facts(**{flag: True})) == REGULAR
    decision = decide_counter(
        facts=facts(**{flag: True}), rules=lightning_rules_on(TODAY), part_free=lambda _c: True
    )
    assert any(r.effect == "excludes" for r in decision.reasons)


def test_a_battery_below_the_threshold_is_a_counter_job_not_a_replacement():  # type: ignore[no-untyped-def]
    decision = decide_counter(
        facts=facts(failed=("battery_health",)), rules=lightning_rules_on(TODAY), part_free=lambda _c: True
    )
    assert (decision.route, decision.on_spot_components) == (ON_SPOT, ("battery",))
    # Without the part at the outlet the device stays for a regular repair.
    assert route(facts(days=200, failed=("battery_health",)), free=False) == REGULAR


def test_nothing_failed_is_handled_on_the_spot():  # type: ignore[no-untyped-def]
    assert route(facts(days=400, failed=())) == ON_SPOT


def test_the_reasons_read_the_facts_in_both_languages():  # type: ignore[no-untyped-def]
    decision = decide_counter(
        facts=facts(days=16), rules=lightning_rules_on(TODAY), part_free=lambda _c: True
    )
    window = next(r for r in decision.reasons if r.rule == "express_window")
    assert window.facts == {"purchase_date": "2026-11-15", "days": 16, "window_days": 15}
    assert window.text["en"] == "bought 2026-11-15, 16 days ago: outside the 15-day replacement window"
    assert "超出 15 天换机期" in window.text["zh-hans"]


def test_a_pack_with_a_bad_entry_is_refused_naming_it():  # type: ignore[no-untyped-def]
    from aftersales.policy.pack import PolicyError

    good = {
        "effective_from": "2020-01-01",
        "channel": "store",
        "on_spot_components": ["battery"],
        "on_spot_within_minutes": 60,
        "express_within_hours": 48,
        "express_within_days_of_purchase": 15,
        "express_faults": ["touch"],
        "express_excludes_liquid": True,
        "express_excludes_visible_damage": True,
        "express_excludes_unauthorised_repair": True,
    }
    assert parse_lightning([good])[0].express_within_hours == 48
    with pytest.raises(PolicyError, match=r"lightning\[0\].express_within_hours"):
        parse_lightning([{**good, "express_within_hours": "48"}])
    with pytest.raises(PolicyError, match="express_faults"):
        parse_lightning([{**good, "express_faults": ["xray"]}])

"""The dashboard's figures against the ones worked out by hand on the fixture week (fixtures.py).

Personas: Mei is an HQ expert who reads the dashboard; Lei is a first-line agent, who may not;
Fang manages the Futian outlet (sz-futian-01) and sees only her outlet's complaints.
"""

import pytest

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common.errors import Forbidden, ValidationFailed
from aftersales.reporting.dashboard import Period, report_compute, report_period_parse
from aftersales.reporting.tests.fixtures import NOW, WEEK, make_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def mei():  # type: ignore[no-untyped-def]
    return staff_actor(StaffFactory(username="mei", role=Role.EXPERT, team="hq-experts"))


@pytest.fixture
def week():  # type: ignore[no-untyped-def]
    return make_week()


def compute(actor, period=WEEK, language="zh-hans", source="live"):  # type: ignore[no-untyped-def]
    return report_compute(actor=actor, period=period, now=NOW, language=language, source=source)


def test_the_totals_match_the_hand_computed_week(mei, week) -> None:  # type: ignore[no-untyped-def]
    totals = compute(mei).totals
    assert totals.complaints == 6
    assert totals.responded == 5
    assert totals.response_mean_hours == pytest.approx(4.0)
    # Sorted 1, 2, 3, 4, 10: position 0.9 * 4 = 3.6 -> 4 + 0.6 * (10 - 4).
    assert totals.response_p90_hours == pytest.approx(7.6)
    assert (totals.finished, totals.resolved) == (4, 3)
    assert totals.resolution_rate == pytest.approx(0.75)
    assert totals.cycle_mean_days == pytest.approx(56 / 24)
    assert (totals.ever_resolved, totals.reopened) == (4, 1)
    assert totals.reopen_rate == pytest.approx(0.25)
    assert (totals.rated, totals.satisfied) == (3, 2)
    assert totals.satisfaction_mean == pytest.approx(4.0)


def test_sla_attainment_counts_only_decided_deadlines(mei, week) -> None:  # type: ignore[no-untyped-def]
    sla = compute(mei).totals.sla
    assert (sla["response"].counted, sla["response"].met) == (5, 3)
    assert (sla["level_response"].counted, sla["level_response"].met) == (5, 2)
    assert (sla["acceptance"].counted, sla["acceptance"].met) == (5, 4)
    assert (sla["inspection"].counted, sla["inspection"].met) == (5, 5)
    assert (sla["processing"].counted, sla["processing"].met) == (4, 3)
    assert (sla["resolution"].counted, sla["resolution"].met) == (4, 3)
    by_level = {row.key: row.sla for row in compute(mei).breakdowns["level"]}
    assert (by_level["L1"]["response"].counted, by_level["L1"]["response"].met) == (3, 2)
    assert by_level["L3"]["response"].counted == 0
    assert by_level["L3"]["response"].rate is None


def test_each_dimension_splits_the_week(mei, week) -> None:  # type: ignore[no-untyped-def]
    dashboard = compute(mei)
    counts = {dim: {row.key: row.complaints for row in rows} for dim, rows in dashboard.breakdowns.items()}
    assert counts["channel"] == {"app": 3, "hotline": 2, "wechat": 1}
    assert counts["city"] == {"深圳": 3, "广州": 2, "上海": 1}
    assert counts["level"] == {"L1": 3, "L2": 2, "L3": 1}
    # C5 went to A and then to B: the latest dispatch counts. C4 was never dispatched.
    assert counts["outlet"] == {"sz-futian-01": 3, "gz-tianhe-01": 2, "-": 1}
    app = next(row for row in dashboard.breakdowns["channel"] if row.key == "app")
    assert app.response_mean_hours == pytest.approx(13 / 3)
    assert app.response_p90_hours == pytest.approx(8.4)  # 1, 2, 10: 2 + 0.8 * 8
    assert app.label == "服务 App"


def test_category_shares_stand_beside_the_seeds(mei, week) -> None:  # type: ignore[no-untyped-def]
    shares = {share.key: share for share in compute(mei, language="en").categories}
    assert shares["screen"].share == pytest.approx(2 / 6)
    assert shares["logistics"].share == pytest.approx(2 / 6)
    assert shares["logistics"].seed_share == pytest.approx(0.23)
    assert shares["system_software"].complaints == 0
    assert shares["system_software"].seed_share == pytest.approx(0.12)
    assert shares["other"].seed_share is None
    assert shares["screen"].label == "Screen and display"


def test_outlets_are_ranked_and_their_kpi_reports_summed(mei, week) -> None:  # type: ignore[no-untyped-def]
    dashboard = compute(mei)
    assert [row.key for row in dashboard.outlet_ranking] == ["sz-futian-01", "gz-tianhe-01"]
    kpis = {kpi.outlet_code: kpi for kpi in dashboard.outlet_kpis}
    # The report of 10-25..10-31 lies outside the week and is left out.
    assert kpis["sz-futian-01"].reports == 1
    assert kpis["sz-futian-01"].repair_orders_opened == 4
    assert kpis["gz-tianhe-01"].repair_orders_completed == 4
    assert kpis["gz-tianhe-01"].mean_turnaround_hours == pytest.approx(27.5)
    assert kpis["gz-tianhe-01"].satisfaction_mean == pytest.approx(3.0)


def test_an_empty_period_has_counts_of_zero_and_no_rates(mei, week) -> None:  # type: ignore[no-untyped-def]
    empty = compute(mei, period=Period(WEEK.start.replace(year=2025), WEEK.end.replace(year=2025)))
    assert empty.totals.complaints == 0
    assert empty.totals.resolution_rate is None
    assert empty.totals.response_p90_hours is None
    assert empty.outlet_ranking == []


def test_it_refuses_an_agent(week) -> None:  # type: ignore[no-untyped-def]
    lei = staff_actor(StaffFactory(username="lei", role=Role.AGENT))
    with pytest.raises(Forbidden):
        compute(lei)


@pytest.mark.parametrize("role", [Role.OUTLET_MANAGER, Role.ADMIN, Role.EXPERT])
def test_managers_and_hq_may_read_it(role) -> None:  # type: ignore[no-untyped-def]
    actor = staff_actor(StaffFactory(username=f"reader-{role}", role=role))
    assert compute(actor).totals.complaints == 0


def test_the_period_reads_full_width_digits_and_defaults_to_thirty_days() -> None:
    today = WEEK.end
    assert report_period_parse(start="２０２６-１１-０１", end="2026-11-07", today=today) == WEEK
    default = report_period_parse(start="", end="", today=today)
    assert (default.end, (default.end - default.start).days) == (today, 29)


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        ("2026-11-08", "2026-11-01", "to", "report_period_reversed"),
        ("2026/11/01", "", "from", "date_invalid"),
        ("2020-01-01", "2026-11-01", "from", "report_period_too_long"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(start, end, field, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        report_period_parse(start=start, end=end, today=WEEK.end)
    assert refused.value.fields[field].code == code


def test_the_stored_figures_give_the_live_ones(mei, week) -> None:  # type: ignore[no-untyped-def]
    from aftersales.common import clock
    from aftersales.reporting.daily import complaint_figures_refresh

    with clock.travel_to(NOW):
        assert complaint_figures_refresh(days=60) == 60
    live = compute(mei, source="live")
    stored = compute(mei, source="stored")
    assert stored.totals.complaints == live.totals.complaints == 6
    for field in ("responded", "finished", "resolved", "ever_resolved", "reopened", "rated", "satisfied"):
        assert getattr(stored.totals, field) == getattr(live.totals, field), field
    assert stored.totals.response_mean_hours == pytest.approx(live.totals.response_mean_hours)
    assert stored.totals.cycle_mean_days == pytest.approx(live.totals.cycle_mean_days)
    assert stored.totals.sla == live.totals.sla
    # Exact: 7.6 h, between the 4th and 5th answer (4 h, 10 h); the histogram interpolates between
    # their buckets' estimates (4.25 h, 10.25 h), within one bucket (half an hour there).
    assert live.totals.response_p90_hours == pytest.approx(7.6)
    assert stored.totals.response_p90_hours == pytest.approx(7.6, abs=0.5)
    for dimension, rows in live.breakdowns.items():
        assert [(r.key, r.complaints, r.sla) for r in stored.breakdowns[dimension]] == [
            (r.key, r.complaints, r.sla) for r in rows
        ], dimension
    assert [r.key for r in stored.outlet_ranking] == [r.key for r in live.outlet_ranking]


def test_whole_months_are_read_from_month_rows(mei, week) -> None:  # type: ignore[no-untyped-def]
    from aftersales.common import clock
    from aftersales.reporting.daily import complaint_figures_refresh
    from aftersales.reporting.models import ComplaintFigures

    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    months = ComplaintFigures.objects.filter(span="month", dimension="level")
    assert sum(months.values_list("complaints", flat=True)) == 8  # October's C8 and November's seven
    # October 15 to November 30: the whole of November from its month row, October's days one by one.
    wide = compute(mei, period=Period(WEEK.start.replace(month=10, day=15), WEEK.start.replace(day=30)))
    assert wide.totals.complaints == 8
    assert wide.totals.satisfaction_mean == pytest.approx((5 + 3 + 4 + 1 + 1) / 5)


def test_the_histogram_p90_is_within_half_a_bucket_of_the_exact_one() -> None:
    import random

    from aftersales.reporting.dashboard import histogram_percentile
    from aftersales.reporting.models import RESPONSE_BUCKETS

    rng = random.Random(7)
    hours = sorted(rng.random() * rng.random() * 30 for _ in range(5000))
    counts = [0] * len(RESPONSE_BUCKETS)
    for value in hours:
        counts[max(i for i, low in enumerate(RESPONSE_BUCKETS) if value >= low)] += 1
    position = 0.9 * (len(hours) - 1)
    exact = hours[int(position)] + (hours[int(position) + 1] - hours[int(position)]) * (position % 1)
    assert histogram_percentile(counts, 0.9) == pytest.approx(exact, abs=0.25)
    assert histogram_percentile([0] * len(RESPONSE_BUCKETS), 0.9) is None


def _bucketed(hours: list[float]) -> list[int]:
    from aftersales.reporting.models import RESPONSE_BUCKETS

    counts = [0] * len(RESPONSE_BUCKETS)
    for value in hours:
        counts[max(i for i, low in enumerate(RESPONSE_BUCKETS) if value >= low)] += 1
    return counts


@pytest.mark.parametrize(
    ("hours", "exact"),
    [
        ([0.2, 1.1], 0.2 + 0.9 * 0.9),  # 成都
        ([0.0, 1.25], 0.9 * 1.25),  # 重庆
        ([0.0, 0.92], 0.9 * 0.92),  # 北京
        ([1.1], 1.1),
        ([0.5, 0.5, 0.5], 0.5),
        ([0.1] * 9 + [200.0], 0.1 + 0.1 * (200.0 - 0.1)),  # the tenth answer after more than a week
    ],
)
def test_the_histogram_p90_of_a_few_answers_stays_between_them_and_near_the_exact_one(hours, exact) -> None:  # type: ignore[no-untyped-def]
    from aftersales.reporting.dashboard import histogram_percentile

    p90 = histogram_percentile(_bucketed(hours), 0.9)
    assert p90 is not None
    # Never below the smallest answer's bucket nor above the largest one's; within one bucket of exact.
    assert min(hours) - 0.25 < p90 <= max(max(hours), 168.0) + 0.25
    if max(hours) < 168:
        assert p90 == pytest.approx(exact, abs=0.25 if max(hours) < 4 else 2.0)
        assert p90 >= sum(hours) / len(hours) or len(set(hours)) == 1


def test_the_stored_city_p90_agrees_with_the_live_one_and_cities_are_merged(mei) -> None:  # type: ignore[no-untyped-def]
    """成都 answered after 0.2 h and 1.1 h (one typed 成都市), 重庆 after 0 and 1.25 h, 北京 after
    0 and 0.92 h, one complaint without a city: the p90 lies near the larger answer."""
    from datetime import date, datetime

    from aftersales.accounts.tests.factories import CustomerFactory
    from aftersales.common import clock
    from aftersales.reporting.daily import complaint_figures_refresh
    from aftersales.reporting.exports import report_export
    from aftersales.reporting.tests.fixtures import SHANGHAI, _complaint

    customer = CustomerFactory(name="陈一")
    day = Period(date(2026, 12, 1), date(2026, 12, 1))
    answers = [
        ("成都", 0.2),
        (" 成都市", 1.1),
        ("重庆", 0.0),
        ("重庆市", 1.25),
        ("北京市", 0.0),
        ("北京", 0.92),
        ("", 3.0),
    ]
    for index, (city, after) in enumerate(answers):
        _complaint(
            f"D{index}", customer_id=customer.pk, created=datetime(2026, 12, 1, 9 + index, tzinfo=SHANGHAI),
            channel="app", category="screen", city=city, level="L1", state="processing",
            responded_after=after,
        )  # fmt: skip
    now = datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI)
    with clock.travel_to(now):
        complaint_figures_refresh(days=3)
    live = report_compute(actor=mei, period=day, now=now, language="zh-hans", source="live")
    stored = report_compute(actor=mei, period=day, now=now, language="zh-hans", source="stored")
    live_cities = {row.key: row for row in live.breakdowns["city"]}
    stored_cities = {row.key: row for row in stored.breakdowns["city"]}
    assert {key: row.complaints for key, row in stored_cities.items()} == {
        "成都": 2,
        "重庆": 2,
        "北京": 2,
        "-": 1,
    }
    assert set(live_cities) == set(stored_cities)
    for city, larger in (("成都", 1.1), ("重庆", 1.25), ("北京", 0.92)):
        p90 = stored_cities[city].response_p90_hours
        assert p90 == pytest.approx(live_cities[city].response_p90_hours, abs=0.25), city
        assert p90 >= stored_cities[city].response_mean_hours, city
        assert p90 == pytest.approx(larger, abs=0.3), city
    assert stored_cities["-"].label == "未填写城市"
    body = report_export(
        actor=mei, period=day, now=now, table="city", file_format="csv", language="en"
    ).body.decode("utf-8-sig")
    assert "No city given" in body
    assert "'-" not in body
    assert "成都市" not in body


@pytest.mark.parametrize("source", ["stored", "live"])
def test_an_outlet_manager_sees_only_her_outlets_complaints(mei, week, source) -> None:  # type: ignore[no-untyped-def]
    from aftersales.common import clock
    from aftersales.complaints.models import Complaint
    from aftersales.reporting.daily import complaint_figures_refresh

    # The Futian outlet's team works C1, C2 and C6; the others belong to central teams.
    team = week.outlet_a.team
    Complaint.objects.filter(number__in=[f"T-20261101-{n}" for n in ("C1", "C2", "C6")]).update(team=team)
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    fang = staff_actor(StaffFactory(username="fang", role=Role.OUTLET_MANAGER, team=team))
    dashboard = compute(fang, source=source)
    assert dashboard.totals.complaints == 3
    assert (dashboard.totals.rated, dashboard.totals.satisfied) == (3, 2)
    assert {row.key for row in dashboard.breakdowns["city"]} == {"深圳", "上海"}
    assert [row.key for row in dashboard.outlet_ranking] == ["sz-futian-01"]
    assert [kpi.outlet_code for kpi in dashboard.outlet_kpis] == ["sz-futian-01"]
    # HQ still sees every complaint and every outlet.
    everyone = compute(mei, source=source)
    assert everyone.totals.complaints == 6
    assert [row.key for row in everyone.outlet_ranking] == ["sz-futian-01", "gz-tianhe-01"]


def test_an_outlet_manager_of_no_outlet_sees_nothing(week) -> None:  # type: ignore[no-untyped-def]
    stray = staff_actor(StaffFactory(username="stray", role=Role.OUTLET_MANAGER, team="agents"))
    dashboard = compute(stray, source="stored")
    assert dashboard.totals.complaints == 0
    assert dashboard.outlet_ranking == []
    assert dashboard.outlet_kpis == []


def test_the_targets_beside_the_figures_are_the_brands(mei, week, pack_with) -> None:  # type: ignore[no-untyped-def]
    from aftersales.policy.tests.packs import shipped_pack_raw

    raw = shipped_pack_raw()
    raw["reporting_targets"] = {"satisfaction_rate": 0.9, "category_shares": {"screen": 0.4}}
    pack_with(raw)
    dashboard = compute(mei)
    assert dashboard.seed["satisfaction_rate"] == 0.9
    assert dashboard.seed["cycle_mean_days"] is None
    shares = {share.key: share.seed_share for share in dashboard.categories}
    assert shares["screen"] == 0.4 and shares["logistics"] is None

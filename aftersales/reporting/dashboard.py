"""The manager dashboard's figures over a period, computed in SQL (seed 一, 二, 四(四)).

A complaint belongs to the period in which it was opened (`created_at` within the local days
[start, end], Asia/Shanghai). Every figure is an aggregate over those complaints, grouped
by channel, category, city, outlet (the latest dispatch) and response level; no complaint
is loaded into Python. `measures` defines them once as SQL aggregates; the page sums the
day and month rows reporting.daily keeps with them (reporting.ComplaintFigures), and
`report_compute(source="live")` applies them to the complaints directly. Definitions:

- first response, hours: `responded_at - created_at` (wall-clock), mean and p90 over the
  complaints answered;
- SLA attainment of a stage: of the complaints whose deadline for it was set and is decided
  (breached, met, past due, or the complaint finished), the share not breached
  (`Complaint.breaches` lists the deadlines breached, complaints.sla);
- resolution rate: resolved or archived over finished (resolved, archived, closed);
- cycle, days: `resolved_at - created_at`, mean over the complaints resolved;
- reopen rate: complaints reopened at least once (a `reopen` status event) over those ever
  resolved or reopened;
- satisfaction: the share of 4 and 5 among the 1-5 scores given, and their mean.
"""

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import Cast, Length, Substr, Trim
from django.utils import timezone, translation
from django.utils.translation import pgettext

from aftersales.accounts.actors import Actor
from aftersales.common.errors import Forbidden, ValidationFailed, problem
from aftersales.complaints import sla
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.selectors import complaints_visible_to_staff
from aftersales.complaints.status import CLOCKED_STATES, State
from aftersales.network.models import Dispatch, Outlet
from aftersales.policy.pack import current_pack
from aftersales.reporting.models import MEASURES, RESPONSE_BUCKETS, ComplaintFigures, OutletKpiReport
from aftersales.reporting.sql import HoursBetween, percentile_by_group

DIMENSIONS = ("channel", "category", "city", "outlet", "level")
# The column each dimension groups on in `complaints_opened` rows: the city as normalised there
# (`city_key`), the latest dispatch's outlet id (`outlet`), the others their own field.
GROUP_COLUMNS = {
    "channel": "channel",
    "category": "category",
    "city": "city_key",
    "outlet": "outlet",
    "level": "level",
}
CITY_SUFFIX = "市"  # 北京市 and 北京 are one city on the dashboard
# The stages whose deadlines are measured: (name, deadline column, the condition that stops its clock).
STAGES: tuple[tuple[str, str, Q], ...] = (
    ("response", sla.RESPONSE, Q(responded_at__isnull=False)),
    ("level_response", sla.LEVEL_RESPONSE, Q(level_responded_at__isnull=False)),
    ("acceptance", sla.ACCEPT, ~Q(state=State.ACCEPTED)),
    ("inspection", sla.INSPECT, Q(inspected_at__isnull=False)),
    ("processing", sla.PROCESS, ~Q(state__in=CLOCKED_STATES)),
    ("resolution", sla.RESOLVE, Q(resolved_at__isnull=False)),
)
SATISFIED_FROM = 4  # scores 4 and 5 count as satisfied
PERCENTILE = 0.9
# The longest period one request may cover: two years of local days.
LONGEST_PERIOD_DAYS = 731
REPORT_ROLES_PERMISSION = "report.view"
NONE = "-"  # the key of an empty value (no city given, never dispatched)


@dataclass(frozen=True)
class Period:
    """Local days `start` to `end`, both included (Asia/Shanghai, settings.TIME_ZONE)."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware datetimes [start 00:00, the day after end 00:00) in the platform's zone."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, datetime.min.time(), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=zone),
        )

    @property
    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def report_period_parse(*, start: str, end: str, today: date) -> Period:
    """The period from two YYYY-MM-DD strings (full-width digits accepted); empty ones default to
    the last 30 days ending `today`. Errors: ValidationFailed naming `from` or `to`."""

    def parse(raw: str, name: str) -> date | None:
        text = unicodedata.normalize("NFKC", raw or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed({name: problem("date_invalid")}) from None

    first = parse(start, "from")
    last = parse(end, "to")
    last = last or today
    first = first or last - timedelta(days=29)
    if last < first:
        raise ValidationFailed({"to": problem("report_period_reversed", start=first.isoformat())})
    if (last - first).days >= LONGEST_PERIOD_DAYS:
        raise ValidationFailed({"from": problem("report_period_too_long", days=LONGEST_PERIOD_DAYS)})
    return Period(first, last)


@dataclass(frozen=True)
class Attainment:
    counted: int
    met: int

    @property
    def rate(self) -> float | None:
        return self.met / self.counted if self.counted else None


@dataclass(frozen=True)
class Figures:
    """One row of figures: the whole period or one value of a dimension."""

    key: str
    label: str
    complaints: int
    responded: int
    response_mean_hours: float | None
    response_p90_hours: float | None
    finished: int
    resolved: int
    cycle_mean_days: float | None
    ever_resolved: int
    reopened: int
    rated: int
    satisfied: int
    satisfaction_mean: float | None
    sla: dict[str, Attainment]

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.finished if self.finished else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.ever_resolved if self.ever_resolved else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


@dataclass(frozen=True)
class CategoryShare:
    key: str
    label: str
    complaints: int
    share: float | None
    seed_share: float | None


@dataclass(frozen=True)
class OutletKpi:
    """The stored outlet KPI reports (reporting.OutletKpiReport) falling inside the period, summed."""

    outlet_code: str
    outlet_name: str
    reports: int
    repair_orders_opened: int
    repair_orders_completed: int
    mean_turnaround_hours: float | None
    satisfaction_count: int
    satisfaction_mean: float | None


@dataclass(frozen=True)
class Dashboard:
    period: Period
    totals: Figures
    breakdowns: dict[str, list[Figures]]
    categories: list[CategoryShare]
    outlet_ranking: list[Figures]
    outlet_kpis: list[OutletKpi]
    # The outlet whose complaints alone the dashboard covers (an outlet manager's); "" for all.
    scope_outlet: str = ""
    # The pack's reporting_targets beside the measured figures (None where the pack sets none).
    seed: dict[str, float | None] = field(default_factory=lambda: _targets())


def _targets() -> dict[str, float | None]:
    targets = current_pack().reporting_targets
    return {
        "satisfaction_rate": targets.satisfaction_rate,
        "response_mean_hours": targets.response_mean_hours,
        "resolution_rate": targets.resolution_rate,
        "cycle_mean_days": targets.cycle_mean_days,
    }


def complaints_opened(
    since: datetime,
    until: datetime,
    *,
    dimension: str | None = None,
    within: QuerySet[Complaint] | None = None,
) -> QuerySet[Complaint]:
    """The complaints opened in [since, until), with the aliases the measures read; `within`
    narrows them (a reader's scope, `report_scope`). Grouping by city annotates `city_key`, the
    city without surrounding spaces or a trailing 市; by outlet, the latest dispatch's outlet id
    as `outlet` (GROUP_COLUMNS)."""
    reopen = TimelineEvent.objects.filter(
        complaint=OuterRef("pk"), kind=TimelineEvent.Kind.STATUS, payload__action="reopen"
    )
    base = Complaint.objects.all() if within is None else within
    rows = base.filter(created_at__gte=since, created_at__lt=until).alias(
        was_reopened=Exists(reopen),
        breaches_text=Cast("breaches", TextField()),
        response_hours=HoursBetween("created_at", "responded_at"),
        cycle_hours=HoursBetween("created_at", "resolved_at"),
    )
    if dimension == "city":
        rows = rows.alias(city_trimmed=Trim("city")).annotate(
            city_key=Case(
                When(
                    Q(city_trimmed__endswith=CITY_SUFFIX) & ~Q(city_trimmed=CITY_SUFFIX),
                    then=Substr("city_trimmed", 1, Length("city_trimmed") - 1),
                ),
                default=F("city_trimmed"),
                output_field=TextField(),
            )
        )
    if dimension == "outlet":
        latest_dispatch = Dispatch.objects.filter(complaint=OuterRef("pk")).order_by("-at", "-id")
        rows = rows.annotate(outlet=Subquery(latest_dispatch.values("outlet_id")[:1]))
    return rows


def measures(now: datetime) -> dict[str, Any]:
    """The aggregates behind every figure (reporting.models.MEASURES), over `complaints_opened` rows."""
    finished = Q(state__in=[State.RESOLVED, State.ARCHIVED, State.CLOSED])
    resolved = Q(state__in=[State.RESOLVED, State.ARCHIVED])
    columns: dict[str, Any] = {
        "complaints": Count("pk"),
        "responded": Count("pk", filter=Q(responded_at__isnull=False)),
        "response_hours_sum": Sum("response_hours"),
        "finished": Count("pk", filter=finished),
        "resolved": Count("pk", filter=resolved),
        "cycle_count": Count("pk", filter=Q(resolved_at__isnull=False)),
        "cycle_hours_sum": Sum("cycle_hours"),
        "ever_resolved": Count("pk", filter=resolved | Q(was_reopened=True)),
        "reopened": Count("pk", filter=Q(was_reopened=True)),
        "rated": Count("pk", filter=Q(satisfaction_score__isnull=False)),
        "satisfied": Count("pk", filter=Q(satisfaction_score__gte=SATISFIED_FROM)),
        "score_sum": Sum("satisfaction_score"),
    }
    for name, column, stopped in STAGES:
        breached = Q(breaches_text__contains=f'"{column}"')
        decided = Q(**{f"{column}__isnull": False}) & (
            breached | stopped | Q(is_open=False) | Q(**{f"{column}__lte": now})
        )
        columns[f"sla_{name}_counted"] = Count("pk", filter=decided)
        columns[f"sla_{name}_met"] = Count("pk", filter=decided & ~breached)
    edges = (*RESPONSE_BUCKETS[1:], None)
    for index, (low, high) in enumerate(zip(RESPONSE_BUCKETS, edges, strict=True)):
        bucket = Q(response_hours__isnull=False)
        if index:
            bucket &= Q(response_hours__gte=low)
        if high is not None:
            bucket &= Q(response_hours__lt=high)
        columns[f"response_bucket_{index:02d}"] = Count("pk", filter=bucket)
    return columns


def histogram_percentile(counts: list[int], fraction: float) -> float | None:
    """The percentile of the first-response histogram (RESPONSE_BUCKETS), as percentile_cont
    computes it: at position fraction * (n - 1) of the answers in ascending order, interpolated
    linearly between the answers either side of it. Each answer's value is estimated from its
    bucket: the k-th (0-based) of a bucket's c answers sits at (k + 0.5) / c of the bucket's
    width; in the last, open bucket at its lower edge (a week). So the result lies between the
    estimates of the smallest and the largest answer, and within one bucket of the exact value."""
    total = sum(counts)
    if not total:
        return None
    position = fraction * (total - 1)
    below = math.floor(position)
    above = min(below + 1, total - 1)
    low_value = _histogram_rank_value(counts, below)
    high_value = _histogram_rank_value(counts, above)
    return low_value + (high_value - low_value) * (position - below)


def _histogram_rank_value(counts: list[int], rank: int) -> float:
    """The estimated value of the answer at 0-based `rank` in ascending order (0 <= rank < sum)."""
    before = 0
    for index, count in enumerate(counts):
        if rank < before + count:
            low = RESPONSE_BUCKETS[index]
            if index + 1 == len(RESPONSE_BUCKETS):
                return low
            width = RESPONSE_BUCKETS[index + 1] - low
            return low + width * (rank - before + 0.5) / count
        before += count
    return RESPONSE_BUCKETS[-1]


def _figures(key: str, label: str, sums: dict[str, Any], p90: float | None) -> Figures:
    def ratio(numerator: str, denominator: str, scale: float = 1.0) -> float | None:
        return (sums[numerator] or 0) / sums[denominator] / scale if sums[denominator] else None

    return Figures(
        key=key,
        label=label,
        complaints=sums["complaints"],
        responded=sums["responded"],
        response_mean_hours=ratio("response_hours_sum", "responded"),
        response_p90_hours=p90,
        finished=sums["finished"],
        resolved=sums["resolved"],
        cycle_mean_days=ratio("cycle_hours_sum", "cycle_count", 24.0),
        ever_resolved=sums["ever_resolved"],
        reopened=sums["reopened"],
        rated=sums["rated"],
        satisfied=sums["satisfied"],
        satisfaction_mean=ratio("score_sum", "rated"),
        sla={name: Attainment(sums[f"sla_{name}_counted"], sums[f"sla_{name}_met"]) for name, _, _ in STAGES},
    )


def _labeller(dimension: str, language: str, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(key, label) of each value of a dimension: pack labels, outlet code and name, the city as is.
    An empty value has the key "-" and a word for a label ("No city given", "Not dispatched"),
    so that an export shows a word rather than a lone dash a spreadsheet would take for a sign."""
    pack = current_pack()
    with translation.override(language):
        empty = {
            "city": pgettext("report value", "No city given"),
            "outlet": pgettext("report value", "Not dispatched"),
        }.get(dimension) or pgettext("report value", "Not given")
    found: dict[str, tuple[str, str]] = {"": (NONE, empty)}
    if dimension == "outlet":
        ids = [int(key) for key in keys if key]
        for pk, code, name in Outlet.objects.filter(pk__in=ids).values_list("pk", "code", "name"):
            found[str(pk)] = (code, f"{code} {name}")
        return found
    labels: dict[str, Any] = {
        "channel": pack.channels,
        "category": pack.categories,
        "level": {code: level.labels for code, level in pack.levels.items()},
    }.get(dimension, {})
    for key in keys:
        if key:
            found[key] = (key, pack.label(labels[key], language) if key in labels else key)
    return found


def report_access_check(*, actor: Actor) -> None:
    """Errors: Forbidden unless the actor holds `report.view` (accounts.roles: HQ and managers)."""
    if not actor.may(REPORT_ROLES_PERMISSION):
        raise Forbidden(what="report dashboard")


@dataclass(frozen=True)
class Scope:
    """The complaints a reader's dashboard covers: all (`complaints` None) or those of one
    outlet's team, with that outlet's code ("" when the reader belongs to no outlet)."""

    complaints: QuerySet[Complaint] | None
    outlet_code: str = ""


def report_scope(*, actor: Actor) -> Scope:
    """Who sees what on the dashboard: HQ experts and administrators (complaint.view_any) every
    complaint; an outlet manager only the complaints of their outlet's team (`outlet-<code>`),
    the rule of complaints.selectors.complaints_visible_to_staff."""
    if actor.may("complaint.view_any"):
        return Scope(complaints=None)
    team = actor.user.team if actor.user is not None else ""
    code = team.removeprefix("outlet-") if team.startswith("outlet-") else ""
    if not code:
        # A manager outside any outlet's team sees nothing rather than a central team's work.
        return Scope(complaints=Complaint.objects.none())
    return Scope(complaints=complaints_visible_to_staff(actor), outlet_code=code)


def _live_sums(
    period: Period, now: datetime, within: QuerySet[Complaint] | None = None
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    since, until = period.bounds()
    columns = measures(now)
    groups = {}
    for dimension in DIMENSIONS:
        column = GROUP_COLUMNS[dimension]
        rows = complaints_opened(since, until, dimension=dimension, within=within).order_by().values(column)
        groups[dimension] = [
            {**row, "value": "" if row[column] is None else str(row[column])}
            for row in rows.annotate(**columns)
        ]
    return _sum_of(groups["level"]), groups


def _stored_sums(period: Period) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Sum the stored rows of the period: whole months from month rows, the days either side from day rows."""
    first_month = period.start if period.start.day == 1 else _next_month(period.start)
    after_last_month = _month_start(period.end + timedelta(days=1))
    if first_month < after_last_month:
        spans = (
            Q(span=ComplaintFigures.Span.MONTH, start__gte=first_month, start__lt=after_last_month)
            | Q(span=ComplaintFigures.Span.DAY, start__gte=period.start, start__lt=first_month)
            | Q(span=ComplaintFigures.Span.DAY, start__gte=after_last_month, start__lte=period.end)
        )
    else:
        spans = Q(span=ComplaintFigures.Span.DAY, start__gte=period.start, start__lte=period.end)
    rows = (
        ComplaintFigures.objects.filter(spans)
        .order_by()
        .values("dimension", "value")
        .annotate(**{name: Sum(name) for name in MEASURES})
    )
    groups: dict[str, list[dict[str, Any]]] = {dimension: [] for dimension in DIMENSIONS}
    for row in rows:
        if row["dimension"] in groups:
            groups[row["dimension"]].append(row)
    return _sum_of(groups["level"]), groups


def _sum_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole period's measures: every complaint has a level, so the level rows add up to it."""
    return {name: sum(row[name] or 0 for row in rows) for name in MEASURES}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def report_compute(
    *, actor: Actor, period: Period, now: datetime, language: str, source: str = "stored"
) -> Dashboard:
    """The dashboard of `period`: totals, each dimension's rows, category shares, the outlet
    ranking and the stored outlet KPI reports. Labels in `language` (zh-hans | en).

    `source`: "stored" sums the complaint figures (reporting.daily keeps them; as fresh as their
    last refresh, a p90 read from the histogram), about five queries whatever the number of
    complaints; "live" reads the complaints themselves as of `now` (p90 exact with
    percentile_cont), about a dozen queries that each scan the period's complaints.
    An outlet manager's dashboard (report_scope) is always computed live over their outlet's
    complaints, and its ranking and KPI table hold their own outlet's row only.
    Errors: Forbidden (report_access_check).
    """
    report_access_check(actor=actor)
    scope = report_scope(actor=actor)
    buckets = [f"response_bucket_{i:02d}" for i in range(len(RESPONSE_BUCKETS))]
    if source == "live" or scope.complaints is not None:
        since, until = period.bounds()
        total_sums, groups = _live_sums(period, now, scope.complaints)
        hours = HoursBetween("created_at", "responded_at")
        total_p90 = percentile_by_group(
            complaints_opened(since, until, within=scope.complaints),
            value=hours,
            group=None,
            fraction=PERCENTILE,
        ).get(None)
        p90s = {
            dimension: {
                "" if key is None else str(key): value
                for key, value in percentile_by_group(
                    complaints_opened(since, until, dimension=dimension, within=scope.complaints),
                    value=hours,
                    group=GROUP_COLUMNS[dimension],
                    fraction=PERCENTILE,
                ).items()
            }
            for dimension in DIMENSIONS
        }
    else:
        total_sums, groups = _stored_sums(period)
        total_p90 = histogram_percentile([total_sums[name] or 0 for name in buckets], PERCENTILE)
        p90s = {
            dimension: {
                row["value"]: histogram_percentile([row[name] or 0 for name in buckets], PERCENTILE)
                for row in rows
            }
            for dimension, rows in groups.items()
        }
    totals = _figures("", "", total_sums, total_p90)
    breakdowns: dict[str, list[Figures]] = {}
    for dimension, rows in groups.items():
        labels = _labeller(dimension, language, [row["value"] for row in rows])
        figures: list[Figures] = []
        for row in rows:
            key, label = labels.get(row["value"], (row["value"], row["value"]))
            figures.append(_figures(key, label, row, p90s[dimension].get(row["value"])))
        breakdowns[dimension] = sorted(figures, key=lambda f: (-f.complaints, f.key))

    categories = _category_shares(breakdowns["category"], totals.complaints, language)
    ranking = sorted(
        (
            f
            for f in breakdowns["outlet"]
            if f.key != NONE and (scope.complaints is None or f.key == scope.outlet_code)
        ),
        key=lambda f: (
            -(f.satisfaction_rate or 0),
            -(f.resolution_rate or 0),
            f.response_mean_hours if f.response_mean_hours is not None else float("inf"),
            f.key,
        ),
    )
    return Dashboard(
        period=period,
        totals=totals,
        breakdowns=breakdowns,
        categories=categories,
        outlet_ranking=ranking,
        outlet_kpis=_outlet_kpis(period, scope),
        scope_outlet=scope.outlet_code if scope.complaints is not None else "",
    )


def _category_shares(rows: list[Figures], total: int, language: str) -> list[CategoryShare]:
    pack = current_pack()
    counts = {row.key: row.complaints for row in rows}
    target_shares = pack.reporting_targets.category_shares
    keys = list(dict.fromkeys([*target_shares, *counts]))
    shares = [
        CategoryShare(
            key=key,
            label=pack.label(pack.categories[key], language) if key in pack.categories else key,
            complaints=counts.get(key, 0),
            share=counts.get(key, 0) / total if total else None,
            seed_share=target_shares.get(key),
        )
        for key in keys
    ]
    return sorted(shares, key=lambda s: (-s.complaints, -(s.seed_share or 0), s.key))


def _outlet_kpis(period: Period, scope: Scope) -> list[OutletKpi]:
    """The KPI reports whose whole period lies inside this one, summed per outlet; turnaround and
    satisfaction weighted by the orders completed and the scores given. A scoped reader gets
    their own outlet's only."""
    reports = OutletKpiReport.objects.filter(
        period_start__gte=period.start, period_end__lte=period.end + timedelta(1)
    )
    if scope.complaints is not None:
        reports = reports.filter(outlet__code=scope.outlet_code) if scope.outlet_code else reports.none()
    weighted = (
        reports.order_by()
        .values("outlet__code", "outlet__name")
        .annotate(
            reports=Count("pk"),
            opened=Sum("repair_orders_opened"),
            completed=Sum("repair_orders_completed"),
            turnaround_weight=Sum("repair_orders_completed", filter=Q(mean_turnaround_hours__isnull=False)),
            turnaround_total=Sum(
                _product("repair_orders_completed", "mean_turnaround_hours"),
                filter=Q(mean_turnaround_hours__isnull=False),
            ),
            scores=Sum("satisfaction_count"),
            score_total=Sum(
                _product("satisfaction_count", "satisfaction_mean"), filter=Q(satisfaction_mean__isnull=False)
            ),
        )
        .order_by("outlet__code")
    )
    return [
        OutletKpi(
            outlet_code=row["outlet__code"],
            outlet_name=row["outlet__name"],
            reports=row["reports"],
            repair_orders_opened=row["opened"] or 0,
            repair_orders_completed=row["completed"] or 0,
            mean_turnaround_hours=row["turnaround_total"] / row["turnaround_weight"]
            if row["turnaround_weight"]
            else None,
            satisfaction_count=row["scores"] or 0,
            satisfaction_mean=row["score_total"] / row["scores"] if row["scores"] else None,
        )
        for row in weighted
    ]


def _product(left: str, right: str) -> Any:
    return Cast(F(left), FloatField()) * F(right)

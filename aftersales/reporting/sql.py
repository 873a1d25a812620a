"""SQL building blocks of the dashboard: durations in hours and the continuous percentile.

PostgreSQL computes a percentile with `percentile_cont(f) WITHIN GROUP (ORDER BY x)`; SQLite
has no ordered-set aggregate, so there the same value is read from a window query that
returns, per group, only the one or two rows around the percentile's position
(`percentile_cont` interpolates linearly between them, and so do we).
"""

import math
from collections.abc import Hashable
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet, Window
from django.db.models.functions import Ceil, Floor, RowNumber


class HoursBetween(Func):
    """Hours (float) from `start` to `end`, both datetime columns; NULL when either is NULL.
    Written for PostgreSQL and SQLite, the two databases the platform runs on."""

    output_field = FloatField()
    arity = 2

    def _operands(self, compiler: Any) -> tuple[str, str, list[Any]]:
        start, end = self.get_source_expressions()
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return start_sql, end_sql, [*end_params, *start_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # noqa: ARG002
        start, end, params = self._operands(compiler)
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # noqa: ARG002
        # SQLite keeps datetimes as UTC text, which julianday() reads; days * 24 = hours.
        start, end, params = self._operands(compiler)
        return f"((julianday({end}) - julianday({start})) * 24.0)", params


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of an expression (NULLs ignored), e.g. the p90 for 0.9."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"percentile fraction {fraction} is outside 0..1")
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_by_group(
    rows: QuerySet[Any], *, value: Any, group: str | None, fraction: float
) -> dict[Hashable, float | None]:
    """The continuous percentile `fraction` of `value` over `rows`, per value of the `group` field
    (one entry under None when `group` is None); NULL values are left out, as percentile_cont does.

    One query on either database; the SQLite path returns at most two rows per group.
    """
    rows = rows.annotate(_value=value).filter(_value__isnull=False)
    if connection.vendor == "postgresql":
        if group is None:
            return {None: rows.aggregate(p=PercentileCont(F("_value"), fraction))["p"]}
        return dict(
            rows.order_by()
            .values(group)
            .annotate(p=PercentileCont(F("_value"), fraction))
            .values_list(group, "p")
        )
    partition = [F(group)] if group else []
    ranked = rows.annotate(
        _rank=Window(RowNumber(), partition_by=partition or None, order_by=F("_value").asc()),
        _count=Window(Count("pk"), partition_by=partition or None),
    )
    # Row ranks are 1-based; percentile_cont's position is fraction * (n - 1), 0-based.
    position = F("_count") - 1
    picked = ranked.filter(
        _rank__gte=Floor(position * fraction) + 1, _rank__lte=Ceil(position * fraction) + 1
    )
    fields = (group, "_rank", "_count", "_value") if group else ("_rank", "_count", "_value")
    found: dict[Hashable, dict[int, float]] = {}
    counts: dict[Hashable, int] = {}
    for row in picked.values_list(*fields):
        key, rank, count, number = row if group else (None, *row)
        found.setdefault(key, {})[rank - 1] = number
        counts[key] = count
    result: dict[Hashable, float | None] = {}
    for key, ranks in found.items():
        exact = (counts[key] - 1) * fraction
        low, high = math.floor(exact), math.ceil(exact)
        low_value, high_value = ranks.get(low), ranks.get(high, ranks.get(low))
        if low_value is None or high_value is None:
            result[key] = None
            continue
        result[key] = low_value + (high_value - low_value) * (exact - low)
    return result

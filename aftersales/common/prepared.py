"""Reads whose statement Django builds once per process, then runs with each call's values.

Django compiles a queryset into SQL anew on every evaluation; for the few-row reads of a hot
endpoint (the staff detail of a complaint: the token, the complaint, its timeline, ...)
building the statement costs more CPU than the database spends running it
(docs/benchmarks.md, "detail"). A `PreparedRead` is declared once at import with a function
that builds the queryset from its arguments:

    TOKEN_BY_HASH = PreparedRead(
        lambda key_hash: ApiToken.objects.select_related("user").filter(key_hash=key_hash)[:1],
        key_hash=str,
    )
    token = next(iter(TOKEN_BY_HASH(key_hash=digest)), None)

On first use on a database the function is called with stand-in values, the queryset compiled
and its SQL, converters and row-to-instance plan kept; every call then sends that SQL with the
call's values where the stand-ins were. The rows come back as the queryset's would: model
instances (with their `select_related` relations and `only()` deferrals), or dicts for a
`.values()` queryset, each value through the same converters.

Limits, checked when the statement is built: the arguments are `str` or `int` values that a
lookup compares as they are (exact matches, `in` is not supported), each used in the statement;
no annotations, `extra()` or prefetching. Any other value in the statement (a constant of the
query) is kept as compiled.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    ModelIterable,
    ValuesIterable,
    get_related_populators,
)


class _Argument:
    """Where the call's value of argument `name` goes in the statement's parameters."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]  # constants as compiled, or _Argument for a call's value
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (position, converters, expression)
    # Model rows: the class, the slice of its columns, their attribute names, the related
    # objects' populators. Values rows: the keys of each dict.
    model: Any
    model_columns: tuple[int, int]
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]
    names: tuple[str, ...]


# Stand-ins compiled in an argument's place, one per argument: values no real call sends.
# Integers stay in the range of a 32-bit column, which Django's lookups check.
_STAND_IN_INT = -2_147_480_000


def _stand_in(kind: type, index: int, name: str) -> str | int:
    if kind is str:
        return f"\x00prepared:{name}\x00"
    if kind is int:
        return _STAND_IN_INT - index
    raise TypeError(f"prepared read argument {name}: {kind.__name__} is not supported (str or int)")


class PreparedRead:
    """A queryset built by `build(**arguments)`, compiled once per database, run per call.

    `arguments` names each argument of `build` with its type (`str` or `int`). Calling the
    read with those arguments returns the list of rows the queryset would give.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], **arguments: type) -> None:
        self._build = build
        self._arguments = arguments
        self._statements: dict[tuple[str, str], _Statement] = {}
        self._alias: str | None = None

    def __call__(self, **values: str | int) -> list[Any]:
        if values.keys() != self._arguments.keys():
            raise TypeError(f"prepared read takes {sorted(self._arguments)}, got {sorted(values)}")
        for name, value in values.items():
            if type(value) is not self._arguments[name]:
                raise TypeError(f"prepared read argument {name}: {type(value).__name__} given")
        statement, alias = self._statement()
        connection = connections[alias]
        params = [values[p.name] if type(p) is _Argument else p for p in statement.params]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        if statement.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, converters, expression in statement.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
        if statement.model is None:
            names = statement.names
            return [dict(zip(names, row, strict=True)) for row in rows]
        model, (start, end), init_list = statement.model, statement.model_columns, statement.init_list
        objects = []
        for row in rows:
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in statement.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def _statement(self) -> tuple[_Statement, str]:
        # The database is the router's choice for the queryset, taken as the same for every
        # call (the arguments' values do not choose it).
        if self._alias is not None:
            statement = self._statements.get((self._alias, connections[self._alias].vendor))
            if statement is not None:
                return statement, self._alias
        stand_ins = {
            name: _stand_in(kind, index, name) for index, (name, kind) in enumerate(self._arguments.items())
        }
        queryset = self._build(**stand_ins)
        alias = self._alias = queryset.db
        statement = self._statements[(alias, connections[alias].vendor)] = _compile(queryset, stand_ins)
        return statement, alias

    def __repr__(self) -> str:
        return f"PreparedRead({self._build!r}, {self._arguments})"


def _compile(queryset: QuerySet[Any], stand_ins: dict[str, str | int]) -> _Statement:
    query = queryset.query
    if query.annotation_select or query.extra_select or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        raise TypeError("prepared read: annotations, extra() and prefetching are not supported")
    if queryset._iterable_class not in (ModelIterable, ValuesIterable):
        raise TypeError("prepared read: model instances or .values() dicts only")
    compiler = query.get_compiler(using=queryset.db)
    sql, compiled_params = compiler.as_sql()
    by_value = {(type(value), value): name for name, value in stand_ins.items()}
    params: list[Any] = []
    used = set()
    for value in compiled_params:
        name = by_value.get((type(value), value))
        if name is None:
            params.append(value)
        else:
            params.append(_Argument(name))
            used.add(name)
    unused = stand_ins.keys() - used
    if unused:
        # An argument transformed on its way into the statement (a LIKE pattern, a list) is
        # not found as given: it could not be sent as the caller gives it.
        raise TypeError(f"prepared read: arguments {sorted(unused)} not found as given in the statement")
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    converters = tuple(
        (position, tuple(convs), expression)
        for position, (convs, expression) in compiler.get_converters(fields).items()
    )
    if queryset._iterable_class is ValuesIterable:
        return _Statement(sql, tuple(params), converters, None, (0, 0), (), (), tuple(query.values_select))
    klass_info = compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    return _Statement(
        sql=sql,
        params=tuple(params),
        converters=converters,
        model=klass_info["model"],
        model_columns=(start, end),
        init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
        populators=tuple(get_related_populators(klass_info, compiler.select, queryset.db)),
        names=(),
    )

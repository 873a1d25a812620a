"""Plain INSERTs and reads for the few write paths every complaint takes (intake).

Django builds a statement anew for every `save()`, `create()` and queryset, and on the intake
path building them costs several times more CPU than the database spends running them
(docs/benchmarks.md, "Intake at the speed of the hardware"). Here a statement is built once
per model, column set and row count, and kept; each call only converts its values the way
Django's own INSERT does (`field.pre_save(obj, add=True)` then `field.get_db_prep_save`) and
runs it. The SQL is the common subset of SQLite (>= 3.35) and PostgreSQL: `RETURNING` and
`ON CONFLICT (...) DO NOTHING`.

What the ORM would also do and these do not: send `pre_save`/`post_save` signals (the project
uses none) and validate nothing more than the database does (neither does `save()`).
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey, Model

ModelT = TypeVar("ModelT", bound=Model)


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


# The Python types that a field of each internal type stores as they are: for these Django's
# `get_db_prep_save` returns the value unchanged (a str to a CharField, an int to an integer
# or a foreign key column, ...), so the call is skipped. Any other value, or field, takes it.
_STORED_AS_IS: dict[str, tuple[type, ...]] = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "IntegerField": (int,),
    "BigIntegerField": (int,),
    "SmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveBigIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "BooleanField": (bool,),
    "FloatField": (float,),
}


@cache
def _adapters(
    model: type[Model], vendor: str
) -> tuple[tuple[str, Field, tuple[type, ...], bool, ForeignKey | None], ...]:
    """Per column: its attribute name, the field, the value types stored as they are, whether
    it is an aware datetime column (adapted by the backend alone), the field again if it is a
    foreign key. Fields that fill themselves in (auto_now) get no types stored as they are."""
    adapters = []
    for field in _insert_fields(model):
        internal = field.get_internal_type()
        if isinstance(field, ForeignKey):
            internal = field.target_field.get_internal_type()
            if internal in ("AutoField", "BigAutoField", "SmallAutoField"):
                internal = "IntegerField"
        plain: tuple[type, ...] = () if getattr(field, "auto_now", False) else _STORED_AS_IS.get(internal, ())
        timestamp = internal == "DateTimeField" and not (
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        )
        adapters.append(
            (field.attname, field, plain, timestamp, field if isinstance(field, ForeignKey) else None)
        )
    return tuple(adapters)


@cache
def _insert_sql(model: type[Model], rows: int, conflict: tuple[str, ...] | None, vendor: str) -> str:
    """INSERT of `rows` rows of every column but the key, returning the keys in row order;
    with `conflict`, skipping a row that a unique constraint on those columns (any one, for
    `()`) refuses.

    `vendor` is in the key because the quoting, and the statement kept, belong to one backend.
    """
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    on_conflict = ""
    if conflict is not None:
        target = f" ({', '.join(quote(column) for column in conflict)})" if conflict else ""
        on_conflict = f" ON CONFLICT{target} DO NOTHING"
    key = quote(model._meta.pk.column)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}{on_conflict} RETURNING {key}"


def _values(obj: Model, db: BaseDatabaseWrapper) -> list[Any]:
    """The row's values as Django's INSERT would send them (`pre_save`, `get_db_prep_save`)."""
    values = []
    adapt_timestamp = db.ops.adapt_datetimefield_value
    for attname, field, plain, timestamp, foreign_key in _adapters(type(obj), db.vendor):
        value = getattr(obj, attname)
        if value is None and foreign_key is not None and foreign_key.is_cached(obj):
            # A related object saved after it was assigned: take its key now, as save() does.
            target = foreign_key.get_cached_value(obj)
            if target is not None:
                value = target.pk
                setattr(obj, attname, value)
        if value is None or type(value) in plain:
            values.append(value)
        elif timestamp and type(value) is datetime and value.tzinfo is not None:
            values.append(adapt_timestamp(value))
        else:
            values.append(field.get_db_prep_save(field.pre_save(obj, True), connection=db))
    return values


def _saved(obj: Model, pk: Any, db: BaseDatabaseWrapper) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = db.alias


def rows_insert(objs: Sequence[ModelT]) -> Sequence[ModelT]:
    """Insert new instances of one model in one statement; set their keys. Returns `objs`.

    Like `bulk_create` (values as Django would store them, keys back in row order), without
    building the statement again. A unique or foreign key refusal raises IntegrityError, as
    `save()` would.
    """
    if not objs:
        return objs
    # The default connection, looked up once (each attribute read through the
    # `connection` proxy looks it up again).
    db = connections[DEFAULT_DB_ALIAS]
    sql = _insert_sql(type(objs[0]), len(objs), None, db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, [value for obj in objs for value in _values(obj, db)])
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        _saved(obj, pk, db)
    return objs


def row_insert_unless_taken(obj: Model, *, unique: Sequence[str] = ()) -> bool:
    """Insert `obj` unless a row already holds its values of a unique constraint: of the one
    on the columns `unique` (a full constraint or index, not a partial one), or of any one.

    True when inserted (its key is set); False when a row was there, which leaves the
    transaction usable (no savepoint needed, unlike catching IntegrityError). On PostgreSQL
    a concurrent transaction inserting the same values makes this wait for its end: False
    if it committed. A refusal by anything else (a foreign key, NOT NULL) still raises
    IntegrityError.
    """
    db = connections[DEFAULT_DB_ALIAS]
    sql = _insert_sql(type(obj), 1, _unique_columns(type(obj), tuple(unique)), db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, _values(obj, db))
        row = cursor.fetchone()
    if row is None:
        return False
    _saved(obj, row[0], db)
    return True


@cache
def _unique_columns(model: type[Model], unique: tuple[str, ...]) -> tuple[str, ...]:
    columns = tuple(field.column for name in unique for field in _insert_fields(model) if field.name == name)
    assert len(columns) == len(unique), f"{model.__name__} has no columns {unique}"
    return columns


@cache
def select_columns(model: type[Model], alias: str) -> str:
    """`alias."column", ...` of every concrete column of `model`, in `_meta.concrete_fields`
    order: what `row_to_instance` reads back."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def row_to_instance(model: type[ModelT], row: Sequence[Any]) -> ModelT:
    """An instance of `model` from the values of `select_columns(model, ...)`, converted as a
    queryset converts them (the backend's and the column's `from_db_value` converters)."""
    fields = model._meta.concrete_fields
    values = []
    for field, value in zip(fields, row, strict=True):
        column, converters = _converters(field)
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def _converters(field: Field) -> tuple[Any, list]:  # type: ignore[type-arg]
    # The statement's expression for a column is the column itself: its converters are the
    # backend's, then the column's own (as SQLCompiler.get_converters finds them).
    found = _CONVERTERS.get((connection.vendor, field))
    if found is None:
        column = field.get_col(field.model._meta.db_table)
        found = (column, [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)])
        _CONVERTERS[(connection.vendor, field)] = found
    return found


_CONVERTERS: dict[tuple[str, Field], tuple[Any, list]] = {}  # type: ignore[type-arg]

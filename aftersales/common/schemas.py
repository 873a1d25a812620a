"""The base of answer schemas that endpoints fill from plain values (dicts, lists, scalars).

Ninja's `Schema` reads every field of whatever it validates through a `DjangoGetter`, so that
a model instance, a manager or a queryset can be given in place of the values: one Python call
or more per field, per nested schema, per request. An answer built as plain values (the
complaint detail: 20 timeline events, the deadlines, the outlet) gains nothing from it and paid
a tenth of the request's CPU (docs/benchmarks.md, "detail").
"""

from typing import Any

from ninja import Schema
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class ValuesSchema(Schema):
    """A Ninja schema that validates a `dict` as pydantic does, field by field, without the getter.

    Anything else (a model instance, another schema's instance) is read as Ninja reads it. The
    values of a dict must be the answer's own values: a manager, a queryset, a file or a
    callable is not turned into a list, a URL or its result, as Ninja's getter would; pydantic
    refuses it instead (or, for a field typed `Any` or `dict`, takes it as it is). The fields,
    their types, what is refused and what is dumped are the schema's, whichever way it reads.
    A schema with Ninja resolvers (`resolve_<field>`), which only the getter calls, cannot be one.
    """

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Ninja collects the resolvers after this runs: they are found as it finds them, by name.
        super().__pydantic_init_subclass__(**kwargs)
        resolvers = sorted(
            name for klass in cls.__mro__ for name in vars(klass) if name.startswith("resolve_")
        )
        if resolvers:
            raise TypeError(f"{cls.__name__}: a ValuesSchema cannot have resolvers {resolvers}")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict:
            return handler(values)
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]

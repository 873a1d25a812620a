"""A Ninja schema base for data that arrives as plain dicts (a JSON body, a service's dict).

Ninja's `Schema` wraps every object it validates, nested ones included, in a `DjangoGetter`
that reads each field through Python (`__getattr__`, resolvers, managers, callables) so that
model instances can be validated as they are. A dict needs none of that: pydantic reads it
natively, to the same result. On the intake path (its body, its receipt with the deadlines)
the wrapping was most of the validation's cost: the receipt took 100 µs with it, 8.5 µs without.
"""

from typing import Any

from ninja import Schema
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class DictSchema(Schema):
    """A `Schema` that validates a dict directly; anything else, or a dict for a schema with
    `resolve_<field>` methods, as `Schema` does."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        # Schema's own validator (pydantic's decorator proxy hides that it is callable).
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]

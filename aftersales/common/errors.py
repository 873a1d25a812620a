"""Domain errors. Services raise them; one handler (config/api.py) turns them into HTTP.

An error carries message *codes* and parameters, not finished sentences, so that the
same error can be rendered in the language of whoever receives it.
"""

import math
from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    code: str
    params: dict[str, object] = field(default_factory=dict)


class DomainError(Exception):
    status = 400
    code = "error"
    #: Machine-readable detail added to the error body beside `fields` (e.g. the candidate places
    #: of an ambiguous address), keyed by a name the API documents.
    extra: dict[str, object] = {}

    def __init__(self, code: str | None = None, **params: object) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(f"{self.code}: {params}")


class ValidationFailed(DomainError):
    """One or more fields are invalid. `fields` maps field name to its problem."""

    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, FieldProblem], code: str | None = None, **params: object) -> None:
        """`params` fill the placeholders of the message of `code`; when none are given, the first
        field problem of the same code lends its own (one message, said once for the field and once
        for the whole request)."""
        if not params and code is not None:
            params = next((dict(issue.params) for issue in fields.values() if issue.code == code), {})
        super().__init__(code, **params)
        self.fields = fields

    def __str__(self) -> str:
        return "validation failed: " + ", ".join(f"{k}={v.code}" for k, v in self.fields.items())


class TransitionNotAllowed(DomainError):
    status = 409
    code = "transition_not_allowed"


class FieldConflict(ValidationFailed):
    """The request is well formed but clashes with the current state of a named field's object:
    a part out of stock, a quote changed since it was shown, an agreement version no longer current.
    Answered 409 in the one error shape, with `fields` naming what clashes."""

    status = 409


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    status = 409


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class Throttled(DomainError):
    """Too many requests: try again in `retry_after` seconds (sent as the `Retry-After` header).

    The message may use {seconds} and {minutes}, the wait rounded up to whole units.
    """

    status = 429
    code = "throttled"

    def __init__(self, code: str | None = None, *, retry_after: float, **params: object) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(code, seconds=self.retry_after, minutes=math.ceil(self.retry_after / 60), **params)


def problem(code: str, **params: object) -> FieldProblem:
    return FieldProblem(code=code, params=params)

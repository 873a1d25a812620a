"""The one NinjaAPI: mounts each app's router and maps every error to one JSON shape.

    {"error": code, "message": text, "fields": {name: reason}}

in the caller's language (?lang=, Accept-Language; Chinese by default).
"""

import json
import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from aftersales.common.errors import (
    DomainError,
    FieldProblem,
    PayloadTooLarge,
    Throttled,
    ValidationFailed,
    problem,
)
from aftersales.common.language import request_language
from aftersales.common.messages import message_text
from aftersales.common.text import document_text_problems, text_problem

security_log = logging.getLogger("aftersales.security")


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        try:
            body = request.body
        except RequestDataTooBig as exc:
            raise PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE) from exc
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ValidationFailed({"body": problem("malformed_json")}, code="malformed_json") from exc
        unstorable = document_text_problems(document)
        if unstorable:
            security_log.info("request with unstorable text refused: %s %s", request.method, request.path)
            raise ValidationFailed(unstorable)
        return document

    def parse_querydict(self, data, list_fields, request):  # type: ignore[no-untyped-def]
        unstorable = {
            key: found
            for key in data
            for value in data.getlist(key)
            if (found := text_problem(str(value))) is not None
        }
        if unstorable:
            raise ValidationFailed(unstorable)
        return super().parse_querydict(data, list_fields, request)


class AftersalesAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):  # type: ignore[no-untyped-def]
        """Ninja's schema errors, each with `input_length` (characters) where the input was text:
        Ninja drops the input itself, and a "too long" message names the length given."""
        lengths = [
            len(item["input"]) if isinstance(item.get("input"), str) else None
            for context in error_contexts
            for item in context.pydantic_validation_error.errors(include_url=False)
        ]
        error = super().validation_error_from_error_contexts(error_contexts)
        for item, length in zip(error.errors, lengths, strict=False):
            if length is not None:
                item["input_length"] = length
        return error


api = AftersalesAPI(
    title="aftersales API",
    version="1",
    urls_namespace="api",
    parser=StrictJSONParser(),
    description="Complaint intake, tracking and handling for a consumer-electronics service organisation.",
)


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    language = request_language(request)
    body: dict[str, object] = {
        "error": error.code,
        "message": message_text(error.code, language, **error.params),
    }
    if isinstance(error, ValidationFailed):
        body["fields"] = {
            name: message_text(issue.code, language, **issue.params) for name, issue in error.fields.items()
        }
        body["field_codes"] = {name: issue.code for name, issue in error.fields.items()}
    else:
        body["fields"] = {}
    body.update(error.extra)
    if error.status == 413:
        security_log.warning("oversized request refused: %s %s", request.method, request.path)
    response = api.create_response(request, body, status=error.status)
    if isinstance(error, Throttled):
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps failures of the body parser; unwrap ours.
    if isinstance(exc.__cause__, DomainError):
        return error_response(request, exc.__cause__)
    return api.create_response(
        request, {"error": "http_error", "message": str(exc), "fields": {}}, status=exc.status_code
    )


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = {}
    for item in exc.errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "payload", "query", "path", "filters", "form", "file")
        ]
        fields[".".join(location) or "body"] = schema_problem(item)
    return error_response(request, ValidationFailed(fields))


# pydantic's error types -> our message codes, so that schema errors speak both languages too.
_SCHEMA_PROBLEMS = {
    "missing": "required",
    "int_parsing": "integer_invalid",
    "int_from_float": "integer_invalid",
    "int_type": "integer_invalid",
    "int_parsing_size": "number_too_big",
    "float_parsing": "decimal_invalid",
    "decimal_parsing": "decimal_invalid",
    "finite_number": "number_not_finite",
    "bool_parsing": "boolean_invalid",
    "date_parsing": "date_invalid",
    "date_from_datetime_parsing": "date_invalid",
    "date_from_datetime_inexact": "date_invalid",
    "date_type": "date_invalid",
    "datetime_parsing": "datetime_invalid",
    "datetime_from_date_parsing": "datetime_invalid",
    "datetime_type": "datetime_invalid",
    "string_pattern_mismatch": "format_invalid",
    "uuid_parsing": "format_invalid",
}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def schema_problem(item: dict) -> FieldProblem:
    """One pydantic error as a FieldProblem with a bilingual message (pydantic's own English text
    never reaches a client). Allowed values of an enum or literal are listed as code words, which
    `message_text` puts into words (TERMS)."""
    kind = item.get("type", "")
    context = item.get("ctx") or {}
    given = item.get("input_length", "-")
    if kind in _SCHEMA_PROBLEMS:
        return problem(_SCHEMA_PROBLEMS[kind])
    if kind in ("less_than_equal", "less_than"):
        return problem("value_too_large", limit=context.get("le", context.get("lt")))
    if kind in ("greater_than_equal", "greater_than"):
        return problem("value_too_small", limit=context.get("ge", context.get("gt")))
    if kind == "string_too_long":
        return problem("text_too_long", limit=context.get("max_length"), length=given)
    if kind == "string_too_short":
        return problem("text_too_short", limit=context.get("min_length"), length=given)
    if kind == "too_short":
        return problem("list_too_short", limit=context.get("min_length"))
    if kind == "too_long":
        return problem("list_too_long", limit=context.get("max_length"))
    if kind in ("enum", "literal_error"):
        allowed = _QUOTED.findall(str(context.get("expected", "")))
        return problem("choice_invalid", allowed=", ".join(allowed)) if allowed else problem("value_invalid")
    if kind.endswith("_type"):
        return problem("type_invalid", expected=kind.removesuffix("_type"))
    return problem("value_invalid")


def _mount() -> None:
    from aftersales.accounts.api import router as accounts_router
    from aftersales.accounts.privacy.api import router as privacy_router
    from aftersales.complaints.api import router as complaints_router
    from aftersales.evidence.api import router as evidence_router
    from aftersales.intake import api as intake_api
    from aftersales.intake.channels.email.api import router as email_channel_router
    from aftersales.network.api import router as network_router
    from aftersales.policy.api import router as policy_router
    from aftersales.triage.api import router as triage_router

    # Intake owns the POST on the complaints collection; Ninja needs both methods on one router.
    complaints_router.add_api_operation(
        "", ["POST"], intake_api.submit_complaint, response=intake_api.RESPONSES, tags=["intake"]
    )
    api.add_router("/complaints", complaints_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/privacy", privacy_router)
    api.add_router("/policy", policy_router)
    api.add_router("/triage", triage_router)
    api.add_router("/outlets", network_router)
    api.add_router("/evidence", evidence_router)
    api.add_router("/channels", email_channel_router)
    _mount_repairs()
    _mount_hotline()
    _mount_app_channel()


def _mount_hotline() -> None:
    from aftersales.intake.channels.hotline.api import customers_router
    from aftersales.intake.channels.hotline.api import router as hotline_router

    api.add_router("/channels/hotline", hotline_router)
    api.add_router("/customers", customers_router)


def _mount_repairs() -> None:
    from aftersales.parts.api import router as parts_router
    from aftersales.pricing.api import prices_router, trade_in_router
    from aftersales.repairs.api import router as repairs_router
    from aftersales.warranty.api import router as warranty_router

    api.add_router("/repairs", repairs_router)
    api.add_router("/parts", parts_router)
    api.add_router("/prices", prices_router)
    api.add_router("/trade-in", trade_in_router)
    api.add_router("/warranty", warranty_router)


def _mount_app_channel() -> None:
    """The app's uploads, a complaint's files and its progress for polling (intake.attachments)."""
    from aftersales.complaints.api import router as complaints_router
    from aftersales.intake.attachments import api as app_api

    complaints_router.add_api_operation(
        "/{number}/attachments",
        ["GET"],
        app_api.list_attachments,
        response=list[app_api.AttachmentOut | app_api.CustomerAttachmentOut],
        tags=["attachments"],
    )
    complaints_router.add_api_operation(
        "/{number}/attachments/{attachment_id}", ["GET"], app_api.download_attachment, tags=["attachments"]
    )
    complaints_router.add_api_operation(
        "/{number}/progress", ["GET"], app_api.get_progress, tags=["complaints"]
    )
    api.add_router("/attachments", app_api.router)


_mount()

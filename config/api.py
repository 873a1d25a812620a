"""The one NinjaAPI: mounts each app's router and maps every error to one JSON shape.

    {"error": code, "message": text, "fields": {name: reason}}

in the caller's language (?lang=, Accept-Language; Chinese by default).
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from aftersales.common.errors import DomainError, PayloadTooLarge, ValidationFailed, problem
from aftersales.common.language import request_language
from aftersales.common.messages import message_text

security_log = logging.getLogger("aftersales.security")


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        try:
            body = request.body
        except RequestDataTooBig as exc:
            raise PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE) from exc
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed({"body": problem("malformed_json")}, code="malformed_json") from exc


api = NinjaAPI(
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
    if error.status == 413:
        security_log.warning("oversized request refused: %s %s", request.method, request.path)
    return api.create_response(request, body, status=error.status)


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
            str(part) for part in item.get("loc", ()) if part not in ("body", "payload", "query", "path")
        ]
        name = ".".join(location) or "body"
        if item.get("type") == "missing":
            fields[name] = problem("required")
        else:
            fields[name] = problem("invalid_value", detail=item.get("msg", ""))
    return error_response(request, ValidationFailed(fields))


def _mount() -> None:
    from aftersales.accounts.api import router as accounts_router
    from aftersales.complaints.api import router as complaints_router
    from aftersales.intake import api as intake_api
    from aftersales.network.api import router as network_router
    from aftersales.policy.api import router as policy_router
    from aftersales.triage.api import router as triage_router

    # Intake owns the POST on the complaints collection; Ninja needs both methods on one router.
    complaints_router.add_api_operation(
        "", ["POST"], intake_api.submit_complaint, response=intake_api.RESPONSES, tags=["intake"]
    )
    api.add_router("/complaints", complaints_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/policy", policy_router)
    api.add_router("/triage", triage_router)
    api.add_router("/outlets", network_router)


_mount()

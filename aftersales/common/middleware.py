"""Refuse a request whose address carries text no column can hold, before any view reads it."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from aftersales.common.language import request_language
from aftersales.common.messages import message_text
from aftersales.common.text import text_problem

security_log = logging.getLogger("aftersales.security")


class UnstorableTextMiddleware:
    """A NUL or a broken character in the path or the query string answers 422, never a 500.

    API paths get the API's error shape, naming the query parameter (or `path`); pages a
    short plain-text answer. Bodies are checked where they are parsed (config/api.py, forms).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = {}
        if text_problem(request.path) is not None:
            fields["path"] = text_problem(request.path)
        for key in request.GET:
            for value in [key, *request.GET.getlist(key)]:
                found = text_problem(value)
                if found is not None:
                    fields[key if text_problem(key) is None else "query"] = found
        if not fields:
            return self.get_response(request)
        security_log.info("request with unstorable text in its address refused: %s", request.method)
        language = request_language(request)
        texts = {
            name: message_text(found.code, language, **found.params)
            for name, found in fields.items()
            if found
        }
        if request.path.startswith("/api/"):
            body = {
                "error": "validation_failed",
                "message": message_text("validation_failed", language),
                "fields": texts,
                "field_codes": {name: found.code for name, found in fields.items() if found},
            }
            return JsonResponse(body, status=422, json_dumps_params={"ensure_ascii": False})
        return HttpResponse("\n".join(texts.values()), status=422, content_type="text/plain; charset=utf-8")

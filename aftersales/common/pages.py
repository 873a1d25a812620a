"""What the public pages (no sign-in) share: the language they speak.

Chinese by default; `?lang=en` or `?lang=zh-hans` switches and is kept in the language
cookie, as in the service desk. Without it Django's LocaleMiddleware chooses from the
cookie, then the browser's Accept-Language, then Chinese (settings.LANGUAGE_CODE).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils import translation

from aftersales.common.language import SUPPORTED

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
# No field of a public page takes more characters than this; longer values are cut before the
# form reads them, so a refused value is never echoed back whole (a 100 kB "IMEI").
MAX_FIELD_CHARACTERS = 120

PageView = Callable[..., HttpResponseBase]


def public_page(view: PageView) -> PageView:
    """Serve `view` in the language asked by `?lang=` (kept in the cookie), else the negotiated one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        chosen = (request.GET.get("lang") or "").lower()
        if chosen not in SUPPORTED:
            return view(request, *args, **kwargs)
        with translation.override(chosen):
            request.LANGUAGE_CODE = chosen
            response = view(request, *args, **kwargs)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, chosen, max_age=LANGUAGE_COOKIE_MAX_AGE, samesite="Lax"
        )
        return response

    return wrapper


def page_language() -> str:
    """The active language as the policy pack and the selectors name it: "en" or "zh-hans"."""
    return "en" if (translation.get_language() or "").lower().startswith("en") else "zh-hans"


def bounded_query(query: QueryDict) -> QueryDict:
    """A copy of `query` with every value cut to MAX_FIELD_CHARACTERS (the form then refuses it)."""
    bounded = QueryDict(mutable=True)
    for key in query:
        bounded.setlist(key[:MAX_FIELD_CHARACTERS], [v[:MAX_FIELD_CHARACTERS] for v in query.getlist(key)])
    return bounded

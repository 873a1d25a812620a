from django.http import HttpRequest
from django.utils.translation import get_language_from_request

SUPPORTED = ("zh-hans", "en")


def request_language(request: HttpRequest) -> str:
    """The language to answer in: ?lang=, then Accept-Language, then Chinese."""
    explicit = (request.GET.get("lang") or "").lower()
    if explicit in SUPPORTED:
        return explicit
    detected = get_language_from_request(request).lower()
    return "en" if detected.startswith("en") else "zh-hans"

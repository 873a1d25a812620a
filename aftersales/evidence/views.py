from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from aftersales.evidence.selectors import published_keys


@require_GET
def well_known_keys(request: HttpRequest) -> JsonResponse:
    """/.well-known/aftersales-evidence-keys.json: the public keys, where auditors look for them."""
    response = JsonResponse({"keys": published_keys()}, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response

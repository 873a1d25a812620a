from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftersales.evidence.selectors import (
    Verdict,
    published_keys,
    service_record_verdict,
    wipe_certificate_verdict,
)


@require_GET
def well_known_keys(request: HttpRequest) -> JsonResponse:
    """/.well-known/aftersales-evidence-keys.json: the public keys, where auditors look for them."""
    response = JsonResponse({"keys": published_keys()}, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _verdict_page(request: HttpRequest, verdict: Verdict, *, title: str, reference: str) -> HttpResponse:
    response = render(
        request,
        "evidence/verify.html",
        {"verdict": verdict, "title": title, "reference": reference[:64]},
        status=200 if verdict.authentic else 404,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def verify_record_page(request: HttpRequest, number: str) -> HttpResponse:
    """/verify/<number>?h=<hash>: public; says whether the service record is authentic and unchanged."""
    verdict = service_record_verdict(number=number, content_hash=request.GET.get("h", ""))
    return _verdict_page(request, verdict, title="电子服务档案核验 Service record check", reference=number)


@require_GET
def verify_wipe_page(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """/verify/wipe/<id>?h=<hash>: public; says whether the wipe certificate is authentic."""
    verdict = wipe_certificate_verdict(certificate_id=certificate_id, document_hash=request.GET.get("h", ""))
    return _verdict_page(
        request, verdict, title="数据清除证书核验 Wipe certificate check", reference=certificate_id
    )

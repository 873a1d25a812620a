from django.http import HttpRequest, HttpResponse
from ninja import Router

from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.evidence.bundle import bundle_build
from aftersales.evidence.schemas import KeysOut
from aftersales.evidence.selectors import complaint_for_bundle, published_keys

router = Router(tags=["evidence"])


@router.get("/keys", response=KeysOut)
def keys(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Public: every signing key, current and retired (also at /.well-known/aftersales-evidence-keys.json)."""
    return {"keys": published_keys()}


@router.get("/complaints/{number}/bundle")
def bundle(request: HttpRequest, number: str) -> HttpResponse:
    """Staff: the complaint's evidence bundle (zip), verifiable offline (docs/evidence.md)."""
    complaint = complaint_for_bundle(actor=actor_from_request(request), number=number)
    data = bundle_build(complaint_number=complaint.number, at=clock.now())
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{complaint.number}.zip"'
    response["Cache-Control"] = "no-store"
    return response

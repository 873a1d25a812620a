import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Status

from aftersales.accounts.selectors import actor_from_request
from aftersales.common import clock
from aftersales.common.errors import Conflict, NotFound
from aftersales.evidence.bundle import bundle_build
from aftersales.evidence.formats import iso_time
from aftersales.evidence.models import ServiceRecord, WipeCertificate
from aftersales.evidence.schemas import KeysOut, ServiceRecordOut, WipeCertificateOut, WipeIn
from aftersales.evidence.selectors import (
    complaint_for_bundle,
    complaint_for_record,
    published_keys,
    service_record_get_for_actor,
    wipe_certificate_get_for_actor,
    wipe_certificates_for_imei,
)
from aftersales.evidence.services import (
    WipeReport,
    service_record_request,
    verify_url,
    wipe_certificate_issue,
    wipe_verify_url,
)
from aftersales.evidence.signing import public_key_pem
from aftersales.evidence.storage import generated_file_read

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


def _tracking_token(request: HttpRequest) -> str:
    return request.headers.get("X-Tracking-Token") or request.GET.get("token", "")


def _token_query(request: HttpRequest) -> str:
    token = _tracking_token(request)
    return f"?token={token}" if token and "X-Tracking-Token" not in request.headers else ""


def _record_out(request: HttpRequest, record: ServiceRecord) -> dict:
    base = f"/api/v1/evidence/records/{record.pk}"
    ready = record.status == ServiceRecord.Status.READY
    query = _token_query(request)
    return {
        "id": record.pk,
        "complaint": record.complaint.number,
        "status": record.status,
        "content_sha256": record.content_sha256,
        "pdf_sha256": record.pdf_sha256,
        "pages": record.pages,
        "generated_at": iso_time(record.generated_at) if record.generated_at else None,
        "status_url": base + query,
        "pdf_url": f"{base}/pdf{query}" if ready else None,
        "verify_url": verify_url(number=record.complaint.number, content_hash=record.content_sha256)
        if ready
        else None,
    }


def _pdf(record: ServiceRecord) -> HttpResponse:
    if record.status == ServiceRecord.Status.PENDING:
        raise Conflict("service_record_pending")
    if record.status == ServiceRecord.Status.FAILED:
        raise Conflict("service_record_failed")
    data = generated_file_read(record.file_name)
    if data is None:
        raise NotFound(what="service record")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="service-record-{record.complaint.number}-{record.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Record-SHA256"] = record.content_sha256
    return response


@router.get("/complaints/{number}/record")
def service_record(request: HttpRequest, number: str) -> HttpResponse:
    """Staff, the signed-in customer or the tracking-token holder: the complaint's electronic
    service record. 200 with the PDF when ready (generated now for a small record); 202 with
    the record's status (poll `status_url`) while a large one is generated in the background."""
    complaint, actor = complaint_for_record(
        actor=actor_from_request(request), number=number, tracking_token=_tracking_token(request)
    )
    record = service_record_request(actor=actor, complaint=complaint)
    if record.status == ServiceRecord.Status.READY:
        return _pdf(record)
    return JsonResponse(_record_out(request, record), status=202 if record.status == "pending" else 409)


@router.get("/records/{record_id}", response=ServiceRecordOut)
def service_record_status(request: HttpRequest, record_id: int):  # type: ignore[no-untyped-def]
    """The record's status, for whoever may see its complaint."""
    record = service_record_get_for_actor(
        actor=actor_from_request(request), record_id=record_id, tracking_token=_tracking_token(request)
    )
    return _record_out(request, record)


@router.get("/records/{record_id}/pdf")
def service_record_pdf(request: HttpRequest, record_id: int) -> HttpResponse:
    """The record's PDF once ready; 409 while pending or failed."""
    record = service_record_get_for_actor(
        actor=actor_from_request(request), record_id=record_id, tracking_token=_tracking_token(request)
    )
    return _pdf(record)


def _wipe_out(certificate: WipeCertificate) -> dict:
    cid = str(certificate.certificate_id)
    return {
        "certificate_id": cid,
        "imei": certificate.imei,
        "method": certificate.method,
        "document_sha256": certificate.document_sha256,
        "key_id": certificate.key_id,
        "issued_at": iso_time(certificate.issued_at),
        "verify_url": wipe_verify_url(certificate_id=cid, document_hash=certificate.document_sha256),
        "json_url": f"/api/v1/evidence/wipes/{cid}/json",
        "pdf_url": f"/api/v1/evidence/wipes/{cid}/pdf",
    }


@router.post("/wipes", response={201: WipeCertificateOut})
def wipe_certify(request: HttpRequest, payload: WipeIn):  # type: ignore[no-untyped-def]
    """Staff who inspect devices: record a device wipe and issue its signed certificate."""
    certificate = wipe_certificate_issue(
        actor=actor_from_request(request), report=WipeReport(**payload.dict())
    )
    return Status(201, _wipe_out(certificate))


@router.get("/wipes", response=list[WipeCertificateOut])
def wipe_certificates(request: HttpRequest, imei: str):  # type: ignore[no-untyped-def]
    """Staff who inspect devices: the certificates of one device (`?imei=`), newest first."""
    return [
        _wipe_out(certificate)
        for certificate in wipe_certificates_for_imei(actor=actor_from_request(request), imei=imei)
    ]


@router.get("/wipes/{certificate_id}/json")
def wipe_certificate_json(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The signed certificate as JSON: `document` (its canonical bytes are signed), signature, key."""
    certificate = wipe_certificate_get_for_actor(
        actor=actor_from_request(request), certificate_id=certificate_id
    )
    key = next(k for k in published_keys() if k["key_id"] == certificate.key_id)
    body = json.dumps(
        {
            "format": 1,
            "document": json.loads(certificate.document),
            "document_sha256": certificate.document_sha256,
            "algorithm": "Ed25519",
            "key_id": certificate.key_id,
            "signature": certificate.signature,
            "public_key_pem": public_key_pem(key["public_key"]),
        },
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="wipe-{certificate.certificate_id}.json"'
    return response


@router.get("/wipes/{certificate_id}/pdf")
def wipe_certificate_pdf(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = wipe_certificate_get_for_actor(
        actor=actor_from_request(request), certificate_id=certificate_id
    )
    data = generated_file_read(certificate.file_name)
    if data is None:
        raise NotFound(what="wipe certificate")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="wipe-{certificate.certificate_id}.pdf"'
    return response

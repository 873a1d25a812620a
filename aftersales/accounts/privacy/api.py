"""The privacy endpoints: erasure, legal holds, export-my-data (docs/privacy.md). Thin: parse, one
service or selector, answer."""

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from aftersales.accounts.models import DataExport, ErasureRequest, LegalHold
from aftersales.accounts.privacy import selectors, services
from aftersales.accounts.selectors import actor_from_request

router = Router(tags=["privacy"])


class ErasureOut(Schema):
    id: int
    state: str
    requested_at: datetime
    # The request runs at this moment; until then the customer may cancel it.
    due_at: datetime
    cancelled_at: datetime | None
    done_at: datetime | None


class StaffErasureIn(Schema):
    reason: str = Field(..., max_length=500)


class HoldIn(Schema):
    kind: str = Field(..., max_length=16)
    reason: str = Field(..., max_length=500)
    ends_on: date


class HoldOut(Schema):
    id: int
    kind: str
    reason: str
    ends_on: date
    placed_at: datetime
    released_at: datetime | None


class ExportOut(Schema):
    id: int
    state: str
    requested_at: datetime
    built_at: datetime | None
    expires_at: datetime | None
    size: int


class ExportRequestOut(ExportOut):
    # Shown once: the archive is downloaded with it (GET …/archive?token=), signed in.
    token: str
    download_url: str


def _erasure(request: ErasureRequest) -> ErasureOut:
    return ErasureOut(
        id=request.pk,
        state=request.state,
        requested_at=request.requested_at,
        due_at=request.due_at,
        cancelled_at=request.cancelled_at,
        done_at=request.done_at,
    )


def _export(export: DataExport) -> ExportOut:
    return ExportOut(
        id=export.pk,
        state=export.state,
        requested_at=export.requested_at,
        built_at=export.built_at,
        expires_at=export.expires_at,
        size=export.size,
    )


def _hold(hold: LegalHold) -> HoldOut:
    return HoldOut(
        id=hold.pk,
        kind=hold.kind,
        reason=hold.reason,
        ends_on=hold.ends_on,
        placed_at=hold.placed_at,
        released_at=hold.released_at,
    )


@router.post("/erasure", response={202: ErasureOut})
def request_erasure(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The signed-in customer asks for their personal data to be erased.

    202 with the moment it runs (`due_at`: after the policy pack's cooling-off period, within which
    `POST /privacy/erasure/{id}/cancel` withdraws it); asking again returns the pending request.
    409 `legal_hold_active` naming the hold, its reason and its end; 401 when not signed in.
    """
    actor = actor_from_request(request)
    customer = selectors.customer_of_session(actor=actor)
    return Status(202, _erasure(services.erasure_request(customer=customer, actor=actor)))


@router.get("/erasure", response=list[ErasureOut])
def list_erasure_requests(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [_erasure(item) for item in selectors.erasure_requests_of(actor=actor_from_request(request))]


@router.post("/erasure/{request_id}/cancel", response=ErasureOut)
def cancel_erasure(request: HttpRequest, request_id: int):  # type: ignore[no-untyped-def]
    """Withdraw a pending request; 409 `erasure_not_pending` naming its state once it ran or was cancelled."""
    actor = actor_from_request(request)
    erasure = selectors.erasure_request_get_for_actor(actor=actor, request_id=request_id)
    return _erasure(services.erasure_cancel(request=erasure, actor=actor))


@router.post("/customers/{customer_id}/erasure", response={202: ErasureOut})
def request_erasure_for_customer(request: HttpRequest, customer_id: int, payload: StaffErasureIn):  # type: ignore[no-untyped-def]
    """Administrators: ask for a customer's erasure (e.g. asked for on the hotline), with a reason."""
    actor = actor_from_request(request)
    customer = selectors.customer_get_for_admin(
        actor=actor, customer_id=customer_id, permission="privacy.erase_any"
    )
    return Status(
        202, _erasure(services.erasure_request(customer=customer, actor=actor, reason=payload.reason))
    )


@router.post("/customers/{customer_id}/holds", response={201: HoldOut})
def place_hold(request: HttpRequest, customer_id: int, payload: HoldIn):  # type: ignore[no-untyped-def]
    """Administrators: keep a customer's data (dispute, court order, regulator) until `ends_on`."""
    actor = actor_from_request(request)
    customer = selectors.customer_get_for_admin(
        actor=actor, customer_id=customer_id, permission="privacy.legal_hold"
    )
    hold = services.legal_hold_place(
        customer=customer, kind=payload.kind, reason=payload.reason, ends_on=payload.ends_on, actor=actor
    )
    return Status(201, _hold(hold))


@router.post("/holds/{hold_id}/release", response=HoldOut)
def release_hold(request: HttpRequest, hold_id: int):  # type: ignore[no-untyped-def]
    actor = actor_from_request(request)
    hold = selectors.legal_hold_get_for_admin(actor=actor, hold_id=hold_id)
    return _hold(services.legal_hold_release(hold=hold, actor=actor))


@router.post("/exports", response={202: ExportRequestOut})
def request_export(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The signed-in customer asks for a copy of everything held about them (JSON + files, one zip).

    202 with the download token (shown once); the archive is built within the hour and may be
    downloaded once, signed in, before `expires_at`. 409 `export_pending` while one is being built.
    """
    export, token = services.data_export_request(actor=actor_from_request(request))
    return Status(
        202,
        ExportRequestOut(
            **_export(export).dict(), token=token, download_url=f"/api/v1/privacy/exports/{export.pk}/archive"
        ),
    )


@router.get("/exports/{export_id}", response=ExportOut)
def get_export(request: HttpRequest, export_id: int):  # type: ignore[no-untyped-def]
    return _export(
        selectors.data_export_get_for_actor(actor=actor_from_request(request), export_id=export_id)
    )


@router.get("/exports/{export_id}/archive")
def download_export(request: HttpRequest, export_id: int, token: str = Field(..., max_length=100)):  # type: ignore[no-untyped-def]
    """The archive, once: signed in as its customer, with the token. 403 for a wrong token, 409 after
    it was downloaded or expired."""
    actor = actor_from_request(request)
    export = selectors.data_export_get_for_actor(actor=actor, export_id=export_id)
    payload = services.data_export_download(export=export, token=token, actor=actor)
    response = HttpResponse(payload, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{export.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response

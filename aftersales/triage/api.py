from datetime import timedelta

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from aftersales.accounts.selectors import staff_actor_from_request
from aftersales.common import clock
from aftersales.common.errors import Forbidden, ValidationFailed, problem
from aftersales.policy.pack import current_pack
from aftersales.triage.selectors import triage_quality_in_service
from aftersales.triage.services import CustomerContext, triage_complaint

router = Router(tags=["triage"])


class TriageIn(Schema):
    text: str


class TriageOut(Schema):
    category: str
    confidence: float
    priority: int
    level: str
    reasons: list[dict[str, str]]
    model: str
    needs_human_triage: bool
    # Other faults the text names: category, confidence, clause_share.
    alternatives: list[dict[str, str | float]]


@router.post("", response=TriageOut)
def triage(request: HttpRequest, payload: TriageIn):  # type: ignore[no-untyped-def]
    """Pre-diagnose a text without opening a complaint (staff only)."""
    if not staff_actor_from_request(request).is_staff:
        raise Forbidden(what="triage")
    limit = current_pack().text_limit
    if len(payload.text) > limit:
        raise ValidationFailed({"text": problem("text_too_long", limit=limit, length=len(payload.text))})
    return triage_complaint(text=payload.text, context=CustomerContext()).__dict__


class QualityIn(Schema):
    days: int = Field(30, ge=1, le=366)


class Confusion(Schema):
    predicted: str
    corrected: str
    count: int


class ModelQualityOut(Schema):
    model: str
    triaged: int
    corrected: int
    settled: int
    # Share of resolved or archived complaints whose category no agent changed; None without any.
    settled_accuracy: float | None
    # Share of corrected complaints whose right category had been shown as an alternative.
    corrected_among_alternatives: float | None
    confusions: list[Confusion]


@router.get("/quality", response=list[ModelQualityOut])
def quality(request: HttpRequest, filters: Query[QualityIn]):  # type: ignore[no-untyped-def]
    """How each model version fared on the complaints created in the last `days` days (central staff)."""
    now = clock.now()
    return triage_quality_in_service(
        actor=staff_actor_from_request(request), since=now - timedelta(days=filters.days), until=now
    )

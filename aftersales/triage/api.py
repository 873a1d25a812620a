from django.http import HttpRequest
from ninja import Router, Schema

from aftersales.accounts.selectors import actor_from_request
from aftersales.common.errors import Forbidden, ValidationFailed, problem
from aftersales.policy.pack import current_pack
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
    if not actor_from_request(request).is_staff:
        raise Forbidden(what="triage")
    limit = current_pack().text_limit
    if len(payload.text) > limit:
        raise ValidationFailed({"text": problem("text_too_long", limit=limit, length=len(payload.text))})
    return triage_complaint(text=payload.text, context=CustomerContext()).__dict__

"""How each model version fares on the complaints it pre-diagnosed, read off agents' corrections.

A complaint's category is taken as right when no agent changed it for good. That is only
known once the fault has been looked at, so accuracy is counted on settled complaints
(resolved or archived: an outlet or an expert has seen the device by then); open ones
may still be corrected.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, OuterRef, Q, Subquery

from aftersales.accounts.actors import Actor
from aftersales.common.errors import Forbidden
from aftersales.complaints.models import Complaint
from aftersales.complaints.status import State
from aftersales.triage.models import TriageCorrection

SETTLED_STATES = (State.RESOLVED, State.ARCHIVED)
MOST_FREQUENT_CONFUSIONS = 10


@dataclass
class ModelInService:
    model: str
    triaged: int = 0  # complaints it pre-diagnosed in the period
    corrected: int = 0  # of those, complaints whose category an agent changed for good
    settled: int = 0  # of those, complaints resolved or archived
    settled_corrected: int = 0
    # Corrected complaints whose right category had been shown to staff as an alternative.
    corrected_among_alternatives: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (model's, agent's) -> count

    def as_dict(self) -> dict:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "model": self.model,
            "triaged": self.triaged,
            "corrected": self.corrected,
            "settled": self.settled,
            "settled_accuracy": share(self.settled - self.settled_corrected, self.settled),
            "corrected_among_alternatives": share(self.corrected_among_alternatives, self.corrected),
            "confusions": [
                {"predicted": predicted, "corrected": corrected, "count": count}
                for (predicted, corrected), count in self.confusions.most_common(MOST_FREQUENT_CONFUSIONS)
            ],
        }


def triage_quality_in_service(*, actor: Actor, since: datetime, until: datetime) -> list[dict]:
    """One report per model version that triaged complaints created in [since, until), the
    most recently used first. Central staff and the system (the command line) may read it."""
    if not (actor.may("triage.view_quality") or actor.kind == "system"):
        raise Forbidden(what="triage quality")
    triaged = Complaint.objects.filter(created_at__gte=since, created_at__lt=until).exclude(triage_model="")
    reports: dict[str, ModelInService] = {}
    for row in (
        triaged.values("triage_model")
        .annotate(
            count=Count("id"), settled=Count("id", filter=Q(state__in=SETTLED_STATES)), last=Max("created_at")
        )
        .order_by("-last", "triage_model")
    ):
        reports[row["triage_model"]] = ModelInService(
            model=row["triage_model"], triaged=row["count"], settled=row["settled"]
        )
    # The first correction of a complaint holds the model's category; the complaint holds the last word.
    models_category = (
        TriageCorrection.objects.filter(complaint=OuterRef("pk"))
        .order_by("pk")
        .values("predicted_category")[:1]
    )
    corrected = (
        triaged.filter(pk__in=TriageCorrection.objects.values("complaint_id"))
        .annotate(models_category=Subquery(models_category))
        .values_list("triage_model", "state", "category", "models_category", "triage_alternatives")
    )
    # Found by a subquery rather than a list of ids and streamed, so that memory does not
    # grow with the corrections of a long period.
    for model, state, category, predicted, alternatives in corrected.iterator(chunk_size=2000):
        if category == predicted:
            continue  # corrected, then set back
        report = reports[model]
        report.corrected += 1
        report.settled_corrected += state in SETTLED_STATES
        report.corrected_among_alternatives += category in {a["category"] for a in alternatives}
        report.confusions[(predicted, category)] += 1
    return [report.as_dict() for report in reports.values()]

"""How each model version fares on the complaints it pre-diagnosed, read off agents' corrections.

A complaint's category is taken as right when no agent changed it for good. That is only
known once the fault has been looked at, so accuracy is counted on settled complaints
(resolved or archived: an outlet or an expert has seen the device by then); open ones
may still be corrected.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q

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
    models_category: dict[int, str] = {}
    for complaint_id, predicted in (
        TriageCorrection.objects.filter(complaint__in=triaged)
        .order_by("pk")
        .values_list("complaint_id", "predicted_category")
    ):
        models_category.setdefault(complaint_id, predicted)
    for complaint in triaged.filter(pk__in=list(models_category)).only(
        "triage_model", "state", "category", "triage_alternatives"
    ):
        predicted = models_category[complaint.pk]
        if complaint.category == predicted:
            continue  # corrected, then set back
        report = reports[complaint.triage_model]
        report.corrected += 1
        report.settled_corrected += complaint.state in SETTLED_STATES
        shown = {alternative["category"] for alternative in complaint.triage_alternatives}
        report.corrected_among_alternatives += complaint.category in shown
        report.confusions[(predicted, complaint.category)] += 1
    return [report.as_dict() for report in reports.values()]

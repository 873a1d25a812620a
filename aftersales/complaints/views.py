from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from aftersales.accounts.actors import ANONYMOUS
from aftersales.accounts.selectors import customer_from_browser_session
from aftersales.common import clock
from aftersales.common.errors import DomainError
from aftersales.common.language import request_language
from aftersales.complaints import sla
from aftersales.complaints.api import timeline_out
from aftersales.complaints.models import TimelineEvent
from aftersales.complaints.selectors import (
    complaint_deadlines,
    complaint_get_for_actor,
    complaint_queue,
    complaint_timeline,
)
from aftersales.complaints.services import tracking_token
from aftersales.network.selectors import complaint_service_outlet
from aftersales.policy.pack import current_pack
from aftersales.triage.services import triage_advice


def track_page(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's view of one complaint, opened with the private tracking token."""
    try:
        complaint, actor = complaint_get_for_actor(
            actor=ANONYMOUS, number=number, tracking_token=request.GET.get("token", "")
        )
    except DomainError:
        return render(request, "complaints/not_found.html", {"number": number}, status=404)
    pack = current_pack()
    return render(
        request,
        "complaints/track.html",
        {
            "complaint": complaint,
            "is_new": request.GET.get("new") == "1",
            "advice": triage_advice(reasons=complaint.triage_reasons, language=request_language(request)),
            "linked": request.GET.get("new") == "0",
            "level": pack.levels[complaint.level],
            "follows": complaint.follows,
            "outlet": complaint_service_outlet(complaint_id=complaint.pk),
            "category_label": pack.label(
                pack.categories.get(complaint.category, {"en": complaint.category}), "zh-hans"
            ),
            "deadlines": [
                {"label": sla.LABELS[d.name], "view": d}
                for d in complaint_deadlines(complaint=complaint, now=clock.now())
            ],
            # The customer's projection, as the API gives it: no staff ids, teams or staff reasons.
            "timeline": [
                {**event.dict(), "label": TimelineEvent.Kind(event.kind).label}
                for event in timeline_out(
                    complaint_timeline(complaint=complaint, include_internal=False), actor
                )
            ],
        },
    )


def my_complaints_page(request: HttpRequest) -> HttpResponse:
    """A signed-in customer's complaints, newest first, each linking to its tracking page."""
    actor = customer_from_browser_session(request)
    if actor is None:
        return redirect("signin")
    rows = [
        {"complaint": c, "url": reverse("track", args=[c.number]) + "?token=" + tracking_token(c)}
        for c in complaint_queue(actor=actor, limit=100)
    ]
    return render(request, "complaints/mine.html", {"complaints": rows})

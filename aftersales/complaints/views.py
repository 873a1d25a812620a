"""The customer's pages: one complaint's tracking page (read, reply, rate) and "my complaints".

Both speak the page language (common.pages.public_page: Chinese unless `?lang=en` or the
browser asks for English). A tracking link's token or the customer's signed-in session opens
a complaint (selectors.complaint_get_for_actor); every refusal is a bilingual message.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from aftersales.accounts.actors import ANONYMOUS, Actor
from aftersales.accounts.selectors import customer_from_browser_session
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import page_language, public_page
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_get_for_actor, complaint_queue
from aftersales.complaints.services import (
    FollowUpOutcome,
    complaint_follow_up,
    complaint_record_satisfaction,
    tracking_token,
)
from aftersales.complaints.status import OPEN_STATES
from aftersales.complaints.tracking import beijing_time, complaint_tracking_view, stage_name
from aftersales.network.presenters import hours_text
from aftersales.network.selectors import complaint_service_outlet
from aftersales.policy.pack import current_pack
from aftersales.triage.services import triage_advice

# What the page says after a reply or a rating (the `done` query parameter of the redirect).
DONE = ("sent", "reopened", "new_complaint", "joined", "rated")


def _track_url(complaint: Complaint, **query: str) -> str:
    return (
        reverse("track", args=[complaint.number])
        + "?"
        + urlencode({"token": tracking_token(complaint), **query})
    )


def _refusal(error: DomainError, language: str) -> dict[str, str]:
    """A service's refusal as {field or "": sentence} in `language`."""
    if isinstance(error, ValidationFailed):
        return {
            field: message_text(issue.code, language, **issue.params) for field, issue in error.fields.items()
        }
    return {"": message_text(error.code, language, **error.params)}


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def track_page(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's view of one complaint; POST `action=reply` (body) or `action=rate` (score, comment)."""
    token = request.POST.get("token") or request.GET.get("token", "")
    viewer = customer_from_browser_session(request) or ANONYMOUS
    try:
        complaint, actor = complaint_get_for_actor(actor=viewer, number=number, tracking_token=token)
    except DomainError:
        return render(request, "complaints/not_found.html", {"number": number}, status=404)
    language = page_language()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            return redirect(_act(request, complaint=complaint, actor=actor))
        except DomainError as error:
            errors = _refusal(error, language)
    view = complaint_tracking_view(complaint=complaint, actor=actor, now=clock.now(), language=language)
    done = request.GET.get("done", "")
    return render(
        request,
        "complaints/track.html",
        {
            "view": view,
            "complaint": complaint,
            "token": tracking_token(complaint),
            "is_new": request.GET.get("new") == "1",
            "linked": request.GET.get("new") == "0",
            "done": done if done in DONE else "",
            # Safety advice stands while the complaint is open, not once it is resolved or over.
            "advice": triage_advice(reasons=complaint.triage_reasons, language=language)
            if complaint.state in OPEN_STATES
            else [],
            "outlet": _outlet_in_words(complaint),
            "errors": errors,
            "refusal": errors.get(""),
            "text_limit": current_pack().text_limit,
            "posted": request.POST if errors else {},
            "scores": range(5, 0, -1),
        },
        status=409 if "" in errors else 422 if errors else 200,
    )


def _outlet_in_words(complaint: Complaint) -> dict | None:
    """The complaint's service outlet with its opening hours in the page language."""
    outlet = complaint_service_outlet(complaint_id=complaint.pk)
    if outlet is None:
        return None
    return {**outlet, "hours_text": hours_text(outlet["hours"]) if outlet.get("hours") else ""}


def _act(request: HttpRequest, *, complaint: Complaint, actor: Actor) -> str:
    """Carry out the posted action through its one service; the URL to show next."""
    if request.POST.get("action") == "rate":
        raw = request.POST.get("score", "")
        score = int(raw) if raw.isdigit() and len(raw) == 1 else 0
        complaint_record_satisfaction(
            actor=actor, complaint=complaint, score=score, comment=request.POST.get("comment", "")
        )
        return _track_url(complaint, done="rated") + "#rating"
    follow_up = complaint_follow_up(
        actor=actor, complaint=complaint, body=request.POST.get("body", ""), channel="web"
    )
    target = follow_up.message.complaint
    done = "sent" if follow_up.outcome == FollowUpOutcome.ADDED else str(follow_up.outcome)
    return _track_url(target, done=done) + "#timeline"


@public_page
def my_complaints_page(request: HttpRequest) -> HttpResponse:
    """A signed-in customer's complaints, newest first: stage and next deadline, each linking to its page."""
    actor = customer_from_browser_session(request)
    if actor is None:
        return redirect("signin")
    cards = [
        {
            "complaint": c,
            "url": _track_url(c),
            "stage": stage_name(c.state),
            "due": beijing_time(c.earliest_due_at),
            "overdue": c.earliest_due_at is not None and c.earliest_due_at < clock.now(),
            "filed": beijing_time(c.created_at),
        }
        for c in complaint_queue(actor=actor, limit=100)
    ]
    return render(request, "complaints/mine.html", {"cards": cards, "page": "mine"})

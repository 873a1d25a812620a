"""The agent workspace's pages: the queues and the complaint page, each a full page or its HTMX fragment.

Each view parses the request, calls one selector or one service of `complaints`, and
renders. Writes answer an HTMX request with the refreshed complaint fragment (with the
outcome as a message) and a plain form post with a redirect back to the page.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.actors import Actor, staff_actor
from aftersales.accounts.models import PersonalDataAccess
from aftersales.accounts.privacy.services import access_record
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed, problem
from aftersales.common.pages import public_page
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.desk import selectors, words
from aftersales.desk.forms import DeskAuthenticationForm
from aftersales.desk.outlet.presenters import repairs_panel
from aftersales.desk.outlet.selectors import complaint_repairs
from aftersales.desk.presenters import complaint_context, error_words, queue_rows
from aftersales.network.services import complaint_dispatch_as_asked

DeskView = Callable[..., HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def with_language(view: DeskView) -> DeskView:
    """?lang=en or ?lang=zh-hans switches the language and keeps it in the language cookie, as on
    the public pages (common.pages.public_page). Without it Django's LocaleMiddleware has chosen
    from the cookie, then the browser's Accept-Language, then Chinese (settings.LANGUAGE_CODE).
    """
    return public_page(view)


def staff_page(view: DeskView) -> DeskView:
    """Signed-in staff only: anyone else goes to the desk's sign-in page and comes back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated or not getattr(user, "is_staff_member", False):
            return redirect(f"{reverse('desk:signin')}?next={request.get_full_path()}")
        return view(request, staff_actor(user), *args, **kwargs)  # type: ignore[arg-type]

    return with_language(wrapper)


class SignInView(auth_views.LoginView):
    template_name = "desk/signin.html"
    authentication_form = DeskAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("desk:queue")


signin_page = with_language(SignInView.as_view())
signout = auth_views.LogoutView.as_view(next_page="desk:signin")


@require_GET
@staff_page
def queue_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET /desk/?queue=mine|team|breaching|overdue|triage|waiting: one queue, most urgent first."""
    queue = request.GET.get("queue", "mine")
    if queue not in selectors.QUEUES:
        queue = "mine"
    now = clock.now()
    rows = selectors.desk_queue(actor=actor, queue=queue, now=now)
    context = {
        "queue": queue,
        "queues": [(name, words.QUEUE_WORDS[name]) for name in selectors.QUEUES],
        "rows": queue_rows(rows, now=now),
        "countdown_phrases": words.countdown_phrases(),
    }
    template = "desk/partials/queue_list.html" if is_htmx(request) else "desk/queue.html"
    return render(request, template, context)


def _complaint_response(
    request: HttpRequest,
    actor: Actor,
    number: str,
    *,
    status: int = 200,
    drafts: dict[str, str] | None = None,
) -> HttpResponse:
    try:
        file = selectors.complaint_file(actor=actor, number=number, now=clock.now())
    except DomainError as error:
        return render(request, "desk/refused.html", {"message": error_words(error)}, status=error.status)
    # The page shows the customer's contacts and words: the access log records who looked.
    access_record(
        actor=actor,
        customer_ids=[file.complaint.customer_id],
        purpose=PersonalDataAccess.Purpose.DESK_COMPLAINT,
        subject=f"complaint:{file.complaint.number}",
        reason=request.GET.get("why", ""),
    )
    context = complaint_context(file, actor=actor, now=clock.now(), drafts=drafts or {})
    context["countdown_phrases"] = words.countdown_phrases()
    context["repairs"] = repairs_panel(complaint_repairs(actor=actor, complaint=file.complaint))
    template = "desk/partials/complaint_body.html" if is_htmx(request) else "desk/complaint.html"
    return render(request, template, context, status=status)


@require_GET
@staff_page
def complaint_page(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """GET /desk/complaints/<number>/: the complaint, its customer, deadlines, timeline and moves."""
    return _complaint_response(request, actor, number)


Step = Callable[[Actor, Complaint, HttpRequest], str]


def _act(request: HttpRequest, actor: Actor, number: str, step: Step) -> HttpResponse:
    """Run one write on the complaint; report its outcome or the domain error in words."""
    try:
        complaint, _ = complaint_get_for_actor(actor=actor, number=number)
        done = step(actor, complaint, request)
    except DomainError as error:
        messages.error(request, error_words(error))
        if is_htmx(request):
            drafts = {
                key: request.POST.get(key, "")
                for key in (
                    "body",
                    "note",
                    "reason",
                    "transfer_reason",
                    "outlet",
                    "address",
                    "dispatch_reason",
                )
            }
            return _complaint_response(request, actor, number, status=error.status, drafts=drafts)
        return redirect("desk:complaint", number=number)
    messages.success(request, done)
    if is_htmx(request):
        return _complaint_response(request, actor, number)
    return redirect("desk:complaint", number=number)


def _reply(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    services.complaint_reply(actor=actor, complaint=complaint, body=request.POST.get("body", ""))
    return words.gettext("Reply sent to the customer.")


def _note(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    services.complaint_add_note(actor=actor, complaint=complaint, body=request.POST.get("note", ""))
    return words.gettext("Internal note added.")


def _transition(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    action = request.POST.get("action", "")
    updated = services.complaint_transition(
        actor=actor, complaint=complaint, action=action, reason=request.POST.get("reason", "")
    )
    return words.gettext("%(action)s: the complaint is now %(state)s.") % {
        "action": words.action_words(action),
        "state": words.state_words(updated.state),
    }


def _category(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    updated = services.complaint_correct_category(
        actor=actor,
        complaint=complaint,
        category=request.POST.get("category", ""),
        reason=request.POST.get("reason", ""),
    )
    return words.gettext("Category set to %(category)s.") % {
        "category": words.category_words(updated.category)
    }


def _transfer(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    raw = request.POST.get("owner", "")
    new_owner = selectors.staff_member(raw)
    if new_owner is None:
        raise ValidationFailed({"owner": problem("staff_unknown", username=raw or "-")})
    services.complaint_transfer_ownership(
        actor=actor, complaint=complaint, new_owner=new_owner, reason=request.POST.get("transfer_reason", "")
    )
    return words.gettext("%(owner)s now owns the complaint.") % {
        "owner": new_owner.get_full_name() or new_owner.username
    }


def _dispatch(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    made = complaint_dispatch_as_asked(
        complaint=complaint,
        actor=actor,
        outlet_code=request.POST.get("outlet", "").strip(),
        reason=request.POST.get("dispatch_reason", ""),
        address=request.POST.get("address", ""),
    )
    # The reason in words is on the timeline just below.
    return words.gettext("Dispatched to %(outlet)s.") % {"outlet": made.outlet.name}


STEPS: dict[str, Step] = {
    "reply": _reply,
    "note": _note,
    "transition": _transition,
    "category": _category,
    "transfer": _transfer,
    "dispatch": _dispatch,
}


@require_POST
@staff_page
def complaint_step(request: HttpRequest, actor: Actor, number: str, step: str) -> HttpResponse:
    """POST /desk/complaints/<number>/<step>/: reply, note, transition, category, transfer or dispatch."""
    return _act(request, actor, number, STEPS[step])

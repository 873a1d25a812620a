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
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.actors import Actor, staff_actor
from aftersales.accounts.models import PersonalDataAccess
from aftersales.accounts.privacy.services import access_record
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed, problem
from aftersales.common.pages import public_page
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.search import SEARCH_WINDOW, SearchFilters, complaint_search
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.desk import filters, selectors, words
from aftersales.desk import services as desk_services
from aftersales.desk.forms import DeskAuthenticationForm
from aftersales.desk.outlet.presenters import repairs_panel
from aftersales.desk.outlet.selectors import complaint_repairs
from aftersales.desk.presenters import (
    bulk_moves,
    complaint_context,
    error_words,
    filter_choices,
    queue_rows,
    saved_filter_rows,
    search_choices,
    search_rows,
)
from aftersales.network.services import complaint_dispatch_as_asked
from aftersales.notifications.services import customer_unreachable_reason

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
    """GET /desk/?queue=mine|team|breaching|overdue|triage|waiting[&category=&state=&priority=&channel=]:
    one queue, most urgent first, narrowed as asked (unknown values are ignored)."""
    return _queue_response(request, actor, filters.filter_parse(request.GET))


def _queue_response(
    request: HttpRequest, actor: Actor, queue_filter: filters.QueueFilter, *, status: int = 200
) -> HttpResponse:
    now = clock.now()
    rows = selectors.desk_queue(actor=actor, queue=queue_filter.queue, narrow=queue_filter.narrow, now=now)
    context = {
        "queue": queue_filter.queue,
        "queue_filter": queue_filter,
        "querystring": queue_filter.as_querystring(),
        "queues": [(name, words.QUEUE_WORDS[name]) for name in selectors.QUEUES],
        "rows": queue_rows(rows, now=now),
        "choices": filter_choices(queue_filter),
        "saved_filters": saved_filter_rows(selectors.saved_filters_for(actor=actor), actor=actor),
        "may_share": actor.may("desk.share_filter") and bool(actor.user and actor.user.team),
        "bulk": bulk_moves(actor=actor, owners=selectors.bulk_owner_candidates(actor=actor)),
        "countdown_phrases": words.countdown_phrases(),
    }
    template = "desk/partials/queue_list.html" if is_htmx(request) else "desk/queue.html"
    return render(request, template, context, status=status)


@require_POST
@staff_page
def filter_save(request: HttpRequest, actor: Actor) -> HttpResponse:
    """POST /desk/filters/ name, shared, and the filter's own fields: save the current queue filter."""
    queue_filter = filters.filter_parse(request.POST)
    try:
        saved = desk_services.saved_filter_create(
            actor=actor,
            name=request.POST.get("name", ""),
            queue_filter=filters.filter_parse(request.POST, strict=True),
            shared=request.POST.get("shared") == "on",
        )
    except DomainError as error:
        messages.error(request, error_words(error))
        return _after_queue_write(request, actor, queue_filter, status=error.status)
    messages.success(request, words.gettext("Filter “%(name)s” saved.") % {"name": saved.name})
    return _after_queue_write(request, actor, queue_filter)


@require_POST
@staff_page
def filter_delete(request: HttpRequest, actor: Actor, filter_id: int) -> HttpResponse:
    """POST /desk/filters/<id>/delete/: delete one of one's own saved filters."""
    queue_filter = filters.filter_parse(request.POST)
    try:
        desk_services.saved_filter_delete(actor=actor, filter_id=filter_id)
    except DomainError as error:
        messages.error(request, error_words(error))
        return _after_queue_write(request, actor, queue_filter, status=error.status)
    messages.success(request, words.gettext("Filter deleted."))
    return _after_queue_write(request, actor, queue_filter)


@require_POST
@staff_page
def bulk_move(request: HttpRequest, actor: Actor) -> HttpResponse:
    """POST /desk/bulk/ complaint=<number>@<event count> (repeated), action, reason[, owner]:
    one move on every ticked complaint; the outcome for each is said in words."""
    queue_filter = filters.filter_parse(request.POST)
    seen: dict[str, int] = {}
    for value in request.POST.getlist("complaint"):
        number, _sep, count = value.rpartition("@")
        if number and count.isascii() and count.isdigit():
            seen[number] = int(count)
    action = request.POST.get("action", "")
    owner = None
    if action == desk_services.ASSIGN:
        owner = selectors.staff_member(request.POST.get("owner", ""))
    try:
        if action == desk_services.ASSIGN and owner is None and request.POST.get("owner"):
            raise ValidationFailed(
                {"owner": problem("staff_unknown", username=request.POST.get("owner") or "-")}
            )
        outcomes = desk_services.complaints_bulk_move(
            actor=actor, seen=seen, action=action, reason=request.POST.get("reason", ""), new_owner=owner
        )
    except DomainError as error:
        messages.error(request, error_words(error))
        return _after_queue_write(request, actor, queue_filter, status=error.status)
    done = [o.number for o in outcomes if o.done]
    what = words.bulk_action_words(action)
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)d complaint (%(numbers)s).",
                "%(action)s: done for %(count)d complaints (%(numbers)s).",
                len(done),
            )
            % {"action": what, "count": len(done), "numbers": "、".join(done)},
        )
    for outcome in outcomes:
        if outcome.error is not None:
            messages.error(
                request,
                words.gettext("%(number)s not moved: %(why)s")
                % {"number": outcome.number, "why": error_words(outcome.error)},
            )
    return _after_queue_write(request, actor, queue_filter)


def _after_queue_write(
    request: HttpRequest, actor: Actor, queue_filter: filters.QueueFilter, *, status: int = 200
) -> HttpResponse:
    if is_htmx(request):
        return _queue_response(request, actor, queue_filter, status=status)
    return redirect(f"{reverse('desk:queue')}?{queue_filter.as_querystring()}")


@require_GET
@staff_page
def search_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET /desk/search/?q=[&state=&team=&category=&channel=&page=]: complaints by number, phone,
    IMEI, customer name or words, best first (complaints/search.py), a page of
    filters.SEARCH_PAGE_SIZE at a time; outlet staff find only their outlet's complaints. A
    query the search refuses (too long, control characters) answers 422 with the reason."""
    asked = filters.search_parse(request.GET)
    size = filters.SEARCH_PAGE_SIZE
    offset = (asked.page - 1) * size
    context: dict[str, Any] = {
        "asked": asked,
        "choices": search_choices(asked),
        "rows": [],
        "searched": False,
        "error": "",
        "page_size": size,
    }
    status = 200
    if asked.query.strip() and offset < SEARCH_WINDOW:
        try:
            # One more than a page tells whether a next page exists.
            hits = complaint_search(
                actor=actor,
                query=asked.query,
                filters=SearchFilters(
                    state=asked.narrow.get("state"),
                    team=asked.narrow.get("team"),
                    category=asked.narrow.get("category"),
                    channel=asked.narrow.get("channel"),
                ),
                limit=min(size + 1, SEARCH_WINDOW - offset),
                offset=offset,
            )
        except DomainError as error:
            context["error"] = words.gettext("Search: %(why)s") % {"why": error_words(error)}
            status = error.status
        else:
            shown = hits[:size]
            # A search by phone, name or words is a customer lookup: each customer shown is logged.
            access_record(
                actor=actor,
                customer_ids=[hit.complaint.customer_id for hit in shown],
                purpose=PersonalDataAccess.Purpose.SEARCH,
                subject="desk search",
                reason=request.GET.get("why", ""),
            )
            context.update(
                searched=True,
                rows=search_rows(shown, now=clock.now()),
                previous=asked.querystring(page=asked.page - 1) if asked.page > 1 else "",
                next=asked.querystring(page=asked.page + 1) if len(hits) > size else "",
            )
    context["language_query"] = asked.querystring()
    template = "desk/partials/search_results.html" if is_htmx(request) else "desk/search.html"
    return render(request, template, context, status=status)


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
    now = clock.now()
    context = complaint_context(file, actor=actor, now=now, drafts=drafts or {})
    context["colleagues"] = selectors.complaint_colleagues(
        actor=actor, complaint=file.complaint, now=now, window=desk_services.PRESENCE_WINDOW
    )
    context["countdown_phrases"] = words.countdown_phrases()
    context["repairs"] = repairs_panel(complaint_repairs(actor=actor, complaint=file.complaint))
    template = "desk/partials/complaint_body.html" if is_htmx(request) else "desk/complaint.html"
    return render(request, template, context, status=status)


@require_GET
@staff_page
def complaint_page(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """GET /desk/complaints/<number>/[?macro=<id>]: the complaint, its customer, deadlines, timeline
    and moves; with `macro`, the reply box holds that template filled for this complaint."""
    drafts: dict[str, str] = {}
    raw = request.GET.get("macro", "")
    if raw.isascii() and raw.isdigit():
        try:
            drafts["body"] = desk_services.macro_fill(actor=actor, number=number, macro_id=int(raw))
        except DomainError as error:
            messages.error(request, error_words(error))
    return _complaint_response(request, actor, number, drafts=drafts)


@require_GET
@staff_page
def macro_fill(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """GET /desk/complaints/<number>/macro/?macro=<id>: the reply box filled with the template
    (an HTMX fragment; the page's form without script goes to the complaint page instead)."""
    raw = request.GET.get("macro", "")
    body = request.GET.get("body", "")
    error = ""
    status = 200
    if raw.isascii() and raw.isdigit():
        try:
            body = desk_services.macro_fill(actor=actor, number=number, macro_id=int(raw))
        except DomainError as refused:
            error, status = error_words(refused), refused.status
    return render(request, "desk/partials/reply_field.html", {"body": body, "error": error}, status=status)


@require_POST
@staff_page
def presence(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """POST /desk/complaints/<number>/presence/ replying=0|1|leave: the page checks in (every
    15 s) and gets back who else has the complaint open."""
    try:
        complaint, _ = complaint_get_for_actor(actor=actor, number=number)
    except DomainError as error:
        return HttpResponse(status=error.status)
    now = clock.now()
    if request.POST.get("replying") == "leave":
        desk_services.complaint_presence_leave(actor=actor, complaint=complaint)
        return HttpResponse(status=204)
    desk_services.complaint_presence_mark(
        actor=actor, complaint=complaint, replying=request.POST.get("replying") == "1", now=now
    )
    colleagues = selectors.complaint_colleagues(
        actor=actor, complaint=complaint, now=now, window=desk_services.PRESENCE_WINDOW
    )
    return render(request, "desk/partials/colleagues.html", {"colleagues": colleagues})


Step = Callable[[Actor, Complaint, HttpRequest], str]


def _act(request: HttpRequest, actor: Actor, number: str, step: Step) -> HttpResponse:
    """Run one write on the complaint; report its outcome or the domain error in words."""
    try:
        complaint, _ = complaint_get_for_actor(actor=actor, number=number)
        done = step(actor, complaint, request)
    except DomainError as error:
        messages.error(request, error_words(error))
        # The page comes back with what was typed, whichever form failed (every form of the
        # page sends the reply box along), so a reply being written is never lost.
        drafts = {key: request.POST.get(key, "") for key in DRAFT_FIELDS}
        return _complaint_response(request, actor, number, status=error.status, drafts=drafts)
    messages.success(request, done)
    if is_htmx(request):
        # Another step done: the reply being written stays in its box.
        kept = {} if step is _reply else {"body": request.POST.get("body", "")}
        return _complaint_response(request, actor, number, drafts=kept)
    return redirect("desk:complaint", number=number)


# The complaint page's typed fields, given back when a step is refused.
DRAFT_FIELDS = (
    "body",
    "note",
    "reason",
    "transfer_reason",
    "outlet",
    "address",
    "dispatch_reason",
    "original",
    "duplicate_reason",
)


def _reply(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    services.complaint_reply(actor=actor, complaint=complaint, body=request.POST.get("body", ""))
    unreachable = customer_unreachable_reason(complaint)
    if unreachable:
        # The timeline says so too (notifications.services.customer_notify).
        return words.gettext("Reply kept on the complaint but not sent: %(why)s") % {
            "why": words.system_reason_words(unreachable)
        }
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


def _duplicate(actor: Actor, complaint: Complaint, request: HttpRequest) -> str:
    raw = request.POST.get("original", "").strip()
    try:
        original, _ = complaint_get_for_actor(actor=actor, number=raw)
    except DomainError:
        raise ValidationFailed(
            {"original": problem("duplicate_original_unknown", number=raw or "-")}
        ) from None
    services.complaint_mark_duplicate(
        actor=actor, complaint=complaint, original=original, reason=request.POST.get("duplicate_reason", "")
    )
    return words.gettext("Marked as a duplicate of %(number)s.") % {"number": original.number}


STEPS: dict[str, Step] = {
    "reply": _reply,
    "note": _note,
    "transition": _transition,
    "category": _category,
    "transfer": _transfer,
    "dispatch": _dispatch,
    "duplicate": _duplicate,
}


@require_POST
@staff_page
def complaint_step(request: HttpRequest, actor: Actor, number: str, step: str) -> HttpResponse:
    """POST /desk/complaints/<number>/<step>/: reply, note, transition, category, transfer, dispatch
    or duplicate."""
    return _act(request, actor, number, STEPS[step])

"""The outlet pages: the day's repair orders, a repair order with its steps, the outlet's parts.

Each view parses the form (`desk.outlet.forms`), calls one selector or one service of
`repairs`, and renders. A step refused by its service comes back as the page (or its
HTMX fragment) with the status the API would give (409, 422), the reason beside the field
it names and what was typed still in the form; a plain form post that succeeds is
redirected back to the page.
"""

from collections.abc import Callable, Mapping

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import DomainError, Forbidden
from aftersales.complaints.selectors import complaint_get_for_actor
from aftersales.desk import words
from aftersales.desk.outlet import forms, selectors
from aftersales.desk.outlet.forms import Control
from aftersales.desk.outlet.presenters import day_groups, field_errors, repair_context, stock_rows
from aftersales.desk.presenters import error_words
from aftersales.desk.views import is_htmx, staff_page
from aftersales.repairs import services, waiting
from aftersales.repairs.models import RepairOrder


@require_GET
@staff_page
def day_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET /desk/outlet/?outlet=<code>: the outlet's repair orders of the day, grouped by state.

    Outlet staff always see their own outlet; central staff the outlet asked for, or every outlet.
    """
    now = clock.now()
    code, orders = selectors.outlet_day(actor=actor, now=now, outlet=request.GET.get("outlet", "")[:40])
    context = {
        "outlet_code": code,
        "may_choose_outlet": actor.may("complaint.view_any"),
        "groups": day_groups(orders, now=now),
        "count": len(orders),
        "cut": len(orders) >= selectors.DAY_LIMIT,
        "today": clock.localdate(now),
    }
    template = "desk/outlet/partials/day_list.html" if is_htmx(request) else "desk/outlet/day.html"
    return render(request, template, context)


@require_GET
@staff_page
def stock_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET /desk/outlet/parts/?outlet=<code>: the outlet's parts on hand, reserved and free."""
    code, stock = selectors.outlet_stock(actor=actor, outlet=request.GET.get("outlet", "")[:40])
    context = {
        "outlet_code": code,
        "may_choose_outlet": actor.may("complaint.view_any"),
        "rows": stock_rows(stock),
    }
    return render(request, "desk/outlet/parts.html", context)


def _repair_response(
    request: HttpRequest,
    actor: Actor,
    number: str,
    *,
    status: int = 200,
    refused_step: str = "",
    errors: Mapping[str, str] | None = None,
) -> HttpResponse:
    now = clock.now()
    try:
        file = selectors.repair_file(actor=actor, number=number, now=now)
    except DomainError as error:
        return render(request, "desk/refused.html", {"message": error_words(error)}, status=error.status)
    context = repair_context(
        file,
        actor=actor,
        now=now,
        refused_step=refused_step,
        posted=request.POST if refused_step else None,
        errors=errors,
    )
    template = "desk/outlet/partials/repair_body.html" if is_htmx(request) else "desk/outlet/repair.html"
    return render(request, template, context, status=status)


@require_GET
@staff_page
def repair_page(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """GET /desk/repairs/<number>/: the order's checks, diagnosis and warranty, quote, agreement and steps."""
    return _repair_response(request, actor, number)


# A step: reads its form into `controls`-labelled inputs, calls one service, returns the order.
Step = Callable[[Actor, RepairOrder, QueryDict, dict[str, Control]], RepairOrder]


def _checks(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    checks = forms.read_checks(posted, controls=controls)
    return services.repair_order_record_checks(actor=actor, order=order, checks=checks)


def _diagnose(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    names = {part.number: part.name for part in selectors.parts_of_order_model(order=order)}
    items = forms.read_items(posted, part_names=names, controls=controls)
    return services.repair_order_diagnose(
        actor=actor, order=order, diagnosis=posted.get("diagnosis", ""), items=items
    )


def _name_items(order: RepairOrder, controls: dict[str, Control]) -> None:
    # A price missing or a part short names `items.<i>.part`: say which part, by its number and name.
    for index, item in enumerate(selectors.order_items(order=order)):
        controls[f"items.{index}.part"] = Control(id="warranty", label=f"{item.part.number} {item.part.name}")


def _quote(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    _name_items(order, controls)
    return services.repair_order_quote(actor=actor, order=order)


def _approve(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    _name_items(order, controls)
    return services.repair_order_approve(actor=actor, order=order, quote=posted.get("quote", ""))


def _refuse(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    return services.repair_order_refuse(actor=actor, order=order, reason=posted.get("reason", ""))


def _agreement(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    return services.repair_order_accept_agreement(actor=actor, order=order, version=posted.get("version", ""))


def _start(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    return services.repair_order_start(actor=actor, order=order)


def _complete(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    # The page lists the reserved parts ticked; those left unticked go back to stock.
    parts_used = posted.getlist("part_used") if posted.get("parts_listed") else None
    for index, number in enumerate(parts_used or []):
        controls[f"parts_used.{index}"] = Control(id="complete-form", label=number)
    return services.repair_order_complete(actor=actor, order=order, parts_used=parts_used)


def _return(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    return services.repair_order_return(actor=actor, order=order)


def _wait_for_parts(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    # From the outlet's regional depot: the page offers no other source (the API does).
    return waiting.repair_order_wait_for_parts(actor=actor, order=order)


def _parts_arrived(
    actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]
) -> RepairOrder:
    return waiting.repair_order_parts_arrived(actor=actor, order=order)


def _cancel(actor: Actor, order: RepairOrder, posted: QueryDict, controls: dict[str, Control]) -> RepairOrder:
    return services.repair_order_cancel(actor=actor, order=order, reason=posted.get("reason", ""))


# The page's steps by the address they post to, with the move of repairs/status.py each makes.
STEPS: dict[str, tuple[str, Step]] = {
    "checks": ("record_checks", _checks),
    "diagnose": ("diagnose", _diagnose),
    "quote": ("quote", _quote),
    "approve": ("approve", _approve),
    "wait-for-parts": ("wait_for_parts", _wait_for_parts),
    "parts-arrived": ("parts_arrived", _parts_arrived),
    "refuse": ("refuse", _refuse),
    "agreement": ("accept_agreement", _agreement),
    "start": ("start", _start),
    "complete": ("complete", _complete),
    "return": ("return", _return),
    "cancel": ("cancel", _cancel),
}


@require_POST
@staff_page
def repair_step(request: HttpRequest, actor: Actor, number: str, step: str) -> HttpResponse:
    """POST /desk/repairs/<number>/<step>/: one step of the order (STEPS)."""
    action, run = STEPS[step]
    controls: dict[str, Control] = {}
    try:
        forms.refuse_unstorable(request.POST)
        order = selectors.repair_order_for_step(actor=actor, number=number)
        order = run(actor, order, request.POST, controls)
    except DomainError as error:
        sentence, by_control = field_errors(error, controls)
        messages.error(request, sentence)
        return _repair_response(
            request, actor, number, status=error.status, refused_step=step, errors=by_control
        )
    messages.success(
        request,
        words.gettext("Done: %(action)s. The repair order is now %(state)s.")
        % {"action": words.repair_action_words(action), "state": words.repair_state_words(order.state)},
    )
    if is_htmx(request):
        return _repair_response(request, actor, number)
    return redirect("desk:repair", number=number)


@require_POST
@staff_page
def open_repair(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """POST /desk/complaints/<number>/repair-order/: receive the complaint's device at the actor's outlet.

    Outlet staff only (central staff open orders at an outlet through the API). On success,
    the new order's page; otherwise back to the complaint with the reason.
    """
    try:
        forms.refuse_unstorable(request.POST)
        complaint, actor = complaint_get_for_actor(actor=actor, number=number)
        outlet = selectors.staff_outlet(actor)
        if outlet is None:
            raise Forbidden(what="open a repair order")
        damage_date = forms.read_date(request.POST.get("damage_date", ""), field_name="damage_date")
        order = services.repair_order_open(
            actor=actor,
            complaint=complaint,
            outlet=outlet,
            model_code=request.POST.get("model", ""),
            damage_date=damage_date,
            unauthorised_repair=request.POST.get("unauthorised_repair") == "on",
        )
    except DomainError as error:
        sentence, _ = field_errors(error, {})
        messages.error(request, sentence)
        return redirect("desk:complaint", number=number)
    messages.success(
        request,
        words.gettext("Repair order %(number)s opened: the device is received.") % {"number": order.number},
    )
    return redirect("desk:repair", number=order.number)

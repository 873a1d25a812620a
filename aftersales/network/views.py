"""The public outlet pages (no sign-in): the finder and the "is this shop authorised?" check.

Each parses its form, calls one selector and renders; what they show is the public view of
outlets (selectors.outlet_public), nothing more.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.common import clock
from aftersales.common.errors import ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import bounded_query, page_language, public_page
from aftersales.network.forms import FinderForm, VerifyForm
from aftersales.network.presenters import outlet_card, results_sketch
from aftersales.network.selectors import finder_reach_km, outlet_cities, outlet_verify, outlets_for_finder


@require_GET
@public_page
def finder_page(request: HttpRequest) -> HttpResponse:
    """The nearest outlets to the customer's location, or a city's best three, with filters and a sketch map.

    422 with the form's errors for a value it cannot take; a first visit shows the form only.
    """
    now = clock.now()
    language = page_language()
    asked = bool(request.GET.keys() - {"lang"})
    form = FinderForm(
        bounded_query(request.GET) if asked else None, cities=outlet_cities(now=now), language=language
    )
    outlets: list[dict[str, Any]] = []
    status = 200
    if asked and form.is_valid():
        try:
            found = outlets_for_finder(query=form.finder_query(), now=now, language=language)
        except ValidationFailed as error:
            for name, issue in error.fields.items():
                form.add_error(
                    name if name in form.fields else None, message_text(issue.code, language, **issue.params)
                )
        else:
            outlets = [outlet_card(o, position) for position, o in enumerate(found, start=1)]
    if form.errors:
        status = 422
    customer = form.customer_point() if asked and not form.errors else None
    return render(
        request,
        "network/finder.html",
        {
            "page": "outlets",
            "form": form,
            "asked": asked and not form.errors,
            "outlets": outlets,
            "sketch": results_sketch(outlets, customer),
            "near_me": customer is not None,
            "near_address": customer is not None and form.resolved_point == customer,
            "reach_km": f"{finder_reach_km():g}",
            "location_words": {
                "locating": _("Finding where you are…"),
                "refused": _("Your location is not available; choose a city instead."),
            },
        },
        status=status,
    )


@require_GET
@public_page
def verify_page(request: HttpRequest) -> HttpResponse:
    """Whether a shop's name, phone number or credit code belongs to an authorised outlet."""
    language = page_language()
    asked = "q" in request.GET
    form = VerifyForm(bounded_query(request.GET) if asked else None)
    result = None
    if asked and form.is_valid():
        try:
            result = outlet_verify(query=form.cleaned_data["q"], now=clock.now(), language=language)
        except ValidationFailed as error:
            for issue in error.fields.values():
                form.add_error("q", message_text(issue.code, language, **issue.params))
    if result is not None:
        result["outlets"] = [outlet_card(o, n) for n, o in enumerate(result["outlets"], start=1)]
    return render(
        request,
        "network/verify.html",
        {"page": "verify", "form": form, "result": result},
        status=422 if form.errors else 200,
    )

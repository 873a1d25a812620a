"""Outlets in the public pages' words: kinds, opening hours, distances and waits, translated."""

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.network.sketch import Sketch, sketch_map

KINDS = {
    "service_centre": gettext_lazy("Authorised service centre"),
    "brand_store": gettext_lazy("Brand store"),
    "partner": gettext_lazy("Partner outlet"),
}
DAYS = {
    "Mo": gettext_lazy("Mon"),
    "Tu": gettext_lazy("Tue"),
    "We": gettext_lazy("Wed"),
    "Th": gettext_lazy("Thu"),
    "Fr": gettext_lazy("Fri"),
    "Sa": gettext_lazy("Sat"),
    "Su": gettext_lazy("Sun"),
}
_HOURS_WORD = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|off)\b")


def hours_text(hours: str) -> str:
    """Canonical opening hours (network/hours.py) in the active language's day names."""
    if not hours:
        return _("Hours not published")
    if hours == "24/7":
        return _("Open 24 hours, every day")

    def word(match: re.Match[str]) -> str:
        token = match.group(1)
        return str(DAYS[token]) if token in DAYS else _("closed")

    return _HOURS_WORD.sub(word, hours).replace("; ", " · ")


def distance_text(metres: int | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(metres)d m") % {"metres": metres}
    return _("%(km).1f km") % {"km": metres / 1000}


def outlet_card(outlet: dict[str, Any], position: int) -> dict[str, Any]:
    """One public outlet dict as the page lists it, numbered like its point on the sketch."""
    return {
        **outlet,
        "position": position,
        "kind_text": KINDS.get(outlet["kind"], outlet["kind"]),
        "hours_text": hours_text(outlet["hours"]),
        "distance_text": distance_text(outlet.get("distance_m")),
    }


def results_sketch(outlets: list[dict[str, Any]], customer: tuple[float, float] | None) -> Sketch | None:
    return sketch_map(
        customer=customer,
        customer_title=_("You are here"),
        outlets=[(o["lat"], o["lon"], str(o["position"]), o["name"]) for o in outlets],
    )

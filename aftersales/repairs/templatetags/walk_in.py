"""`{% walk_in_readout complaint %}`: the store terminal's read-out of a walk-in, for staff pages.

Pages that show it have checked the reader may see the complaint; the words come from
common.messages.TERMS in the page's language.
"""

from typing import Any

from django import template
from django.utils.translation import get_language

from aftersales.common.messages import term_words
from aftersales.complaints.models import Complaint
from aftersales.parts.selectors import device_model_name
from aftersales.repairs.selectors import complaint_walk_in_readout

register = template.Library()


@register.inclusion_tag("repairs/partials/walk_in_readout_card.html")
def walk_in_readout(complaint: Complaint) -> dict[str, Any]:
    readout = complaint_walk_in_readout(complaint_id=complaint.pk) if complaint is not None else None
    if readout is None:
        return {"readout": None}
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"

    def words(code: str) -> object:
        return term_words(code, language)

    return {
        "readout": readout,
        "labels": {
            code: words(code)
            for code in (
                "walk_in_readout",
                "walk_in_route",
                "device_model",
                "os_version",
                "battery_health",
                "diagnostics",
                "counter_note",
            )
        },
        "route": words(readout["route"]) if readout["route"] else "-",
        # The terminal reports the catalogue's code; people read the model's name.
        "model": device_model_name(readout["model"]) if readout["model"] else "-",
        "diagnostics": [
            {
                "test": words(entry.get("test", "")),
                "result": words("passed" if entry.get("passed") else "failed"),
                "passed": bool(entry.get("passed")),
                "value": entry.get("value") if entry.get("value") is not None else entry.get("count"),
            }
            for entry in readout["diagnostics"]
            if entry.get("test") != "battery_health"
        ],
    }

"""`{% complaint_calls complaint %}`: the complaint's hotline calls with a play link (desk page)."""

from typing import Any

from django import template

from aftersales.accounts.actors import staff_actor
from aftersales.intake.channels.hotline.selectors import complaint_calls
from aftersales.intake.channels.hotline.words import duration_words, queue_words

register = template.Library()


@register.inclusion_tag("hotline/partials/complaint_calls.html", takes_context=True)
def complaint_calls_panel(context: dict[str, Any], complaint: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff_member:
        return {"calls": []}
    actor = staff_actor(user)
    may_play = actor.may("hotline.recording")
    return {
        "calls": [
            {
                "id": call.pk,
                "inbound": call.direction == "inbound",
                "queue": queue_words(call.queue),
                "started_at": call.started_at,
                "duration": duration_words(call.duration_seconds),
                "agent": call.agent.get_full_name() or call.agent.username if call.agent else "",
                "playable": may_play and bool(call.recording),
                "sha256": call.recording_sha256,
            }
            for call in complaint_calls(actor=actor, complaint=complaint)
        ]
    }

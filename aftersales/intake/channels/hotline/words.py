"""The hotline in words on staff pages: a call on a complaint's timeline, a queue's name.

Phrases are translated in this app's catalogue (locale/zh_Hans), so the workspace shows them
in the agent's language without its own catalogue knowing about calls.
"""

from django.utils.translation import get_language, gettext

from aftersales.policy.pack import current_pack


def queue_words(code: str) -> str:
    policy = current_pack().hotline_policy
    queue = policy.queues.get(code) if policy is not None else None
    if queue is None:
        return code
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    return current_pack().label(queue.labels, language)


def duration_words(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}


def call_event_words(payload: dict, who: str) -> tuple[str, str]:
    """(headline, detail) of a timeline event of kind `call` (complaints.events.call_event)."""
    queue = queue_words(str(payload.get("queue", "")))
    if payload.get("step") == "recording":
        return gettext("The recording of a call on %(queue)s was filed") % {"queue": queue}, str(
            payload.get("recording_sha256", "")
        )
    if payload.get("direction") == "outbound":
        headline = gettext("%(who)s called the customer (%(queue)s, %(duration)s)")
    else:
        headline = gettext("The customer called %(queue)s, %(who)s answered (%(duration)s)")
    headline = headline % {
        "who": who,
        "queue": queue,
        "duration": duration_words(int(payload.get("duration_seconds", 0) or 0)),
    }
    details = []
    if payload.get("priority_to") is not None:
        details.append(
            gettext("The line raised its priority to %(priority)s.") % {"priority": payload["priority_to"]}
        )
    if payload.get("recording_sha256"):
        details.append(gettext("Recording SHA-256: %(hash)s") % {"hash": payload["recording_sha256"]})
    return headline, " ".join(details)

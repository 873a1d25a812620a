"""The workspace's words: states, actions, time left and timeline events in the reader's language.

Categories, priorities, levels, teams and channels come from the policy pack's labels
(`PolicyPack.label`); deadlines from `complaints.sla.LABELS`; the workspace's own phrases
from its `.po` catalogue (aftersales/desk/locale). No code word reaches a page: an
unknown code is shown as-is only when the pack has no label for it.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from aftersales.complaints import sla
from aftersales.complaints.models import TimelineEvent
from aftersales.complaints.status import State
from aftersales.parts.models import Component
from aftersales.policy.pack import current_pack
from aftersales.repairs.models import CheckKind, WorkItem
from aftersales.repairs.status import State as RepairState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The one format for times on the workspace's pages (Asia/Shanghai, settings.TIME_ZONE).
TIME_FORMAT = "%Y-%m-%d %H:%M"

STATE_WORDS: "dict[str, StrOrPromise]" = {
    State.ACCEPTED: pgettext_lazy("state", "Accepted"),
    State.PROCESSING: pgettext_lazy("state", "Processing"),
    State.WAITING_CUSTOMER: pgettext_lazy("state", "Waiting on customer"),
    State.WAITING_PARTS: pgettext_lazy("state", "Waiting for parts"),
    State.ESCALATED: pgettext_lazy("state", "Escalated"),
    State.RESOLVED: pgettext_lazy("state", "Resolved"),
    State.REOPENED: pgettext_lazy("state", "Reopened"),
    State.ARCHIVED: pgettext_lazy("state", "Archived"),
    State.CLOSED: pgettext_lazy("state", "Closed without resolution"),
}

ACTION_WORDS = {
    "start_processing": _("Start processing"),
    "wait_for_customer": _("Wait for the customer"),
    "wait_for_parts": _("Wait for parts"),
    "resume": _("Resume"),
    "escalate": _("Escalate"),
    "resolve": _("Resolve"),
    "reopen": _("Reopen"),
    "archive": _("Archive"),
    "close": _("Close without resolution"),
}

QUEUE_WORDS = {
    "mine": _("Mine"),
    "team": _("My team"),
    "breaching": _("Breaching within 30 min"),
    "overdue": _("Overdue"),
    "triage": _("Needs human triage"),
    "waiting": _("Waiting on customer"),
}

REPAIR_STATE_WORDS: "dict[str, StrOrPromise]" = {
    RepairState.RECEIVED: pgettext_lazy("repair state", "Received"),
    RepairState.DIAGNOSED: pgettext_lazy("repair state", "Diagnosed"),
    RepairState.QUOTED: pgettext_lazy("repair state", "Quoted"),
    RepairState.WAITING_PARTS: pgettext_lazy("repair state", "Waiting for parts"),
    RepairState.APPROVED: pgettext_lazy("repair state", "Approved"),
    RepairState.REPAIRING: pgettext_lazy("repair state", "Repairing"),
    RepairState.COMPLETED: pgettext_lazy("repair state", "Completed"),
    RepairState.RETURNED: pgettext_lazy("repair state", "Returned"),
    RepairState.CANCELLED: pgettext_lazy("repair state", "Cancelled"),
    RepairState.REFUSED_BY_CUSTOMER: pgettext_lazy("repair state", "Refused by the customer"),
}

# The repair order's moves (repairs/status.py), as the buttons say them.
REPAIR_ACTION_WORDS: "dict[str, StrOrPromise]" = {
    "record_checks": _("Record the checks"),
    "diagnose": _("Save the diagnosis"),
    "quote": _("Quote from the price list"),
    "approve": _("The customer approves the quote"),
    "wait_for_parts": _("Order the missing parts and wait"),
    "parts_arrived": _("The parts have arrived"),
    "replace_device": _("Replace the device"),
    "hand_back": _("Hand the device back unrepaired"),
    "refuse": _("The customer refuses the quote"),
    "accept_agreement": _("The customer accepts the agreement"),
    "start": _("Start the repair"),
    "complete": _("Complete the repair"),
    "return": _("Hand the device back"),
    "cancel": _("Cancel the repair order"),
}

# What each step wrote on the complaint's timeline (complaints.events.repair_event).
REPAIR_STEP_WORDS: "dict[str, StrOrPromise]" = {
    "received": _("%(who)s received the device: repair order %(order)s"),
    "checks": _("%(who)s recorded device checks on %(order)s"),
    "diagnosed": _("%(who)s diagnosed %(order)s and decided the warranty"),
    "quoted": _("%(who)s quoted %(order)s"),
    "approved": _("%(who)s recorded the customer's approval of %(order)s; parts reserved"),
    "refused": _("%(who)s recorded that the customer refused the quote of %(order)s"),
    "agreement_accepted": _(
        "%(who)s recorded the customer's acceptance of the service agreement for %(order)s"
    ),
    "started": _("%(who)s started the repair %(order)s"),
    "completed": _("%(who)s completed the repair %(order)s; parts consumed"),
    "returned": _("%(who)s handed the device of %(order)s back"),
    "handed_back": _("%(who)s handed the device of %(order)s back unrepaired"),
    "waiting_for_parts": _("%(who)s ordered the missing parts for %(order)s; the clocks wait for them"),
    "parts_arrived": _("The parts for %(order)s arrived (%(who)s); the clocks run again"),
    "device_replaced": _("%(who)s issued a replacement device for %(order)s"),
    "emergency_mode": _("%(order)s is served from the regional depot in emergency mode (%(who)s)"),
    "lightning_route": _("%(who)s chose the walk-in service route for %(order)s"),
    "cancelled": _("%(who)s cancelled the repair order %(order)s"),
}

CHECK_WORDS: "dict[str, StrOrPromise]" = {
    CheckKind.TOUCH: _("Touch test"),
    CheckKind.BATTERY_HEALTH: _("Battery health"),
    CheckKind.CHARGE_CURRENT: _("Charge current"),
    CheckKind.CAMERA: _("Camera"),
    CheckKind.AUDIO: _("Audio"),
    CheckKind.SIGNAL: _("Signal"),
    CheckKind.MOISTURE: _("Moisture indicator"),
    CheckKind.VISIBLE_DAMAGE: _("Visible damage"),
}

COVERAGE_WORDS: "dict[str, StrOrPromise]" = {
    WorkItem.Coverage.COVERED: _("Covered by the warranty"),
    WorkItem.Coverage.NOT_COVERED: _("Not covered"),
    WorkItem.Coverage.PARTIAL: _("Partly covered"),
}

COMPONENT_WORDS: "dict[str, StrOrPromise]" = {
    Component.SCREEN: _("Screen"),
    Component.BATTERY: _("Battery"),
    Component.CAMERA: _("Camera"),
    Component.SPEAKER: _("Speaker"),
    Component.MICROPHONE: _("Microphone"),
    Component.CHARGING_PORT: _("Charging port"),
    Component.MAINBOARD: _("Mainboard"),
    Component.ANTENNA: _("Antenna"),
    Component.BACK_COVER: _("Back cover"),
}

# Reasons the platform itself writes on the timeline (complaints.services), in words.
SYSTEM_REASONS = {
    "first contact": _("first contact"),
    "customer wrote again": _("the customer wrote again"),
    "walk-in at the counter": _("the customer came to the counter in person"),
    # notifications.services.UNREACHABLE_*
    "no channel to reach the customer: landline only": _(
        "The customer gave only a landline, which cannot take a text message: call them back."
    ),
    "no channel to reach the customer: no contact": _(
        "The customer left no mobile number, e-mail address or account we can write to."
    ),
}


def language() -> str:
    """The active language as the policy pack keys it: "zh-hans" or "en"."""
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def bulk_action_words(action: str) -> str:
    """A bulk move in words: a workflow step, or taking over ownership ("assign")."""
    return gettext("Assign") if action == "assign" else action_words(action)


def state_words(state: str) -> str:
    return str(STATE_WORDS.get(state, state))


def action_words(action: str) -> str:
    return str(ACTION_WORDS.get(action, action))


def repair_state_words(state: str) -> str:
    return str(REPAIR_STATE_WORDS.get(state, state))


def repair_action_words(action: str) -> str:
    return str(REPAIR_ACTION_WORDS.get(action, action))


def check_words(kind: str) -> str:
    return str(CHECK_WORDS.get(kind, kind))


def coverage_words(coverage: str) -> str:
    return str(COVERAGE_WORDS.get(coverage, coverage))


def component_words(component: str) -> str:
    return str(COMPONENT_WORDS.get(component, component))


def repair_event_words(payload: dict, who: str) -> str:
    """A repair step on the timeline as one sentence ("Li quoted 2026…-R1")."""
    template = REPAIR_STEP_WORDS.get(str(payload.get("step", "")))
    order = str(payload.get("order", ""))
    if template is None:
        return gettext("%(who)s worked on repair order %(order)s") % {"who": who, "order": order}
    return str(template) % {"who": who, "order": order}


def age_words(seconds: float) -> str:
    """How long ago something began, rounded down as `time_left` rounds: "12 min", "3 h", "2 d"."""
    return _duration(max(seconds, 0))


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return gettext("%(n)d min") % {"n": minutes}
    if minutes < 48 * 60:
        return gettext("%(n)d h") % {"n": minutes // 60}
    return gettext("%(n)d d") % {"n": minutes // (24 * 60)}


def category_words(category: str) -> str:
    pack = current_pack()
    labels = pack.categories.get(category)
    return pack.label(labels, language()) if labels else category


def priority_words(priority: int) -> str:
    pack = current_pack()
    labels = pack.priorities.get(priority)
    return pack.label(labels, language()) if labels else str(priority)


def level_words(level: str) -> str:
    pack = current_pack()
    found = pack.levels.get(level)
    return pack.label(found.labels, language()) if found else level


def team_words(team: str) -> str:
    pack = current_pack()
    found = pack.teams.get(team)
    if found is not None:
        return pack.label(found.labels, language())
    if team.startswith("outlet-"):
        return gettext("Outlet %(code)s") % {"code": team.removeprefix("outlet-")}
    return team


def channel_words(channel: str) -> str:
    pack = current_pack()
    labels = pack.channels.get(channel)
    if labels:
        return pack.label(labels, language())
    return gettext("internal") if channel == "internal" else channel


def deadline_words(name: str) -> str:
    labels = sla.LABELS.get(name)
    return labels[language()] if labels else name


def reason_words(reason: dict[str, str]) -> str:
    """A pre-diagnosis reason as the pack wrote it: {"rule", "evidence", "zh-hans", "en"}."""
    text = reason.get(language()) or reason.get("zh-hans") or reason.get("rule", "")
    evidence = reason.get("evidence", "")
    return (
        gettext("%(reason)s (“%(evidence)s”)") % {"reason": text, "evidence": evidence} if evidence else text
    )


def local_time(moment: datetime | None) -> str:
    """`moment` in the site's zone (Asia/Shanghai) in the one format: 2026-03-14 09:05."""
    return timezone.localtime(moment).strftime(TIME_FORMAT) if moment is not None else ""


def time_left(seconds: float) -> str:
    """Time left to a deadline in words: "in 12 min", "in 3 h", "overdue 2 d".

    Whole minutes below an hour, whole hours below two days, else whole days, always
    rounded down; the page's script (static/desk/desk.js) applies the same rule live.
    """
    overdue = seconds < 0
    amount = _duration(abs(seconds))
    return (gettext("overdue %(amount)s") if overdue else gettext("in %(amount)s")) % {"amount": amount}


def countdown_phrases() -> dict[str, str]:
    """The phrases `time_left` uses, for the page's script, in the active language."""
    return {
        "min": gettext("%(n)d min"),
        "h": gettext("%(n)d h"),
        "d": gettext("%(n)d d"),
        "overdue": gettext("overdue %(amount)s"),
        "in": gettext("in %(amount)s"),
    }


def actor_words(ref: str, staff_names: dict[int, str]) -> str:
    """Who acted ("staff:12", "customer:7", "system") as a reader says it."""
    kind, _sep, ident = ref.partition(":")
    if kind == "staff" and ident.isdigit():
        return staff_names.get(int(ident)) or gettext("a colleague")
    if kind == "customer":
        return gettext("The customer")
    return gettext("The system")


def _owner(value: object, staff_names: dict[int, str]) -> str:
    return staff_names.get(value, gettext("a colleague")) if isinstance(value, int) else gettext("nobody")


def system_reason_words(text: str) -> str:
    """A reason the platform recorded (SYSTEM_REASONS) in the active language; other text as is."""
    return _reason(text)


def _reason(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return str(SYSTEM_REASONS.get(text, text))


def event_words(event: TimelineEvent, staff_names: dict[int, str]) -> tuple[str, str]:
    """One timeline event as (headline, detail) in the active language; detail may be empty."""
    payload = event.payload
    who = actor_words(event.actor, staff_names)
    kind = event.kind
    if kind == TimelineEvent.Kind.CREATED:
        headline = gettext("Complaint filed through %(channel)s") % {
            "channel": channel_words(payload.get("channel", ""))
        }
        follows = payload.get("follows")
        detail = gettext("It follows up complaint %(number)s.") % {"number": follows} if follows else ""
        return headline, detail
    if kind == TimelineEvent.Kind.MESSAGE_IN:
        return gettext("%(who)s wrote through %(channel)s") % {
            "who": who,
            "channel": channel_words(payload.get("channel", "")),
        }, ""
    if kind == TimelineEvent.Kind.MESSAGE_OUT:
        return gettext("%(who)s replied to the customer") % {"who": who}, ""
    if kind == TimelineEvent.Kind.NOTE:
        return gettext("%(who)s added an internal note") % {"who": who}, ""
    if kind == TimelineEvent.Kind.STATUS:
        headline = gettext("%(who)s moved it from %(from)s to %(to)s") % {
            "who": who,
            "from": state_words(payload.get("from", "")),
            "to": state_words(payload.get("to", "")),
        }
        return headline, _reason(payload.get("reason"))
    if kind == TimelineEvent.Kind.ASSIGNMENT:
        new_owner = _owner(payload.get("owner_to"), staff_names)
        if payload.get("owner_from") is None:
            headline = gettext("%(owner)s became its owner") % {"owner": new_owner}
        elif payload.get("owner_from") == payload.get("owner_to"):
            # The owner stays; the complaint moved to another team (taken at an outlet's counter).
            headline = gettext("%(who)s moved it to %(team)s") % {
                "who": who,
                "team": team_words(str(payload.get("team", ""))),
            }
        else:
            headline = gettext("%(who)s handed it from %(from)s to %(to)s") % {
                "who": who,
                "from": _owner(payload.get("owner_from"), staff_names),
                "to": new_owner,
            }
        return headline, _reason(payload.get("reason"))
    if kind == TimelineEvent.Kind.ESCALATION:
        headline = gettext("%(who)s escalated it from %(from)s to %(to)s (%(team)s)") % {
            "who": who,
            "from": level_words(payload.get("from_level", "")),
            "to": level_words(payload.get("to_level", "")),
            "team": team_words(payload.get("team", "")),
        }
        return headline, _reason(payload.get("reason"))
    if kind == TimelineEvent.Kind.TRIAGE:
        return _triage_words(payload, who)
    if kind == TimelineEvent.Kind.SLA_BREACH:
        due = payload.get("due_at")
        due_text = local_time(datetime.fromisoformat(due)) if isinstance(due, str) else ""
        return gettext("Deadline missed: %(deadline)s (due %(due)s)") % {
            "deadline": deadline_words(payload.get("deadline", "")),
            "due": due_text,
        }, ""
    if kind == TimelineEvent.Kind.INSPECTION:
        # The findings are the event's message, shown as its body (erased with the customer's data).
        return gettext("%(who)s recorded the inspection") % {"who": who}, str(payload.get("findings", ""))
    if kind == TimelineEvent.Kind.FOLLOW_UP:
        return gettext("The customer wrote again: follow-up complaint %(number)s opened") % {
            "number": payload.get("follow_up", "")
        }, ""
    if kind == TimelineEvent.Kind.DISPATCH:
        headline = gettext("%(who)s dispatched it to %(team)s") % {
            "who": who,
            "team": team_words(payload.get("team", "")),
        }
        # Why that outlet, written in each language when it was dispatched (network/dispatch.py).
        texts = payload.get("text") or {}
        return headline, str(texts.get(language()) or texts.get("zh-hans") or "")
    if kind == TimelineEvent.Kind.DUPLICATE:
        original, duplicate = payload.get("original", ""), payload.get("duplicate", "")
        if payload.get("side") == "duplicate":
            headline = gettext("%(who)s marked it as a duplicate of %(number)s") % {
                "who": who,
                "number": original,
            }
        else:
            headline = gettext("%(who)s linked %(number)s to it as a duplicate") % {
                "who": who,
                "number": duplicate,
            }
        return headline, _reason(payload.get("reason"))
    if kind == TimelineEvent.Kind.ATTACHMENT:
        return gettext("%(who)s added an attachment") % {"who": who}, ""
    if kind == TimelineEvent.Kind.DELIVERY_FAILED:
        channel = str(payload.get("channel", ""))
        if not channel:  # nothing was sent: the customer has no channel we can write to
            if payload.get("reference") == "reply":
                headline = gettext("The reply was not sent: no channel reaches the customer")
            else:
                headline = gettext(
                    "The customer was not told the complaint was received: no channel reaches them"
                )
            return headline, _reason(payload.get("reason"))
        headline = gettext("A message to the customer by %(channel)s could not be delivered") % {
            "channel": gettext("SMS") if channel == "sms" else channel_words(channel)
        }
        return headline, _reason(payload.get("reason"))
    if kind == TimelineEvent.Kind.REPAIR:
        return repair_event_words(payload, who), repair_state_words(str(payload.get("state", "")))
    if kind == TimelineEvent.Kind.CALL:
        from aftersales.intake.channels.hotline.words import call_event_words

        return call_event_words(payload, who)
    if kind == TimelineEvent.Kind.SATISFACTION:
        # The comment, if any, is the event's message, shown as its body.
        return gettext("The customer rated the service %(score)s of 5") % {"score": payload.get("score")}, ""
    return str(kind), ""


def _triage_words(payload: dict, who: str) -> tuple[str, str]:
    if "category_to" in payload:
        headline = gettext("%(who)s corrected the category from %(from)s to %(to)s") % {
            "who": who,
            "from": category_words(payload.get("category_from", "")),
            "to": category_words(payload["category_to"]),
        }
        return headline, _reason(payload.get("reason"))
    if "priority_to" in payload:
        headline = gettext("A later message raised it to priority %(priority)s, %(level)s") % {
            "priority": priority_words(payload["priority_to"]),
            "level": level_words(payload.get("level_to", "")),
        }
        return headline, "; ".join(reason_words(r) for r in payload.get("reasons", []))
    if "revised_from" in payload:
        before = payload["revised_from"]
        headline = gettext(
            "Second reading with the sentence encoder: %(category)s (%(confidence)d%% sure), "
            "was %(before)s (%(before_confidence)d%% sure)"
        ) % {
            "category": category_words(payload.get("category", "")),
            "confidence": round(100 * float(payload.get("confidence", 0))),
            "before": category_words(before.get("category", "")),
            "before_confidence": round(100 * float(before.get("confidence", 0))),
        }
        return headline, ""
    headline = gettext(
        "Pre-diagnosis: %(category)s (%(confidence)d%% sure), priority %(priority)s, %(level)s"
    ) % {
        "category": category_words(payload.get("category", "")),
        "confidence": round(100 * float(payload.get("confidence", 0))),
        "priority": priority_words(payload.get("priority", 0)),
        "level": level_words(payload.get("level", "")),
    }
    return headline, "; ".join(reason_words(r) for r in payload.get("reasons", []))

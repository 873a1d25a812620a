"""What the workspace's templates receive: rows already in words, so templates hold no logic.

Nothing here reads the database except `transfer_candidates`, called once per complaint
page for staff who may transfer ownership.
"""

from datetime import datetime
from typing import Any

from django.utils.translation import pgettext_lazy

from aftersales.accounts.actors import Actor
from aftersales.common.errors import DomainError, Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.search import SearchHit
from aftersales.complaints.status import ACTIONS, MOVES, OPEN_STATES, allowed_actions, move_for
from aftersales.desk import filters, words
from aftersales.desk.macros import macros_for
from aftersales.desk.models import SavedFilter
from aftersales.desk.selectors import ComplaintFile, transfer_candidates
from aftersales.knowledge.services import self_help_for
from aftersales.policy.pack import current_pack

# Objects and permissions that domain errors name ("You may not {what}"), in words.
WHAT_WORDS = {
    "complaint": words._("complaint"),
    "complaint queue": words._("complaint queue"),
    "complaint search": words._("search complaints"),
    "complaint.view_team": words._("open this complaint"),
    "complaint.reply": words._("reply to the customer"),
    "complaint.note": words._("add internal notes"),
    "complaint.set_category": words._("correct the category"),
    "complaint.transfer_ownership": words._("transfer ownership"),
    "complaint.link_duplicate": words._("mark complaints as duplicates"),
    "desk.share_filter": words._("share a filter with your team"),
    "saved filter": words._("saved filter"),
    "transfer a complaint you do not own": words._("transfer a complaint you do not own"),
    "repair order": words._("repair order"),
    "work this repair order": words._("work this repair order"),
    "open a repair order": words._("open a repair order"),
    "open a repair order for this complaint at this outlet": words._(
        "open a repair order for this complaint at this outlet"
    ),
}


def error_words(error: DomainError) -> str:
    """A domain error as one sentence in the active language, its code words put into words."""
    language = words.language()
    params: dict[str, object] = dict(error.params)
    if isinstance(error, (Forbidden, NotFound)) and "what" in params:
        what = params["what"]
        params["what"] = str(WHAT_WORDS.get(str(what), what))
    if isinstance(error, TransitionNotAllowed):
        # A repair order's moves and states have their own words (repairs/status.py).
        repair = error.code == "repair_transition_not_allowed"
        action_words = words.repair_action_words if repair else words.action_words
        state_words = words.repair_state_words if repair else words.state_words
        params["action"] = action_words(str(params.get("action", "")))
        params["state"] = state_words(str(params.get("state", "")))
        allowed = [a for a in str(params.get("allowed", "")).split(", ") if a and a != "-"]
        params["allowed"] = "、".join(action_words(a) for a in allowed) or "-"
    if isinstance(error, ValidationFailed):
        return " ".join(message_text(issue.code, language, **issue.params) for issue in error.fields.values())
    return message_text(error.code, language, **params)


def _countdown(due_at: datetime | None, now: datetime) -> dict[str, Any]:
    if due_at is None:
        return {"iso": "", "text": "", "local": "", "overdue": False}
    seconds = (due_at - now).total_seconds()
    return {
        "iso": due_at.isoformat(),
        "text": words.time_left(seconds),
        "local": words.local_time(due_at),
        "overdue": seconds < 0,
    }


def _owner_name(complaint: Complaint) -> str:
    owner = complaint.owner
    return (owner.get_full_name() or owner.username) if owner is not None else ""


def queue_rows(complaints: list[Complaint], *, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "number": c.number,
            "subject": c.subject,
            "state": words.state_words(c.state),
            "category": words.category_words(c.category),
            "priority": words.priority_words(c.priority),
            "urgent": c.priority == 1,
            "level": words.level_words(c.level),
            "team": words.team_words(c.team),
            "owner": _owner_name(c),
            "due": _countdown(c.earliest_due_at, now),
            # What the agent saw: a bulk move leaves the complaint alone if it changed since.
            "seen": f"{c.number}@{c.event_count}",
        }
        for c in complaints
    ]


def filter_choices(queue_filter: filters.QueueFilter) -> list[dict[str, Any]]:
    """The queue filter's fields for the page: name, label, options (value, words, selected)."""
    labels = {
        "category": words.gettext("Category"),
        "state": words.gettext("Status"),
        "priority": words.gettext("Priority"),
        "channel": words.gettext("Channel"),
    }
    say = {
        "category": words.category_words,
        "state": words.state_words,
        "priority": lambda value: words.priority_words(int(value)),
        "channel": words.channel_words,
    }
    return [
        {
            "name": key,
            "label": labels[key],
            "options": [
                {"value": value, "words": say[key](value), "selected": queue_filter.narrow.get(key) == value}
                for value in filters.allowed_values(key)
            ],
        }
        for key in filters.FILTER_KEYS
    ]


# What a search matched, in words (complaints.search.SearchHit.matched).
MATCHED_WORDS = {
    "number": pgettext_lazy("complaint search", "complaint number"),
    "phone": pgettext_lazy("complaint search", "phone"),
    "imei": pgettext_lazy("complaint search", "IMEI"),
    "text": pgettext_lazy("complaint search", "words"),
}


def search_rows(hits: list[SearchHit], *, now: datetime) -> list[dict[str, Any]]:
    """Search hits as queue rows, each with what it matched in words."""
    rows = queue_rows([hit.complaint for hit in hits], now=now)
    for row, hit in zip(rows, hits, strict=True):
        row["matched"] = "、".join(str(MATCHED_WORDS.get(kind, kind)) for kind in hit.matched)
    return rows


def search_choices(asked: filters.SearchRequest) -> list[dict[str, Any]]:
    """The search's narrowing fields for the page: name, label, options (value, words, selected)."""
    labels = {
        "state": words.gettext("Status"),
        "team": words.gettext("Team"),
        "category": words.gettext("Category"),
        "channel": words.gettext("Channel"),
    }
    say = {
        "state": words.state_words,
        "team": words.team_words,
        "category": words.category_words,
        "channel": words.channel_words,
    }
    return [
        {
            "name": key,
            "label": labels[key],
            "options": [
                {"value": value, "words": say[key](value), "selected": asked.narrow.get(key) == value}
                for value in filters.search_allowed_values(key)
            ],
        }
        for key in filters.SEARCH_KEYS
    ]


def saved_filter_rows(saved: list[SavedFilter], *, actor: Actor) -> list[dict[str, Any]]:
    user_id = actor.user.pk if actor.user is not None else None
    return [
        {
            "id": f.pk,
            "name": f.name,
            "querystring": filters.filter_parse(f.query).as_querystring(),
            "shared": bool(f.team),
            "team": words.team_words(f.team) if f.team else "",
            "mine": f.owner_id == user_id,
        }
        for f in saved
    ]


def bulk_moves(*, actor: Actor, owners: Any) -> dict[str, Any]:
    """The moves a bulk form offers the actor: every workflow step the actor's role may take from
    some open state, then assigning; each complaint is still checked on its own when applied."""
    allowed = {m.action for m in MOVES if actor.role in m.roles and m.sources & OPEN_STATES}
    return {
        "actions": [(a, words.action_words(a)) for a in ACTIONS if a in allowed],
        "owners": [
            {"id": u.pk, "name": u.get_full_name() or u.username, "team": words.team_words(u.team)}
            for u in owners
        ]
        if actor.may("complaint.transfer_ownership")
        else [],
    }


def _timeline_rows(file: ComplaintFile) -> list[dict[str, Any]]:
    rows = []
    for event in file.timeline:
        headline, detail = words.event_words(event, file.staff_names)
        message = event.message
        body = message.body if message is not None and message.erased_at is None else ""
        rows.append(
            {
                "seq": event.seq,
                "at": words.local_time(event.at),
                "iso": event.at.isoformat(),
                "headline": headline,
                "detail": detail,
                "body": body,
                "erased": message is not None and message.erased_at is not None,
                "internal": event.kind == TimelineEvent.Kind.NOTE,
                "kind": event.kind,
            }
        )
    return rows


def complaint_context(
    file: ComplaintFile, *, actor: Actor, now: datetime, drafts: dict[str, str]
) -> dict[str, Any]:
    complaint = file.complaint
    pack = current_pack()
    user = actor.user
    is_owner = user is not None and complaint.owner_id == user.pk
    may_transfer = actor.may("complaint.transfer_ownership") and (
        is_owner or actor.may("complaint.transfer_any_ownership")
    )
    moves = []
    for action in allowed_actions(complaint.state, actor.role):
        move = move_for(complaint.state, action)
        moves.append(
            {
                "action": action,
                "words": words.action_words(action),
                "needs_reason": bool(move and move.needs_reason),
            }
        )
    return {
        "complaint": complaint,
        "customer": complaint.customer,
        "device": complaint.device,
        "state": words.state_words(complaint.state),
        "channel": words.channel_words(complaint.channel),
        "team": words.team_words(complaint.team),
        "owner": _owner_name(complaint),
        "is_owner": is_owner,
        "created": words.local_time(complaint.created_at),
        "diagnosis": {
            "category": words.category_words(complaint.category),
            "confidence": round(100 * complaint.category_confidence),
            "priority": words.priority_words(complaint.priority),
            "level": words.level_words(complaint.level),
            "reasons": [words.reason_words(r) for r in complaint.triage_reasons],
            "alternatives": [
                {
                    "category": a["category"],
                    "words": words.category_words(a["category"]),
                }
                for a in complaint.triage_alternatives
                if a.get("category") != complaint.category
            ],
        },
        "may_correct": actor.may("complaint.set_category"),
        "categories": [(code, words.category_words(code)) for code in pack.categories],
        "deadlines": [
            {
                "name": words.deadline_words(d.name),
                "breached": d.breached,
                "watched": d.watched,
                "provisional": d.provisional,
                "due": _countdown(d.due_at, now),
            }
            for d in file.deadlines
        ],
        "timeline": _timeline_rows(file),
        "other_complaints": [
            {
                "number": c.number,
                "subject": c.subject,
                "state": words.state_words(c.state),
                "created": words.local_time(c.created_at),
            }
            for c in file.other_complaints
        ],
        "moves": moves,
        "may_reply": actor.may("complaint.reply"),
        "may_note": actor.may("complaint.note"),
        "may_transfer": may_transfer,
        "may_dispatch": actor.may("complaint.dispatch") and complaint.is_open,
        "candidates": (
            [
                {"id": u.pk, "name": u.get_full_name() or u.username, "team": words.team_words(u.team)}
                for u in transfer_candidates(complaint=complaint)
                if u.pk != complaint.owner_id
            ]
            if may_transfer
            else []
        ),
        "drafts": drafts,
        "articles": self_help_for(category=complaint.category, language=words.language()),
        "macros": [
            {"id": m.pk, "name": m.name, "language": m.get_language_display()}
            for m in macros_for(language=complaint.language or "zh-hans")
        ]
        if actor.may("complaint.reply")
        else [],
        "may_link_duplicate": actor.may("complaint.link_duplicate")
        and file.complaint.duplicate_of_id is None,
        "duplicate_of": file.duplicate_of,
        "duplicates": file.duplicates,
    }

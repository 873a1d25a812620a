"""Calls of the 400 hotline, as the call-centre system pushes them (seed 二; docs/channels.md).

`call_receive` is the one entry: it checks the report, records the call once per (system,
call id), links it to the customer by phone number, logs a new complaint through intake
(channel `hotline`) or attaches the call to an existing one, writes the call on that
complaint's timeline, stores the recording, and turns a call outside the hotline's hours into
a call-back. A push repeated with the same details answers the first result (idempotent).
"""

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q

from aftersales.accounts.actors import SYSTEM, Actor, staff_actor
from aftersales.accounts.models import CustomerIdentity, User
from aftersales.accounts.phones import phone_masked, phone_normalise
from aftersales.common import clock
from aftersales.common.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed, problem
from aftersales.common.text import text_problem
from aftersales.complaints.models import Complaint
from aftersales.complaints.services import complaint_record_call
from aftersales.intake.channels.hotline.models import Call, CallBack
from aftersales.intake.channels.hotline.recordings import JudgedRecording, recording_judge
from aftersales.intake.services import IntakeResult, complaint_submit
from aftersales.intake.submission import Submission
from aftersales.policy.calendars import add_business_time
from aftersales.policy.pack import HotlinePolicy, PolicyPack, current_pack

log = logging.getLogger("aftersales.channels")

# A call-centre clock may run a little ahead of ours; a call further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)
TRANSCRIPT_LIMIT = 100_000
TEXT_LIMITS = {"call_id": 64, "customer_number": 40, "agent": 150, "queue": 32, "dialled_number": 40}


@dataclass(frozen=True)
class CallReport:
    """One call as the call-centre system reports it (the push's fields, docs/channels.md).

    `customer_number`: the caller's number (inbound) or the number dialled (outbound), in any
    written form, "" when withheld. `agent`: the staff member's employee id or username.
    `queue`: the pack's queue code, else found from `dialled_number` (the line the caller
    dialled), else the pack's default queue. A complaint: `complaint_number` attaches the call
    to it; `complaint_text` (with `name`, `imei`, `device_model`) logs a new one through intake.
    """

    call_id: str
    direction: str
    started_at: datetime
    ended_at: datetime
    customer_number: str = ""
    agent: str = ""
    queue: str = ""
    dialled_number: str = ""
    transcript: str = ""
    complaint_number: str = ""
    complaint_text: str = ""
    name: str = ""
    imei: str = ""
    device_model: str = ""
    language: str = "zh-hans"

    def fingerprint(self) -> str:
        document = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class CallResult:
    call: Call
    # True when the push repeated a call already received: nothing new was written.
    replayed: bool
    call_back: CallBack | None = None
    problems: dict[str, FieldProblem] = field(default_factory=dict)


@dataclass(frozen=True)
class _CleanCall:
    phone: str
    agent: User | None
    queue: str
    raise_priority_by: int
    priority: int
    complaint: Complaint | None


def call_receive(*, system: str, report: CallReport, recording: IO[bytes] | None = None) -> CallResult:
    """Record the call `report` from call-centre `system` (already authenticated), once.

    Raises ValidationFailed naming each bad field (times: datetime_offset_missing,
    period_reversed on `ended_at`, time_in_future; `customer_number`: phone_invalid;
    `agent`: staff_unknown; `queue`: choice_invalid; `complaint_number`: not_found;
    `recording`: recording_too_large / recording_empty / recording_type_not_allowed; the
    complaint's own fields as intake names them), Conflict(call_id_reused) when the call id was
    received with other details, Conflict(recording_exists) for a second, different recording.
    """
    pack = current_pack()
    policy = _policy(pack)
    judged = recording_judge(recording) if recording is not None else None
    # Every bad field is named at once, the recording's among them.
    refused = {"recording": judged} if isinstance(judged, FieldProblem) else {}
    clean = _validate(report, pack, policy, refused)
    judged = judged if isinstance(judged, JudgedRecording) else None
    fingerprint = report.fingerprint()
    earlier = Call.objects.filter(system=system, call_id=report.call_id).first()
    if earlier is not None:
        return _replay(earlier, fingerprint, recording, judged)
    stored: list[str] = []
    try:
        with transaction.atomic():
            call = _record(system=system, report=report, clean=clean, fingerprint=fingerprint, pack=pack)
            if recording is not None and judged is not None:
                stored.append(_store_recording(call, recording, judged))
            call_back = _call_back_if_closed(call, policy)
            _on_timeline(call, clean=clean, recording_only=False)
            return CallResult(call=call, replayed=False, call_back=call_back)
    except IntegrityError:
        _discard(stored)
        earlier = Call.objects.filter(system=system, call_id=report.call_id).first()
        if earlier is not None:
            return _replay(earlier, fingerprint, recording, judged)
        raise
    except BaseException:
        _discard(stored)
        raise


def call_recording_attach(*, system: str, call_id: str, recording: IO[bytes]) -> Call:
    """Store the recording of a call pushed before without one (the separate upload).

    The same recording again is a harmless retry; another one is Conflict(recording_exists).
    Raises NotFound(what=call) for a call id this system never pushed, ValidationFailed on
    `recording` as `call_receive` does.
    """
    judged = _judge(recording)
    call = Call.objects.filter(system=system, call_id=call_id).first()
    if call is None:
        raise NotFound(what="call")
    return _attach(call, recording, judged)


def _judge(recording: IO[bytes]) -> JudgedRecording:
    judged = recording_judge(recording)
    if isinstance(judged, FieldProblem):
        raise ValidationFailed({"recording": judged})
    return judged


def _attach(call: Call, recording: IO[bytes], judged: JudgedRecording) -> Call:
    if call.recording_sha256:
        if call.recording_sha256 != judged.sha256:
            raise Conflict("recording_exists")
        return call
    stored: list[str] = []
    try:
        with transaction.atomic():
            call = Call.objects.select_for_update().get(pk=call.pk)
            if call.recording_sha256:
                if call.recording_sha256 != judged.sha256:
                    raise Conflict("recording_exists")
                return call
            stored.append(_store_recording(call, recording, judged))
            if call.complaint_id is not None:
                _on_timeline(call, clean=None, recording_only=True)
            return call
    except BaseException:
        _discard(stored)
        raise


def _replay(
    call: Call, fingerprint: str, recording: IO[bytes] | None, judged: JudgedRecording | None
) -> CallResult:
    if call.request_hash != fingerprint:
        raise Conflict("call_id_reused", call_id=call.call_id)
    if recording is not None and judged is not None:
        call = _attach(call, recording, judged)
    log.info("hotline call %s:%s pushed again: answered as before", call.system, call.call_id)
    return CallResult(call=call, replayed=True, call_back=CallBack.objects.filter(call=call).first())


def _policy(pack: PolicyPack) -> HotlinePolicy:
    if pack.hotline_policy is None:
        raise ValidationFailed({"queue": problem("choice_invalid", allowed="")})
    return pack.hotline_policy


def _validate(
    report: CallReport, pack: PolicyPack, policy: HotlinePolicy, refused: dict[str, FieldProblem]
) -> _CleanCall:
    """Every field checked at once; ValidationFailed names each bad one (and those `refused`)."""
    problems: dict[str, FieldProblem] = dict(refused)
    for name in (
        *TEXT_LIMITS,
        "transcript",
        "complaint_number",
        "complaint_text",
        "name",
        "imei",
        "device_model",
    ):
        found = text_problem(getattr(report, name))
        if found is not None:
            problems[name] = found
    for name, limit in {**TEXT_LIMITS, "transcript": TRANSCRIPT_LIMIT}.items():
        value = getattr(report, name).strip()
        if len(value) > limit and name not in problems:
            problems[name] = problem("text_too_long", limit=limit, length=len(value))
    if not report.call_id.strip() and "call_id" not in problems:
        problems["call_id"] = problem("required")
    if report.direction not in Call.Direction.values:
        problems["direction"] = problem("choice_invalid", allowed=", ".join(Call.Direction.values))
    for name in ("started_at", "ended_at"):
        moment = getattr(report, name)
        if moment.tzinfo is None or moment.utcoffset() is None:
            problems[name] = problem("datetime_offset_missing")
    if "started_at" not in problems and "ended_at" not in problems:
        if report.ended_at < report.started_at:
            problems["ended_at"] = problem("period_reversed")
        elif report.ended_at > clock.now() + CLOCK_SKEW:
            problems["ended_at"] = problem("time_in_future")
    phone = ""
    if report.customer_number.strip() and "customer_number" not in problems:
        try:
            phone = phone_normalise(report.customer_number.strip(), field="customer_number")
        except ValidationFailed as failure:
            problems.update(failure.fields)
    agent = None
    if report.agent.strip() and "agent" not in problems:
        wanted = report.agent.strip()
        agent = (
            User.objects.filter(Q(employee_id=wanted) | Q(username=wanted), is_active=True)
            .exclude(role="customer")
            .order_by("pk")
            .first()
        )
        if agent is None:
            problems["agent"] = problem("staff_unknown", username=wanted)
    queue = _queue(report, policy, problems)
    boost = policy.queues[queue].raise_priority_by if queue in policy.queues else 0
    if report.complaint_number.strip() and report.complaint_text.strip():
        problems["complaint_number"] = problem("call_complaint_both")
    complaint = None
    if report.complaint_number.strip() and not problems.get("complaint_number"):
        complaint = Complaint.objects.filter(number=report.complaint_number.strip()).first()
        if complaint is None:
            problems["complaint_number"] = problem("not_found", what="complaint")
    if report.complaint_text.strip() and not report.agent.strip():
        problems.setdefault("agent", problem("call_complaint_needs_agent"))
    if problems:
        raise ValidationFailed(problems)
    if agent is not None and complaint is not None:
        from aftersales.complaints.selectors import staff_may_see

        if not staff_may_see(staff_actor(agent), complaint):
            raise ValidationFailed({"complaint_number": problem("not_found", what="complaint")})
    return _CleanCall(
        phone=phone,
        agent=agent,
        queue=queue,
        raise_priority_by=boost,
        priority=max(1, pack.default_priority - boost),
        complaint=complaint,
    )


def _queue(report: CallReport, policy: HotlinePolicy, problems: dict[str, FieldProblem]) -> str:
    """The queue code given, else the queue whose number was dialled, else the default queue."""
    code = report.queue.strip()
    if code:
        if code not in policy.queues:
            problems.setdefault("queue", problem("choice_invalid", allowed=", ".join(policy.queues)))
        return code
    dialled = report.dialled_number.strip()
    if dialled and "dialled_number" not in problems:
        try:
            number = phone_normalise(dialled, field="dialled_number")
        except ValidationFailed as failure:
            problems.update(failure.fields)
            return policy.default_queue
        for queue in policy.queues.values():
            if queue.number == number:
                return queue.code
    return policy.default_queue


def _record(
    *, system: str, report: CallReport, clean: _CleanCall, fingerprint: str, pack: PolicyPack
) -> Call:
    """The call row (inserted first: a concurrent retry fails on the unique key and replays),
    its customer, and the complaint it logs or joins."""
    now = clock.now()
    call = Call.objects.create(
        system=system,
        call_id=report.call_id.strip(),
        request_hash=fingerprint,
        direction=report.direction,
        queue=clean.queue,
        priority=clean.priority,
        customer_phone=clean.phone,
        agent=clean.agent,
        started_at=report.started_at,
        ended_at=report.ended_at,
        transcript=report.transcript.strip(),
        received_at=now,
    )
    identity = (
        CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.PHONE, value=clean.phone)
        .select_related("customer")
        .first()
        if clean.phone
        else None
    )
    call.customer = identity.customer if identity is not None else None
    complaint = clean.complaint
    if report.complaint_text.strip() and clean.agent is not None:
        result = _log_complaint(report, clean, actor=staff_actor(clean.agent))
        complaint = result.complaint
        # False when intake added the words to the customer's open complaint about the device.
        call.opened_complaint = result.created
    if complaint is not None:
        call.complaint = complaint
        call.customer = call.customer or complaint.customer
    call.save(update_fields=["customer", "complaint", "opened_complaint"])
    log.info(
        "hotline call %s:%s from %s recorded (queue %s)",
        system,
        call.call_id,
        phone_masked(clean.phone) if clean.phone else "withheld number",
        clean.queue,
    )
    return call


# Intake's field names as the push names them.
_INTAKE_FIELDS = {"text": "complaint_text", "phone": "customer_number", "subject": "complaint_text"}


def _log_complaint(report: CallReport, clean: _CleanCall, *, actor: Actor) -> IntakeResult:
    try:
        result = complaint_submit(
            actor=actor,
            submission=Submission(
                channel="hotline",
                text=report.complaint_text,
                name=report.name,
                phone=clean.phone,
                imei=report.imei,
                device_model=report.device_model,
                language=report.language,
            ),
        )
    except ValidationFailed as failure:
        raise ValidationFailed(
            {_INTAKE_FIELDS.get(name, name): issue for name, issue in failure.fields.items()}
        ) from failure
    return result


def _store_recording(call: Call, recording: IO[bytes], judged: JudgedRecording) -> str:
    """Save the file through Django's storage under MEDIA_ROOT; returns its storage name."""
    call.recording_type = judged.content_type
    recording.seek(0)
    call.recording.save("recording", File(recording), save=False)
    call.recording_sha256 = judged.sha256
    call.recording_size = judged.size
    call.save(update_fields=["recording", "recording_sha256", "recording_size", "recording_type"])
    return call.recording.name


def _discard(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _call_back_if_closed(call: Call, policy: HotlinePolicy) -> CallBack | None:
    """An inbound call that came while the hotline was closed: a call-back, due when it opens."""
    if call.direction != Call.Direction.INBOUND:
        return None
    calendar = policy.calendar
    opens, _ = next(calendar.windows(call.started_at))
    if opens <= call.started_at:
        return None
    call.after_hours = True
    call.save(update_fields=["after_hours"])
    return CallBack.objects.create(
        call=call,
        priority=call.priority,
        due_at=add_business_time(opens, policy.callback_within, calendar),
        created_at=clock.now(),
    )


def _on_timeline(call: Call, *, clean: _CleanCall | None, recording_only: bool) -> None:
    """The call on its complaint's timeline: references and the recording's hash, no personal data."""
    if call.complaint is None:
        return
    facts: dict[str, object] = {
        "call": call.pk,
        "system": call.system,
        "queue": call.queue,
        "direction": call.direction,
        "duration_seconds": call.duration_seconds,
        "after_hours": call.after_hours,
        "opened_complaint": call.opened_complaint,
    }
    if recording_only:
        facts["step"] = "recording"
    if call.recording_sha256:
        facts["recording_sha256"] = call.recording_sha256
    boost = clean.raise_priority_by if clean is not None and call.opened_complaint else 0
    if boost:
        facts["queue_boost"] = boost
    actor = staff_actor(call.agent) if call.agent is not None else SYSTEM
    call.complaint = complaint_record_call(
        actor=actor, complaint=call.complaint, at=clock.now(), facts=facts, raise_priority_by=boost
    )


def call_back_mark_done(*, actor: Actor, call_back_id: int) -> CallBack:
    """Staff called the customer back. Claimed with a conditional update: the second agent to
    mark it gets Conflict(call_back_done). Forbidden without `hotline.call_back`; NotFound for
    an unknown id."""
    if not actor.is_staff or not actor.may("hotline.call_back") or actor.user is None:
        raise Forbidden(what="hotline.call_back")
    now = clock.now()
    claimed = CallBack.objects.filter(pk=call_back_id, done_at__isnull=True).update(
        done_at=now, done_by=actor.user
    )
    call_back = CallBack.objects.select_related("call").filter(pk=call_back_id).first()
    if call_back is None:
        raise NotFound(what="call_back")
    if claimed != 1:
        raise Conflict("call_back_done")
    return call_back

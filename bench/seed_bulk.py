"""Bulk-load a large data set for benchmarks: customers, devices, complaints, messages, timelines.

Rows are computed with the platform's own deadline functions and written with
bulk_create, because going through intake 100,000 times would take most of an hour.
The complaint used for the detail scenario is made through the real services. The search
index documents are computed with the platform's own term function and written in bulk.
"""

import random
import secrets
from datetime import timedelta

from django.db import connection, transaction
from stdnum import luhn

from aftersales.accounts.actors import ANONYMOUS, staff_actor
from aftersales.accounts.models import Customer
from aftersales.common import clock
from aftersales.complaints import services, sla
from aftersales.complaints.models import Complaint, ComplaintNumberSequence, Message, TimelineEvent
from aftersales.complaints.search import ID_RANGE, INDEX_TABLE, document_terms, search_index_write
from aftersales.complaints.status import OPEN_STATES, State
from aftersales.demo.phrases import CITIES, PHRASES
from aftersales.demo.seed import seed_staff
from aftersales.devices.models import Device
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission
from aftersales.policy.pack import current_pack

STATE_MIX = [
    (State.ACCEPTED, 10),
    (State.PROCESSING, 15),
    (State.WAITING_CUSTOMER, 3),
    (State.ESCALATED, 4),
    (State.RESOLVED, 20),
    (State.ARCHIVED, 43),
    (State.CLOSED, 5),
]
TEAM_OF_LEVEL = {"L1": "agents", "L2": "technical", "L3": "hq-experts"}
# The customer of the complaint of the detail scenario (detail_complaint).
DETAIL_PHONE = "+8613300133000"


def imei_for(serial: int) -> str:
    body = f"86{serial:012d}"
    return body + luhn.calc_check_digit(body)


def bulk_seed(
    *,
    complaints: int = 100_000,
    days: int = 730,
    seed: int = 42,
    batch: int = 5000,
    copies: int = 0,
    detail_first: bool = True,
) -> str | None:
    """Load `complaints` complaints spread over `days` days; return the number of the detail complaint
    (None with `detail_first=False`: then call `detail_complaint` later, after VACUUM).

    `copies` (PostgreSQL): then copy every complaint that many times in SQL (bulk_copy), to reach a
    million rows in minutes rather than hours.
    """
    rng = random.Random(seed)
    pack = current_pack()
    staff = seed_staff()
    now = clock.now()
    start = now - timedelta(days=days)
    customers = [
        Customer(phone=f"+86139{index:08d}", name=f"客户{index}", city=rng.choice(CITIES), created_at=start)
        for index in range(complaints // 3)
    ]
    Customer.objects.bulk_create(customers, batch_size=batch)
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    names_by_id = dict(Customer.objects.values_list("pk", "name"))
    devices = [
        Device(imei=imei_for(index), customer_id=customer_ids[index % len(customer_ids)], model_name="Reno10")
        for index in range(complaints // 2)
    ]
    Device.objects.bulk_create(devices, batch_size=batch)
    device_ids = list(Device.objects.order_by("pk").values_list("pk", flat=True))
    states = [s for s, _ in STATE_MIX]
    weights = [w for _, w in STATE_MIX]
    moments = sorted(start + timedelta(seconds=rng.randrange(days * 86400)) for _ in range(complaints))
    serial_of_day: dict = {}
    categories = list(PHRASES)
    owners = [staff["agent1"].pk, staff["agent2"].pk, None]
    for offset in range(0, complaints, batch):
        rows = []
        for index in range(offset, min(offset + batch, complaints)):
            at = moments[index]
            day = clock.localdate(at)
            serial_of_day[day] = serial_of_day.get(day, 0) + 1
            digits = f"{day:%Y%m%d}{serial_of_day[day]:05d}"
            state = (
                rng.choices(states, weights)[0]
                if at < now - timedelta(days=40)
                else rng.choice([State.ACCEPTED, State.PROCESSING, State.ESCALATED, State.RESOLVED])
            )
            level = rng.choices(["L1", "L2", "L3"], [70, 22, 8])[0]
            category = rng.choice(categories)
            stage = sla.stage_deadlines(at, pack)
            complaint = Complaint(
                number=f"{pack.number_prefix}-{day:%Y%m%d}-{serial_of_day[day]:05d}-{luhn.calc_check_digit(digits)}",
                customer_id=customer_ids[index % len(customer_ids)],
                device_id=device_ids[index % len(device_ids)] if index % 5 else None,
                channel=rng.choice(list(pack.channels)),
                city=rng.choice(CITIES),
                subject=rng.choice(PHRASES[category])[:60],
                category=category,
                category_confidence=0.8,
                priority=rng.choices([1, 2, 3, 4], [5, 15, 60, 20])[0],
                level=level,
                team=TEAM_OF_LEVEL[level],
                owner_id=rng.choice(owners),
                state=state,
                is_open=state in OPEN_STATES,
                tracking_salt=secrets.token_hex(8),
                created_at=at,
                response_due_at=sla.response_deadline(at, pack),
                responded_at=None if state == State.ACCEPTED else at + timedelta(minutes=20),
                level_response_due_at=sla.level_response_deadline(at, level, pack),
                level_responded_at=None if state == State.ACCEPTED else at + timedelta(minutes=20),
                event_count=3,
                **stage,
            )
            facts = sla.deadline_facts(complaint)
            deadlines = {n: getattr(complaint, n) for n in services.DEADLINE_FIELDS}
            complaint.next_deadline_at = sla.next_deadline(facts, deadlines)
            complaint.earliest_due_at = sla.earliest_due(facts, deadlines)
            rows.append(complaint)
        with transaction.atomic():
            Complaint.objects.bulk_create(rows, batch_size=batch)
            ids = dict(
                Complaint.objects.filter(number__in=[c.number for c in rows]).values_list("number", "pk")
            )
            messages = [
                Message(
                    complaint_id=ids[c.number],
                    direction="in",
                    channel=c.channel,
                    body=c.subject,
                    created_at=c.created_at,
                )
                for c in rows
            ]
            Message.objects.bulk_create(messages, batch_size=batch)
            search_index_write(
                {
                    ids[c.number]: " ".join(
                        document_terms([c.subject, message.body, names_by_id[c.customer_id]])
                    )
                    for c, message in zip(rows, messages, strict=True)
                }
            )
            events = []
            for c in rows:
                pk = ids[c.number]
                events += [
                    TimelineEvent(
                        complaint_id=pk,
                        seq=1,
                        kind="created",
                        at=c.created_at,
                        actor="system",
                        payload={"number": c.number, "channel": c.channel},
                    ),
                    TimelineEvent(
                        complaint_id=pk,
                        seq=2,
                        kind="message_in",
                        at=c.created_at,
                        actor="system",
                        payload={"channel": c.channel},
                    ),
                    TimelineEvent(
                        complaint_id=pk,
                        seq=3,
                        kind="triage",
                        at=c.created_at,
                        actor="system",
                        payload={"category": c.category, "level": c.level},
                    ),
                ]
            TimelineEvent.objects.bulk_create(events, batch_size=batch)
    ComplaintNumberSequence.objects.bulk_create(
        [ComplaintNumberSequence(day=day, last=last) for day, last in serial_of_day.items()], batch_size=batch
    )
    if copies:
        bulk_copy(copies=copies)
    return detail_complaint() if detail_first else None


# Luhn check digit of a digit string (ISO/IEC 7812-1 annex B), as stdnum.luhn.calc_check_digit:
# from the right, every other digit starting with the last is doubled.
LUHN_SQL = """CREATE OR REPLACE FUNCTION pg_temp.luhn_check_digit(digits text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT ((10 - sum(CASE WHEN (length(digits) - i) % 2 = 0
                      THEN (substr(digits, i, 1)::int * 2) / 10 + (substr(digits, i, 1)::int * 2) % 10
                      ELSE substr(digits, i, 1)::int END) % 10) % 10)::text
    FROM generate_series(1, length(digits)) AS i
$$"""


def bulk_copy(*, copies: int) -> None:
    """PostgreSQL: copy every customer, device and complaint, with its messages, timeline events and
    search document, `copies` times in INSERT ... SELECT statements.

    A copy is a new customer (phone `+86139…` moved past the originals) with a new device (IMEI
    moved likewise, Luhn digit recomputed) and a complaint of the same day, texts and dates whose
    serial is moved past every serial of that day (`AS-20261201-00042-7` → `AS-20261201-01042-3`,
    check digit recomputed); the day's number sequence is moved past them. Row ids are shifted by
    multiples of each table's largest id, then the sequences are moved past them.
    """
    from aftersales.accounts.models import Customer

    with connection.cursor() as cursor:
        cursor.execute(LUHN_SQL)
        cursor.execute("SELECT coalesce(max(last), 0) FROM complaints_complaintnumbersequence")
        serial_step = 10 ** len(str(cursor.fetchone()[0]))
        if serial_step * (copies + 1) > 100_000:
            raise ValueError(f"{copies} copies would need serials past 99999 ({serial_step} a copy)")
        tops = {}
        for model in (Customer, Device, Complaint, Message):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
            tops[model] = cursor.fetchone()[0]
        serial = "split_part(number, '-', 3)::int + {k} * {serial_step}"
        digits = f"split_part(number, '-', 2) || lpad(({serial})::text, 5, '0')"
        tables = {
            Customer: {
                "id": "id + {k} * {customer_top}",
                "phone": "'+86139' || lpad((substr(phone, 7)::bigint + {k} * {customer_top})::text, 8, '0')",
            },
            Device: {
                "id": "id + {k} * {device_top}",
                "customer_id": "customer_id + {k} * {customer_top}",
                "imei": "body || pg_temp.luhn_check_digit(body)",
            },
            Complaint: {
                "id": "id + {k} * {top}",
                "customer_id": "customer_id + {k} * {customer_top}",
                "device_id": "device_id + {k} * {device_top}",
                "number": (
                    f"split_part(number, '-', 1) || '-' || split_part(number, '-', 2) || '-' "
                    f"|| lpad(({serial})::text, 5, '0') || '-' || pg_temp.luhn_check_digit({digits})"
                ),
            },
            Message: {"id": "id + {k} * {message_top}", "complaint_id": "complaint_id + {k} * {top}"},
            TimelineEvent: {
                "id": "id + {k} * {event_top}",
                "complaint_id": "complaint_id + {k} * {top}",
                "message_id": "message_id + {k} * {message_top}",
            },
        }
        cursor.execute("SELECT coalesce(max(id), 0) FROM complaints_timelineevent")
        event_top = cursor.fetchone()[0]
        # Rows copied from checked rows need no foreign-key checks (replica mode skips them, and
        # the search triggers); one GIN build at the end is faster than a million insertions.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_TABLE}_terms_idx")
        for k in range(1, copies + 1):
            values = {
                "k": k,
                "top": tops[Complaint],
                "customer_top": tops[Customer],
                "device_top": tops[Device],
                "message_top": tops[Message],
                "event_top": event_top,
                "serial_step": serial_step,
            }
            with transaction.atomic():
                for model, changed in tables.items():
                    table = model._meta.db_table
                    columns = [f.column for f in model._meta.concrete_fields]
                    select = ", ".join(changed.get(c, c).format(**values) for c in columns)
                    source = table
                    if model is Device:
                        source = (
                            f"(SELECT *, '86' || lpad((substr(imei, 3, 12)::bigint + {k} * {tops[Device]})"
                            f"::text, 12, '0') AS body FROM {table}) AS d"
                        )
                    cursor.execute(
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"SELECT {select} FROM {source} WHERE id <= {values[_top_name(model)]}"
                    )
                # The copy's id-range term is its own (search.ID_RANGE), not the original's: the
                # search reads the newest ranges first and would otherwise find nothing there.
                moved = f"complaint_id + {k} * {tops[Complaint]}"
                cursor.execute(
                    f"INSERT INTO {INDEX_TABLE} (complaint_id, terms) SELECT {moved}, "
                    f"ts_delete(terms, ARRAY(SELECT lexeme FROM unnest(terms) WHERE lexeme LIKE 'id:%')) "
                    f"|| array_to_tsvector(ARRAY['id:' || (({moved}) / {ID_RANGE})::text]) "
                    f"FROM {INDEX_TABLE} WHERE complaint_id <= {tops[Complaint]}"
                )
        cursor.execute(
            f"UPDATE complaints_complaintnumbersequence SET last = last + {copies} * {serial_step}"
        )
        cursor.execute(f"CREATE INDEX {INDEX_TABLE}_terms_idx ON {INDEX_TABLE} USING gin (terms)")
        cursor.execute("SET session_replication_role = DEFAULT")
        for model in (*tables,):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )


def _top_name(model: type) -> str:
    return {
        "Customer": "customer_top",
        "Device": "device_top",
        "Complaint": "top",
        "Message": "message_top",
        "TimelineEvent": "event_top",
    }[model.__name__]


def search_probes() -> dict[str, str]:
    """The bench's search queries, by kind: words of the seeded texts, and the phone, IMEI and
    number of a complaint halfway through the ids, written as people type them (grouped digits)."""
    top = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    complaint = (
        Complaint.objects.select_related("customer", "device")
        .filter(pk__gte=top // 2, device__isnull=False)
        .order_by("pk")
        .first()
    )
    phone = complaint.customer.phone[3:] if complaint and complaint.customer.phone else ""
    imei = complaint.device.imei if complaint and complaint.device else ""
    return {
        "chinese-2": "触控",
        "chinese-4": "屏幕失灵",
        "english": "battery",
        "phone": f"{phone[:3]} {phone[3:7]} {phone[7:]}",
        "imei": f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14:]}",
        "number": complaint.number.lower() if complaint else "",
    }


def detail_complaint() -> str:
    """One open complaint with exactly 20 timeline events, made by the real services."""
    staff = seed_staff()
    result = complaint_submit(
        actor=ANONYMOUS,
        submission=Submission(
            channel="app",
            text="屏幕触控失灵,连续三次检测异常",
            phone=DETAIL_PHONE,
            imei=imei_for(99_999_999),
        ),
    )
    complaint = result.complaint
    agent = staff_actor(staff["agent1"])
    services.complaint_reply(
        actor=agent, complaint=complaint, body="您好,已为您预约网点检测"
    )  # +2 (owner, reply)
    while Complaint.objects.get(pk=complaint.pk).event_count < 20:
        services.complaint_add_note(actor=agent, complaint=complaint, body="检测进度备注")
    return complaint.number

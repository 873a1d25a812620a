"""Demo hotline calls, pushed the way the call-centre system pushes them (hotline/client.py).

Some calls are about hotline complaints already filed, some log new complaints (a few on the
senior-care line), and some come after hours and leave call-backs. Each in-hours call carries
a short generated WAV recording.
"""

import random
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import Client, override_settings

from aftersales.accounts.models import User
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.demo.phrases import PHRASES
from aftersales.intake.channels.hotline.client import CallCentreClient, tone_wav

DEMO_SYSTEM = "demo-call-centre"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed_calls(*, count: int, staff: dict[str, User], seed: int = 2026) -> int:
    """Push `count` calls; returns how many the platform took in (201)."""
    rng = random.Random(seed)
    secret = secrets.token_urlsafe(24)
    agents = [user for user in staff.values() if user.role == "agent"]
    filed = list(
        Complaint.objects.filter(channel="hotline", is_open=True)
        .select_related("customer")
        .order_by("-created_at")[: max(1, count // 2)]
    )
    taken = 0
    with override_settings(HOTLINE_SYSTEMS={DEMO_SYSTEM: secret}):
        centre = CallCentreClient(http=Client(), system=DEMO_SYSTEM, secret=secret)
        for index in range(count):
            kind = index % 4
            today = clock.localdate(clock.now())
            day = today - timedelta(days=rng.randrange(1, 20))
            if kind == 3:
                # After hours: the IVR took a message, a call-back is due at opening.
                start = datetime(day.year, day.month, day.day, 23, rng.randrange(5, 55), tzinfo=SHANGHAI)
            else:
                start = datetime(
                    day.year, day.month, day.day, rng.randrange(8, 22), rng.randrange(60), tzinfo=SHANGHAI
                )
            end = start + timedelta(seconds=rng.randrange(60, 900))
            fields: dict[str, str] = {
                "customer_number": f"1{rng.choice(['38', '39', '58', '86'])}{rng.randrange(10**8):08d}"
            }
            recording = None
            if kind in (0, 1, 2):
                fields["agent"] = rng.choice(agents).employee_id
                recording = tone_wav(seconds=1.0, frequency=rng.choice([330.0, 440.0, 523.0]))
            if kind == 0 and filed:
                complaint = filed[index % len(filed)]
                fields.update(complaint_number=complaint.number, direction="outbound")
                fields["customer_number"] = complaint.customer.phone or fields["customer_number"]
            elif kind in (1, 2):
                category = rng.choice(list(PHRASES))
                fields["complaint_text"] = rng.choice(PHRASES[category])
                if kind == 2:
                    fields["dialled_number"] = "400-666-7733"
            direction = fields.pop("direction", "inbound")
            answer = centre.push_call(
                call_id=f"demo-{seed}-{index:05d}",
                started_at=start,
                ended_at=end,
                direction=direction,
                recording=recording,
                **fields,
            )
            taken += answer.status_code == 201
    return taken

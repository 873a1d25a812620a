"""Demo hotline calls, pushed the way the call-centre system pushes them (hotline/client.py).

Some calls are about hotline complaints already filed, some log new complaints (a few on the
senior-care line), and some come after hours and leave call-backs. Each in-hours call carries
a short generated WAV recording.
"""

import os
import random
import secrets
import shlex
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.test import Client, override_settings

from aftersales.accounts.models import User
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.demo.phrases import PHRASES
from aftersales.intake.channels.hotline.client import CallCentreClient, tone_wav

DEMO_SYSTEM = settings.HOTLINE_DEMO_SYSTEM
SHANGHAI = ZoneInfo("Asia/Shanghai")


def demo_call_centre() -> tuple[str, str] | None:
    """The demo's call-centre system as (code, secret), its secret generated on first use.

    Only with DEBUG on and no system configured in AFTERSALES_HOTLINE_SYSTEMS: the secret
    (43 URL-safe characters) is written once to settings.HOTLINE_DEMO_SECRET_FILE (mode 0600),
    which the settings read at start-up (config/settings.py, the hotline block). None otherwise:
    a deployment never gets a secret it did not set.
    """
    if not settings.DEBUG:
        return None
    path = settings.HOTLINE_DEMO_SECRET_FILE
    if settings.HOTLINE_SYSTEMS:
        # Already read at start-up from the file; a configured system is the operator's own.
        secret = settings.HOTLINE_SYSTEMS.get(DEMO_SYSTEM)
        kept = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        return (DEMO_SYSTEM, secret) if secret and secret == kept else None
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another demo command wrote it first: use theirs
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as kept_file:
                kept_file.write(secrets.token_urlsafe(32) + "\n")
    secret = path.read_text(encoding="utf-8").strip()
    return (DEMO_SYSTEM, secret) if len(secret) >= 24 else None


def demo_call_curl(*, base: str, system: str, secret: str, now: datetime) -> str:
    """A curl command that pushes one call (ended two minutes before `now`) as `system`."""
    start = now.astimezone(SHANGHAI).replace(microsecond=0) - timedelta(minutes=9)
    end = start + timedelta(minutes=7)
    fields = {
        "call_id": f"try-{start:%Y%m%d-%H%M%S}",
        "direction": "inbound",
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
        "customer_number": "+86 138 0013 8000",
        "agent": "agent1",
        "complaint_text": "充电发烫,一晚上只充到六成",
    }
    parts = [
        f"curl -s -X POST {base}/api/v1/channels/hotline/calls",
        f"-H {shlex.quote('X-Call-Centre-System: ' + system)}",
        f"-H {shlex.quote('X-Call-Centre-Secret: ' + secret)}",
        *(f"-F {shlex.quote(name + '=' + value)}" for name, value in fields.items()),
    ]
    return " ".join(parts)


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

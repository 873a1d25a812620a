"""Who is on the hotline's tests.

- the call centre "yunhu": the system that pushes calls, with its secret;
- wang: an agent (L1) on the hotline, employee id E10001;
- zhou: a technical-team member (central staff, may play recordings);
- liu: an outlet technician, who sees only his outlet's complaints and masked callers;
- grandma li: a senior customer known by her mobile +8613800138000;
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.roles import Role
from aftersales.accounts.services import api_token_create
from aftersales.accounts.tests.factories import CustomerFactory, StaffFactory
from aftersales.intake.channels.hotline.client import CallCentreClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "yunhu-secret-0123456789abcdef"


def at(text: str) -> datetime:
    """A Beijing time, e.g. at("2026-11-30 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


@pytest.fixture(autouse=True)
def hotline_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.HOTLINE_SYSTEMS = {"yunhu": SECRET}
    settings.HOTLINE_RECORDING_MAX_BYTES = 200 * 1024
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def call_centre(client):  # type: ignore[no-untyped-def]
    return CallCentreClient(http=client, system="yunhu", secret=SECRET)


@pytest.fixture
def wang(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="wang", role=Role.AGENT, team="agents", employee_id="E10001")


@pytest.fixture
def zhou(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="zhou", role=Role.TECHNICAL, team="technical", employee_id="E10002")


@pytest.fixture
def liu(db):  # type: ignore[no-untyped-def]
    return StaffFactory(
        username="liu", role=Role.OUTLET_TECHNICIAN, team="outlet-beijing-01", employee_id="E10003"
    )


@pytest.fixture
def grandma_li(db):  # type: ignore[no-untyped-def]
    return CustomerFactory(name="李秀英", phone="+8613800138000", is_senior=True)

"""Personas shared by every app's tests.

- alice: hotline agent (L1), team "agents"
- tom: technical team member (L2)
- erin: HQ expert (L3)
- oscar: outlet technician of outlet "outlet-sh-01"; should see only that outlet's complaints
- adam: administrator
- carol: a customer with a phone number; she sees only her own complaints
- dave: another customer; should have no access to carol's complaints
"""

import pytest

from aftersales.accounts.actors import customer_actor, staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import CustomerFactory, StaffFactory


@pytest.fixture(autouse=True)
def _triage_without_encoder(settings):  # type: ignore[no-untyped-def]
    """Tests read complaints with the n-gram readings only (the encoder costs tens of
    milliseconds a complaint); aftersales/triage/tests/test_encoder.py turns it on."""
    settings.TRIAGE_ENCODER = False


@pytest.fixture(autouse=True)
def _eager_celery(settings):  # type: ignore[no-untyped-def]
    from config.celery import app

    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def alice(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="alice", role=Role.AGENT, team="agents")


@pytest.fixture
def tom(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="tom", role=Role.TECHNICAL, team="technical")


@pytest.fixture
def erin(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="erin", role=Role.EXPERT, team="hq-experts")


@pytest.fixture
def oscar(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="oscar", role=Role.OUTLET_TECHNICIAN, team="outlet-sh-01")


@pytest.fixture
def adam(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="adam", role=Role.ADMIN, team="agents")


@pytest.fixture
def carol(db):  # type: ignore[no-untyped-def]
    return CustomerFactory(phone="+8613800138000", name="Carol")


@pytest.fixture
def dave(db):  # type: ignore[no-untyped-def]
    return CustomerFactory(phone="+8613900139000", name="Dave")


@pytest.fixture
def as_staff():  # type: ignore[no-untyped-def]
    return staff_actor


@pytest.fixture
def as_customer():  # type: ignore[no-untyped-def]
    return lambda customer: customer_actor(customer.pk)


@pytest.fixture
def pack_with(tmp_path, settings):  # type: ignore[no-untyped-def]
    """Make a policy pack (a raw dict, see aftersales/policy/tests/packs.py) current for one test."""
    from aftersales.policy.pack import current_pack
    from aftersales.policy.tests.packs import use_pack

    def make(raw):  # type: ignore[no-untyped-def]
        use_pack(tmp_path / "pack.json", raw, settings)
        return current_pack()

    yield make
    current_pack.cache_clear()

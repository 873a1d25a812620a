"""A repair at an outlet, made through the real services.

- olga: technician of outlet sz-futian-01, where the complaint was dispatched
- otto: technician of another outlet (gz-tianhe-01); should not see olga's repair orders
"""

from dataclasses import dataclass
from datetime import date

from aftersales.accounts.actors import SYSTEM, Actor, staff_actor
from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.network.models import Outlet
from aftersales.network.services import complaint_dispatch
from aftersales.network.tests.factories import make_outlet
from aftersales.parts.tests.factories import Catalogue, make_catalogue, stock_up
from aftersales.pricing.tests.factories import publish
from aftersales.repairs import services
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.selectors import agreement_current

OUTLET = "sz-futian-01"


@dataclass
class Bench:
    outlet: Outlet
    olga: User
    catalogue: Catalogue

    @property
    def actor(self) -> Actor:
        return staff_actor(self.olga)


def make_bench(*, stock: int = 2) -> Bench:
    """An outlet with a technician, the Reno10 catalogue priced from 2024-01-01 and `stock` of each part."""
    outlet = make_outlet(OUTLET)
    olga = User.objects.get(
        pk=StaffFactory(
            username="olga", role=Role.OUTLET_TECHNICIAN, team=outlet.team, employee_id="SZ0042"
        ).pk
    )
    catalogue = make_catalogue()
    publish(catalogue.screen, "899.00", "100.00")
    publish(catalogue.battery, "199.00", "50.00")
    publish(catalogue.camera, "399.00", "80.00")
    for part in (catalogue.screen, catalogue.battery, catalogue.camera):
        if stock:
            stock_up(outlet.code, part, stock)
    return Bench(outlet, olga, catalogue)


def other_outlet_technician() -> User:
    other = make_outlet("gz-tianhe-01")
    return User.objects.get(
        pk=StaffFactory(
            username="otto", role=Role.OUTLET_TECHNICIAN, team=other.team, employee_id="GZ0007"
        ).pk
    )


def dispatched_complaint(
    outlet: Outlet, *, purchase_date: date | None = date(2025, 6, 1), text: str = "屏幕触控失灵,打字点不到"
) -> Complaint:
    """A complaint dispatched to `outlet` (network.services.complaint_dispatch): its team has it."""
    complaint = submit_complaint(text=text, purchase_date=purchase_date)
    complaint_dispatch(complaint=complaint, actor=SYSTEM, outlet=outlet)
    complaint.refresh_from_db()
    return complaint


def open_order(bench: Bench, complaint: Complaint | None = None, **options: object) -> RepairOrder:
    return services.repair_order_open(
        actor=bench.actor,
        complaint=complaint or dispatched_complaint(bench.outlet),
        outlet=bench.outlet,
        model_code="reno10",
        **options,  # type: ignore[arg-type]
    )


def quoted_order(bench: Bench, *, touch_failures: int = 3, battery_health: int = 76) -> RepairOrder:
    """Checked, diagnosed (screen and battery) and quoted."""
    order = open_order(bench)
    checks = [
        services.CheckResult(kind="touch", passed=touch_failures == 0, count=touch_failures),
        services.CheckResult(kind="battery_health", value=battery_health),
        services.CheckResult(kind="moisture", passed=True),
    ]
    order = services.repair_order_record_checks(actor=bench.actor, order=order, checks=checks)
    items = [
        services.ItemRequest(part=bench.catalogue.screen.number),
        services.ItemRequest(part=bench.catalogue.battery.number),
    ]
    order = services.repair_order_diagnose(
        actor=bench.actor, order=order, diagnosis="触控 IC 故障;电池老化", items=items
    )
    return services.repair_order_quote(actor=bench.actor, order=order)


def approved_order(bench: Bench, **checks: int) -> RepairOrder:
    order = quoted_order(bench, **checks)
    order = services.repair_order_approve(actor=bench.actor, order=order, quote=order.quote_digest)
    current = agreement_current(at=clock.now())
    assert current is not None
    return services.repair_order_accept_agreement(actor=bench.actor, order=order, version=current.version)

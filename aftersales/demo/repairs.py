"""Demo repairs: device models with part numbers, a price list and a trade-in table (each with
history), regional depots, stock at every demo outlet and depot, and complaints taken through
repair orders to completion, walk-ins at the counter of beijing-01 included.

Everything goes through the services with the clock moved back, so every timeline is what
the platform itself would have written. The whole set is written in one transaction: on
SQLite that is one commit instead of thousands.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from aftersales.accounts.actors import SYSTEM, Actor, staff_actor
from aftersales.accounts.models import User
from aftersales.common import clock
from aftersales.common.errors import DomainError
from aftersales.demo.phrases import MODELS, PHRASES, SURNAMES
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission
from aftersales.network.models import Outlet
from aftersales.parts import services as parts_services
from aftersales.parts.models import Depot, Location, Part, Transfer
from aftersales.pricing.services import repair_price_publish, trade_in_price_publish
from aftersales.repairs import lightning, services, waiting
from aftersales.repairs.models import RepairOrder
from aftersales.repairs.selectors import agreement_current

# Price tier of each demo model (1.0: Reno10).
TIERS = {
    "Reno10": 1.0,
    "Reno11 Pro": 1.3,
    "Find X7": 1.8,
    "A79": 0.6,
    "K11": 0.7,
    "Find N3": 2.6,
    "A2 Pro": 0.65,
    "Reno12": 1.1,
}
# component -> (abbreviation, name, parts price and labour at tier 1.0, in yuan)
COMPONENTS = {
    "screen": ("SCR", "屏幕总成 Screen assembly", 899, 120),
    "battery": ("BAT", "电池 Battery", 199, 60),
    "camera": ("CAM", "后置摄像头 Rear camera", 399, 80),
    "charging_port": ("USB", "充电尾插 Charging port", 129, 50),
    "speaker": ("SPK", "扬声器 Speaker", 99, 50),
    "back_cover": ("BCV", "后盖 Back cover", 159, 40),
    "mainboard": ("MBD", "主板 Mainboard", 1599, 150),
}
TRADE_IN = {
    "like_new": Decimal("0.62"),
    "good": Decimal("0.50"),
    "fair": Decimal("0.36"),
    "poor": Decimal("0.18"),
}
LIST_PRICE = Decimal("2999")  # a tier-1.0 handset new, in yuan
PRICES_FROM = date(2025, 1, 1)
PRICES_REVISED = date(2026, 7, 1)  # screens dearer, batteries cheaper: the history shows it
# Which complaint texts point at which component.
FAULTS = {
    "screen": ("screen", "touch"),
    "battery_charging": ("battery", "battery_health"),
    "camera": ("camera", "camera"),
    "audio": ("speaker", "audio"),
}
WALK_IN_OUTLET = "beijing-01"


def model_code(name: str) -> str:
    return name.lower().replace(" ", "")


def part_number(model: str, component: str) -> str:
    return f"{model_code(model).upper()}-{COMPONENTS[component][0]}-01"


def seed_catalogue() -> dict[str, dict[str, Part]]:
    """The demo models, their parts, two price lists and two trade-in tables. Returns parts by model and component."""
    catalogue: dict[str, dict[str, Part]] = {}
    for name, tier in TIERS.items():
        model = parts_services.device_model_add(
            actor=SYSTEM,
            code=model_code(name),
            name=name,
            parts=[(part_number(name, c), c, spec[1]) for c, spec in COMPONENTS.items()],
        )
        parts = {p.component: p for p in model.parts.all()}
        catalogue[model.code] = parts
        for component, (_abbr, _name, price, labour) in COMPONENTS.items():
            part = parts[component]
            if part.prices.exists():
                continue
            amount = Decimal(price * tier).quantize(Decimal("1"))
            repair_price_publish(
                actor=SYSTEM,
                part=part,
                parts_price=amount,
                labour_price=Decimal(labour),
                effective_from=PRICES_FROM,
            )
            change = {"screen": Decimal("1.08"), "battery": Decimal("0.90")}.get(component)
            if change is not None:
                repair_price_publish(
                    actor=SYSTEM,
                    part=part,
                    parts_price=(amount * change).quantize(Decimal("1")),
                    labour_price=Decimal(labour),
                    effective_from=PRICES_REVISED,
                )
        if model.trade_in_prices.exists():
            continue
        for condition, share in TRADE_IN.items():
            value = (LIST_PRICE * Decimal(str(tier)) * share).quantize(Decimal("1"))
            for effective_from, factor in ((PRICES_FROM, Decimal(1)), (PRICES_REVISED, Decimal("0.92"))):
                trade_in_price_publish(
                    actor=SYSTEM,
                    model_code=model.code,
                    condition=condition,
                    price=(value * factor).quantize(Decimal("1")),
                    effective_from=effective_from,
                )
    return catalogue


def seed_depots_and_stock(catalogue: dict[str, dict[str, Part]], rng: random.Random) -> int:
    """A depot per province of the demo network and opening stock everywhere. Returns the stock rows made."""
    outlets = list(Outlet.objects.order_by("code").only("code", "province", "province_adcode", "lat", "lon"))
    for outlet in outlets:
        prefix = outlet.province_adcode[:2]
        parts_services.depot_add(
            actor=SYSTEM,
            code=f"depot-{prefix}",
            name=f"{outlet.province}区域仓",
            region_adcode=prefix,
            lat=outlet.lat,
            lon=outlet.lon,
            transit_hours=24 if prefix in ("11", "31", "44") else 36,
        )
    every_part = [part for parts in catalogue.values() for part in parts.values()]
    rows: list[tuple[str, str, Part, int]] = []
    for depot in Depot.objects.order_by("code"):
        rows += [(Location.DEPOT, depot.code, part, rng.randint(20, 60)) for part in every_part]
    models = sorted(catalogue)
    for outlet in outlets:
        # An outlet stocks the parts of the models most asked for around it, not of every model.
        stocked = models if outlet.code == WALK_IN_OUTLET else rng.sample(models, 5)
        for code in stocked:
            for part in catalogue[code].values():
                quantity = (
                    rng.choice([0, 1, 2, 3, 4, 5, 8]) if part.component != "mainboard" else rng.choice([0, 1])
                )
                if outlet.code == WALK_IN_OUTLET and part.component in ("battery", "back_cover", "speaker"):
                    quantity = 30  # the counter's own shelf: lightning service needs it
                rows.append((Location.OUTLET, outlet.code, part, quantity))
    return parts_services.stock_load(actor=SYSTEM, rows=rows)


def seed_repairs(*, count: int, staff: dict[str, User], seed: int = 2026, days: int = 30) -> int:
    """`count` complaints over the last `days` days, taken through repair orders as far as their age allows.

    About one in six is a walk-in at the counter of beijing-01 (lightning service).
    Returns the number of repair orders made.
    """
    rng = random.Random(seed)
    catalogue = seed_catalogue()
    with transaction.atomic():
        seed_depots_and_stock(catalogue, rng)
        centres = list(
            Outlet.objects.filter(kind=Outlet.Kind.SERVICE_CENTRE)
            .exclude(code=WALK_IN_OUTLET)
            .order_by("code")
        )
        technician = staff_actor(staff["tech1"])
        counter = staff_actor(staff["outlet-tech1"])
        walk_in_outlet = Outlet.objects.filter(code=WALK_IN_OUTLET).first()
        start = clock.now() - timedelta(days=days)
        made = 0
        for index in range(count):
            at = start + timedelta(seconds=rng.randrange(days * 86400 - 7200))
            model = rng.choice(MODELS)
            try:
                if walk_in_outlet is not None and index % 6 == 0:
                    _walk_in(counter, walk_in_outlet, model, at, rng, index)
                else:
                    _repair(technician, rng.choice(centres), model, catalogue, at, rng, index)
                made += 1
            except DomainError:
                continue  # a step the data did not allow (a part short everywhere): the order stops there
        return made


def _phone(rng: random.Random, index: int) -> str:
    return f"1{rng.choice(['35', '38', '39', '58', '86', '88'])}{index:04d}{rng.randrange(10**4):04d}"


def _when(moment: datetime) -> Any:
    return clock.travel_to(moment)


def _repair(
    actor: Actor,
    outlet: Outlet,
    model: str,
    catalogue: dict[str, dict[str, Part]],
    at: datetime,
    rng: random.Random,
    index: int,
) -> None:
    category = rng.choice(list(FAULTS))
    component, check = FAULTS[category]
    texts = [t for t in PHRASES[category] if not t.isascii()]
    bought = (at - timedelta(days=rng.randrange(20, 900))).date()
    submission = Submission(
        channel="outlet",
        text=rng.choice(texts),
        name=rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
        phone=_phone(rng, index),
        city=outlet.city,
        imei=_imei(rng),
        device_model=model,
        purchase_date=bought,
    )
    now = clock.now()
    with _when(at):
        complaint = complaint_submit(actor=actor, submission=submission).complaint
    steps = _Steps(at, now)
    order = steps.run(
        lambda: services.repair_order_open(
            actor=actor, complaint=complaint, outlet=outlet, model_code=model_code(model)
        ),
        minutes=20,
    )
    if order is None:
        return
    checks = [
        services.CheckResult(kind="battery_health", value=rng.randint(68, 99)),
        services.CheckResult(kind="moisture", passed=rng.random() > 0.05),
    ]
    if check == "touch":
        checks.append(services.CheckResult(kind="touch", passed=False, count=rng.choice([1, 2, 3, 3, 4])))
    elif check in ("camera", "audio"):
        checks.append(services.CheckResult(kind=check, passed=False))
    order = steps.run(
        lambda: services.repair_order_record_checks(actor=actor, order=order, checks=checks), minutes=15
    )
    part = catalogue[model_code(model)][component]
    diagnosed = steps.run(
        lambda: services.repair_order_diagnose(
            actor=actor,
            order=order,
            diagnosis=f"检测确认{part.name.split()[0]}故障,需更换",
            items=[services.ItemRequest(part=part.number)],
        ),
        minutes=10,
    )
    quoted = diagnosed and steps.run(
        lambda: services.repair_order_quote(actor=actor, order=diagnosed), minutes=90
    )
    if not quoted:
        return
    if rng.random() < 0.05:
        steps.run(
            lambda: services.repair_order_refuse(actor=actor, order=quoted, reason="客户觉得价格太高"),
            minutes=1,
        )
        return
    order = quoted
    if parts_available(outlet, part) < 1:
        waited = steps.run(lambda: waiting.repair_order_wait_for_parts(actor=actor, order=order), minutes=180)
        if waited is None:
            return
        for transfer in Transfer.objects.filter(holder=order.holder, state="requested"):
            if (
                steps.run(
                    lambda t=transfer: parts_services.transfer_ship(actor=actor, transfer=t),
                    minutes=rng.randint(18, 30) * 60,
                )
                is None
            ):
                return
            if (
                steps.run(
                    lambda t=transfer: waiting.transfer_receive_for_repairs(actor=actor, transfer=t),
                    minutes=30,
                )
                is None
            ):
                return
        order = RepairOrder.objects.get(pk=order.pk)
    agreement = agreement_current(at=at)
    for step, minutes in (
        (lambda: services.repair_order_approve(actor=actor, order=order, quote=order.quote_digest), 5),
        (
            lambda: services.repair_order_accept_agreement(
                actor=actor, order=order, version=agreement.version if agreement else "-"
            ),
            30,
        ),
        (lambda: services.repair_order_start(actor=actor, order=order), rng.randint(120, 1440)),
        (lambda: services.repair_order_complete(actor=actor, order=order), rng.randint(60, 600)),
        (lambda: services.repair_order_return(actor=actor, order=order), 1),
    ):
        if steps.run(step, minutes=minutes) is None:
            return


def parts_available(outlet: Outlet, part: Part) -> int:
    from aftersales.parts.selectors import stock_available

    return stock_available(location_kind=Location.OUTLET, location_code=outlet.code, part=part)


class _Steps:
    """Runs steps at increasing past moments; stops (returns None) once a step would fall in the future."""

    def __init__(self, start: datetime, now: datetime) -> None:
        self.moment = start
        self.now = now

    def run(self, step: Any, *, minutes: int) -> Any:
        if self.moment >= self.now:
            return None
        with _when(self.moment):
            result = step()
        self.moment += timedelta(minutes=minutes)
        return result


def _imei(rng: random.Random) -> str:
    from aftersales.demo.seed import make_imei

    return make_imei(rng)


def _walk_in(actor: Actor, outlet: Outlet, model: str, at: datetime, rng: random.Random, index: int) -> None:
    roll = rng.random()
    bought_days = rng.randrange(2, 15) if roll < 0.15 else rng.randrange(30, 700)
    failed: dict[str, dict[str, object]] = {}
    battery = rng.randint(82, 99)
    if roll < 0.15:
        failed["touch"] = {
            "passed": False,
            "count": 3,
        }  # young device, performance fault: express replacement
    elif roll < 0.65:
        battery = rng.randint(65, 79)  # worn battery: replaced on the spot
    elif roll < 0.8:
        failed["camera"] = {"passed": False}  # a camera: regular repair
    diagnostics = []
    for test in ("touch", "charge_current", "camera", "audio", "signal", "moisture", "visible_damage"):
        entry: dict[str, object] = {"test": test, "passed": True}
        if test == "touch":
            entry["count"] = 0
        if test == "charge_current":
            entry["value"] = rng.randint(1500, 2400)
        entry.update(failed.get(test, {}))
        diagnostics.append(entry)
    readout = {
        "imei": _imei(rng),
        "model": model,
        "os_version": rng.choice(["ColorOS 14.0.1", "ColorOS 13.1", "ColorOS 14.0"]),
        "battery_health": battery,
        "diagnostics": diagnostics,
    }
    now = clock.now()
    steps = _Steps(at, now)
    order = steps.run(
        lambda: lightning.repair_order_walk_in(
            actor=actor,
            outlet=outlet,
            readout=lightning.readout_parse(readout),
            walk_in=lightning.WalkIn(
                name=rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
                phone=_phone(rng, index),
                purchase_date=(at - timedelta(days=bought_days)).date(),
            ),
        ),
        minutes=rng.randint(8, 25),
    )
    if order is None:
        return
    if order.lightning_route == "express_replacement":
        replaced = steps.run(
            lambda: lightning.repair_order_replace_device(actor=actor, order=order, imei=_imei(rng)),
            minutes=rng.randint(10, 30),
        )
        if replaced is not None:
            steps.moment = steps.moment + timedelta(hours=rng.randint(4, 40))
            steps.run(lambda: services.repair_order_return(actor=actor, order=order), minutes=1)
        return
    if order.lightning_route == "on_spot" and order.state == "received":
        steps.run(
            lambda: services.repair_order_hand_back(actor=actor, order=order, reason="系统设置指导,现场恢复"),
            minutes=1,
        )
        return
    if order.lightning_route != "on_spot":
        return  # regular repairs from the counter wait for the workshop
    agreement = agreement_current(at=at)
    for step, minutes in (
        (lambda: services.repair_order_approve(actor=actor, order=order, quote=order.quote_digest), 2),
        (
            lambda: services.repair_order_accept_agreement(
                actor=actor, order=order, version=agreement.version if agreement else "-"
            ),
            3,
        ),
        (lambda: services.repair_order_start(actor=actor, order=order), rng.choice([20, 25, 30, 45, 75])),
        (lambda: services.repair_order_complete(actor=actor, order=order), 5),
        (lambda: services.repair_order_return(actor=actor, order=order), 1),
    ):
        if steps.run(step, minutes=minutes) is None:
            return

"""A small catalogue: one device model with original parts, and stock at an outlet."""

from dataclasses import dataclass

from aftersales.accounts.actors import SYSTEM
from aftersales.parts.models import Component, Depot, DeviceModel, Location, Part, Stock
from aftersales.parts.services import stock_receive

SCREEN, BATTERY, CAMERA = "RN10-SCR-01", "RN10-BAT-01", "RN10-CAM-01"


@dataclass
class Catalogue:
    model: DeviceModel
    screen: Part
    battery: Part
    camera: Part


def make_catalogue(code: str = "reno10") -> Catalogue:
    model, _ = DeviceModel.objects.get_or_create(code=code, defaults={"name": "Reno10"})
    prefix = code.upper()[:2] + code[-2:]
    parts = {}
    for component, number, name in (
        (Component.SCREEN, SCREEN, "屏幕总成 Screen assembly"),
        (Component.BATTERY, BATTERY, "电池 Battery"),
        (Component.CAMERA, CAMERA, "后置摄像头 Rear camera"),
    ):
        if code != "reno10":
            number = number.replace("RN10", prefix)
        parts[component], _ = Part.objects.get_or_create(
            number=number, defaults={"model": model, "component": component, "name": name}
        )
    return Catalogue(model, parts[Component.SCREEN], parts[Component.BATTERY], parts[Component.CAMERA])


def stock_up(outlet_code: str, part: Part, quantity: int) -> Stock:
    return stock_receive(
        actor=SYSTEM,
        location_kind=Location.OUTLET,
        location_code=outlet_code,
        part_number=part.number,
        quantity=quantity,
    )


def make_depot(code: str = "gd-depot", region: str = "44", transit_hours: int = 24) -> Depot:
    """The Guangdong regional depot (Guangzhou) unless told otherwise."""
    depot, _ = Depot.objects.get_or_create(
        code=code,
        defaults={
            "name": f"区域仓 {code}",
            "region_adcode": region,
            "lat": 23.1291,
            "lon": 113.2644,
            "transit_hours": transit_hours,
        },
    )
    return depot


def stock_depot(depot: Depot, part: Part, quantity: int) -> Stock:
    return stock_receive(
        actor=SYSTEM,
        location_kind=Location.DEPOT,
        location_code=depot.code,
        part_number=part.number,
        quantity=quantity,
    )

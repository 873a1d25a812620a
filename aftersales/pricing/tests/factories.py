from datetime import date
from decimal import Decimal

from aftersales.accounts.actors import SYSTEM
from aftersales.parts.models import Part
from aftersales.pricing.models import RepairPrice
from aftersales.pricing.services import repair_price_publish


def publish(
    part: Part, parts_price: str, labour_price: str, effective_from: date = date(2024, 1, 1)
) -> RepairPrice:
    return repair_price_publish(
        actor=SYSTEM,
        part=part,
        parts_price=Decimal(parts_price),
        labour_price=Decimal(labour_price),
        effective_from=effective_from,
    )

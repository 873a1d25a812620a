"""What the parts API takes and returns."""

from datetime import datetime

from ninja import Field, Schema


class AvailabilityIn(Schema):
    model: str = Field(..., min_length=1, max_length=40)
    part: str = Field("", max_length=40, description="a part number or a component (screen, battery...)")
    lat: str = Field(..., max_length=32, description="decimal degrees, WGS-84")
    lon: str = Field(..., max_length=32, description="decimal degrees, WGS-84")
    radius_km: str = Field("", max_length=16, description="default 50, at most 300")


class NearOutletOut(Schema):
    outlet: str
    name: str
    distance_km: float
    in_stock: bool


class PartAvailabilityOut(Schema):
    part: str
    component: str
    component_label: str
    name: str
    outlets_in_stock: int
    nearest: list[NearOutletOut]


class AvailabilityOut(Schema):
    """Public: counts of outlets and yes/no per outlet; never how many parts an outlet holds."""

    model: str
    radius_km: float
    parts: list[PartAvailabilityOut]


class TransferIn(Schema):
    part: str = Field(..., min_length=1, max_length=40)
    quantity: int
    source: str = Field(..., min_length=3, max_length=48, description='"depot:<code>" or "outlet:<code>"')
    destination: str = Field(..., min_length=1, max_length=40, description="the receiving outlet's code")
    expected_arrival: datetime | None = None


class TransferOut(Schema):
    number: str
    part: str
    quantity: int
    source: str
    destination: str
    state: str
    allowed_actions: list[str]
    expected_arrival: datetime
    holder: str
    requested_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    reason: str


class CancelIn(Schema):
    reason: str = Field("", max_length=500)


class StockLineOut(Schema):
    part: str
    name: str
    model: str
    on_hand: int
    reserved: int
    available: int
    in_transit: int
    low: bool


class EmergencyIn(Schema):
    region: str = Field(..., max_length=6, description="adcode prefix: 44 Guangdong, 4403 Shenzhen")
    starts_at: datetime
    ends_at: datetime | None = None
    reason_zh: str = Field(..., max_length=200)
    reason_en: str = Field(..., max_length=200)


class EmergencyOut(Schema):
    id: int
    region_adcode: str
    starts_at: datetime
    ends_at: datetime | None
    reason_zh: str
    reason_en: str

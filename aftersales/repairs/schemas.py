"""What the repair API takes and returns (staff of the order's outlet and central staff)."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import StrictBool

from aftersales.common.schemas import DictSchema

CheckKindIn = Literal[
    "touch", "battery_health", "charge_current", "camera", "audio", "signal", "moisture", "visible_damage"
]


class OpenIn(Schema):
    complaint: str = Field(..., min_length=1, max_length=32)
    outlet: str = Field(..., min_length=1, max_length=40)
    model: str = Field(..., min_length=1, max_length=40)
    engineer: str | None = Field(None, max_length=150, description="username; default: the caller")
    damage_date: date | None = None
    unauthorised_repair: bool = False


class CheckIn(Schema):
    kind: CheckKindIn
    passed: StrictBool | None = None  # JSON true/false only: "yes" is not a result
    count: int | None = Field(None, description="touch: abnormal results in a row")
    value: int | None = Field(None, description="battery_health: percent; charge_current: mA")
    note: str = Field("", max_length=500)


class ChecksIn(Schema):
    checks: list[CheckIn] = Field(..., min_length=1, max_length=20)


class ItemIn(Schema):
    part: str = Field(..., min_length=1, max_length=40)
    quantity: int = 1


class DiagnosisIn(Schema):
    diagnosis: str = Field(..., max_length=2000)
    items: list[ItemIn] = Field(..., min_length=1, max_length=20)


class ApprovalIn(Schema):
    quote: str = Field(..., min_length=1, max_length=64, description="the digest of the quote shown")


class AgreementIn(Schema):
    version: str = Field(..., min_length=1, max_length=20)


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class CompletionIn(Schema):
    parts_used: list[str] | None = Field(None, max_length=20)


class CheckOut(Schema):
    kind: str
    passed: bool | None
    count: int | None
    value: int | None
    note: str
    at: datetime


class ItemOut(Schema):
    position: int
    part: str
    component: str
    name: str
    quantity: int
    coverage: str
    covers_parts: bool
    covers_labour: bool
    reasons: list[dict[str, Any]]


class ReservationOut(Schema):
    part: str
    quantity: int
    state: str


class RepairEventOut(Schema):
    seq: int
    at: datetime
    actor: str
    step: str
    payload: dict[str, Any]


class AgreementOut(Schema):
    version: str
    effective_from: datetime
    sha256: str
    text_zh: str
    text_en: str


class RepairOrderOut(Schema):
    number: str
    complaint: str
    outlet: str
    model: str
    state: str
    allowed_actions: list[str]
    engineer_employee_id: str
    reported_on: date
    damage_date: date | None
    unauthorised_repair: bool
    diagnosis: str
    warranty_rules_from: date | None
    checks: list[CheckOut]
    items: list[ItemOut]
    quote_lines: list[dict[str, Any]]
    quote_total: str | None
    quote: str
    quoted_on: date | None
    approved_at: datetime | None
    agreement_version: str | None
    agreement_sha256: str
    agreement_accepted_at: datetime | None
    reservations: list[ReservationOut]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    served_from: str
    parts_expected_at: datetime | None
    walk_in: bool
    lightning_route: str
    readout: dict[str, Any]
    express_due_at: datetime | None
    events: list[RepairEventOut]


class CustomerQuoteOut(Schema):
    """What the customer sees before approving: the itemised quote and the agreement to sign."""

    number: str
    state: str
    quote_lines: list[dict[str, Any]]
    quote_total: str | None
    quote: str
    quoted_on: date | None
    agreement_version: str | None


class WaitForPartsIn(Schema):
    source: str = Field(
        "",
        max_length=48,
        description='"depot:<code>" or "outlet:<code>"; default: the outlet\'s regional depot',
    )


class ReplacementIn(Schema):
    imei: str = Field(..., max_length=64, description="the replacement device's IMEI")


class WalkInIn(Schema):
    """What the store terminal posts. `readout` is checked field by field (repairs.lightning.readout_parse)."""

    outlet: str = Field(..., min_length=1, max_length=40)
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    description: str = Field("", max_length=2000)
    purchase_date: date | None = None
    purchase_channel: str = Field("", max_length=50)
    language: str = Field("zh-hans", max_length=8)
    # The counter staff's note (internal: the customer does not see it).
    note: str = Field("", max_length=2000)
    readout: dict[str, Any]


class LightningShareOut(Schema):
    outlet: str
    walk_ins: int
    solved_on_spot: int
    share: float | None
    express_replacements: int


class WalkInReadoutOut(DictSchema):
    """The store terminal's read-out of a walk-in complaint, for staff (repairs.selectors)."""

    order: str
    outlet: str
    # on_spot | express_replacement | regular: what the counter does (warranty.express).
    route: str
    at: datetime
    model: str
    os_version: str
    battery_health: int  # percent, 0-100
    diagnostics: list[dict[str, Any]]
    # The counter staff's note, None when none was given or it was erased.
    counter_note: str | None = None

"""What the public outlet endpoints take and give. The public schema lists every field that
leaves; staff-only fields (notes, team, rating sums) have no place in it."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class NearestIn(Schema):
    """A point (lat and lon), or a free-text address resolved offline, with `city` as a hint."""

    lat: Latitude | None = None
    lon: Longitude | None = None
    address: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=50)
    limit: int = Field(5, ge=1, le=50)
    open_now: bool = False
    speciality: str | None = Field(None, max_length=40)
    category: str | None = Field(None, max_length=40)
    max_queue: int | None = Field(None, ge=0, le=10_000)
    max_wait_minutes: int | None = Field(None, ge=0, le=10_000)


class TopIn(Schema):
    city: str = Field(..., max_length=50)
    limit: int = Field(3, ge=1, le=10)


class VerifyIn(Schema):
    q: str = Field(..., max_length=100)


class PhoneOut(Schema):
    number: str
    e164: str | None
    valid: bool


class SpecialityOut(Schema):
    code: str
    name: str


class RatingOut(Schema):
    score: float
    count: int


class LaneOut(Schema):
    waiting: int
    wait_minutes: int


class QueueOut(Schema):
    urgent: LaneOut
    normal: LaneOut


class AuthorisationOut(Schema):
    status: str
    in_force: bool
    authorised_from: date | None
    authorised_until: date | None


class OutletPublicOut(Schema):
    code: str
    name: str
    brand: str
    kind: str
    address: str
    province: str
    province_adcode: str
    city: str
    city_adcode: str
    district: str
    district_adcode: str
    lat: float
    lon: float
    phones: list[PhoneOut]
    hours: str
    timezone: str
    open_now: bool
    specialities: list[SpecialityOut]
    rating: RatingOut
    capacity_per_day: int
    queue: QueueOut
    uscc: str
    authorisation: AuthorisationOut


class NearbyOutletOut(OutletPublicOut):
    distance_m: int


class VerifyOut(Schema):
    query_kind: str
    verdict: str
    outlets: list[OutletPublicOut]


class DispatchIn(Schema):
    """Staff send a complaint to an outlet: the one named, or the best near the customer's location."""

    outlet: str | None = Field(None, max_length=40)
    reason: str = ""
    # Strict: a JSON number, not a string or true.
    lat: float | None = Field(None, strict=True, allow_inf_nan=False)
    lon: float | None = Field(None, strict=True, allow_inf_nan=False)


class DispatchedOutletOut(Schema):
    code: str
    name: str
    address: str
    city: str


class DispatchOut(Schema):
    """Staff only: where the complaint went and why (`reason_text` in the caller's language)."""

    number: str
    outlet: DispatchedOutletOut
    team: str
    at: datetime
    automatic: bool
    basis: str
    speciality: str | None
    distance_m: int | None
    waiting: int
    capacity_left: int | None
    reason: str
    reason_text: str
    inspect_due_at: datetime | None


class LaneStateOut(Schema):
    waiting: int
    issued: int
    served: int
    wait_minutes: int


class QueueStateOut(Schema):
    outlet: str
    urgent: LaneStateOut
    normal: LaneStateOut


class LaneIn(Schema):
    lane: str = Field(..., max_length=8)


class ServeIn(Schema):
    lane: str | None = Field(None, max_length=8)


class TicketOut(Schema):
    """A ticket issued or called, and the outlet's queue right after."""

    lane: str
    ticket: int
    queue: QueueStateOut

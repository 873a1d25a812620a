from datetime import datetime

from ninja import Field, Schema

from aftersales.intake.channels.hotline.services import TEXT_LIMITS


class CallIn(Schema):
    """One call as the call-centre system posts it (multipart/form-data; docs/channels.md)."""

    call_id: str = Field(..., max_length=TEXT_LIMITS["call_id"])
    direction: str = Field(..., max_length=8)
    started_at: datetime
    ended_at: datetime
    customer_number: str = Field("", max_length=TEXT_LIMITS["customer_number"])
    agent: str = Field("", max_length=TEXT_LIMITS["agent"])
    queue: str = Field("", max_length=TEXT_LIMITS["queue"])
    dialled_number: str = Field("", max_length=TEXT_LIMITS["dialled_number"])
    transcript: str = ""
    complaint_number: str = Field("", max_length=32)
    complaint_text: str = ""
    name: str = ""
    imei: str = ""
    device_model: str = ""
    language: str = Field("zh-hans", max_length=8)


class CallOut(Schema):
    """What the call-centre system is told: the call's id with us and where it went."""

    id: int
    call_id: str
    replayed: bool
    queue: str
    priority: int
    after_hours: bool
    customer_known: bool
    complaint_number: str | None
    opened_complaint: bool
    recording_sha256: str
    call_back_due_at: datetime | None


class CallBackOut(Schema):
    id: int
    call: int
    queue: str
    priority: int
    due_at: datetime
    customer_phone: str
    complaint_number: str | None
    started_at: datetime


class LookupCustomerOut(Schema):
    id: int
    name: str
    phone: str
    is_senior: bool
    is_vip: bool
    language: str


class LookupComplaintOut(Schema):
    number: str
    state: str
    category: str
    priority: int
    channel: str
    subject: str
    created_at: datetime
    # The earliest deadline not yet met (breached ones included); None while paused or finished.
    deadline_at: datetime | None


class LookupMessageOut(Schema):
    complaint_number: str
    direction: str
    channel: str
    body: str
    created_at: datetime


class LookupCallOut(Schema):
    id: int
    direction: str
    queue: str
    started_at: datetime
    duration_seconds: int
    complaint_number: str | None
    has_recording: bool
    transcript: str


class LookupDeviceOut(Schema):
    imei: str
    model_name: str
    purchase_date: str | None
    warranty_ends_on: str | None


class CallerHistoryOut(Schema):
    """The screen pop: everything about the caller across channels (masked for outlet staff)."""

    phone: str
    masked: bool
    customer: LookupCustomerOut | None
    complaints: list[LookupComplaintOut]
    messages: list[LookupMessageOut]
    calls: list[LookupCallOut]
    devices: list[LookupDeviceOut]

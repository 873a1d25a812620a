from datetime import date

from ninja import Schema

from aftersales.complaints.schemas import DeadlineOut


class ComplaintSubmitIn(Schema):
    channel: str = "web"
    text: str
    subject: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "zh-hans"
    city: str = ""
    imei: str = ""
    device_model: str = ""
    purchase_date: date | None = None
    purchase_channel: str = ""


class SelfHelpOut(Schema):
    article: str
    title: str
    steps: list[str]
    rules: list[str]


class ComplaintReceiptOut(Schema):
    number: str
    state: str
    level: str
    priority: int
    category: str
    category_confidence: float
    triage_reasons: list[dict[str, str]]
    deadlines: list[DeadlineOut]
    tracking_token: str
    tracking_url: str
    created: bool
    linked_to_existing: bool
    replayed: bool
    message: str
    # Self-check steps and the rules that apply, from the solution library.
    self_help: list[SelfHelpOut]

from datetime import date

from ninja import Field

from aftersales.common.schemas import DictSchema
from aftersales.complaints.schemas import DeadlineOut


class ComplaintSubmitIn(DictSchema):
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
    # The customer's location (WGS-84 degrees), both or neither: the complaint goes at once
    # to a suitable outlet nearby when it needs one; not stored.
    # Strict: a JSON number, not a string or true.
    lat: float | None = Field(None, strict=True, allow_inf_nan=False)
    lon: float | None = Field(None, strict=True, allow_inf_nan=False)
    # Ids of files uploaded first (POST /attachments), put on the complaint filed or joined.
    attachments: list[str] = []


class SelfHelpOut(DictSchema):
    article: str
    title: str
    steps: list[str]
    rules: list[str]


class ComplaintReceiptOut(DictSchema):
    """What the sender of a complaint is told.

    A sender who may see the complaint (they opened it, own it signed in, or are staff)
    gets its number, stage, level, deadlines and tracking link. A message that joined a
    customer's open complaint from an anonymous form gets none of these, only `message`
    saying it was added and how the complaint's owner follows it.
    """

    created: bool
    linked_to_existing: bool
    replayed: bool
    message: str
    number: str | None = None
    state: str | None = None
    level: str | None = None
    category: str | None = None
    deadlines: list[DeadlineOut] = []
    tracking_token: str | None = None
    tracking_url: str | None = None
    # Said at once when the text names a danger (policy pack: a triage rule's `advice`).
    advice: list[str] = []
    # Self-check steps and the rules that apply, from the solution library.
    self_help: list[SelfHelpOut] = []

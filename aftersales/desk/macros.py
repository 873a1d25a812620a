"""Reply templates (macros): their placeholders, checked when saved and filled when used.

A placeholder is a name in braces; nothing else in braces is read (no attributes, indexes or
format specs, so a template cannot reach into objects as `str.format` would). Doubled braces
write a brace. Filling happens on the server from the complaint as it is now: the customer's
name is read from the customer record at that moment, never stored in the template.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext

from aftersales.common.errors import ValidationFailed, problem
from aftersales.complaints.models import Complaint
from aftersales.desk.models import Macro

_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class Placeholder:
    name: str
    words: dict[str, str]  # {"zh-hans": ..., "en": ...}: what it stands for


PLACEHOLDERS = {
    p.name: p
    for p in (
        Placeholder("customer_name", {"zh-hans": "客户称呼", "en": "the customer's name"}),
        Placeholder("complaint_number", {"zh-hans": "投诉编号", "en": "the complaint number"}),
        Placeholder("deadline", {"zh-hans": "解决期限", "en": "the deadline to resolve it"}),
        Placeholder("outlet", {"zh-hans": "服务网点", "en": "the service outlet"}),
    )
}


def placeholders_in(body: str) -> list[str]:
    """The placeholder names `body` uses, in order of appearance (repeats kept once)."""
    found: list[str] = []
    for match in _FIELD.finditer(body):
        name = match.group(1)
        if name is not None and name not in found:
            found.append(name)
    return found


def macro_check(body: str, *, field: str = "body") -> None:
    """Raise ValidationFailed (`macro_placeholder_unknown`, naming it and the known ones) on the
    first placeholder not in PLACEHOLDERS; an empty `{}` counts as unknown."""
    for name in placeholders_in(body):
        if name not in PLACEHOLDERS:
            raise ValidationFailed(
                {
                    field: problem(
                        "macro_placeholder_unknown",
                        placeholder="{" + name + "}",
                        allowed=", ".join("{" + known + "}" for known in PLACEHOLDERS),
                    )
                }
            )


def macro_render(body: str, values: dict[str, str]) -> str:
    """`body` with each placeholder replaced by its value; checked first (macro_check)."""
    macro_check(body)

    def fill(match: re.Match[str]) -> str:
        text = match.group(0)
        if text in ("{{", "}}"):
            return text[0]
        return values[match.group(1)]

    return _FIELD.sub(fill, body)


def placeholder_values(*, complaint: Complaint) -> dict[str, str]:
    """Each placeholder's value for `complaint`, read now, in the active language.

    customer_name: the customer's name as recorded, else a polite form of address;
    deadline: the resolve deadline in Beijing time (2026-11-02 10:30), else "to be confirmed";
    outlet: the name of the outlet it is dispatched to, else "to be arranged".
    """
    from aftersales.desk.words import local_time
    from aftersales.network.selectors import dispatch_current

    name = (complaint.customer.name or "").strip()
    dispatch = dispatch_current(complaint_id=complaint.pk)
    return {
        "customer_name": name or gettext("customer"),
        "complaint_number": complaint.number,
        "deadline": local_time(complaint.resolve_due_at)
        if complaint.resolve_due_at
        else gettext("to be confirmed"),
        "outlet": dispatch.outlet.name if dispatch is not None else gettext("to be arranged"),
    }


def macros_for(*, language: str) -> list[Macro]:
    """The templates in use in `language`, by name; the other language's follow when missing."""
    rows = list(Macro.objects.filter(is_active=True).order_by("name", "language"))
    own = [m for m in rows if m.language == language]
    names = {m.name for m in own}
    return own + [m for m in rows if m.language != language and m.name not in names]

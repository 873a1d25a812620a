"""Outlets in the staff workspace. Saving goes through services.outlet_save, with the import's
checks, so an outlet edited here is one the finder and the export understand."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from aftersales.accounts.actors import staff_actor
from aftersales.common.errors import ValidationFailed
from aftersales.common.language import request_language
from aftersales.common.messages import message_text
from aftersales.network.models import Outlet, OutletEvent, OutletQueue
from aftersales.network.records import OUTLET_FIELDS, parse_outlet_row
from aftersales.network.services import outlet_save
from aftersales.policy.pack import current_pack


def _speciality_choices() -> list[tuple[str, str]]:
    pack = current_pack()
    return [(code, pack.label(s.labels, "zh-hans")) for code, s in pack.network.specialities.items()]


class OutletForm(forms.ModelForm):
    phones = forms.CharField(
        required=False, max_length=400, help_text="号码之间用 ; 分隔 (numbers separated by ;)"
    )
    specialities = forms.MultipleChoiceField(
        required=False, choices=_speciality_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Outlet
        fields = [name for name in OUTLET_FIELDS if name != "specialities"]
        help_texts = {
            "hours": "Mo-Fr 09:00-12:00,13:30-21:00; Sa 10:00-02:00; Su off  或  周一至周五 09:00-21:00;周日休息"
        }

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        if self.instance.pk:
            self.initial["phones"] = "; ".join(p.raw for p in self.instance.phones.order_by("position"))
            self.initial["specialities"] = list(self.instance.specialities)
        self.row: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        row: dict[str, Any] = {}
        for name in (*OUTLET_FIELDS, "phones"):
            value = data.get(name, getattr(self.instance, name, None) if name != "phones" else "")
            if isinstance(value, date):
                value = value.isoformat()
            row[name] = "" if value is None else value if isinstance(value, list) else str(value)
        _record, problems = parse_outlet_row(row, pack=current_pack())
        for column, issue in problems.items():
            text = message_text(issue.code, self.language, **issue.params)
            self.add_error(column if column in self.fields else None, text)
        self.row = row
        return data


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    form = OutletForm
    list_display = (
        "code",
        "name",
        "kind",
        "city",
        "district",
        "authorisation",
        "authorised_until",
        "capacity_per_day",
    )
    list_filter = ("kind", "authorisation", "province")
    search_fields = ("code", "name", "city", "address", "uscc")
    ordering = ("code",)
    show_full_result_count = False
    readonly_fields = (
        "team",
        "rating_count",
        "rating_sum",
        "queue_now",
        "recent_events",
        "created_at",
        "updated_at",
    )

    @admin.display(description="排队 Queue")
    def queue_now(self, obj: Outlet) -> str:
        lanes = OutletQueue.objects.filter(outlet=obj).order_by("lane")
        return "; ".join(
            f"{q.lane}: {q.waiting} waiting, {q.issued} issued, {q.served} served" for q in lanes
        )

    @admin.display(description="记录 History")
    def recent_events(self, obj: Outlet) -> str:
        events = OutletEvent.objects.filter(outlet=obj).order_by("-at", "-id")[:20]
        return format_html_join(
            mark_safe("<br>"), "{} {} {} {}", ((e.at, e.kind, e.actor, e.payload) for e in events)
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        language = request_language(request)

        class LocalisedForm(form):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, language=language, **inner)

        return LocalisedForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is the import key: changing it would make a second outlet of the same one.
        return (*self.readonly_fields, "code") if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Revoke an outlet's authorisation instead: complaints and its history refer to it.
        return False

    def save_model(self, request: HttpRequest, obj: Outlet, form: OutletForm, change: bool) -> None:
        try:
            saved = outlet_save(actor=staff_actor(request.user), row=form.row)  # type: ignore[arg-type]
        except ValidationFailed as error:  # checked in the form already; a race with an import
            raise ValueError(str(error)) from error
        obj.pk = saved.pk
        obj.refresh_from_db()

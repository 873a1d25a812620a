"""The hotline in the admin, read-only: calls as pushed (recordings are played from the desk)."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from aftersales.intake.channels.hotline.models import Call, CallBack


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(_ReadOnly):
    list_display = ("started_at", "system", "call_id", "direction", "queue", "after_hours", "complaint")
    list_filter = ("system", "direction", "queue", "after_hours")
    list_select_related = ("complaint",)
    # The number, transcript and file are personal data: the desk shows them to those who may.
    exclude = ("customer_phone", "transcript", "recording")


@admin.register(CallBack)
class CallBackAdmin(_ReadOnly):
    list_display = ("due_at", "priority", "call", "done_at", "done_by")
    list_filter = ("priority",)
    list_select_related = ("call", "done_by")

"""The e-mail channel in the staff workspace, read-only: what came in, what went out, and why."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from aftersales.intake.channels.email.models import MailAttachment, ReceivedMail, SentMail


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ReceivedMail)
class ReceivedMailAdmin(_ReadOnly):
    list_display = ("received_at", "source", "outcome", "reason", "complaint", "size")
    list_filter = ("outcome", "reason", "source")
    list_select_related = ("complaint",)


@admin.register(SentMail)
class SentMailAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "state", "attempts", "complaint", "last_error")
    list_filter = ("state", "kind")
    list_select_related = ("complaint",)


@admin.register(MailAttachment)
class MailAttachmentAdmin(_ReadOnly):
    list_display = ("name", "content_type", "size", "refused", "complaint")
    list_filter = ("refused", "content_type")
    list_select_related = ("complaint",)

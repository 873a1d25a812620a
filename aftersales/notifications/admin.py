"""The outbox in the admin, for administrators only and read-only: what is queued, sent or failed, and why.

Rows carry no address or text (those are read when a message is sent), so showing them
discloses whom a message was for by reference only.
"""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from aftersales.accounts.roles import Role
from aftersales.notifications.models import OutboxMessage


def _is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == Role.ADMIN))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "reason",
        "recipient",
        "complaint_id",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "channel", "reason")
    search_fields = ("=complaint_id", "=key", "=reference")
    ordering = ("-created_at", "-pk")
    date_hierarchy = "created_at"
    show_full_result_count = False  # a large outbox: no COUNT(*) of every filter

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

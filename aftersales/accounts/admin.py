from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import (
    Customer,
    DataExport,
    ErasureRequest,
    LegalHold,
    PersonalDataAccess,
    RetentionRun,
    User,
)
from aftersales.accounts.roles import Role


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "employee_id", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Service organisation", {"fields": ("role", "team", "employee_id")}),
    )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("pk", "name", "phone", "email", "city", "is_senior", "is_vip", "created_at")
    list_filter = ("is_senior", "is_vip", "language")
    search_fields = ("phone", "email", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # Outlet staff see a customer only through a complaint dispatched to their outlet;
        # searching (by phone, e-mail or name) looks only among those.
        from aftersales.complaints.selectors import narrow_to_staff_view

        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return narrow_to_staff_view(staff_actor(request.user), queryset, through="customer_id")  # type: ignore[arg-type]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ):  # type: ignore[no-untyped-def]
        """A customer looked up in the workspace: the access log records who, and why (?why=)."""
        from aftersales.accounts.privacy.services import access_record

        response = super().change_view(request, object_id, form_url, extra_context)
        customer = self.get_object(request, object_id)
        if customer is not None and response.status_code == 200 and request.method == "GET":
            access_record(
                actor=staff_actor(request.user),  # type: ignore[arg-type]
                customer_ids=[customer.pk],
                purpose=PersonalDataAccess.Purpose.CUSTOMER_LOOKUP,
                subject=f"customer:{customer.pk}",
                reason=request.GET.get("why", ""),
            )
        return response

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[no-untyped-def]
        """A search for customers (by phone, e-mail or name) is a lookup: each customer listed is logged."""
        from aftersales.accounts.privacy.services import access_record

        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if request.GET.get("q") and changelist is not None:
            access_record(
                actor=staff_actor(request.user),  # type: ignore[arg-type]
                customer_ids=[customer.pk for customer in changelist.result_list],
                purpose=PersonalDataAccess.Purpose.CUSTOMER_LOOKUP,
                subject="customer search",
                reason=request.GET.get("why", ""),
            )
        return response

    @admin.action(description="请求删除个人信息 Request erasure (after the cooling-off period)")
    def request_erasure(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        from aftersales.accounts.privacy.services import erasure_request
        from aftersales.common.errors import DomainError
        from aftersales.common.messages import message_text

        actor = staff_actor(request.user)  # type: ignore[arg-type]
        for customer in queryset.order_by("pk"):
            try:
                erasure = erasure_request(
                    customer=customer, actor=actor, reason=f"admin action by {actor.ref}"
                )
            except DomainError as error:
                self.message_user(
                    request,
                    f"customer #{customer.pk}: {message_text(error.code, 'en', **error.params)}",
                    level="error",
                )
            else:
                self.message_user(
                    request,
                    f"customer #{customer.pk}: erasure request #{erasure.pk} due {erasure.due_at:%Y-%m-%d %H:%M}",
                )

    actions = ["request_erasure"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only: administrators read them, nobody edits them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == Role.ADMIN))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(_ReadOnlyAdmin):
    """PIPL: who among staff read whose personal data, when, and why where given."""

    list_display = ("at", "staff", "customer_id", "purpose", "subject", "reason")
    list_filter = ("purpose",)
    search_fields = ("=customer__id", "=staff__username", "subject")
    date_hierarchy = "at"
    list_select_related = ("staff",)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(_ReadOnlyAdmin):
    list_display = (
        "pk",
        "customer_id",
        "state",
        "requested_by",
        "requested_at",
        "due_at",
        "done_at",
        "held_by",
    )
    list_filter = ("state",)
    readonly_fields = ("outcome",)


@admin.register(LegalHold)
class LegalHoldAdmin(_ReadOnlyAdmin):
    list_display = ("pk", "customer_id", "kind", "reason", "ends_on", "placed_by", "released_at")
    list_filter = ("kind",)


@admin.register(RetentionRun)
class RetentionRunAdmin(_ReadOnlyAdmin):
    list_display = ("ran_at", "actor", "purged", "unstored_kinds")


@admin.register(DataExport)
class DataExportAdmin(_ReadOnlyAdmin):
    list_display = (
        "pk",
        "customer_id",
        "state",
        "requested_at",
        "built_at",
        "expires_at",
        "downloaded_at",
        "size",
    )
    list_filter = ("state",)
    exclude = ("token_hash", "archive")

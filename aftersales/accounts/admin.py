from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import Customer, User


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

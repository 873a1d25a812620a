from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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

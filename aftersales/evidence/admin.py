from django.contrib import admin

from aftersales.evidence.models import LedgerEntry, Seal, ServiceRecord, SigningKey, WipeCertificate


class ReadOnly(admin.ModelAdmin):
    """The ledger is append-only: the admin shows it and changes nothing."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def, override]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnly):
    list_display = ["id", "chain", "seq", "subject_kind", "subject_id", "position", "recorded_at"]
    search_fields = ["chain"]


@admin.register(Seal)
class SealAdmin(ReadOnly):
    list_display = ["number", "first_position", "last_position", "key_id", "sealed_at"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnly):
    list_display = ["key_id", "created_at", "retired_at"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnly):
    list_display = ["id", "complaint", "status", "content_sha256", "generated_at", "requested_by"]
    list_filter = ["status"]


@admin.register(WipeCertificate)
class WipeCertificateAdmin(ReadOnly):
    list_display = ["certificate_id", "imei", "method", "reason", "outlet", "engineer", "issued_at"]
    search_fields = ["imei", "certificate_id"]

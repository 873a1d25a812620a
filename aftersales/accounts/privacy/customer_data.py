"""What the accounts app holds about a customer: the record, identities, sign-in codes and their
throttle keys, erasure requests, exports; its eraser, exporter and retention purgers (registry.py).
"""

from datetime import datetime

from django.db.models import Q

from aftersales.accounts.models import (
    Customer,
    CustomerIdentity,
    DataExport,
    ErasureRequest,
    LegalHold,
    OneTimeCode,
    OtpThrottleKey,
    PersonalDataAccess,
)
from aftersales.accounts.privacy.registry import (
    DataSubject,
    ExportSections,
    PersonalDataSource,
    StoredFile,
    personal_data_source_register,
    retention_purger_register,
)


def _export(*, subject: DataSubject) -> ExportSections:
    customer = Customer.objects.get(pk=subject.customer_id)
    return {
        "customer": [
            {
                "id": customer.pk,
                "name": customer.name,
                "phone": customer.phone,
                "email": customer.email,
                "language": customer.language,
                "city": customer.city,
                "senior_care": customer.is_senior,
                "vip": customer.is_vip,
                "created_at": customer.created_at,
            }
        ],
        "identities": [
            {"kind": kind, "value": value, "created_at": created, "verified_at": verified}
            for kind, value, created, verified in CustomerIdentity.objects.filter(customer=customer)
            .order_by("pk")
            .values_list("kind", "value", "created_at", "verified_at")
        ],
        "sign_in_codes": [
            {"phone": phone, "sent_at": created, "used_at": used}
            for phone, created, used in OneTimeCode.objects.filter(phone__in=subject.phones)
            .order_by("pk")
            .values_list("phone", "created_at", "used_at")
        ],
        "erasure_requests": list(
            ErasureRequest.objects.filter(customer=customer)
            .order_by("pk")
            .values("id", "state", "requested_at", "due_at", "cancelled_at", "done_at")
        ),
        "legal_holds": list(
            LegalHold.objects.filter(customer=customer)
            .order_by("pk")
            .values("id", "kind", "reason", "ends_on", "placed_at", "released_at")
        ),
        # PIPL art. 44: who among staff read their data, and why where given.
        "access_log": [
            {"at": at, "purpose": purpose, "subject": what, "staff": f"staff:{staff}"}
            for at, purpose, what, staff in PersonalDataAccess.objects.filter(customer=customer)
            .order_by("at", "pk")
            .values_list("at", "purpose", "subject", "staff_id")
        ],
    }


def _erase(*, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]:
    customer_id = subject.customer_id
    client_hashes = set(
        OneTimeCode.objects.filter(phone__in=subject.phones)
        .exclude(client_hash="")
        .values_list("client_hash", flat=True)
    )
    codes, _ = OneTimeCode.objects.filter(phone__in=subject.phones).delete()
    keys, _ = OtpThrottleKey.objects.filter(
        Q(key__in=[f"phone:{phone}" for phone in subject.phones])
        | Q(key__in=[f"client:{client}" for client in client_hashes])
    ).delete()
    # Identities stay as rows (complaints point at them) with their value replaced by a marker.
    identities = 0
    for identity in CustomerIdentity.objects.filter(customer_id=customer_id).exclude(
        value__startswith="erased:"
    ):
        identity.value = f"erased:{identity.pk}"
        identity.verified_at = None
        identity.is_mobile = False
        identity.save(update_fields=["value", "verified_at", "is_mobile"])
        identities += 1
    exports = (
        DataExport.objects.filter(customer_id=customer_id)
        .exclude(archive="")
        .update(archive="", state=DataExport.State.EXPIRED)
    )
    # Setting erased_at also drops the customer's complaints from the search index (a trigger).
    Customer.objects.filter(pk=customer_id).update(
        name="", phone=None, email=None, city="", is_senior=False, is_vip=False, erased_at=at
    )
    return {
        "customer": 1,
        "identities": identities,
        "sign_in_codes": codes,
        "throttle_keys": keys,
        "exports": exports,
    }


def _files(*, subject: DataSubject) -> list[StoredFile]:
    return [
        StoredFile(storage_name=name, export_name=name.rsplit("/", 1)[-1])
        for name in DataExport.objects.filter(customer_id=subject.customer_id)
        .exclude(archive="")
        .values_list("archive", flat=True)
    ]


def purge_sign_in_codes(*, cutoff: datetime, now: datetime) -> int:
    """Sign-in codes sent before `cutoff` (the request limits look back an hour at most)."""
    deleted, _ = OneTimeCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def purge_throttle_keys(*, cutoff: datetime, now: datetime) -> int:
    """Throttle keys of phones and client addresses that asked for no code since `cutoff`."""
    recent = OneTimeCode.objects.filter(created_at__gte=cutoff)
    live = {f"phone:{phone}" for phone in recent.values_list("phone", flat=True)} | {
        f"client:{client}" for client in recent.exclude(client_hash="").values_list("client_hash", flat=True)
    }
    stale = OtpThrottleKey.objects.exclude(key__in=live).values_list("pk", flat=True)
    deleted, _ = OtpThrottleKey.objects.filter(pk__in=list(stale)).delete()
    return deleted


def purge_exports(*, cutoff: datetime, now: datetime) -> int:
    """Export archives past their download period (or downloaded): the files go, the rows stay."""
    from django.db import transaction

    from aftersales.accounts.privacy.services import _delete_files

    expired = DataExport.objects.filter(state=DataExport.State.READY, expires_at__lt=cutoff)
    names = list(expired.values_list("archive", flat=True))
    count = expired.update(state=DataExport.State.EXPIRED, archive="")
    transaction.on_commit(lambda: _delete_files([name for name in names if name]))
    return count


def purge_access_log(*, cutoff: datetime, now: datetime) -> int:
    deleted, _ = PersonalDataAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


def register() -> None:
    personal_data_source_register(
        PersonalDataSource(name="accounts", export=_export, erase=_erase, files=_files)
    )
    retention_purger_register("otp_codes", purge_sign_in_codes)
    retention_purger_register("otp_throttle_keys", purge_throttle_keys)
    retention_purger_register("data_exports", purge_exports)
    retention_purger_register("access_log", purge_access_log)

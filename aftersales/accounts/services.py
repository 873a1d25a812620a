import hashlib
import logging
import secrets
from datetime import timedelta

import phonenumbers
from django.core import signing
from django.db import transaction

from aftersales.accounts.actors import Actor, customer_actor
from aftersales.accounts.models import ApiToken, Customer, OneTimeCode, User
from aftersales.common import clock
from aftersales.common.errors import ValidationFailed, problem
from aftersales.common.models import fill_missing
from aftersales.policy.pack import current_pack

security_log = logging.getLogger("aftersales.security")

CUSTOMER_SESSION_PREFIX = "cs_"
STAFF_TOKEN_PREFIX = "st_"
CUSTOMER_SESSION_MAX_AGE = timedelta(days=30)
OTP_LIFETIME = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """E.164 form of a mobile number; numbers without a country code are read as Chinese."""
    try:
        parsed = phonenumbers.parse(raw, current_pack().default_region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed({field: problem("phone_invalid")}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed({field: problem("phone_invalid")})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def customer_find_or_create(
    *, phone: str | None, email: str | None, name: str, language: str, city: str = ""
) -> tuple[Customer, bool]:
    """The customer with this phone (else e-mail), created if new. Phone and e-mail are already valid."""
    customer = None
    if phone:
        customer = Customer.objects.filter(phone=phone).first()
    if customer is None and email:
        customer = Customer.objects.filter(email__iexact=email, erased_at__isnull=True).order_by("pk").first()
    if customer is not None:
        changed = fill_missing(customer, {"phone": phone, "email": email, "name": name})
        if changed:
            customer.save(update_fields=changed)
        return customer, False
    customer = Customer.objects.create(
        phone=phone or None,
        email=email or None,
        name=name,
        language=language,
        city=city,
        created_at=clock.now(),
    )
    return customer, True


def otp_request(*, phone: str) -> str:
    """Issue a sign-in code for `phone` and hand it to the SMS gateway. Returns the code (for the gateway)."""
    from aftersales.notifications.services import sms_send

    normalised = normalise_phone(phone)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    OneTimeCode.objects.create(
        phone=normalised,
        code_hash=sha256_hex(f"{normalised}:{code}"),
        created_at=now,
        expires_at=now + OTP_LIFETIME,
    )
    sms_send(phone=normalised, text=f"验证码 / code: {code}")
    return code


def otp_verify(*, phone: str, code: str) -> str:
    """Exchange a valid code for a customer session token (creating the customer if new)."""
    normalised = normalise_phone(phone)
    with transaction.atomic():
        # The attempt count must be committed even when the code is wrong.
        refusal = _otp_consume(phone=normalised, code=code)
    if refusal:
        raise ValidationFailed({"code": problem(refusal)})
    customer, _ = customer_find_or_create(phone=normalised, email=None, name="", language="zh-hans")
    return CUSTOMER_SESSION_PREFIX + signing.dumps({"c": customer.pk}, salt="customer-session")


def _otp_consume(*, phone: str, code: str) -> str | None:
    """Mark the pending code used if `code` matches; otherwise the reason for refusal."""
    now = clock.now()
    pending = (
        OneTimeCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if pending is None:
        return "otp_invalid"
    if pending.attempts >= OTP_MAX_ATTEMPTS:
        return "otp_too_many"
    if not secrets.compare_digest(pending.code_hash, sha256_hex(f"{phone}:{code}")):
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
        security_log.warning("wrong one-time code for a phone ending %s", phone[-4:])
        return "otp_invalid"
    pending.used_at = now
    pending.save(update_fields=["used_at"])
    return None


def customer_from_session_token(token: str) -> Actor | None:
    try:
        payload = signing.loads(
            token[len(CUSTOMER_SESSION_PREFIX) :],
            salt="customer-session",
            max_age=CUSTOMER_SESSION_MAX_AGE,
        )
    except signing.BadSignature:
        return None
    return customer_actor(int(payload["c"]))


def api_token_create(*, user: User, name: str = "") -> str:
    key = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=sha256_hex(key), created_at=clock.now())
    return key


def staff_from_api_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=sha256_hex(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token else None


WORKSPACE_GROUP = "service staff"
# What staff may open in the workspace (the admin). Writes still go through the services.
WORKSPACE_PERMISSIONS = {
    "complaints": ("view_complaint", "change_complaint"),
    "accounts": ("view_customer",),
    "devices": ("view_device",),
}


def staff_enable_workspace(*, user: User, password: str | None = None) -> User:
    """Let a staff member sign in to the workspace with the service-staff permissions."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=WORKSPACE_GROUP)
    wanted = Q()
    for app_label, codenames in WORKSPACE_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    user.groups.add(group)
    user.is_staff = True
    if password:
        user.set_password(password)
    user.save(update_fields=["is_staff", "password"])
    return user

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F

from aftersales.accounts.actors import Actor, customer_actor
from aftersales.accounts.models import ApiToken, Customer, CustomerIdentity, OneTimeCode, User
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


def phone_is_mobile(e164: str) -> bool:
    """Whether a valid E.164 number can receive a text message (phonenumbers' number type)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@dataclass(frozen=True)
class CustomerMatch:
    """Who a submission comes from, as intake files it.

    `contact` is the identity the complaint is filed under (the phone when one was given,
    else the e-mail address); `email` the e-mail address given with it, where the
    complaint's notifications go.
    """

    customer: Customer
    contact: CustomerIdentity
    email: CustomerIdentity | None
    created: bool


def customer_identify(
    *,
    phone: str | None,
    mobile: bool = False,
    email: str | None,
    name: str,
    language: str,
    city: str = "",
    signed_in: int | None = None,
) -> CustomerMatch:
    """Find or create the customer a submission comes from, keeping every contact it gives.

    `phone` is E.164 (`mobile` when it can receive a text), `email` already valid; at
    least one is given. `signed_in` is the id
    of a customer whose session sent the submission: the complaint is theirs whatever the
    form says. Otherwise the phone decides (a phone belongs to one customer); without a
    phone, the e-mail address (verified first, else the earliest claim). A phone or
    address the customer had not given before is added as a claimed identity, never
    dropped and never made their preferred contact (an anonymous form proves nothing).

    Safe under concurrency: two first submissions with one phone at the same moment
    make one customer (the loser of the insert race re-reads the winner's row).
    """
    now = clock.now()
    customer: Customer | None = None
    if signed_in is not None:
        customer = Customer.objects.get(pk=signed_in)
    elif phone:
        found = _identity(CustomerIdentity.Kind.PHONE, phone)
        customer = found.customer if found else None
    elif email:
        found = _identity(CustomerIdentity.Kind.EMAIL, email)
        customer = found.customer if found else None
    created = False
    if customer is None:
        customer, created = _customer_create(
            phone=phone, email=email, name=name, language=language, city=city, at=now
        )
    elif fill_missing(customer, {"name": name}):
        customer.save(update_fields=["name"])
    phone_identity = (
        _identity_claim(customer, CustomerIdentity.Kind.PHONE, phone, is_mobile=mobile, at=now)
        if phone
        else None
    )
    email_identity = _identity_claim(customer, CustomerIdentity.Kind.EMAIL, email, at=now) if email else None
    contact = phone_identity or email_identity
    if signed_in is not None:
        # Filed from a session: under the identity the customer signed in with.
        contact = (
            customer.identities.filter(verified_at__isnull=False).order_by("verified_at", "pk").first()
            or contact
        )
    if contact is None:
        raise ValidationFailed({"phone": problem("contact_missing")})
    return CustomerMatch(customer=customer, contact=contact, email=email_identity, created=created)


def _identity(kind: str, value: str) -> CustomerIdentity | None:
    """The identity that speaks for `value`: the verified one, else the earliest claim."""
    return (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=kind, value=value, customer__erased_at__isnull=True)
        .order_by(F("verified_at").asc(nulls_last=True), "pk")
        .first()
    )


def _customer_create(
    *, phone: str | None, email: str | None, name: str, language: str, city: str, at: datetime
) -> tuple[Customer, bool]:
    """A new customer; on a concurrent first contact with the same phone, the one that won."""
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                phone=phone or None,
                email=email or None,
                name=name,
                language=language,
                city=city,
                created_at=at,
            )
            if phone:
                CustomerIdentity.objects.create(
                    customer=customer, kind=CustomerIdentity.Kind.PHONE, value=phone, created_at=at
                )
            return customer, True
    except IntegrityError:
        if not phone:
            raise
        found = _identity(CustomerIdentity.Kind.PHONE, phone)
        if found is None:
            raise
        return found.customer, False


def _identity_claim(
    customer: Customer, kind: str, value: str, *, at: datetime, is_mobile: bool = False
) -> CustomerIdentity | None:
    """The customer's identity with this value, added as claimed (unverified) if new.

    None when the value is a phone that belongs to another customer: it stays theirs.
    """
    identity = CustomerIdentity.objects.filter(customer=customer, kind=kind, value=value).first()
    if identity is None:
        try:
            with transaction.atomic():
                return CustomerIdentity.objects.create(
                    customer=customer, kind=kind, value=value, is_mobile=is_mobile, created_at=at
                )
        except IntegrityError:
            return None
    if is_mobile and not identity.is_mobile:
        identity.is_mobile = True
        identity.save(update_fields=["is_mobile"])
    return identity


def customer_verify_phone(*, phone: str, at: datetime) -> Customer:
    """The customer whose phone `phone` (E.164) is, created if new, with that phone marked verified."""
    found = _identity(CustomerIdentity.Kind.PHONE, phone)
    customer = (
        found.customer
        if found
        else _customer_create(phone=phone, email=None, name="", language="zh-hans", city="", at=at)[0]
    )
    CustomerIdentity.objects.filter(
        customer=customer, kind=CustomerIdentity.Kind.PHONE, value=phone, verified_at__isnull=True
    ).update(verified_at=at, is_mobile=True)
    return customer


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
    customer = customer_verify_phone(phone=normalised, at=clock.now())
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

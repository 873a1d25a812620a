import hashlib
import ipaddress
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.crypto import salted_hmac

from aftersales.accounts.actors import Actor, customer_actor
from aftersales.accounts.models import ApiToken, Customer, OneTimeCode, OtpThrottleKey, User
from aftersales.accounts.phones import mobile_normalise, phone_masked, phone_normalise
from aftersales.common import clock
from aftersales.common.errors import DomainError, Throttled, ValidationFailed, problem
from aftersales.common.models import fill_missing

security_log = logging.getLogger("aftersales.security")

CUSTOMER_SESSION_PREFIX = "cs_"
STAFF_TOKEN_PREFIX = "st_"
CUSTOMER_SESSION_MAX_AGE = timedelta(days=30)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# The name intake imports; contact numbers may be landlines.
normalise_phone = phone_normalise


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


def otp_request(*, phone: str, client_address: str) -> str:
    """Issue a sign-in code for the mobile `phone` and hand it to the SMS gateway; returns the code.

    `client_address` is the requesting IP address (aftersales.common.client_address). Raises
    ValidationFailed({"phone": phone_invalid | phone_not_mobile}) for a number that cannot receive
    a text, and Throttled (429, Retry-After) when a limit is reached: otp_locked (too many wrong
    codes), otp_resend_too_soon, otp_phone_limit, otp_client_limit; with several, the one with the
    longest wait. Limits: settings.OTP_* (README, "Sign-in codes").
    """
    from aftersales.notifications.services import sms_send

    mobile = _sign_in_mobile(phone)
    client = client_hash(client_address)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        _throttle_lock(f"phone:{mobile}", f"client:{client}")
        # Read after the lock: a request that waited for it sees the code the other one created.
        now = clock.now()
        refusals = [
            refusal
            for refusal in (
                _attempts_lock(phone=mobile, now=now),
                _phone_limit(phone=mobile, now=now),
                _client_limit(client=client, now=now),
            )
            if refusal is not None
        ]
        if refusals:
            refusal = max(refusals, key=lambda each: each.retry_after)
            security_log.warning(
                "sign-in code refused for %s from client %s: %s, retry in %d s",
                phone_masked(mobile),
                client[:12],
                refusal.code,
                refusal.retry_after,
            )
            raise refusal
        OneTimeCode.objects.create(
            phone=mobile,
            code_hash=sha256_hex(f"{mobile}:{code}"),
            client_hash=client,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_LIFETIME_SECONDS),
        )
    # Sent once the code is committed and the rows unlocked: a refused request sends nothing.
    sms_send(phone=mobile, text=f"验证码 / code: {code}")
    return code


def otp_verify(*, phone: str, code: str) -> str:
    """Exchange a valid code for a customer session token (creating the customer if new).

    Only the phone's latest code counts, once, before it expires. Raises
    ValidationFailed({"phone": ...}) like otp_request, ValidationFailed({"code": otp_invalid}) for a
    wrong, used or expired code, and Throttled(otp_locked) once the phone has had
    settings.OTP_MAX_ATTEMPTS wrong codes within OTP_ATTEMPT_WINDOW_SECONDS, whichever codes they
    were typed against: asking for a new code does not reset them.
    """
    mobile = _sign_in_mobile(phone)
    with transaction.atomic():
        # Committed even when the code is wrong: the attempt must count.
        refusal = _otp_consume(phone=mobile, code=code)
    if refusal is not None:
        raise refusal
    customer, _ = customer_find_or_create(phone=mobile, email=None, name="", language="zh-hans")
    return CUSTOMER_SESSION_PREFIX + signing.dumps({"c": customer.pk}, salt="customer-session")


def _sign_in_mobile(raw: str) -> str:
    try:
        return mobile_normalise(raw)
    except ValidationFailed as failure:
        refused = failure.fields["phone"]
        if refused.code == "phone_not_mobile":
            security_log.warning(
                "sign-in refused: %s is not a mobile (%s)",
                phone_masked(phone_normalise(raw)),
                refused.params["number_type"],
            )
        raise


def _otp_consume(*, phone: str, code: str) -> DomainError | None:
    """Mark the phone's pending code used if `code` matches; otherwise the error to answer with."""
    if not _throttle_lock(f"phone:{phone}", create=False):
        return ValidationFailed({"code": problem("otp_invalid")})  # no code was ever sent to it
    now = clock.now()
    locked = _attempts_lock(phone=phone, now=now)
    if locked is not None:
        security_log.warning(
            "sign-in refused for %s: locked, retry in %d s", phone_masked(phone), locked.retry_after
        )
        return locked
    pending = (
        OneTimeCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if pending is None:
        return ValidationFailed({"code": problem("otp_invalid")})
    if not secrets.compare_digest(pending.code_hash, sha256_hex(f"{phone}:{code}")):
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
        security_log.warning("wrong sign-in code for %s", phone_masked(phone))
        locked = _attempts_lock(phone=phone, now=now)
        if locked is not None:
            security_log.warning("sign-in locked for %s after too many wrong codes", phone_masked(phone))
            return locked
        return ValidationFailed({"code": problem("otp_invalid")})
    pending.used_at = now
    pending.save(update_fields=["used_at"])
    return None


def client_hash(address: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a client address, under which its codes are counted.

    An IPv6 client counts by its /64 network, the block one subscriber is usually given (it can
    change the rest at will); an IPv4-mapped IPv6 address counts as the IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        bucket = address
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        bucket = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return salted_hmac("aftersales.accounts.otp-client", bucket, algorithm="sha256").hexdigest()


def _throttle_lock(*keys: str, create: bool = True) -> int:
    """Lock the throttle rows of `keys` until the transaction ends; returns how many there are.

    With `create`, missing rows are inserted first (a concurrent insert of the same key waits for
    the other transaction). Rows are locked in key order, so two requests never hold one each
    while waiting for the other's. On SQLite the write transaction (BEGIN IMMEDIATE) already
    serialises requests.
    """
    ordered = sorted(set(keys))
    if create:
        OtpThrottleKey.objects.bulk_create(
            [OtpThrottleKey(key=key) for key in ordered], ignore_conflicts=True
        )
    return len(list(OtpThrottleKey.objects.select_for_update().filter(key__in=ordered).order_by("key")))


def _wait_until(moment: datetime, now: datetime) -> float:
    return (moment - now).total_seconds()


def _attempts_lock(*, phone: str, now: datetime) -> Throttled | None:
    """otp_locked if the phone's codes from the attempt window were guessed wrong too often.

    The lock lasts until enough of those codes, oldest first, are older than the window.
    """
    window = timedelta(seconds=settings.OTP_ATTEMPT_WINDOW_SECONDS)
    guessed = list(
        OneTimeCode.objects.filter(phone=phone, created_at__gt=now - window, attempts__gt=0)
        .order_by("created_at")
        .values_list("created_at", "attempts")
    )
    wrong = sum(attempts for _, attempts in guessed)
    if wrong < settings.OTP_MAX_ATTEMPTS:
        return None
    for created_at, attempts in guessed:
        wrong -= attempts
        if wrong < settings.OTP_MAX_ATTEMPTS:
            return Throttled("otp_locked", retry_after=_wait_until(created_at + window, now))
    return None  # not reached: with every code gone there are no wrong attempts left


def _phone_limit(*, phone: str, now: datetime) -> Throttled | None:
    """otp_resend_too_soon within OTP_RESEND_SECONDS of the last code, otp_phone_limit at
    OTP_PHONE_MAX_CODES codes within OTP_PHONE_WINDOW_SECONDS."""
    resend = timedelta(seconds=settings.OTP_RESEND_SECONDS)
    window = timedelta(seconds=settings.OTP_PHONE_WINDOW_SECONDS)
    sent = list(
        OneTimeCode.objects.filter(phone=phone, created_at__gt=now - max(resend, window))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    limits = []
    if sent and sent[0] > now - resend:
        limits.append(Throttled("otp_resend_too_soon", retry_after=_wait_until(sent[0] + resend, now)))
    in_window = [created_at for created_at in sent if created_at > now - window]
    if len(in_window) >= settings.OTP_PHONE_MAX_CODES:
        # Another code may go once the code that keeps the count at the limit leaves the window.
        oldest_counted = in_window[settings.OTP_PHONE_MAX_CODES - 1]
        limits.append(Throttled("otp_phone_limit", retry_after=_wait_until(oldest_counted + window, now)))
    return max(limits, key=lambda each: each.retry_after, default=None)


def _client_limit(*, client: str, now: datetime) -> Throttled | None:
    """otp_client_limit at OTP_CLIENT_MAX_CODES codes from one client within OTP_CLIENT_WINDOW_SECONDS."""
    window = timedelta(seconds=settings.OTP_CLIENT_WINDOW_SECONDS)
    sent = list(
        OneTimeCode.objects.filter(client_hash=client, created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.OTP_CLIENT_MAX_CODES]
    )
    if len(sent) < settings.OTP_CLIENT_MAX_CODES:
        return None
    return Throttled("otp_client_limit", retry_after=_wait_until(sent[-1] + window, now))


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

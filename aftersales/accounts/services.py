import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.crypto import salted_hmac

from aftersales.accounts.actors import Actor, customer_actor
from aftersales.accounts.models import (
    IDENTITY_CLAIM_BUCKETS,
    ApiToken,
    Customer,
    CustomerIdentity,
    CustomerSession,
    IdentityClaimLock,
    OneTimeCode,
    OtpThrottleKey,
    User,
)
from aftersales.accounts.phones import mobile_normalise, phone_masked, phone_normalise
from aftersales.common import clock
from aftersales.common.errors import DomainError, Throttled, ValidationFailed, problem
from aftersales.common.models import fill_missing
from aftersales.common.prepared import PreparedRead
from aftersales.common.sql import row_insert_unless_taken, row_to_instance, select_columns
from aftersales.common.text import digits_typed
from aftersales.common.throttle import client_bucket

security_log = logging.getLogger("aftersales.security")

CUSTOMER_SESSION_PREFIX = "cs_"
STAFF_TOKEN_PREFIX = "st_"
CUSTOMER_SESSION_MAX_AGE = timedelta(days=30)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


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


# No savepoint inside the caller's transaction: nothing here catches a database error (a phone
# or platform id taken meanwhile is skipped by its INSERT, not refused), so there is nothing
# to roll back to; alone, it is its own transaction.
@transaction.atomic(savepoint=False)
def customer_identify(
    *,
    phone: str | None,
    mobile: bool = False,
    email: str | None,
    name: str,
    language: str,
    city: str = "",
    signed_in: int | None = None,
    channel_identity: tuple[str, str] | None = None,
) -> CustomerMatch:
    """Find or create the customer a submission comes from, keeping every contact it gives.

    `phone` is E.164 (`mobile` when it can receive a text), `email` already valid; at
    least one is given. `signed_in` is the id
    of a customer whose session sent the submission: the complaint is theirs whatever the
    form says. Otherwise the phone decides (a phone belongs to one customer); without a
    phone, the e-mail address (verified first, else the earliest claim). A phone or
    address the customer had not given before is added as a claimed identity, never
    dropped and never made their preferred contact (an anonymous form proves nothing).

    `channel_identity` is (kind, value) of a social platform's user id that delivered the
    submission (`CHANNEL_IDENTITY_KINDS`): the platform signed the delivery, so the id is kept
    verified; it decides the customer when no phone or e-mail address was given, and is the
    contact then.

    Safe under concurrency: two first submissions with one phone (or one platform id) at the
    same moment make one customer (the loser of the insert race re-reads the winner's row);
    with one e-mail address, they queue on the address's lock row (`IdentityClaimLock`) until
    the first one's transaction ends, and the second then finds the customer it made. Run it
    inside the caller's transaction so that the lock lasts until what it files is committed.
    """
    now = clock.now()
    customer: Customer | None = None
    found: CustomerIdentity | None = None
    if email:
        _identity_claim_lock(CustomerIdentity.Kind.EMAIL, email)
    if signed_in is not None:
        customer = Customer.objects.get(pk=signed_in)
    elif phone:
        found = _identity(CustomerIdentity.Kind.PHONE, phone)
        customer = found.customer if found else None
    elif email:
        found = _identity(CustomerIdentity.Kind.EMAIL, email)
        customer = found.customer if found else None
    elif channel_identity:
        found = _identity(*channel_identity)
        customer = found.customer if found else None
    created = False
    phone_identity = None
    if customer is None:
        customer, created, phone_identity = _customer_create(
            phone=phone,
            mobile=mobile,
            email=email,
            name=name,
            language=language,
            city=city,
            at=now,
            channel_identity=None if phone or email else channel_identity,
        )
    elif fill_missing(customer, {"name": name}):
        customer.save(update_fields=["name"])
    if phone and phone_identity is None and found is not None and found.kind == CustomerIdentity.Kind.PHONE:
        # The phone's identity was the one read to find the customer (a phone has one owner).
        phone_identity = _identity_mark_mobile(found, is_mobile=mobile)
    elif phone and phone_identity is None:
        phone_identity = _identity_claim(
            customer, CustomerIdentity.Kind.PHONE, phone, is_mobile=mobile, at=now
        )
    email_identity = _identity_claim(customer, CustomerIdentity.Kind.EMAIL, email, at=now) if email else None
    platform_identity = (
        _identity_claim(customer, *channel_identity, at=now, verified=True) if channel_identity else None
    )
    contact = phone_identity or email_identity or platform_identity
    if signed_in is not None:
        # Filed from a session: under the identity the customer signed in with.
        contact = (
            customer.identities.filter(verified_at__isnull=False).order_by("verified_at", "pk").first()
            or contact
        )
    if contact is None:
        raise ValidationFailed({"phone": problem("contact_missing")})
    return CustomerMatch(customer=customer, contact=contact, email=email_identity, created=created)


def _identity_claim_lock(kind: str, value: str) -> None:
    """Lock the claim row of `value` (IdentityClaimLock) until the transaction ends.

    The row is inserted first if missing (a concurrent insert of the same key waits for the
    other transaction). On SQLite the write transaction already serialises intake.
    """
    digest = salted_hmac("aftersales.accounts.identity-claim", f"{kind}:{value}", algorithm="sha256")
    key = f"{kind}:{int(digest.hexdigest(), 16) % IDENTITY_CLAIM_BUCKETS}"
    IdentityClaimLock.objects.bulk_create([IdentityClaimLock(key=key)], ignore_conflicts=True)
    IdentityClaimLock.objects.select_for_update().filter(key=key).get()


def _identity(kind: str, value: str) -> CustomerIdentity | None:
    """The identity that speaks for `value`: the verified one, else the earliest claim; with
    its customer (not erased).

    Plain SQL (intake reads it on every submission; the ORM's statement building costs
    several times the read itself): `ORDER BY verified_at IS NULL` puts verified first on
    SQLite and PostgreSQL alike.
    """
    with connection.cursor() as cursor:
        cursor.execute(_identity_sql(connection.vendor), [kind, value])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(CustomerIdentity._meta.concrete_fields)
    identity = row_to_instance(CustomerIdentity, row[:width])
    identity.customer = row_to_instance(Customer, row[width:])
    return identity


@cache
def _identity_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    identities = quote(CustomerIdentity._meta.db_table)
    customers = quote(Customer._meta.db_table)
    return (
        f"SELECT {select_columns(CustomerIdentity, 'i')}, {select_columns(Customer, 'c')}"
        f" FROM {identities} i JOIN {customers} c ON c.id = i.customer_id"
        " WHERE i.kind = %s AND i.value = %s AND c.erased_at IS NULL"
        " ORDER BY i.verified_at IS NULL, i.verified_at, i.id LIMIT 1"
    )


def _customer_create(
    *,
    phone: str | None,
    email: str | None,
    name: str,
    language: str,
    city: str,
    at: datetime,
    mobile: bool = False,
    channel_identity: tuple[str, str] | None = None,
) -> tuple[Customer, bool, CustomerIdentity | None]:
    """A new customer and its phone identity (`mobile`: it can receive a text); on a concurrent
    first contact with the same phone (or platform id, when that is what identifies them),
    the one that won, and no identity (the caller claims it).

    1. The customer row is inserted unless its phone is taken (a concurrent first contact
       committed it; on PostgreSQL the INSERT waits for that transaction to end).
    2. Its phone or platform identity likewise.
    3. When either was taken, the winner is read; a customer row inserted in 1 for an
       identity taken in 2 is deleted again. No savepoint: a skipped INSERT leaves the
       transaction usable.
    """
    with transaction.atomic(savepoint=False):
        customer = Customer(
            phone=phone or None, email=email or None, name=name, language=language, city=city, created_at=at
        )
        if row_insert_unless_taken(customer):
            identity = None
            if phone:
                identity = CustomerIdentity(
                    customer=customer,
                    kind=CustomerIdentity.Kind.PHONE,
                    value=phone,
                    is_mobile=mobile,
                    created_at=at,
                )
            elif channel_identity:
                kind, value = channel_identity
                identity = CustomerIdentity(
                    customer=customer, kind=kind, value=value, created_at=at, verified_at=at
                )
            if identity is None or row_insert_unless_taken(identity):
                return customer, True, identity if phone else None
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(Customer._meta.db_table)} WHERE id = %s",
                    [customer.pk],
                )
        if phone:
            found = _identity(CustomerIdentity.Kind.PHONE, phone)
        elif channel_identity:
            found = _identity(*channel_identity)
        else:
            found = None
        if found is None:
            raise IntegrityError(
                "customer_create: the phone or platform id of a new customer is taken and its owner erased"
            )
        return found.customer, False, None


def _identity_claim(
    customer: Customer,
    kind: str,
    value: str,
    *,
    at: datetime,
    is_mobile: bool = False,
    verified: bool = False,
) -> CustomerIdentity | None:
    """The customer's identity with this value, added as claimed (or `verified`) if new.

    None when the value is a phone or platform id that belongs to another customer: it stays theirs.
    """
    identity = CustomerIdentity.objects.filter(customer=customer, kind=kind, value=value).first()
    if identity is None:
        try:
            with transaction.atomic():
                return CustomerIdentity.objects.create(
                    customer=customer,
                    kind=kind,
                    value=value,
                    is_mobile=is_mobile,
                    created_at=at,
                    verified_at=at if verified else None,
                )
        except IntegrityError:
            return None
    return _identity_mark_mobile(identity, is_mobile=is_mobile)


def _identity_mark_mobile(identity: CustomerIdentity, *, is_mobile: bool) -> CustomerIdentity:
    """A number now known to receive texts is marked so (never unmarked)."""
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


def otp_request(*, phone: str, client_address: str) -> str:
    """Issue a sign-in code for the mobile `phone` and hand it to the SMS gateway; returns the code.

    `client_address` is the requesting IP address (aftersales.common.client_address). Raises
    ValidationFailed({"phone": mobile_phone_invalid | phone_not_mobile}) for a number that cannot receive
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

    The code is read as typed: full-width digits (０-９) count as 0-9 and blanks are dropped
    (common.text.digits_typed). Only the phone's latest code counts, once, before it expires. Raises
    ValidationFailed({"phone": ...}) like otp_request, ValidationFailed({"code": otp_invalid}) for a
    wrong, used or expired code, and Throttled(otp_locked) once the phone has had
    settings.OTP_MAX_ATTEMPTS wrong codes within OTP_ATTEMPT_WINDOW_SECONDS, whichever codes they
    were typed against: asking for a new code does not reset them.
    """
    mobile = _sign_in_mobile(phone)
    with transaction.atomic():
        # Committed even when the code is wrong: the attempt must count.
        refusal = _otp_consume(phone=mobile, code=digits_typed(code))
    if refusal is not None:
        raise refusal
    now = clock.now()
    customer = customer_verify_phone(phone=mobile, at=now)
    return customer_session_open(customer=customer, at=now)


def customer_session_open(*, customer: Customer, at: datetime) -> str:
    """A new session for `customer`: its bearer token, `cs_` and 43 URL-safe characters.

    Valid for CUSTOMER_SESSION_MAX_AGE from `at` or until customer_session_revoke; only its
    SHA-256 is stored.
    """
    token = CUSTOMER_SESSION_PREFIX + secrets.token_urlsafe(32)
    CustomerSession.objects.create(
        customer=customer, key_hash=sha256_hex(token), created_at=at, expires_at=at + CUSTOMER_SESSION_MAX_AGE
    )
    return token


def customer_session_revoke(*, token: str) -> bool:
    """Sign out: end the session of `token` now. False when it was no live session (unknown,
    expired or already ended), so signing out twice is harmless."""
    now = clock.now()
    ended = CustomerSession.objects.filter(
        key_hash=sha256_hex(token), revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
    return ended == 1


def customer_bind_channel_identity(*, kind: str, value: str, phone: str, code: str) -> Customer:
    """Link a social platform's user id to the customer whose mobile `phone` is, proven by `code`.

    The code is the phone's sign-in code (otp_request), checked under the same rules and
    limits as a sign-in: errors as otp_verify. On success the phone is verified, and the id
    (kind from CHANNEL_IDENTITY_KINDS) moves to that customer: later messages from it are
    theirs. Complaints filed earlier under the id stay where they were filed.
    """
    mobile = _sign_in_mobile(phone)
    with transaction.atomic():
        refusal = _otp_consume(phone=mobile, code=code)
    if refusal is not None:
        raise refusal
    now = clock.now()
    with transaction.atomic():
        customer = customer_verify_phone(phone=mobile, at=now)
        identity = CustomerIdentity.objects.select_for_update().filter(kind=kind, value=value).first()
        if identity is None:
            CustomerIdentity.objects.create(
                customer=customer, kind=kind, value=value, created_at=now, verified_at=now
            )
        elif identity.customer_id != customer.pk:
            identity.customer = customer
            identity.save(update_fields=["customer"])
    security_log.info("%s identity bound to the customer of %s", kind, phone_masked(mobile))
    return customer


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
    return salted_hmac(
        "aftersales.accounts.otp-client", client_bucket(address), algorithm="sha256"
    ).hexdigest()


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
    """The customer whose live session `token` is: not expired, not signed out, not erased."""
    session = (
        CustomerSession.objects.filter(
            key_hash=sha256_hex(token),
            revoked_at__isnull=True,
            expires_at__gt=clock.now(),
            customer__erased_at__isnull=True,
        )
        .only("customer_id")
        .first()
    )
    return customer_actor(session.customer_id) if session else None


def api_token_create(*, user: User, name: str = "") -> str:
    key = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=sha256_hex(key), created_at=clock.now())
    return key


# key_hash is unique: one row or none, read without the ORDER BY that .first() adds. Every
# staff API call reads it: its statement is built once (common.prepared).
_LIVE_TOKEN_BY_HASH = PreparedRead(
    lambda key_hash: ApiToken.objects.select_related("user").filter(
        key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
    )[:1],
    key_hash=str,
)


def staff_from_api_token(key: str) -> User | None:
    token = next(iter(_LIVE_TOKEN_BY_HASH(key_hash=sha256_hex(key))), None)
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

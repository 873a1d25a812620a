from django.contrib.auth.models import AbstractUser
from django.db import models

from aftersales.accounts.roles import Role


class User(AbstractUser):
    """A staff member. Customers are not users: they sign in with phone and one-time code."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.AGENT)
    # A team code from the policy pack (agents, technical, hq-experts, or an outlet's team).
    team = models.CharField(max_length=64, blank=True, default="")
    employee_id = models.CharField(max_length=32, blank=True, default="")

    @property
    def is_staff_member(self) -> bool:
        return self.role != Role.CUSTOMER and self.is_active


class Customer(models.Model):
    """Someone who complains. Personal data lives here and is referenced, not copied, elsewhere."""

    class Language(models.TextChoices):
        ZH = "zh-hans", "简体中文"
        EN = "en", "English"

    name = models.CharField(max_length=100, blank=True, default="")
    # E.164; unique when present, so a phone identifies one customer.
    phone = models.CharField(max_length=20, null=True, blank=True, unique=True)  # noqa: DJ001 (NULL keeps unique optional)
    email = models.EmailField(null=True, blank=True, db_index=True)  # noqa: DJ001 (absent, not empty)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH)
    city = models.CharField(max_length=50, blank=True, default="")
    is_senior = models.BooleanField("银发 senior care", default=False)
    is_vip = models.BooleanField("VIP", default=False)
    created_at = models.DateTimeField()
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"customer #{self.pk}"


class CustomerIdentity(models.Model):
    """One way to reach and recognise a customer: a phone number, an e-mail address, or the
    id a social platform gives them (WeChat openid, Weibo uid, Douyin open_id).

    A customer may have several. An identity is *claimed* when someone typed it on a form
    or a channel delivered it, and *verified* once its holder proved it (a sign-in code to
    that phone). Verification decides what a signed-in customer may see: a complaint is
    shown to a session only when it was filed under an identity the customer verified
    (selectors `customer_may_see`). Claimed identities are kept, never dropped, so that staff
    see every way a customer wrote to them.

    Value forms: E.164 for phones (`+8613800138000`), lower case for e-mail addresses, the
    platform's id as delivered for social channels. A phone belongs to one customer; an e-mail
    address may be claimed by several customers (anyone can type one) but verified by one only.
    A social id belongs to one customer and is verified from the start: the platform signs
    every message it delivers from that id (intake/channels).
    """

    class Kind(models.TextChoices):
        PHONE = "phone", "手机 Phone"
        EMAIL = "email", "电子邮箱 E-mail"
        WECHAT_OPENID = "wechat_openid", "微信 openid WeChat"
        WEIBO_UID = "weibo_uid", "微博用户 Weibo user"
        DOUYIN_OPEN_ID = "douyin_open_id", "抖音 open_id Douyin"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=254)
    # Whether the number can receive a text message (sign-in codes go to mobiles only).
    is_mobile = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A phone number identifies one customer (intake matches on it).
            models.UniqueConstraint(
                fields=["kind", "value"], condition=models.Q(kind="phone"), name="identity_phone_unique"
            ),
            # A social platform's user id speaks for one customer (channel intake matches on it).
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=models.Q(kind__in=["wechat_openid", "weibo_uid", "douyin_open_id"]),
                name="identity_channel_unique",
            ),
            # An e-mail address is claimed by anyone who types it, but verified by one customer.
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=models.Q(verified_at__isnull=False),
                name="identity_verified_unique",
            ),
        ]
        indexes = [
            # Intake and sign-in find a customer by a phone or an e-mail address.
            models.Index(fields=["kind", "value"], name="identity_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} identity #{self.pk}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


# The identity kind of each social channel's user id, by the policy pack's channel code.
CHANNEL_IDENTITY_KINDS: dict[str, str] = {
    "wechat": CustomerIdentity.Kind.WECHAT_OPENID,
    "weibo": CustomerIdentity.Kind.WEIBO_UID,
    "douyin": CustomerIdentity.Kind.DOUYIN_OPEN_ID,
}


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only its hash is kept.

    The rows are also the record the request limits count: codes per phone, codes per client
    address, wrong attempts per phone (accounts/services.py).
    """

    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    # Keyed hash (HMAC-SHA256) of the address that asked for the code; the address itself is not kept.
    client_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The phone's recent codes: limits per phone, wrong attempts, the pending code.
            models.Index(fields=["phone", "created_at"], name="otp_phone_created"),
            # Codes recently asked for from one client address.
            models.Index(fields=["client_hash", "created_at"], name="otp_client_created"),
        ]


class OtpThrottleKey(models.Model):
    """A phone or client address that has asked for sign-in codes: the row locked while a request
    for it is decided, so that simultaneous requests, on any web worker, are decided one at a time.

    Keys are `phone:<E.164>` and `client:<client hash>`.
    """

    key = models.CharField(max_length=80, unique=True)


class IdentityClaimLock(models.Model):
    """A row locked while intake decides whose an e-mail address is, so that simultaneous first
    submissions from one new address make one customer (accounts.services.customer_identify).

    A phone needs none: its identity is unique, and the loser of the insert race re-reads the
    winner's. An e-mail address may be claimed by several customers, so no unique index can
    decide; instead its submissions queue on this row. Keys are `email:<bucket>`, a keyed hash
    of the address reduced to one of `IDENTITY_CLAIM_BUCKETS`: no address is kept here, the
    table stays small, and two addresses that share a bucket only wait for each other.
    """

    key = models.CharField(max_length=40, unique=True)


# How many lock rows e-mail addresses are spread over (IdentityClaimLock).
IDENTITY_CLAIM_BUCKETS = 4096


class CustomerSession(models.Model):
    """A customer's sign-in: the bearer token (`cs_...`) a sign-in code was exchanged for.

    Only the token's hash is kept. A session ends when it expires (accounts.services
    CUSTOMER_SESSION_MAX_AGE) or the customer signs out (`revoked_at`).
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)


class ApiToken(models.Model):
    """A staff member's bearer token for the API. Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

"""Project wiring. Every value that differs between deployments comes from the environment."""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AFTERSALES_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "aftersales.common",
    "aftersales.policy",
    "aftersales.accounts",
    "aftersales.devices",
    "aftersales.complaints",
    "aftersales.triage",
    "aftersales.intake",
    "aftersales.notifications",
    "aftersales.knowledge",
    "aftersales.network",
    "aftersales.evidence",
    "aftersales.parts",
    "aftersales.pricing",
    "aftersales.warranty",
    "aftersales.repairs",
    "aftersales.reporting",
    "aftersales.intake.channels.email",
    "aftersales.intake.channels.social",
    "aftersales.intake.channels.hotline",
    "aftersales.demo",
    "aftersales.desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aftersales.common.middleware.UnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_SQLITE_PATH = VAR_DIR / "aftersales.sqlite3"
_DATABASE_URL = env_str("DATABASE_URL", "")
if _DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            _DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", False),
        )
    }
    # Server-side parameters, and a statement run twice on a connection is prepared: PostgreSQL
    # then skips parsing and planning it (the detail read's backend CPU fell by about two thirds).
    # Off (DB_PREPARED_STATEMENTS=0) behind a pooler in transaction mode that cannot keep them.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DB_PREPARED_STATEMENTS", True
    ):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 2)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_SQLITE_PATH),
            "OPTIONS": {
                # WAL lets the web workers read while the worker writes; IMMEDIATE takes the
                # write lock at BEGIN so concurrent intakes queue instead of failing mid-way.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": env_str("AFTERSALES_TEST_SQLITE", "") or None},
            # Reopening SQLite and re-running the PRAGMAs costs more than many a request.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": env_bool("DB_CONN_HEALTH_CHECKS", False),
        }
    }

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/admin/login/"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "service@aftersales.example")

# The e-mail channel (docs/channels.md): the mailbox the poller reads, limits, the pipe's secret.
EMAIL_IMAP_HOST = env_str("AFTERSALES_IMAP_HOST", "")
EMAIL_IMAP_PORT = env_int("AFTERSALES_IMAP_PORT", 993, minimum=1)
EMAIL_IMAP_SSL = env_bool("AFTERSALES_IMAP_SSL", True)
EMAIL_IMAP_USER = env_str("AFTERSALES_IMAP_USER", "")
EMAIL_IMAP_PASSWORD = env_str("AFTERSALES_IMAP_PASSWORD", "")
EMAIL_IMAP_FOLDER = env_str("AFTERSALES_IMAP_FOLDER", "INBOX")
EMAIL_IMAP_QUARANTINE_FOLDER = env_str("AFTERSALES_IMAP_QUARANTINE_FOLDER", "Quarantine")
EMAIL_IMAP_POLL_SECONDS = env_int("AFTERSALES_IMAP_POLL_SECONDS", 60, minimum=5)
# Addresses that are ours besides DEFAULT_FROM_EMAIL: mail from them is never acknowledged.
EMAIL_OWN_ADDRESSES = env_list("AFTERSALES_EMAIL_OWN_ADDRESSES", [])
EMAIL_MAX_BYTES = env_int("AFTERSALES_EMAIL_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
EMAIL_ATTACHMENT_MAX_BYTES = env_int("AFTERSALES_EMAIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
EMAIL_MAX_RECIPIENTS = env_int("AFTERSALES_EMAIL_MAX_RECIPIENTS", 50, minimum=1)
# The loop guard: at most this many acknowledgements to one address per hour.
EMAIL_ACKS_PER_SENDER_PER_HOUR = env_int("AFTERSALES_EMAIL_ACKS_PER_SENDER_PER_HOUR", 3, minimum=0)
# The mail server's pipe posts raw messages with this secret in X-Aftersales-Mail-Secret; "" turns it off.
EMAIL_PIPE_SECRET = env_str("AFTERSALES_EMAIL_PIPE_SECRET", "")

# Celery. Without a broker URL the platform uses a broker kept in files under var/,
# so `make demo` runs a real worker and beat with no server to install.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_BROKER_DIR),
        "data_folder_out": str(_BROKER_DIR),
        "processed_folder": str(_BROKER_DIR),
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
SLA_SWEEP_SECONDS = env_int("AFTERSALES_SLA_SWEEP_SECONDS", 60)

# The brand's policy pack: a JSON file; the default is the one shipped for the demo brand.
POLICY_PACK = env_str(
    "AFTERSALES_POLICY_PACK", str(BASE_DIR / "aftersales" / "policy" / "packs" / "default.json")
)
# Pre-diagnosis also reads each complaint with the multilingual sentence encoder (about a
# point more accuracy, a fifth fewer complaints left to human triage) at 15-60 ms of CPU a
# complaint. Intake reads without it, so no request waits for it; the worker reads each new
# complaint again with it within TRIAGE_SECOND_READING_SECONDS (docs/triage.md, "The sentence
# encoder"). Off: the platform reads with the n-gram model alone.
TRIAGE_ENCODER = env_bool("AFTERSALES_TRIAGE_ENCODER", True)
TRIAGE_SECOND_READING_SECONDS = env_int("AFTERSALES_TRIAGE_SECOND_READING_SECONDS", 5, minimum=1)

# The evidence ledger: private signing keys (one PEM file per key, never committed) and how often
# the scheduler seals new entries (docs/evidence.md).
EVIDENCE_KEY_DIR = Path(env_str("AFTERSALES_EVIDENCE_KEY_DIR", str(VAR_DIR / "evidence-keys")))
EVIDENCE_SEAL_SECONDS = env_int("AFTERSALES_EVIDENCE_SEAL_SECONDS", 60 * 60, minimum=1)
# A service record printing more rows than this (timeline, messages, checks...) is generated
# by a background task; smaller ones while the download waits.
EVIDENCE_RECORD_INLINE_MAX_ROWS = env_int("AFTERSALES_EVIDENCE_RECORD_INLINE_MAX_ROWS", 300, minimum=0)
# An RFC 3161 time-stamping authority (HTTP POST application/timestamp-query) for seals; empty: none.
EVIDENCE_TSA_URL = env_str("AFTERSALES_EVIDENCE_TSA_URL", "")
EVIDENCE_TSA_TIMEOUT_SECONDS = env_int("AFTERSALES_EVIDENCE_TSA_TIMEOUT_SECONDS", 10, minimum=1)
# PEM file of the authority's signing certificate: tokens signed by any other are refused.
EVIDENCE_TSA_CERTIFICATE = env_str("AFTERSALES_EVIDENCE_TSA_CERTIFICATE", "")
# How often the scheduler runs due erasures and builds exports whose task was lost (docs/privacy.md).
PRIVACY_SWEEP_SECONDS = env_int("AFTERSALES_PRIVACY_SWEEP_SECONDS", 10 * 60, minimum=1)

# Where customers are sent to follow their complaint.
PUBLIC_BASE_URL = env_str("AFTERSALES_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Intake refuses request bodies above this size with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("AFTERSALES_MAX_BODY_BYTES", 256 * 1024)

# Customer sign-in codes by SMS; times in seconds (README, "Sign-in codes"). Counted from the
# database, so every web worker enforces the same limits.
OTP_LIFETIME_SECONDS = env_int("AFTERSALES_OTP_LIFETIME_SECONDS", 5 * 60, minimum=1)
# Per phone: one code per OTP_RESEND_SECONDS, at most OTP_PHONE_MAX_CODES per window.
OTP_RESEND_SECONDS = env_int("AFTERSALES_OTP_RESEND_SECONDS", 60, minimum=0)
OTP_PHONE_MAX_CODES = env_int("AFTERSALES_OTP_PHONE_MAX_CODES", 5, minimum=1)
OTP_PHONE_WINDOW_SECONDS = env_int("AFTERSALES_OTP_PHONE_WINDOW_SECONDS", 60 * 60, minimum=1)
# Per client address (an IPv6 client counts by its /64): at most this many codes per window.
OTP_CLIENT_MAX_CODES = env_int("AFTERSALES_OTP_CLIENT_MAX_CODES", 10, minimum=1)
OTP_CLIENT_WINDOW_SECONDS = env_int("AFTERSALES_OTP_CLIENT_WINDOW_SECONDS", 10 * 60, minimum=1)
# Wrong codes per phone within the window, whichever codes they were typed against; then the
# phone is locked until the oldest of them leaves the window.
OTP_MAX_ATTEMPTS = env_int("AFTERSALES_OTP_MAX_ATTEMPTS", 5, minimum=1)
OTP_ATTEMPT_WINDOW_SECONDS = env_int("AFTERSALES_OTP_ATTEMPT_WINDOW_SECONDS", 60 * 60, minimum=1)
# The public warranty lookup by IMEI: at most this many lookups per client address per window
# (an IPv6 client counts by its /64), counted in the database like the sign-in codes.
WARRANTY_LOOKUP_MAX = env_int("AFTERSALES_WARRANTY_LOOKUP_MAX", 20, minimum=1)
WARRANTY_LOOKUP_WINDOW_SECONDS = env_int("AFTERSALES_WARRANTY_LOOKUP_WINDOW_SECONDS", 10 * 60, minimum=1)
# Reverse proxies in front of the application that append to X-Forwarded-For; 0 ignores the header.
TRUSTED_PROXY_COUNT = env_int("AFTERSALES_TRUSTED_PROXY_COUNT", 0, minimum=0)

# Social channels (docs/channels.md). A channel without its token or secret answers 404.
# WeChat official account: the server configuration's Token, the account's AppID and AppSecret,
# the EncodingAESKey (43 characters) and the message mode chosen there: plain, compatible, safe.
WECHAT_TOKEN = env_str("AFTERSALES_WECHAT_TOKEN", "")
WECHAT_APP_ID = env_str("AFTERSALES_WECHAT_APP_ID", "")
WECHAT_APP_SECRET = env_str("AFTERSALES_WECHAT_APP_SECRET", "")
WECHAT_ENCODING_AES_KEY = env_str("AFTERSALES_WECHAT_ENCODING_AES_KEY", "")
WECHAT_MESSAGE_MODE = env_choice("AFTERSALES_WECHAT_MESSAGE_MODE", "plain", ("plain", "compatible", "safe"))
if WECHAT_MESSAGE_MODE != "plain" and not (
    re.fullmatch(r"[A-Za-z0-9]{43}", WECHAT_ENCODING_AES_KEY) and WECHAT_APP_ID
):
    raise ImproperlyConfigured(
        "AFTERSALES_WECHAT_MESSAGE_MODE=compatible or safe needs AFTERSALES_WECHAT_APP_ID and a "
        "43-character AFTERSALES_WECHAT_ENCODING_AES_KEY"
    )
# Weibo fan service: the app key and the app secret that signs the pushes.
WEIBO_APP_KEY = env_str("AFTERSALES_WEIBO_APP_KEY", "")
WEIBO_APP_SECRET = env_str("AFTERSALES_WEIBO_APP_SECRET", "")
# Douyin: the app's client key, and the secret that signs webhooks (the client secret, or the
# separate webhook signing secret where the console issues one).
DOUYIN_CLIENT_KEY = env_str("AFTERSALES_DOUYIN_CLIENT_KEY", "")
DOUYIN_WEBHOOK_SECRET = env_str("AFTERSALES_DOUYIN_WEBHOOK_SECRET", "")
# Shared by the three: bodies above this size are refused unread (413), and a signed timestamp
# further than this from our clock is refused as a replay (WeChat, Weibo).
CHANNEL_MAX_BODY_BYTES = env_int("AFTERSALES_CHANNEL_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
CHANNEL_TIMESTAMP_WINDOW_SECONDS = env_int("AFTERSALES_CHANNEL_TIMESTAMP_WINDOW_SECONDS", 300, minimum=1)
# Dotted paths: where replies that are not passive go (Douyin, Weibo), and who fetches media.
CHANNEL_REPLY_SENDER = env_str(
    "AFTERSALES_CHANNEL_REPLY_SENDER", "aftersales.intake.channels.social.outbound.ConsoleReplySender"
)
CHANNEL_MEDIA_FETCHER = env_str(
    "AFTERSALES_CHANNEL_MEDIA_FETCHER", "aftersales.intake.channels.social.media.NullMediaFetcher"
)

# The 400 hotline (docs/channels.md): the call-centre systems that push calls, each as
# "code:secret" (comma-separated; the secret at least 24 characters), and the recording cap.
HOTLINE_SYSTEMS: dict[str, str] = {}
for _entry in env_list("AFTERSALES_HOTLINE_SYSTEMS", []):
    _code, _, _secret = _entry.partition(":")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", _code) or len(_secret) < 24:
        raise ImproperlyConfigured(
            "AFTERSALES_HOTLINE_SYSTEMS entries are code:secret, the code in lower-case letters, "
            "digits, - and _ (at most 32), the secret at least 24 characters"
        )
    HOTLINE_SYSTEMS[_code] = _secret
# The demo's call-centre system: only with DJANGO_DEBUG on and no system configured, with the
# secret `aftersales demo_seed` generates into var/ (never a built-in secret; off in production).
HOTLINE_DEMO_SYSTEM = "demo-call-centre"
HOTLINE_DEMO_SECRET_FILE = VAR_DIR / "hotline-demo-secret"
if DEBUG and not HOTLINE_SYSTEMS and HOTLINE_DEMO_SECRET_FILE.is_file():
    _secret = HOTLINE_DEMO_SECRET_FILE.read_text(encoding="utf-8").strip()
    if len(_secret) >= 24:
        HOTLINE_SYSTEMS[HOTLINE_DEMO_SYSTEM] = _secret
HOTLINE_RECORDING_MAX_BYTES = env_int(
    "AFTERSALES_HOTLINE_RECORDING_MAX_BYTES", 50 * 1024 * 1024, minimum=1024
)

NINJA_PAGINATION_PER_PAGE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "aftersales": {"handlers": ["console"], "level": env_str("AFTERSALES_LOG_LEVEL", "INFO")},
        "aftersales.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "complaints.sweep_deadlines", "schedule": float(SLA_SWEEP_SECONDS)},
    "evidence-seal": {"task": "evidence.seal", "schedule": float(EVIDENCE_SEAL_SECONDS)},
    "email-poll": {"task": "email.poll", "schedule": float(EMAIL_IMAP_POLL_SECONDS)},
    # Privacy (docs/privacy.md): erasures past their cooling-off, exports whose task was lost,
    # the daily retention purge; the archive-stage jobs of seed 四(四).
    "privacy-erasure-sweep": {"task": "privacy.erasure_sweep", "schedule": float(PRIVACY_SWEEP_SECONDS)},
    "privacy-export-sweep": {"task": "privacy.data_export_sweep", "schedule": float(PRIVACY_SWEEP_SECONDS)},
    "privacy-retention": {"task": "privacy.retention_purge", "schedule": 24 * 60 * 60.0},
    "care-guide-push": {"task": "notifications.care_guide_push", "schedule": 60 * 60.0},
    "outlet-kpi-report": {"task": "reporting.outlet_kpi_report", "schedule": 6 * 60 * 60.0},
}
# The manager dashboard's complaint figures (reporting.daily): recent days often, every day nightly.
CELERY_BEAT_SCHEDULE |= {
    "complaint-figures-recent": {"task": "reporting.complaint_figures", "schedule": 10 * 60.0},
    "complaint-figures-all": {
        "task": "reporting.complaint_figures",
        "schedule": 24 * 60 * 60.0,
        "kwargs": {"days": None},
    },
}
CELERY_BEAT_SCHEDULE["triage-second-readings"] = {
    "task": "complaints.second_readings",
    "schedule": float(TRIAGE_SECOND_READING_SECONDS),
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- App and web attachments, the progress endpoint, IMAP IDLE (docs/channels.md) ---------------
# Per kind, the largest file taken (bytes); at most ATTACHMENT_MAX_COUNT files per submission and
# ATTACHMENT_MAX_PER_COMPLAINT on one complaint; a photo of more pixels is refused as a bomb.
ATTACHMENT_PHOTO_MAX_BYTES = env_int("AFTERSALES_ATTACHMENT_PHOTO_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
ATTACHMENT_VIDEO_MAX_BYTES = env_int("AFTERSALES_ATTACHMENT_VIDEO_MAX_BYTES", 300 * 1024 * 1024, minimum=1)
ATTACHMENT_MAX_COUNT = env_int("AFTERSALES_ATTACHMENT_MAX_COUNT", 9, minimum=1)
ATTACHMENT_MAX_PER_COMPLAINT = env_int("AFTERSALES_ATTACHMENT_MAX_PER_COMPLAINT", 30, minimum=1)
ATTACHMENT_MAX_PIXELS = env_int("AFTERSALES_ATTACHMENT_MAX_PIXELS", 120_000_000, minimum=1)
# Uploads not named in a submission within this many hours are deleted.
ATTACHMENT_UNCLAIMED_HOURS = env_int("AFTERSALES_ATTACHMENT_UNCLAIMED_HOURS", 24, minimum=1)
# Files go to MEDIA_ROOT; with a bucket named, to S3-compatible storage through django-storages
# (pip install "aftersales[s3]"): endpoint, region and keys as below, or the usual AWS variables.
_S3_BUCKET = env_str("AFTERSALES_S3_BUCKET", "")
if _S3_BUCKET:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _S3_BUCKET,
                "endpoint_url": env_str("AFTERSALES_S3_ENDPOINT_URL", "") or None,
                "region_name": env_str("AFTERSALES_S3_REGION", "") or None,
                "access_key": env_str("AFTERSALES_S3_ACCESS_KEY", "") or None,
                "secret_key": env_str("AFTERSALES_S3_SECRET_KEY", "") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
# The e-mail poller waits with IMAP IDLE where the server offers it, renewing the wait this often
# (RFC 2177 asks for less than 29 minutes); without IDLE it polls every EMAIL_IMAP_POLL_SECONDS.
EMAIL_IMAP_IDLE_SECONDS = env_int("AFTERSALES_IMAP_IDLE_SECONDS", 25 * 60, minimum=5)
# --- Outbound: the outbox every message leaves through (docs/channels.md, "Outbound") ---------
# How often the beat drains it; the first retry's wait in seconds (doubled per attempt, at most
# an hour); attempts before a message fails for good; how long a claimed message may stay
# "sending" before it is failed rather than resent; whether a commit that queued a message
# also wakes the worker once (at most once a second per process).
OUTBOX_DRAIN_SECONDS = env_int("AFTERSALES_OUTBOX_DRAIN_SECONDS", 5, minimum=1)
OUTBOX_RETRY_SECONDS = env_int("AFTERSALES_OUTBOX_RETRY_SECONDS", 30, minimum=1)
OUTBOX_MAX_ATTEMPTS = env_int("AFTERSALES_OUTBOX_MAX_ATTEMPTS", 6, minimum=1)
OUTBOX_SENDING_LEASE_SECONDS = env_int("AFTERSALES_OUTBOX_SENDING_LEASE_SECONDS", 15 * 60, minimum=60)
OUTBOX_NUDGE = env_bool("AFTERSALES_OUTBOX_NUDGE", True)
CELERY_BEAT_SCHEDULE["outbox-drain"] = {
    "task": "notifications.outbox_drain",
    "schedule": float(OUTBOX_DRAIN_SECONDS),
}

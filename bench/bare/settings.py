"""A bare Django project for the intake benchmark's floor: one view that validates a JSON body
and inserts one row (bench/intake_bench.py). The same database settings as config.settings:
SQLite in WAL mode with IMMEDIATE write transactions and kept connections, or DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url

VAR_DIR = Path(os.environ.get("AFTERSALES_VAR_DIR", Path(__file__).resolve().parent / "var"))
SECRET_KEY = "bench-bare-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = ["bench.bare"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "bare.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "CONN_MAX_AGE": 600,
        }
    }

"""`make demo` gives the hotline a call-centre system to push with; a deployment never gets one.

The demo prints the system's code, its secret and a curl command; the command, run against the
platform as `rundemo` starts it (DEBUG on, the secret read from var/), opens a complaint.
"""

import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from aftersales.complaints.models import Complaint
from aftersales.demo.calls import DEMO_SYSTEM, demo_call_centre
from aftersales.demo.management.commands.demo_seed import Command
from aftersales.demo.seed import seed_staff
from aftersales.intake.channels.hotline.models import Call

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def demo_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.HOTLINE_SYSTEMS = {}
    settings.HOTLINE_DEMO_SECRET_FILE = tmp_path / "var" / "hotline-demo-secret"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def curl_request(command: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL, headers and form fields of a printed `curl -H ... -F ...` command."""
    words = shlex.split(command)
    url = next(word for word in words if word.startswith("http"))
    headers, fields = {}, {}
    for flag, value in zip(words, words[1:], strict=False):
        if flag == "-H":
            name, _, header = value.partition(": ")
            headers[name] = header
        elif flag == "-F":
            name, _, field = value.partition("=")
            fields[name] = field
    return url, headers, fields


@pytest.mark.django_db
def test_the_demo_prints_a_call_centre_secret_whose_curl_opens_a_complaint(client, demo_settings):  # type: ignore[no-untyped-def]
    seed_staff()
    printed = io.StringIO()
    Command(stdout=printed)._where_to_sign_in()
    output = printed.getvalue()
    secret = demo_settings.HOTLINE_DEMO_SECRET_FILE.read_text().strip()
    assert len(secret) >= 40 and f"system {DEMO_SYSTEM}, secret {secret}" in output
    assert demo_settings.HOTLINE_DEMO_SECRET_FILE.stat().st_mode & 0o777 == 0o600
    [curl] = [line.strip() for line in output.splitlines() if line.strip().startswith("curl ")]
    url, headers, fields = curl_request(curl)
    assert url == "http://127.0.0.1:8000/api/v1/channels/hotline/calls"
    # The server as `rundemo` starts it: the settings have read the secret from var/.
    demo_settings.HOTLINE_SYSTEMS = {DEMO_SYSTEM: secret}
    answer = client.post(
        url.removeprefix("http://127.0.0.1:8000"),
        fields,
        HTTP_X_CALL_CENTRE_SYSTEM=headers["X-Call-Centre-System"],
        HTTP_X_CALL_CENTRE_SECRET=headers["X-Call-Centre-Secret"],
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["opened_complaint"] is True
    complaint = Complaint.objects.get(number=answer.json()["complaint_number"])
    assert complaint.channel == "hotline" and Call.objects.get().system == DEMO_SYSTEM
    # Printed again, the demo keeps its secret.
    again = io.StringIO()
    Command(stdout=again)._where_to_sign_in()
    assert f"secret {secret}" in again.getvalue()


def test_without_debug_the_demo_makes_no_secret_and_prints_none(demo_settings):  # type: ignore[no-untyped-def]
    demo_settings.DEBUG = False
    assert demo_call_centre() is None
    assert not demo_settings.HOTLINE_DEMO_SECRET_FILE.exists()
    printed = io.StringIO()
    Command(stdout=printed)._call_centre("http://127.0.0.1:8000")
    assert "secret" not in printed.getvalue() and "curl" not in printed.getvalue()


def test_a_configured_system_is_listed_without_its_secret(demo_settings):  # type: ignore[no-untyped-def]
    demo_settings.HOTLINE_SYSTEMS = {"yunhu": "s" * 30}
    printed = io.StringIO()
    Command(stdout=printed)._call_centre("http://127.0.0.1:8000")
    assert "yunhu" in printed.getvalue() and "s" * 30 not in printed.getvalue()
    assert not demo_settings.HOTLINE_DEMO_SECRET_FILE.exists()


def systems_at_start_up(var_dir: Path, **environment: str) -> dict[str, str]:
    """settings.HOTLINE_SYSTEMS as a fresh process with this environment reads it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_DEBUG", "AFTERSALES_HOTLINE_SYSTEMS", "AFTERSALES_VAR_DIR")
    }
    env.update(AFTERSALES_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT), **environment)
    script = "import json; from config import settings; print(json.dumps(settings.HOTLINE_SYSTEMS))"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_settings_read_the_demo_secret_only_in_debug_with_nothing_configured(tmp_path):  # type: ignore[no-untyped-def]
    secret = "demo-secret-" + "x" * 32
    (tmp_path / "hotline-demo-secret").write_text(secret + "\n")
    assert systems_at_start_up(tmp_path, DJANGO_DEBUG="1") == {DEMO_SYSTEM: secret}
    # Production (DEBUG off, the default): the file is ignored, the endpoint refuses everyone.
    assert systems_at_start_up(tmp_path) == {}
    assert systems_at_start_up(tmp_path, DJANGO_DEBUG="0") == {}
    # An operator's own system replaces the demo's, even in DEBUG.
    configured = "yunhu:" + "y" * 24
    assert systems_at_start_up(tmp_path, DJANGO_DEBUG="1", AFTERSALES_HOTLINE_SYSTEMS=configured) == {
        "yunhu": "y" * 24
    }


def test_debug_without_the_file_has_no_built_in_secret(tmp_path):  # type: ignore[no-untyped-def]
    assert systems_at_start_up(tmp_path, DJANGO_DEBUG="1") == {}

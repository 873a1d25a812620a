"""POST /api/v1/channels/email/raw: a mail server's pipe hands over one raw message."""

import pytest
from django.core import mail as outbox

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.email.tests.conftest import mail

pytestmark = pytest.mark.django_db
URL = "/api/v1/channels/email/raw"


@pytest.fixture(autouse=True)
def pipe_secret(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_PIPE_SECRET = "s3cret-pipe"


def post(client, raw: bytes, secret: str | None = "s3cret-pipe"):  # type: ignore[no-untyped-def]
    headers = {"HTTP_X_AFTERSALES_MAIL_SECRET": secret} if secret is not None else {}
    return client.generic("POST", URL, raw, content_type="message/rfc822", **headers)


def test_the_pipe_takes_in_a_raw_message(client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, mail("foxmail_attachment_encoded_name"))
    assert response.status_code == 202
    assert response.json() == {"outcome": "opened", "reason": ""}
    assert Complaint.objects.get().subject == "平板开机卡在标志界面"
    assert len(outbox.outbox) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong"])
def test_the_pipe_refuses_a_caller_without_the_secret(client, secret) -> None:  # type: ignore[no-untyped-def]
    response = post(client, mail("x_gbk_label"), secret=secret)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert Complaint.objects.count() == 0


def test_the_pipe_is_closed_when_no_secret_is_configured(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_PIPE_SECRET = ""
    assert post(client, mail("x_gbk_label"), secret="").status_code == 401


def test_a_refused_message_gets_a_422_naming_the_reason(client) -> None:  # type: ignore[no-untyped-def]
    response = post(client, mail("five_hundred_recipients"))
    assert response.status_code == 422
    body = response.json()
    assert set(body["fields"]) == {"message"}
    assert "too_many_recipients" in body["fields"]["message"]


def test_a_message_above_the_limit_gets_a_413(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_MAX_BYTES = 1024 * 1024
    response = post(client, mail("five_megabytes"))
    assert response.status_code == 413


def test_a_five_megabyte_message_passes_the_pipe(client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    assert post(client, mail("five_megabytes")).status_code == 202

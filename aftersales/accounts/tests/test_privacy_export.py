"""Export-my-data: one archive (JSON + files), built in the background, downloaded once, signed in.

Personas (conftest): carol, a customer with a complaint; dave, another customer.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest

from aftersales.accounts.tests.privacy_fixtures import customer_session, post
from aftersales.common import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_with_a_complaint(client, carol, settings, tmp_path, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            client,
            "/api/v1/complaints",
            {"text": "充電時機身發燙，屏幕閃爍 😡", "phone": carol.phone, "channel": "app"},
        )
    assert answer.status_code == 201
    return customer_session(client, carol.phone)


def ask(client, session, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/privacy/exports", **session)
    assert answer.status_code == 202, answer.content
    return answer.json()


def test_the_archive_holds_her_record_and_words_and_downloads_once(
    client, carol, carol_with_a_complaint, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    session = carol_with_a_complaint
    asked = ask(client, session, django_capture_on_commit_callbacks)
    status = client.get(f"/api/v1/privacy/exports/{asked['id']}", **session).json()
    assert status["state"] == "ready" and status["expires_at"]
    url = f"{asked['download_url']}?token={asked['token']}"
    archive = client.get(url, **session)
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        document = json.loads(opened.read("data.json"))
    assert document["customer"] == carol.pk
    assert document["sources"]["accounts"]["customer"][0]["phone"] == carol.phone
    assert "充電時機身發燙" in document["sources"]["complaints"]["messages"][0]["text"]
    again = client.get(url, **session)
    assert again.status_code == 409 and again.json()["error"] == "export_not_ready"


def test_a_wrong_token_or_another_customer_gets_nothing(
    client, carol, dave, carol_with_a_complaint, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    asked = ask(client, carol_with_a_complaint, django_capture_on_commit_callbacks)
    url = asked["download_url"]
    assert client.get(f"{url}?token=guess", **carol_with_a_complaint).status_code == 403
    dave_session = customer_session(client, dave.phone)
    assert client.get(f"{url}?token={asked['token']}", **dave_session).status_code == 404
    assert client.get(f"{url}?token={asked['token']}").status_code == 401


def test_an_expired_link_downloads_nothing(
    client, carol_with_a_complaint, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    asked = ask(client, carol_with_a_complaint, django_capture_on_commit_callbacks)
    with clock.travel_to(clock.now() + timedelta(hours=73)):
        late = client.get(f"{asked['download_url']}?token={asked['token']}", **carol_with_a_complaint)
    assert late.status_code == 409 and late.json()["error"] == "export_not_ready"

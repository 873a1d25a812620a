"""`make demo` tells where the service desk is and who signs in to it."""

import io

import pytest
from django.core.management import call_command

from aftersales.complaints.tests.factories import submit_complaint
from aftersales.demo.seed import DEMO_PASSWORD, seed_staff

COMMAND = "aftersales.demo.management.commands.demo_seed"


@pytest.mark.django_db
def test_the_demo_prints_the_desk_address_and_its_staff_each_time_it_starts(
    client, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    # Seven demo passwords: a fast hasher keeps the test quick; what is printed does not change.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def small_demo(count: int) -> dict[str, str]:
        # The demo's staff as the real seed makes them; one complaint stands for the rest.
        seed_staff()
        submit_complaint()
        return {"agent1": "token"}

    monkeypatch.setattr(f"{COMMAND}.seed_demo", small_demo)
    monkeypatch.setattr(f"{COMMAND}.seed_outlets", lambda: 0)
    first, again = io.StringIO(), io.StringIO()
    call_command("demo_seed", stdout=first)
    call_command("demo_seed", stdout=again)
    assert "already loaded" in again.getvalue()
    for output in (first.getvalue(), again.getvalue()):
        assert "http://127.0.0.1:8000/desk/" in output and DEMO_PASSWORD in output
        assert "agent1" in output and "outlet-mgr1" in output
    # The printed logins work on the desk, outlet staff included.
    response = client.post("/desk/signin/", {"username": "outlet-mgr1", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/desk/"

"""Adam (administrator) edits outlets in the staff workspace, through the import's checks."""

import pytest

from aftersales.accounts.services import staff_enable_workspace
from aftersales.network.models import NetworkVersion, Outlet, OutletEvent
from aftersales.network.records import OUTLET_FIELDS
from aftersales.network.tests.factories import make_outlet, outlet_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, adam):  # type: ignore[no-untyped-def]
    adam.is_superuser = True
    adam.save(update_fields=["is_superuser"])
    staff_enable_workspace(user=adam, password="admin-pass-2026")
    assert client.login(username="adam", password="admin-pass-2026")
    return client


def form_data(**changes):  # type: ignore[no-untyped-def]
    row = outlet_row("sz-01")
    data = {name: row[name] for name in OUTLET_FIELDS if name not in ("code", "specialities")}
    data["phones"] = row["phones"]
    data["specialities"] = ["battery_green_channel"]
    data["timezone"] = "Asia/Shanghai"
    data.update(changes)
    return data


def test_the_admin_edits_an_outlet_and_the_finder_sees_the_change(signed_in, adam):  # type: ignore[no-untyped-def]
    outlet = make_outlet("sz-01")
    token = NetworkVersion.objects.get().token
    page = signed_in.get(f"/admin/network/outlet/{outlet.pk}/change/")
    assert page.status_code == 200 and "0755-8888 6666; 400-773-6666" in page.content.decode()

    answer = signed_in.post(
        f"/admin/network/outlet/{outlet.pk}/change/",
        form_data(hours="周一至周六 10:00-22:00；周日休息", phones="0755-8888 6666"),
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    outlet.refresh_from_db()
    assert outlet.hours == "Mo-Sa 10:00-22:00; Su off"
    assert outlet.specialities == ["battery_green_channel"]
    assert list(outlet.phones.values_list("raw", flat=True)) == ["0755-8888 6666"]
    assert OutletEvent.objects.filter(outlet=outlet, kind="updated", actor=f"staff:{adam.pk}").exists()
    assert NetworkVersion.objects.get().token != token


def test_the_admin_form_names_impossible_hours_and_saves_nothing(signed_in):  # type: ignore[no-untyped-def]
    outlet = make_outlet("sz-01")
    answer = signed_in.post(
        f"/admin/network/outlet/{outlet.pk}/change/",
        form_data(hours="Mo-Fr 09:00-25:00", uscc="91440300MA5F000001"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert "No such time of day" in errors["hours"][0] and "uscc" in errors
    outlet.refresh_from_db()
    assert outlet.hours == "Mo-Su 09:00-21:00"


def test_the_admin_adds_an_outlet_and_cannot_delete_one(signed_in):  # type: ignore[no-untyped-def]
    answer = signed_in.post("/admin/network/outlet/add/", {**form_data(), "code": "SZ-NEW"})
    assert answer.status_code == 302
    outlet = Outlet.objects.get(code="sz-new")
    assert outlet.team == "outlet-sz-new" and outlet.queues.count() == 2
    assert signed_in.post(f"/admin/network/outlet/{outlet.pk}/delete/", {"post": "yes"}).status_code == 403

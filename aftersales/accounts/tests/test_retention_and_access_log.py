"""Retention purges by the pack's periods and records what it purged; the archive-stage jobs; the access
log of staff reading personal data, visible to administrators only.

Personas (conftest): carol, a customer; alice, an agent; oscar, an outlet technician; adam, an administrator.
"""

from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import OneTimeCode, OtpThrottleKey, PersonalDataAccess, RetentionRun
from aftersales.accounts.privacy.services import ASYNCHRONOUS_COMMIT, access_record
from aftersales.accounts.tasks import retention_purge_task
from aftersales.accounts.tests.privacy_fixtures import bearer, customer_session, post
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.notifications.models import Notification
from aftersales.notifications.tasks import care_guide_push_task, outbox_drain_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(client, carol, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            client, "/api/v1/complaints", {"text": "屏幕有绿线", "phone": carol.phone, "channel": "app"}
        )
    return Complaint.objects.get(number=answer.json()["number"])


def test_sign_in_codes_and_their_throttle_keys_are_purged_after_their_period_and_the_run_recorded(
    client, carol
):  # type: ignore[no-untyped-def]
    customer_session(client, carol.phone)
    assert OneTimeCode.objects.count() == 1 and OtpThrottleKey.objects.count() == 2
    retention_purge_task()
    assert OneTimeCode.objects.count() == 1  # not yet 30 days old
    with clock.travel_to(clock.now() + timedelta(days=31)):
        run = RetentionRun.objects.get(pk=retention_purge_task())
    assert OneTimeCode.objects.count() == 0 and OtpThrottleKey.objects.count() == 0
    assert run.purged["otp_codes"] == 1 and run.purged["otp_throttle_keys"] == 2
    # Every kind the demo pack names is stored by some app (call recordings: the hotline).
    assert run.unstored_kinds == []
    assert run.purged["recordings"] == 0


def test_the_care_guide_goes_once_thirty_days_after_resolution(complaint):  # type: ignore[no-untyped-def]
    resolved = clock.now()
    Complaint.objects.filter(pk=complaint.pk).update(state="resolved", resolved_at=resolved, is_open=False)
    with clock.travel_to(resolved + timedelta(days=29)):
        assert care_guide_push_task() == 0
    with clock.travel_to(resolved + timedelta(days=30, hours=1)):
        assert care_guide_push_task() == 1
        assert care_guide_push_task() == 0
        # Queued in the outbox; the worker's drain sends it.
        assert outbox_drain_task() == 1
    guide = Notification.objects.get(reason="care_guide")
    assert guide.complaint_id == complaint.pk and complaint.number in guide.body


def test_the_outlet_kpi_report_is_stored_for_the_last_month(db):  # type: ignore[no-untyped-def]
    from aftersales.reporting.models import OutletKpiReport
    from aftersales.reporting.services import period_before
    from aftersales.reporting.tasks import outlet_kpi_report_task

    assert period_before(clock.now().date().replace(day=15), "month")[1].day == 1
    assert outlet_kpi_report_task() == OutletKpiReport.objects.count()


def test_a_staff_read_of_a_complaint_is_logged_with_the_reason_and_a_customers_is_not(
    client, carol, alice, complaint
):  # type: ignore[no-untyped-def]
    url = f"/api/v1/complaints/{complaint.number}"
    assert client.get(url, HTTP_X_ACCESS_REASON="客户来电核实", **bearer(alice)).status_code == 200
    assert client.get(f"{url}/timeline?why=callback", **bearer(alice)).status_code == 200
    assert client.get(url, **customer_session(client, carol.phone)).status_code == 200
    rows = list(
        PersonalDataAccess.objects.order_by("pk").values_list(
            "staff_id", "customer_id", "purpose", "subject", "reason"
        )
    )
    assert rows == [
        (alice.pk, carol.pk, "complaint_detail", f"complaint:{complaint.number}", "客户来电核实"),
        (alice.pk, carol.pk, "complaint_timeline", f"complaint:{complaint.number}", "callback"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_read_is_committed_before_the_answer_without_waiting_for_the_disk_unless_inside_a_transaction(
    client, carol, alice, complaint
):  # type: ignore[no-untyped-def]
    """PostgreSQL: a request's read record is a transaction of its own that does not wait for the
    WAL flush (access_record says what that risks), and only that transaction: the connection
    goes back to synchronous commits. Inside a caller's transaction the record commits with it."""
    postgres = connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as alone:
        assert client.get(f"/api/v1/complaints/{complaint.number}", **bearer(alice)).status_code == 200
    sent = [query["sql"] for query in alone.captured_queries]
    # One statement: the INSERT and the transaction's setting in one implicit transaction, nothing around them.
    records = [sql for sql in sent if 'INSERT INTO "accounts_personaldataaccess"' in sql]
    assert len(records) == 1
    assert records[0].endswith(f"SELECT {ASYNCHRONOUS_COMMIT}") == postgres
    assert not any(sql in ("BEGIN", "COMMIT") or sql.startswith("SET") for sql in sent)
    assert not connection.in_atomic_block  # committed, not left open
    assert PersonalDataAccess.objects.filter(staff=alice, purpose="complaint_detail").count() == 1
    if postgres:
        other = connections.create_connection("default")  # another session sees it: committed
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM accounts_personaldataaccess WHERE staff_id = %s", [alice.pk]
                )
                assert cursor.fetchone()[0] == 1
        finally:
            other.close()
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"

    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        access_record(
            actor=staff_actor(alice),
            customer_ids=[carol.pk],
            purpose="complaint_detail",
            subject="complaint:x",
        )
    assert not any(ASYNCHRONOUS_COMMIT in query["sql"] for query in inside.captured_queries)
    assert PersonalDataAccess.objects.filter(staff=alice, purpose="complaint_detail").count() == 2


def test_a_search_and_the_desk_page_are_logged_too(client, carol, alice, complaint):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/complaints/search?q=13800138000", **bearer(alice)).status_code == 200
    client.force_login(alice)
    assert client.get(f"/desk/complaints/{complaint.number}/").status_code == 200
    assert set(PersonalDataAccess.objects.values_list("purpose", "customer_id")) == {
        ("search", carol.pk),
        ("desk_complaint", carol.pk),
    }


def test_a_refused_read_is_not_logged_as_a_read(client, oscar, complaint):  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/complaints/{complaint.number}", **bearer(oscar)).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_administrators_read_the_access_log_in_the_admin_and_nobody_edits_it(
    client, alice, adam, carol, complaint
):  # type: ignore[no-untyped-def]
    from aftersales.accounts.services import staff_enable_workspace

    client.get(f"/api/v1/complaints/{complaint.number}", **bearer(alice))
    staff_enable_workspace(user=adam, password="a-long-admin-pass")
    client.force_login(adam)
    listing = client.get("/admin/accounts/personaldataaccess/")
    assert listing.status_code == 200 and "complaint_detail" in listing.content.decode()
    entry = PersonalDataAccess.objects.get()
    assert (
        client.post(f"/admin/accounts/personaldataaccess/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert PersonalDataAccess.objects.filter(pk=entry.pk).exists()
    # The customer lookup in the admin is itself logged.
    assert client.get(f"/admin/accounts/customer/{carol.pk}/change/?why=hotline").status_code == 200
    assert PersonalDataAccess.objects.filter(purpose="customer_lookup", staff=adam, reason="hotline").exists()
    assert client.get("/admin/accounts/customer/?q=13800138000").status_code == 200
    assert PersonalDataAccess.objects.filter(
        purpose="customer_lookup", subject="customer search", customer=carol
    ).exists()
    staff_enable_workspace(user=alice, password="another-long-pass")
    client.force_login(alice)
    assert client.get("/admin/accounts/personaldataaccess/").status_code in (302, 403)

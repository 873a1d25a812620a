"""The electronic service record (电子服务档案): PDF content, who may download it, its ledger entry.

Personas: adam (administrator), olga (technician of outlet sz-futian-01, repairs/tests/factories),
otto (technician of another outlet: no access), the complaint's customer through its tracking link.
"""

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader

from aftersales.accounts.actors import SYSTEM, staff_actor
from aftersales.accounts.services import api_token_create
from aftersales.common import clock
from aftersales.complaints import services as complaint_services
from aftersales.complaints.services import tracking_token
from aftersales.evidence.models import LedgerEntry, ServiceRecord
from aftersales.evidence.records import SERVICE_RECORD
from aftersales.evidence.services import seal_create
from aftersales.evidence.verify import ledger_verify
from aftersales.repairs.tests.factories import approved_order, make_bench, other_outlet_technician

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def order(signing_key):  # type: ignore[no-untyped-def]
    """An approved repair (screen and battery) whose customer signed the agreement, then wrote and was answered."""
    bench = make_bench()
    order = approved_order(bench)
    complaint = order.complaint
    complaint_services.complaint_reply(
        actor=staff_actor(bench.olga), complaint=complaint, body="您好,屏幕总成已到货,預計明天修好 👍"
    )
    return order


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def record_url(complaint):  # type: ignore[no-untyped-def]
    return f"/api/v1/evidence/complaints/{complaint.number}/record"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_staff_download_a_record_holding_the_repair_the_agreement_and_the_hash(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    response = client.get(record_url(complaint), **bearer(order.engineer))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    record = ServiceRecord.objects.get(complaint=complaint)
    compact = text.replace(" ", "").replace("\n", "")
    assert complaint.number in compact
    assert "电子服务档案" in compact and "维修单" in compact and "服务协议版本" in compact
    assert "SZ0042" in compact  # the engineer's employee id
    assert order.agreement_sha256 in compact and order.agreement.version in compact
    assert record.content_sha256 in compact and response["X-Record-SHA256"] == record.content_sha256
    assert "屏幕总成已到货" in compact and "預計明天修好" in compact
    imei = complaint.device.imei
    assert imei not in compact and (imei[:4] + "*******" + imei[-4:]) in compact
    assert complaint.customer.phone not in compact and "13800138000" not in compact


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_record_renders_to_a_page_that_is_not_blank(client, order, tmp_path):  # type: ignore[no-untyped-def]
    from PIL import Image

    response = client.get(record_url(order.complaint), **bearer(order.engineer))
    source = tmp_path / "record.pdf"
    source.write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
    )
    (page,) = tmp_path.glob("page*.png")
    image = Image.open(page).convert("L")
    dark = len([value for value in image.get_flattened_data() if int(value) < 128])  # type: ignore[call-overload]
    assert dark > 0.01 * image.width * image.height  # text, tables and the QR code are drawn


def test_the_customer_downloads_through_the_tracking_link_and_nobody_else_can(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    mine = client.get(record_url(complaint), HTTP_X_TRACKING_TOKEN=tracking_token(complaint))
    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert client.get(record_url(complaint)).status_code == 401
    assert client.get(record_url(complaint) + "?token=wrong").status_code == 404
    assert (
        client.get(record_url(complaint), **bearer(other_outlet_technician())).status_code == 404
    )  # outside their reach: as if it did not exist


def test_the_same_content_is_issued_once_and_a_change_issues_a_new_record(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    headers = bearer(order.engineer)
    first = client.get(record_url(complaint), **headers)
    again = client.get(record_url(complaint), **headers)
    assert first.content == again.content and ServiceRecord.objects.count() == 1
    complaint_services.complaint_reply(
        actor=staff_actor(order.engineer), complaint=complaint, body="已修好,可取机"
    )
    changed = client.get(record_url(complaint), **headers)
    assert changed["X-Record-SHA256"] != first["X-Record-SHA256"]
    assert ServiceRecord.objects.count() == 2
    entries = LedgerEntry.objects.filter(subject_kind=SERVICE_RECORD, chain=f"complaint:{complaint.number}")
    assert entries.count() == 2
    old = client.get(f"/verify/{complaint.number}?h={first['X-Record-SHA256']}")
    assert old.status_code == 200 and 'id="superseded"' in old.content.decode()


def test_the_verification_page_confirms_an_issued_record_and_shows_no_personal_data(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    digest = client.get(record_url(complaint), **bearer(order.engineer))["X-Record-SHA256"]
    seal_create(actor=SYSTEM)
    page = client.get(f"/verify/{complaint.number}?h={digest}")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-verdict="authentic"' in html and "seal 1" in html
    for personal in (complaint.customer.phone, complaint.customer.phone[-8:], complaint.device.imei, "屏幕"):
        assert personal not in html
    forged = client.get(f"/verify/{complaint.number}?h={'0' * 64}")
    assert forged.status_code == 404 and 'data-verdict="unknown"' in forged.content.decode()
    for hostile in ("%F0%9F%93%B1", "x" * 5000, "%EF%BC%91%EF%BC%92", "'%20OR%201=1--"):
        assert client.get(f"/verify/{complaint.number}?h={hostile}").status_code == 404
        assert client.get(f"/verify/{hostile}?h={digest}").status_code in (404, 422)


def test_a_record_altered_in_the_database_is_caught_by_the_ledger_and_the_page(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    digest = client.get(record_url(complaint), **bearer(order.engineer))["X-Record-SHA256"]
    seal_create(actor=SYSTEM)
    assert ledger_verify().ok
    ServiceRecord.objects.filter(content_sha256=digest).update(pdf_sha256="f" * 64)
    report = ledger_verify()
    assert not report.ok and report.problem is not None
    assert report.problem.code == "record_altered" and report.problem.subject.startswith("service_record:")
    page = client.get(f"/verify/{complaint.number}?h={digest}")
    assert 'data-verdict="ledger_mismatch"' in page.content.decode()


def test_a_large_record_is_generated_in_the_background_and_polled(
    client, order, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_RECORD_INLINE_MAX_ROWS = 5
    complaint = order.complaint
    token = tracking_token(complaint)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted = client.get(record_url(complaint), HTTP_X_TRACKING_TOKEN=token)
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["status"] == "pending" and body["pdf_url"] is None
    pending = client.get(body["status_url"], HTTP_X_TRACKING_TOKEN=token)
    assert pending.json()["status"] == "pending"
    assert (
        client.get(f"/api/v1/evidence/records/{body['id']}/pdf", HTTP_X_TRACKING_TOKEN=token).status_code
        == 409
    )
    for callback in callbacks:  # the worker picks the task up (eager Celery)
        callback()
    ready = client.get(body["status_url"], HTTP_X_TRACKING_TOKEN=token).json()
    assert (
        ready["status"] == "ready"
        and ready["pages"] >= 1
        and ready["verify_url"].endswith(ready["content_sha256"])
    )
    pdf = client.get(ready["pdf_url"], HTTP_X_TRACKING_TOKEN=token)
    assert pdf.status_code == 200 and complaint.number in pdf_text(pdf.content).replace(" ", "")
    assert client.get(body["status_url"]).status_code == 401
    assert client.get(body["status_url"], **bearer(other_outlet_technician())).status_code == 404


def test_erasure_deletes_the_generated_pdfs_and_the_ledger_still_verifies(
    client, order, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import customer_actor
    from aftersales.accounts.privacy.services import erasure_request, erasure_sweep
    from aftersales.evidence.storage import generated_file_exists

    complaint = order.complaint
    client.get(record_url(complaint), **bearer(order.engineer))
    record = ServiceRecord.objects.get(complaint=complaint)
    assert generated_file_exists(record.file_name)
    erasure_request(customer=complaint.customer, actor=customer_actor(complaint.customer_id))
    with django_capture_on_commit_callbacks(execute=True):
        assert len(erasure_sweep(now=clock.now() + timedelta(days=30))) == 1
    assert not generated_file_exists(record.file_name)
    record.refresh_from_db()
    assert record.file_name == "" and record.content_sha256  # the hash the ledger sealed stays
    seal_create(actor=SYSTEM)
    assert ledger_verify().ok


def test_the_desk_links_the_record_and_a_signed_in_staff_browser_downloads_it(client, order):  # type: ignore[no-untyped-def]
    complaint = order.complaint
    client.force_login(order.engineer)
    page = client.get(f"/desk/complaints/{complaint.number}/")
    assert page.status_code == 200
    link = f'href="/api/v1/evidence/complaints/{complaint.number}/record"'
    assert link in page.content.decode()
    download = client.get(f"/api/v1/evidence/complaints/{complaint.number}/record")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_a_background_record_whose_task_was_lost_is_asked_for_again(
    client, order, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from aftersales.common import clock

    settings.EVIDENCE_RECORD_INLINE_MAX_ROWS = 5
    headers = bearer(order.engineer)
    with django_capture_on_commit_callbacks(execute=False):  # the broker loses the task
        lost = client.get(record_url(order.complaint), **headers).json()
    with django_capture_on_commit_callbacks(execute=False):
        assert client.get(record_url(order.complaint), **headers).json()["id"] == lost["id"]
    with (
        clock.travel_to(clock.now() + timedelta(minutes=16)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = client.get(record_url(order.complaint), **headers)
    assert again.status_code == 202 and again.json()["id"] != lost["id"]
    assert ServiceRecord.objects.get(pk=lost["id"]).status == "failed"
    assert client.get(again.json()["status_url"], **headers).json()["status"] == "ready"


def test_the_signed_in_owner_downloads_it_and_another_customer_cannot(client, order):  # type: ignore[no-untyped-def]
    from aftersales.complaints.tests.factories import submit_complaint
    from aftersales.complaints.tests.test_api import customer_token

    complaint = order.complaint
    owner = customer_token(client, complaint.customer.phone)
    assert client.get(record_url(complaint), **owner).status_code == 200
    submit_complaint(text="另一位客户:耳机没声音", phone="+8613900139000")
    stranger = customer_token(client, "+8613900139000")
    assert client.get(record_url(complaint), **stranger).status_code == 404


def test_the_bundle_carries_the_receipt_whose_pdf_hash_matches_the_download(client, order, tmp_path):  # type: ignore[no-untyped-def]
    import hashlib
    import json
    import zipfile

    from aftersales.common import clock
    from aftersales.evidence.bundle import bundle_build
    from aftersales.evidence.bundle_verify import verify_bundle

    complaint = order.complaint
    pdf = client.get(record_url(complaint), **bearer(order.engineer)).content
    seal_create(actor=SYSTEM)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle_build(complaint_number=complaint.number, at=clock.now()))
    assert (
        verify_bundle(str(path)).entries
        == LedgerEntry.objects.filter(chain=f"complaint:{complaint.number}").count()
    )
    with zipfile.ZipFile(path) as archive:
        receipts = [
            json.loads(archive.read(name))
            for name in archive.namelist()
            if name.startswith("records/") and b'"service_record"' in archive.read(name)
        ]
    (receipt,) = receipts
    assert receipt["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert "customer" not in receipt and complaint.customer.phone not in json.dumps(receipt)


def _compact(text: str) -> str:
    return text.replace(" ", "").replace("\n", "")


@pytest.fixture
def corrected(order):  # type: ignore[no-untyped-def]
    """The order's complaint after staff corrected its category and wrote an internal note."""
    from aftersales.accounts.models import Role
    from aftersales.accounts.tests.factories import StaffFactory

    complaint = order.complaint
    adam = StaffFactory(username="adam", role=Role.ADMIN)
    complaint_services.complaint_correct_category(
        actor=staff_actor(adam), complaint=complaint, category="battery_charging", reason="电池鼓包"
    )
    complaint_services.complaint_add_note(
        actor=staff_actor(adam), complaint=complaint, body="内部:客户情绪激动,优先处理"
    )
    complaint.refresh_from_db()
    return order


def test_the_customers_copy_leaves_out_what_only_staff_see(client, corrected):  # type: ignore[no-untyped-def]
    complaint = corrected.complaint
    customer = client.get(record_url(complaint), HTTP_X_TRACKING_TOKEN=tracking_token(complaint))
    staff = client.get(record_url(complaint), **bearer(corrected.engineer))
    assert customer.status_code == staff.status_code == 200
    mine, theirs = _compact(pdf_text(customer.content)), _compact(pdf_text(staff.content))
    for internal in ("预诊断", "Pre-diagnosis", "优先级", "级别level", "Assignedtoteam", "分配给团队",
                     "Categorycorrected", "类别更正", "客户情绪激动", "内部版"):  # fmt: skip
        assert internal not in mine, internal
    from aftersales.policy.pack import current_pack

    channel = current_pack().channels[complaint.channel]
    assert "客户版" in mine and "北京时间" in mine and "(UTC)" not in mine
    assert _compact(f"渠道Channel{channel['zh-hans']} {channel['en']}") in mine
    assert f"via {complaint.channel}" not in pdf_text(customer.content)
    # Staff still get the full record, in Beijing time too.
    for internal in ("预诊断", "Categorycorrected", "内部版", "北京时间"):
        assert internal in theirs, internal
    assert "客户情绪激动" not in theirs  # internal notes are not printed on either copy
    # Two records, each with its own hash, each verified by its QR code's page.
    records = {r.audience: r for r in ServiceRecord.objects.filter(complaint=complaint)}
    assert set(records) == {"customer", "staff"}
    assert customer["X-Record-SHA256"] == records["customer"].content_sha256 != staff["X-Record-SHA256"]
    for record in records.values():
        page = client.get(f"/verify/{complaint.number}?h={record.content_sha256}")
        assert page.status_code == 200 and 'id="superseded"' not in page.content.decode()


def test_a_customer_cannot_fetch_the_staff_copy_by_its_id(client, corrected):  # type: ignore[no-untyped-def]
    complaint = corrected.complaint
    client.get(record_url(complaint), **bearer(corrected.engineer))
    staff_copy = ServiceRecord.objects.get(complaint=complaint, audience="staff")
    token = {"HTTP_X_TRACKING_TOKEN": tracking_token(complaint)}
    assert client.get(f"/api/v1/evidence/records/{staff_copy.pk}/pdf", **token).status_code == 404
    assert client.get(f"/api/v1/evidence/records/{staff_copy.pk}", **token).status_code == 404
    assert (
        client.get(f"/api/v1/evidence/records/{staff_copy.pk}/pdf", **bearer(corrected.engineer)).status_code
        == 200
    )


def test_record_times_are_beijing_time():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from aftersales.evidence.service_record import beijing_time

    assert beijing_time(datetime(2026, 11, 30, 17, 5, 9, tzinfo=UTC)) == "2026-12-01 01:05:09"

"""Photos and the unboxing video from the app and the web form.

- carol: a customer who files from the service app with photos and a video, signed in
- dave: another customer; carol's files are none of his business
- an anonymous app user: uploads, then files with the ids and gets a tracking token
- alice: the agent who sees every file with its name and digest
"""

import io
import json
import zipfile

import pytest
from PIL import Image

from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.tests.test_api import bearer, customer_token
from aftersales.intake.attachments.schemas import AttachmentOut, CustomerAttachmentOut
from aftersales.intake.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def noisy_photo() -> bytes:
    """A photo that does not compress: each pixel its own colour."""
    import random

    pixels = random.Random(7).randbytes(100 * 100 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (100, 100), pixels).save(buffer, "PNG")
    return buffer.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


# ISO base media files as phones write them: an ftyp box with the brand, then media data.
MP4 = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41") + box(b"mdat", b"\x00" * 2048)
MOV = box(b"ftyp", b"qt  \x00\x00\x02\x00qt  ") + box(b"mdat", b"\x00" * 2048)
HEIC = box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(b"mdat", b"\x00" * 512)
WINDOWS_PROGRAM = b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("相册/全家福.jpg", b"\x00" * (120 * 1024 * 1024))
    return buffer.getvalue()


def upload(client, name: str, content: bytes, content_type: str = "application/octet-stream", **headers):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        **headers,
    )


def submit(client, body: dict, **headers):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/complaints", json.dumps(body), content_type="application/json", **headers)


def test_an_app_uploads_photos_and_a_video_then_files_the_complaint_with_their_ids(client):  # type: ignore[no-untyped-def]
    ids = []
    for name, content, declared in (
        ("IMG_0001.JPG", photo(), "image/jpeg"),
        ("屏幕裂纹.png", photo("PNG"), "image/png"),
        ("IMG_0002.HEIC", HEIC, "image/heic"),
        ("相机.webp", photo("WEBP"), "image/webp"),
        ("开箱视频.mp4", MP4, "video/mp4"),
        ("IMG_0003.MOV", MOV, "video/quicktime"),
    ):
        answer = upload(client, name, content, declared)
        assert answer.status_code == 201, answer.json()
        ids.append(answer.json()["id"])
    kinds = [Attachment.objects.get(token=i).kind for i in ids]
    assert kinds == ["photo"] * 4 + ["video"] * 2
    filed = submit(
        client,
        {"text": "新手机开箱屏幕就有裂纹 📱,附照片和开箱视频", "phone": "13800138000", "attachments": ids},
    )
    assert filed.status_code == 201, filed.json()
    complaint = Complaint.objects.get(number=filed.json()["number"])
    assert set(complaint.attachments.values_list("token", flat=True)) == set(ids)
    event = TimelineEvent.objects.get(complaint=complaint, kind=TimelineEvent.Kind.ATTACHMENT)
    assert len(event.payload["attachments"]) == 6
    assert "屏幕裂纹" not in json.dumps(event.payload, ensure_ascii=False)  # names are not copied

    token = filed.json()["tracking_token"]
    listed = client.get(f"/api/v1/complaints/{complaint.number}/attachments", HTTP_X_TRACKING_TOKEN=token)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == ids
    assert set(listed.json()[0]) == set(CustomerAttachmentOut.model_fields)
    download = client.get(listed.json()[1]["download_url"], HTTP_X_TRACKING_TOKEN=token)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == photo("PNG")
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def test_an_upload_is_used_once_and_an_unknown_id_is_refused_naming_it(client):  # type: ignore[no-untyped-def]
    first = upload(client, "a.jpg", photo()).json()["id"]
    assert (
        submit(client, {"text": "屏幕闪烁", "phone": "13800138000", "attachments": [first]}).status_code
        == 201
    )
    again = submit(
        client, {"text": "耳机没声音", "phone": "13800138001", "attachments": [first, "no-such-id"]}
    )
    assert again.status_code == 422
    assert set(again.json()["fields"]) == {"attachments.0", "attachments.1"}
    assert "不存在或已被使用" in again.json()["fields"]["attachments.1"]
    assert Complaint.objects.count() == 1


def test_a_retried_submission_with_its_key_keeps_its_files_on_the_first_complaint(client):  # type: ignore[no-untyped-def]
    first = upload(client, "a.jpg", photo()).json()["id"]
    body = {"text": "屏幕闪烁", "phone": "13800138000", "attachments": [first]}
    one = submit(client, body, HTTP_IDEMPOTENCY_KEY="app-7f3a")
    two = submit(client, body, HTTP_IDEMPOTENCY_KEY="app-7f3a")
    assert (one.status_code, two.status_code) == (201, 200)
    assert Attachment.objects.get().complaint.number == one.json()["number"]
    assert TimelineEvent.objects.filter(kind=TimelineEvent.Kind.ATTACHMENT).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "declared", "code"),
    [
        ("setup.exe", WINDOWS_PROGRAM, "application/octet-stream", "attachment_executable"),
        ("photo.jpg", WINDOWS_PROGRAM, "image/jpeg", "attachment_executable"),
        ("照片.jpg", LINUX_PROGRAM, "image/jpeg", "attachment_executable"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "text/plain", "attachment_executable"),
        ("全家福.zip", zip_bomb(), "application/zip", "attachment_zip_bomb"),
        ("视频.mp4", photo(), "video/mp4", "attachment_type_mismatch"),
        ("photo.jpg", MP4, "image/jpeg", "attachment_type_mismatch"),
        ("invoice.jpg.apk", photo(), "image/jpeg", "attachment_type_mismatch"),
        ("notes.txt", "发票号码 12345".encode(), "text/plain", "attachment_type_not_allowed"),
        ("doc.pdf", b"%PDF-1.7\n" + b"\x00" * 100, "application/pdf", "attachment_type_not_allowed"),
        ("empty.jpg", b"", "image/jpeg", "attachment_empty"),
        ("broken.png", photo("PNG")[:60], "image/png", "attachment_unreadable"),
    ],
)
def test_a_file_that_is_not_a_photo_or_video_is_refused_naming_the_field(
    client, name, content, declared, code
):  # type: ignore[no-untyped-def]
    answer = upload(client, name, content, declared, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 422, answer.content
    assert answer.json()["field_codes"] == {"file": code}
    assert answer.json()["fields"]["file"] and "{" not in answer.json()["fields"]["file"]
    chinese = upload(client, name, content, declared)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.json()["fields"]["file"])
    assert Attachment.objects.count() == 0


def test_sizes_and_pixels_are_limited_per_kind_by_settings(client, settings):  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_PHOTO_MAX_BYTES = 1000
    settings.ATTACHMENT_VIDEO_MAX_BYTES = 100_000
    big_photo = noisy_photo()
    assert len(big_photo) > 1000
    refused = upload(client, "big.png", big_photo, HTTP_ACCEPT_LANGUAGE="en").json()
    assert refused["field_codes"] == {"file": "attachment_too_large"}
    assert "at most 1000 bytes" in refused["fields"]["file"]
    assert upload(client, "v.mp4", MP4).status_code == 201  # the video's own limit
    settings.ATTACHMENT_PHOTO_MAX_BYTES = 10_000_000
    settings.ATTACHMENT_MAX_PIXELS = 10_000
    bomb = upload(client, "big.png", photo("PNG", (200, 200))).json()
    assert bomb["field_codes"] == {"file": "attachment_image_bomb"}
    assert "40000" in bomb["fields"]["file"]


def test_the_count_is_limited_per_submission(client, settings):  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_MAX_COUNT = 2
    ids = [upload(client, f"{n}.jpg", photo()).json()["id"] for n in range(3)]
    answer = submit(client, {"text": "屏幕闪烁", "phone": "13800138000", "attachments": ids})
    assert answer.status_code == 422
    assert answer.json()["field_codes"] == {"attachments": "attachment_count_exceeded"}
    assert Complaint.objects.count() == 0


def test_a_signed_in_customers_upload_is_hers_alone_and_her_files_are_hidden_from_dave(
    client, carol, dave, alice
):  # type: ignore[no-untyped-def]
    carol_auth = customer_token(client, "+8613800138000")
    dave_auth = customer_token(client, "+8613900139000")
    own = upload(client, "IMG_1.jpg", photo(), **carol_auth).json()["id"]
    stolen = submit(client, {"text": "别人的照片", "attachments": [own]}, **dave_auth)
    assert stolen.status_code == 422 and "attachments.0" in stolen.json()["fields"]
    filed = submit(client, {"text": "电池鼓包,附照片", "attachments": [own]}, **carol_auth)
    assert filed.status_code == 201
    number = filed.json()["number"]
    url = f"/api/v1/complaints/{number}/attachments"
    assert client.get(url, **dave_auth).status_code == 404
    assert client.get(f"{url}/{own}", **dave_auth).status_code == 404
    assert client.get(url).status_code == 401
    mine = client.get(url, **carol_auth).json()
    assert "name" not in mine[0] and "sha256" not in mine[0]
    staff_view = client.get(url, **bearer(alice)).json()
    assert staff_view[0]["name"] == "IMG_1.jpg" and len(staff_view[0]["sha256"]) == 64
    assert client.get(f"{url}/{own}", **bearer(alice)).status_code == 200


def test_the_customer_schema_holds_nothing_the_staff_schema_does_not_extend():  # type: ignore[no-untyped-def]
    customer, staff = set(CustomerAttachmentOut.model_fields), set(AttachmentOut.model_fields)
    assert customer < staff
    assert staff - customer == {"source", "channel", "name", "sha256", "uploaded_by"}


def test_the_web_form_takes_photos_and_refuses_a_program_in_words(client):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(
        "/",
        {
            "text": "手機螢幕碎裂",
            "phone": "13800138000",
            "language": "zh-hans",
            "attachments": [SimpleUploadedFile("照片.jpg", WINDOWS_PROGRAM, content_type="image/jpeg")],
        },
    )
    assert refused.status_code == 200
    assert "不接受程序或脚本文件" in refused.content.decode()
    assert Complaint.objects.count() == 0
    page = client.get("/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page and "multiple" in page
    accepted = client.post(
        "/",
        {
            "text": "手機螢幕碎裂",
            "phone": "13800138000",
            "language": "zh-hans",
            "attachments": [
                SimpleUploadedFile("裂纹1.jpg", photo(), content_type="image/jpeg"),
                SimpleUploadedFile("开箱.mp4", MP4, content_type="video/mp4"),
            ],
        },
    )
    assert accepted.status_code == 302
    complaint = Complaint.objects.get()
    assert sorted(complaint.attachments.values_list("kind", "channel")) == [
        ("photo", "web"),
        ("video", "web"),
    ]


def test_erasure_deletes_the_files_and_blanks_their_names(client, media):  # type: ignore[no-untyped-def]
    from aftersales.accounts.privacy.registry import (
        DataSubject,
        customer_personal_files,
        personal_data_sources,
    )

    ids = [upload(client, "家里的猫.jpg", photo()).json()["id"]]
    number = submit(client, {"text": "屏幕闪烁", "phone": "13800138000", "attachments": ids}).json()["number"]
    complaint = Complaint.objects.get(number=number)
    subject = DataSubject(customer_id=complaint.customer_id, complaint_ids=(complaint.pk,))
    files = customer_personal_files(subject)
    assert [f.export_name for f in files if f.export_name.startswith("attachment-")] == [
        f"attachment-{ids[0]}-家里的猫.jpg"
    ]
    source = next(s for s in personal_data_sources() if s.name == "attachments")
    assert source.erase(subject=subject, at=complaint.created_at, request_id=1) == {"attachments": 1}
    row = Attachment.objects.get()
    assert (row.name, row.file.name, row.erased_at is not None) == ("", "", True)
    assert len(row.sha256) == 64  # the evidence that it existed stays


def test_uploads_never_named_are_removed_after_their_time(
    client, settings, media, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from aftersales.common import clock
    from aftersales.intake.attachments.services import attachments_purge_unclaimed

    upload(client, "a.jpg", photo())
    stored = Attachment.objects.get().file.name
    assert (media / stored).exists()
    later = clock.now() + timedelta(hours=settings.ATTACHMENT_UNCLAIMED_HOURS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_purge_unclaimed(now=later) == 1
    assert Attachment.objects.count() == 0
    assert not (media / stored).exists()


def test_one_address_may_keep_only_so_many_uploads_waiting(client, settings):  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_MAX_PER_COMPLAINT = 2
    ids = [upload(client, f"{n}.jpg", photo()).json()["id"] for n in range(2)]
    third = upload(client, "2.jpg", photo())
    assert third.status_code == 422
    assert third.json()["field_codes"] == {"file": "attachment_pending_limit"}
    # Another address is not held up by this one.
    assert upload(client, "3.jpg", photo(), REMOTE_ADDR="203.0.113.9").status_code == 201
    # Filing the complaint frees the address's room.
    assert submit(client, {"text": "屏幕闪烁", "phone": "13800138000", "attachments": ids}).status_code == 201
    assert upload(client, "4.jpg", photo()).status_code == 201


def test_retention_deletes_the_files_of_complaints_archived_past_the_period(  # type: ignore[no-untyped-def]
    client, media, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from aftersales.accounts.privacy.services import retention_purge
    from aftersales.common import clock

    ids = [upload(client, "a.jpg", photo()).json()["id"], upload(client, "b.mp4", MP4).json()["id"]]
    number = submit(client, {"text": "屏幕闪烁", "phone": "13800138000", "attachments": ids}).json()["number"]
    recent = submit(
        client,
        {
            "text": "耳机没声音",
            "phone": "13800138001",
            "attachments": [upload(client, "c.jpg", photo()).json()["id"]],
        },
    ).json()["number"]
    now = clock.now()
    Complaint.objects.filter(number=number).update(
        state="closed", is_open=False, closed_at=now - timedelta(days=4 * 365)
    )
    Complaint.objects.filter(number=recent).update(
        state="closed", is_open=False, closed_at=now - timedelta(days=30)
    )
    files = {a.token: a.file.name for a in Attachment.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_purge(now=now)
    assert run.purged["attachments"] == 2
    assert all(not (media / files[token]).exists() for token in ids)
    assert Attachment.objects.filter(complaint__number=recent).exclude(file="").count() == 1

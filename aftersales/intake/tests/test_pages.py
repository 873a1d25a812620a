import pytest

from aftersales.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_the_web_form_opens_a_complaint_and_shows_its_number(client):  # type: ignore[no-untyped-def]
    form = client.get("/")
    assert form.status_code == 200 and "提交投诉" in form.content.decode()
    response = client.post(
        "/", {"text": "手机充电很慢", "phone": "13800138000", "language": "zh-hans"}, follow=True
    )
    complaint = Complaint.objects.get()
    assert complaint.channel == "web"
    assert complaint.number in response.content.decode()
    assert "投诉已受理" in response.content.decode()


def test_the_web_form_shows_field_errors_and_keeps_the_input(client):  # type: ignore[no-untyped-def]
    response = client.post(
        "/", {"text": "屏幕坏了", "phone": "123", "language": "en"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Not a valid phone number." in body and "屏幕坏了" in body
    assert Complaint.objects.count() == 0


def test_a_wrong_tracking_token_shows_nothing(client):  # type: ignore[no-untyped-def]
    client.post("/", {"text": "手机充电很慢", "phone": "13800138000", "language": "zh-hans"})
    number = Complaint.objects.get().number
    response = client.get(f"/track/{number}/?token=guess")
    assert response.status_code == 404 and number not in response.content.decode().split("未找到")[0]


def test_the_forms_hidden_key_has_no_visible_label(client):  # type: ignore[no-untyped-def]
    page = client.get("/").content.decode()
    assert 'type="hidden" name="submission_key"' in page
    assert "Submission key" not in page and 'for="id_submission_key"' not in page

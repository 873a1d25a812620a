"""Staff see what mail came in and went out, and cannot change it."""

import pytest

from aftersales.intake.channels.email.services import mail_receive
from aftersales.intake.channels.email.tests.conftest import mail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["receivedmail", "sentmail", "mailattachment"])
def test_the_mail_records_are_listed_read_only(admin_client, model, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    mail_receive(raw=mail("foxmail_attachment_encoded_name"), source="test")
    mail_receive(raw=mail("exchange_out_of_office"), source="test")
    listing = admin_client.get(f"/admin/email_channel/{model}/")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/email_channel/{model}/add/").status_code == 403

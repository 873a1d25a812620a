"""The complaint's calls on the workspace's complaint page, and this app's Chinese catalogue."""

import gettext
import re
from pathlib import Path

import pytest

from aftersales.complaints.models import Complaint
from aftersales.intake.channels.hotline.client import tone_wav
from aftersales.intake.channels.hotline.tests.conftest import at

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.django_db
def test_the_complaint_page_lists_its_calls_with_a_play_link(client, call_centre, wang, liu, grandma_li):  # type: ignore[no-untyped-def]
    pushed = call_centre.push_call(
        call_id="c-1",
        started_at=at("2026-11-30 10:00"),
        ended_at=at("2026-11-30 10:02:05"),
        customer_number="13800138000",
        agent="E10001",
        complaint_text="手机摔了一下屏幕不显示",
        recording=tone_wav(seconds=0.1),
        dialled_number="4006667733",
    ).json()
    client.force_login(wang)
    page = client.get(
        f"/desk/complaints/{pushed['complaint_number']}/", HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    assert 'id="hotline-calls"' in page and "热线通话" in page and "银发专线" in page and "2 分 5 秒" in page
    assert f'src="/api/v1/channels/hotline/recordings/{pushed["id"]}"' in page
    # The timeline says it in words.
    assert "客户来电银发专线" in page
    # Outlet staff of the complaint's team see the call but no play link.
    Complaint.objects.filter(number=pushed["complaint_number"]).update(team=liu.team)
    client.force_login(liu)
    outlet_page = client.get(f"/desk/complaints/{pushed['complaint_number']}/").content.decode()
    assert 'id="hotline-calls"' in outlet_page and "/recordings/" not in outlet_page


def test_the_catalogue_translates_every_phrase_and_the_mo_is_current() -> None:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M)
    assert len(entries) >= 10 and all(msgstr for _msgid, msgstr in entries)
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for msgid, msgstr in entries:
        assert catalogue.gettext(msgid) == msgstr
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr))

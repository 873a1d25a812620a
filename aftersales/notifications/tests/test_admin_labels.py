"""Adam (administrator) reads every model's name on the Chinese admin in the platform's
bilingual labels (`回复模板 Reply template`), not Django's English class names."""

import pytest

from aftersales.accounts.services import staff_enable_workspace

pytestmark = pytest.mark.django_db

LABELS = [
    "发件箱消息 Outbox messages",
    "回复模板 Reply templates",
    "热线来电 Hotline calls",
    "待回电 Call-backs",
]


@pytest.fixture
def signed_in(client, adam):  # type: ignore[no-untyped-def]
    adam.is_superuser = True
    adam.save(update_fields=["is_superuser"])
    staff_enable_workspace(user=adam, password="admin-pass-2026")
    assert client.login(username="adam", password="admin-pass-2026")
    return client


def test_the_admin_index_names_the_models_in_both_languages(signed_in):  # type: ignore[no-untyped-def]
    page = signed_in.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for label in LABELS:
        assert label in page
    assert "Outbox messages</a>" not in page.replace("发件箱消息 Outbox messages</a>", "")


def test_adding_a_reply_template_confirms_it_by_its_chinese_name(signed_in):  # type: ignore[no-untyped-def]
    answer = signed_in.post(
        "/admin/desk/macro/add/",
        {
            "name": "屏幕保修说明 📱",
            "language": "zh-hans",
            "body": "您好，{customer_name}：",
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )
    page = answer.content.decode()
    assert "成功添加了 回复模板 Reply template" in page, page[:2000]
    assert " macro " not in page


def test_the_other_models_carry_labels_too():  # type: ignore[no-untyped-def]
    from aftersales.desk.models import SavedFilter
    from aftersales.intake.models import Attachment

    assert str(SavedFilter._meta.verbose_name_plural) == "已保存的筛选 Saved filters"
    assert str(Attachment._meta.verbose_name) == "附件 Attachment"

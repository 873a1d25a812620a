"""The first version of the electronic service agreement (电子服务协议), in force from 2026-01-01."""

import hashlib
import json
from datetime import UTC, datetime

from django.db import migrations

VERSION = "2026-01"
TEXT_ZH = """电子服务协议(2026-01 版)
1. 维修前,服务网点向您出示逐项报价;保修范围内的项目不收费,付费项目须经您确认后方可进行。
2. 维修仅使用原厂配件;更换下的旧件可应您的要求交还。
3. 维修前请备份数据;维修过程可能清除设备数据,网点不对未备份的数据负责。
4. 设备进液、非授权维修等情况不在保修范围内,网点将据实告知检测结果与依据。
5. 维修完成后请在 30 日内取机;维修记录、检测结果与本协议版本均记入您的投诉档案。"""
TEXT_EN = """Electronic service agreement (version 2026-01)
1. Before any repair the outlet shows you an itemised quote; work covered by the warranty is free, and paid work is done only after you approve it.
2. Only original parts are used; replaced parts are given back to you on request.
3. Back up your data before the repair; a repair may erase the device, and the outlet is not liable for data not backed up.
4. Liquid damage and repairs by unauthorised shops are outside the warranty; the outlet tells you the check results and the rule applied.
5. Collect the device within 30 days of completion; the repair record, check results and this agreement's version are kept with your complaint."""


def add_first_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    agreement = apps.get_model("repairs", "ServiceAgreement")
    document = {"version": VERSION, "zh-hans": TEXT_ZH, "en": TEXT_EN}
    digest = hashlib.sha256(
        json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    agreement.objects.create(
        version=VERSION,
        effective_from=datetime(2025, 12, 31, 16, 0, tzinfo=UTC),  # 2026-01-01 00:00 Beijing time
        text_zh=TEXT_ZH,
        text_en=TEXT_EN,
        sha256=digest,
    )


def remove_first_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("repairs", "ServiceAgreement").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("repairs", "0001_initial")]

    operations = [migrations.RunPython(add_first_version, remove_first_version)]

"""Policy packs for tests: the shipped pack with holiday notices added, made current for the test.

EXAMPLE_2027 is made up for the tests (its New Year and Spring Festival periods follow the
usual pattern of the notices); it is not the State Council's 2027 arrangement.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from aftersales.policy.pack import current_pack

EXAMPLE_2027: dict[str, Any] = {
    "source": "示例:2027年部分节假日安排(测试用,非官方)",
    "published": "2026-11-20",
    "days_off": ["2027-01-01/2027-01-03", "2027-02-05/2027-02-11", "2027-10-01/2027-10-07"],
    "make_up_workdays": ["2027-02-20", "2027-09-26", "2027-10-09"],
}


def shipped_pack_raw() -> dict[str, Any]:
    return json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))


def use_pack(path: Path, raw: dict[str, Any], settings_fixture: Any) -> None:
    """Write `raw` to `path` and make it the current pack (pytest-django's `settings` restores the path)."""
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    settings_fixture.POLICY_PACK = str(path)
    current_pack.cache_clear()


def with_notices(notices: dict[str, Any], **holidays: Any) -> dict[str, Any]:
    raw = shipped_pack_raw()
    raw["holidays"] = {**raw.get("holidays", {}), **holidays, "notices": notices}
    return raw

"""Rendering the electronic service record: time, pages and size against the rows it prints.

    .venv/bin/python bench/service_record_bench.py [--rows 50 300 1000 3000] [--repeat 3]

A synthetic record (no database): `rows` split between timeline events (half), messages (a
third, each 80 Chinese characters with an emoji) and calls, plus one repair order with eight
checks and three items. Renders with evidence.pdf.service_record_pdf, the function the
download and the background task call; prints the best of `repeat` runs per size. What it
decides: AFTERSALES_EVIDENCE_RECORD_INLINE_MAX_ROWS (the largest record generated while the
download waits).
"""

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aftersales.evidence.pdf import service_record_pdf  # noqa: E402

TEXT = (
    "您好,您的手机屏幕总成已到货,工程师会在今天下午完成更换并做触控、摄像头和信号检测,请留意短信通知 📱。" * 1
)


def record(rows: int) -> dict:
    events = rows // 2
    messages = rows // 3
    calls = rows - events - messages
    at = "2026-12-01T04:10:31.267532+00:00"
    message = {"at": at, "direction": "out", "channel": "app", "body": TEXT, "erased": ""}
    return {
        "complaint": {
            "number": "OP-20261201-00001-9",
            "channel": "app",
            "category_label": "屏幕显示 Screen and display",
            "subject": "屏幕触控失灵",
            "state_label": "处理中 Processing",
            "created_at": at,
            "resolved_at": "",
        },
        "customer": {"name": "张*", "phone": "+86138****8000"},
        "device": {"model": "Reno10", "imei": "3520*******7779", "warranty_ends_on": "2027-06-01"},
        "timeline": [{"seq": n + 1, "at": at, "words": "状态 Status: 受理 Accepted → 处理中 Processing"} for n in range(events)],
        "messages": [message] * messages,
        "calls": [{**message, "channel": "hotline"}] * calls,
        "repair_orders": [
            {
                "number": "OP-20261201-00001-9-R1",
                "outlet": "sz-futian-01 演示手机授权服务中心",
                "engineer_id": "SZ0042",
                "state_label": "已确认 Approved",
                "diagnosis": "触控 IC 故障;电池老化",
                "quote_total": "999.00",
                "agreement_version": "2026-01",
                "agreement_sha256": "4afcb77cce290d0b1be42ff48025e11cee494db54a7cb24e517544a5de2e4e67",
                "agreement_accepted_at": at,
                "checks": [{"label": "触控测试 Touch test", "passed": "no", "value": "", "count": "3", "note": ""}] * 8,
                "items": [
                    {"part": "屏幕总成", "part_number": "RN10-SCR-01", "quantity": 1, "coverage_label": "保修 Covered",
                     "reasons": ["购买于 2025-06-01,18 个月前:在 24 个月保修期内 purchase 18 months ago: within warranty"]}
                ] * 3,
                "quote_lines": [{"name": "屏幕总成", "part": "RN10-SCR-01", "quantity": 1, "parts_price": "899.00",
                                 "labour_price": "100.00", "charge": "0.00"}] * 3,
            }
        ],
        "satisfaction": "5",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 300, 1000, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()} Python {platform.python_version()}")
    print("rows  pages  bytes      best_s")
    for rows in args.rows:
        content = record(rows)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            pdf, pages = service_record_pdf(
                content=content,
                content_hash="0" * 64,
                verify_url="http://127.0.0.1:8000/verify/x?h=0",
                issued_at="now",
            )
            best = min(best, time.perf_counter() - started)
        print(f"{rows:<5} {pages:<6} {len(pdf):<10} {best:.3f}")


if __name__ == "__main__":
    main()

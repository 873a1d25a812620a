"""E-mail channel: parse and intake of 1,000 real-world-shaped mails on SQLite.

    .venv/bin/python bench/email_bench.py [--mails 1000]

The mails are the shapes of tests/mails (QQMail GBK labelled gb2312, Coremail HTML-only
GBK quoted-printable, Foxmail with a photo, Big5, raw 8-bit UTF-8, Outlook replies with
a quoted original), each with its own sender, subject and Message-ID; one in five carries a
JPEG photo, one in ten is a reply to an earlier acknowledgement. Every mail goes through
`mail_receive` (parse, intake or join, attachments stored, acknowledgement queued and sent
through Django's locmem backend) on a fresh, migrated file-backed SQLite database.
Prints mails/s for parsing alone and for the whole path, and latency percentiles.
"""

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(tempfile.mkdtemp(prefix="aftersales-email-bench-"))
os.environ["AFTERSALES_VAR_DIR"] = str(VAR)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["AFTERSALES_LOG_LEVEL"] = "WARNING"
# Acknowledgements are queued on an in-memory broker, then drained and timed on their own.
os.environ["CELERY_BROKER_URL"] = "memory://"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PROBLEMS = [
    "手机屏幕出现绿线，重启也没用",
    "耳机左耳没有声音，重新配对三次",
    "平板开机卡在标志界面",
    "电池充不进电，换了充电器也不行",
    "冰箱冷藏室不制冷",
    "洗衣机脱水时漏水",
    "手錶錶帶斷了，才用兩個月",
    "The charger stops after ten minutes",
]
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes(range(256)) * 120 + b"\xff\xd9"


def _b(text: str, charset: str, codec: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def _wrap(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def build_mail(index: int, reply_to_id: str | None) -> bytes:
    problem = PROBLEMS[index % len(PROBLEMS)] + f"（第{index}号）"
    sender = f"customer{index}@{['qq.com', '163.com', 'foxmail.com', 'outlook.com', 'hinet.net'][index % 5]}"
    shape = index % 5
    if shape == 4 or "錶" in problem:
        charset, codec = "big5", "big5hkscs"
    elif shape in (0, 1, 2):
        charset, codec = "gb2312", "gbk"
    else:
        charset, codec = "utf-8", "utf-8"
    traditional = charset == "big5"
    if traditional:
        problem = f"手錶錶帶斷了，才用兩個月（第{index}號）"
    body = f"您好：\r\n{problem}。\r\n{'請盡快處理' if traditional else '请尽快处理'}。\r\n"
    if reply_to_id:
        body += (
            "\r\n------------------ 原始郵件 ------------------\r\n寄件者: service@aftersales.example\r\n\r\n已受理\r\n"
            if traditional
            else "\r\n------------------ 原始邮件 ------------------\r\n发件人: service@aftersales.example\r\n发送时间: 昨天\r\n\r\n已受理\r\n"
        )
    headers = (
        f'From: "{_b("客户" + str(index), charset, codec)}" <{sender}>\r\n'
        "To: service@aftersales.example\r\n"
        f"Subject: {_b(('回覆：' if traditional else '回复：') * bool(reply_to_id) + problem, charset, codec)}\r\n"
        f"Message-ID: <bench.{index}.{time.time_ns()}@{sender.split('@')[1]}>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    if reply_to_id:
        headers += f"In-Reply-To: <{reply_to_id}>\r\nReferences: <{reply_to_id}>\r\n"
    if shape == 1:  # Coremail: HTML only, quoted-printable
        import quopri

        html = f"<div>{body.replace(chr(13) + chr(10), '</div><div>')}</div>".encode(codec)
        return (
            headers
            + f"Content-Type: text/html; charset={charset}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + quopri.encodestring(html).decode()
        ).encode()
    text_part = f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n{_wrap(body.encode(codec))}\r\n"
    if index % 5 != 2:
        return (headers + text_part).encode()
    photo_name = _b("照片.jpg", "GBK", "gbk")
    return (
        headers
        + 'Content-Type: multipart/mixed; boundary="----=_NextPart_bench"\r\n\r\n'
        + "------=_NextPart_bench\r\n"
        + text_part
        + "------=_NextPart_bench\r\n"
        + f'Content-Type: image/jpeg; name="{photo_name}"\r\nContent-Disposition: attachment; filename="{photo_name}"\r\n'
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + _wrap(JPEG)
        + "\r\n------=_NextPart_bench--\r\n"
    ).encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p / 100)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from django.core import mail as outbox

    from aftersales.intake.channels.email.models import SentMail
    from aftersales.intake.channels.email.parsing import parse_mail
    from aftersales.intake.channels.email.services import acknowledgements_deliver_pending, mail_receive

    outbox.outbox = []
    # Replies refer to acknowledgements sent earlier in the run: built as the run goes.
    raws: list[bytes] = []
    started = time.perf_counter()
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    for index in range(args.mails):
        reply_to = None
        if index % 10 == 9:
            earlier = SentMail.objects.order_by("-id").values_list("message_id", flat=True).first()
            reply_to = earlier
        raw = build_mail(index, reply_to)
        raws.append(raw)
        begin = time.perf_counter()
        outcome = mail_receive(raw=raw, source="bench")
        latencies.append(time.perf_counter() - begin)
        outcomes[outcome.outcome] = outcomes.get(outcome.outcome, 0) + 1
    total = time.perf_counter() - started
    drain_started = time.perf_counter()
    drained = acknowledgements_deliver_pending(limit=args.mails * 2)
    drain_total = time.perf_counter() - drain_started
    parse_started = time.perf_counter()
    for raw in raws:
        parse_mail(raw)
    parse_total = time.perf_counter() - parse_started
    print(f"mails: {args.mails} ({sum(len(r) for r in raws) / 1024 / 1024:.1f} MiB), outcomes {outcomes}")
    print(
        f"acknowledgements queued and sent: {drained} ({drained / drain_total:.0f} mails/s through Django's locmem backend)"
    )
    print(f"parse only: {args.mails / parse_total:.0f} mails/s")
    intake_rate = args.mails / sum(latencies)
    print(
        f"parse + intake, acknowledgement queued (end to end): {intake_rate:.0f} mails/s ({total:.1f} s wall)"
    )
    print(
        f"latency per mail: p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    print(f"bar >= 100 mails/s: {'met' if intake_rate >= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()

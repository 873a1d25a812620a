"""WeChat passive-reply latency over HTTP: 20 followers writing at once to a live server on 127.0.0.1.

    .venv/bin/python bench/wechat_bench.py [--db sqlite|postgres] [--senders 20] [--messages 15]

Serves the platform with gunicorn (by default 2 sync workers, one per core)
and posts signed plain-mode text messages to /channels/wechat/ like WeChat does, one
connection per message, every answer checked to be the passive XML reply with a complaint
number. Scenarios:
  conversation  each sender's first message opens a complaint, the rest join it, back to back
  paced         the same, each sender writing once a second (20 messages/s offered)
  new           every message from a new follower: each one opens a complaint, back to back
Loops are bounded in count and time; only the loopback address is used.
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, RESULTS, ROOT, summary  # noqa: E402

TOKEN = "bench-token"
PG_DB = "aftersales_wechat_bench"
TIME_LIMIT_SECONDS = 300
_msg_ids = count(7_000_000_000_000_000_000)
_nonces = count(100_000_000)
_lock = threading.Lock()


def signed_path() -> str:
    stamp, nonce = str(int(time.time())), str(next(_nonces))
    signature = hashlib.sha1("".join(sorted([TOKEN, stamp, nonce])).encode()).hexdigest()
    return "/channels/wechat/?" + urllib.parse.urlencode(
        {"signature": signature, "timestamp": stamp, "nonce": nonce}
    )


def text_message(openid: str, text: str) -> bytes:
    with _lock:
        msg_id = next(_msg_ids)
    return (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def send(port: int, openid: str, text: str) -> tuple[float, int]:
    with _lock:
        path = signed_path()
    body = text_message(openid, text)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "text/xml", "Connection": "close"}
        )
        response = connection.getresponse()
        answer = response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    status = response.status
    if status == 200 and b"<MsgType>text</MsgType>" not in answer:
        status = 599  # answered, but not with the passive reply
    return elapsed, status


def scenario(port: int, name: str, senders: int, messages: int, *, pace: float, new_each: bool) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    texts = ["手机充电很慢，充一晚上才到一半", "换了原装充电器也一样", "电池健康显示 81%", "请问要寄修吗"]

    def sender(index: int) -> None:
        for n in range(messages):
            if time.monotonic() > deadline:
                return
            openid = f"o-{name}-{index}-{n}" if new_each else f"o-{name}-{index}"
            began = time.monotonic()
            elapsed, status = send(port, openid, texts[n % len(texts)])
            with _lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
            if pace:
                time.sleep(max(0.0, pace - (time.monotonic() - began)))

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
        if pace:
            time.sleep(pace / senders)  # spread the senders over the second, as people are
    for thread in threads:
        thread.join()
    return summary(name, latencies, time.perf_counter() - started, statuses)


def prepare(db: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    var = RESULTS / f"var-wechat-{db}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env.update(
        AFTERSALES_VAR_DIR=str(var),
        AFTERSALES_WECHAT_TOKEN=TOKEN,
        AFTERSALES_WECHAT_APP_ID="wxbench",
        AFTERSALES_LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            admin.execute(f"CREATE DATABASE {PG_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    subprocess.run([PYTHON, "-m", "config.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    return env


def serve(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            str(workers),
            "-k",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(120):
        try:
            elapsed, status = send(port, "o-warm", "预热")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=15, help="messages per sender in each scenario")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    args = parser.parse_args()
    env = prepare(args.db)
    server = serve(env, args.port, args.workers, args.threads)
    try:
        for n in range(20):  # warm both workers: imports, the triage model, connections
            send(args.port, f"o-warm-{n}", "预热消息")
        results = [
            scenario(args.port, "conversation", args.senders, args.messages, pace=0, new_each=False),
            scenario(args.port, "paced", args.senders, args.messages, pace=1.0, new_each=False),
            scenario(args.port, "new", args.senders, args.messages, pace=0, new_each=True),
        ]
    finally:
        server.terminate()
        server.wait(30)
    for result in results:
        shape = {"db": args.db, "senders": args.senders, "workers": args.workers, "threads": args.threads}
        print(json.dumps({**shape, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""The complaint reads' answers, byte for byte: record them once, compare after a change.

    .venv/bin/python bench/detail_bytes.py --database NAME [--newest 30 | --all]
                                           (--save FILE | --compare FILE)

For each complaint chosen (the `--newest` by id, or every one with `--all`) four reads go
through the WSGI application itself (every middleware, the token check, Ninja, the access
record), the clock fixed at one instant so that the deadlines' remaining seconds stay put:

- `GET /api/v1/complaints/{number}` and `.../{number}/timeline` with a staff API token
  (agent1's, made if missing);
- the same two with the complaint's tracking token (`X-Tracking-Token`), as its customer.

`--save` writes status, content type and body of every read to FILE (JSON); `--compare` reads
them again and prints each that differs, exiting 1 if any does. Whichever it does, it also checks
the access log: one row per staff read, none for the tracking link's reads. Prints one JSON line
with the counts. The database is the caller's (PostgreSQL, `bench.seed_million.database_env`):
it gains access-log rows and possibly a token, nothing else.
"""

import argparse
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed_million import database_env  # noqa: E402

# Every read is answered as at this instant (the deadlines' remaining_seconds depend on it).
FIXED_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def wsgi_get(application, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:  # type: ignore[no-untyped-def]
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8702",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8702",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(application(environ, lambda s, h, exc_info=None: started.append((s, h))))
    status, response_headers = started[0]
    content_type = dict(response_headers).get("Content-Type", "")
    return int(status.split()[0]), content_type, body


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True)
    parser.add_argument("--newest", type=int, default=30)
    parser.add_argument("--all", action="store_true", help="every complaint (a demo seed's few hundred)")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", type=Path)
    action.add_argument("--compare", type=Path)
    args = parser.parse_args()

    os.environ.update(database_env(args.database))
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from aftersales.accounts.models import ApiToken, PersonalDataAccess, User
    from aftersales.accounts.services import api_token_create
    from aftersales.common import clock
    from aftersales.complaints.models import Complaint
    from aftersales.complaints.services import tracking_token

    application = get_wsgi_application()
    agent = User.objects.get(username="agent1")
    ApiToken.objects.filter(user=agent, name="detail-bytes").delete()
    staff = {"Authorization": f"Bearer {api_token_create(user=agent, name='detail-bytes')}"}
    complaints = Complaint.objects.order_by("-pk")
    chosen = list(complaints if args.all else complaints[: args.newest])

    answers: dict[str, dict[str, object]] = {}
    logged_before = PersonalDataAccess.objects.filter(staff=agent).count()
    staff_reads = 0
    with clock.travel_to(FIXED_NOW):
        for complaint in chosen:
            tracking = {"X-Tracking-Token": tracking_token(complaint)}
            for audience, headers in (("staff", staff), ("tracking", tracking)):
                for suffix in ("", "/timeline"):
                    path = f"/api/v1/complaints/{complaint.number}{suffix}"
                    status, content_type, body = wsgi_get(application, path, headers)
                    answers[f"{audience} {path}"] = {
                        "status": status,
                        "content_type": content_type,
                        "body": body.decode("utf-8", "backslashreplace"),
                    }
                    staff_reads += audience == "staff" and status == 200
    logged = PersonalDataAccess.objects.filter(staff=agent).count() - logged_before
    # Tracking reads log nothing; each staff read logs its one customer.
    assert logged == staff_reads, f"{logged} access-log rows for {staff_reads} staff reads"

    differing = []
    if args.save:
        args.save.write_text(json.dumps(answers, ensure_ascii=False, indent=0, sort_keys=True))
    else:
        recorded = json.loads(args.compare.read_text())
        differing = sorted(
            key for key in recorded.keys() | answers.keys() if recorded.get(key) != answers.get(key)
        )
        for key in differing[:20]:
            print(
                json.dumps(
                    {"differs": key, "was": recorded.get(key), "now": answers.get(key)}, ensure_ascii=False
                )
            )
    print(
        json.dumps(
            {
                "database": args.database,
                "complaints": len(chosen),
                "reads": len(answers),
                "statuses": sorted({answer["status"] for answer in answers.values()}),  # type: ignore[type-var]
                "access_log_rows": logged,
                "differing": len(differing),
            }
        )
    )
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()

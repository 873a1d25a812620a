"""RFC 3161 time-stamps on seals: a local authority, the HTTP client, storage and verification."""

import hashlib
import io
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asn1crypto import tsp
from django.core.management import call_command

from aftersales.accounts.actors import SYSTEM
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.evidence.bundle import bundle_build
from aftersales.evidence.models import Seal
from aftersales.evidence.services import seal_all, statement_of
from aftersales.evidence.timestamps import (
    LocalTimestampAuthority,
    TimestampInvalid,
    timestamp_request,
    timestamp_token_verify,
    token_from_response,
)
from aftersales.evidence.verify import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def authority() -> LocalTimestampAuthority:
    return LocalTimestampAuthority()


class _Server:
    def __init__(self, authority: LocalTimestampAuthority) -> None:
        self.requests: list[tuple[str, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append((self.headers["Content-Type"], body))
                reply = authority.stamp(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/tsa"


@pytest.fixture
def tsa_server(authority) -> Iterator[_Server]:  # type: ignore[no-untyped-def]
    """A real RFC 3161 HTTP endpoint on the loopback, answered by the local authority."""
    server = _Server(authority)
    thread = threading.Thread(target=server.http.serve_forever, daemon=True)
    thread.start()
    yield server
    server.http.shutdown()
    server.http.server_close()


def _seals(count: int, authority) -> list[Seal]:  # type: ignore[no-untyped-def]
    seals = []
    for n in range(count):
        submit_complaint(text=f"第{n}台手机充不进电 🔋", phone=f"+861380013{n:04d}")
        seals += seal_all(actor=SYSTEM, authority=authority)
    return seals


def test_each_new_seal_is_time_stamped_and_verification_checks_the_token(signing_key, authority):  # type: ignore[no-untyped-def]
    (seal,) = _seals(1, authority)
    seal.refresh_from_db()
    assert seal.timestamp_token and seal.timestamp_authority == "local"
    info = timestamp_token_verify(bytes(seal.timestamp_token), hashlib.sha256(statement_of(seal)).digest())
    assert abs((info.gen_time - seal.sealed_at).total_seconds()) < 60
    assert ledger_verify().ok


def test_a_token_moved_to_another_seal_or_altered_is_caught(signing_key, authority):  # type: ignore[no-untyped-def]
    first, second = _seals(2, authority)
    first.refresh_from_db()
    Seal.objects.filter(pk=second.pk).update(timestamp_token=bytes(first.timestamp_token))
    report = ledger_verify()
    assert report.problem is not None and report.problem.code == "seal_timestamp_invalid"
    assert report.problem.seal == second.number and "other bytes" in report.problem.detail
    token = bytearray(first.timestamp_token)
    token[-10] ^= 0x01  # inside the signature
    Seal.objects.filter(pk=second.pk).update(timestamp_token=None)
    Seal.objects.filter(pk=first.pk).update(timestamp_token=bytes(token))
    report = ledger_verify()
    assert report.problem is not None and report.problem.code == "seal_timestamp_invalid"
    assert report.problem.seal == first.number


def test_the_http_authority_is_asked_with_a_timestamp_query(signing_key, settings, tsa_server):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_TSA_URL = tsa_server.url
    submit_complaint(text="屏幕闪烁", phone="+8613800138000")
    (seal,) = seal_all(actor=SYSTEM)
    seal.refresh_from_db()
    ((content_type, body),) = tsa_server.requests
    assert content_type == "application/timestamp-query"
    asked = tsp.TimeStampReq.load(body)
    assert asked["message_imprint"]["hashed_message"].native == hashlib.sha256(statement_of(seal)).digest()
    assert asked["cert_req"].native is True
    assert seal.timestamp_authority == tsa_server.url and ledger_verify().ok


def test_an_authority_that_is_down_leaves_the_seal_unstamped_and_the_command_stamps_it_later(
    signing_key, settings, tsa_server
):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_TSA_URL = "http://127.0.0.1:9/tsa"  # the discard port: nothing answers
    submit_complaint(text="没有信号", phone="+8613800138000")
    (seal,) = seal_all(actor=SYSTEM)
    seal.refresh_from_db()
    assert not seal.timestamp_token and ledger_verify().ok
    settings.EVIDENCE_TSA_URL = tsa_server.url
    out = io.StringIO()
    call_command("evidence", "timestamp", stdout=out)
    seal.refresh_from_db()
    assert "1 of 1" in out.getvalue() and seal.timestamp_token


def test_a_pinned_certificate_refuses_tokens_of_another_authority(signing_key, authority, settings, tmp_path):  # type: ignore[no-untyped-def]
    _seals(1, authority)
    pinned = tmp_path / "tsa.pem"
    pinned.write_bytes(authority.certificate_pem)
    settings.EVIDENCE_TSA_CERTIFICATE = str(pinned)
    assert ledger_verify().ok
    pinned.write_bytes(LocalTimestampAuthority(common_name="another TSA").certificate_pem)
    report = ledger_verify()
    assert report.problem is not None and report.problem.code == "seal_timestamp_invalid"
    assert "pinned" in report.problem.detail


def test_refusals_and_replayed_answers_are_not_stored(authority):  # type: ignore[no-untyped-def]
    sha1 = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha1"}, "hashed_message": b"\x00" * 20},
            "cert_req": True,
        }
    ).dump()
    with pytest.raises(TimestampInvalid, match="refused"):
        token_from_response(authority.stamp(sha1), request=sha1)
    digest = hashlib.sha256(b"statement").digest()
    earlier = timestamp_request(digest, nonce=1)
    now = timestamp_request(digest, nonce=2)
    with pytest.raises(TimestampInvalid, match="nonce"):
        token_from_response(authority.stamp(earlier), request=now)
    with pytest.raises(TimestampInvalid):
        token_from_response(b"\x30\x03garbage", request=now)


def test_the_bundle_carries_the_token_and_openssl_verifies_it(signing_key, authority, tmp_path):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="摄像头模糊", phone="+8613800138000")
    seal_all(actor=SYSTEM, authority=authority)
    from aftersales.common import clock

    with zipfile.ZipFile(
        io.BytesIO(bundle_build(complaint_number=complaint.number, at=clock.now()))
    ) as archive:
        statement = archive.read("seals/000001.json")
        token = archive.read("seals/000001.tst")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    (tmp_path / "statement.json").write_bytes(statement)
    (tmp_path / "seal.tst").write_bytes(token)
    (tmp_path / "tsa.pem").write_bytes(authority.certificate_pem)
    checked = subprocess.run(
        ["openssl", "ts", "-verify", "-data", "statement.json", "-in", "seal.tst", "-token_in", "-CAfile", "tsa.pem"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert checked.returncode == 0 and "OK" in checked.stdout

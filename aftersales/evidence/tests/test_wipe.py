"""Device wipe certificates: issued by outlet staff, signed, sealed, verifiable online and offline.

Personas: olga (technician of outlet sz-futian-01), otto (another outlet's technician), alice
(hotline agent: may not certify wipes), the public (verification page only).
"""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from aftersales.accounts.actors import SYSTEM
from aftersales.accounts.services import api_token_create
from aftersales.complaints.tests.factories import new_imei
from aftersales.evidence.certificate_verify import CertificateInvalid, verify_certificate
from aftersales.evidence.models import LedgerEntry, WipeCertificate
from aftersales.evidence.services import seal_create
from aftersales.evidence.verify import ledger_verify
from aftersales.repairs.tests.factories import make_bench, other_outlet_technician

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bench(signing_key):  # type: ignore[no-untyped-def]
    return make_bench(stock=0)


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def report(**changes):  # type: ignore[no-untyped-def]
    body = {
        "imei": new_imei(),
        "method": "cryptographic_erase",
        "reason": "trade_in",
        "tool_name": "安全擦除工具 SecureWipe",
        "tool_version": "3.2.1",
        "result": "passed",
        "wiped_at": "2026-11-30T10:15:00+08:00",
        "report": "全部 128 GB 已验证 · verified 100% 🔒",
    }
    return {**body, **changes}


def certify(client, user, **changes):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/evidence/wipes",
        json.dumps(report(**changes)),
        content_type="application/json",
        **bearer(user),
    )


def test_an_outlet_technician_certifies_a_wipe_signed_sealed_and_printed(client, bench):  # type: ignore[no-untyped-def]
    imei = new_imei()
    spaced = f"{imei[:2]}-{imei[2:8]}-{imei[8:14]}-{imei[14]}"  # as iOS prints it
    response = certify(client, bench.olga, imei=spaced)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["imei"] == imei and body["method"] == "cryptographic_erase"
    certificate = WipeCertificate.objects.get(certificate_id=body["certificate_id"])
    assert certificate.engineer == bench.olga and certificate.outlet == bench.outlet
    entry = LedgerEntry.objects.get(subject_kind="wipe_certificate", subject_id=certificate.pk)
    assert entry.chain == f"wipe:{certificate.certificate_id}"
    pdf = client.get(body["pdf_url"], **bearer(bench.olga))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).replace(
        " ", ""
    )
    assert "数据清除证书" in text and body["certificate_id"] in text and imei in text and "SZ0042" in text
    seal_create(actor=SYSTEM)
    assert ledger_verify().ok
    page = client.get(f"/verify/wipe/{body['certificate_id']}?h={body['document_sha256']}")
    assert page.status_code == 200 and 'data-verdict="authentic"' in page.content.decode()
    assert imei not in page.content.decode()


def test_the_certificate_json_verifies_offline_and_fails_once_changed(client, bench, tmp_path):  # type: ignore[no-untyped-def]
    body = certify(client, bench.olga).json()
    downloaded = client.get(body["json_url"], **bearer(bench.olga))
    certificate = json.loads(downloaded.content)
    assert verify_certificate(certificate).certificate == body["certificate_id"]
    path = tmp_path / "cert.json"
    path.write_bytes(downloaded.content)
    key = tmp_path / "key.pem"
    key.write_text(certificate["public_key_pem"])
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    run = [sys.executable, "-m", "aftersales.evidence.certificate_verify", str(path), "--key", str(key)]
    ok = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert ok.returncode == 0 and body["certificate_id"] in ok.stdout
    certificate["document"]["method"] = "nist_clear"
    path.write_text(json.dumps(certificate, ensure_ascii=False))
    changed = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert changed.returncode == 1 and "changed" in changed.stdout
    with pytest.raises(CertificateInvalid):
        verify_certificate(certificate)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_checks_the_signature_by_the_documented_procedure(client, bench, tmp_path):  # type: ignore[no-untyped-def]
    body = certify(client, bench.olga).json()
    certificate = json.loads(client.get(body["json_url"], **bearer(bench.olga)).content)
    (tmp_path / "key.pem").write_text(certificate["public_key_pem"])
    document = json.dumps(certificate["document"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (tmp_path / "document.bin").write_bytes(document.encode())
    (tmp_path / "signature.bin").write_bytes(bytes.fromhex(certificate["signature"]))
    verify = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin", "-in", "document.bin",
         "-sigfile", "signature.bin"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert verify.returncode == 0 and "Success" in verify.stdout


def test_bad_imeis_methods_results_and_times_are_refused_naming_the_field(client, bench):  # type: ignore[no-untyped-def]
    cases = {
        "imei": ["12345", "３５２０９９０００００７７７８", "352099000007779\x00", "📱", "x" * 5000],
        "method": ["dd if=/dev/zero", "", "NIST_PURGE"],
        "reason": ["resale"],
        "result": ["failed", "ok"],
        "wiped_at": ["2099-01-01T00:00:00+00:00", "2026-11-30T10:15:00", "昨天", ""],
        "tool_name": ["", "\x00"],
        "outlet_code": ["no-such-outlet"],
    }
    for field, values in cases.items():
        for value in values:
            response = certify(client, bench.olga, **{field: value})
            assert response.status_code == 422, (field, value, response.content)
            assert field in response.json()["fields"], (field, value, response.json())
    assert WipeCertificate.objects.count() == 0 and not LedgerEntry.objects.filter(
        subject_kind="wipe_certificate"
    )


def test_full_width_digits_are_read_as_the_imei(client, bench):  # type: ignore[no-untyped-def]
    imei = new_imei()
    wide = "".join(chr(ord(d) + 0xFEE0) for d in imei)
    assert certify(client, bench.olga, imei=wide).json()["imei"] == imei


def test_only_staff_who_inspect_devices_certify_and_outlets_see_only_their_own(client, bench, alice):  # type: ignore[no-untyped-def]
    assert certify(client, alice).status_code == 403
    response = client.post("/api/v1/evidence/wipes", json.dumps(report()), content_type="application/json")
    assert response.status_code == 401
    otto = other_outlet_technician()
    assert certify(client, otto, outlet_code=bench.outlet.code).status_code == 403
    body = certify(client, bench.olga).json()
    assert client.get(body["json_url"], **bearer(otto)).status_code == 404
    assert client.get(body["pdf_url"], **bearer(otto)).status_code == 404


def test_a_certificate_changed_in_the_database_is_caught(client, bench):  # type: ignore[no-untyped-def]
    body = certify(client, bench.olga).json()
    seal_create(actor=SYSTEM)
    certificate = WipeCertificate.objects.get(certificate_id=body["certificate_id"])
    WipeCertificate.objects.filter(pk=certificate.pk).update(
        document=certificate.document.replace("cryptographic_erase", "nist_purge")
    )
    report = ledger_verify()
    assert report.problem is not None and report.problem.code == "record_altered"
    page = client.get(f"/verify/wipe/{body['certificate_id']}?h={body['document_sha256']}")
    assert page.status_code == 404 and 'data-verdict="authentic"' not in page.content.decode()
    assert client.get(f"/verify/wipe/not-a-uuid?h={body['document_sha256']}").status_code == 404


def test_a_device_s_certificates_are_listed_by_its_imei_for_the_outlet_that_issued_them(client, bench):  # type: ignore[no-untyped-def]
    imei = new_imei()
    first = certify(client, bench.olga, imei=imei, reason="replacement").json()
    second = certify(client, bench.olga, imei=imei, method="nist_purge").json()
    labelled = f"IMEI: {imei[:8]}/{imei[8:14]}/{imei[14]}"  # as printed on the box
    listed = client.get("/api/v1/evidence/wipes", {"imei": labelled}, **bearer(bench.olga))
    assert [c["certificate_id"] for c in listed.json()] == [second["certificate_id"], first["certificate_id"]]
    assert client.get(f"/api/v1/evidence/wipes?imei={imei}", **bearer(other_outlet_technician())).json() == []
    refused = client.get("/api/v1/evidence/wipes?imei=123", **bearer(bench.olga))
    assert refused.status_code == 422 and "imei" in refused.json()["fields"]

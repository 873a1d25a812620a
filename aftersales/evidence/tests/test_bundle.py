"""The evidence bundle: staff only, verified offline without Django, refused when altered."""

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from aftersales.accounts.actors import SYSTEM, staff_actor
from aftersales.accounts.services import api_token_create, customer_session_open
from aftersales.common import clock
from aftersales.complaints import services as complaint_services
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.evidence.bundle_verify import BundleInvalid, verify_bundle
from aftersales.evidence.services import seal_create
from aftersales.evidence.signing import signing_key_generate

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


@pytest.fixture
def complaint(carol, adam, signing_key):  # type: ignore[no-untyped-def]
    """Carol's complaint: sealed under two keys (rotated in between), with one event not yet sealed."""
    complaint = submit_complaint(text="屏幕碎了 📱,還能保修嗎?", phone=carol.phone)
    complaint_services.complaint_reply(actor=staff_actor(adam), complaint=complaint, body="请到网点检测")
    seal_create(actor=SYSTEM)
    signing_key_generate()
    submit_complaint(text="另一位客户:充不进电", phone="+8613700137000")
    complaint_services.complaint_add_note(actor=staff_actor(adam), complaint=complaint, body="已电话联系")
    seal_create(actor=SYSTEM)
    complaint_services.complaint_reply(actor=staff_actor(adam), complaint=complaint, body="配件已到")
    return complaint


def _download(client, complaint, user):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/evidence/complaints/{complaint.number}/bundle", **bearer(user))


def _rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            files[name] = archive.read(name)
    change(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _offline(path: Path, *extra: str) -> subprocess.CompletedProcess:
    """The standalone verifier, in a fresh interpreter with no Django settings in its environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "aftersales.evidence.bundle_verify", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_staff_download_a_bundle_that_verifies_offline(client, adam, complaint, tmp_path):  # type: ignore[no-untyped-def]
    response = _download(client, complaint, adam)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.content)
    result = _offline(path)
    assert result.returncode == 0, result.stdout + result.stderr
    n = complaint.events.count()
    assert f"complaint {complaint.number}: {n} entries" in result.stdout
    assert f"{n - 1} of them in seals [1, 2]" in result.stdout
    assert "1 entries are not sealed yet" in result.stdout


def test_the_offline_verifier_imports_nothing_from_django(tmp_path):  # type: ignore[no-untyped-def]
    code = (
        "import sys, aftersales.evidence.bundle_verify;"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=False).returncode == 0


def test_the_bundle_holds_canonical_entries_records_proofs_seals_and_keys(client, adam, complaint):  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(io.BytesIO(_download(client, complaint, adam).content)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        sums = archive.read("SHA256SUMS").decode()
    assert {"entries/000001.json", "records/000001.json", "proofs/000001.json", "seals/000001.sig"} <= names
    n = complaint.events.count()
    assert f"proofs/{n - 1:06d}.json" in names
    assert f"proofs/{n:06d}.json" not in names  # appended after the last seal
    assert len([n for n in names if n.startswith("keys/")]) == 2  # both keys of the rotation
    assert (
        manifest["complaint"] == complaint.number and manifest["entries"] == n and manifest["sealed"] == n - 1
    )
    assert "entries/000001.json" in sums


@pytest.mark.parametrize(
    "what, change, named",
    [
        (
            "a record",
            lambda f: f.__setitem__(
                "records/000002.json", f["records/000002.json"].replace(b'"seq":2', b'"seq":3')
            ),
            "records/000002.json",
        ),
        (
            "an entry",
            lambda f: f.__setitem__(
                "entries/000001.json", f["entries/000001.json"].replace(b'"seq":1', b'"seq":7')
            ),
            "entries/000001.json",
        ),
        (
            "a removed entry",
            lambda f: (f.pop("entries/000002.json"), f.pop("records/000002.json")),
            "manifest.json",
        ),
        (
            "a signature",
            lambda f: f.__setitem__(
                "seals/000001.sig", bytes([f["seals/000001.sig"][0] ^ 1]) + f["seals/000001.sig"][1:]
            ),
            "seals/000001.json",
        ),
        (
            "a Merkle root",
            lambda f: f.__setitem__(
                "seals/000002.json", f["seals/000002.json"].replace(b'"merkle_root":"', b'"merkle_root":"0')
            ),
            "seals/000002.json",
        ),
        (
            "an audit path",
            lambda f: f.__setitem__(
                "proofs/000001.json",
                f["proofs/000001.json"].replace(b'"audit_path":["', b'"audit_path":["00', 1)[:-1] + b"}",
            ),
            "proofs/000001.json",
        ),
    ],
)
def test_an_altered_bundle_fails_offline_naming_the_file(
    client, adam, complaint, tmp_path, what, change, named
):  # type: ignore[no-untyped-def]
    path = tmp_path / "bundle.zip"
    path.write_bytes(_rewrite(_download(client, complaint, adam).content, change))
    result = _offline(path)
    assert result.returncode != 0, what
    assert named in result.stdout, result.stdout


def test_a_bundle_re_signed_with_another_key_fails_when_the_published_keys_are_pinned(
    client, adam, complaint, tmp_path
):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys = client.get("/.well-known/aftersales-evidence-keys.json").json()["keys"]
    pinned = []
    for index, key in enumerate(keys):
        pem = tmp_path / f"published-{index}.pem"
        pem.write_text(key["public_key_pem"])
        pinned += ["--key", str(pem)]
    forger = Ed25519PrivateKey.generate()
    forged_pem = forger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def forge(files):  # type: ignore[no-untyped-def]
        from aftersales.evidence.formats import key_id_for

        raw = forger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        for name in [n for n in files if n.startswith("seals/") and n.endswith(".json")]:
            statement = json.loads(files[name])
            statement["key_id"] = key_id_for(raw)
            body = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
            files[name] = body
            files[name[:-5] + ".sig"] = forger.sign(body)
        files[f"keys/{key_id_for(raw)}.pem"] = forged_pem

    path = tmp_path / "forged.zip"
    genuine = tmp_path / "genuine.zip"
    genuine.write_bytes(_download(client, complaint, adam).content)
    path.write_bytes(_rewrite(genuine.read_bytes(), forge))
    assert _offline(path).returncode == 0  # self-consistent, so only pinning the keys catches it
    assert _offline(path, *pinned).returncode == 1
    assert _offline(genuine, *pinned).returncode == 0


def test_customers_and_anonymous_callers_get_no_bundle(client, carol, complaint):  # type: ignore[no-untyped-def]
    url = f"/api/v1/evidence/complaints/{complaint.number}/bundle"
    assert client.get(url).status_code == 403
    token = customer_session_open(customer=carol, at=clock.now())
    answer = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"


def test_staff_outside_the_complaints_reach_get_no_bundle(client, oscar, complaint):  # type: ignore[no-untyped-def]
    assert _download(client, complaint, oscar).status_code == 404


def test_an_unknown_complaint_is_not_found(client, adam, signing_key):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/evidence/complaints/OP-20990101-00001-0/bundle", **bearer(adam))
    assert response.status_code == 404


def test_the_published_keys_include_retired_ones(client, complaint):  # type: ignore[no-untyped-def]
    well_known = client.get("/.well-known/aftersales-evidence-keys.json")
    api = client.get("/api/v1/evidence/keys")
    assert well_known.status_code == api.status_code == 200
    keys = well_known.json()["keys"]
    assert keys == api.json()["keys"]
    assert len(keys) == 2 and keys[0]["retired_at"] is not None and keys[1]["retired_at"] is None
    assert keys[0]["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_the_bundle_command_writes_the_same_verifiable_bundle(complaint, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "cmd.zip"
    call_command("evidence", "bundle", complaint.number, "-o", str(path), stdout=io.StringIO())
    report = verify_bundle(str(path))
    n = complaint.events.count()
    assert (report.entries, report.sealed, report.seals) == (n, n - 1, [1, 2])
    with pytest.raises(BundleInvalid):
        verify_bundle(str(path), trusted_keys=[])


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("openssl", "sha256sum", "xxd")), reason="needs the tools"
)
def test_the_by_hand_procedure_of_docs_evidence_md_holds(client, adam, complaint, tmp_path):  # type: ignore[no-untyped-def]
    """Steps 1, 3, 4 and 5 of docs/evidence.md, with the shell commands given there."""
    with zipfile.ZipFile(io.BytesIO(_download(client, complaint, adam).content)) as archive:
        archive.extractall(tmp_path)
    proof = json.loads((tmp_path / "proofs/000002.json").read_text())
    statement = json.loads((tmp_path / f"seals/{proof['seal']:06d}.json").read_text())
    script = f"""
set -e
sha256sum -c --quiet SHA256SUMS
test "$(sha256sum entries/000001.json | cut -c1-64)" = "$(grep -o '"prev":"[0-9a-f]*"' entries/000002.json | cut -c9-72)"
openssl pkeyutl -verify -pubin -inkey keys/{statement["key_id"]}.pem -rawin \\
    -in seals/{proof["seal"]:06d}.json -sigfile seals/{proof["seal"]:06d}.sig
leaf() {{ (printf '\\000'; printf '%s' "$1" | xxd -r -p) | sha256sum | cut -c1-64; }}
node() {{ (printf '\\001'; printf '%s%s' "$1" "$2" | xxd -r -p) | sha256sum | cut -c1-64; }}
h=$(leaf "$(sha256sum entries/000002.json | cut -c1-64)")
i={proof["leaf_index"]}; last=$(({proof["tree_size"]} - 1))
for sibling in {" ".join(proof["audit_path"])}; do
    if [ $((i % 2)) -eq 1 ] || [ $i -eq $last ]; then
        h=$(node "$sibling" "$h")
        if [ $((i % 2)) -eq 0 ]; then
            while [ $i -ne 0 ] && [ $((i % 2)) -eq 0 ]; do i=$((i / 2)); last=$((last / 2)); done
        fi
    else
        h=$(node "$h" "$sibling")
    fi
    i=$((i / 2)); last=$((last / 2))
done
test "$last" -eq 0
echo "root $h"
"""
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Signature Verified Successfully" in result.stdout
    assert f"root {statement['merkle_root']}" in result.stdout

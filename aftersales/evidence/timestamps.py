"""RFC 3161 time-stamps for seals: an optional, pluggable authority, and verification of tokens.

A seal can be time-stamped by a Time-Stamping Authority (TSA): the request carries the SHA-256
of the seal's statement (the bytes its Ed25519 signature covers); the authority answers with a
token (a CMS SignedData whose content is a TSTInfo, RFC 3161 section 2.4.2) that proves the
statement existed at the authority's `genTime`. The token is stored with the seal
(`Seal.timestamp_token`) and checked by `aftersales evidence verify`.

- `TimestampAuthority` is the interface: DER TimeStampReq in, DER TimeStampResp out.
- `HttpTimestampAuthority` speaks RFC 3161 section 3.4 (HTTP POST, `application/timestamp-query`
  in, `application/timestamp-reply` out) to the URL in `AFTERSALES_EVIDENCE_TSA_URL`.
- `LocalTimestampAuthority` is a complete authority in-process (its own P-256 key and a
  self-signed certificate with the critical timeStamping extended key usage, RFC 3161 section
  2.3): for tests and for trying the feature out; its tokens verify with `openssl ts -verify`.

Verification (`timestamp_token_verify`) checks what RFC 3161 section 2.4.2 and RFC 5652 section
5.4 require: the token is SignedData over a TSTInfo; its message imprint is SHA-256 of the
expected bytes; the signed attributes carry the content type and the TSTInfo's digest; the
signature holds under the signer's certificate (carried in the token, or the pinned one in
`AFTERSALES_EVIDENCE_TSA_CERTIFICATE`, which the signer must then be). Chains to a root are
not walked: pin the authority's certificate for that.
"""

import hashlib
import secrets
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from asn1crypto import algos, cms, core, tsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

# A UUID-based object identifier (ITU-T X.667, arc 2.25) naming the local authority's policy.
LOCAL_POLICY = "2.25." + str(uuid.UUID("6d3c2a8e-8b1f-4f57-9a55-3161aa5e0001").int)
MAX_RESPONSE_BYTES = 1 << 20


class TimeStampResp(core.Sequence):
    """RFC 3161 section 2.4.2: the token is absent unless the status is granted (asn1crypto's
    `tsp.TimeStampResp` requires it, so refusals could not be read or written with it)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


class TimestampInvalid(Exception):
    """A time-stamp response or token does not hold; the message says which check failed."""


class TimestampAuthority(Protocol):
    """Anything that answers an RFC 3161 request: `stamp(DER TimeStampReq) -> DER TimeStampResp`."""

    name: str

    def stamp(self, request: bytes) -> bytes: ...


@dataclass(frozen=True)
class TimestampInfo:
    gen_time: datetime
    serial_number: int
    policy: str
    signer: str  # the signer certificate's subject, as text


def timestamp_request(digest: bytes, *, nonce: int | None = None) -> bytes:
    """A DER TimeStampReq for a SHA-256 `digest`, asking for the signer's certificate."""
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "nonce": nonce if nonce is not None else secrets.randbits(63),
            "cert_req": True,
        }
    ).dump()


def token_from_response(response: bytes, *, request: bytes) -> bytes:
    """The token (DER ContentInfo) of a granted response to `request`; TimestampInvalid otherwise.

    Checks the status (granted or granted with modifications), that the token's imprint and
    nonce are the request's, and the token itself (`timestamp_token_verify`).
    """
    try:
        parsed = TimeStampResp.load(response)
        status = parsed["status"]["status"].native
        asked = tsp.TimeStampReq.load(request)
    except (ValueError, TypeError) as exc:
        raise TimestampInvalid(f"the response is not a TimeStampResp: {exc}") from None
    if status not in ("granted", "granted_with_mods"):
        text = parsed["status"]["status_string"].native if parsed["status"]["status_string"] else ""
        raise TimestampInvalid(f"the authority refused: {status} {text}".strip())
    token = parsed["time_stamp_token"].dump()
    _verify(token, asked["message_imprint"]["hashed_message"].native, pinned=None)
    info = _tst_info(cms.ContentInfo.load(token))
    if info["nonce"].native != asked["nonce"].native:
        raise TimestampInvalid("the token's nonce is not the request's (a replayed answer)")
    return token


def timestamp_token_verify(token: bytes, digest: bytes) -> TimestampInfo:
    """Check a stored token against the SHA-256 `digest` it should cover (see the module docstring)."""
    pinned = None
    if settings.EVIDENCE_TSA_CERTIFICATE:
        pinned = Path(settings.EVIDENCE_TSA_CERTIFICATE).read_bytes()
    return _verify(token, digest, pinned=pinned)


def _tst_info(content_info: cms.ContentInfo) -> tsp.TSTInfo:
    if content_info["content_type"].native != "signed_data":
        raise TimestampInvalid("the token is not CMS SignedData")
    encap = content_info["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise TimestampInvalid("the token's content is not a TSTInfo")
    return encap["content"].parsed


def _load_certificate(pem_or_der: bytes) -> x509.Certificate:
    if pem_or_der.lstrip().startswith(b"-----"):
        pem_or_der = cx509.load_pem_x509_certificate(pem_or_der).public_bytes(serialization.Encoding.DER)
    return x509.Certificate.load(pem_or_der)


def _verify(token: bytes, digest: bytes, *, pinned: bytes | None) -> TimestampInfo:
    try:
        content_info = cms.ContentInfo.load(token)
        info = _tst_info(content_info)
        signed_data = content_info["content"]
        imprint = info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            raise TimestampInvalid("the token's imprint is not SHA-256")
        if imprint["hashed_message"].native != digest:
            raise TimestampInvalid("the token covers other bytes (its message imprint differs)")
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise TimestampInvalid("the token must have exactly one signer")
        signer = signer_infos[0]
        tst_bytes = signed_data["encap_content_info"]["content"].contents
        attributes = {attr["type"].native: attr["values"][0] for attr in signer["signed_attrs"]}
        if attributes.get("content_type") is None or attributes["content_type"].native != "tst_info":
            raise TimestampInvalid("the signed attributes lack the TSTInfo content type")
        hash_name = signer["digest_algorithm"]["algorithm"].native
        if hash_name not in ("sha256", "sha384", "sha512"):
            raise TimestampInvalid(f"digest algorithm {hash_name} is not accepted")
        if (
            attributes.get("message_digest") is None
            or attributes["message_digest"].native != hashlib.new(hash_name, tst_bytes).digest()
        ):
            raise TimestampInvalid("the signed attributes do not match the TSTInfo (altered token)")
        certificate = _signer_certificate(signed_data, signer["sid"], pinned)
        signed_bytes = b"\x31" + signer["signed_attrs"].dump()[1:]  # the SET OF, as signed (RFC 5652 5.4)
        _check_signature(certificate, signer, signed_bytes, hash_name)
    except TimestampInvalid:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampInvalid(f"the token cannot be read: {exc}") from None
    return TimestampInfo(
        gen_time=info["gen_time"].native,
        serial_number=info["serial_number"].native,
        policy=info["policy"].dotted,
        signer=certificate.subject.human_friendly,
    )


def _signer_certificate(
    signed_data: cms.SignedData, sid: cms.SignerIdentifier, pinned: bytes | None
) -> x509.Certificate:
    candidates = [
        choice.chosen for choice in (signed_data["certificates"] or []) if choice.name == "certificate"
    ]
    if pinned is not None:
        trusted = _load_certificate(pinned)
        candidates = [trusted]
    for certificate in candidates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.issuer == wanted["issuer"]
                and certificate.serial_number == wanted["serial_number"].native
            ):
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    raise TimestampInvalid(
        "the token is not signed by the pinned authority"
        if pinned
        else "the token does not carry its signer's certificate"
    )


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def _check_signature(
    certificate: x509.Certificate, signer: cms.SignerInfo, data: bytes, hash_name: str
) -> None:
    public_key = serialization.load_der_public_key(certificate.public_key.dump())
    signature = signer["signature"].native
    algorithm = _HASHES[hash_name]
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            if signer["signature_algorithm"].signature_algo == "rsassa_pss":
                public_key.verify(
                    signature, data, padding.PSS(padding.MGF1(algorithm), padding.PSS.AUTO), algorithm
                )
            else:
                public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            raise TimestampInvalid("the signer's key type is not supported")
    except InvalidSignature:
        raise TimestampInvalid("the authority's signature does not hold") from None


class HttpTimestampAuthority:
    """An RFC 3161 authority over HTTP (section 3.4): POST the request, read the reply."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.name = url
        self.timeout = timeout

    def stamp(self, request: bytes) -> bytes:
        call = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            self.url,
            data=request,
            method="POST",
            headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
        )
        with urllib.request.urlopen(call, timeout=self.timeout) as reply:  # noqa: S310
            if reply.headers.get_content_type() != "application/timestamp-reply":
                raise TimestampInvalid(f"the authority answered {reply.headers.get_content_type()}")
            data: bytes = reply.read(MAX_RESPONSE_BYTES + 1)
        if len(data) > MAX_RESPONSE_BYTES:
            raise TimestampInvalid("the authority's answer is too large")
        return data


class LocalTimestampAuthority:
    """A Time-Stamping Authority in-process: a P-256 key and a self-signed certificate (a year)."""

    name = "local"

    def __init__(self, *, common_name: str = "aftersales local TSA") -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(UTC)
        certificate = (
            cx509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
        self._certificate = x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        self._serial = 0

    def stamp(self, request: bytes) -> bytes:
        try:
            asked = tsp.TimeStampReq.load(request)
            imprint = asked["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
        except (ValueError, TypeError) as exc:
            return _rejection("bad_data_format", str(exc))
        if algorithm != "sha256" or len(digest) != 32:
            return _rejection("bad_alg", "only SHA-256 imprints are accepted")
        self._serial += 1
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": LOCAL_POLICY,
                "message_imprint": imprint,
                "serial_number": (secrets.randbits(32) << 20) | self._serial,
                "gen_time": datetime.now(UTC).replace(microsecond=0),
                "accuracy": {"seconds": 1},
                "nonce": asked["nonce"].native,
            }
        )
        tst_bytes = info.dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_bytes).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": hashlib.sha256(self._certificate.dump()).digest()}]}],
                },
            ]
        )
        signature = self._key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {"content_type": "tst_info", "content": info},
                "certificates": [self._certificate] if asked["cert_req"].native else [],
                "signer_infos": [
                    {
                        "version": "v1",
                        "sid": {
                            "issuer_and_serial_number": {
                                "issuer": self._certificate.issuer,
                                "serial_number": self._certificate.serial_number,
                            }
                        },
                        "digest_algorithm": {"algorithm": "sha256"},
                        "signed_attrs": attributes,
                        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                        "signature": signature,
                    }
                ],
            }
        )
        return TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": {"content_type": "signed_data", "content": signed_data},
            }
        ).dump()


def _rejection(reason: str, text: str) -> bytes:
    return TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({reason}),
            }
        }
    ).dump()


def configured_authority() -> TimestampAuthority | None:
    """The authority set by AFTERSALES_EVIDENCE_TSA_URL, or None (seals are then not time-stamped)."""
    if not settings.EVIDENCE_TSA_URL:
        return None
    return HttpTimestampAuthority(settings.EVIDENCE_TSA_URL, timeout=settings.EVIDENCE_TSA_TIMEOUT_SECONDS)

"""The WeChat official account's message protocol, with nothing of Django in it.

Signatures (plain mode): `signature = sha1(sort(token, timestamp, nonce))`, over the query
only. Safe and compatible modes add `msg_signature = sha1(sort(token, timestamp, nonce,
Encrypt))` and carry the message encrypted:

    AESKey = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC, IV = AESKey[:16]
    plaintext = random(16) | len(msg) (4 bytes, big-endian) | msg | appid, PKCS#7 to 32 bytes

Source: the official account's message encryption guide (developers.weixin.qq.com, "消息加解密").
XML is parsed with defusedxml: a DOCTYPE (and so any entity) is refused, never expanded.
"""

import base64
import binascii
import os
import struct
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from aftersales.intake.channels.webhooks import sha1_sorted

PAD_BLOCK = 32


class ProtocolError(Exception):
    """A message that does not follow the protocol: `reason` says how (for the security log)."""


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """The hex SHA-1 of the sorted parts: `signature`, or with the Encrypt text `msg_signature`."""
    return sha1_sorted(token, timestamp, nonce, *extra)


@dataclass(frozen=True)
class MessageCipher:
    """The account's EncodingAESKey (43 characters of [A-Za-z0-9]) and AppID."""

    encoding_aes_key: str
    app_id: str

    @property
    def key(self) -> bytes:
        if len(self.encoding_aes_key) != 43:
            raise ProtocolError("EncodingAESKey is not 43 characters")
        try:
            key = base64.b64decode(self.encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError("EncodingAESKey is not base64") from exc
        if len(key) != 32:
            raise ProtocolError("EncodingAESKey does not give 32 bytes")
        return key

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside an Encrypt value; ProtocolError on bad base64, padding, length or AppID."""
        key = self.key
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError("Encrypt is not base64") from exc
        if not ciphertext or len(ciphertext) % 16:
            raise ProtocolError("Encrypt is not whole AES blocks")
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise ProtocolError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise ProtocolError("decrypted text too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise ProtocolError("message length beyond the decrypted text")
        message, app_id = plain[20 : 20 + length], plain[20 + length :]
        if app_id != self.app_id.encode():
            raise ProtocolError("AppID in the message is not ours")
        return message

    def encrypt(self, message: bytes, *, random: bytes | None = None) -> str:
        """The Encrypt value for `message` (`random`: 16 bytes, fresh unless given for a test vector)."""
        key = self.key
        random = random if random is not None else os.urandom(16)
        plain = random + struct.pack(">I", len(message)) + message + self.app_id.encode()
        pad = PAD_BLOCK - len(plain) % PAD_BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def xml_fields(body: bytes) -> dict[str, str]:
    """The `<xml>` document's child elements as {tag: text}; ProtocolError when it is not one.

    A DOCTYPE, an entity or an external reference is refused (defusedxml), as is a NUL
    or any text XML itself forbids (the parser rejects it).
    """
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ProtocolError(f"XML refused: {type(exc).__name__}") from exc
    except Exception as exc:  # ParseError and whatever expat raises on broken bytes
        raise ProtocolError(f"malformed XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise ProtocolError(f"root element is <{root.tag[:20]}>, not <xml>")
    return {child.tag: (child.text or "").strip() for child in root if isinstance(child.tag, str)}


def _cdata_document(fields: dict[str, str]) -> bytes:
    """An `<xml>` document of text elements. ElementTree escapes < > & rather than using CDATA;
    both are XML, and WeChat reads either."""
    root = Element("xml")
    for tag, text in fields.items():
        SubElement(root, tag).text = text
    return tostring(root, encoding="unicode").encode()


def text_reply(*, to_user: str, from_user: str, content: str, at: int | None = None) -> bytes:
    """A passive text reply to `to_user` (their openid) from our account (`from_user`, gh_ id)."""
    return _cdata_document(
        {
            "ToUserName": to_user,
            "FromUserName": from_user,
            "CreateTime": str(at if at is not None else int(time.time())),
            "MsgType": "text",
            "Content": content,
        }
    )


def encrypted_reply(
    *,
    cipher: MessageCipher,
    token: str,
    reply: bytes,
    timestamp: str,
    nonce: str,
    random: bytes | None = None,
) -> bytes:
    """The safe-mode envelope around a passive reply, signed like an inbound message."""
    encrypted = cipher.encrypt(reply, random=random)
    return _cdata_document(
        {
            "Encrypt": encrypted,
            "MsgSignature": signature(token, timestamp, nonce, encrypted),
            "TimeStamp": timestamp,
            "Nonce": nonce,
        }
    )

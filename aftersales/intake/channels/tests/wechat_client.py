"""A WeChat server as the tests play it: messages built, signed and encrypted by wechatpy,
a third-party SDK, and posted to our callback URL like WeChat posts them."""

import time
import urllib.parse
from dataclasses import dataclass, field
from itertools import count

from django.test import Client
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

URL = "/channels/wechat/"
TOKEN = "k3yTok3n"
APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_10f6c3c3ac5a"
_ids = count(6054768590064713728)
_nonces = count(1320562132)


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def text_xml(openid: str, content: str, *, msg_id: int | None = None, created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next(_ids)}</MsgId></xml>"
    )


def xml_message(openid: str, msg_type: str, fields: str, *, msg_id: int | None = None) -> str:
    msg_id_element = "" if msg_type == "event" else f"<MsgId>{msg_id or next(_ids)}</MsgId>"
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"{fields}{msg_id_element}</xml>"
    )


@dataclass
class WeChatServer:
    client: Client = field(default_factory=Client)
    token: str = TOKEN

    def query(
        self, *, timestamp: int | None = None, nonce: str | None = None, **extra: str
    ) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(next(_nonces))
        return {"signature": sign(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce, **extra}

    def post(self, body: str | bytes, query: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        query = query if query is not None else self.query()
        return self.client.post(f"{URL}?{urllib.parse.urlencode(query)}", body, content_type="text/xml")

    def post_encrypted(self, xml: str, *, app_id: str = APP_ID, tamper: bool = False):  # type: ignore[no-untyped-def]
        """Encrypted like safe mode, by wechatpy; `tamper` flips one character of Encrypt."""
        stamp, nonce = str(int(time.time())), str(next(_nonces))
        envelope = WeChatCrypto(self.token, AES_KEY, app_id).encrypt_message(xml, nonce, stamp)
        fields = _fields(envelope)
        encrypted = fields["Encrypt"]
        if tamper:
            encrypted = ("B" if encrypted[5] != "B" else "C").join([encrypted[:5], encrypted[6:]])
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        query = {
            **self.query(timestamp=int(stamp), nonce=nonce),
            "encrypt_type": "aes",
            "msg_signature": fields["MsgSignature"],
            "openid": "ignored",
        }
        return self.post(body, query)

    def decrypt_reply(self, response) -> str:  # type: ignore[no-untyped-def]
        """Our encrypted passive reply, its signature checked and decrypted by wechatpy."""
        fields = _fields(response.content.decode())
        return WeChatCrypto(self.token, AES_KEY, APP_ID).decrypt_message(
            response.content.decode(), fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
        )


def _fields(xml: str) -> dict[str, str]:
    import xmltodict

    return dict(xmltodict.parse(xml)["xml"])

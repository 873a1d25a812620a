"""Shared setup of the privacy tests: a customer who used every channel, and the searches that look
for her afterwards.

Persona: 林晓雯 (Lin Xiaowen) complained through the app with her mobile, wrote again by e-mail with a
photo attached, talks to the brand on WeChat, signed in with a code, and asked for a copy of her data.
"""

import json
import os
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from django.apps import apps
from django.db import connection, models
from django.test import override_settings

from aftersales.accounts.services import api_token_create

NAME = "林晓雯"
EMAIL = "lin.xiaowen@example.cn"
PHONE = "+8613912345678"
# The ways her number is written, and stored (the search index keeps digits).
PHONE_SPELLINGS = (
    "13912345678",
    "139 1234 5678",
    "139-1234-5678",
    "１３９１２３４５６７８",
    "+86 139",
    "8613912345678",
)
WORDS = ("紫檀木", "檀木手机壳", "Rosewood", "桂花巷")
NEEDLES = (NAME, "晓雯", EMAIL, "lin.xiaowen", *PHONE_SPELLINGS, *WORDS)
OPENID = "oLxw-9f3kQ2mZ8pR7tV4yB1cD6eH"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    + b"\x00\x00\x00\x1ftEXtComment\x00"
    + "林晓雯 13912345678".encode()
    + b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def post(client, url: str, body: object, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def customer_session(client, phone: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with override_settings(OTP_ECHO_FOR_TESTS=True):
        asked = post(client, "/api/v1/auth/otp", {"phone": phone})
    answer = post(client, "/api/v1/auth/otp/verify", {"phone": phone, "code": asked.json()["debug_code"]})
    assert answer.status_code == 200, answer.content
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}


def her_mail(number: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{NAME} <{EMAIL}>"
    message["To"] = "service@aftersales.example"
    message["Subject"] = f"Re: {number} 紫檀木手机壳 Rosewood case photo"
    message["Message-ID"] = "<lxw-20261201-0001@example.cn>"
    message.set_content(
        f"投诉 {number}:照片见附件。我住桂花巷 8 号,电话 139-1234-5678,邮箱 {EMAIL}。\n{NAME}",
        charset="utf-8",
    )
    message.add_attachment(PNG, maintype="image", subtype="png", filename="紫檀木手机壳.png")
    return message.as_bytes()


def text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField | models.FileField)
    ]


def found_in_tables(needles: tuple[str, ...]) -> list[str]:
    """Every model's text, char, file and JSON column searched for each needle: 'table.column: needle'."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = text_fields(model)
        if not fields:
            continue
        for row in model._default_manager.values_list(*[field.attname for field in fields]):
            for field, value in zip(fields, row, strict=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found += [
                    f"{model._meta.db_table}.{field.attname}: {n}"
                    for n in needles
                    if n.lower() in text.lower()
                ]
    return found


def found_in_search_index(terms: tuple[str, ...]) -> list[str]:
    """The search index (a tsvector table or an FTS5 table: not a model) searched as text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT terms::text FROM complaints_search")
        else:
            cursor.execute("SELECT terms FROM complaints_search")
        documents = [row[0] for row in cursor.fetchall()]
    return [term for term in terms for document in documents if term.lower() in document.lower()]


def stored_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under `root`, and every member of every zip among them."""
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            content = path.read_bytes()
            yield str(path), content
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield f"{path}!{member}", archive.read(member)


def found_in_files(root: Path, needles: tuple[str, ...]) -> list[str]:
    found = []
    for where, content in stored_files(root):
        for needle in needles:
            for encoding in ("utf-8", "gb18030", "utf-16-le"):
                if needle.encode(encoding) in content:
                    found.append(f"{where}: {needle} ({encoding})")
    return found

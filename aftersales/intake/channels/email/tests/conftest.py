"""Mails for the e-mail channel's tests, and who sends them.

The .eml files in mails/ follow the header forms, charsets and MIME layouts of the clients
and servers they are named after (QQMail, 163/Coremail, Foxmail, Outlook/Exchange, Apple
Mail, Postfix), with our own words. ACK_ID is the Message-ID of the acknowledgement that the
replies, bounces and out-of-office mails refer to.
"""

from pathlib import Path

import pytest

MAILS = Path(__file__).parent / "mails"
ACK_ID = "20261201093000.5f1c2a9be07d41aa93c1d0e2@aftersales.example"


def mail(name: str) -> bytes:
    return (MAILS / f"{name}.eml").read_bytes()


@pytest.fixture
def mails() -> type:
    class Mails:
        read = staticmethod(mail)

    return Mails

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


# --- a real IMAP server: Dovecot on 127.0.0.1, a throwaway config, a random port -------------

DOVECOT_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dovecot():  # type: ignore[no-untyped-def]
    """A Dovecot IMAP server with one mailbox, support/secret; yields a MailboxConfig for it."""
    import getpass
    import os
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    from aftersales.intake.channels.email.imap import MailboxConfig

    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None:
        pytest.skip(
            "Dovecot is not installed (apt-get install dovecot-imapd): the IMAP tests need a real server"
        )
    # Not under pytest's tmp_path: Dovecot's unprivileged processes must reach the files.
    top = Path(tempfile.mkdtemp(prefix="aftersales-dovecot-"))
    os.chmod(top, 0o755)
    root = top / "dovecot"
    for folder in ("run", "state", "mail", "home"):
        (root / folder).mkdir(parents=True)
    (root / "users").write_text("support:{PLAIN}secret\n")
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        uid, gid, users = account.pw_uid, account.pw_gid, ""
        for folder in ("mail", "home"):
            os.chown(root / folder, uid, gid)
    else:
        uid, gid = os.getuid(), os.getgid()
        me = getpass.getuser()
        users = f"default_login_user = {me}\ndefault_internal_user = {me}"
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(DOVECOT_CONFIG.format(root=root, uid=uid, gid=gid, port=port, users=users))
    server = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode(errors="replace") if server.stdout else ""
                    pytest.fail(f"Dovecot did not start: {output}")
                time.sleep(0.05)
        yield MailboxConfig(
            host="127.0.0.1",
            port=port,
            username="support",
            password="secret",
            folder="INBOX",
            quarantine_folder="Quarantine",
            use_ssl=False,
            timeout=10,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(top, ignore_errors=True)

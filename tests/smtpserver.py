"""A real Postfix for the sending tests: its own configuration, queue and Maildir in a
temporary folder (under /tmp, searchable by the postfix user), an SMTP listener on a free
loopback port that requires STARTTLS with a self-signed certificate the test makes, and
every address of the test domain delivered into one Maildir (a virtual mailbox domain with
a static map) that the test reads.

Postfix's master must start as root; without Debian's ``postfix`` (or as another user) the
tests skip saying why, except in CI, where they fail.
"""

from __future__ import annotations

import email
import email.policy
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

DOMAIN = "agency.test"
USER, PASSWORD = f"saraban@{DOMAIN}", "รหัส-ส่งเมล-1"  # a SASL login (Cyrus sasldb)
REFUSED = f"nobody@{DOMAIN}"  # refused with 550 at RCPT TO
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"Postfix is needed in CI: {reason}")
    pytest.skip(reason)


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.{domain}
mydomain = {domain}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
smtpd_banner = $myhostname ESMTP
biff = no
alias_maps =
alias_database =
relayhost =
smtputf8_enable = yes
smtpd_tls_cert_file = {dir}/server.crt
smtpd_tls_key_file = {dir}/server.key
smtpd_tls_security_level = encrypt
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# an address the tests use for a permanent refusal
smtpd_recipient_restrictions =
    check_recipient_access inline:{{{{ {refused}=550 5.1.1 no such mailbox }}}}
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
cyrus_sasl_config_path = {dir}/sasl
smtpd_sasl_local_domain = {domain}
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {dir}/mail
virtual_mailbox_maps = static:inbox/
virtual_minimum_uid = 1
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


@dataclass
class Postfix:
    dir: Path
    port: int
    ca_file: Path
    domain: str = DOMAIN

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def login_url(self) -> str:
        return f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}"

    @property
    def maildir(self) -> Path:
        return self.dir / "mail" / "inbox"

    def _postfix(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([POSTFIX, "-c", str(self.dir), *args], capture_output=True,
                              text=True, timeout=60)

    def start(self) -> None:
        done = self._postfix("start")
        if done.returncode != 0:
            raise RuntimeError(f"postfix start failed:\n{done.stdout}{done.stderr}\n"
                               f"{self.log()}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"postfix did not answer on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        self._postfix("stop")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postfix still answers on port {self.port} after stop")

    def log(self) -> str:
        path = self.dir / "maillog"
        return path.read_text(errors="replace") if path.exists() else "(no maillog)"

    def delivered_raw(self, count: int = 1, timeout: float = 30) -> list[bytes]:
        """The bytes of the messages in the Maildir, as Postfix delivered them, in order
        of arrival, waiting until there are at least ``count`` (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while True:
            folder = self.maildir / "new"
            paths = list(folder.glob("*")) if folder.exists() else []
            if len(paths) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return [p.read_bytes() for p in sorted(paths, key=lambda p: p.stat().st_mtime_ns)]

    def delivered(self, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        """The messages in the Maildir, parsed (see :meth:`delivered_raw`)."""
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for raw in self.delivered_raw(count, timeout)]


def _certificate(directory: Path) -> Path:
    crt, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN=mail.{DOMAIN}", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    return crt


def _sasl(directory: Path, owner) -> None:
    """One login for smtpd's AUTH (PLAIN, LOGIN), only over TLS: a Cyrus sasldb."""
    (directory / "sasl").mkdir()
    db = directory / "sasldb2"
    (directory / "sasl" / "smtpd.conf").write_text(
        f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n"
        f"sasldb_path: {db}\n")
    name, _, realm = USER.partition("@")
    subprocess.run(["saslpasswd2", "-p", "-c", "-f", str(db), "-u", realm, name],
                   input=PASSWORD.encode(), check=True, capture_output=True, timeout=30)
    os.chown(db, owner.pw_uid, owner.pw_gid)
    db.chmod(0o600)


def start_postfix(directory: Path) -> Postfix:
    if not Path(POSTFIX).exists():
        _unavailable("Debian's postfix is not installed (apt-get install postfix)")
    if os.geteuid() != 0:
        _unavailable("Postfix's master must be started as root")
    if shutil.which("openssl") is None:
        _unavailable("openssl is needed to make the test certificate")
    if shutil.which("saslpasswd2") is None:
        _unavailable("saslpasswd2 is needed for the SMTP login (apt-get install sasl2-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    # Postfix's daemons run as the postfix user and must reach the queue: the folder is
    # searchable by others, and lives outside pytest's base folder (pytest sets that back
    # to 0700 whenever a pytest session starts on the machine)
    directory.chmod(0o711)
    try:
        owner = pwd.getpwnam("postfix")  # the Maildir's owner too (the virtual agent)
    except KeyError:
        _unavailable("there is no postfix user (Debian's postfix package makes it)")
    port = _free_port()
    (directory / "main.cf").write_text(MAIN_CF.format(
        dir=directory, domain=DOMAIN, refused=REFUSED, uid=owner.pw_uid, gid=owner.pw_gid))
    (directory / "master.cf").write_text(MASTER_CF.format(port=port))
    for sub in ("mail", "queue", "data"):
        (directory / sub).mkdir()
    for sub in ("mail", "data"):
        os.chown(directory / sub, owner.pw_uid, owner.pw_gid)
    ca = _certificate(directory)
    _sasl(directory, owner)
    server = Postfix(dir=directory, port=port, ca_file=ca)
    check = server._postfix("check")
    if check.returncode != 0:
        raise RuntimeError(f"postfix check failed:\n{check.stdout}{check.stderr}")
    server.start()
    return server


@pytest.fixture()
def postfix():
    directory = Path(tempfile.mkdtemp(prefix="saraban-postfix-"))
    directory.chmod(0o711)
    try:
        server = start_postfix(directory / "postfix")
        try:
            yield server
        finally:
            server._postfix("stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


"""A real Dovecot IMAP server for tests, on a free loopback port, with its own
configuration, users and Maildir in the test's temporary folder (``dovecot -c conf -F``).

Without ``dovecot`` installed the tests skip, saying why; in CI (``CI`` set) they fail:
``.ci/run`` installs Debian's ``dovecot-imapd``.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

USER = "saraban@agency.go.th"
PASSWORD = "p@ss word/%#?"  # characters a URL must escape (no colon: passwd-file)


def _dovecot() -> str:
    path = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists()
                                       else None)
    if path is None:
        message = "dovecot is not installed (apt-get install dovecot-imapd)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """\
base_dir = {run}
state_dir = {root}/state
instance_name = saraban-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{run}/cert.pem
ssl_key = <{run}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
log_path = {root}/dovecot.log
mail_location = maildir:{run}/mail/%n
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {run}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={run}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass
class Dovecot:
    """One Dovecot instance; ``stop()`` and ``start()`` again on the same port and mail."""

    root: Path
    port: int
    binary: str
    tls_port: int = 0
    run: Path | None = None
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        credentials = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
        return f"imap://{credentials}@127.0.0.1:{self.port}/INBOX"

    @property
    def imaps_url(self) -> str:
        credentials = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
        return f"imaps://{credentials}@localhost:{self.tls_port}/INBOX"

    def ssl_context(self) -> ssl.SSLContext:
        """A context trusting this server's self-signed certificate (for localhost)."""
        return ssl.create_default_context(cafile=str(self.run / "cert.pem"))

    def start(self) -> None:
        with open(self.root / "stderr.log", "ab") as err:
            self.proc = subprocess.Popen(
                [self.binary, "-c", str(self.root / "dovecot.conf"), "-F"],
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot stopped:\n{self._log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on port {self.port}\n{self._log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _log(self) -> str:
        return "".join(path.read_text(errors="replace")[-3000:]
                       for path in (self.root / "stderr.log", self.root / "dovecot.log")
                       if path.exists())

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put one raw message into ``folder`` (IMAP APPEND, as a delivery agent would)."""
        client = self.client()
        try:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in ``folder`` (none when it does not exist), not deleted ones."""
        client = self.client()
        try:
            typ, _ = client.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = client.uid("SEARCH", None, "NOT DELETED")
            out = []
            for uid in data[0].split():
                typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                out.append(parts[0][1])
            return out
        finally:
            client.logout()


def _self_signed(folder: Path) -> None:
    """A key and a self-signed certificate for localhost (IMAPS), made for this test."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / "key.pem").chmod(0o600)


def make_dovecot(tmp_path: Path) -> Dovecot:
    import grp
    import pwd

    binary = _dovecot()
    root = tmp_path / "dovecot"
    for sub in ("run", "state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    internal, internal_group, login = user, group, user
    run = root / "run"
    if os.getuid() == 0:  # Dovecot's processes refuse to run as root, mail included
        user = group = internal = internal_group = "dovecot"
        login = "dovenull"
        # the sockets, the users and the mail, where those processes can reach them
        run = Path(tempfile.mkdtemp(prefix="saraban-dovecot-"))
        run.chmod(0o755)
    for sub in ("mail", "home"):
        (run / sub).mkdir(exist_ok=True)
        shutil.chown(run / sub, user, group)
    port, tls_port = _free_port(), _free_port()
    _self_signed(run)
    (run / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    (run / "users").chmod(0o644)
    (root / "dovecot.conf").write_text(
        CONFIG.format(root=root, run=run, port=port, tls_port=tls_port, mail_user=user,
                      mail_group=group, internal=internal, internal_group=internal_group,
                      login=login),
        encoding="utf-8")
    return Dovecot(root=root, port=port, tls_port=tls_port, binary=binary, run=run)


@contextlib.contextmanager
def running_dovecot(tmp_path: Path):
    """A running Dovecot with one user (``USER``/``PASSWORD``), stopped after the block."""
    server = make_dovecot(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if server.run is not None and server.run != server.root / "run":
            shutil.rmtree(server.run, ignore_errors=True)


@pytest.fixture
def dovecot(tmp_path):
    """A running Dovecot (``running_dovecot``) for one test."""
    with running_dovecot(tmp_path) as server:
        yield server

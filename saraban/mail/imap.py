"""The mailbox over IMAP (stdlib ``imaplib``): connect from ``SARABAN_MAIL_IMAP_URL``, read
UIDVALIDITY, fetch the messages after the last UID taken, move one to the done folder.

``imap://`` is plain IMAP (loopback, tests), ``imaps://`` IMAP over TLS (port 993). The user
and password in the URL are percent-decoded (``saraban%40agency.go.th``); a password file,
when given, wins over the URL's. The path names the folder read (``/INBOX`` by default).
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class MailboxError(RuntimeError):
    """The mailbox cannot be read now (the server down, refused login, a bad setting)."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    folder: str


def parse_url(url: str, password_file: str | None = None) -> MailboxSettings:
    """The settings in an ``imap://`` or ``imaps://`` URL; the password from the file, when
    given (its first line)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxError("SARABAN_MAIL_IMAP_URL must be imap://user:password@host/FOLDER or "
                           "imaps://...")
    tls = parts.scheme == "imaps"
    password = unquote(parts.password or "")
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as error:
            raise MailboxError(f"SARABAN_MAIL_IMAP_PASSWORD_FILE: cannot read "
                               f"{password_file!r}") from error
    try:
        port = parts.port or (993 if tls else 143)
    except ValueError as error:  # "user:pass/word@host": an unescaped character
        raise MailboxError("SARABAN_MAIL_IMAP_URL: escape the user's and the password's "
                           "special characters (%40 for @, %2F for /)") from error
    return MailboxSettings(host=parts.hostname, port=port,
                           tls=tls, user=unquote(parts.username or ""), password=password,
                           folder=unquote(parts.path.lstrip("/")) or "INBOX")


def _quoted(name: str) -> str:
    """An IMAP quoted string (folder names with spaces or slashes); UTF-8 names are sent as
    they are (servers that speak UTF8=ACCEPT), which Saraban's folder names avoid."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """One IMAP session on one folder: ``with Mailbox(settings) as box: ...``."""

    def __init__(self, settings: MailboxSettings, *, timeout: float = 30,
                 ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.client: imaplib.IMAP4 | None = None
        self.uidvalidity: int = 0

    def __enter__(self) -> Mailbox:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        s = self.settings
        try:
            if s.tls:
                context = self.ssl_context or ssl.create_default_context()
                self.client = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context,
                                                timeout=self.timeout)
            else:
                self.client = imaplib.IMAP4(s.host, s.port, timeout=self.timeout)
            self.client.login(s.user, s.password)
            typ, data = self.client.select(_quoted(s.folder))
            if typ != "OK":
                raise MailboxError(f"cannot open the folder {s.folder!r}: {data!r}")
            typ, data = self.client.response("UIDVALIDITY")
            if not data or data[0] is None:
                typ, data = self.client.status(_quoted(s.folder), "(UIDVALIDITY)")
                match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
                self.uidvalidity = int(match.group(1)) if match else 0
            else:
                self.uidvalidity = int(data[0])
        except (OSError, imaplib.IMAP4.error) as error:
            self.close()
            raise MailboxError(f"IMAP {s.host}:{s.port}: {error}") from error

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass

    def _uid(self, *args):
        try:
            typ, data = self.client.uid(*args)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP UID {args[0]}: {error}") from error
        if typ != "OK":
            raise MailboxError(f"IMAP UID {args[0]}: {data!r}")
        return data

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs greater than ``last_uid``, in order (``n:*`` always names the last
        message, even an older one: it is filtered out)."""
        data = self._uid("SEARCH", None, f"UID {last_uid + 1}:*")
        return sorted(uid for uid in (int(x) for x in (data[0] or b"").split())
                      if uid > last_uid)

    def has(self, uid: int) -> bool:
        """Whether the message ``uid`` is still in the folder (and not marked deleted)."""
        data = self._uid("SEARCH", None, f"UID {uid} NOT DELETED")
        return str(uid).encode() in (data[0] or b"").split()

    def fetch(self, uid: int) -> bytes | None:
        """The raw message (RFC822 bytes) of ``uid``, not marking it seen; None when gone."""
        data = self._uid("FETCH", str(uid), "(BODY.PEEK[])")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2:
                return part[1]
        return None

    def messages_after(self, last_uid: int) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) of each message after ``last_uid``, one fetched at a time."""
        for uid in self.uids_after(last_uid):
            raw = self.fetch(uid)
            if raw is not None:
                yield uid, raw

    def _capable(self, name: str) -> bool:
        return name in (self.client.capabilities or ())

    def ensure_folder(self, folder: str) -> None:
        """Create ``folder`` (and its parents, as servers do) when it is not there."""
        typ, data = self.client.list('""', _quoted(folder))
        if typ == "OK" and data and data[0]:
            return
        typ, data = self.client.create(_quoted(folder))
        if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d or b"" for d in data):
            raise MailboxError(f"cannot create the folder {folder!r}: {data!r}")
        self.client.subscribe(_quoted(folder))

    def move(self, uid: int, folder: str) -> None:
        """Move ``uid`` to ``folder`` (created when missing): MOVE when the server has it,
        else COPY, \\Deleted and EXPUNGE (UID EXPUNGE when UIDPLUS allows, so that only
        this message goes)."""
        try:
            self.ensure_folder(folder)
            if self._capable("MOVE"):
                self._uid("MOVE", str(uid), _quoted(folder))
                return
            self._uid("COPY", str(uid), _quoted(folder))
            self._uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
            if self._capable("UIDPLUS"):
                self._uid("EXPUNGE", str(uid))
            else:
                self.client.expunge()
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP move of {uid} to {folder!r}: {error}") from error

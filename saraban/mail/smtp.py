"""The connection to the office's submission server, from ``MAIL_SMTP_URL``.

``smtp://user:password@host:587`` speaks STARTTLS before anything else, and refuses to go
on in clear when the server does not offer it; ``smtps://...:465`` is TLS from the first
byte. The server's certificate is checked against the system's authorities, or against
``MAIL_SMTP_CA_FILE`` when given (a private authority, or the tests' own). The password
is the URL's, or the first line of ``MAIL_SMTP_PASSWORD_FILE``.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

TIMEOUT = 30


class SmtpSettingsError(RuntimeError):
    """MAIL_SMTP_URL is missing or unusable."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    ca_file: str | None

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        url = config.get("MAIL_SMTP_URL")
        if not url:
            raise SmtpSettingsError("SARABAN_MAIL_SMTP_URL is not set: no mail can be sent")
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpSettingsError("SARABAN_MAIL_SMTP_URL must be smtp://host:587 or "
                                    "smtps://host:465")
        implicit = parts.scheme == "smtps"
        password = unquote(parts.password) if parts.password is not None else None
        password_file = config.get("MAIL_SMTP_PASSWORD_FILE")
        if password_file:
            lines = Path(password_file).read_text(encoding="utf-8").splitlines()
            password = lines[0] if lines else ""
        return cls(host=parts.hostname, port=parts.port or (465 if implicit else 587),
                   implicit_tls=implicit,
                   username=unquote(parts.username) if parts.username else None,
                   password=password, ca_file=config.get("MAIL_SMTP_CA_FILE"))


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.ca_file)


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An SMTP session ready for MAIL FROM: TLS on, logged in when the URL names a user.
    Raises OSError / smtplib.SMTPException when the server is down or refuses."""
    context = tls_context(settings)
    if settings.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                                context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        client.ehlo()
        if not settings.implicit_tls:
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    f"{settings.host}:{settings.port} offers no STARTTLS: not sending in clear")
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            _login(client, settings.username, settings.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH as smtplib does, except that a name or password in Thai (or any non-ASCII) goes
    as UTF-8 in AUTH PLAIN (RFC 4616), which smtplib's own encoding cannot send."""
    if (username + password).isascii():
        client.login(username, password)
        return
    mechanisms = client.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise smtplib.SMTPAuthenticationError(
            504, b"the server offers no AUTH PLAIN for a non-ASCII name or password")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)

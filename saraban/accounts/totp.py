"""TOTP (RFC 6238) codes, their secret kept encrypted, and one-time recovery codes.

The base32 secret is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
by HKDF-SHA256 from the application's SECRET_KEY, so a copy of the database alone does not
give the codes away. Changing SECRET_KEY makes the stored secrets unreadable: the users then
log in with a recovery code (stored as SHA-256, independent of the key) or an administrator
runs ``saraban disable-totp USERNAME``.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from saraban.thaidate import to_arabic_digits

STEP = 30  # seconds per code (RFC 6238's default, what every authenticator app uses)
DRIFT = 1  # steps either side of now that are still accepted
ISSUER = "Saraban"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _clock() -> float:
    """Now, in seconds (tests move it with time-machine, as every other clock)."""
    return time.time()


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"saraban:totp-secret:v1").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return pyotp.random_base32()  # 32 characters, 160 bits


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str) -> str | None:
    """The plain secret, or None when it was encrypted under another SECRET_KEY."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        return None


def normalize(code: str) -> str:
    """What the user typed, with Thai digits made Arabic and spaces and dashes removed."""
    return re.sub(r"[\s\-]", "", to_arabic_digits(code or "")).lower()


def is_totp_code(code: str) -> bool:
    return re.fullmatch(r"\d{6}", code) is not None


def matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (now ± DRIFT) whose code is ``code``, when it is later than ``after``
    (the last step already used: a code is never accepted twice); otherwise None."""
    if not is_totp_code(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    now = int(_clock()) // STEP
    for step in range(now - DRIFT, now + DRIFT + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows img-src data:;
    an <img> needs neither inline script nor inline style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """RECOVERY_CODES codes of 16 characters (80 bits each), shown as xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    return codes

"""Settings from ``SARABAN_*`` environment variables.

Every setting has a development default except the secret key, which must be given outside
development (``SARABAN_ENV=development`` is what ``make run`` uses).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_PREFIX = "SARABAN_"


class ConfigError(RuntimeError):
    """The application cannot start with the settings it was given."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _dev_secret_key(data_dir: Path) -> str:
    """A random key kept in the data directory, so development sessions survive a restart."""
    path = data_dir / "dev-secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _roles(value: str) -> frozenset[str]:
    from saraban.accounts.models import Role

    names = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = names - {role.value for role in Role}
    if unknown:
        raise ConfigError(f"SARABAN_REQUIRE_TOTP_FOR names unknown roles: "
                          f"{', '.join(sorted(unknown))} (known: admin, commander, clerk, staff)")
    return names


def _count(name: str, default: str) -> int:
    raw = _env(name, default)
    if not raw.isdecimal() or int(raw) > 10:
        raise ConfigError(f"SARABAN_{name} must be a whole number from 0 to 10, not {raw!r}")
    return int(raw)


def _ecms_org_id() -> str | None:
    """This agency's 10-digit e-CMS organisation ID (ministry 2 + organisation 3 + unit 5)."""
    value = _env("ECMS_ORG_ID")
    if value is not None and not (len(value) == 10 and value.isascii() and value.isdigit()):
        raise ConfigError(f"SARABAN_ECMS_ORG_ID must be the 10-digit e-CMS organisation ID "
                          f"(e.g. 0031500001), not {value!r}")
    return value


def _paths(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _ecms_signatures() -> dict:
    """XML-DSig of e-CMS letters (saraban/exchange/ecms/signature.py). Outbound signing is
    off unless SARABAN_ECMS_SIGN=1, and then needs its key and certificate; SHA-1 is neither
    accepted nor made unless SARABAN_ECMS_ALLOW_SHA1=1 says the node still uses it. A file
    named here that is not there stops the start: a signature setting that silently does
    nothing would let unsigned or unchecked letters through."""
    sign = _env("ECMS_SIGN", "0") == "1"
    allow_sha1 = _env("ECMS_ALLOW_SHA1", "0") == "1"
    key, cert = _env("ECMS_SIGN_KEY"), _env("ECMS_SIGN_CERT")
    algorithm = _env("ECMS_SIGN_ALGORITHM", "rsa-sha256")
    trusted = _paths(_env("ECMS_TRUSTED_CERTS"))
    if algorithm not in ("rsa-sha256", "rsa-sha1"):
        raise ConfigError(f"SARABAN_ECMS_SIGN_ALGORITHM must be rsa-sha256 or rsa-sha1, "
                          f"not {algorithm!r}")
    if algorithm == "rsa-sha1" and not allow_sha1:
        raise ConfigError("SARABAN_ECMS_SIGN_ALGORITHM=rsa-sha1 needs SARABAN_ECMS_ALLOW_SHA1=1 "
                          "(only for a node that still uses SHA-1)")
    if sign and not (key and cert):
        raise ConfigError("SARABAN_ECMS_SIGN=1 needs SARABAN_ECMS_SIGN_KEY (a PEM private key) "
                          "and SARABAN_ECMS_SIGN_CERT (its PEM certificate)")
    for name, path in (("ECMS_SIGN_KEY", key if sign else None),
                       ("ECMS_SIGN_CERT", cert if sign else None),
                       *(("ECMS_TRUSTED_CERTS", p) for p in trusted)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"SARABAN_{name}: no file {path!r}")
    return {"ECMS_SIGN": sign, "ECMS_SIGN_KEY": key, "ECMS_SIGN_CERT": cert,
            "ECMS_SIGN_ALGORITHM": algorithm, "ECMS_TRUSTED_CERTS": trusted,
            "ECMS_ALLOW_SHA1": allow_sha1}


def _mail_out() -> dict:
    """The office's submission server (saraban/mail/smtp.py): smtp://user:pass@host:587
    (STARTTLS, always) or smtps://user:pass@host:465 (TLS from the start); the password
    may be kept out of the URL in MAIL_SMTP_PASSWORD_FILE. Unset: nothing is sent."""
    from urllib.parse import urlsplit

    url = _env("MAIL_SMTP_URL")
    password_file = _env("MAIL_SMTP_PASSWORD_FILE")
    ca_file = _env("MAIL_SMTP_CA_FILE")
    if url is not None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (a bad port raises here)
        except ValueError as error:
            raise ConfigError(f"SARABAN_MAIL_SMTP_URL is not a URL: {error}") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("SARABAN_MAIL_SMTP_URL must be smtp://[user[:password]@]host[:587] "
                              "(STARTTLS) or smtps://...host[:465], not "
                              f"{parts.scheme or '(no scheme)'}://...")
    for name, path in (("MAIL_SMTP_PASSWORD_FILE", password_file),
                       ("MAIL_SMTP_CA_FILE", ca_file)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"SARABAN_{name}: no file {path!r}")
    return {"MAIL_SMTP_URL": url, "MAIL_SMTP_PASSWORD_FILE": password_file,
            "MAIL_SMTP_CA_FILE": ca_file,
            "MAIL_FROM": _env("MAIL_FROM", "saraban@localhost")}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or _env("ENV", "production")
    data_dir = Path(overrides.get("DATA_DIR") or _env("DATA_DIR") or Path(instance_path) / "data")
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or _env(
        "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'saraban.sqlite3'}"
    )
    config: dict = {
        "ENV": env,
        "DATA_DIR": str(data_dir),
        # the keys that wrap the keys of secret documents' files: outside the database,
        # the data folder and the backup (saraban/documents/filecrypt.py)
        "FILE_KEYS_DIR": str(overrides.get("FILE_KEYS_DIR") or _env("FILE_KEYS_DIR")
                             or Path(instance_path) / "keys"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # a server's connections can go stale (restarts); a SQLite file's cannot
        "SQLALCHEMY_ENGINE_OPTIONS": (
            {} if database_url.startswith("sqlite") else {"pool_pre_ping": True}),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": (_env("COOKIE_SECURE", "0") == "1"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        "FONT_PATH": _env("FONT_PATH"),
        # the agency's emblem (ตราครุฑ, PNG or JPEG) printed on its letters; unset: its place
        # is kept empty on the form
        "GARUDA_PATH": _env("GARUDA_PATH"),
        "JSON_AS_ASCII": False,
        # letters from other agencies: registered at once (1) or accepted by a clerk (0)
        "EXCHANGE_AUTO_REGISTER": _env("EXCHANGE_AUTO_REGISTER", "1") == "1",
        "EXCHANGE_REGISTER_ID": _env("EXCHANGE_REGISTER_ID"),
        # the saraban@ mailbox read over IMAP (imaps://user:password@host/INBOX; the
        # password may come from a file instead), and the folder a taken message goes to
        "MAIL_IMAP_URL": _env("MAIL_IMAP_URL"),
        "MAIL_IMAP_PASSWORD_FILE": _env("MAIL_IMAP_PASSWORD_FILE"),
        "MAIL_DONE_FOLDER": _env("MAIL_DONE_FOLDER", "Saraban/Done"),
        # the user (a keeper of the central receipt register) in whose name the intake
        # reader accepts mailed letters and registers those read in full; unset: a clerk does
        "MAIL_AUTO_REGISTER": _env("MAIL_AUTO_REGISTER"),
        # where the users reach Saraban, for the links in the notices by e-mail
        "BASE_URL": _env("BASE_URL", "http://localhost:8000"),
        # the daily digest of the notices is sent at or after this hour, Bangkok time; an item
        # is told once it is this many seconds old (a transaction still committing is waited)
        "NOTIFY_DIGEST_HOUR": _env("NOTIFY_DIGEST_HOUR", "7"),
        "NOTIFY_SETTLE_SECONDS": _env("NOTIFY_SETTLE_SECONDS", "60"),
        # roles whose holders must log in with a TOTP code (e.g. "admin,commander")
        "REQUIRE_TOTP_FOR": _roles(_env("REQUIRE_TOTP_FOR", "")),
        # the installation key (audit head MAC, backup signature); default DATA_DIR/...
        "AUDIT_KEY_FILE": _env("AUDIT_KEY_FILE"),
        # system administrators must log in with TOTP (0 only for tests and demonstrations)
        "SYSADMIN_TOTP": _env("SYSADMIN_TOTP", "1") == "1",
        # shared rate limits: Redis when set, the database otherwise (saraban/ratelimit.py)
        "REDIS_URL": _env("REDIS_URL"),
        # reverse proxies in front of the application that add X-Forwarded-For/-Proto
        "PROXY_HOPS": _count("PROXY_HOPS", "0"),
        # this agency's own e-CMS node (.../ecms-ws01/service2) and its organisation ID
        "ECMS_NODE_URL": _env("ECMS_NODE_URL"),
        "ECMS_ORG_ID": _ecms_org_id(),
        # XML-DSig: outbound signing (off), trusted certificates, SHA-1 (refused)
        **_ecms_signatures(),
        # the saraban@ mailbox, sending side: the submission server and our address
        **_mail_out(),
    }
    secret = overrides.get("SECRET_KEY") or _env("SECRET_KEY")
    if not secret:
        if env in ("development", "testing"):
            secret = _dev_secret_key(data_dir)
        else:
            raise ConfigError(
                "SARABAN_SECRET_KEY is not set. Set it to a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or set SARABAN_ENV=development on a developer's machine."
            )
    config["SECRET_KEY"] = secret
    config.update(overrides)
    return config

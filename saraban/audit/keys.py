"""The installation's own key: kept in the data directory, outside the database and
outside backups, made once (32 random bytes, mode 0600).

Someone who can write to the database, or who holds a copy of a backup, does not hold it:
the audit chain's head and a backup's manifest carry an HMAC-SHA256 made with a key
derived from it, which such a person cannot make again after an edit. Restoring a backup
on another machine needs the file (``saraban restore --key-file``): back it up separately.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import current_app

KEY_FILE = "installation.key"


class AuditKeyError(RuntimeError):
    """The key file cannot be read (or has the wrong shape)."""


def key_path() -> Path:
    configured = current_app.config.get("AUDIT_KEY_FILE")
    return Path(configured) if configured else Path(current_app.config["DATA_DIR"]) / KEY_FILE


def read_key_file(path: Path) -> bytes:
    """The 32-byte key written (in hex) in ``path``."""
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise AuditKeyError(f"cannot read the key file {path}: {error}") from None
    if len(key) != 32:
        raise AuditKeyError(f"the key file {path} does not hold a 32-byte key")
    return key


def installation_key(create: bool = True) -> bytes | None:
    """This installation's key; made on first use when ``create`` (else None if absent)."""
    path = key_path()
    cache = current_app.extensions.setdefault("saraban_keys", {})
    if str(path) in cache:
        return cache[str(path)]
    if not path.exists():
        if not create:
            return None
        _write_new(path, secrets.token_bytes(32))
    key = read_key_file(path)
    cache[str(path)] = key
    return key


def install_key(key: bytes) -> Path:
    """Put ``key`` in place as this installation's key (there must be none yet)."""
    path = key_path()
    _write_new(path, key)
    current_app.extensions.setdefault("saraban_keys", {}).pop(str(path), None)
    if read_key_file(path) != key:
        raise AuditKeyError(f"{path} already holds another key")
    return path


def _write_new(path: Path, key: bytes) -> None:
    """Write the key atomically and only if no key is there (two processes racing keep
    the first): a temporary file, then a hard link that fails when the name exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def derived(key: bytes, purpose: str) -> bytes:
    """A sub-key for one use, so that a MAC made for one purpose is never valid for another."""
    return hmac.new(key, f"saraban:{purpose}".encode(), hashlib.sha256).digest()


def mac(key: bytes, purpose: str, message: str) -> str:
    return hmac.new(derived(key, purpose), message.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public name of a key, to tell which key a backup was signed with."""
    return derived(key, "key-id").hex()[:16]


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)

"""Files of secret documents, encrypted at rest (envelope encryption).

Each file gets a key of its own (256 bits, AES-GCM); that key is kept beside the file,
wrapped (AES-GCM) by a key-encryption key that lies outside the database and outside the
backup: in ``FILE_KEYS_DIR`` (``SARABAN_FILE_KEYS_DIR``, by default ``<instance>/keys``),
one file per key, readable by the owner only, ``current`` naming the one that wraps new
files. ``saraban files rotate-key`` makes a new key and wraps every file's key again with
it (the contents are not re-encrypted); the old keys are kept, retired, for the backups
made before, unless asked to drop them.

The file stays named by the SHA-256 of its plaintext (the identity of the content); that
digest is also bound into both encryptions, so a file cannot be passed off as another.
On disk: ``MAGIC``, a two-byte header length, a JSON header (the key id and the wrapped
file key), then the nonce and the ciphertext with its tag.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

MAGIC = b"SARABAN-ENC1\n"
_KEY_ID_CHARS = set("0123456789abcdef")


class FileKeyError(RuntimeError):
    """A key is missing or a file does not open with it: nothing is shown."""


def keys_dir() -> Path:
    from saraban import private_dir

    return private_dir(current_app.config["FILE_KEYS_DIR"])


def _key_path(key_id: str) -> Path:
    if not key_id or set(key_id) - _KEY_ID_CHARS or len(key_id) > 32:
        raise FileKeyError(f"bad key id {key_id!r}")
    return keys_dir() / f"kek-{key_id}.key"


def _write_private(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def new_key() -> str:
    """Make a key-encryption key, make it the current one, and give its id."""
    key_id = secrets.token_hex(8)
    _write_private(_key_path(key_id), base64.b64encode(AESGCM.generate_key(256)).decode())
    _write_private(keys_dir() / "current", key_id)
    return key_id


def current_key_id(create: bool = True) -> str | None:
    path = keys_dir() / "current"
    if path.exists():
        return path.read_text().strip()
    return new_key() if create else None


def _key(key_id: str) -> bytes:
    try:
        return base64.b64decode(_key_path(key_id).read_text().strip(), validate=True)
    except (OSError, ValueError) as error:
        raise FileKeyError(f"the key {key_id} is not in {keys_dir()}") from error


def key_ids() -> list[str]:
    return sorted(p.name[4:-4] for p in keys_dir().glob("kek-*.key"))


def drop_key(key_id: str) -> None:
    _key_path(key_id).unlink(missing_ok=True)


def is_encrypted(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


def _wrap_aad(sha256: str) -> bytes:
    return b"saraban-file-key:" + sha256.encode()


def _pack(header: dict, body: bytes) -> bytes:
    head = json.dumps(header, sort_keys=True).encode()
    return MAGIC + len(head).to_bytes(2, "big") + head + body


def _unpack(raw: bytes) -> tuple[dict, bytes]:
    if not is_encrypted(raw):
        raise FileKeyError("not an encrypted file")
    at = len(MAGIC)
    size = int.from_bytes(raw[at:at + 2], "big")
    try:
        header = json.loads(raw[at + 2:at + 2 + size])
    except ValueError as error:
        raise FileKeyError("a damaged header") from error
    return header, raw[at + 2 + size:]


def _wrap(file_key: bytes, sha256: str, key_id: str) -> dict:
    nonce = secrets.token_bytes(12)
    wrapped = AESGCM(_key(key_id)).encrypt(nonce, file_key, _wrap_aad(sha256))
    return {"alg": "AES-256-GCM", "kek": key_id,
            "key": base64.b64encode(nonce + wrapped).decode()}


def _unwrap(header: dict, sha256: str) -> bytes:
    blob = base64.b64decode(header["key"])
    try:
        return AESGCM(_key(header["kek"])).decrypt(blob[:12], blob[12:], _wrap_aad(sha256))
    except InvalidTag as error:
        raise FileKeyError(f"the key of file {sha256} does not open") from error


def encrypt(data: bytes, sha256: str) -> bytes:
    """The stored form of ``data`` (whose SHA-256 is ``sha256``), under a new file key."""
    file_key = AESGCM.generate_key(256)
    nonce = secrets.token_bytes(12)
    body = nonce + AESGCM(file_key).encrypt(nonce, data, sha256.encode())
    return _pack(_wrap(file_key, sha256, current_key_id()), body)


def decrypt(raw: bytes, sha256: str) -> bytes:
    header, body = _unpack(raw)
    file_key = _unwrap(header, sha256)
    try:
        return AESGCM(file_key).decrypt(body[:12], body[12:], sha256.encode())
    except InvalidTag as error:
        raise FileKeyError(f"file {sha256} does not decrypt: damaged") from error


def key_of(raw: bytes) -> str:
    return _unpack(raw)[0]["kek"]


def rewrap(raw: bytes, sha256: str, key_id: str) -> bytes:
    """The same encrypted file, its file key wrapped by ``key_id`` (contents untouched)."""
    header, body = _unpack(raw)
    return _pack(_wrap(_unwrap(header, sha256), sha256, key_id), body)

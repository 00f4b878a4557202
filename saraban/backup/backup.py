"""Writing a backup of the database and the stored files while the server runs (see the
package's docstring for the format). What a restore shares with it (the format's names,
the refusal, the summary, the manifest's signature) is here too."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from saraban.audit.keys import installation_key, key_id, mac
from saraban.audit.operations import GENESIS
from saraban.db import Base, utcnow
from saraban.extensions import db
from saraban.validation import OperationError

FORMAT = "saraban-backup"
FORMAT_VERSION = 2  # 2: the manifest is signed with the installation's key
MANIFEST = "manifest.json"
# Tables made from the others: not backed up, rebuilt at restore. (SQLite's FTS5 table
# ``search_fts`` is not in the metadata at all: triggers fill it from ``search_text``.)
DERIVED = ("search_text",)
BATCH_ROWS = 1000
CHUNK_BYTES = 1 << 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class BackupError(OperationError):
    """A backup or restore refused, with a Thai and an English message."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_th, message_en, status=409)

    def __str__(self) -> str:
        return f"{self.message_th}\n{self.message_en}"


@dataclass
class Summary:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float


def backed_up_tables() -> list[Table]:
    """Every table a backup holds, parents before children (the order of a restore)."""
    from saraban import models  # noqa: F401  (every model on the metadata)

    return [t for t in Base.metadata.sorted_tables if t.name not in DERIVED]


def backup(path: str | os.PathLike) -> Summary:
    """Write a consistent backup of this installation into ``path`` (new or empty).

    It is built beside ``path`` and renamed into place at the end, so a directory with a
    ``manifest.json`` is always a complete backup; a failed one leaves nothing behind.
    """
    started = time.monotonic()
    target = Path(path).absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} มีอยู่แล้วและไม่ใช่โฟลเดอร์ว่าง ให้ระบุโฟลเดอร์ใหม่หรือโฟลเดอร์ว่าง",
                          f"{target} exists and is not an empty directory: give a new or "
                          "empty one.")
    if not target.parent.is_dir():
        raise BackupError(f"ไม่พบโฟลเดอร์ {target.parent}",
                          f"The directory {target.parent} does not exist.")
    # mkdtemp makes it readable by its owner only: a backup holds password hashes
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        manifest = _snapshot(work)
        manifest["files"] = _copy_stored_files(manifest.pop("stored"), work)
        key = installation_key()
        manifest["key_id"] = key_id(key)
        manifest["signature"] = manifest_signature(manifest, key)
        _write_file(work / MANIFEST, _manifest_text(manifest).encode())
        if target.exists():
            target.rmdir()
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return make_summary(target, manifest, started)


def _snapshot(work: Path) -> dict:
    """Every table into ``work/tables`` from one read transaction; the manifest so far,
    with the stored files the snapshot refers to under ``stored``."""
    from alembic.migration import MigrationContext

    from saraban import __version__
    from saraban.audit.models import AuditHead
    from saraban.documents.models import StoredFile

    (work / "tables").mkdir()
    engine = db.engine
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        # SQLite: the app's "begin" hook issues a deferred BEGIN; the snapshot is taken at
        # the first read below and kept until the end of the transaction (WAL mode).
        with conn.begin():
            revision = MigrationContext.configure(conn).get_current_revision()
            if revision is None:
                raise BackupError("ฐานข้อมูลยังไม่ได้สร้างตาราง (ยังไม่ได้สั่ง saraban db upgrade)",
                                  "The database has no schema yet (run saraban db upgrade).")
            tables = [_dump_table(conn, table, work / "tables")
                      for table in backed_up_tables()]
            stored = conn.execute(select(StoredFile.sha256, StoredFile.size)
                                  .order_by(StoredFile.id)).all()
            head = conn.scalar(select(AuditHead.hash).where(AuditHead.id == 1))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "saraban_version": __version__,
        "alembic_revision": revision,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "dialect": engine.dialect.name,
        "audit_head": head or GENESIS,
        "derived": list(DERIVED),
        "tables": tables,
        "stored": [(sha, size) for sha, size in stored],
    }


def _dump_table(conn: Connection, table: Table, directory: Path) -> dict:
    """Write ``table`` as JSON lines in primary-key order; its manifest entry."""
    names = [c.name for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execute(select(table).order_by(*order),
                          execution_options={"yield_per": BATCH_ROWS})
    digest, rows, size = hashlib.sha256(), 0, 0
    path = directory / f"{table.name}.jsonl"
    with open(path, "wb") as fh:
        for row in result:
            line = json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False,
                              separators=(",", ":"), default=_plain).encode() + b"\n"
            fh.write(line)
            digest.update(line)
            rows += 1
            size += len(line)
        fh.flush()
        os.fsync(fh.fileno())
    return {"name": table.name, "path": f"tables/{table.name}.jsonl", "rows": rows,
            "bytes": size, "sha256": digest.hexdigest(), "columns": names}


def manifest_signature(manifest: dict, key: bytes) -> str:
    """The HMAC-SHA256 of the manifest (without its signature) with the installation's
    key: whoever changes a table file and puts its new digest in the manifest cannot make
    it again without the key, which no backup holds."""
    content = {k: v for k, v in manifest.items() if k != "signature"}
    return mac(key, "backup-manifest", json.dumps(content, ensure_ascii=False, sort_keys=True,
                                                  separators=(",", ":")))


def _manifest_text(manifest: dict) -> str:
    """The manifest as JSON with one table or file per line, to be read by people too."""
    def dumps(value):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = []
    for key, value in manifest.items():
        if key in ("tables", "files") and value:
            items = ",\n".join(f"  {dumps(item)}" for item in value)
            lines.append(f" {dumps(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {dumps(key)}: {dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _plain(value):
    """A JSON value for what the json module cannot write itself."""
    if isinstance(value, dt.date | dt.time):  # datetimes too; aware ones keep their offset
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot write a {type(value).__name__} to a backup")


def _copy_stored_files(stored: list[tuple[str, int]], work: Path) -> list[dict]:
    """Copy each stored file into ``work/files``, checking its SHA-256 and size; refuse
    the backup, naming them, when any is missing or does not match."""
    from saraban.documents.files import file_path

    entries, problems = [], []
    for sha, size in stored:
        relative = file_relpath(sha)
        try:
            copied_sha, copied_size = copy_checked(file_path(sha), work / relative)
        except FileNotFoundError:
            problems.append((sha, "หายไป", "missing"))
            continue
        if copied_sha != sha:  # a secret document's file, kept encrypted: copied as it is
            problem = _check_encrypted(work / relative, sha, size)
            if problem is not None:
                problems.append((sha, *problem))
                continue
            entries.append({"path": relative, "bytes": copied_size, "sha256": sha,
                            "stored_sha256": copied_sha, "encrypted": True})
            continue
        if copied_size != size:
            problems.append((sha, "เนื้อไฟล์ไม่ตรงกับค่าแฮช (เสียหาย)", "damaged: its digest "
                             "or size does not match"))
            continue
        entries.append({"path": relative, "bytes": size, "sha256": sha})
    if problems:
        data_dir = Path(current_app.config["DATA_DIR"]) / "files"
        raise BackupError(
            f"ไม่ได้ทำข้อมูลสำรอง: ไฟล์ที่เก็บไว้ใน {data_dir} มีปัญหา {len(problems)} ไฟล์ "
            + "; ".join(f"{sha} {th}" for sha, th, _ in problems[:10]),
            f"No backup made: {len(problems)} stored files in {data_dir} are missing or "
            "damaged: " + "; ".join(f"{sha} {en}" for sha, _, en in problems[:10]))
    return entries


def _check_encrypted(path: Path, sha: str, size: int) -> tuple[str, str] | None:
    """An encrypted copy is checked by opening it (its key stays outside the backup): the
    plaintext must have the digest and size the database gives. A reason when not."""
    from saraban.documents import filecrypt

    raw = path.read_bytes()
    if not filecrypt.is_encrypted(raw):
        return "เนื้อไฟล์ไม่ตรงกับค่าแฮช (เสียหาย)", "damaged: its digest or size does not match"
    try:
        plain = filecrypt.decrypt(raw, sha)
    except filecrypt.FileKeyError as error:
        return "ไฟล์เข้ารหัสเปิดไม่ได้ (ไม่พบกุญแจหรือเสียหาย)", f"encrypted, cannot be opened ({error})"
    if hashlib.sha256(plain).hexdigest() != sha or len(plain) != size:
        return "เนื้อไฟล์ไม่ตรงกับค่าแฮช (เสียหาย)", "damaged: its digest or size does not match"
    return None


def file_relpath(sha: str) -> str:
    return f"files/{sha[:2]}/{sha[2:4]}/{sha}"


def copy_checked(source: Path, destination: Path) -> tuple[str, int]:
    """Copy ``source`` to ``destination`` (atomically, via a temporary file beside it);
    the SHA-256 and size of the bytes copied. Nothing is left behind on failure."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src:
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=".copy-")
        try:
            with os.fdopen(fd, "wb") as dst:
                while chunk := src.read(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(tmp, 0o640)
            os.replace(tmp, destination)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest.hexdigest(), size


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def make_summary(path: Path, manifest: dict, started: float) -> Summary:
    return Summary(
        path=path, tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]), files=len(manifest["files"]),
        bytes=sum(t["bytes"] for t in manifest["tables"])
        + sum(f["bytes"] for f in manifest["files"]),
        seconds=time.monotonic() - started)

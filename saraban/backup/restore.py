"""Restoring a backup into an empty installation (see the package's docstring for the
rules). :func:`restore` flushes only: ``saraban restore`` commits it as one unit of work,
and the files it put in DATA_DIR (and a key it adopted) are removed again if that unit is
rolled back, commit failures included (the session hooks at the end, put on the session
by ``saraban.events``)."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import JSON, Integer, Table, bindparam, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator, TypeEngine

from saraban.audit.keys import (
    AuditKeyError,
    install_key,
    installation_key,
    key_id,
    read_key_file,
    same,
)
from saraban.backup.backup import (
    BATCH_ROWS,
    CHUNK_BYTES,
    DERIVED,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SHA256_HEX,
    BackupError,
    Summary,
    backed_up_tables,
    copy_checked,
    file_relpath,
    make_summary,
    manifest_signature,
)
from saraban.db import Base, begin_write
from saraban.extensions import db


def restore(path: str | os.PathLike, key_file: str | os.PathLike | None = None) -> Summary:
    """Restore the backup in ``path`` into this installation, which must be empty (flushes
    only: run it in a ``unit_of_work``, which commits it, or rolls it back on a refusal).

    The manifest must be signed with the key of the installation that made the backup:
    this installation's own, or the one in ``key_file`` (restoring on another machine),
    which then becomes this installation's key (the restored audit head is proved by it).
    """
    started = time.monotonic()
    source = Path(path).absolute()
    manifest = read_manifest(source)
    key, adopt = _restore_key(key_file)
    _check_signature(manifest, key)  # before anything is written
    head = _schema_head()
    if manifest["alembic_revision"] != head:
        raise BackupError(
            f"ข้อมูลสำรองนี้ทำจากฐานข้อมูลรุ่น {manifest['alembic_revision']} แต่โปรแกรมนี้ใช้รุ่น "
            f"{head}: ให้กู้คืนด้วย saraban รุ่นที่ทำข้อมูลสำรอง แล้วจึงสั่ง saraban db upgrade",
            f"The backup is of schema revision {manifest['alembic_revision']}, this program "
            f"is at {head}: restore with the saraban version that made it, then run "
            "saraban db upgrade.")
    verify_backup(source, manifest)  # before anything is written
    _prepare_database(head)
    _refuse_another_key(key)
    begin_write(db.session)  # SQLite: the write lock, then check again under it
    _refuse_unless_empty()
    # the files put in place and a key adopted: removed again if the restore is rolled back
    created: list[Path] = db.session.info.setdefault(_CREATED, [])
    conn = db.session.connection()
    tables = backed_up_tables()
    entries = {entry["name"]: entry for entry in manifest["tables"]}
    pending = []
    for position, table in enumerate(tables):
        later = {t.name for t in tables[position + 1:]}
        with _refusing(table.name):
            pending += _load_table(conn, table, source / entries[table.name]["path"], later)
    for name, statement, updates in pending:  # the links to rows that came later
        with _refusing(name):
            conn.execute(statement, updates)
    if conn.dialect.name == "postgresql":
        _move_sequences(conn)
    for entry in manifest["files"]:
        _restore_file(source / entry["path"], entry.get("stored_sha256", entry["sha256"]),
                      entry["sha256"], created)
    _rebuild_search_index()
    _check_audit_chain(manifest["audit_head"], key)
    if adopt:
        created.append(install_key(key))
    db.session.flush()
    return make_summary(source, manifest, started)


# What a restore put in place (stored files, an adopted key) until its transaction ends.
_CREATED = "saraban_restore_created"


def keep_restored_files(session) -> None:
    """After a commit: the restored rows refer to the files put in place; they stay."""
    session.info.pop(_CREATED, None)


def remove_restored_files(session) -> None:
    """After a rollback: the files no row refers to any more, and a key adopted, go."""
    for made in session.info.pop(_CREATED, ()):
        made.unlink(missing_ok=True)


def _restore_key(key_file) -> tuple[bytes, bool]:
    """The key the backup must be signed with, and whether it is to become this
    installation's key (given in a file while this installation has none)."""
    own = installation_key(create=False)
    if key_file is None:
        if own is None:
            raise BackupError(
                "ระบบนี้ยังไม่มีกุญแจของระบบ: ให้ระบุไฟล์กุญแจของระบบที่ทำข้อมูลสำรองด้วย "
                "saraban restore --key-file",
                "This installation has no key yet: give the key file of the installation "
                "that made the backup with saraban restore --key-file.")
        return own, False
    try:
        given = read_key_file(Path(key_file))
    except AuditKeyError as error:
        raise BackupError(f"อ่านไฟล์กุญแจไม่ได้: {error}", f"Cannot use the key: {error}.") from None
    return given, own is None


def _refuse_another_key(given: bytes) -> None:
    """An installation with a key of its own keeps it (checked once the target is known
    to be empty, so that a target holding data is refused for that first)."""
    from saraban.audit.keys import key_path

    own = installation_key(create=False)
    if own is not None and not same(key_id(own), key_id(given)):
        raise BackupError(
            f"ระบบนี้มีกุญแจอื่นอยู่แล้ว ({key_path()}): สายบันทึกการตรวจสอบที่กู้คืนจะพิสูจน์ด้วยกุญแจนั้นไม่ได้ "
            "ให้กู้คืนลงในโฟลเดอร์ข้อมูลใหม่",
            f"This installation already has another key ({key_path()}): the restored "
            "audit chain could not be proved with it; restore into a new data directory.")


def _check_signature(manifest: dict, key: bytes) -> None:
    if not same(manifest.get("signature"), manifest_signature(manifest, key)):
        other = manifest.get("key_id") not in (None, key_id(key))
        raise BackupError(
            "ลายมือชื่อของ manifest.json ไม่ถูกต้อง: "
            + ("ข้อมูลสำรองนี้ทำด้วยกุญแจของระบบอื่น ให้ระบุไฟล์กุญแจนั้นด้วย --key-file"
               if other else "ข้อมูลสำรองถูกแก้ไขหลังจากทำ") + " ไม่ได้กู้คืนสิ่งใด",
            "The signature of manifest.json does not match: "
            + ("the backup was made with another installation's key, give it with --key-file"
               if other else "the backup was altered after it was made")
            + "; nothing was restored.")


def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"ไม่พบ {MANIFEST} ใน {source}: ไม่ใช่ข้อมูลสำรองของ saraban หรือสำรองไม่เสร็จ",
                          f"No {MANIFEST} in {source}: not a saraban backup, or an "
                          "unfinished one.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"อ่าน {MANIFEST} ไม่ได้: {error}",
                          f"Cannot read {MANIFEST}: {error}") from None
    if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT):
        raise BackupError(f"{MANIFEST} ไม่ใช่ของข้อมูลสำรอง saraban",
                          f"{MANIFEST} is not a saraban backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"ข้อมูลสำรองรูปแบบที่ {manifest.get('format_version')} โปรแกรมนี้อ่านได้เฉพาะรูปแบบที่ "
            f"{FORMAT_VERSION}",
            f"Backup format version {manifest.get('format_version')}; this program reads "
            f"version {FORMAT_VERSION}.")
    shapes = {"alembic_revision": str, "audit_head": str, "tables": list, "files": list}
    wrong = [key for key, shape in shapes.items() if not isinstance(manifest.get(key), shape)]
    if not wrong and not all(isinstance(entry, dict)
                             for entry in manifest["tables"] + manifest["files"]):
        wrong.append("entries of tables or files")
    if wrong:
        raise BackupError(f"{MANIFEST} ไม่ครบหรือผิดรูปแบบ ({', '.join(wrong)})",
                          f"{MANIFEST} is incomplete or malformed ({', '.join(wrong)}).")
    return manifest


def verify_backup(source: Path, manifest: dict) -> None:
    """Check every table file and stored file against the manifest (digest, size, rows),
    and that the tables are this schema's and every stored file is there; refuse naming
    each problem."""
    problems: list[str] = []
    tables = {t.name: t for t in backed_up_tables()}
    entries = {e.get("name"): e for e in manifest.get("tables", [])}
    if set(entries) != set(tables):
        problems.append("tables differ from this schema's: missing "
                        f"{sorted(set(tables) - set(entries))}, unknown "
                        f"{sorted(set(entries) - set(tables), key=str)}")
    for name, entry in entries.items():
        if name not in tables:
            continue
        if entry.get("path") != f"tables/{name}.jsonl":
            problems.append(f"{name}: unexpected path {entry.get('path')!r}")
            continue
        if set(entry.get("columns", ())) != {c.name for c in tables[name].columns}:
            problems.append(f"{name}: its columns differ from this schema's")
        problems.extend(_check_file(source, entry, count_lines=True))
    listed = set()
    for entry in manifest.get("files", []):
        sha = str(entry.get("sha256"))
        if not SHA256_HEX.fullmatch(sha) or entry.get("path") != file_relpath(sha):
            problems.append(f"unexpected file entry {entry!r}")
            continue
        listed.add(sha)
        problems.extend(_check_file(source, entry))
    if not problems:
        missing = [sha for sha in _stored_digests(source / "tables/stored_file.jsonl")
                   if sha not in listed]
        problems.extend(f"stored file {sha} is not in the backup" for sha in missing)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; ... ({len(problems)} in all)"
                                             if len(problems) > 10 else "")
        raise BackupError(
            f"ข้อมูลสำรองใน {source} ไม่ครบหรือถูกแก้ไข ({len(problems)} รายการ) "
            "ไม่ได้กู้คืนสิ่งใด: " + shown,
            f"The backup in {source} is incomplete or was altered ({len(problems)} "
            "problems); nothing was restored: " + shown)


def _check_file(source: Path, entry: dict, count_lines: bool = False) -> list[str]:
    path = source / entry["path"]
    digest, size, lines = hashlib.sha256(), 0, 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                if count_lines:
                    lines += chunk.count(b"\n")
    except FileNotFoundError:
        return [f"{entry['path']} is missing"]
    except OSError as error:
        return [f"{entry['path']} cannot be read ({error})"]
    # an encrypted file is checked as stored (its key is not in the backup)
    if digest.hexdigest() != entry.get("stored_sha256", entry.get("sha256")) or (
            size != entry.get("bytes")):
        return [f"{entry['path']} does not match its SHA-256 in the manifest"]
    if count_lines and lines != entry.get("rows"):
        return [f"{entry['path']} has {lines} rows, the manifest says {entry.get('rows')}"]
    return []


def _stored_digests(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["sha256"]


def _schema_head() -> str:
    """The migration revision this program's models are at."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _prepare_database(head: str) -> None:
    """Migrate a blank database; refuse one at another revision or holding data."""
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    with db.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        names = set(inspect(conn).get_table_names())
    if revision is None:
        if names - {"alembic_version"}:
            raise BackupError(
                "ฐานข้อมูลปลายทางมีตารางอื่นอยู่แล้วแต่ไม่ใช่ของ saraban: ให้ใช้ฐานข้อมูลว่าง",
                f"The target database holds tables but no saraban schema "
                f"({', '.join(sorted(names)[:5])}...): give an empty database.")
        upgrade(revision=head)
    elif revision != head:
        raise BackupError(
            f"ฐานข้อมูลปลายทางอยู่ที่รุ่น {revision} ไม่ใช่รุ่น {head} ของข้อมูลสำรอง",
            f"The target database is at revision {revision}, not the backup's {head}.")
    _refuse_unless_empty()
    db.session.rollback()  # end the read: the restore begins its own transaction


def _refuse_unless_empty() -> None:
    holding = [t.name for t in [*backed_up_tables(), *(Base.metadata.tables[n] for n in DERIVED)]
               if db.session.execute(select(1).select_from(t).limit(1)).first() is not None]
    if holding:
        raise BackupError(
            "ฐานข้อมูลปลายทางมีข้อมูลอยู่แล้ว (" + ", ".join(holding) + ") กู้คืนได้เฉพาะลงในระบบที่ว่าง"
            "เท่านั้น จะไม่นำข้อมูลมารวมกัน",
            "The target database already holds data (" + ", ".join(holding) + "): a "
            "restore only goes into an empty installation, it never merges.")


def _load_table(conn: Connection, table: Table, path: Path,
                later_tables: set[str]) -> list[tuple]:
    """Insert the rows of one table file, in batches (``later_tables`` are loaded after it).

    A foreign key to a row not inserted yet (a unit whose parent has a higher id, or a
    cycle between tables) is inserted as NULL: the UPDATEs that set it once every row is
    in are returned, with their parameters.
    """
    columns = {c.name: (c.key, _decoder(c.type)) for c in table.columns}
    pk = [c.key for c in table.primary_key.columns]
    late = {}  # column key -> the referred column, when it may point at a later row
    for fk in table.foreign_keys:
        if fk.column.table is table or fk.column.table.name in later_tables:
            late[fk.parent.key] = fk.column
    seen: dict[str, set] = {key: set() for key in late}  # self-references already in
    fixes: dict[str, list[dict]] = {key: [] for key in late}
    batch = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = {}
            for name, value in json.loads(line).items():
                key, decode = columns[name]
                row[key] = decode(value) if decode is not None and value is not None else value
            for key, referred in late.items():
                value = row[key]
                if value is None:
                    continue
                if referred.table is table and value in seen[key]:
                    continue
                fixes[key].append({**{f"_pk_{k}": row[k] for k in pk}, "_value": value})
                row[key] = None
            for key, referred in late.items():
                if referred.table is table:
                    seen[key].add(row[referred.key])
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                conn.execute(table.insert(), batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
    where = [table.c[k] == bindparam(f"_pk_{k}") for k in pk]
    return [(table.name, table.update().where(*where).values({key: bindparam("_value")}), updates)
            for key, updates in fixes.items() if updates]


@contextmanager
def _refusing(table: str) -> Iterator[None]:
    """Turn a row the database does not take into a refusal naming its table."""
    try:
        yield
    except (SQLAlchemyError, ValueError, TypeError, KeyError) as error:
        detail = str(getattr(error, "orig", None) or error).splitlines()[0][:300]
        raise BackupError(f"นำแถวของตาราง {table} เข้าฐานข้อมูลไม่ได้ ({detail}) ไม่ได้กู้คืนสิ่งใด",
                          f"The rows of table {table} could not be restored ({detail}); "
                          "nothing was restored.") from error


def _decoder(type_: TypeEngine) -> Callable | None:
    """How to turn a backup's JSON value back into what the column type takes."""
    if isinstance(type_, TypeDecorator):
        return _decoder(type_.impl_instance)
    if isinstance(type_, JSON):
        return None
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return None
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat
    if python_type is dt.date:
        return dt.date.fromisoformat
    if python_type is dt.time:
        return dt.time.fromisoformat
    if python_type is decimal.Decimal:
        return decimal.Decimal
    if python_type is bytes:
        return base64.b64decode
    return None  # numbers, text, booleans; enumerations take their stored value


def _move_sequences(conn: Connection) -> None:
    """PostgreSQL: make each id sequence give the number after the largest restored id."""
    quote = conn.dialect.identifier_preparer.quote
    for table in backed_up_tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].foreign_keys:
            continue
        sequence = conn.scalar(select(func.pg_get_serial_sequence(quote(table.name),
                                                                  pk[0].name)))
        if sequence:
            conn.execute(text(f"SELECT setval(:sequence, COALESCE(MAX({quote(pk[0].name)}), 0)"
                              f" + 1, false) FROM {quote(table.name)}"),
                         {"sequence": sequence})


def _restore_file(source: Path, sha: str, identity: str, created: list[Path]) -> None:
    """Put a stored file into DATA_DIR (already there with the right content: kept).
    ``sha`` is the digest of the bytes as stored (encrypted ones stay encrypted),
    ``identity`` that of the content, which names the file."""
    from saraban.documents.files import file_path

    destination = file_path(identity)
    if destination.exists() and _digest(destination) == sha:
        return
    created.append(destination)
    copied, _size = copy_checked(source, destination)
    if copied != sha:  # changed since it was verified
        raise BackupError(f"ไฟล์ {source} ถูกเปลี่ยนระหว่างการกู้คืน",
                          f"The file {source} changed during the restore.")


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _rebuild_search_index() -> None:
    from saraban.documents.models import Document
    from saraban.search.index import reindex

    reindex(db.session, list(db.session.scalars(select(Document.id).order_by(Document.id))))


def _check_audit_chain(expected_head: str, key: bytes) -> None:
    """Recompute every audit event's hash and link, and the head's MAC, in the restored
    rows; then every record's digest against the last one the chain holds for it."""
    from saraban.audit.chain import verify_all

    report, records = verify_all(key=key)
    if not report.ok:
        raise BackupError(
            f"สายบันทึกการตรวจสอบที่กู้คืนเสียหายที่เหตุการณ์ที่ {report.bad_event_id}: "
            f"{report.problem_th} ไม่ได้กู้คืนสิ่งใด",
            f"The restored audit chain is {report.message_en}; nothing was restored.")
    if report.head != expected_head:
        raise BackupError(
            "สายบันทึกการตรวจสอบที่กู้คืนไม่ได้จบที่ค่าหัวสายที่บันทึกไว้ในข้อมูลสำรอง ไม่ได้กู้คืนสิ่งใด",
            f"The restored audit chain ends at {report.head}, not at the head "
            f"{expected_head} the backup recorded; nothing was restored.")
    if records.tampered:
        named = ", ".join(p.key + " " + p.problem for p in records.tampered[:20])
        raise BackupError(
            f"ข้อมูลที่กู้คืน {len(records.tampered)} แถวไม่ตรงกับบันทึกการตรวจสอบ ({named}) "
            "ไม่ได้กู้คืนสิ่งใด",
            f"{len(records.tampered)} restored rows do not match their last audited state "
            f"({named}); nothing was restored.")

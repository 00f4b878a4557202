"""``saraban backup`` and ``saraban restore``: a round trip gives back the same rows, registers,
files and an intact audit chain, on the database under test; a backup taken while others
write is one snapshot; a restore refuses a target holding data and a backup that was
altered, before writing anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from saraban.audit.models import AuditEvent, AuditHead
from saraban.audit.operations import GENESIS, _content_hash
from saraban.backup import backup as backup_ops
from saraban.backup.backup import backed_up_tables
from saraban.documents.models import Document, StoredFile
from saraban.registers.models import Dispatch, Receipt, Register, RegisterCounter
from saraban.units.models import Unit
from tests.conftest import PG_URL, RAN, _PgDatabase, make_document, make_unit, make_user

# a readable 8 x 8 image; what follows its end marks each file apart
_IMAGE = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00"
       b"Km)\xdc\x00\x00\x00\x15IDATx\x9cc\xfc\xff\xff?\x036\xc0\x84Ut\xd0J\x00\x00V\xd4\x03\r"
       b"7\xec\xcc\xa3\x00\x00\x00\x00IEND\xaeB`\x82")
PNG = _IMAGE + bytes(range(256)) * 16
EXTRA = _IMAGE + b"second stored file " * 50


@pytest.fixture(scope="module")
def installations(database_url, tmp_path_factory):
    """Makes new installations (a database and a DATA_DIR) of the kind under test."""
    from saraban import create_app
    from saraban.extensions import db

    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    made, databases = [], []

    def make(migrate: bool = True):
        where = tmp_path_factory.mktemp("install")
        if kind == "postgresql":
            databases.append(_PgDatabase(PG_URL))
            url = databases[-1].create()
        else:
            url = f"sqlite:///{where / 'saraban.sqlite3'}"
        app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                          "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(where / "data")})
        made.append(app)
        if migrate:
            from flask_migrate import upgrade

            with app.app_context():
                upgrade()
        return app

    RAN.add(kind)
    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for database in databases:
        database.drop()


@pytest.fixture(scope="module")
def source(installations):
    """The samples, a scan attached to a received document, another stored file, and live
    numbers of this year in a receipt and a dispatch register."""
    from saraban.accounts.models import User
    from saraban.documents.files import attach_scan, store
    from saraban.extensions import db
    from saraban.registers.operations import receive_document, send_document
    from saraban.samples.loader import load_samples

    app = installations()
    with app.app_context():
        load_samples()
        clerk = db.session.scalar(select(User).where(User.username == "demo-clerk"))
        receipts, dispatches = _clerk_registers()
        for n in (1, 2):
            receipt = receive_document(clerk, receipts, {
                "number": f"กข ๐๐{n}/๒๕๖๙", "date": "2026-11-20", "subject": f"ขอเชิญประชุม {n}",
                "sender": "กรมตัวอย่าง"}, None)
            db.session.commit()
        attach_scan(clerk, receipt.document_id, "scan.png", PNG)
        store(EXTRA, "image/png")
        db.session.commit()
        send_document(clerk, dispatches, {"subject": "ตอบรับการประชุม", "to": "กรมตัวอย่าง"}, None)
        # a unit moved under a newer one: its link points at a row restored after it
        older, newer = make_unit(db.session, "หน่วยเดิม"), make_unit(db.session, "หน่วยใหม่")
        older.parent = newer
        db.session.commit()
        db.session.remove()
    _SOURCE[:] = [app]
    return app


def _clerk_registers() -> tuple[int, int]:
    """The receipt and the dispatch register of สทส. (demo-clerk's unit)."""
    from saraban.extensions import db

    unit = db.session.scalar(select(Unit.id).where(Unit.short_name == "สทส."))
    ids = {kind: db.session.scalar(select(Register.id).where(
        Register.unit_id == unit, Register.kind == kind, Register.is_active)
        .order_by(Register.id)) for kind in ("receipt", "dispatch")}
    return ids["receipt"], ids["dispatch"]


def _backup(app, path: Path) -> dict:
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "backed up:" in result.output
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def _key_file(app) -> Path:
    """The installation key of ``app`` (in its DATA_DIR, never in a backup)."""
    return Path(app.config["DATA_DIR"]) / "installation.key"


def _restore(app, path: Path, key_from=None):
    """Restore with the key of the installation that made the backup (by default the
    module's source)."""
    key = _key_file(key_from or _SOURCE[0])
    return app.test_cli_runner().invoke(args=["restore", str(path), "--key-file", str(key)])


_SOURCE: list = []


def _resign(backup: Path, manifest: dict) -> None:
    """Sign an edited manifest again with the source's key (what only an insider can)."""
    from saraban.audit.keys import read_key_file

    manifest["signature"] = backup_ops.manifest_signature(
        manifest, read_key_file(_key_file(_SOURCE[0])))
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _rows(app) -> dict[str, list]:
    """Every backed-up table's rows, in primary-key order."""
    from saraban.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(
            select(t).order_by(*t.primary_key.columns))] for t in backed_up_tables()}


def _registers(app) -> dict[str, list]:
    from saraban.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        receipts = conn.execute(
            select(Unit.short_name, Register.code, Receipt.year, Receipt.number,
                   Receipt.status, Receipt.received_at, Document.number, Document.subject)
            .join(Register, Register.id == Receipt.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .join(Document, Document.id == Receipt.document_id)
            .order_by(Register.id, Receipt.year, Receipt.number)).all()
        dispatches = conn.execute(
            select(Register.code, Dispatch.year, Dispatch.number, Dispatch.number_text,
                   Dispatch.dispatched_at, Dispatch.status, Document.subject)
            .join(Register, Register.id == Dispatch.register_id)
            .join(Document, Document.id == Dispatch.document_id)
            .order_by(Register.id, Dispatch.year, Dispatch.number)).all()
        counters = conn.execute(select(RegisterCounter.__table__)
                                .order_by(RegisterCounter.register_id, RegisterCounter.year)).all()
    return {"receipts": receipts, "dispatches": dispatches, "counters": counters}


def _assert_chain_intact(app) -> str:
    """Recompute every event's hash and link as audit.operations makes them."""
    from saraban.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        previous, last_id = GENESIS, None
        for event in conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings():
            assert event["prev_hash"] == previous, event["id"]
            assert _content_hash(dict(event), previous) == event["hash"], event["id"]
            previous, last_id = event["hash"], event["id"]
        head = conn.execute(select(AuditHead.hash, AuditHead.last_event_id)).one()
    assert last_id is not None
    assert tuple(head) == (previous, last_id)
    return previous


def _stored_bytes(app) -> dict[str, bytes]:
    from saraban.documents.files import file_path, read
    from saraban.extensions import db

    with app.app_context():
        files = {f.sha256: read(f) for f in db.session.scalars(select(StoredFile))}
        assert all(file_path(sha).exists() for sha in files)
        db.session.remove()
    return files


def _is_blank(app) -> bool:
    from saraban.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    files = Path(app.config["DATA_DIR"]) / "files"
    return not names and not (files.exists() and any(files.rglob("*")))


# -- the round trip -----------------------------------------------------------------------

def test_round_trip_gives_back_the_same_rows_registers_files_and_audit_chain(
        source, installations, tmp_path):
    manifest = _backup(source, tmp_path / "backup")
    target = installations(migrate=False)  # blank: the restore runs the migrations

    result = _restore(target, tmp_path / "backup")

    assert result.exit_code == 0, result.output
    assert "restored:" in result.output
    assert _rows(target) == _rows(source)
    registers = _registers(target)
    assert registers == _registers(source)
    assert [r.number for r in registers["receipts"] if r.year == 2026][-2:] == [1, 2]
    assert any(parent > id_ for id_, parent, *_ in _rows(target)["unit"] if parent)
    assert _stored_bytes(target) == _stored_bytes(source)
    assert {PNG, EXTRA} <= set(_stored_bytes(target).values())
    assert _assert_chain_intact(target) == _assert_chain_intact(source) == manifest["audit_head"]
    # the manifest: what it says about the source
    assert manifest["dialect"] == source.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split(
        "+")[0]
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in backed_up_tables()]
    assert "search_text" not in {t["name"] for t in manifest["tables"]}
    # the scans and the stamped copy made of the received one, every stored file once
    listed = {f["sha256"] for f in manifest["files"]}
    assert {hashlib.sha256(PNG).hexdigest(), hashlib.sha256(EXTRA).hexdigest()} <= listed
    assert len(listed) == len(manifest["files"]) == len(_stored_bytes(source))


def test_the_search_index_is_rebuilt_after_a_restore(source, installations, tmp_path):
    from saraban.extensions import db
    from saraban.search.models import SearchText

    _backup(source, tmp_path / "backup")
    target = installations()
    assert _restore(target, tmp_path / "backup").exit_code == 0

    def texts(app):
        with app.app_context(), db.engine.connect() as conn:
            rows = conn.execute(select(SearchText.__table__).order_by(SearchText.document_id))
            return rows.all()

    assert texts(target) == texts(source)
    with target.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # the FTS5 table, filled by the triggers
            found = conn.scalar(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH "
                                     "'\"ประชุม\"'"))
            assert found >= 2


def test_numbers_and_ids_go_on_without_a_gap_after_a_restore(source, installations, tmp_path):
    from saraban.accounts.models import User
    from saraban.extensions import db
    from saraban.registers.operations import receive_document, send_document

    _backup(source, tmp_path / "backup")
    target = installations()
    assert _restore(target, tmp_path / "backup").exit_code == 0

    with target.app_context():
        receipts, dispatches = _clerk_registers()
        year = dt.datetime.now(dt.UTC).year
        last = {r: db.session.scalar(select(func.max(Receipt.number)).where(
            Receipt.register_id == r, Receipt.year == year)) for r in (receipts,)}
        last_dispatch = db.session.scalar(select(func.max(Dispatch.number)).where(
            Dispatch.register_id == dispatches, Dispatch.year == year))
        max_ids = {t.name: db.session.scalar(select(func.max(t.c.id)))
                   for t in backed_up_tables() if "id" in t.c}
        clerk = db.session.scalar(select(User).where(User.username == "demo-clerk"))
        receipt = receive_document(clerk, receipts, {
            "number": "กข ๙/๒๕๖๙", "date": "2026-11-21", "subject": "หลังกู้คืน",
            "sender": "กรมตัวอย่าง"}, None)
        db.session.commit()
        dispatch = send_document(clerk, dispatches, {"subject": "ส่งหลังกู้คืน"}, None)
        db.session.commit()
        assert receipt.number == last[receipts] + 1
        assert dispatch.number == last_dispatch + 1
        # new rows take ids after the restored ones (PostgreSQL: the sequences were moved)
        assert receipt.document_id > max_ids["document"]
        assert receipt.id > max_ids["receipt"] and dispatch.id > max_ids["dispatch"]
        if db.engine.dialect.name == "postgresql":
            for name, largest in max_ids.items():
                sequence = db.session.scalar(text(f"SELECT pg_get_serial_sequence('{name}', 'id')"))
                if sequence:
                    following = db.session.scalar(text("SELECT nextval(:s)"), {"s": sequence})
                    assert following > (largest or 0), name
            db.session.rollback()
        user = make_user(db.session)  # a table the operations above did not write
        assert user.id > max_ids["user_account"]
        db.session.commit()
        db.session.remove()
    _assert_chain_intact(target)


# -- consistency while the server writes ---------------------------------------------------

def test_a_backup_taken_while_others_write_is_one_snapshot(source, monkeypatch, tmp_path):
    from saraban.audit.operations import record
    from saraban.db import begin_write
    from saraban.extensions import db

    with source.app_context(), db.engine.connect() as conn:
        before = {t.name: conn.scalar(select(func.count()).select_from(t))
                  for t in backed_up_tables()}
    dump, seen = backup_ops._dump_table, {}

    def dump_then_let_another_connection_write(conn, table, directory):
        entry = dump(conn, table, directory)
        if not seen:  # after the first table: commit a document and audit events elsewhere
            if conn.dialect.name == "postgresql":
                seen["isolation"] = conn.scalar(text("SHOW transaction_isolation"))
                seen["read_only"] = conn.scalar(text("SHOW transaction_read_only"))
            with source.app_context():  # its own session and connection
                begin_write(db.session)
                document = make_document(db.session, subject="เขียนระหว่างสำรองข้อมูล")
                record("test.during_backup", obj=document, document_id=document.id)
                db.session.commit()
                db.session.remove()
        seen[table.name] = entry
        return entry

    monkeypatch.setattr(backup_ops, "_dump_table", dump_then_let_another_connection_write)
    manifest = _backup(source, tmp_path / "backup")

    for entry in manifest["tables"]:
        lines = (tmp_path / "backup" / entry["path"]).read_bytes().splitlines()
        assert entry["rows"] == len(lines) == before[entry["name"]], entry["name"]
    # the writes were committed, but after the snapshot began
    with source.app_context(), db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Document)) == before["document"] + 1
    events = (tmp_path / "backup/tables/audit_event.jsonl").read_text(encoding="utf-8")
    last = json.loads(events.splitlines()[-1])
    head = json.loads((tmp_path / "backup/tables/audit_head.jsonl").read_text(encoding="utf-8"))
    assert (head["hash"], head["last_event_id"]) == (last["hash"], last["id"])
    assert manifest["audit_head"] == last["hash"]
    if "isolation" in seen:
        assert (seen["isolation"], seen["read_only"]) == ("repeatable read", "on")


# -- refusals -----------------------------------------------------------------------------

def test_restore_refuses_a_target_that_holds_data(source, installations, tmp_path):
    from saraban.extensions import db

    _backup(source, tmp_path / "backup")
    target = installations()
    with target.app_context():
        make_user(db.session, username="already-here")
        db.session.commit()
        db.session.remove()
    before = _rows(target)

    result = _restore(target, tmp_path / "backup")

    assert result.exit_code != 0
    assert "user_account" in result.output and "never merges" in result.output
    assert "ไม่นำข้อมูลมารวมกัน" in result.output
    assert _rows(target) == before
    # nor into the source itself
    before = _rows(source)
    assert _restore(source, tmp_path / "backup").exit_code != 0
    assert _rows(source) == before


def _data_file(backup: Path, manifest: dict) -> Path:
    sha = hashlib.sha256(PNG).hexdigest()
    return backup / next(f["path"] for f in manifest["files"] if f["sha256"] == sha)


@pytest.mark.parametrize("damage", ["table row altered", "data file altered",
                                    "data file missing", "table file missing"])
def test_an_altered_backup_is_refused_before_anything_is_written(
        source, installations, tmp_path, damage):
    backup = tmp_path / "backup"
    manifest = _backup(source, backup)
    receipts = backup / "tables/receipt.jsonl"
    if damage == "table row altered":
        receipts.write_bytes(receipts.read_bytes().replace(b'"number":2,', b'"number":7,', 1))
    elif damage == "data file altered":
        data = bytearray(_data_file(backup, manifest).read_bytes())
        data[-1] ^= 1
        _data_file(backup, manifest).write_bytes(bytes(data))
    elif damage == "data file missing":
        _data_file(backup, manifest).unlink()
    else:
        receipts.unlink()
    target = installations(migrate=False)

    result = _restore(target, backup)

    assert result.exit_code != 0
    assert "nothing was restored" in result.output and "ไม่ได้กู้คืนสิ่งใด" in result.output
    assert ("receipt.jsonl" in result.output) == damage.startswith("table")
    assert _is_blank(target)  # not even migrated


def test_a_restore_whose_audit_chain_is_broken_is_rolled_back(source, installations, tmp_path):
    """Digests prove the backup is what was written; the chain check proves what was
    written is the audit trail as it was made (here, an event altered and the manifest's
    digest made to fit)."""
    from saraban.extensions import db

    backup = tmp_path / "backup"
    manifest = _backup(source, backup)
    events = backup / "tables/audit_event.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[2])
    event["remote_addr"] = "10.0.0.66"
    lines[2] = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
    events.write_text("".join(lines), encoding="utf-8")
    entry = next(t for t in manifest["tables"] if t["name"] == "audit_event")
    entry["sha256"] = hashlib.sha256(events.read_bytes()).hexdigest()
    entry["bytes"] = events.stat().st_size
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = installations()

    result = _restore(target, backup)  # without the key, the manifest gives it away

    assert result.exit_code != 0 and "signature of manifest.json" in result.output
    _resign(backup, manifest)  # even someone holding the key: the chain gives it away
    result = _restore(target, backup)

    assert result.exit_code != 0
    assert f"broken at event {event['id']}" in result.output
    assert all(rows == [] for rows in _rows(target).values())
    files = Path(target.config["DATA_DIR"]) / "files"
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]
    with target.app_context(), db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM search_text")) == 0


def test_backup_refuses_missing_or_damaged_stored_files(installations, tmp_path):
    from saraban.documents.files import file_path, store
    from saraban.extensions import db

    app = installations()
    with app.app_context():
        damaged, missing = store(PNG, "image/png").sha256, store(EXTRA, "image/png").sha256
        db.session.commit()
        path = file_path(damaged)
        path.write_bytes(path.read_bytes()[:-1] + b"!")
        file_path(missing).unlink()
        db.session.remove()

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])

    assert result.exit_code != 0
    assert f"{damaged} damaged" in result.output and f"{missing} missing" in result.output
    assert "ไม่ได้ทำข้อมูลสำรอง" in result.output
    assert list(tmp_path.iterdir()) == []  # no backup, not even a partial one


def test_backup_needs_a_new_or_empty_directory(source, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    result = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "used")])
    assert result.exit_code != 0 and "not an empty directory" in result.output
    (tmp_path / "empty").mkdir()
    assert _backup(source, tmp_path / "empty")["tables"]


def _edit_rows(backup: Path, manifest: dict, table: str, change) -> list[int]:
    """Change rows of a table file with ``change(row) -> bool`` and put the file's new
    digest in the manifest (what anyone holding a copy can do); the ids changed."""
    path = backup / f"tables/{table}.jsonl"
    lines, changed = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if change(row):
            changed.append(row["id"])
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = next(t for t in manifest["tables"] if t["name"] == table)
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    entry["bytes"] = path.stat().st_size
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return changed


def test_a_backup_altered_with_its_digests_recomputed_is_refused(source, installations,
                                                                  tmp_path):
    """A user given clearance 3 and sees-everything with a known password hash, and a
    secret letter's subject changed, the manifest's digests made to fit: the signature
    (the installation's key, not in the backup) refuses it; signed again by someone who
    has the key, the records' check against the audit chain names every row."""
    from saraban.accounts.models import User

    backup = tmp_path / "backup"
    manifest = _backup(source, backup)
    with source.app_context():
        known = User(username="x", display_name="x")
        known.set_password("รหัสที่รู้กัน-123")

    def promote(row):
        if row["username"] != "demo-clerk":
            return False
        row.update(clearance=3, sees_all=True, password_hash=known.password_hash)
        return True

    users = _edit_rows(backup, manifest, "user_account", promote)
    secret = [False]

    def resubject(row):  # the first secret letter, or the first letter if none is secret
        if secret[0] or (row["secrecy"] < 3 and row["id"] != 1):
            return False
        secret[0] = True
        row["subject"] = "เรื่องที่ถูกเปลี่ยน"
        return True

    documents = _edit_rows(backup, manifest, "document", resubject)
    assert users and documents
    target = installations(migrate=False)

    result = _restore(target, backup)

    assert result.exit_code != 0
    assert "signature of manifest.json does not match" in result.output
    assert "ไม่ได้กู้คืนสิ่งใด" in result.output
    assert _is_blank(target)  # refused before anything was written

    _resign(backup, manifest)
    result = _restore(target, backup)

    assert result.exit_code != 0, result.output
    assert f"user:{users[0]} changed" in result.output
    assert f"document:{documents[0]} changed" in result.output
    assert "nothing was restored" in result.output
    assert all(rows == [] for rows in _rows(target).values())


def test_restore_on_another_machine_needs_the_key_file(source, installations, tmp_path):
    _backup(source, tmp_path / "backup")
    target = installations(migrate=False)

    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])

    assert result.exit_code != 0 and "--key-file" in result.output
    assert _is_blank(target)
    assert _restore(target, tmp_path / "backup").exit_code == 0
    # the key came with it: the restored chain's head is proved by it from now on
    assert _key_file(target).read_text() == _key_file(source).read_text()
    assert (_key_file(target).stat().st_mode & 0o777) == 0o600
    result = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "records intact" in result.output, result.output


def test_the_key_is_not_in_the_backup(source, tmp_path):
    _backup(source, tmp_path / "backup")
    key = _key_file(source).read_text().strip()
    for path in (tmp_path / "backup").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path

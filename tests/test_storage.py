"""Where the data lies: the database, its journal and the data folders are the owner's
alone; a secret document's files are kept encrypted; a full or read-only database disk
answers a clear message and loses nothing."""

from __future__ import annotations

import os
import re
import stat
import uuid

import pytest
from sqlalchemy import text


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_journal_and_folders_are_the_owners_only(tmp_path, monkeypatch):
    from saraban import create_app
    from saraban.extensions import db

    monkeypatch.setattr(os, "umask", os.umask)  # restored whatever the app does
    old = os.umask(0o022)  # the usual default: files 0644, folders 0755
    try:
        instance = tmp_path / "instance"
        monkeypatch.setenv("SARABAN_INSTANCE_PATH", str(instance))
        app = create_app({"ENV": "testing", "SECRET_KEY": uuid.uuid4().hex,
                          "DATA_DIR": str(instance / "data")})
        database = instance / "saraban.sqlite3"
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (1)"))
                for suffix in ("", "-wal", "-shm"):
                    assert _mode(f"{database}{suffix}") == 0o600, suffix
            db.engine.dispose()
        assert _mode(instance) == 0o700
        assert _mode(instance / "data") == 0o700
    finally:
        os.umask(old)


def test_an_existing_database_is_made_private_at_start(tmp_path):
    from saraban import create_app
    from saraban.extensions import db

    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    app = create_app({"ENV": "testing", "SECRET_KEY": uuid.uuid4().hex, "DATA_DIR": str(data),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.engine.dispose()
    assert _mode(database) == 0o600
    assert _mode(data) == 0o700


@pytest.mark.usefixtures("db_session")
def test_stored_files_and_their_folders_are_the_owners_only(app):
    from saraban.documents.files import file_path, write_file

    digest = write_file(b"%PDF-1.4 " + uuid.uuid4().bytes)
    path = file_path(digest)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700


PARAMS = ("q", "sender", "number", "unit", "user", "kind", "code", "value", "next", "anchor",
          "date_from", "date_to", "year", "month", "day", "register", "page", "show", "action",
          "status", "sort", "secrecy", "passed_through", "on", "format", "urgency")


def test_a_nul_byte_in_any_query_parameter_is_refused_not_a_500(app, client, login, bearer):
    """PostgreSQL refuses NUL in a query's text: a query parameter holding one answers a
    clear 400 (Thai on pages, English and Thai in the API), on every GET route."""
    login("demo-admin")
    api = bearer("demo-admin")
    suggest = client.get("/receive/suggest", query_string={"sender": "สพร\x00"})
    assert suggest.status_code == 400, suggest.status_code
    assert "อักขระ" in suggest.get_data(as_text=True)
    answer = client.get("/api/v1/documents", query_string={"q": "ทด\x00สอบ"}, headers=api)
    assert answer.status_code == 400 and answer.json["error"]["message_th"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith("/static"):
            continue
        for name in PARAMS:
            response = client.get(rule.rule, query_string={name: "ก\x00ข"},
                                  headers=api if rule.rule.startswith("/api/") else {})
            assert response.status_code != 500, (rule.rule, name)


def _installation(tmp_path, kind: str):
    """A new installation of its own (the database's limits are set on its connections)."""
    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.accounts.operations import create_token
    from saraban.extensions import db
    from tests.conftest import PG_URL, _PgDatabase, make_unit, make_user

    pg = None
    if kind == "postgresql":
        pg = _PgDatabase(PG_URL)
        url = pg.create()
    else:
        url = f"sqlite:///{tmp_path / 'full.sqlite3'}"
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                      "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "data")})
    with app.app_context():
        upgrade()
        unit = make_unit(db.session, "หน่วยเต็ม")
        clerk = make_user(db.session, "clerk-full", units=[unit], role="clerk")
        from saraban.registers.models import Register

        db.session.add(Register(unit=unit, kind="receipt", code="full", name="ทะเบียนรับ"))
        token = create_token(clerk, "full")
        db.session.commit()
        db.session.remove()
    return app, pg, {"Authorization": f"Bearer {token}"}


LIMITS = {  # what a full or read-only disk makes the engine answer, set on each connection
    ("sqlite", "full"): "PRAGMA max_page_count = 1",  # no page more: SQLITE_FULL
    ("sqlite", "read-only"): "PRAGMA query_only = ON",  # SQLITE_READONLY
    ("postgresql", "read-only"): "SET default_transaction_read_only = on",
}


@pytest.mark.parametrize(("kind", "trouble"), [
    pytest.param(k, t, marks=pytest.mark.skipif(
        k == "postgresql" and not os.environ.get("SARABAN_TEST_DATABASE_URL"),
        reason="no PostgreSQL")) for k, t in LIMITS])
def test_a_full_or_read_only_database_answers_503_and_loses_nothing(tmp_path, kind, trouble):
    from sqlalchemy import event, func, select

    from saraban.documents.models import Document
    from saraban.extensions import db
    from tests.conftest import csrf_token_from, log_in

    app, pg, api = _installation(tmp_path, kind)
    try:
        page_client = app.test_client()
        log_in(page_client, "clerk-full")
        form = page_client.get("/receive").get_data(as_text=True)
        register = re.search(r'<option value="(\d+)"', form).group(1)
        with app.app_context():
            before = db.session.scalar(select(func.count(Document.id)))
            db.session.remove()
            statement = LIMITS[kind, trouble]

            @event.listens_for(db.engine, "connect")
            def _limit(dbapi_conn, _record):
                cur = dbapi_conn.cursor()
                cur.execute(statement)
                cur.close()
                dbapi_conn.commit()  # a SET in the driver's own transaction stays set

            db.engine.dispose()  # every connection from now on has the limit
        answer = app.test_client().post(
            "/api/v1/documents", headers=api,
            json={"kind": "external", "subject": "เรื่องที่บันทึกไม่ได้", "body": "ก" * 9000,
                  "sender": "สพร.", "date": "2026-11-20"})
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.json["error"]["message_th"].startswith("ฐานข้อมูลบันทึกไม่ได้")
        page = page_client.post("/receive", data={
            "csrf_token": csrf_token_from(form), "register_id": register, "number": "สพร 1/2569",
            "date": "20 พ.ย. 2569", "sender": "สพร.", "addressee": "ผบ.ตร.",
            "subject": "เรื่องที่บันทึกไม่ได้ " + "ก" * 1900, "urgency": "0", "secrecy": "0",
            "form_key": uuid.uuid4().hex})
        assert page.status_code == 503, page.status_code
        assert "ฐานข้อมูลบันทึกไม่ได้" in page.get_data(as_text=True)
        with app.app_context():
            event.remove(db.engine, "connect", _limit)
            db.engine.dispose()
            assert db.session.scalar(select(func.count(Document.id))) == before
            db.session.remove()
            db.engine.dispose()
    finally:
        if pg is not None:
            pg.drop()


def _scan(marker: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = __import__("io").BytesIO()
    canvas = Canvas(buffer, pageCompression=0)  # the marker lies in clear in the PDF
    canvas.drawString(100, 700, marker)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture()
def secret_desk(db_session):
    from saraban.accounts.operations import create_token
    from saraban.registers.models import Register
    from tests.conftest import make_document, make_unit, make_user
    from tests.factories import make_receipt

    tag = uuid.uuid4().hex[:6]
    unit = make_unit(db_session, f"ลับ-{tag}")
    clerk = make_user(db_session, units=[unit], role="clerk", clearance=3)
    other = make_user(db_session, units=[unit], role="clerk", clearance=3)
    register = Register(unit=unit, kind="receipt", code=f"s-{tag}", name="ทะเบียนรับลับ",
                        is_secret=True)
    db_session.add(register)
    db_session.flush()
    docs = {}
    for level in (1, 3):
        docs[level] = make_document(db_session, f"หนังสือชั้น {level} {tag}", secrecy=level,
                                    origin_unit_id=unit.id, created_by_id=clerk.id)
        make_receipt(db_session, docs[level], register, by=clerk)
    headers = {name: {"Authorization": f"Bearer {create_token(user, 'secret')}"}
               for name, user in (("clerk", clerk), ("other", other))}
    db_session.commit()
    return {"docs": {k: d.id for k, d in docs.items()}, "headers": headers, "tag": tag,
            "register": register.id, "clerk": clerk.username}


def _upload(client, headers, doc_id, data):
    import io

    return client.post(f"/api/v1/documents/{doc_id}/files", headers=headers,
                       data={"file": (io.BytesIO(data), "secret.pdf")},
                       content_type="multipart/form-data")


def test_a_secret_documents_files_are_kept_encrypted_and_open_only_for_its_reader(
        app, client, db_session, secret_desk):
    import hashlib
    from pathlib import Path

    from saraban.documents.files import file_path

    marker = f"zqclear{secret_desk['tag']}"
    data = _scan(marker)
    assert marker.encode() in data
    made = _upload(client, secret_desk["headers"]["clerk"], secret_desk["docs"][1], data)
    assert made.status_code == 201, made.json
    scan, stamped = made.json["files"]
    assert scan["sha256"] == hashlib.sha256(data).hexdigest()  # the identity: the plaintext
    for entry in (scan, stamped):
        raw = file_path(entry["sha256"]).read_bytes()
        assert marker.encode() not in raw and b"%PDF" not in raw[:1024], entry["role"]
        assert _mode(file_path(entry["sha256"])) == 0o600
    url = f"/api/v1/documents/{secret_desk['docs'][1]}/files/{scan['id']}"
    assert client.get(url, headers=secret_desk["headers"]["clerk"]).data == data
    assert client.get(url, headers=secret_desk["headers"]["other"]).status_code == 404
    # the wrapping key lies outside the data folder (and so outside the backup)
    keys = Path(app.config["FILE_KEYS_DIR"])
    assert list(keys.glob("kek-*.key")) and _mode(keys) == 0o700
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    assert data_dir not in keys.resolve().parents and keys.resolve() != data_dir


def test_a_top_secret_document_keeps_no_file_at_all(app, client, db_session, secret_desk):
    from pathlib import Path

    from saraban.documents.models import DocumentFile

    files = Path(app.config["DATA_DIR"]) / "files"
    before = {p for p in files.rglob("*") if p.is_file()}
    refused = _upload(client, secret_desk["headers"]["clerk"], secret_desk["docs"][3],
                      _scan("zqtop" + secret_desk["tag"]))
    assert refused.status_code == 409
    assert "ลับที่สุด" in refused.json["error"]["message_th"]
    assert {p for p in files.rglob("*") if p.is_file()} == before
    assert db_session.scalar(select_files(DocumentFile, secret_desk["docs"][3])) is None


def select_files(model, document_id):
    from sqlalchemy import select

    return select(model.id).where(model.document_id == document_id)


def test_the_receipt_form_never_writes_a_secret_scan_in_clear(app, client, db_session,
                                                             secret_desk):
    import io
    import re as _re

    from sqlalchemy import select

    from saraban.documents.files import file_path
    from saraban.documents.models import Document, DocumentFile
    from tests.conftest import csrf_token_from, log_in

    log_in(client, secret_desk["clerk"])
    page = client.get("/receive").get_data(as_text=True)
    assert _re.search(rf'value="{secret_desk["register"]}"', page)
    results = {}
    for level in (1, 3):
        marker = f"zqform{level}{secret_desk['tag']}"
        data = _scan(marker)
        done = client.post("/receive", content_type="multipart/form-data", data={
            "csrf_token": csrf_token_from(page), "register_id": str(secret_desk["register"]),
            "number": f"ลับ {level}/2569", "date": "20 พ.ย. 2569", "sender": "สพร.",
            "subject": f"เรื่อง {marker}", "urgency": "0", "secrecy": str(level),
            "form_key": uuid.uuid4().hex, "scan": (io.BytesIO(data), "scan.pdf")},
            follow_redirects=True)
        results[level] = done.get_data(as_text=True)
        path = file_path(__import__("hashlib").sha256(data).hexdigest())
        if level == 1:
            assert path.exists() and marker.encode() not in path.read_bytes()
            doc = db_session.scalar(select(Document.id).where(
                Document.subject == f"เรื่อง {marker}"))
            assert doc is not None, results[level][-3000:]
            assert db_session.scalar(
                select(DocumentFile.id).where(DocumentFile.document_id == doc)) is not None
        else:
            assert not path.exists()
            assert "ลับที่สุดไม่เก็บไฟล์สแกน" in results[level]
            assert db_session.scalar(select(Document.id).where(
                Document.subject == f"เรื่อง {marker}")) is None  # the form is kept, nothing else


def test_rotating_the_key_rewraps_every_file_and_keeps_it_readable(
        app, client, db_session, secret_desk):
    from saraban.documents import filecrypt
    from saraban.documents.files import file_path, rotate_file_key

    data = _scan(f"zqrotate{secret_desk['tag']}")
    made = _upload(client, secret_desk["headers"]["clerk"], secret_desk["docs"][1], data)
    scan = made.json["files"][0]
    path = file_path(scan["sha256"])
    before = path.read_bytes()
    old_key = filecrypt.key_of(before)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["files", "rotate-key"])
    assert result.exit_code == 0, result.output
    after = path.read_bytes()
    assert filecrypt.key_of(after) != old_key
    assert after[-len(data):] == before[-len(data):]  # the contents are not re-encrypted
    assert old_key in filecrypt.key_ids()  # kept for the backups made before
    url = f"/api/v1/documents/{secret_desk['docs'][1]}/files/{scan['id']}"
    assert client.get(url, headers=secret_desk["headers"]["clerk"]).data == data
    done = rotate_file_key(drop_old=True)
    assert done["rewrapped"] >= 1 and old_key not in filecrypt.key_ids()
    assert client.get(url, headers=secret_desk["headers"]["clerk"]).data == data


def test_a_backup_keeps_encrypted_files_encrypted(tmp_path):
    import json

    from saraban.backup.backup import backup
    from saraban.backup.restore import read_manifest, restore, verify_backup
    from saraban.documents.files import file_path
    from saraban.extensions import db
    from tests.conftest import make_document

    app, _pg, api = _installation(tmp_path, "sqlite")
    app.config["FILE_KEYS_DIR"] = str(tmp_path / "keys")
    with app.app_context():
        from saraban.accounts.models import User

        clerk = db.session.scalar(__import__("sqlalchemy").select(User))
        clerk.clearance = 1
        doc = make_document(db.session, "หนังสือลับสำรอง", secrecy=1,
                            origin_unit_id=clerk.memberships[0].unit_id, created_by_id=clerk.id)
        db.session.commit()
        doc_id = doc.id
        db.session.remove()
    data = _scan("zqbackup")
    made = _upload(app.test_client(), api, doc_id, data)
    assert made.status_code == 201, made.json
    sha = made.json["files"][0]["sha256"]
    with app.app_context():
        summary = backup(tmp_path / "backup")
        assert summary.files == 1
        copied = (tmp_path / "backup" / "files" / sha[:2] / sha[2:4] / sha).read_bytes()
        assert b"zqbackup" not in copied and copied == file_path(sha).read_bytes()
        manifest = read_manifest(tmp_path / "backup")
        entry = manifest["files"][0]
        assert entry["encrypted"] is True and entry["sha256"] == sha
        verify_backup(tmp_path / "backup", manifest)
        assert not list((tmp_path / "backup").rglob("kek-*"))  # no key in the backup
        assert "kek" not in json.dumps(manifest)
        file_path(sha).unlink()
        db.session.remove()
        db.engine.dispose()
    fresh = tmp_path / "restored.sqlite3"
    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.transaction import unit_of_work

    again = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{fresh}",
                        "DATA_DIR": str(tmp_path / "data"),
                        "FILE_KEYS_DIR": str(tmp_path / "keys")})
    with again.app_context():
        upgrade()
        with unit_of_work():
            restore(tmp_path / "backup")
        assert file_path(sha).read_bytes() == copied  # back as it was: encrypted
        db.session.remove()
        db.engine.dispose()


def test_a_missing_key_answers_a_clear_503_not_a_500(app, client, db_session, secret_desk):
    import shutil
    from pathlib import Path

    from tests.conftest import log_in

    data = _scan(f"zqnokey{secret_desk['tag']}")
    scan = _upload(client, secret_desk["headers"]["clerk"], secret_desk["docs"][1],
                   data).json["files"][0]
    keys = Path(app.config["FILE_KEYS_DIR"])
    aside = keys.with_name(keys.name + "-aside")
    shutil.move(keys, aside)
    try:
        url = f"/documents/{secret_desk['docs'][1]}/files/{scan['id']}"
        answer = client.get("/api/v1" + url, headers=secret_desk["headers"]["clerk"])
        assert answer.status_code == 503 and "กุญแจ" in answer.json["error"]["message_th"]
        log_in(client, secret_desk["clerk"])
        page = client.get(url)
        assert page.status_code == 503 and "กุญแจ" in page.get_data(as_text=True)
    finally:
        shutil.rmtree(keys, ignore_errors=True)
        shutil.move(aside, keys)

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

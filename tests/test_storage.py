"""Where the data lies: the database, its journal and the data folders are the owner's
alone; a secret document's files are kept encrypted; a full or read-only database disk
answers a clear message and loses nothing."""

from __future__ import annotations

import os
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

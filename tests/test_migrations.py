"""The schema comes only from migrations: upgrade from empty, one head, no drift, and the
sample data upgraded from the previous head."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from saraban import PROJECT_ROOT
from tests.conftest import DATABASES, PG_URL, _PgDatabase


def test_one_head():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_no_drift_between_models_and_migrations(app, db_session):
    from saraban.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            from saraban.search.models import include_name

            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name})
            diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_database_is_at_head(app, db_session):
    from alembic.config import Config

    from saraban.extensions import db

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    with app.app_context(), db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_migrate_extension_is_configured(app):
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


def test_downgrade_to_empty_and_up_again(tmp_path):
    """The migration can be undone and redone on a fresh database (SQLite)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from saraban import create_app
    from saraban.extensions import db

    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    with app.app_context():
        upgrade()
        assert "receipt" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "register_counter" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_db_check_command_finds_no_drift(app, db_session):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


# -- upgrading an installation that holds data ----------------------------------------------

@pytest.fixture(params=DATABASES)
def empty_database(request, tmp_path):
    """A new, empty database of each kind under test, dropped at the end."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    pg = _PgDatabase(PG_URL)
    url = pg.create()
    try:
        yield url
    finally:
        pg.drop()


def _previous_head() -> tuple[str, str]:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str), f"head {head} is a merge: pick the branch to test"
    return head, previous


def _within(previous: dict[str, list[dict]]):
    """A projection of a database's contents on the tables and columns ``previous`` has."""
    columns = {t: set(rows[0]) if rows else set() for t, rows in previous.items()}

    def kept(contents: dict[str, list[dict]]) -> dict[str, list[dict]]:
        return {t: [{c: v for c, v in row.items() if c in columns[t]} for row in rows]
                for t, rows in contents.items() if t in columns}
    return kept


def _contents(engine) -> dict[str, list[tuple]]:
    """Every row of every table, column by column (the columns both schemas have are
    compared by the caller), in primary-key order."""
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    tables = {}
    with engine.connect() as conn:
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            columns = [c["name"] for c in inspector.get_columns(name)]
            keys = inspector.get_pk_constraint(name)["constrained_columns"] or columns
            order = ", ".join(f'"{c}"' for c in keys)
            rows = conn.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}'))
            tables[name] = [dict(zip(columns, row, strict=True)) for row in rows]
    return tables


def _revision(engine) -> str:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _memo(engine) -> tuple[str, int, int]:
    """The seed memo สทส. ๐๐๓๓.๑๒/๕๐๕๒: its subject and its receipt number, and how many
    accounts there are, read with plain SQL (the models are the head's, not the schema's)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        subject, number = conn.execute(text(
            "SELECT d.subject, r.number FROM document d JOIN receipt r ON r.document_id = d.id "
            "WHERE d.source_key = 'rtp-0033.12-5052' AND r.status = 'active' "
            "ORDER BY r.id LIMIT 1")).one()
        users = conn.scalar(text("SELECT count(*) FROM user_account"))
    return subject, number, users


def test_the_sample_data_upgrades_from_the_previous_head(empty_database, tmp_path):
    """An office's data at the previous head comes through the newest migration whole: the
    sample chain is loaded, taken back one revision (the schema the office runs now, with
    its data in it), upgraded to head again, and then down and up once more.

    The data is taken to the previous head by the migration's own downgrade: loading it at
    the previous head would need the previous release's loader (today's writes the head's
    columns only; at wor7c1e5a9d2, for one, user_account.language had no default)."""
    from flask_migrate import downgrade, upgrade

    from saraban import create_app
    from saraban.extensions import db
    from saraban.samples.loader import load_samples

    head, previous = _previous_head()
    app = create_app({
        "ENV": "testing", "TESTING": True, "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": empty_database, "DATA_DIR": str(tmp_path / "data"),
        "FILE_KEYS_DIR": str(tmp_path / "keys"), "SYSADMIN_TOTP": False})
    with app.app_context():
        engine = db.engine
        try:
            upgrade()
            load_samples()
            db.session.remove()
            at_head = _contents(engine)
            memo = _memo(engine)
            assert memo == ("แจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัลของหน่วยงานภาครัฐ "
                            "ประจำปี ๒๕๖๒", 5063, 7), memo

            downgrade(revision=previous)
            assert _revision(engine) == previous
            at_previous = _contents(engine)
            assert _memo(engine) == memo
            # the tables the previous head has (the newest migration may add some) hold
            # as many rows as at head
            assert set(at_previous) <= set(at_head)
            assert {t: len(rows) for t, rows in at_previous.items()} == {
                t: len(at_head[t]) for t in at_previous}

            upgrade()
            assert _revision(engine) == head
            # every row, every column the previous head has, as it was (what the newest
            # migration's own columns held is gone with its downgrade, by its nature)
            kept = _within(at_previous)
            assert kept(_contents(engine)) == kept(at_head)
            assert _memo(engine) == memo

            downgrade(revision="-1")
            assert _revision(engine) == previous
            upgrade()
            assert _revision(engine) == head
            assert kept(_contents(engine)) == kept(at_head)
        finally:
            db.session.remove()
            engine.dispose()

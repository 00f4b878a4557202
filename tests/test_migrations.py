"""The schema comes only from migrations: upgrade from empty, one head, no drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from saraban import PROJECT_ROOT


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

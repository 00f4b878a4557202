"""Saraban: electronic correspondence for Thai government offices."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict | None = None) -> Flask:
    """Build the application. ``config_overrides`` wins over ``SARABAN_*`` settings."""
    from saraban import models  # noqa: F401  (every model registered on the metadata)
    from saraban.config import load_config
    from saraban.extensions import csrf, db, login_manager, migrate

    instance_path = os.environ.get("SARABAN_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_config(app.instance_path, config_overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    _configure_sqlite(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from saraban.web import register_web

    register_web(app)

    from saraban.cli import register_cli

    register_cli(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    """WAL, foreign keys and a busy timeout for every SQLite connection."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from saraban.extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, decide where transactions begin (so that
            # SAVEPOINT and BEGIN IMMEDIATE work as written).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A writing operation asks for the write lock up front (see db.begin_write):
            # a deferred transaction that read first could not take it later once
            # another writer has committed.
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

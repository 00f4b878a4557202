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
    from saraban.transaction import SarabanFlask

    instance_path = os.environ.get("SARABAN_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = SarabanFlask(  # one unit of work around every view (saraban/transaction.py)
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_config(app.instance_path, config_overrides))
    from saraban.pdf import font_files

    font_files(app.config.get("FONT_PATH"))  # a bad SARABAN_FONT_PATH stops the start here
    from saraban.pdf.letter import check_emblem

    check_emblem(app.config.get("GARUDA_PATH"))  # and so does a bad SARABAN_GARUDA_PATH
    private_dir(app.instance_path)
    private_dir(app.config["DATA_DIR"])
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

    db.init_app(app)
    from saraban import sqlite

    sqlite.configure(app)  # WAL, foreign keys, the writers' queue (saraban/sqlite.py)
    from saraban import events

    events.install(app)  # every session hook, in one place (saraban/events.py)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from saraban import ratelimit

    ratelimit.configure(app)
    if app.config.get("PROXY_HOPS"):
        # behind SARABAN_PROXY_HOPS load balancers: the client's own address (and scheme)
        # from the X-Forwarded-* headers they add, so that offices do not share one limit
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from saraban.web import register_web

    register_web(app)

    from saraban.cli import register_cli

    register_cli(app)
    return app


def private_dir(path) -> Path:
    """A folder only its owner may enter (0700), made if missing; one made earlier with a
    looser mode is tightened. The data it holds (the database, files of secret documents,
    keys) is nobody else's business on a shared machine."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        if os.stat(path).st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
    except OSError as error:  # not ours (a mounted volume): say so, and go on
        import logging

        logging.getLogger(__name__).warning("cannot make %s private: %s", path, error)


def _private_sqlite_file(url: str) -> None:
    """The SQLite database readable and writable by its owner only (0600): a new one is
    created empty with that mode before SQLite opens it, an old one is tightened. SQLite
    gives its -wal and -shm files the database file's own mode."""
    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a new db
    for suffix in ("", "-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        if extra.exists():
            _tighten(extra, 0o600)

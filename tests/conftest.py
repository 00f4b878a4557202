"""Test fixtures: the real migrations on SQLite always, and on PostgreSQL as well when
``SARABAN_TEST_DATABASE_URL`` names a server.

The schema is built once per database per session by running the migrations, and the
sample chain is loaded once on top of it. Each test then runs inside a transaction that
is rolled back (``join_transaction_mode="create_savepoint"``), so commits made by views
and operations stay inside the test.
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

PG_URL = os.environ.get("SARABAN_TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])
RAN: set[str] = set()


def pytest_report_header(config):
    names = ", ".join(DATABASES)
    extra = "" if PG_URL else " (set SARABAN_TEST_DATABASE_URL to add PostgreSQL)"
    return f"saraban databases under test: {names}{extra}"


def pytest_terminal_summary(terminalreporter):
    ran = ", ".join(sorted(RAN)) or "none"
    terminalreporter.write_line(f"saraban: database tests ran on: {ran}")


class _PgDatabase:
    """A throwaway database on the given server, dropped at the end."""

    def __init__(self, url: str):
        self.server = make_url(url).set(drivername="postgresql+psycopg")
        self.name = f"saraban_test_{uuid.uuid4().hex[:10]}"
        self.url = self.server.set(database=self.name)

    def _admin(self):
        return create_engine(
            self.server.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )

    def create(self) -> str:
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(
                text(f'CREATE DATABASE "{self.name}" ENCODING \'UTF8\' '
                     "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0")
            )
        engine.dispose()
        return self.url.render_as_string(hide_password=False)

    def drop(self) -> None:
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def _redis_url() -> str | None:
    """SARABAN_REDIS_URL, or the local Redis, when it answers a PING."""
    url = os.environ.get("SARABAN_REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:  # noqa: BLE001  (no Redis here: the database counts instead)
        return None
    return url


REDIS_URL = _redis_url()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "saraban.sqlite3"
        yield f"sqlite:///{path}"
        return
    pg = _PgDatabase(PG_URL)
    url = pg.create()
    try:
        yield url
    finally:
        pg.drop()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.extensions import db
    from saraban.samples.loader import load_samples

    data_dir = tmp_path_factory.mktemp("data")
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-" + uuid.uuid4().hex,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DATA_DIR": str(data_dir),
            # the demo system administrator logs in without TOTP in tests (one test turns
            # it on: tests/test_account_lanes.py)
            "SYSADMIN_TOTP": False,
            # shared rate limits in Redis when it answers (CI has it), the database if not
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": "saraban-test-" + uuid.uuid4().hex},
            "FILE_KEYS_DIR": str(tmp_path_factory.mktemp("keys")),
        }
    )
    with app.app_context():
        upgrade()
        report = load_samples()
        app.config["DEMO_LOGINS"] = dict(report.new_logins)
        db.session.remove()
    app.config["DB_NAME"] = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no requests counted against its address."""
    from saraban.ratelimit import reset

    reset()


@pytest.fixture()
def db_session(app):
    """A session whose work is rolled back after the test, commits included."""
    from saraban.extensions import db

    RAN.add(app.config["DB_NAME"])
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick its engine by bind
        # key and ignore this connection (and so commit for real).
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, so that it gets its own application context
    (its own ``g`` and database session, torn down at its end) as in a real server, even
    though the test itself holds an application context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture()
def client(app, db_session):
    app.test_client_class = IsolatedClient
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture()
def login(client, app):
    """Log the test client in as a demo user (the password made when the samples loaded)."""

    def _login(username: str = "demo-clerk"):
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={
                "username": username,
                "password": app.config["DEMO_LOGINS"][username],
                "csrf_token": csrf_token_from(page),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


def log_in(client, username: str, password: str = "รหัสผ่าน-ทดสอบ-1"):
    """Log a test client in with a password (a user made by ``make_user``, by default)."""
    page = client.get("/login").get_data(as_text=True)
    done = client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token_from(page)})
    assert done.status_code == 302, done.get_data(as_text=True)
    return client


@pytest.fixture()
def bearer(db_session):
    """API headers with a new token for a demo user."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token

    def _headers(username: str = "demo-admin") -> dict:
        user = db_session.scalar(select(User).where(User.username == username))
        value = create_token(user, "test")
        db_session.commit()
        return {"Authorization": f"Bearer {value}"}

    return _headers


@pytest.fixture()
def today_is():
    """``today_is(day)`` moves the one clock (``thaidate.now()``, and so every "today" in
    Bangkok) to noon of ``day`` in Bangkok, standing still, for the rest of the test (or
    until moved again). time-machine moves the clock itself, so no module's copy of "today"
    is missed, as patching the modules one by one could miss one."""
    import datetime as dt

    import time_machine

    from saraban.thaidate import BANGKOK

    moved = []

    def move(day: dt.date) -> None:
        if moved:
            moved.pop().stop()
        travel = time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=BANGKOK),
                                     tick=False)
        travel.start()
        moved.append(travel)

    yield move
    for travel in moved:
        travel.stop()


# -- plain factories ----------------------------------------------------------------------

def make_unit(session, short_name=None, parent=None, **kw):
    from saraban.units.models import Unit

    short_name = short_name or f"หน่วย-{uuid.uuid4().hex[:6]}"
    unit = Unit(short_name=short_name, name_th=kw.pop("name_th", short_name), parent=parent, **kw)
    session.add(unit)
    session.flush()
    return unit


def make_user(session, username=None, units=(), role="staff", password="รหัสผ่าน-ทดสอบ-1", **kw):
    from saraban.accounts.models import Membership, Role, User

    user = User(username=username or f"u-{uuid.uuid4().hex[:8]}",
                display_name=kw.pop("display_name", "ผู้ทดสอบ"), **kw)
    user.set_password(password)
    for unit in units:
        user.memberships.append(Membership(unit=unit, role=Role(role)))
    session.add(user)
    session.flush()
    return user


def exchange_identity():
    """This installation's exchange identity, made once for the test session's data."""
    from saraban.exchange import protocol
    from saraban.exchange.peers import exchange_dir

    try:
        return protocol.load_identity(exchange_dir())
    except protocol.ExchangeError:
        return protocol.create_identity(exchange_dir(), "TESTRTP", "สำนักงานตำรวจแห่งชาติ")


def make_document(session, subject="หนังสือทดสอบ", number=None, **kw):
    from saraban.documents.models import Document, DocumentKind
    from saraban.documents.operations import normalize_number

    doc = Document(kind=kw.pop("kind", DocumentKind.EXTERNAL), subject=subject, number=number,
                   number_norm=normalize_number(number), **kw)
    session.add(doc)
    session.flush()
    return doc


def name_reader(session, document, user):
    """Name ``user`` (an account or a username) a reader of a secret ``document``."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.db import utcnow
    from saraban.documents.models import DocumentReader

    if isinstance(user, str):
        user = session.scalar(select(User).where(User.username == user))
    session.add(DocumentReader(document_id=document.id, user_id=user.id, granted_at=utcnow()))
    session.flush()


# shared fixtures defined in their own modules: the one Chromium, the live server and
# screenshots for the browser tests (-m browser); the commander's desk world for
# tests/test_endorsements.py and tests/test_desk_pages.py
from tests.browsing import browser, live_server, shots  # noqa: E402,F401
from tests.deskworld import desk  # noqa: E402,F401


@pytest.fixture()
def mail_config(app, postfix):
    """The application sending through the Postfix of tests/smtpserver.py (a test module
    using this imports its ``postfix`` fixture) with STARTTLS and its CA, from
    saraban@sender.test; the settings put back afterwards."""
    keys = ("MAIL_SMTP_URL", "MAIL_SMTP_CA_FILE", "MAIL_FROM")
    before = {k: app.config.get(k) for k in keys}
    app.config.update(MAIL_SMTP_URL=postfix.url, MAIL_SMTP_CA_FILE=str(postfix.ca_file),
                      MAIL_FROM="saraban@sender.test")
    yield postfix
    app.config.update(before)

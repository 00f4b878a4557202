"""SQLite writers queue in the kernel (flock) and always give their turn back."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text


@pytest.fixture()
def sqlite_app(tmp_path):
    from saraban import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite3'}",
                      "DATA_DIR": str(tmp_path / "data")})
    with app.app_context():
        from saraban.extensions import db

        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        yield app, db.engine


def _writer(engine, hold: float, log: list, name: str) -> None:
    with engine.connect().execution_options(sqlite_immediate=True) as conn:
        with conn.begin():
            log.append(("in", name, time.monotonic()))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            time.sleep(hold)
            log.append(("out", name, time.monotonic()))


def test_a_second_writer_waits_for_the_first_and_goes_on_at_once(sqlite_app):
    _, engine = sqlite_app
    log: list = []
    first = threading.Thread(target=_writer, args=(engine, 0.3, log, "a"))
    first.start()
    time.sleep(0.05)
    second = threading.Thread(target=_writer, args=(engine, 0, log, "b"))
    second.start()
    first.join()
    second.join()
    assert [(kind, name) for kind, name, _ in log] == [("in", "a"), ("out", "a"),
                                                      ("in", "b"), ("out", "b")]
    handoff = log[2][2] - log[1][2]
    assert handoff < 0.25  # woken by the kernel, not by SQLite's sleep-and-retry


def _can_write(engine) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (_writer(engine, 0, [], "c"), done.set()),
                     daemon=True).start()
    return done.wait(5)


def test_the_turn_is_given_back_after_a_rollback(sqlite_app):
    _, engine = sqlite_app
    conn = engine.connect().execution_options(sqlite_immediate=True)
    with pytest.raises(ZeroDivisionError), conn.begin():
        conn.execute(text("INSERT INTO t VALUES (2)"))
        raise ZeroDivisionError
    assert _can_write(engine), "the rolled-back writer kept its turn"
    conn.close()


def test_the_turn_is_given_back_by_a_connection_lost_mid_transaction(sqlite_app):
    _, engine = sqlite_app
    conn = engine.connect().execution_options(sqlite_immediate=True)
    conn.begin()
    conn.execute(text("INSERT INTO t VALUES (3)"))
    conn.invalidate()  # the connection is gone in the middle of its work
    assert _can_write(engine), "a lost connection kept its turn"

"""SQLite as Saraban uses it: WAL, foreign keys and a busy timeout on every connection,
transactions begun where SQLAlchemy says (``BEGIN IMMEDIATE`` for a writing operation,
see ``saraban.db.begin_write``), and the writers to one database file waiting their turn
in the kernel (:class:`WriterQueue`). ``create_app`` calls :func:`configure`; on other
databases it does nothing.
"""

from __future__ import annotations

import os

from flask import Flask

CHANGES_AT_BEGIN = "saraban_changes_at_begin"  # Connection.info key, see db.begin_write


def configure(app: Flask) -> None:
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

        queue = WriterQueue(engine.url.database)

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A writing operation asks for the write lock up front (see db.begin_write):
            # a deferred transaction that read first could not take it later once
            # another writer has committed.
            immediate = conn.get_execution_options().get("sqlite_immediate")
            dbapi_conn = conn.connection.dbapi_connection
            # what SQLite had changed on this connection when the transaction began: more
            # later means this transaction wrote (db.begin_write must not commit it then)
            conn.info[CHANGES_AT_BEGIN] = dbapi_conn.total_changes
            if not immediate:
                conn.exec_driver_sql("BEGIN")
                return
            queue.enter(dbapi_conn)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                queue.leave(dbapi_conn)
                raise

        queue.wrap(engine.dialect)
        for name in ("checkin", "close", "invalidate"):  # never keep the turn of a lost one
            event.listen(engine, name, lambda dbapi_conn, *_: queue.leave(dbapi_conn))


class WriterQueue:
    """Writers to one SQLite file, from every process, wait their turn in the kernel.

    SQLite's own lock makes a waiting writer sleep and retry (1, 2, 5, 10 ms and longer),
    which wastes most of a busy server's time between two short writes. An exclusive
    ``flock`` on a file beside the database, taken before ``BEGIN IMMEDIATE`` and given
    back as soon as the transaction commits or rolls back, wakes the next writer at once.
    SQLite's lock still guards the data; this only orders the queue. The kernel drops the
    lock of a process that dies, and each connection has its own open file, so threads
    queue too.
    """

    def __init__(self, database: str | None):
        memory = not database or database == ":memory:" or database.startswith("file::memory")
        self.path = None if memory else f"{database}-writers.lock"
        self.held: dict[int, int] = {}

    def enter(self, dbapi_conn) -> None:
        if self.path is None or id(dbapi_conn) in self.held:
            return
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.held[id(dbapi_conn)] = fd

    def leave(self, dbapi_conn) -> None:
        # the dialect is handed the pool's proxy; the pool's events the driver's connection
        dbapi_conn = getattr(dbapi_conn, "dbapi_connection", dbapi_conn)
        fd = self.held.pop(id(dbapi_conn), None)
        if fd is not None:
            os.close(fd)  # closing the file gives the lock back

    def wrap(self, dialect) -> None:
        """Give the turn back right after the commit or rollback itself (SQLAlchemy's
        commit event comes before it), including the rollback of a connection returned
        to the pool."""
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn):
            try:
                commit(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        def do_rollback(dbapi_conn):
            try:
                rollback(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

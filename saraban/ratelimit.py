"""Rate limits shared by every worker and every application server.

Flask-Limiter (one per application, ``app.extensions["saraban_limiter"]``) counts in
Redis when ``SARABAN_REDIS_URL`` is set (every production and CI machine here), and
otherwise in this database's
``rate_limit_counter`` table through ``DatabaseStorage`` below: a fixed window per key,
one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per counted request. Flask-Limiter
has no SQL storage of its own, and an in-process counter is no limit at all with several
workers (77 of 100 logins passed with 4); an office on one machine has no Redis but does
have its database. Should Redis stop answering, Flask-Limiter falls back to counting in
memory (per worker) rather than refusing every login.

``allow(key, limit, per_seconds)`` is the one check the pages call (login, the second
login step, the account page's re-checks, ``/verify/<code>``, the exchange endpoint): it
answers with the page's own message instead of a bare 429. The address is
``request.remote_addr`` as werkzeug's ProxyFix sets it from ``SARABAN_PROXY_HOPS``.
"""

from __future__ import annotations

import contextlib
import time

from limits import RateLimitItemPerSecond
from limits.storage import Storage
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

_generation = 0  # bumped by reset(): the tests' fresh start, without touching the store


def allow(key: str, limit: int, per_seconds: float) -> bool:
    """Count a request under ``key``; False when it is over ``limit`` in its window."""
    from flask import current_app

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    item = RateLimitItemPerSecond(limit, max(1, int(per_seconds)))
    return current_app.extensions["saraban_limiter"].limiter.hit(item, f"g{_generation}", key)


def reset() -> None:
    """Start counting afresh (tests): later keys differ from every earlier one."""
    global _generation
    _generation += 1


def configure(app) -> None:
    """The store: Redis when SARABAN_REDIS_URL is set, the database otherwise."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "saraban+db://")
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "saraban")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", bool(redis_url))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # its own per application: one shared object would count every app in a process (the
    # tests make several) in the store of whichever was configured last
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions["saraban_limiter"] = limiter


_INCR = text("""
INSERT INTO rate_limit_counter (key, hits, expires_at) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit_counter.expires_at <= :now THEN :amount
                ELSE rate_limit_counter.hits + :amount END,
    expires_at = CASE WHEN rate_limit_counter.expires_at <= :now THEN :expires
                      ELSE rate_limit_counter.expires_at END
RETURNING hits
""")
_PURGE_EVERY = 500  # increments between two deletions of expired windows


@contextlib.contextmanager
def _counting(write: bool = True):
    """Where a count is written (or read): a connection of its own
    (``transaction.independent``; a plain one for a read).
    A session bound to one connection rather than to the engine (the tests' harness, whose
    outer transaction is rolled back at the end) counts on that connection: another one
    would not see its data, and on SQLite would wait for the write lock it holds."""
    from saraban.extensions import db
    from saraban.transaction import independent

    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        yield bind
        return
    with independent() if write else db.engine.connect() as connection:
        yield connection


class DatabaseStorage(Storage):
    """Fixed-window counters in the application's database (``saraban+db://``).

    Each increment is its own short transaction on a connection of its own
    (``transaction.independent``), committed at once whatever the request then does: a
    refused or failing request stays counted, and every worker sees the count. The pages
    check their limits before they write anything, so that on SQLite the request never
    holds the write lock the counter waits for. The statement is the same on SQLite
    (3.35+) and PostgreSQL."""

    STORAGE_SCHEME = ["saraban+db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._since_purge = 0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        key = key[-255:]
        with _counting() as connection:
            hits = connection.execute(_INCR, {"key": key, "amount": amount, "now": now,
                                              "expires": now + expiry}).scalar_one()
            self._since_purge += 1
            if self._since_purge >= _PURGE_EVERY:
                self._since_purge = 0
                connection.execute(text("DELETE FROM rate_limit_counter WHERE expires_at <= :now"),
                                   {"now": now})
        return hits

    def get(self, key: str) -> int:
        with _counting(write=False) as connection:  # what is counted, not the request's view
            row = connection.execute(
                text("SELECT hits, expires_at FROM rate_limit_counter WHERE key = :key"),
                {"key": key[-255:]}).first()
        return row.hits if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with _counting(write=False) as connection:
            expires = connection.execute(
                text("SELECT expires_at FROM rate_limit_counter WHERE key = :key"),
                {"key": key[-255:]}).scalar()
        return expires if expires is not None else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with _counting() as connection:
            return connection.execute(text("DELETE FROM rate_limit_counter")).rowcount

    def clear(self, key: str) -> None:
        with _counting() as connection:
            connection.execute(text("DELETE FROM rate_limit_counter WHERE key = :key"),
                               {"key": key[-255:]})

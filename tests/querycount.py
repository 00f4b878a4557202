"""One way to count the SQL a piece of work runs, for the tests and the bench scripts.

A page whose number of statements grows with the data (one query per row: N+1) is found
by counting ``before_cursor_execute`` on the engine around a request, once with few rows
and once with many. The listener sits on the engine, not on a session, so it sees every
connection the work opens (a test's savepoint connection, the request's own session, a
bench's raw replay). It lives in ``tests/`` beside ``tests/servers.py``, which the bench
scripts already import, rather than in the application, which never counts its queries.

    with count_queries(engine) as queries:
        client.get("/desk")
    assert queries.count == expected
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class Queries:
    """The statements run inside a ``count_queries`` block, with their parameters, in the
    order the database received them."""

    statements: list[tuple[str, object]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return len(self.statements)


def _engine_of(bind):
    """The Engine under an Engine, a Connection or a Session."""
    if hasattr(bind, "get_bind"):  # a Session
        bind = bind.get_bind()
    return getattr(bind, "engine", bind)


@contextmanager
def count_queries(bind=None) -> Iterator[Queries]:
    """Count (and keep) every statement sent to ``bind``'s engine inside the block;
    ``bind`` defaults to the application's engine (``db.engine``, in an app context)."""
    if bind is None:
        from saraban.extensions import db

        bind = db.engine
    engine = _engine_of(bind)
    queries = Queries()

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        queries.statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", keep)

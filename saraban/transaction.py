"""One unit of work per request, per job: the only place Saraban commits.

A page, an API call or the exchange endpoint runs its work, then one commit; any error
(an exception, an ``abort``) rolls everything back. Operations flush and never commit.
The outbox worker and the CLI jobs use :func:`unit_of_work` around each unit they do.

Two named exceptions keep their own commit, each with the reason written at the call:

* :func:`commit_early` — a number or a count that must be durable before a slow or
  failing step (a receipt number before its scan is processed, a failed login counted
  before scrypt runs). The reason is required and logged at debug level.
* :func:`independent` — a counter that belongs to no request's work (rate limits): its
  own connection and transaction, committed whatever the request does.

Like indico's ``RH.process`` and warehouse's ``pyramid_tm``: the boundary is the
dispatch of the view, so that a failing commit is answered by the same error handlers
as any other error (the database's 503, a constraint's 500).
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask

log = logging.getLogger(__name__)


class SarabanFlask(Flask):
    """Flask with the request's unit of work around every view."""

    def dispatch_request(self):
        from saraban.extensions import db

        try:
            result = super().dispatch_request()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result


def commit_early(reason: str) -> None:
    """Commit the work so far, before the rest of the request, for ``reason`` (say why
    it must be durable now: "the receipt number before the scan"). The request goes on
    in a new transaction, still under the boundary."""
    from saraban.extensions import db

    if not reason or not reason.strip():
        raise ValueError("an early commit needs its reason")
    log.debug("early commit: %s", reason)
    db.session.commit()


@contextlib.contextmanager
def unit_of_work(reason: str | None = None):
    """One unit of work outside a request (a CLI job, one message of the outbox worker):
    commit when the block ends, roll back on any error. ``reason``, when given, names the
    unit in the debug log, as an early commit's does."""
    from saraban.extensions import db

    try:
        yield db.session
        if reason:
            log.debug("unit of work: %s", reason)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextlib.contextmanager
def independent():
    """A connection of its own, in its own transaction, committed when the block ends:
    for a counter that must stay counted whatever the request then does. Never use it
    while the request's session holds SQLite's write lock (it would wait for itself)."""
    from saraban.extensions import db

    # on SQLite a writing transaction from its start (BEGIN IMMEDIATE, in the writers'
    # queue), so that it never meets a newer snapshot half-way; other engines ignore it
    with db.engine.connect().execution_options(sqlite_immediate=True) as connection, \
            connection.begin():
        yield connection

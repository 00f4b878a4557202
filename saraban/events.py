"""Every session event hook of Saraban, put on the session in one place by ``create_app``.

The hooks used to be registered by decorators as a side effect of importing their module
(``saraban.models`` imported the audit's digests for that reason): which hooks ran
depended on what had been imported, and in what order. Here they are listed, in the order
they run, and registered by :func:`install`, so that importing any module of Saraban has
no side effect on the database session.

The order matters where two hooks answer the same event: the audit notes the changed
records before the search index notes the changed documents, and the audit's
``records.sync`` event is written (and flushed) before the search rows are rebuilt.

The hooks are on SQLAlchemy's ``Session`` class (every session Saraban and its tests
make), not on one application: installing them again, for a second application in the
same process, changes nothing.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


def hooks() -> list[tuple[str, object]]:
    """(event name, function) for each session hook, in the order they are registered."""
    from saraban.audit import records as audit_records
    from saraban.backup import restore
    from saraban.endorsements.operations import keep_signed_endorsements
    from saraban.records import destruction
    from saraban.search import index as search_index

    return [
        # a signed endorsement (its lines, its orders) never changes
        ("before_flush", keep_signed_endorsements),
        # the audit notes the changed records, then the search the changed documents
        ("after_flush", audit_records.note_changes),
        ("after_flush", search_index.note_changes),
        # the audit's records.sync event is written before the search rows are rebuilt
        ("before_commit", audit_records.sync_before_commit),
        ("before_commit", search_index.refresh_before_commit),
        ("after_soft_rollback", audit_records.forget_on_rollback),
        ("after_rollback", search_index.forget_on_rollback),
        # destroyed files' bytes go only once the transaction that forgot them commits
        ("after_commit", destruction.remove_destroyed_bytes),
        ("after_rollback", destruction.keep_bytes_on_rollback),
        # a restore's files stay if it commits, and go if it is rolled back
        ("after_commit", restore.keep_restored_files),
        ("after_rollback", restore.remove_restored_files),
    ]


def install(app=None) -> None:
    """Register every session hook once (``app`` is not used: the hooks are on the
    ``Session`` class; it is taken so that ``create_app`` reads as the other set-ups)."""
    for name, function in hooks():
        if not event.contains(Session, name, function):
            event.listen(Session, name, function)


def installed() -> list[tuple[str, object]]:
    """The hooks of :func:`hooks` that are registered now (for the tests)."""
    return [(name, function) for name, function in hooks()
            if event.contains(Session, name, function)]

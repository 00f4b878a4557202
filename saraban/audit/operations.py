"""Writing audit events. Called by operations inside their own transaction."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import bindparam

from saraban.audit.models import AuditEvent, AuditHead
from saraban.db import utcnow
from saraban.extensions import db

GENESIS = "0" * 64


_FIELDS = ("occurred_at", "user_id", "remote_addr", "action", "object_type", "object_id",
           "document_id", "unit_id", "details")


def _content_hash(event, prev_hash: str) -> str:
    """The SHA-256 of an event's content and the previous hash (``event`` is an AuditEvent
    or a dict of its fields). The record digests count when there are any (events made
    before they existed keep their hashes)."""
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name)
    content = {name: get(name) for name in _FIELDS}
    content["occurred_at"] = content["occurred_at"].isoformat()
    if get("record_digests") is not None:
        content["record_digests"] = get("record_digests")
    content["prev_hash"] = prev_hash
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


# Built once: every change of state runs these three statements.
_events, _head = AuditEvent.__table__, AuditHead.__table__
_TAKE_HEAD = _head.update().where(_head.c.id == 1).values(id=1).returning(_head.c.hash)
_ADD_EVENT = _events.insert().returning(_events.c.id)
_MOVE_HEAD = _head.update().where(_head.c.id == 1).values(
    hash=bindparam("new_hash"), last_event_id=bindparam("event_id"), mac=bindparam("mac"))


def head_mac(key: bytes, event_id: int | None, head_hash: str) -> str:
    """The HMAC that proves the head was moved by this installation: someone who deletes
    the last events and sets the head back cannot make it without the key."""
    from saraban.audit.keys import mac

    return mac(key, "audit-head", f"{event_id or 0}:{head_hash}")


def record(
    action: str,
    *,
    user=None,
    obj=None,
    document_id: int | None = None,
    unit_id: int | None = None,
    details: dict | None = None,
    remote_addr: str | None = None,
) -> int:
    """Append an event to the chain in the current transaction (flushes, never commits);
    gives the event's id. The event carries the digests of the records changed since the
    transaction's previous event (see ``saraban.audit.records``)."""
    return record_on(db.session(), action, user=user, obj=obj, document_id=document_id,
                     unit_id=unit_id, details=details, remote_addr=remote_addr)


def record_on(session, action: str, *, user=None, obj=None, document_id: int | None = None,
              unit_id: int | None = None, details: dict | None = None,
              remote_addr: str | None = None) -> int:
    from saraban.audit.keys import installation_key
    from saraban.audit.records import take_pending

    session.flush()  # obj must have its id
    key = installation_key()
    digests = take_pending(session)  # read before the head is taken: the lock is held less
    # Taking the head with an UPDATE first makes concurrent writers wait for each other.
    prev_hash = session.execute(_TAKE_HEAD).scalar_one_or_none()
    if prev_hash is None:
        session.add(AuditHead(id=1, hash=GENESIS))
        session.flush()
        prev_hash = GENESIS
    if remote_addr is None:
        remote_addr = _request_addr()
    event = {
        "occurred_at": utcnow().replace(microsecond=0),
        "user_id": getattr(user, "id", user),
        "remote_addr": remote_addr,
        "action": action,
        "object_type": type(obj).__name__ if obj is not None else None,
        "object_id": getattr(obj, "id", None),
        "document_id": document_id,
        "unit_id": unit_id,
        "details": details,
        "record_digests": digests,
        "prev_hash": prev_hash,
    }
    event["hash"] = _content_hash(event, prev_hash)
    event_id = session.execute(_ADD_EVENT, event).scalar_one()
    session.execute(_MOVE_HEAD, {"new_hash": event["hash"], "event_id": event_id,
                                 "mac": head_mac(key, event_id, event["hash"])})
    return event_id


def _request_addr() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def record_view(user, document, how: str, file_id: int | None = None) -> bool:
    """Reading a secret document (its page, its API record or a file) is an event too;
    nothing is written for other documents. Flushes only: the caller commits."""
    if not document.secrecy:
        return False
    details = {"how": how, "secrecy": document.secrecy}
    if file_id is not None:
        details["file_id"] = file_id
    record("document.view", user=user, obj=document, document_id=document.id,
           details=details)
    return True

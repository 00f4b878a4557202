"""Writing audit events. Called by operations inside their own transaction."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update

from saraban.audit.models import AuditEvent, AuditHead
from saraban.db import utcnow
from saraban.extensions import db

GENESIS = "0" * 64


def _content_hash(event: AuditEvent, prev_hash: str) -> str:
    content = {
        "occurred_at": event.occurred_at.isoformat(),
        "user_id": event.user_id,
        "remote_addr": event.remote_addr,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "document_id": event.document_id,
        "unit_id": event.unit_id,
        "details": event.details,
        "prev_hash": prev_hash,
    }
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def record(
    action: str,
    *,
    user=None,
    obj=None,
    document_id: int | None = None,
    unit_id: int | None = None,
    details: dict | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    """Append an event to the chain in the current transaction (flushes, never commits)."""
    session = db.session
    session.flush()  # obj must have its id
    # Taking the head with an UPDATE first makes concurrent writers wait for each other.
    prev_hash = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(id=1).returning(AuditHead.hash)
    ).scalar_one_or_none()
    if prev_hash is None:
        session.add(AuditHead(id=1, hash=GENESIS))
        session.flush()
        prev_hash = GENESIS
    if remote_addr is None:
        remote_addr = _request_addr()
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        user_id=getattr(user, "id", user),
        remote_addr=remote_addr,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        document_id=document_id,
        unit_id=unit_id,
        details=details,
        prev_hash=prev_hash,
    )
    event.hash = _content_hash(event, prev_hash)
    session.add(event)
    session.flush()
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(hash=event.hash, last_event_id=event.id)
    )
    return event


def _request_addr() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None

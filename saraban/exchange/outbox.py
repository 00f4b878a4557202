"""The outbox worker: delivers the queued messages (letters, notices) to the peers.

A message is delivered again and again with a growing pause while the peer is down,
until the peer acknowledges it (delivery is at least once). Each pass first claims the
due messages (one unit of work, committed, so that two workers do not send the same one
at the same time), then delivers each in a unit of work of its own
(``saraban.transaction.unit_of_work``): a peer that answers, refuses or does not answer
is recorded for that message alone. The functions here flush; :func:`work_once` commits.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import select

from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.exchange import protocol
from saraban.exchange.models import Direction, ExchangeMessage, MessageStatus
from saraban.exchange.peers import our_identity, peer_keys
from saraban.exchange.sending import carries_secrets
from saraban.extensions import db
from saraban.transaction import unit_of_work

PATH = "/exchange/v1/messages"
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 3600.0  # seconds
LEASE = dt.timedelta(minutes=5)  # a worker's claim on a message it is sending
TIMEOUT = 30


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


@dataclass
class WorkReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim(limit: int) -> list[int]:
    """Take the due messages for this worker (flushes only: committed at once by
    :func:`work_once`, so that two workers do not send the same one at the same time)."""
    now = utcnow()
    begin_write(db.session)
    rows = db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.direction == Direction.OUT,
                                      ExchangeMessage.status == MessageStatus.QUEUED,
                                      ExchangeMessage.next_attempt_at <= now)
        .order_by(ExchangeMessage.next_attempt_at, ExchangeMessage.id).limit(limit)).all()
    for row in rows:
        row.next_attempt_at = now + LEASE
    db.session.flush()
    return [r.id for r in rows]


def work_once(limit: int = 50) -> WorkReport:
    """One pass: claim what is due (a unit of work of its own, committed before the first
    message is sent), then deliver each message in its own unit of work."""
    report = WorkReport()
    with unit_of_work("the outbox worker's claim"):
        claimed = _claim(limit)
    for row_id in claimed:
        with unit_of_work("one outbox message"):
            outcome = deliver(row_id)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def deliver(row_id: int) -> str:
    """Send one message; gives 'sent', 'retried' or 'failed'. Flushes only: the caller's
    unit of work (:func:`work_once`) commits what became of the message."""
    row = db.session.get(ExchangeMessage, row_id)
    peer = row.peer
    if (row.kind == "letter" and row.document is not None and row.document.secrecy > 0
            and not carries_secrets(peer.url)):  # the peer's URL changed since it was queued
        begin_write(db.session)
        row = db.session.get(ExchangeMessage, row_id, populate_existing=True)
        row.status = MessageStatus.FAILED
        row.last_error = ("ไม่ส่ง: หนังสือลับส่งได้เฉพาะทาง HTTPS (a classified letter goes "
                          "only over HTTPS)")
        row.next_attempt_at = None
        record("exchange.failed", obj=row, document_id=row.document_id,
               details={"to": peer.code, "error": "plain http for a classified letter"})
        db.session.flush()
        return "failed"
    request = urllib.request.Request(
        peer.url + PATH, data=row.payload.encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json"})
    status, body, error = None, b"", None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as http:
        status, body = http.code, http.read() or b""
    except (urllib.error.URLError, OSError, TimeoutError) as failure:
        error = str(getattr(failure, "reason", failure))
    begin_write(db.session)
    row = db.session.get(ExchangeMessage, row_id, populate_existing=True)
    now = utcnow()
    if status == 200:
        try:
            ack = json.loads(body)
            checked = protocol.verify(ack, peer_keys=peer_keys, our_code=our_identity().code,
                                      now=now)
            if checked.kind != "delivery" or checked.in_reply_to != row.message_id:
                raise protocol.ExchangeRefusal("malformed", "", "not an acknowledgement of it")
        except (ValueError, protocol.ExchangeRefusal) as bad:
            error = f"bad acknowledgement: {bad}"
        else:
            row.ack = body.decode("utf-8")
            if row.status == MessageStatus.QUEUED:
                row.status = MessageStatus.DELIVERED
            row.delivered_at = now
            row.next_attempt_at = None
            row.last_error = None
            record("exchange.delivered", obj=row, document_id=row.document_id,
                   details={"to": peer.code, "message_id": row.message_id,
                            "attempts": row.attempts + 1})
            row.attempts += 1
            db.session.flush()
            return "sent"
    row.attempts += 1
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        row.status = MessageStatus.FAILED
        row.last_error = f"HTTP {status}: {body[:500].decode('utf-8', 'replace')}"
        row.next_attempt_at = None
        record("exchange.failed", obj=row, document_id=row.document_id,
               details={"to": peer.code, "error": row.last_error})
        db.session.flush()
        return "failed"
    sent_at = json.loads(row.payload).get("Timestamp", "")
    if _too_old(sent_at, now):
        row.status = MessageStatus.FAILED
        row.last_error = "หมดอายุก่อนส่งถึง (expired before delivery)"
        row.next_attempt_at = None
        db.session.flush()
        return "failed"
    row.last_error = error or f"HTTP {status}"
    row.next_attempt_at = now + backoff(row.attempts)
    db.session.flush()
    return "retried"


def _too_old(timestamp: str, now: dt.datetime) -> bool:
    try:
        at = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    return now - at > protocol.MAX_AGE - dt.timedelta(hours=1)

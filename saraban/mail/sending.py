"""Sending the mail outbox through the office's submission server.

:func:`queue_mail` keeps the built message (its bytes, as a stored file) in the caller's
transaction, so that a letter is queued with the clerk's action or not at all. The worker
(:func:`send_once`, run by ``saraban mail-send``) first claims the due messages in one unit
of work of its own (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's write lock), giving
each a lease, then sends each in a unit of work of its own: a message is marked sent in
the same unit as the server's acceptance, and only while its lease is still this
worker's. A server that is down or answers 4xx is tried again with a growing pause, the
very same bytes with the same Message-ID; a 5xx refusal fails the message for good.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.files import read, store
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.mail import smtp
from saraban.mail.messages import new_message_id
from saraban.mail.outbox_models import MailKind, MailStatus, OutgoingMail
from saraban.transaction import unit_of_work

BACKOFF_FIRST, BACKOFF_MAX = 30.0, 3600.0  # seconds
LEASE = dt.timedelta(minutes=5)  # a worker's claim on a message it is sending
GIVE_UP_AFTER = dt.timedelta(days=5)  # as an MTA bounces what it could not deliver


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # claimed, but sent or reclaimed by another worker meanwhile


def _recipients(message: EmailMessage) -> list[str]:
    values = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    return [address for _, address in email.utils.getaddresses(values) if "@" in address]


_SUBJECT = re.compile(rb"^Subject:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", re.M | re.I)


def _subject_kept(raw: bytes, subject: str) -> bytes:
    """The message with its Thai subject encoded so that its spaces survive: Python 3.11's
    generator folds a long subject at a space and leaves that space between two encoded
    words, where RFC 2047 says a reader drops it ("ดิจิทัล ประจำปี" arrived as
    "ดิจิทัลประจำปี"); the legacy email.header.Header keeps every space inside the words."""
    from email.header import Header

    if subject.isascii():
        return raw
    head, sep, body = raw.partition(b"\r\n\r\n")
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    head, count = _SUBJECT.subn(lambda _: f"Subject: {encoded}\r\n".encode("ascii"),
                                head + b"\r\n", count=1)
    return head[:-2] + sep + body if count else raw


def queue_mail(message: EmailMessage, *, kind: MailKind | str,
               document_id: int | None = None) -> OutgoingMail:
    """Put a built message in the outbox, in the caller's transaction (flushes only).
    The message gets a Message-ID on our domain when it has none; Bcc is not sent."""
    kind = MailKind(kind)
    if message["Message-ID"] is None:
        message["Message-ID"] = new_message_id()
    recipients = _recipients(message)
    if not recipients:
        raise ValueError("the message has no recipient address")
    del message["Bcc"]
    raw = _subject_kept(message.as_bytes(policy=email.policy.SMTP), str(message["Subject"] or ""))
    secret = False
    if document_id is not None:
        document = db.session.get(Document, document_id)
        secret = document is not None and document.secrecy > 0
    begin_write(db.session)
    stored = store(raw, "message/rfc822", secret=secret)
    row = OutgoingMail(
        message_id=str(message["Message-ID"]).strip(), to_address=", ".join(recipients),
        subject=str(message["Subject"] or ""), kind=kind, document_id=document_id,
        in_reply_to=(str(message["In-Reply-To"]).strip() if message["In-Reply-To"] else None),
        file_id=stored.id, status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record("mail.queued", obj=row, document_id=document_id,
           details={"to": row.to_address, "kind": kind.value, "message_id": row.message_id})
    return row


def _claim(limit: int) -> list[tuple[int, dt.datetime]]:
    """Take the due messages for this worker (flushes only: committed by :func:`send_once`
    before the first is sent). Each gets a lease, which is also this worker's token."""
    now = utcnow()
    begin_write(db.session)
    query = (select(OutgoingMail)
             .where(OutgoingMail.status == MailStatus.QUEUED,
                    OutgoingMail.next_attempt_at <= now)
             .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.scalars(query).all()
    lease = now + LEASE
    for row in rows:
        row.next_attempt_at = lease
    db.session.flush()
    return [(row.id, lease) for row in rows]


def send_once(limit: int = 50) -> SendReport:
    """One pass: claim what is due (a unit of work, committed before anything is sent),
    then send each message in its own unit of work."""
    report = SendReport()
    settings = smtp.SmtpSettings.from_config(current_app.config)  # unset: nothing claimed
    with unit_of_work("the mail worker's claim"):
        claimed = _claim(limit)
    client = None
    for row_id, lease in claimed:
        with unit_of_work("one outgoing mail"):
            outcome, client = _send(row_id, lease, settings, client)
        setattr(report, outcome, getattr(report, outcome) + 1)
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return report


def _mine(row_id: int, lease: dt.datetime) -> OutgoingMail | None:
    """The row, locked on PostgreSQL, if it is still queued under this worker's lease."""
    query = select(OutgoingMail).where(OutgoingMail.id == row_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is None or row.status != MailStatus.QUEUED or row.next_attempt_at != lease:
        return None
    return row


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


def _send(row_id: int, lease: dt.datetime, settings: smtp.SmtpSettings, client):
    """Send one claimed message; gives ('sent' | 'retried' | 'failed' | 'skipped', the
    connection to reuse or None). Flushes only: the caller's unit of work commits."""
    row = _mine(row_id, lease)
    if row is None:
        return "skipped", client
    raw = read(row.file)
    envelope_from = "" if row.kind == MailKind.RECEIPT_CONFIRMATION else (
        current_app.config.get("MAIL_FROM") or "")
    recipients = [a.strip() for a in row.to_address.split(",") if a.strip()]
    error: Exception | None = None
    try:
        if client is None:
            client = smtp.connect(settings)
        refused = client.sendmail(envelope_from, recipients, raw)
    except (OSError, smtplib.SMTPException) as failure:
        error, refused = failure, {}
        if client is not None:
            client.close()
        client = None
    begin_write(db.session)
    row = _mine(row_id, lease)
    if row is None:  # cannot happen while the lease holds; never mark what is not ours
        return "skipped", client
    now = utcnow()
    row.attempts += 1
    if error is None:
        row.status = MailStatus.SENT
        row.sent_at = now
        row.next_attempt_at = None
        row.last_error = (f"refused by the server for: {', '.join(sorted(refused))}"
                          if refused else None)
        record("mail.sent", obj=row, document_id=row.document_id,
               details={"to": row.to_address, "message_id": row.message_id,
                        "attempts": row.attempts})
        db.session.flush()
        return "sent", client
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if _permanent(error) or now - row.created_at > GIVE_UP_AFTER:
        row.status = MailStatus.FAILED
        row.next_attempt_at = None
        record("mail.failed", obj=row, document_id=row.document_id,
               details={"to": row.to_address, "message_id": row.message_id,
                        "error": row.last_error})
        db.session.flush()
        return "failed", client
    row.next_attempt_at = now + backoff(row.attempts)
    db.session.flush()
    return "retried", client

"""Taking the mail: each new message of the saraban@ mailbox stored as an arrival, in one
unit of work of its own (the raw bytes, the letter and enclosures, the arrival, the
state's last UID), and only after that commit moved to the done folder.

A crash between the commit and the move leaves the message in the folder read, already
taken: the next run moves it without taking it again (the arrival not yet ``moved``, and
the Message-ID check for any message fetched again). A new UIDVALIDITY (the folder
rebuilt) starts the reading over from UID 0, the Message-ID telling what was taken. The
server down or refusing is reported, never raised: the worker tries again later.

A message answering a letter we sent by e-mail (In-Reply-To or References naming its
Message-ID) is kept linked to that outgoing mail. Without a PDF (or automatic and naming a
receipt number, as a Saraban's is) it is the recipient's confirmation, with the receipt
number it names, never offered to the clerks as a letter to register (nor so answered with
our own confirmation); with a PDF it is a letter in answer, to register, and it confirms
the delivery too; an out-of-office stays an auto-reply. A bounce naming one of our letters
is linked to it too, with its reason: the letter's delivery then shows failed.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from saraban.accounts.models import User
from saraban.extensions import db
from saraban.mail.imap import Mailbox, MailboxError, MailboxSettings, parse_url
from saraban.mail.models import ArrivalKind, ArrivalStatus, MailArrival, MailboxState
from saraban.mail.parsing import parse
from saraban.transaction import unit_of_work

log = logging.getLogger(__name__)

RAW_MEDIA_TYPE = "message/rfc822"


@dataclass
class FetchReport:
    """What one pass over the mailbox did; ``error`` says why it stopped early."""

    fetched: int = 0  # messages read from the server
    stored: int = 0  # new arrivals
    duplicates: int = 0  # messages already taken (same Message-ID), not stored again
    moved: int = 0  # messages moved to the done folder
    error: str | None = None
    arrival_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        text = (f"อ่าน {self.fetched} ฉบับ รับใหม่ {self.stored} ซ้ำ {self.duplicates} "
                f"ย้ายแล้ว {self.moved} (fetched {self.fetched}, new {self.stored}, "
                f"duplicates {self.duplicates}, moved {self.moved})")
        if self.error:
            text += f"\nติดต่อกล่องจดหมายไม่ได้ จะลองใหม่ภายหลัง (mailbox unavailable): {self.error}"
        return text


def configured_settings() -> MailboxSettings:
    """The mailbox named by SARABAN_MAIL_IMAP_URL (and its password file)."""
    url = current_app.config.get("MAIL_IMAP_URL")
    if not url:
        raise MailboxError("SARABAN_MAIL_IMAP_URL is not set")
    return parse_url(url, current_app.config.get("MAIL_IMAP_PASSWORD_FILE"))


def mailbox_key(settings: MailboxSettings) -> str:
    """The name of a mailbox in the database: its user, server and folder (no password)."""
    return f"{settings.user}@{settings.host}:{settings.port}/{settings.folder}"[:500]


def _state(key: str) -> MailboxState:
    state = db.session.scalar(select(MailboxState).where(MailboxState.mailbox == key))
    if state is None:
        state = MailboxState(mailbox=key, uidvalidity=0, last_uid=0)
        db.session.add(state)
        db.session.flush()
    return state


def _our_letter(ids: list[str]) -> int | None:
    """The outgoing letter (an OutgoingMail of kind letter) one of ``ids`` names, in the
    order given; None when they name none of ours."""
    from saraban.mail.outbox_models import MailKind, OutgoingMail

    ids = [i for i in ids if i][:50]
    if not ids:
        return None
    found = dict(db.session.execute(
        select(OutgoingMail.message_id, OutgoingMail.id).where(
            OutgoingMail.message_id.in_(ids), OutgoingMail.kind == MailKind.LETTER)).all())
    return next((found[i] for i in ids if i in found), None)


def take(key: str, uidvalidity: int, uid: int, raw: bytes) -> tuple[MailArrival, bool]:
    """The arrival for the message ``raw`` (UID ``uid``): the one already taken when its
    Message-ID (or its UID under this UIDVALIDITY) was seen, else a new one, with the raw
    bytes, the letter and the enclosures stored; (arrival, whether new). Flushes only."""
    from saraban.audit.operations import record
    from saraban.documents.files import store

    parsed = parse(raw)
    seen = db.session.scalar(
        select(MailArrival).where(
            MailArrival.mailbox == key,
            or_(MailArrival.message_id == parsed.message_id,
                (MailArrival.uidvalidity == uidvalidity) & (MailArrival.uid == uid)))
        .order_by(MailArrival.id).limit(1))
    if seen is not None:
        if seen.uidvalidity != uidvalidity or seen.uid != uid:  # where it is now, to move it
            seen.uidvalidity, seen.uid, seen.moved = uidvalidity, uid, False
        return seen, False
    kind, outgoing_mail_id = parsed.kind, _our_letter(parsed.answered_ids)
    # a reply to our letter: without a PDF, the recipient's confirmation (an automatic one
    # too when it names a receipt number, as a Saraban's does); with one, a letter in answer
    # (to register, and the receipt confirmed by it); an out-of-office naming no number or a
    # list's answer stays what it is (the mailbox took the letter; nobody has said so)
    if outgoing_mail_id is not None and (
            kind == ArrivalKind.NO_PDF
            or (kind == ArrivalKind.AUTO_REPLY and parsed.receipt_number)):
        kind = ArrivalKind.CONFIRMATION
    raw_file = store(raw, RAW_MEDIA_TYPE)
    main = store(parsed.main.data, parsed.main.media_type) if parsed.main else None
    enclosures = [{"file_id": store(a.data, a.media_type).id, "filename": a.filename,
                   "media_type": a.media_type} for a in parsed.enclosures]
    arrival = MailArrival(
        mailbox=key, message_id=parsed.message_id, uid=uid, uidvalidity=uidvalidity,
        from_address=parsed.from_address, from_name=parsed.from_name,
        subject=parsed.subject, sent_at=parsed.date, in_reply_to=parsed.in_reply_to,
        reference_ids=parsed.references or None, raw_file_id=raw_file.id,
        main_file_id=main.id if main else None,
        main_filename=parsed.main.filename if parsed.main else None,
        enclosures=enclosures,
        refused=[{"filename": r.filename, "reason": r.reason, "reason_en": r.reason_en}
                 for r in parsed.refused],
        auth_results=parsed.auth_results, kind=kind, status=ArrivalStatus.WAITING,
        moved=False, outgoing_mail_id=outgoing_mail_id,
        receipt_number=(parsed.receipt_number if outgoing_mail_id is not None
                        and kind in (ArrivalKind.CONFIRMATION, ArrivalKind.LETTER) else None),
        bounce_reason=parsed.bounce_reason)
    db.session.add(arrival)
    db.session.flush()
    record("mail.receive", obj=arrival,
           details={"message_id": parsed.message_id, "from": parsed.from_address,
                    "sha256": raw_file.sha256, "kind": kind,
                    **({"outgoing_mail_id": outgoing_mail_id} if outgoing_mail_id else {})})
    return arrival, True


def keep_unreadable(key: str, uidvalidity: int, uid: int, raw: bytes,
                    error: Exception) -> tuple[MailArrival, bool]:
    """A message that could not be read (``take`` failed on it): kept as it came, with the
    error, for a clerk to look at, so that one bad mail does not stop the mailbox. Named by
    its SHA-256: fetched again, it is the same arrival. Flushes only."""
    import hashlib

    from saraban.audit.operations import record
    from saraban.documents.files import store

    message_id = f"<{hashlib.sha256(raw).hexdigest()}@saraban.invalid>"
    seen = db.session.scalar(select(MailArrival).where(MailArrival.mailbox == key,
                                                       MailArrival.message_id == message_id))
    if seen is not None:
        return seen, False
    raw_file = store(raw, RAW_MEDIA_TYPE)
    arrival = MailArrival(mailbox=key, message_id=message_id, uid=uid, uidvalidity=uidvalidity,
                          from_address="", raw_file_id=raw_file.id, kind=ArrivalKind.NO_PDF,
                          status=ArrivalStatus.WAITING,
                          error=f"{type(error).__name__}: {error}"[:2000], moved=False)
    db.session.add(arrival)
    db.session.flush()
    record("mail.receive", obj=arrival, details={"message_id": message_id, "unreadable": True,
                                                 "sha256": raw_file.sha256})
    return arrival, True


def _move(box: Mailbox, arrival_id: int, uid: int, folder: str, report: FetchReport) -> None:
    """Move the taken message ``uid`` to ``folder``, then note it on its arrival (a message
    no longer in the folder read was moved by an earlier run that stopped before noting)."""
    if box.has(uid):
        box.move(uid, folder)
        report.moved += 1
    with unit_of_work("mail: moved"):
        arrival = db.session.get(MailArrival, arrival_id)
        arrival.moved = True


def fetch_once(settings: MailboxSettings | None = None, done_folder: str | None = None, *,
               ssl_context: ssl.SSLContext | None = None) -> FetchReport:
    """One pass over the mailbox: the messages taken but not yet moved are moved, then each
    new message is taken (one unit of work each) and moved. Never raises for the server:
    its error is on the report. ``ssl_context``: for imaps://, the certificates trusted
    (the system's by default)."""
    report = FetchReport()
    try:
        settings = settings or configured_settings()
        folder = done_folder or current_app.config.get("MAIL_DONE_FOLDER") or "Saraban/Done"
        key = mailbox_key(settings)
        with Mailbox(settings, ssl_context=ssl_context) as box:
            with unit_of_work("mail: the mailbox's state"):
                state = _state(key)
                if state.uidvalidity != box.uidvalidity:
                    if state.uidvalidity:
                        log.warning("mailbox %s: UIDVALIDITY %s became %s, read again from the "
                                    "start", key, state.uidvalidity, box.uidvalidity)
                    state.uidvalidity, state.last_uid = box.uidvalidity, 0
                last_uid = state.last_uid
                pending = [(a.id, a.uid) for a in db.session.scalars(
                    select(MailArrival).where(MailArrival.mailbox == key,
                                              MailArrival.uidvalidity == box.uidvalidity,
                                              MailArrival.moved.is_(False))
                    .order_by(MailArrival.uid))]
            for arrival_id, uid in pending:
                _move(box, arrival_id, uid, folder, report)
            for uid, raw in box.messages_after(last_uid):
                report.fetched += 1
                try:
                    with unit_of_work("mail: one message taken"):
                        arrival, new = take(key, box.uidvalidity, uid, raw)
                        arrival_id = arrival.id
                        state = _state(key)
                        state.last_uid = max(state.last_uid, uid)
                except IntegrityError:  # taken at the same moment by another worker
                    db.session.rollback()
                    report.duplicates += 1
                    continue
                except Exception as error:  # noqa: BLE001 - kept with the error, then the next
                    log.warning("mailbox %s: UID %s could not be read: %s", key, uid, error)
                    db.session.rollback()
                    with unit_of_work("mail: a message that could not be read"):
                        arrival, new = keep_unreadable(key, box.uidvalidity, uid, raw, error)
                        arrival_id = arrival.id
                        state = _state(key)
                        state.last_uid = max(state.last_uid, uid)
                finally:
                    db.session.expire_all()
                if new:
                    report.stored += 1
                    report.arrival_ids.append(arrival_id)
                else:
                    report.duplicates += 1
                _move(box, arrival_id, uid, folder, report)
    except MailboxError as error:
        report.error = str(error)
        log.warning("mailbox: %s", error)
    return report


def arrivals(user: User) -> list[MailArrival]:
    """The mails waiting for a clerk, for the keepers of the central receipt register (the
    top unit's); nothing for anyone else. Confirmations of our own letters are not among
    them: they are shown on those letters' deliveries."""
    from saraban.exchange.receiving import central_register
    from saraban.permissions import keeper_unit_ids

    register = central_register()
    if user is None or register is None or register.unit_id not in keeper_unit_ids(user):
        return []
    return list(db.session.scalars(
        select(MailArrival).where(MailArrival.status == ArrivalStatus.WAITING,
                                  MailArrival.kind != ArrivalKind.CONFIRMATION)
        .order_by(MailArrival.received_at, MailArrival.id)))

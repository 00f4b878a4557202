"""Receiving the messages other agencies' installations post to ``/exchange/v1/messages``.

Receiving checks the signature, the digests and the addressee, stores the message,
answers at once with a signed acknowledgement, and registers the letter in the central
receipt register; the accept notice with its เลขรับ (AcceptID) goes back through the
outbox. A message id seen before is answered with the same acknowledgement and never
registered twice. A clerk accepts or rejects, from the list of arrivals, the letters
not registered automatically.

The endpoint is a request: its one transaction is committed by the boundary
(``saraban.transaction``) after the answer is made and before it is sent, so that a peer
holds an acknowledgement only for a message that is stored. Nothing here commits early:
the message row, its letter, its files and its receipt number are one unit; a failure on
the way rolls them back together and the peer, answered with an error, sends the message
again. Committing the row before the letter is taken would answer that retry with the
acknowledgement of a letter never registered.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import HiddenDocument, require_readable
from saraban.documents.models import (
    Document,
    DocumentFile,
    DocumentKind,
    DocumentReference,
    DocumentStatus,
    Enclosure,
    FileRole,
    ReferenceRelation,
)
from saraban.exchange import protocol
from saraban.exchange.models import Direction, ExchangeMessage, MessageStatus, Peer
from saraban.exchange.peers import ExchangeError, our_identity, peer_keys
from saraban.extensions import db
from saraban.permissions import can_see_records, is_top_secret
from saraban.registers.models import Register, RegisterKind
from saraban.units.models import Unit
from saraban.validation import OperationError, clean_text, is_row_id


def _refuse(code: str, th: str, en: str, message, remote: str | None, field=None):
    """Record a refused message (nothing of it is kept) and say why, in both languages."""
    said = message if isinstance(message, dict) else {}

    def trimmed(key: str) -> str | None:  # printable only: no NUL, no lone surrogate
        text = str(said[key])[:40] if key in said else None
        return None if text is None else "".join(c if c.isprintable() else "?" for c in text)

    _log_refusal(code, trimmed("From"), trimmed("MessageID"), remote)
    db.session.flush()  # committed with the refused request: the answer is no error
    return protocol.refusal_answer(code, en, th, field)


REFUSALS_KEPT = 1000


def _log_refusal(reason: str, claimed_from: str | None, message_id: str | None,
                 remote: str | None) -> None:
    """Count a refusal in ``exchange_refusal``, not in the audit chain: anyone may post to
    the endpoint, and a chained event per junk message would let them grow the chain and
    take its lock at will. Repeats from one address for one reason add to one row; past
    ``REFUSALS_KEPT`` rows the oldest go."""
    from saraban.exchange.models import ExchangeRefusal

    now = utcnow()
    remote = remote[:64] if remote else None
    begin_write(db.session)
    row = db.session.scalar(select(ExchangeRefusal).where(
        ExchangeRefusal.remote_addr.is_(None) if remote is None
        else ExchangeRefusal.remote_addr == remote,
        ExchangeRefusal.reason == reason,
        ExchangeRefusal.claimed_from.is_(None) if claimed_from is None
        else ExchangeRefusal.claimed_from == claimed_from).limit(1))
    if row is not None:
        row.count += 1
        row.last_at, row.last_message_id = now, message_id
        return
    row = ExchangeRefusal(remote_addr=remote, reason=reason, claimed_from=claimed_from,
                          last_message_id=message_id, first_at=now, last_at=now, count=1)
    db.session.add(row)
    db.session.flush()
    db.session.execute(delete(ExchangeRefusal).where(
        ExchangeRefusal.id <= row.id - REFUSALS_KEPT))


def receive(raw: bytes, remote: str | None = None) -> tuple[int, dict]:
    """Handle one message posted by a peer; gives the HTTP status and the JSON answer.
    Flushes only: the endpoint's request commits it, refusals counted included."""
    try:
        message = json.loads(raw)
        json.dumps(message, ensure_ascii=False).encode("utf-8")  # no lone surrogate escapes
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json reads
        return _refuse("malformed", "ข้อมูลไม่ใช่ JSON", "The body is not JSON.", None, remote)
    us = our_identity()
    message_id = message.get("MessageID") if isinstance(message, dict) else None
    if isinstance(message_id, str) and message_id.isprintable():  # PostgreSQL refuses NUL
        seen = db.session.scalar(select(ExchangeMessage).where(
            ExchangeMessage.direction == Direction.IN,
            ExchangeMessage.message_id == message_id))
        if seen is not None:
            return _repeat(seen, message, remote)
    try:
        checked = protocol.verify(message, peer_keys=peer_keys, our_code=us.code,
                                  now=utcnow())
    except protocol.ExchangeRefusal as refusal:
        return _refuse(refusal.code, refusal.message_th, refusal.message_en, message, remote,
                       refusal.field)
    peer = db.session.scalar(select(Peer).where(Peer.code == checked.sender))
    begin_write(db.session)
    now = utcnow()
    ack = protocol.build_notice(us, peer.code, "delivery", checked.message_id,
                                {"ReceivedAt": now.isoformat()})
    row = ExchangeMessage(direction=Direction.IN, message_id=checked.message_id,
                          kind=checked.kind, peer=peer, in_reply_to=checked.in_reply_to,
                          status=MessageStatus.RECEIVED, digest=checked.digest,
                          payload=raw.decode("utf-8"), ack=json.dumps(ack, ensure_ascii=False))
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # the same message, arriving twice at the same moment
        db.session.rollback()
        seen = db.session.scalar(select(ExchangeMessage).where(
            ExchangeMessage.direction == Direction.IN,
            ExchangeMessage.message_id == checked.message_id))
        return _repeat(seen, message, remote)
    if checked.kind == "letter":
        _take_letter(row, checked.letter, peer, us)
    elif checked.kind in ("accept", "reject", "invalid"):
        _take_notice(row, checked, peer)
    record("exchange.receive", obj=row, document_id=row.document_id, remote_addr=remote,
           details={"from": peer.code, "kind": row.kind, "message_id": row.message_id})
    db.session.flush()  # the request's boundary commits, before the acknowledgement is sent
    return 200, ack


def _repeat(seen: ExchangeMessage, message, remote) -> tuple[int, dict]:
    """The same message again: the same answer, nothing registered twice."""
    if protocol.digest(message) != seen.digest:
        return _refuse("replay", "เลขข้อความนี้เคยได้รับแล้วแต่เนื้อหาไม่ตรงกัน",
                       "This message id was received before with different content.",
                       message, remote)
    return 200, json.loads(seen.ack)


def central_register() -> Register | None:
    """Where letters from other agencies are registered: the configured register, or the
    first receipt register of the top unit that keeps registers."""
    wanted = current_app.config.get("EXCHANGE_REGISTER_ID")
    if wanted:
        return db.session.get(Register, int(wanted))
    return db.session.scalar(
        select(Register).join(Unit, Unit.id == Register.unit_id)
        .where(Register.kind == RegisterKind.RECEIPT, Register.is_secret.is_(False),
               Unit.parent_id.is_(None)).order_by(Register.id).limit(1))


def _registry_officers(secrecy: int) -> list[User]:
    """The registry officers (the cleared clerks) of the unit that keeps the central
    register: a classified letter from another agency is named to them, who pass it on by
    name."""
    from saraban.accounts.models import Role
    from saraban.documents.access import cleared_members

    register = central_register()
    if register is None:
        return []
    return cleared_members(register.unit_id, Role.CLERK, secrecy)


def keep_arrival(document: Document, main_content: bytes | None,
                 main_filename: str | None) -> None:
    """What every channel does with the document of a letter that arrived, once it is
    flushed: its main file kept as the original (encrypted at rest when it is classified),
    and a classified letter named to the central register's cleared registry officers."""
    from saraban.documents.access import name_reader
    from saraban.documents.files import sniff, store

    if main_content is not None:
        stored = store(main_content, sniff(main_content), secret=document.secrecy > 0)
        db.session.add(DocumentFile(document_id=document.id, file_id=stored.id,
                                    role=FileRole.ORIGINAL, filename=(main_filename or "")[:255]))
    if document.secrecy > 0:
        for person in _registry_officers(document.secrecy):
            name_reader(document, person, None)


def _refusal(letter: protocol.Letter) -> tuple[str, str] | None:
    """Why a letter that passed the protocol's checks is still not taken, as the notice
    kind (``invalid``: its files; ``reject``: its secrecy) and the reason the sender
    reads; None when it is taken."""
    from saraban.documents.files import check_upload

    for file in [letter.main_file, *letter.attachment_files]:
        if file is None:
            continue
        try:  # the same checks as a clerk's upload: content, not name or declared type
            check_upload(file.content)
        except OperationError as error:
            return "invalid", (f"ไฟล์ {file.filename[:100]}: {error.message_th} "
                               f"(file {file.filename[:100]}: {error.message_en})")
    if is_top_secret(letter):
        return "reject", ("หนังสือชั้นลับที่สุดไม่รับทางระบบ ให้ส่งตัวหนังสือตามระเบียบว่าด้วยการรักษา"
                          "ความลับของทางราชการ (top-secret letters are not received "
                          "electronically: send the paper letter)")
    if letter.secrecy > 0 and not _registry_officers(letter.secrecy):
        return "reject", ("ไม่มีเจ้าหน้าที่ทะเบียนที่มีสิทธิ์เข้าถึงหนังสือชั้นความลับนี้ "
                          "จึงรับหนังสือนี้ทางระบบไม่ได้ (no registry officer here is "
                          "cleared for this secrecy level)")
    return None


def _take_letter(row: ExchangeMessage, letter: protocol.Letter, peer: Peer,
                 us: protocol.Identity) -> None:
    from saraban.documents.files import sniff, store
    from saraban.documents.operations import normalize_number, strip_thi
    from saraban.registers.operations import earlier_receipt

    refusal = _refusal(letter)
    if refusal is not None:  # nothing of it is registered; the sender is told why
        kind, reason = refusal
        row.status = MessageStatus.REFUSED
        row.reason = reason
        _queue_notice(row, protocol.build_notice(us, peer.code, kind, row.message_id,
                                                 {"Reason": reason}))
        return

    document = Document(
        kind=DocumentKind.EXTERNAL, number=strip_thi(letter.number),
        number_norm=normalize_number(letter.number), doc_date=letter.date,
        subject=letter.subject, addressee=letter.receiver.position or letter.receiver.name,
        sender_text=letter.sender.name, origin_agency_id=peer.agency_id,
        signature_text=letter.sender.position, body=letter.description,
        urgency=letter.urgency, secrecy=letter.secrecy, status=DocumentStatus.REGISTERED,
        source_key=f"exchange:{peer.code}:{row.message_id}")
    for i, ref in enumerate(letter.references):
        text = " ".join(x for x in (ref.number, f"ลง {ref.date}" if ref.date else None,
                                    f"เรื่อง {ref.subject}" if ref.subject else None) if x)
        document.references.append(DocumentReference(
            relation=ReferenceRelation.CITES, text=text, position=i))
    files = {f.filename: f for f in letter.attachment_files}
    for i, enclosure in enumerate(letter.enclosures):
        attached = files.pop(enclosure.filename, None) if enclosure.filename else None
        document.enclosures.append(Enclosure(
            position=i, description=enclosure.description,
            file=store(attached.content, sniff(attached.content), secret=letter.secrecy > 0)
            if attached else None))
    db.session.add(document)
    db.session.flush()
    main = letter.main_file
    keep_arrival(document, main.content if main else None, main.filename if main else None)
    row.document_id = document.id
    register = central_register()
    earlier = earlier_receipt(register.unit_id, document) if register is not None else None
    if earlier is not None:
        # the same letter (sender, number, date) already received, by this or another
        # channel: it waits in the arrivals list, marked, for a clerk to decide
        row.duplicate_of_id = earlier.id
        record("exchange.possible_duplicate", obj=row, document_id=document.id,
               unit_id=register.unit_id,
               details={"message_id": row.message_id, "duplicate_of": earlier.id})
        return
    if not current_app.config.get("EXCHANGE_AUTO_REGISTER", True):
        return  # a clerk accepts it (or rejects it) from the list of arrivals
    if register is None:
        return
    _register(row, document, register, us, user=None)


def _register(row: ExchangeMessage, document: Document, register: Register,
              us: protocol.Identity, user: User | None) -> None:
    from saraban.registers.operations import enter_receipt
    from saraban.thaidate import to_thai_digits

    receipt = enter_receipt(register, document, None, user)
    row.status = MessageStatus.REGISTERED
    row.receipt_id = receipt.id
    row.accept_id = str(receipt.number)
    row.accepted_at = receipt.received_at
    notice = protocol.build_notice(us, row.peer.code, "accept", row.message_id, {
        "AcceptID": str(receipt.number), "AcceptDate": receipt.received_at.isoformat(),
        "RegisterName": f"{register.name} เลขรับ {to_thai_digits(receipt.number)}"})
    _queue_notice(row, notice)


def _queue_notice(row: ExchangeMessage, notice: dict) -> None:
    db.session.add(ExchangeMessage(
        direction=Direction.OUT, message_id=notice["MessageID"], kind=notice["MessageType"],
        peer=row.peer, document_id=row.document_id, in_reply_to=row.message_id,
        status=MessageStatus.QUEUED, digest=protocol.digest(notice),
        payload=json.dumps(notice, ensure_ascii=False), next_attempt_at=utcnow()))


def _take_notice(row: ExchangeMessage, checked, peer: Peer) -> None:
    letter = db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.direction == Direction.OUT, ExchangeMessage.kind == "letter",
        ExchangeMessage.message_id == checked.in_reply_to, ExchangeMessage.peer_id == peer.id))
    row.status = MessageStatus.REGISTERED
    if letter is None:
        return
    row.document_id = letter.document_id
    body = checked.body
    if checked.kind == "accept":
        letter.status = MessageStatus.ACCEPTED
        letter.accept_id = str(body.get("AcceptID"))
        letter.accepted_at = _when(body.get("AcceptDate")) or utcnow()
    else:
        letter.status = (MessageStatus.REJECTED if checked.kind == "reject"
                         else MessageStatus.INVALID)
        letter.reason = str(body.get("Reason") or "")
    if letter.delivered_at is None:
        letter.delivered_at = utcnow()


def _when(text) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


# --- a clerk's decisions on letters that arrived (when not registered automatically) --

def _keeps_central(user: User) -> bool:
    """Letters that arrived and wait belong to the clerks of the central register's unit."""
    register = central_register()
    return register is not None and can_see_records(user, register.unit_id)


def arrivals(user: User) -> list[ExchangeMessage]:
    """Letters waiting to be accepted, for the clerks of the central register's unit; a
    secret one only for its named, cleared officers (to the others, not even a count)."""
    from saraban.documents.access import secrecy_filter

    if not _keeps_central(user):
        return []
    return list(db.session.scalars(
        select(ExchangeMessage).join(Document, Document.id == ExchangeMessage.document_id)
        .where(ExchangeMessage.direction == Direction.IN,
               ExchangeMessage.kind == "letter",
               ExchangeMessage.status == MessageStatus.RECEIVED, secrecy_filter(user))
        .order_by(ExchangeMessage.id)))


def _arrival(user: User, row_id) -> ExchangeMessage:

    row = db.session.get(ExchangeMessage, row_id) if is_row_id(row_id) else None
    missing = ("ไม่พบหนังสือที่ได้รับนี้", "No such arrival.")
    if row is None or row.direction != Direction.IN or row.kind != "letter":
        raise HiddenDocument(*missing)
    if row.document_id is not None:  # a secret letter: its named registry officers only
        require_readable(user, row.document_id, not_found=missing)
    if not _keeps_central(user):
        raise ExchangeError("เฉพาะเจ้าหน้าที่สารบรรณของหน่วยที่ถือทะเบียนรับกลาง",
                            "Only the clerks of the central register's unit.", status=403)
    if row.status != MessageStatus.RECEIVED:
        raise ExchangeError("หนังสือนี้ดำเนินการไปแล้ว", "Already decided.", status=409)
    return row


def accept_arrival(user: User, row_id, register_id: int | None = None) -> ExchangeMessage:
    from saraban.registers.operations import register_for

    begin_write(db.session)
    row = _arrival(user, row_id)
    register = register_for(user, register_id, RegisterKind.RECEIPT) if register_id else (
        central_register())  # the clerk of the central register's unit, checked above
    if register is None:
        raise ExchangeError("ไม่พบทะเบียนหนังสือรับ", "No receipt register.", status=409)
    _register(row, db.session.get(Document, row.document_id), register, our_identity(), user)
    db.session.flush()
    record("exchange.accept", user=user, obj=row, document_id=row.document_id,
           details={"accept_id": row.accept_id})
    return row


def reject_arrival(user: User, row_id, reason, kind: str = "reject") -> ExchangeMessage:
    reason = clean_text(reason, "reason", "เหตุผล", max_length=1000, required=True)
    begin_write(db.session)
    row = _arrival(user, row_id)
    row.status = MessageStatus.REFUSED
    row.reason = reason
    notice = protocol.build_notice(our_identity(), row.peer.code,
                                   "invalid" if kind == "invalid" else "reject",
                                   row.message_id, {"Reason": reason})
    _queue_notice(row, notice)
    db.session.flush()
    record("exchange.reject", user=user, obj=row, document_id=row.document_id,
           details={"reason": reason, "kind": kind})
    return row


def exchange_of(document_id: int) -> list[ExchangeMessage]:
    """The letters a document went out or came in as (for its history)."""
    return list(db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.document_id == document_id,
                                      ExchangeMessage.kind == "letter",
                                      or_(ExchangeMessage.direction == Direction.OUT,
                                          ExchangeMessage.direction == Direction.IN))
        .order_by(ExchangeMessage.id)))

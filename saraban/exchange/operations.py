"""Sending letters to other agencies' installations and receiving theirs.

Sending puts a signed message in the outbox in the same transaction as the clerk's
action; the worker delivers it, again and again with a growing pause while the peer is
down, until the peer acknowledges it (delivery is at least once). Receiving checks the
signature, the digests and the addressee, stores the message, answers at once with a
signed acknowledgement, and registers the letter in the central receipt register; the
accept notice with its เลขรับ (AcceptID) goes back through the outbox. A message id seen
before is answered with the same acknowledgement and never registered twice.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import HiddenDocument, document_for_clerk, require_readable
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
from saraban.extensions import db
from saraban.registers.models import Register, RegisterKind
from saraban.units.models import Agency, Unit
from saraban.validation import OperationError, clean_text, is_row_id

PATH = "/exchange/v1/messages"
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 3600.0  # seconds
LEASE = dt.timedelta(minutes=5)  # a worker's claim on a message it is sending
TIMEOUT = 30


class ExchangeError(OperationError):
    """A refusal about the exchange, with Thai and English messages."""


def exchange_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "exchange"


def our_identity() -> protocol.Identity:
    try:
        return protocol.load_identity(exchange_dir())
    except protocol.ExchangeError as error:
        raise ExchangeError(
            "ยังไม่ได้ตั้งค่าตัวตนของหน่วยงานสำหรับรับส่งหนังสือ (saraban exchange init)",
            f"This installation has no exchange identity yet ({error}).", status=409) from None


# --- peers ----------------------------------------------------------------------------

def add_peer(code: str, url: str, public_key: str, name: str | None = None) -> Peer:
    code = (code or "").strip().upper()
    protocol.check_code(code)
    protocol.public_key_from_text(public_key)
    if not url.startswith(("http://", "https://")):
        raise ExchangeError("ที่อยู่ต้องขึ้นต้นด้วย http:// หรือ https://",
                            "The URL must start with http:// or https://.", field="url")
    begin_write(db.session)
    if db.session.scalar(select(Peer.id).where(Peer.code == code)) is not None:
        raise ExchangeError(f"มีหน่วยงาน {code} อยู่แล้ว", f"Peer {code} already exists.",
                            status=409)
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, short_name=name or code, name_th=name or code)
        db.session.add(agency)
    peer = Peer(code=code, name=name or agency.name_th, url=url.rstrip("/"),
                public_key=public_key.strip(), agency=agency)
    db.session.add(peer)
    db.session.flush()
    record("exchange.peer_add", obj=peer, details={"code": code, "url": peer.url})
    return peer


def set_peer(code: str, *, active: bool | None = None, public_key: str | None = None,
             url: str | None = None) -> Peer:
    begin_write(db.session)
    peer = db.session.scalar(select(Peer).where(Peer.code == (code or "").strip().upper()))
    if peer is None:
        raise ExchangeError(f"ไม่พบหน่วยงาน {code}", f"No peer {code}.", status=404)
    before = {"active": peer.active, "public_key": peer.public_key, "url": peer.url}
    if public_key is not None:
        protocol.public_key_from_text(public_key)
        peer.public_key = public_key.strip()
    if active is not None:
        peer.active = active
    if url is not None:
        peer.url = url.rstrip("/")
    db.session.flush()
    record("exchange.peer_change", obj=peer, details={
        "before": before, "after": {"active": peer.active, "public_key": peer.public_key,
                                    "url": peer.url}})
    return peer


def _peer_keys(code: str):
    peer = db.session.scalar(select(Peer).where(Peer.code == code, Peer.active))
    return protocol.public_key_from_text(peer.public_key) if peer else None


# --- sending --------------------------------------------------------------------------

_FILE_ORDER = (FileRole.ORIGINAL, FileRole.SCAN, FileRole.STAMPED, FileRole.CERTIFIED)


def _letter(document: Document, us: protocol.Identity, peer: Peer) -> protocol.Letter:
    from saraban.documents.files import served_copy

    def read(stored):  # what leaves the saraban carries no active content
        return served_copy(stored)[0]

    files = sorted(document.files, key=lambda f: (_FILE_ORDER.index(f.role), f.id))
    main = None
    if files:
        f = files[0]
        main = protocol.BinaryFile(f.filename, f.file.media_type, read(f.file))
    enclosures, attachments = [], []
    for i, e in enumerate(document.enclosures):
        name = f"enclosure-{i + 1}" if e.file is not None else None
        enclosures.append(protocol.Enclosure(e.description, name))
        if e.file is not None:
            attachments.append(protocol.BinaryFile(name, e.file.media_type, read(e.file)))
    signer = document.signer.display_name if document.signer else None
    return protocol.Letter(
        number=document.number, date=document.doc_date, subject=document.subject,
        secrecy=document.secrecy, urgency=document.urgency,
        sender=protocol.Party(us.code, us.name, signer, document.signature_text),
        receiver=protocol.Party(peer.code, peer.name, None, document.addressee),
        references=[protocol.Reference(r.text) for r in document.references],
        enclosures=enclosures,
        send_date=utcnow().replace(microsecond=0), main_file=main, attachment_files=attachments,
        description=document.body)


def exchange_document(user: User, document_id, to_code) -> ExchangeMessage:
    """Queue a numbered document for another agency's installation (flushes only)."""
    document = document_for_clerk(user, document_id, "ส่งหนังสือถึงหน่วยงานภายนอก",
                                  "send to another agency")
    # no peer's code holds control characters (and PostgreSQL refuses NUL in a query)
    code = to_code.strip().upper() if isinstance(to_code, str) and to_code.isprintable() else ""
    peer = db.session.scalar(select(Peer).where(Peer.code == code))
    if peer is None or not peer.active:
        raise ExchangeError("ไม่พบหน่วยงานปลายทางที่รับส่งหนังสือกันได้",
                            f"No active peer '{code}'.", status=404, field="to")
    if not document.number:
        raise ExchangeError("หนังสือยังไม่มีเลขที่ กรุณาออกเลขหนังสือส่งก่อน",
                            "The document has no number yet: number it first.", status=409)
    if document.secrecy >= 3:
        raise ExchangeError("หนังสือลับที่สุดไม่ส่งทางระบบ ให้ส่งตัวหนังสือตามระเบียบ",
                            "Top-secret documents are not sent electronically.", status=409)
    if document.secrecy > 0 and not carries_secrets(peer.url):
        raise _clear_text_refusal(peer)
    us = our_identity()
    message = protocol.build_letter(us, peer.code, _letter(document, us, peer))
    begin_write(db.session)
    now = utcnow()
    row = ExchangeMessage(direction=Direction.OUT, message_id=message["MessageID"],
                          kind="letter", peer=peer, document_id=document.id,
                          status=MessageStatus.QUEUED, digest=protocol.digest(message),
                          payload=json.dumps(message, ensure_ascii=False), next_attempt_at=now,
                          created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    record("exchange.queue", user=user, obj=row, document_id=document.id,
           details={"to": peer.code, "message_id": row.message_id})
    return row


def carries_secrets(url: str) -> bool:
    """Whether a secret letter may travel to ``url``: over HTTPS, or to this machine's own
    loopback address (tests, a local relay); never in clear over a network."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clear_text_refusal(peer: Peer) -> ExchangeError:
    return ExchangeError(
        f"หนังสือลับส่งถึง {peer.code} ได้เฉพาะทาง HTTPS ที่อยู่ของหน่วยงานนี้เป็น http:// "
        "ให้ผู้ดูแลระบบแก้ที่อยู่เป็น https:// ก่อน",
        f"A classified letter goes to {peer.code} only over HTTPS; its URL is plain http://.",
        status=409, field="to")


def resend(user: User, row_id) -> ExchangeMessage:
    """Withdraw a rejected letter and send it again as a new message."""
    row = db.session.get(ExchangeMessage, row_id) if is_row_id(row_id) else None
    if row is None or row.direction != Direction.OUT or row.kind != "letter":
        raise HiddenDocument("ไม่พบรายการส่งนี้", "No such outgoing letter.")
    require_readable(user, row.document_id, not_found=("ไม่พบรายการส่งนี้",
                                                       "No such outgoing letter."))
    document_for_clerk(user, row.document_id, "ส่งหนังสือซ้ำ", "resend")
    if row.status not in (MessageStatus.REJECTED, MessageStatus.INVALID, MessageStatus.FAILED):
        raise ExchangeError("ส่งซ้ำได้เฉพาะหนังสือที่ถูกปฏิเสธหรือส่งไม่สำเร็จ",
                            "Only a rejected or failed letter is sent again.", status=409)
    row.status = MessageStatus.WITHDRAWN
    return exchange_document(user, row.document_id, row.peer.code)


# --- the worker ---------------------------------------------------------------------------

def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


@dataclass
class WorkReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim(limit: int) -> list[int]:
    """Take the due messages for this worker (one short transaction), so that two
    workers do not send the same one at the same time."""
    now = utcnow()
    begin_write(db.session)
    rows = db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.direction == Direction.OUT,
                                      ExchangeMessage.status == MessageStatus.QUEUED,
                                      ExchangeMessage.next_attempt_at <= now)
        .order_by(ExchangeMessage.next_attempt_at, ExchangeMessage.id).limit(limit)).all()
    for row in rows:
        row.next_attempt_at = now + LEASE
    db.session.commit()
    return [r.id for r in rows]


def work_once(limit: int = 50) -> WorkReport:
    """One pass: deliver what is due, each message in its own transaction."""
    report = WorkReport()
    for row_id in _claim(limit):
        outcome = deliver(row_id)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def deliver(row_id: int) -> str:
    """Send one message; gives 'sent', 'retried' or 'failed' (commits)."""
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
        db.session.commit()
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
            checked = protocol.verify(ack, peer_keys=_peer_keys, our_code=our_identity().code,
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
            db.session.commit()
            return "sent"
    row.attempts += 1
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        row.status = MessageStatus.FAILED
        row.last_error = f"HTTP {status}: {body[:500].decode('utf-8', 'replace')}"
        row.next_attempt_at = None
        record("exchange.failed", obj=row, document_id=row.document_id,
               details={"to": peer.code, "error": row.last_error})
        db.session.commit()
        return "failed"
    sent_at = json.loads(row.payload).get("Timestamp", "")
    if _too_old(sent_at, now):
        row.status = MessageStatus.FAILED
        row.last_error = "หมดอายุก่อนส่งถึง (expired before delivery)"
        row.next_attempt_at = None
        db.session.commit()
        return "failed"
    row.last_error = error or f"HTTP {status}"
    row.next_attempt_at = now + backoff(row.attempts)
    db.session.commit()
    return "retried"


def _too_old(timestamp: str, now: dt.datetime) -> bool:
    try:
        at = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    return now - at > protocol.MAX_AGE - dt.timedelta(hours=1)


# --- receiving ---------------------------------------------------------------------------

def _refuse(code: str, th: str, en: str, message, remote: str | None, field=None):
    """Record a refused message (nothing of it is kept) and say why, in both languages."""
    said = message if isinstance(message, dict) else {}

    def trimmed(key: str) -> str | None:  # printable only: no NUL, no lone surrogate
        text = str(said[key])[:40] if key in said else None
        return None if text is None else "".join(c if c.isprintable() else "?" for c in text)

    _log_refusal(code, trimmed("From"), trimmed("MessageID"), remote)
    db.session.commit()
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
    """Handle one message posted by a peer; gives the HTTP status and the JSON answer."""
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
        checked = protocol.verify(message, peer_keys=_peer_keys, our_code=us.code,
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
    db.session.commit()
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
    if letter.secrecy >= 3:
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
    from saraban.documents.access import name_reader
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
    if letter.main_file is not None:
        stored = store(letter.main_file.content, sniff(letter.main_file.content),
                       secret=letter.secrecy > 0)  # kept encrypted at rest
        db.session.add(DocumentFile(document_id=document.id, file_id=stored.id,
                                    role=FileRole.ORIGINAL,
                                    filename=letter.main_file.filename[:255]))
    row.document_id = document.id
    if document.secrecy > 0:
        for person in _registry_officers(document.secrecy):
            name_reader(document, person, None)
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
    from saraban.accounts.models import Role
    from saraban.documents.access import member_unit_ids

    register = central_register()
    if register is None:
        return False
    return user.sees_all or register.unit_id in (
        member_unit_ids(user, Role.CLERK) + member_unit_ids(user, Role.ADMIN))


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

"""The e-CMS worker: one round (``work_once``) pushes what the outbox holds, pulls what our
node has queued for us, deals with what was pulled, and pushes the answers.

Pulling (SPEC.md §4.4). Each item is stored (unique on the node's ProcessID, the raw XML and
its SHA-256 kept as evidence) and COMMITTED, and only then deleted from the node's queue. An
item whose ProcessID is already stored (a crash between the commit and the delete) is deleted
again and not stored twice; an item we cannot read is stored as ``Unknown`` and deleted too, so
that nothing is pulled forever (mil-doc's bug: a duplicated notifier it never deletes).
Dealing with a stored item is a unit of its own, driven by the stored row's state and not by
the pull, so that an item stored before a crash is dealt with exactly once.

An arriving letter is read by ``mapping.arriving_letter`` and registered the way a
saraban-exchange/1 letter is (``exchange.receiving``): the document, its files (kept
encrypted when secret), the central receipt register, its registry officers named readers of
a secret letter; a letter that was received before (same sender, ที่ and date) or arrives while
``EXCHANGE_AUTO_REGISTER`` is off waits for a clerk (``accept_pending``). It is answered with
``ReceiveLetterNotifier`` at once and ``AcceptLetterNotifier`` (AcceptID = our เลขรับ) once
registered; a letter we may not take with the notifier the mapping names (Reject / Invalid).

Signatures (XML-DSig, ``signature.verify_letter``). Every arriving letter's ``ds:Signature`` is
checked when it is dealt with and the result kept on its row (absent / valid / invalid, the
algorithms, trusted, the signer). An INVALID one is not registered automatically and is not
answered: its document is made and it waits for a clerk with a Thai warning in ``last_error``.
Not InvalidLetterNotifier, because what DGA's nodes sign and how is not known (c14n,
transforms, trust anchor: SPEC.md §4.2), so a failure may be our mismatch with a genuine
letter, and an automatic Invalid would refuse it for good; and a letter that does not verify
may not come from the sender it names at all, so it is told nothing (not even Receive) until a
person who can check with the sender has decided (``accept_pending`` then sends Receive and
Accept; ``refuse_pending`` Reject or Invalid). Outbound letters are signed by the client just
before they go when SARABAN_ECMS_SIGN=1 (``configured_signer``), and the sent row says how.

Notifiers about letters we sent carry no message id: they are matched by LetterID,
CorrespondenceDate and the accepting department, and applied once (the same notifier again,
under another ProcessID, is kept as ``duplicate`` and deleted). ``InvalidAcceptIDNotifier``
flags the receipt line of the letter it names (``last_error`` on its message, this round).

Pushing. Letters, notifiers and withdrawals are sent in the order they were queued, each
outcome committed on its own. A letter whose send timed out after it went out is ``unknown``
and is never sent again blindly: the next round asks ``OutboundStatusRequest`` first and
takes the ProcessID the node lists for it, or sends it again only when the node lists none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.exchange.ecms import codec, signature
from saraban.exchange.ecms.client import EcmsClient, EcmsTransportError
from saraban.exchange.ecms.mapping import (
    INVALID,
    REJECT,
    Arrival,
    EcmsRefusal,
    arriving_letter,
    same_number,
)
from saraban.exchange.ecms.messages import (
    DEPARTMENT_ID,
    NOTIFIER_KINDS,
    EcmsError,
    InboundItem,
    Letter,
    LetterKey,
    Notifier,
)
from saraban.exchange.ecms.models import (
    Direction,
    EcmsMessage,
    EcmsOrganization,
    MessageState,
    SignatureStatus,
)
from saraban.exchange.ecms.sending import LETTER, WITHDRAW, _queue, digest
from saraban.extensions import db
from saraban.thaidate import BANGKOK
from saraban.transaction import unit_of_work

UNKNOWN = "Unknown"
ANSWERS_TO_SENDER = ("ReceiveLetterNotifier", "AcceptLetterNotifier", "RejectLetterNotifier",
                     "InvalidLetterNotifier")
STATE_OF = {"ReceiveLetterNotifier": MessageState.RECEIVED,
            "AcceptLetterNotifier": MessageState.ACCEPTED,
            "RejectLetterNotifier": MessageState.REJECTED,
            "InvalidLetterNotifier": MessageState.INVALID}


@dataclass
class WorkReport:
    """What one round did, for the CLI and the tests."""

    pulled: int = 0  # new items stored
    repeated: int = 0  # items pulled again whose ProcessID was stored already
    deleted: int = 0
    registered: int = 0
    pending: int = 0  # letters waiting for a clerk
    unverified: int = 0  # of them, letters whose signature is invalid
    refused: int = 0
    applied: int = 0  # notifiers applied to our messages
    duplicates: int = 0  # notifiers applied before, under another ProcessID
    unmatched: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"ดึงมา {self.pulled} (ซ้ำ {self.repeated}) ลบจากคิว {self.deleted} "
                f"ลงทะเบียนรับ {self.registered} รอเจ้าหน้าที่ {self.pending} "
                f"(ลายมือชื่อไม่ผ่าน {self.unverified}) "
                f"ปฏิเสธ {self.refused} แจ้งผล {self.applied} ส่งแล้ว {self.sent} "
                f"ไม่สำเร็จ {self.failed} รอตรวจสถานะ {self.unknown}")


def configured_client() -> EcmsClient:
    """The client for this agency's node (SARABAN_ECMS_NODE_URL, SARABAN_ECMS_ORG_ID)."""
    url = current_app.config.get("ECMS_NODE_URL")
    org = current_app.config.get("ECMS_ORG_ID")
    if not url or not org:
        raise EcmsError("ยังไม่ได้ตั้งค่า SARABAN_ECMS_NODE_URL และ SARABAN_ECMS_ORG_ID",
                        "Set SARABAN_ECMS_NODE_URL and SARABAN_ECMS_ORG_ID first.")
    return EcmsClient(url, org, sign=configured_signer())


def configured_signer() -> signature.LetterSigner | None:
    """The outbound signer when SARABAN_ECMS_SIGN=1 (its key and certificate files), else
    None: letters go unsigned, as both public clients send them."""
    config = current_app.config
    if not config.get("ECMS_SIGN"):
        return None
    with open(config["ECMS_SIGN_KEY"], "rb") as key, open(config["ECMS_SIGN_CERT"], "rb") as cert:
        return signature.LetterSigner(key.read(), cert.read(),
                                      config.get("ECMS_SIGN_ALGORITHM") or "rsa-sha256")


def work_once(client: EcmsClient | None = None, *, max_items: int = 100) -> WorkReport:
    """One round: push, pull (at most ``max_items``), deal with what is stored, push the
    answers. Commits per item; never raises for the node being away (see ``errors``).
    Signing is this installation's setting: a client given without a signer gets it."""
    client = client or configured_client()
    if client.sign is None:
        client.sign = configured_signer()
    report = WorkReport()
    push(client, report)
    pull(client, report, max_items=max_items)
    take_stored(report)
    push(client, report)
    return report


# --- pull --------------------------------------------------------------------------------

def pull(client: EcmsClient, report: WorkReport, *, max_items: int = 100) -> None:
    """Store each queued item (committed), then delete it from the node's queue."""
    for _ in range(max_items):
        try:
            item = client.pull()
        except EcmsError as error:
            report.errors.append(f"pull: {error}")
            return
        if item is None:
            return
        row_id = _store(item, report)
        try:
            client.delete(item.process_id)
        except EcmsError as error:
            # it stays queued and comes back in the next round, where it is found stored
            report.errors.append(f"delete {item.process_id}: {error}")
            return
        report.deleted += 1
        with unit_of_work("e-CMS item deleted from the node's queue"):
            row = db.session.get(EcmsMessage, row_id)
            if row.deleted_at is None:
                row.deleted_at = utcnow()


def _stored(process_id: str) -> EcmsMessage | None:
    return db.session.scalar(select(EcmsMessage).where(
        EcmsMessage.direction == Direction.IN, EcmsMessage.process_id == process_id))


def _store(item: InboundItem, report: WorkReport) -> int:
    """The stored row's id for ``item``: the one stored before, or a new one (committed)."""
    with unit_of_work("e-CMS item pulled"):
        seen = _stored(item.process_id)
        if seen is not None:
            report.repeated += 1
            return seen.id
    letter, notifier = item.letter, item.notifier
    about = letter or notifier
    if letter is not None:
        operation, counterpart = LETTER, letter.sender.department_id
    elif notifier is not None:
        operation, counterpart = notifier.kind, notifier.accept_department
    else:
        operation, counterpart = UNKNOWN, None
    if counterpart is not None and not DEPARTMENT_ID.fullmatch(counterpart):
        counterpart = None
    raw = item.raw or None
    try:
        with unit_of_work("e-CMS item pulled"):
            begin_write(db.session)
            row = EcmsMessage(
                direction=Direction.IN, operation=operation,
                process_id=item.process_id[:100], process_time=(item.process_time or "")[:60],
                letter_id=about.letter_id[:200] if about else None,
                correspondence_date=about.date if about else None,
                subject=about.subject if about else None, counterpart_id=counterpart,
                raw=raw, raw_sha256=digest(raw) if raw else None,
                state=MessageState.STORED if about else MessageState.UNMATCHED,
                accept_id=(notifier.accept_id or None) if notifier else None,
                accept_date=(notifier.accept_date or None) if notifier else None,
                pulled_at=utcnow(), attempts=0)
            db.session.add(row)
            db.session.flush()
            record("ecms.pull", obj=row, details={"process_id": row.process_id,
                                                   "operation": operation,
                                                   "sha256": row.raw_sha256})
            report.pulled += 1
            return row.id
    except IntegrityError:  # another worker stored it at the same moment
        with unit_of_work("e-CMS item pulled"):
            report.repeated += 1
            return _stored(item.process_id).id


# --- what was pulled ---------------------------------------------------------------------

def take_stored(report: WorkReport) -> None:
    """Deal with every stored item not yet dealt with, each in its own unit of work."""
    with unit_of_work("e-CMS stored items"):
        ids = list(db.session.scalars(select(EcmsMessage.id).where(
            EcmsMessage.direction == Direction.IN, EcmsMessage.state == MessageState.STORED)
            .order_by(EcmsMessage.id)))
    for row_id in ids:
        try:
            with unit_of_work("e-CMS arrival"):
                begin_write(db.session)
                row = db.session.get(EcmsMessage, row_id)
                if row.state != MessageState.STORED:
                    continue  # another worker took it
                item = codec.parse_inbound_response(row.raw)
                if row.operation == LETTER:
                    _take_letter(row, item.letter, report)
                elif row.operation in NOTIFIER_KINDS:
                    _take_notifier(row, item.notifier, report)
                else:
                    row.state = MessageState.UNMATCHED
        except Exception as error:  # noqa: BLE001  (one item's failure stops no other)
            report.errors.append(f"item {row_id}: {error}")
            with unit_of_work("e-CMS arrival failed"):
                row = db.session.get(EcmsMessage, row_id)
                row.last_error = str(error)[:2000]


def _said(refusal: EcmsRefusal) -> str:
    return f"{refusal.message_th} ({refusal.message_en})"


def _check(arrival: Arrival) -> None:
    """What receiving.py checks of a saraban-exchange/1 letter beyond the protocol: each
    file as a clerk's upload (by its content), and someone here cleared for its secrecy."""
    from saraban.documents.files import check_upload
    from saraban.exchange.receiving import _registry_officers
    from saraban.validation import OperationError

    for file in arrival.files:
        try:
            check_upload(file.content)
        except OperationError as error:
            raise EcmsRefusal(f"ไฟล์ {file.filename}: {error.message_th}",
                              f"File {file.filename}: {error.message_en}",
                              field="files", answer=INVALID) from error
    secrecy = arrival.document["secrecy"]
    if secrecy > 0 and not _registry_officers(secrecy):
        raise EcmsRefusal("ไม่มีเจ้าหน้าที่ทะเบียนที่มีสิทธิ์เข้าถึงหนังสือชั้นความลับนี้ จึงรับหนังสือนี้ทางระบบไม่ได้",
                          "No registry officer here is cleared for this secrecy level.",
                          field="secrecy", answer=REJECT)


def _take_letter(row: EcmsMessage, letter: Letter | None, report: WorkReport) -> None:
    from saraban.exchange.ecms.codes import code_tables, directory
    from saraban.exchange.ecms.outgoing import our_organization_id

    if letter is None:
        row.state = MessageState.UNMATCHED
        return
    check = _verify(row)
    try:
        arrival = arriving_letter(letter, our_id=our_organization_id(), tables=code_tables(),
                                  directory=directory())
        _check(arrival)
    except EcmsRefusal as refusal:  # nothing of it is registered; the sender is told why
        row.state = MessageState.REFUSED
        row.last_error = _said(refusal)
        if check.status == signature.INVALID:
            row.last_error += " " + _unverified(check, held=False)
        _queue(refusal.answer or INVALID, row, None)
        report.refused += 1
        record("ecms.refuse", obj=row, details={"process_id": row.process_id,
                                                "answer": refusal.answer or INVALID,
                                                "reason": refusal.message_en})
        return
    document = _document(row, arrival)
    row.document_id = document.id
    if check.status == signature.INVALID:
        row.state = MessageState.PENDING
        row.last_error = _unverified(check)
        report.pending += 1
        report.unverified += 1
        record("ecms.signature_invalid", obj=row, document_id=document.id,
               details={"process_id": row.process_id, "reason": check.reason,
                        "signature_method": check.signature_method,
                        "digest_method": check.digest_method})
        return
    _queue("ReceiveLetterNotifier", row, None)
    if _register(row, document, user=None):
        report.registered += 1
    else:
        row.state = MessageState.PENDING
        report.pending += 1


def _verify(row: EcmsMessage) -> signature.SignatureCheck:
    """Check the stored letter's ``ds:Signature`` against SARABAN_ECMS_TRUSTED_CERTS (SHA-1
    only with SARABAN_ECMS_ALLOW_SHA1) and keep what was found on ``row``."""
    config = current_app.config
    check = signature.verify_letter(
        row.raw, allow_sha1=bool(config.get("ECMS_ALLOW_SHA1")),
        trusted_certificates=signature.read_certificates(config.get("ECMS_TRUSTED_CERTS") or ()))
    row.signature_status = SignatureStatus(check.status)
    row.signature_method = (check.signature_method or "")[:200] or None
    row.signature_digest = (check.digest_method or "")[:200] or None
    row.signature_trusted = check.trusted if check.status != signature.ABSENT else None
    row.signer_subject = (check.signer_subject or "")[:500] or None
    row.signature_reason = (check.reason or "?") if check.status == signature.INVALID else None
    return check


def _unverified(check: signature.SignatureCheck, *, held: bool = True) -> str:
    """The clerk's warning about a letter whose signature does not verify; ``held``: it
    waits for the clerk (not when the mapping refused it anyway and it was answered)."""
    if check.uses_sha1 and "SHA-1" in check.reason:
        why = ("ลายมือชื่อใช้ SHA-1 ซึ่งระบบนี้ไม่ได้ตั้งให้ยอมรับ "
               "(ผู้ดูแลระบบตั้ง SARABAN_ECMS_ALLOW_SHA1=1 ได้เมื่อ e-CMS ยังใช้ SHA-1)")
    else:
        why = "หนังสืออาจถูกแก้ไขระหว่างทาง หรือไม่ได้มาจากผู้ส่งที่ระบุ"
    held_th = (" จึงไม่ลงทะเบียนรับโดยอัตโนมัติและยังไม่แจ้งผู้ส่ง ให้ตรวจสอบกับผู้ส่งก่อนรับหรือปฏิเสธ"
               if held else "")
    return (f"ลายมือชื่ออิเล็กทรอนิกส์ของหนังสือนี้ตรวจสอบไม่ผ่าน {why}{held_th} "
            f"(signature invalid: {check.reason})")[:2000]


def _document(row: EcmsMessage, arrival: Arrival):
    """The document of an arriving letter, as receiving.py makes one (its files stored
    encrypted when secret, the central register's cleared officers named its readers)."""
    from saraban.documents.files import sniff, store
    from saraban.documents.models import (
        Document,
        DocumentKind,
        DocumentReference,
        DocumentStatus,
        Enclosure,
        ReferenceRelation,
    )
    from saraban.documents.operations import normalize_number
    from saraban.exchange.receiving import keep_arrival

    fields = arrival.document
    secret = fields["secrecy"] > 0
    document = Document(
        kind=DocumentKind.EXTERNAL, number=fields["number"] or None,
        number_norm=normalize_number(fields["number"]),
        doc_date=dt.date.fromisoformat(fields["date"]), subject=fields["subject"],
        addressee=fields["addressee"], sender_text=fields["sender"],
        signature_text=arrival.signature_text, body=fields["body"],
        urgency=fields["urgency"], secrecy=fields["secrecy"],
        status=DocumentStatus.REGISTERED,
        source_key=f"ecms:{arrival.sender_id}:{row.process_id}"[:120])
    for i, text in enumerate(arrival.references):
        document.references.append(DocumentReference(relation=ReferenceRelation.CITES,
                                                     text=text, position=i))
    attachments = [f for f in arrival.files if not f.main]
    described = (arrival.enclosures or "").split("; ") if arrival.enclosures else []
    if len(described) != len(attachments):  # the one line does not name each file
        if arrival.enclosures:
            document.enclosures.append(Enclosure(position=0, description=arrival.enclosures))
        described = [f.filename for f in attachments]
    for file, text in zip(attachments, described, strict=True):
        document.enclosures.append(Enclosure(
            position=len(document.enclosures), description=text[:1000],
            file=store(file.content, sniff(file.content), secret=secret)))
    db.session.add(document)
    db.session.flush()
    keep_arrival(document, arrival.main_file.content, arrival.main_file.filename)
    db.session.flush()
    return document


def _register(row: EcmsMessage, document, *, user, register=None) -> bool:
    """Enter ``document`` in the central receipt register (or ``register``, a clerk's
    choice) and queue the AcceptLetterNotifier with its เลขรับ; False when it must wait for
    a clerk (not automatic, no register, or the same letter received before)."""
    from saraban.exchange.receiving import central_register
    from saraban.registers.operations import earlier_receipt, enter_receipt

    if user is None:
        register = central_register()
        if register is None or not current_app.config.get("EXCHANGE_AUTO_REGISTER", True):
            return False
        earlier = earlier_receipt(register.unit_id, document)
        if earlier is not None:
            row.last_error = f"อาจซ้ำกับทะเบียนรับรายการ {earlier.id} (possible duplicate)"
            record("ecms.possible_duplicate", obj=row, document_id=document.id,
                   unit_id=register.unit_id,
                   details={"process_id": row.process_id, "duplicate_of": earlier.id})
            return False
    receipt = enter_receipt(register, document, None, user)
    row.state = MessageState.REGISTERED
    row.receipt_id = receipt.id
    row.accept_id = str(receipt.number)
    row.accept_date = receipt.received_at.isoformat()
    _queue("AcceptLetterNotifier", row, user, accept_id=row.accept_id)
    record("ecms.register", user=user, obj=row, document_id=document.id,
           unit_id=register.unit_id,
           details={"process_id": row.process_id, "accept_id": row.accept_id})
    return True


def _pending_for(user, message_id) -> EcmsMessage:
    """The letter that waits for a clerk's decision, for a clerk of the central register's
    unit who may read it (404 the same whether it is missing or hidden), write-locked."""
    from saraban.documents.access import HiddenDocument, require_readable
    from saraban.exchange.receiving import _keeps_central
    from saraban.validation import OperationError, is_row_id

    missing = ("ไม่พบหนังสือที่ได้รับนี้", "No such arrival.")
    begin_write(db.session)
    row = db.session.get(EcmsMessage, message_id) if is_row_id(message_id) else None
    if row is None or row.direction != Direction.IN or row.operation != LETTER \
            or row.document_id is None:
        raise HiddenDocument(*missing)
    require_readable(user, row.document_id, not_found=missing)
    if not _keeps_central(user):
        raise OperationError("เฉพาะเจ้าหน้าที่สารบรรณของหน่วยที่ถือทะเบียนรับกลาง",
                             "Only the clerks of the central register's unit.", status=403)
    if row.state != MessageState.PENDING:
        raise OperationError("หนังสือนี้ดำเนินการไปแล้ว", "Already decided.", status=409)
    return row


def accept_pending(user, message_id, register_id: int | None = None) -> EcmsMessage:
    """A clerk of the central register's unit registers a letter that waits (flushes)."""
    from saraban.documents.models import Document
    from saraban.exchange.receiving import central_register
    from saraban.registers.models import RegisterKind
    from saraban.registers.operations import register_for
    from saraban.validation import OperationError

    row = _pending_for(user, message_id)
    register = (register_for(user, register_id, RegisterKind.RECEIPT) if register_id
                else central_register())
    if register is None:
        raise OperationError("ไม่พบทะเบียนหนังสือรับ", "No receipt register.", status=409)
    if not db.session.scalar(select(EcmsMessage.id).where(  # held for its signature
            EcmsMessage.letter_message_id == row.id,
            EcmsMessage.operation == "ReceiveLetterNotifier").limit(1)):
        _queue("ReceiveLetterNotifier", row, user)
    _register(row, db.session.get(Document, row.document_id), user=user, register=register)
    db.session.flush()
    return row


def refuse_pending(user, message_id, reason, kind: str = "reject") -> EcmsMessage:
    """A clerk of the central register's unit refuses a letter that waits: the sender is
    answered RejectLetterNotifier (``kind`` "reject") or InvalidLetterNotifier ("invalid");
    the document made for it stays out of every register. Flushes only."""
    from saraban.validation import clean_text

    reason = clean_text(reason, "reason", "เหตุผล", max_length=1000, required=True)
    row = _pending_for(user, message_id)
    answer = INVALID if kind == "invalid" else REJECT
    row.state = MessageState.REFUSED
    row.last_error = reason
    _queue(answer, row, user)
    record("ecms.refuse", user=user, obj=row, document_id=row.document_id,
           details={"process_id": row.process_id, "answer": answer, "reason": reason})
    return row


def _our_letter(notifier: Notifier) -> EcmsMessage | None:
    """The letter we sent that ``notifier`` answers: LetterID (as numbers compare),
    CorrespondenceDate and the accepting department; the latest not withdrawn first."""
    query = select(EcmsMessage).where(
        EcmsMessage.direction == Direction.OUT, EcmsMessage.operation == LETTER,
        EcmsMessage.correspondence_date == notifier.date,
        EcmsMessage.state != MessageState.QUEUED)
    if notifier.accept_department:
        query = query.where(EcmsMessage.counterpart_id == notifier.accept_department)
    found = [m for m in db.session.scalars(query.order_by(EcmsMessage.id.desc()))
             if same_number(m.letter_id, notifier.letter_id)]
    live = [m for m in found if m.state != MessageState.WITHDRAWN]
    return (live or found or [None])[0]


def _their_letter(notifier: Notifier) -> EcmsMessage | None:
    """The letter we received that an InvalidAcceptIDNotifier names."""
    found = [m for m in db.session.scalars(select(EcmsMessage).where(
        EcmsMessage.direction == Direction.IN, EcmsMessage.operation == LETTER,
        EcmsMessage.correspondence_date == notifier.date,
        EcmsMessage.state == MessageState.REGISTERED).order_by(EcmsMessage.id.desc()))
        if same_number(m.letter_id, notifier.letter_id)]
    return found[0] if found else None


def _take_notifier(row: EcmsMessage, notifier: Notifier | None, report: WorkReport) -> None:
    if notifier is None:
        row.state = MessageState.UNMATCHED
        return
    ours = notifier.kind in ANSWERS_TO_SENDER
    letter = _our_letter(notifier) if ours else _their_letter(notifier)
    if letter is None:
        row.state = MessageState.UNMATCHED
        report.unmatched += 1
        return
    row.letter_message = letter
    row.document_id = letter.document_id
    if letter.counterpart_id and row.counterpart_id is None:
        row.counterpart_id = letter.counterpart_id
    before = db.session.scalar(select(EcmsMessage.id).where(
        EcmsMessage.direction == Direction.IN, EcmsMessage.id != row.id,
        EcmsMessage.letter_message_id == letter.id, EcmsMessage.operation == row.operation,
        EcmsMessage.state == MessageState.APPLIED).limit(1))
    if before is not None:  # the same notifier again under another ProcessID
        row.state = MessageState.DUPLICATE
        report.duplicates += 1
        return
    row.state = MessageState.APPLIED
    report.applied += 1
    if ours:
        state = STATE_OF[notifier.kind]
        if state == MessageState.RECEIVED:
            if letter.state in (MessageState.SENT, MessageState.UNKNOWN):
                letter.state = state  # a Receive after the Accept changes nothing
        else:
            letter.state = state
        if state == MessageState.ACCEPTED:
            letter.accept_id = (notifier.accept_id or "")[:60] or "?"
            letter.accept_date = (notifier.accept_date or "")[:60] or None
    else:  # InvalidAcceptIDNotifier: our เลขรับ is wrong, the receipt line is to correct
        letter.last_error = (f"ผู้ส่งแจ้งว่าเลขรับ {letter.accept_id} ไม่ถูกต้อง ให้ตรวจแก้ทะเบียนรับ "
                             f"(the sender reports receipt number {letter.accept_id} wrong)")
    record("ecms.notifier", obj=row, document_id=letter.document_id,
           details={"kind": notifier.kind, "letter": letter.id,
                    "accept_id": notifier.accept_id, "state": letter.state.value})


# --- push --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Outgoing:
    id: int
    operation: str
    state: MessageState
    raw: bytes | None
    letter_id: str | None
    date: dt.date | None
    subject: str | None
    counterpart: str | None
    accept_id: str | None
    letter_message_id: int | None
    to_url: str | None


def _queued() -> list[_Outgoing]:
    with unit_of_work("e-CMS outbox"):
        rows = db.session.scalars(select(EcmsMessage).where(
            EcmsMessage.direction == Direction.OUT,
            EcmsMessage.state.in_((MessageState.QUEUED, MessageState.UNKNOWN)))
            .order_by(EcmsMessage.id)).all()
        urls = dict(db.session.execute(select(EcmsOrganization.organization_id,
                                              EcmsOrganization.ecms_url)).all())
        return [_Outgoing(r.id, r.operation, r.state, r.raw, r.letter_id,
                          r.correspondence_date, r.subject, r.counterpart_id, r.accept_id,
                          r.letter_message_id, urls.get(r.counterpart_id) or None)
                for r in rows]


def push(client: EcmsClient, report: WorkReport) -> None:
    """Send what the outbox holds, in order; a message that could not go holds back the
    later ones about the same letter (a Receive before its Accept)."""
    held: set[int] = set()
    for out in _queued():
        about = out.letter_message_id or out.id
        if about in held:
            continue
        if not _push_one(client, out, report):
            held.add(about)


def _outcome(out: _Outgoing, **changes) -> EcmsMessage:
    row = db.session.get(EcmsMessage, out.id)
    for name, value in changes.items():
        setattr(row, name, value)
    row.attempts = (row.attempts or 0) + 1
    return row


def _push_one(client: EcmsClient, out: _Outgoing, report: WorkReport) -> bool:
    """Send one message; True when it went (or is known to have gone)."""
    try:
        if out.operation == LETTER:
            if out.state == MessageState.UNKNOWN:
                try:
                    if _found_sent(client, out, report):
                        return True
                except EcmsError as error:  # not asked: it stays unknown, never resent
                    with unit_of_work("e-CMS outbound status not answered"):
                        _outcome(out, last_error=str(error)[:2000])
                    report.errors.append(f"OutboundStatusRequest for {out.id}: {error}")
                    return False
            letter = _as_queued(out.raw)
            answer = client.send_letter(letter, to_url=out.to_url)
        elif out.operation == WITHDRAW:
            answer = client.withdraw(LetterKey(out.letter_id, out.date, client.organization_id,
                                               out.counterpart))
        else:
            answer = client.send_notifier(
                Notifier(out.operation, out.letter_id, out.date, out.subject or "",
                         accept_id=out.accept_id), to_url=out.to_url)
    except EcmsTransportError as error:
        # Not answered, or not in e-CMS terms. A letter may have been taken (a timeout or a
        # connection broken after it went out): it is never sent again before the node's
        # OutboundStatusRequest says it has none. A notifier or a withdrawal is tried again
        # (the other side applies a repeated notifier once).
        with unit_of_work("e-CMS send not answered"):
            if out.operation == LETTER:
                _outcome(out, state=MessageState.UNKNOWN, last_error=str(error)[:2000])
                report.unknown += 1
            else:
                _outcome(out, last_error=str(error)[:2000])
        report.errors.append(f"{out.operation} {out.id}: {error}")
        return False
    except EcmsError as error:  # the node refused it (ErrorDetail), or we could not build it
        with unit_of_work("e-CMS send refused"):
            _outcome(out, state=MessageState.FAILED, last_error=str(error)[:2000])
        report.failed += 1
        report.errors.append(f"{out.operation} {out.id}: {error}")
        return False
    with unit_of_work("e-CMS sent"):
        process_id = getattr(answer, "process_id", None)
        row = _outcome(out, state=MessageState.SENT, sent_at=utcnow(), last_error=None,
                       process_id=(process_id or None) and process_id[:100],
                       process_time=(getattr(answer, "process_time", None) or "")[:60] or None)
        if out.operation == WITHDRAW and row.letter_message is not None:
            row.letter_message.state = MessageState.WITHDRAWN
        signer = client.sign
        if out.operation == LETTER and isinstance(signer, signature.LetterSigner):
            row.signature_method, row.signature_digest = (signer.signature_method,
                                                          signer.digest_method)
            row.signer_subject = signer.subject[:500]
        record("ecms.send", obj=row, document_id=row.document_id,
               details={"operation": out.operation, "process_id": row.process_id})
    report.sent += 1
    return True


def _as_queued(raw: bytes) -> Letter:
    """The letter as it was queued (its XML kept as evidence), read back to send: SendDate
    travels in Bangkok time without an offset, and goes out as it was written."""
    letter = codec.parse_request(raw).payload
    when = letter.send_date
    if isinstance(when, dt.datetime) and when.tzinfo is None:
        letter = dataclasses.replace(letter, send_date=when.replace(tzinfo=BANGKOK))
    return letter


def _found_sent(client: EcmsClient, out: _Outgoing, report: WorkReport) -> bool:
    """After a timeout: whether the node lists the letter as taken (then it is SENT with the
    node's ProcessID), asked before anything is sent again."""
    statuses = client.outbound_status()
    with unit_of_work("e-CMS outbound status"):
        taken = set(db.session.scalars(select(EcmsMessage.process_id).where(
            EcmsMessage.direction == Direction.OUT, EcmsMessage.process_id.is_not(None))))
        for status in statuses:
            if (same_number(status.letter_id, out.letter_id)
                    and status.process_id not in taken):
                row = _outcome(out, state=MessageState.SENT, process_id=status.process_id[:100],
                               last_error=None, sent_at=utcnow())
                record("ecms.send", obj=row, document_id=row.document_id,
                       details={"operation": out.operation, "process_id": row.process_id,
                                "found_by": "OutboundStatusRequest"})
                report.sent += 1
                return True
    return False

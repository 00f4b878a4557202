"""Putting one of our documents (and our answers about a sent letter) in the e-CMS outbox.

A clerk's action stores the message to send, in the same transaction as the action (flushed,
committed with the request or the CLI's unit of work); the worker (``worker.work_once``) sends
it to our node. Nothing here talks to the node: a clerk never waits on DGA's service, and a
message that is in the outbox is sent once the node answers again.

Three things are queued here:

- a letter (``queue_letter``): its XML is built now, from the document as it is now, and
  kept as the evidence of what was asked to be sent. A classified letter goes only when our
  node is reached over HTTPS (or on loopback), as for saraban-exchange/1;
- the withdrawal of a rejected or invalid letter (``withdraw_letter``), so that it can be
  sent again (e-CMS refuses the same ที่ and date twice until the first is withdrawn);
- ``InvalidAcceptIDNotifier`` (``report_invalid_accept_id``): the เลขรับ the receiver sent
  back is wrong.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.documents.access import HiddenDocument, document_for_clerk, require_readable
from saraban.exchange.ecms import codec
from saraban.exchange.ecms.mapping import EcmsRefusal
from saraban.exchange.ecms.messages import DEPARTMENT_ID, Addressing
from saraban.exchange.ecms.models import (
    Direction,
    EcmsMessage,
    EcmsOrganization,
    MessageState,
)
from saraban.exchange.sending import carries_secrets
from saraban.extensions import db
from saraban.permissions import is_top_secret
from saraban.validation import is_row_id

LETTER = "GovernmentDocument"
WITHDRAW = "DeleteGovernmentDocument"  # CorrespondenceDeleteGovernmentDocumentRequest
PREFIX = "ecms:"

# a letter in one of these states is still on its way or taken: it is not sent twice
ON_ITS_WAY = (MessageState.QUEUED, MessageState.SENT, MessageState.UNKNOWN,
              MessageState.RECEIVED, MessageState.ACCEPTED)
# e-CMS takes the same ที่ and date again only once the first is withdrawn
TO_WITHDRAW = (MessageState.REJECTED, MessageState.INVALID)


def destination(to) -> str:
    """The 10-digit organisation ID of ``"ecms:<10 digits>"``."""
    text = to.strip() if isinstance(to, str) and to.isprintable() else ""
    if text.lower().startswith(PREFIX):
        text = text[len(PREFIX):].strip()
    if not DEPARTMENT_ID.fullmatch(text):
        raise EcmsRefusal("ปลายทาง e-CMS ต้องเขียนเป็น ecms: ตามด้วยรหัสหน่วยงาน ๑๐ หลัก",
                          "An e-CMS destination is written ecms:<10-digit organisation ID>.",
                          status=400, field="to")
    return text


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def queue_letter(user: User, document_id, to) -> EcmsMessage:
    """Queue ``document_id`` for the organisation ``to`` (``ecms:<10 digits>``). Refused unless
    the user may read the document and keeps registers, the letter is not ลับที่สุด, the
    organisation is in the directory last fetched, and every code and file maps (the letter
    is built now). Flushes only."""
    from saraban.exchange.ecms.outgoing import letter_for, our_organization_id

    document = document_for_clerk(user, document_id, "ส่งหนังสือทาง e-CMS",
                                  "send through e-CMS")
    receiver = destination(to)
    if is_top_secret(document):
        raise EcmsRefusal("หนังสือลับที่สุดไม่ส่งทางระบบ ให้ส่งตัวหนังสือตามระเบียบ",
                          "Top-secret documents are not sent electronically.",
                          field="secrecy")
    if document.secrecy > 0 and not carries_secrets(current_app.config.get("ECMS_NODE_URL")):
        raise EcmsRefusal(
            "หนังสือลับส่งทาง e-CMS ได้เฉพาะเมื่อติดต่อ e-CMS ทาง HTTPS ที่อยู่ที่ตั้งไว้เป็น http:// "
            "ให้ผู้ดูแลระบบแก้ SARABAN_ECMS_NODE_URL เป็น https:// ก่อน",
            "A classified letter goes through e-CMS only over HTTPS; SARABAN_ECMS_NODE_URL "
            "is plain http://.", field="to")
    org = db.session.scalar(select(EcmsOrganization).where(
        EcmsOrganization.organization_id == receiver))
    if org is None:
        raise EcmsRefusal(
            f"ไม่พบหน่วยงานรหัส {receiver} ในทะเบียนหน่วยงานของ e-CMS "
            "(ปรับรายการด้วย saraban ecms sync-codes)",
            f"Organisation {receiver} is not in the e-CMS directory (run saraban ecms "
            "sync-codes).", status=404, field="to")
    if receiver == our_organization_id():
        raise EcmsRefusal("ส่งหนังสือถึงหน่วยงานของตนเองทาง e-CMS ไม่ได้",
                          "A letter cannot be sent to our own organisation through e-CMS.",
                          field="to")
    begin_write(db.session)
    earlier = db.session.scalar(select(EcmsMessage).where(
        EcmsMessage.direction == Direction.OUT, EcmsMessage.operation == LETTER,
        EcmsMessage.document_id == document.id, EcmsMessage.counterpart_id == receiver,
        EcmsMessage.state.in_((*ON_ITS_WAY, *TO_WITHDRAW))).limit(1))
    if earlier is not None and earlier.state in TO_WITHDRAW:
        raise EcmsRefusal(
            "ปลายทางปฏิเสธหรือแจ้งว่าหนังสือนี้ผิด ให้ถอนหนังสือเดิมก่อนแล้วจึงส่งใหม่",
            "The receiver rejected this letter or reported it wrong: withdraw it before "
            "sending it again.", field="to")
    if earlier is not None:
        raise EcmsRefusal(
            "หนังสือนี้ส่งถึงหน่วยงานนี้ทาง e-CMS แล้ว (จะส่งใหม่ได้เมื่อปลายทางปฏิเสธและถอนหนังสือแล้ว)",
            "This document is already on its way to that organisation (it can go again "
            "once rejected and withdrawn).", field="to")
    letter = letter_for(document, receiver)
    raw = codec.build_letter(letter, Addressing(codec.new_message_id(), org.ecms_url or ""))
    row = EcmsMessage(direction=Direction.OUT, operation=LETTER, letter_id=letter.letter_id,
                      correspondence_date=letter.date, subject=letter.subject,
                      counterpart_id=receiver, raw=raw, raw_sha256=digest(raw),
                      state=MessageState.QUEUED, document_id=document.id, attempts=0,
                      created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    record("ecms.queue", user=user, obj=row, document_id=document.id,
           details={"to": receiver, "letter_id": letter.letter_id})
    return row


def _sent_letter(user: User, message_id, doing_th: str, doing_en: str) -> EcmsMessage:
    missing = ("ไม่พบรายการส่งทาง e-CMS นี้", "No such e-CMS letter.")
    row = db.session.get(EcmsMessage, message_id) if is_row_id(message_id) else None
    if row is None or row.direction != Direction.OUT or row.operation != LETTER:
        raise HiddenDocument(*missing)
    require_readable(user, row.document_id, not_found=missing)
    document_for_clerk(user, row.document_id, doing_th, doing_en)
    return row


def withdraw_letter(user: User, message_id) -> EcmsMessage:
    """Queue the withdrawal of a letter the receiver rejected or reported wrong, so that it
    can be corrected and sent again. Flushes only."""
    letter = _sent_letter(user, message_id, "ถอนหนังสือที่ส่งทาง e-CMS", "withdraw an e-CMS letter")
    if letter.state not in TO_WITHDRAW:
        raise EcmsRefusal("ถอนได้เฉพาะหนังสือที่ปลายทางปฏิเสธหรือแจ้งว่าส่งผิด",
                          "Only a rejected or invalid letter is withdrawn.")
    begin_write(db.session)
    if db.session.scalar(select(EcmsMessage.id).where(
            EcmsMessage.letter_message_id == letter.id, EcmsMessage.operation == WITHDRAW,
            EcmsMessage.state.in_((MessageState.QUEUED, MessageState.UNKNOWN))).limit(1)):
        raise EcmsRefusal("ถอนหนังสือนี้ไว้แล้ว รอส่งคำขอถอนไปยัง e-CMS",
                          "The withdrawal is already queued.")
    queued = _queue(WITHDRAW, letter, user)
    record("ecms.withdraw", user=user, obj=letter, document_id=letter.document_id,
           details={"letter_id": letter.letter_id, "to": letter.counterpart_id})
    return queued


def report_invalid_accept_id(user: User, message_id) -> EcmsMessage:
    """Tell the receiver that the เลขรับ it sent back for our letter is wrong
    (``InvalidAcceptIDNotifier``). Flushes only."""
    letter = _sent_letter(user, message_id, "แจ้งเลขรับผิด", "report a wrong receipt number")
    if letter.state != MessageState.ACCEPTED:
        raise EcmsRefusal("แจ้งเลขรับผิดได้เฉพาะหนังสือที่ปลายทางแจ้งเลขรับแล้ว",
                          "Only an accepted letter's receipt number can be reported wrong.")
    begin_write(db.session)
    queued = _queue("InvalidAcceptIDNotifier", letter, user, accept_id=letter.accept_id)
    record("ecms.invalid_accept_id", user=user, obj=letter, document_id=letter.document_id,
           details={"letter_id": letter.letter_id, "accept_id": letter.accept_id})
    return queued


def _queue(operation: str, letter: EcmsMessage, user: User | None, *,
           accept_id: str | None = None) -> EcmsMessage:
    """One message about ``letter`` (ours or theirs) for the worker to send, after the ones
    already queued about it (the worker sends them in order)."""
    row = EcmsMessage(direction=Direction.OUT, operation=operation,
                      letter_id=letter.letter_id, correspondence_date=letter.correspondence_date,
                      subject=letter.subject, counterpart_id=letter.counterpart_id,
                      state=MessageState.QUEUED, accept_id=accept_id, letter_message=letter,
                      document_id=letter.document_id, attempts=0,
                      created_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    return row

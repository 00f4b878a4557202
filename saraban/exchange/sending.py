"""Sending a numbered letter to another agency's installation.

Sending puts a signed message in the outbox in the same transaction as the clerk's
action (flushed, committed with the request); the worker (``outbox``) delivers it.
"""

from __future__ import annotations

import ipaddress
import json

from sqlalchemy import select

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import HiddenDocument, document_for_clerk, require_readable
from saraban.documents.models import Document, FileRole
from saraban.exchange import protocol
from saraban.exchange.models import Direction, ExchangeMessage, MessageStatus, Peer
from saraban.exchange.peers import ExchangeError, our_identity
from saraban.extensions import db
from saraban.permissions import is_top_secret
from saraban.validation import is_row_id

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
    if is_top_secret(document):
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

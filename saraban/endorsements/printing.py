"""The printed endorsement sheet (ใบเกษียน) and routing slip (ใบปะหน้าเสนอ) of a document,
for a commander who signs by hand where the law still needs ink."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.audit.operations import record_view
from saraban.documents.access import visible_document
from saraban.documents.history import document_history
from saraban.documents.models import Document
from saraban.endorsements.models import EndorsementStatus
from saraban.endorsements.operations import EndorsementError, endorsements_of
from saraban.extensions import db
from saraban.i18n import label
from saraban.routing.models import Transfer, TransferKind, TransferStatus
from saraban.thaidate import BANGKOK, format_date, format_datetime, format_time, to_thai_digits
from saraban.units.models import Position


def _document(user: User, document_id: int) -> Document:
    document = visible_document(user, document_id)
    if document is None:
        raise EndorsementError("ไม่พบหนังสือนี้", "No such document.", status=404)
    return document


def _sheet_document(document: Document):
    from saraban.pdf.endorsement import SheetDocument

    origin = document.origin_unit or document.origin_agency
    receipts = []
    for e in document_history(document):
        if e.kind == "receipt" and not e.cancelled:
            text = f"{e.unit} รับที่ {to_thai_digits(e.number)} วันที่ {format_date(e.date)}"
            if e.time_known:
                text += f" เวลา {format_time(e.at.astimezone(BANGKOK).time())}"
            receipts.append(text)
    return SheetDocument(
        number=to_thai_digits(document.number) if document.number else None,
        date_text=format_date(document.doc_date) if document.doc_date else None,
        subject=document.subject,
        sender=origin.short_name if origin is not None else document.sender_text,
        addressee=document.addressee, summary=document.body, receipts=receipts)


def _printed_at(user: User, kind: str, document: Document, content: str) -> str:
    """The footer: when, and this printing's verification code (flushed: the caller
    commits)."""
    from saraban.audit.printcodes import KINDS, issue_print_code, show
    from saraban.db import utcnow

    what = (f"หนังสือที่ {to_thai_digits(document.number)}" if document.number
            else f"หนังสือรหัส {to_thai_digits(document.id)}")
    if document.secrecy:
        what = "หนังสือชั้นความลับ"  # the code must not tell a secret document's number
    code = issue_print_code(kind, user=user, document_id=document.id, content=content,
                            summary=f"{KINDS[kind]} {what}")
    return f"พิมพ์เมื่อ {format_datetime(utcnow())} · รหัสตรวจสอบ {show(code)}"


def endorsement_sheet(user: User, document_id: int) -> bytes:
    """Every signed endorsement as on paper, then room for the next minute by hand."""
    from saraban.pdf.endorsement import SignedBlock, endorsement_sheet_pdf

    document = _document(user, document_id)
    record_view(user, document, "endorsement_sheet")
    blocks = []
    for e in endorsements_of(user, document):
        signed = e.status == EndorsementStatus.SIGNED
        orders = [f"{o.to_unit.short_name if o.to_unit else ''}: {o.instruction}"
                  + (f" ภายใน {format_date(o.due_date, 'endorsement')}" if o.due_date else "")
                  for o in e.orders]
        blocks.append(SignedBlock(
            lines=[x.text for x in e.lines], signer_name=e.signer.signature_name,
            capacity=e.signature_text,
            date_text=format_date(e.signed_at.astimezone(BANGKOK), "endorsement")
            if signed else None,
            orders=orders, draft=not signed))
    content = f"sheet:{document.id}:" + ";".join(
        f"{b.date_text}|{'|'.join(b.lines)}|{b.capacity}" for b in blocks)
    return endorsement_sheet_pdf(_sheet_document(document), blocks,
                                 printed_at=_printed_at(user, "endorsement_sheet", document,
                                                        content))


def routing_slip(user: User, document_id: int) -> bytes:
    """The cover slip of the latest proposal of the document to a commander."""
    from saraban.pdf.endorsement import routing_slip_pdf

    document = _document(user, document_id)
    record_view(user, document, "routing_slip")
    proposal = db.session.scalar(
        select(Transfer).where(Transfer.document_id == document.id,
                               Transfer.kind == TransferKind.PROPOSE,
                               Transfer.status != TransferStatus.RECALLED)
        .options(joinedload(Transfer.to_unit), joinedload(Transfer.from_unit))
        .order_by(Transfer.id.desc()).limit(1))
    if proposal is None:
        raise EndorsementError("หนังสือนี้ยังไม่ได้เสนอผู้บังคับบัญชา จึงไม่มีใบปะหน้าเสนอ",
                               "This document has not been proposed to a commander.",
                               status=404)
    head = db.session.scalar(
        select(Position.title).where(Position.unit_id == proposal.to_unit_id,
                                     Position.is_head).order_by(Position.id).limit(1))
    proposer = db.session.get(User, proposal.sent_by_id) if proposal.sent_by_id else None
    return routing_slip_pdf(
        _sheet_document(document),
        to_text=head or (proposal.to_unit.short_name if proposal.to_unit else ""),
        purpose_text=proposal.purpose_text or label(proposal.purpose, "purpose"),
        from_text=proposal.from_unit.name_th if proposal.from_unit else "",
        proposer=proposer.display_name if proposer else None,
        proposed_at=format_datetime(proposal.sent_at) if proposal.sent_at else None,
        printed_at=_printed_at(user, "routing_slip", document,
                               f"slip:{document.id}:{proposal.id}:{proposal.sent_at}"))

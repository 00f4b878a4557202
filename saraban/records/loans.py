"""Loans of paper originals (บัตรยืมหนังสือ): lending, taking back, the overdue ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.documents.access import visible_document, visible_filter
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.permissions import can_see_records, is_overdue
from saraban.records.keepers import (
    RecordsError,
    document_to_keep,
    keeper_unit_ids,
    read_id,
    require_keeper,
)
from saraban.records.models import Loan
from saraban.thaidate import format_date
from saraban.units.models import Unit
from saraban.validation import clean_text, read_date


@dataclass
class LoanEntry:
    loan: Loan
    overdue: bool


def find_document_by_number(user: User, number) -> int:
    """The id of the one visible document with this number (ที่), for the loan form."""
    from saraban.documents.operations import normalize_number

    text = clean_text(number, "number", "เลขที่หนังสือ", max_length=120, required=True)
    ids = list(db.session.scalars(
        select(Document.id).where(Document.number_norm == normalize_number(text),
                                  visible_filter(user)).limit(2)))
    if not ids:
        raise RecordsError("ไม่พบหนังสือเลขที่นี้", "No document has that number.", status=404,
                           field="number")
    if len(ids) > 1:
        raise RecordsError("มีหนังสือเลขที่นี้หลายฉบับ กรุณาเปิดบัตรยืมจากหน้าหนังสือ",
                           "Several documents have that number; give its id.", status=409,
                           field="number")
    return ids[0]


def lend(user: User, document_id, data: dict) -> Loan:
    """Lend a paper original (flushes only). ``data``: ``item`` (what was lent),
    ``borrower`` (name and position), ``due_on``; optional ``borrower_unit``, ``lent_on``
    (default today), ``unit`` (the lending unit, when the user keeps for several), ``note``."""
    item = clean_text(data.get("item"), "item", "รายการที่ให้ยืม", max_length=2000,
                      required=True, multiline=True)
    borrower = clean_text(data.get("borrower"), "borrower", "ชื่อผู้ยืม", max_length=255,
                          required=True)
    borrower_unit_id = read_id(data.get("borrower_unit"), "borrower_unit")
    today = thaidate.today()
    lent_on = read_date(data.get("lent_on"), "lent_on", "วันที่ยืม") or today
    due_on = read_date(data.get("due_on"), "due_on", "กำหนดส่งคืน", required=True)
    if lent_on > today:
        raise RecordsError("วันที่ยืมต้องไม่เลยวันนี้", "'lent_on' must not be in the future.",
                           field="lent_on")
    if due_on < lent_on:
        raise RecordsError("กำหนดส่งคืนต้องไม่ก่อนวันที่ยืม", "'due_on' is before 'lent_on'.",
                           field="due_on")
    unit_id = read_id(data.get("unit"), "unit")
    note = clean_text(data.get("note"), "note", "หมายเหตุ", max_length=2000, multiline=True)
    if borrower_unit_id is not None and db.session.get(Unit, borrower_unit_id) is None:
        raise RecordsError("ไม่พบหน่วยของผู้ยืม", "No such unit.", status=404,
                           field="borrower_unit")
    begin_write(db.session)
    document, unit_id = document_to_keep(user, document_id, "ให้ยืมหนังสือ", "lend documents",
                                          unit_id)
    db.session.refresh(document)
    if document.destroyed_at is not None:
        raise RecordsError("หนังสือนี้ถูกทำลายแล้ว ให้ยืมไม่ได้",
                           "This document was destroyed; it cannot be lent.", status=409)
    already = _open_loan(document.id)
    if already is not None:
        raise _already_lent(already)
    loan = Loan(document_id=document.id, unit_id=unit_id, item=item, borrower=borrower,
                borrower_unit_id=borrower_unit_id, lent_by_id=user.id, lent_on=lent_on,
                due_on=due_on, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(loan)
            db.session.flush()
    except IntegrityError:  # lent at the same moment by another clerk
        raise _already_lent(_open_loan(document.id)) from None
    record("loan.lend", user=user, obj=loan, document_id=document.id, unit_id=unit_id,
           details={"item": item, "borrower": borrower, "borrower_unit_id": borrower_unit_id,
                    "lent_on": lent_on.isoformat(), "due_on": due_on.isoformat()})
    return loan


def _open_loan(document_id: int) -> Loan | None:
    return db.session.scalar(select(Loan).where(Loan.document_id == document_id,
                                                Loan.returned_on.is_(None)))


def _already_lent(loan: Loan | None) -> RecordsError:
    who = f" ผู้ยืม {loan.borrower} กำหนดคืน {format_date(loan.due_on)}" if loan else ""
    return RecordsError(f"หนังสือนี้ถูกยืมอยู่ ยังไม่ได้ส่งคืน{who}",
                        "This document is lent out and not back yet.", status=409)


def get_loan(user: User, loan_id, for_update: bool = False) -> Loan:
    """A loan of a unit whose records the user keeps, of a document he may see."""
    loan_id = read_id(loan_id, "id")
    loan = db.session.get(Loan, loan_id, populate_existing=True,
                          with_for_update=for_update or None) if loan_id else None
    if loan is None or visible_document(user, loan.document_id) is None or not (
            can_see_records(user, loan.unit_id)):
        raise RecordsError("ไม่พบบัตรยืมนี้", "No such loan.", status=404)
    return loan


def return_loan(user: User, loan_id, returned_by, returned_on=None) -> Loan:
    """The original came back: who brought it, on what day (default today). Flushes only."""
    returned_by = clean_text(returned_by, "returned_by", "ชื่อผู้ส่งคืน", max_length=255,
                             required=True)
    today = thaidate.today()
    returned_on = read_date(returned_on, "returned_on", "วันที่ส่งคืน") or today
    if returned_on > today:
        raise RecordsError("วันที่ส่งคืนต้องไม่เลยวันนี้",
                           "'returned_on' must not be in the future.", field="returned_on")
    begin_write(db.session)
    loan = get_loan(user, loan_id, for_update=True)
    require_keeper(user, loan.unit_id, "รับคืนหนังสือ", "take loans back")
    if loan.returned_on is not None:
        raise RecordsError("บัตรยืมนี้ส่งคืนแล้ว", "This loan was already returned.",
                           status=409)
    if returned_on < loan.lent_on:
        raise RecordsError("วันที่ส่งคืนต้องไม่ก่อนวันที่ยืม", "'returned_on' is before lending.",
                           field="returned_on")
    loan.returned_on = returned_on
    loan.returned_by = returned_by
    loan.received_by_id = user.id
    db.session.flush()
    record("loan.return", user=user, obj=loan, document_id=loan.document_id,
           unit_id=loan.unit_id, details={"returned_by": returned_by,
                                          "returned_on": returned_on.isoformat(),
                                          "overdue": returned_on > loan.due_on})
    return loan


def loans_for(user: User, open_only: bool = True, limit: int = 500) -> list[LoanEntry]:
    """Loans of the units whose records the user keeps, of documents he may see: overdue
    first, then open ones by due date, then (unless ``open_only``) those returned."""
    units = keeper_unit_ids(user)
    query = (select(Loan).join(Loan.document)
             .where(visible_filter(user))
             .options(joinedload(Loan.document), joinedload(Loan.unit),
                      joinedload(Loan.borrower_unit))
             .order_by(Loan.returned_on.is_not(None), Loan.due_on, Loan.id).limit(limit))
    if not user.sees_all:
        query = query.where(Loan.unit_id.in_(units or [-1]))
    if open_only:
        query = query.where(Loan.returned_on.is_(None))
    today = thaidate.today()
    entries = [LoanEntry(loan, is_overdue(loan, today)) for loan in db.session.scalars(query)]
    return sorted(entries, key=lambda e: not e.overdue)  # stable: the order above stays


def active_units() -> list[Unit]:
    """Every active unit, for the borrower's unit on the loan card."""
    return list(db.session.scalars(select(Unit).where(Unit.is_active).order_by(Unit.short_name)))


def open_loans_of(document_ids) -> dict[int, Loan]:
    """The open loan of each of these documents that is lent out."""
    ids = list(document_ids)
    if not ids:
        return {}
    return {loan.document_id: loan for loan in db.session.scalars(
        select(Loan).where(Loan.document_id.in_(ids), Loan.returned_on.is_(None)))}

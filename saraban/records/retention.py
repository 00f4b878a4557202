"""How long a document is kept (หมวด ๓ ของระเบียบ): its term, what the document page
says about it, a clerk's change of it, and the documents old enough for the National
Archives. The yearly destruction list is in ``destruction``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import visible_filter
from saraban.documents.models import Document, DocumentStatus
from saraban.extensions import db
from saraban.records.keepers import (
    RecordsError,
    document_to_keep,
    held_by,
    keeper_unit_ids,
    read_id,
    read_whole,
    require_keeper,
)
from saraban.records.models import ARCHIVES_AGE_YEARS, DEFAULT_RETENTION_YEARS
from saraban.thaidate import BANGKOK, be_year, format_date, to_thai_digits

MAX_RETENTION_YEARS = 100  # the database's check on Document.retention_years


def document_year(document: Document) -> int:
    """The document's (Common Era) year: that of its date, or of its entry in Bangkok."""
    if document.doc_date is not None:
        return document.doc_date.year
    return (document.created_at or utcnow()).astimezone(BANGKOK).year


def retention_until(document: Document) -> int | None:
    """The Buddhist-era year through whose end the document is kept; None: for ever."""
    if document.keep_forever:
        return None
    return be_year(document_year(document) + (document.retention_years
                                              or DEFAULT_RETENTION_YEARS))


def retention_text(document: Document, digits: str = "thai") -> str:
    """What the document page says: เก็บถึง พ.ศ. ๒๕๗๒, ห้ามทำลาย, or when it was destroyed."""
    if document.destroyed_at is not None:
        return "ทำลายแล้วเมื่อ " + format_date(document.destroyed_at.astimezone(BANGKOK),
                                               digits=digits)
    until = retention_until(document)
    if until is None:
        return "ห้ามทำลาย"
    return f"เก็บถึง พ.ศ. {to_thai_digits(until) if digits == 'thai' else until}"


def set_retention(user: User, document_id, years=None, keep_forever=False) -> Document:
    """Keep the document ``years`` years from the end of its year, or for ever
    (``keep_forever``); neither: back to the default (flushes only)."""
    years = read_whole(years, "years", "อายุการเก็บ (ปี)", 1, MAX_RETENTION_YEARS)
    if not isinstance(keep_forever, bool):
        raise RecordsError("ค่าห้ามทำลายไม่ถูกต้อง", "'keep_forever' must be true or false.",
                           field="keep_forever")
    begin_write(db.session)
    document, unit_id = document_to_keep(user, document_id, "กำหนดอายุการเก็บหนังสือ",
                                          "set how long documents are kept")
    db.session.refresh(document)
    if document.destroyed_at is not None:
        raise RecordsError("หนังสือนี้ถูกทำลายแล้ว", "This document was destroyed.",
                           status=409)
    before = {"years": document.retention_years, "keep_forever": document.keep_forever}
    if keep_forever:
        document.keep_forever = True
    else:
        document.retention_years = years
        document.keep_forever = False
    db.session.flush()
    record("document.retention", user=user, obj=document, document_id=document.id,
           unit_id=unit_id, details={"before": before, "years": document.retention_years,
                                     "keep_forever": document.keep_forever,
                                     "until": retention_until(document)})
    return document


def archives_candidates(user: User, unit_id=None, limit: int = 500) -> list[Document]:
    """Documents of the unit (or of all the units whose records the user keeps) older
    than ARCHIVES_AGE_YEARS years, to be sent to the National Archives; oldest first."""
    unit_id = read_id(unit_id, "unit")
    units = keeper_unit_ids(user)
    if unit_id is not None:
        require_keeper(user, unit_id, "ดูรายการส่งมอบหอจดหมายเหตุ",
                        "list documents for the National Archives")
        units = [unit_id]
    elif not units:
        raise RecordsError("เฉพาะเจ้าหน้าที่สารบรรณจึงดูรายการนี้ได้", "Only clerks may.",
                           status=403)
    today = thaidate.today()
    try:
        cutoff = today.replace(year=today.year - ARCHIVES_AGE_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ARCHIVES_AGE_YEARS, day=28)
    next_day = cutoff + dt.timedelta(days=1)
    created_cutoff = dt.datetime(next_day.year, next_day.month, next_day.day, tzinfo=BANGKOK)
    return list(db.session.scalars(
        select(Document)
        .where(held_by(units), visible_filter(user), Document.destroyed_at.is_(None),
               Document.status != DocumentStatus.DRAFT,
               or_(Document.doc_date <= cutoff,
                   and_(Document.doc_date.is_(None), Document.created_at < created_cutoff)))
        .options(joinedload(Document.origin_unit))
        .order_by(Document.doc_date, Document.id).limit(limit)))

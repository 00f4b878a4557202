"""The records' life (หมวด ๓ ของระเบียบ): retention, the yearly destruction list, the
National Archives, and loans of paper originals.

A unit keeps its documents: those it made (origin) and those entered in its receipt
registers. Its clerks (or administrators) set how long a document is kept, list each year
what has reached its term, record the committee's decisions, destroy what was approved,
and lend paper originals. Destruction removes the files, never the document's row nor its
register lines: what was destroyed stays on record, and every step is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, event, exists, extract, false, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from saraban.accounts.models import Role, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import (
    member_unit_ids,
    require_readable,
    visible_document,
    visible_filter,
)
from saraban.documents.models import (
    Document,
    DocumentFile,
    DocumentStatus,
    Enclosure,
    StoredFile,
)
from saraban.extensions import db
from saraban.records.models import (
    ARCHIVES_AGE_YEARS,
    DEFAULT_RETENTION_YEARS,
    PROPOSAL_DAYS,
    DestructionDecision,
    DestructionItem,
    DestructionList,
    DestructionStatus,
    Loan,
)
from saraban.registers.models import EntryStatus, Receipt, Register
from saraban.thaidate import BANGKOK, be_year, format_date, to_arabic_digits, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import OperationError, clean_text, is_row_id, read_date

MAX_RETENTION_YEARS = 100  # the database's check on Document.retention_years
MAX_MEMBERS = 20

STATUS_TH = {
    DestructionStatus.PROPOSED: "รอคณะกรรมการพิจารณา",
    DestructionStatus.REVIEWED: "คณะกรรมการพิจารณาแล้ว รอทำลาย",
    DestructionStatus.DONE: "ทำลายแล้ว",
}
DECISION_TH = {
    DestructionDecision.PENDING: "ยังไม่พิจารณา",
    DestructionDecision.DESTROY: "อนุมัติให้ทำลาย",
    DestructionDecision.EXTEND: "ขยายเวลาเก็บ",
    DestructionDecision.KEEP: "ห้ามทำลาย (เก็บตลอดไป)",
}


class RecordsError(OperationError):
    """A refusal about keeping, lending or destroying documents."""


def bangkok_today() -> dt.date:
    return utcnow().astimezone(BANGKOK).date()


# --- who keeps what ------------------------------------------------------------------

def keeper_unit_ids(user: User) -> list[int]:
    """Units whose records the user keeps: where he is a clerk or an administrator."""
    return sorted(set(member_unit_ids(user, Role.CLERK)) | set(member_unit_ids(user, Role.ADMIN)))


def _held_by(unit_ids) -> object:
    """A WHERE clause on ``Document``: made by one of the units, or entered (not cancelled)
    in one of their receipt registers."""
    registers = select(Register.id).where(Register.unit_id.in_(unit_ids)).scalar_subquery()
    received = exists().where(Receipt.document_id == Document.id,
                              Receipt.register_id.in_(registers),
                              Receipt.status == EntryStatus.ACTIVE)
    return or_(Document.origin_unit_id.in_(unit_ids), received)


def _holding_units(document_id: int, among: list[int]) -> list[int]:
    """Which of ``among`` hold the document (made it or received it)."""
    if not among:
        return []
    made = select(Document.origin_unit_id).where(Document.id == document_id,
                                                 Document.origin_unit_id.in_(among))
    received = (select(Register.unit_id).join(Receipt, Receipt.register_id == Register.id)
                .where(Receipt.document_id == document_id, Receipt.status == EntryStatus.ACTIVE,
                       Register.unit_id.in_(among)))
    return sorted(set(db.session.scalars(union(made, received))))


def _id(value, field: str) -> int | None:
    if isinstance(value, str):
        value = to_arabic_digits(value).strip()
        if value.isdecimal() and len(value) < 11:
            value = int(value)
    if value in (None, ""):
        return None
    if not is_row_id(value):
        raise RecordsError("รหัสไม่ถูกต้อง", f"'{field}' must be an id.", field=field)
    return value


def _whole(value, field: str, label: str, low: int, high: int) -> int | None:
    """A whole number (Arabic or Thai digits) in ``low..high``, or None when not given."""
    if isinstance(value, str):
        value = to_arabic_digits(value).strip()
        if value == "":
            return None
        value = int(value) if value.isdecimal() and len(value) < 6 else value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RecordsError(
            f"{label}ต้องเป็นจำนวนเต็มตั้งแต่ {to_thai_digits(low)} ถึง {to_thai_digits(high)}",
            f"'{field}' must be a whole number from {low} to {high}.", field=field)
    return value


def _require_keeper(user: User, unit_id: int, doing_th: str, doing_en: str) -> None:
    if unit_id not in keeper_unit_ids(user):
        raise RecordsError(f"เฉพาะเจ้าหน้าที่สารบรรณของหน่วยนี้จึง{doing_th}ได้",
                           f"Only the unit's clerks may {doing_en}.", status=403)


def _document_to_keep(user: User, document_id, doing_th: str, doing_en: str,
                      unit_id: int | None = None) -> tuple[Document, int]:
    """The document and the unit keeping it for the user: 404 when he may not see it,
    403 when he is no clerk (or administrator) of a unit that holds it."""
    document_id = _id(document_id, "document_id")
    if document_id is None:
        raise RecordsError("กรุณาระบุหนังสือ", "'document_id' is required.", field="document_id")
    document = require_readable(user, document_id)
    keepers = keeper_unit_ids(user)
    if not keepers:
        raise RecordsError(f"เฉพาะเจ้าหน้าที่สารบรรณจึง{doing_th}ได้",
                           f"Only clerks may {doing_en}.", status=403)
    if unit_id is not None:
        _require_keeper(user, unit_id, doing_th, doing_en)
        keepers = [unit_id]
    units = _holding_units(document.id, keepers)
    if not units:
        raise RecordsError(
            f"หนังสือนี้ไม่ได้อยู่ในความดูแลของหน่วยของท่าน จึง{doing_th}ไม่ได้",
            f"This document is not kept by your unit, so you may not {doing_en}.", status=403)
    return document, units[0]


# --- retention ---------------------------------------------------------------------

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
    years = _whole(years, "years", "อายุการเก็บ (ปี)", 1, MAX_RETENTION_YEARS)
    if not isinstance(keep_forever, bool):
        raise RecordsError("ค่าห้ามทำลายไม่ถูกต้อง", "'keep_forever' must be true or false.",
                           field="keep_forever")
    begin_write(db.session)
    document, unit_id = _document_to_keep(user, document_id, "กำหนดอายุการเก็บหนังสือ",
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


# --- the yearly destruction list -----------------------------------------------------

def _read_year(value) -> int:
    """A calendar year, given in the Common Era or the Buddhist Era (Thai digits too)."""
    year = _whole(value, "year", "ปี", 1900, 2800)
    if year is None:
        raise RecordsError("กรุณาระบุปี", "'year' is required.", field="year")
    if year >= 2400:
        year -= 543
    if year > 2200:
        raise RecordsError("ปีไม่ถูกต้อง", "'year' is out of range.", field="year")
    return year


def _on_open_list():
    return exists().where(DestructionItem.document_id == Document.id,
                          DestructionItem.list_id == DestructionList.id,
                          DestructionList.status != DestructionStatus.DONE)


def expired_documents(user: User, unit_id: int, year: int) -> list[Document]:
    """The unit's documents, visible to the user, whose term ended by the end of ``year``
    (CE): not kept for ever, not destroyed, not already on a list still open."""
    years = func.coalesce(Document.retention_years, DEFAULT_RETENTION_YEARS)
    dated = and_(Document.doc_date.is_not(None),
                 extract("year", Document.doc_date) + years <= year)
    undated = and_(Document.doc_date.is_(None),  # checked exactly below, in Bangkok time
                   Document.created_at < dt.datetime(year, 1, 1, tzinfo=BANGKOK))
    found = db.session.scalars(
        select(Document)
        .where(_held_by([unit_id]), visible_filter(user), Document.keep_forever == false(),
               Document.destroyed_at.is_(None), Document.status != DocumentStatus.DRAFT,
               or_(dated, undated), ~_on_open_list())
        .order_by(Document.doc_date, Document.id))
    end = be_year(year)
    return [d for d in found if (retention_until(d) or end + 1) <= end]


def propose_destruction_list(user: User, unit_id, year) -> DestructionList:
    """บัญชีหนังสือขอทำลาย of the unit for ``year``: one per unit and year, marked late when
    proposed more than PROPOSAL_DAYS days after the year's end (flushes only)."""
    unit_id = _id(unit_id, "unit")
    year = _read_year(year)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise RecordsError("ไม่พบหน่วยนี้", "No such unit.", status=404, field="unit")
    _require_keeper(user, unit.id, "เสนอบัญชีหนังสือขอทำลาย", "propose a destruction list")
    today = bangkok_today()
    if year >= today.year:
        raise RecordsError(
            f"ยังไม่สิ้นปี พ.ศ. {to_thai_digits(be_year(year))} เสนอบัญชีได้หลังสิ้นปีปฏิทิน",
            "A year's list is proposed after the year has ended.", field="year")
    begin_write(db.session)
    if db.session.scalar(select(DestructionList.id).where(DestructionList.unit_id == unit.id,
                                                          DestructionList.year == year)):
        raise _list_exists(unit, year)
    documents = expired_documents(user, unit.id, year)
    if not documents:
        raise RecordsError(
            f"ไม่มีหนังสือของ {unit.short_name} ที่ครบกำหนดเก็บภายในสิ้นปี พ.ศ. "
            f"{to_thai_digits(be_year(year))}",
            "No document of this unit reached its term by the end of that year.", status=409)
    now = utcnow().replace(microsecond=0)
    late = (today - dt.date(year, 12, 31)).days > PROPOSAL_DAYS
    made = DestructionList(unit_id=unit.id, year=year, status=DestructionStatus.PROPOSED,
                           proposed_at=now, proposed_by_id=user.id, late=late)
    made.items = [DestructionItem(document_id=d.id, decision=DestructionDecision.PENDING)
                  for d in documents]
    try:
        with db.session.begin_nested():
            db.session.add(made)
            db.session.flush()
    except IntegrityError:  # another clerk proposed it at the same moment
        raise _list_exists(unit, year) from None
    record("destruction.propose", user=user, obj=made, unit_id=unit.id,
           details={"year": year, "late": late, "documents": [d.id for d in documents]})
    return made


def _list_exists(unit: Unit, year: int) -> RecordsError:
    return RecordsError(
        f"{unit.short_name} มีบัญชีหนังสือขอทำลายของปี พ.ศ. {to_thai_digits(be_year(year))} แล้ว",
        "This unit already has a destruction list for that year.", status=409)


_LIST_LOAD = (joinedload(DestructionList.unit),
              selectinload(DestructionList.items).joinedload(DestructionItem.document))


def get_destruction_list(user: User, list_id, for_update: bool = False) -> DestructionList:
    """A list of a unit whose records the user keeps (or any, for one who sees all)."""
    list_id = _id(list_id, "id")
    query = select(DestructionList).where(DestructionList.id == list_id).options(*_LIST_LOAD)
    if for_update:  # read afresh, and on PostgreSQL hold the list's row until the commit
        query = query.with_for_update(of=DestructionList).execution_options(
            populate_existing=True)
    found = db.session.scalar(query) if list_id else None
    if found is None or not (user.sees_all or found.unit_id in keeper_unit_ids(user)):
        raise RecordsError("ไม่พบบัญชีหนังสือขอทำลายนี้", "No such destruction list.",
                           status=404)
    return found


def _list_to_change(user: User, list_id, doing_th: str, doing_en: str) -> DestructionList:
    found = get_destruction_list(user, list_id, for_update=True)
    _require_keeper(user, found.unit_id, doing_th, doing_en)
    return found


def visible_items(user: User, found: DestructionList) -> set[int]:
    """Ids of the list's documents the user may read; the others show no content."""
    ids = [i.document_id for i in found.items]
    if not ids:
        return set()
    return set(db.session.scalars(select(Document.id).where(Document.id.in_(ids),
                                                            visible_filter(user))))


@dataclass
class ListSummary:
    destruction_list: DestructionList
    items: int
    pending: int


def destruction_lists(user: User, unit_id=None) -> list[ListSummary]:
    """The lists of the units whose records the user keeps, newest year first, with their
    count of items and of items not yet decided."""
    units = keeper_unit_ids(user)
    unit_id = _id(unit_id, "unit")
    if unit_id is not None:
        units = [u for u in units if u == unit_id]
    query = select(DestructionList).options(joinedload(DestructionList.unit))
    if not user.sees_all or unit_id is not None:
        query = query.where(DestructionList.unit_id.in_(units or [-1]))
    lists = list(db.session.scalars(
        query.order_by(DestructionList.year.desc(), DestructionList.unit_id)))
    counts = {}
    if lists:
        pending = func.sum(case((DestructionItem.decision == DestructionDecision.PENDING, 1),
                                else_=0))
        counts = {row[0]: (row[1], row[2] or 0) for row in db.session.execute(
            select(DestructionItem.list_id, func.count(), pending)
            .where(DestructionItem.list_id.in_([x.id for x in lists]))
            .group_by(DestructionItem.list_id))}
    return [ListSummary(x, *counts.get(x.id, (0, 0))) for x in lists]


def decide_item(user: User, item_id, decision, extend_years=None, note=None) -> DestructionItem:
    """Record the committee's decision on one item: destroy, extend (by ``extend_years``)
    or keep for ever (flushes only)."""
    try:
        decision = DestructionDecision(decision)
    except ValueError:
        decision = None
    if decision in (None, DestructionDecision.PENDING):
        raise RecordsError("กรุณาเลือกผลการพิจารณา: ทำลาย ขยายเวลาเก็บ หรือห้ามทำลาย",
                           "'decision' must be destroy, extend or keep.", field="decision")
    years = None
    if decision == DestructionDecision.EXTEND:
        years = _whole(extend_years, "extend_years", "จำนวนปีที่ขยาย", 1, MAX_RETENTION_YEARS)
        if years is None:
            raise RecordsError("กรุณาระบุจำนวนปีที่ขยายเวลาเก็บ", "'extend_years' is required.",
                               field="extend_years")
    note = clean_text(note, "note", "หมายเหตุ", max_length=2000, multiline=True)
    begin_write(db.session)
    item_id = _id(item_id, "id")
    item = db.session.get(DestructionItem, item_id, populate_existing=True) if item_id else None
    if item is None or visible_document(user, item.document_id) is None:
        raise RecordsError("ไม่พบรายการนี้", "No such item.", status=404)
    found = _list_to_change(user, item.list_id, "บันทึกผลการพิจารณา", "record decisions")
    if found.status != DestructionStatus.PROPOSED:
        raise RecordsError("บัญชีนี้ผ่านการพิจารณาของคณะกรรมการแล้ว แก้ผลการพิจารณาไม่ได้",
                           "The list was reviewed; its decisions are fixed.", status=409)
    if years is not None and (item.document.retention_years
                              or DEFAULT_RETENTION_YEARS) + years > MAX_RETENTION_YEARS:
        raise RecordsError(
            f"อายุการเก็บรวมเกิน {to_thai_digits(MAX_RETENTION_YEARS)} ปี หากต้องเก็บต่อไป"
            "ให้เลือกห้ามทำลาย",
            f"The retention would pass {MAX_RETENTION_YEARS} years; choose keep instead.",
            field="extend_years")
    item.decision = decision
    item.extend_years = years
    item.note = note
    db.session.flush()
    record("destruction.decide", user=user, obj=item, document_id=item.document_id,
           unit_id=found.unit_id, details={"list_id": found.id, "decision": decision.value,
                                           "extend_years": years, "note": note})
    return item


def _read_members(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if value is None:
        value = []
    if not isinstance(value, list) or any(not isinstance(x, str) for x in value):
        raise RecordsError("รายชื่อกรรมการต้องเป็นรายการข้อความ",
                           "'members' must be a list of names.", field="members")
    names: list[str] = []
    for raw in value:
        name = clean_text(raw, "members", "ชื่อกรรมการ", max_length=255)
        if name and name not in names:
            names.append(name)
    if len(names) < 2:
        raise RecordsError("กรุณาระบุกรรมการอย่างน้อยสองคน นอกจากประธานกรรมการ",
                           "At least two members besides the chair are needed.",
                           field="members")
    if len(names) > MAX_MEMBERS:
        raise RecordsError(f"กรรมการได้ไม่เกิน {to_thai_digits(MAX_MEMBERS)} คน",
                           f"At most {MAX_MEMBERS} members.", field="members")
    return names


def review_list(user: User, list_id, chair, members) -> DestructionList:
    """The committee's review: a chair and at least two members, every item decided
    (flushes only)."""
    chair = clean_text(chair, "chair", "ชื่อประธานกรรมการ", max_length=255, required=True)
    members = [m for m in _read_members(members) if m != chair]
    if len(members) < 2:
        raise RecordsError("กรุณาระบุกรรมการอย่างน้อยสองคน นอกจากประธานกรรมการ",
                           "At least two members besides the chair are needed.",
                           field="members")
    begin_write(db.session)
    found = _list_to_change(user, list_id, "บันทึกการพิจารณาของคณะกรรมการ",
                            "record the committee's review")
    if found.status != DestructionStatus.PROPOSED:
        raise RecordsError("บัญชีนี้บันทึกการพิจารณาของคณะกรรมการไปแล้ว",
                           "The list was already reviewed.", status=409)
    pending = [i for i in found.items if i.decision == DestructionDecision.PENDING]
    if pending:
        raise RecordsError(
            f"ยังไม่ได้บันทึกผลการพิจารณาอีก {to_thai_digits(len(pending))} รายการ",
            f"{len(pending)} item(s) are not decided yet.", status=409)
    found.chair = chair
    found.members = members
    found.reviewed_at = utcnow().replace(microsecond=0)
    found.reviewed_by_id = user.id
    found.status = DestructionStatus.REVIEWED
    db.session.flush()
    record("destruction.review", user=user, obj=found, unit_id=found.unit_id,
           details={"chair": chair, "members": members,
                    "decisions": {i.document_id: i.decision.value for i in found.items}})
    return found


# Bytes of destroyed files are removed only once the transaction that forgot them commits.
_UNLINK = "saraban_records_unlink"


@event.listens_for(Session, "after_commit")
def _remove_destroyed_bytes(session) -> None:
    for path in session.info.pop(_UNLINK, ()):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _keep_bytes_on_rollback(session) -> None:
    session.info.pop(_UNLINK, None)


def destroy_list(user: User, list_id) -> DestructionList:
    """Carry out a reviewed list (flushes only): each approved document loses its files
    (the stored bytes too, unless another row still uses them) and is marked destroyed;
    an extended one is kept longer, a kept one for ever. Rows and register lines stay."""
    from saraban.documents.files import file_path

    begin_write(db.session)
    found = _list_to_change(user, list_id, "ทำลายหนังสือ", "destroy documents")
    if found.status == DestructionStatus.DONE:
        raise RecordsError("บัญชีนี้ทำลายไปแล้ว", "This list was already carried out.",
                           status=409)
    if found.status != DestructionStatus.REVIEWED:
        raise RecordsError("บัญชีนี้ยังไม่ผ่านการพิจารณาของคณะกรรมการ ทำลายไม่ได้",
                           "The committee has not reviewed this list yet.", status=409)
    approved = [i for i in found.items if i.decision == DestructionDecision.DESTROY]
    for item in approved:
        db.session.refresh(item.document)
        if item.document.keep_forever:
            raise RecordsError(
                f"หนังสือ {_name(item.document)} ถูกกำหนดให้ห้ามทำลายภายหลัง ทำลายไม่ได้",
                f"Document {item.document_id} is now to be kept for ever.", status=409)
    lent = db.session.scalars(select(Loan).where(
        Loan.document_id.in_([i.document_id for i in approved] or [-1]),
        Loan.returned_on.is_(None))).first()
    if lent is not None:
        raise RecordsError(
            f"หนังสือ {_name(lent.document)} ยังถูกยืมอยู่ (ผู้ยืม {lent.borrower}) "
            "ต้องรับคืนก่อนทำลาย",
            f"Document {lent.document_id} is lent out; take it back first.", status=409)
    now = utcnow().replace(microsecond=0)
    stored_ids: set[int] = set()
    summary: dict[str, list[int]] = {"destroyed": [], "extended": [], "kept": []}
    for item in found.items:
        document = item.document
        if item.decision == DestructionDecision.DESTROY and document.destroyed_at is None:
            files = [{"sha256": f.file.sha256, "filename": f.filename, "role": f.role.value,
                      "size": f.file.size} for f in document.files]
            stored_ids.update(f.file_id for f in document.files)
            document.files.clear()
            for enclosure in document.enclosures:  # the description stays, the file goes
                if enclosure.file_id is not None:
                    stored_ids.add(enclosure.file_id)
                    files.append({"sha256": enclosure.file.sha256, "enclosure": enclosure.id,
                                  "size": enclosure.file.size})
                    enclosure.file = None
            document.destroyed_at = now
            item.destroyed_at = now
            db.session.flush()
            record("document.destroy", user=user, obj=document, document_id=document.id,
                   unit_id=found.unit_id, details={"list_id": found.id, "year": found.year,
                                                   "note": item.note, "files": files})
            summary["destroyed"].append(document.id)
        elif item.decision == DestructionDecision.EXTEND:
            before = document.retention_years
            document.retention_years = min(MAX_RETENTION_YEARS, (
                before or DEFAULT_RETENTION_YEARS) + item.extend_years)
            db.session.flush()
            record("document.retention", user=user, obj=document, document_id=document.id,
                   unit_id=found.unit_id, details={
                       "list_id": found.id, "before": {"years": before},
                       "years": document.retention_years, "extended_by": item.extend_years,
                       "until": retention_until(document)})
            summary["extended"].append(document.id)
        elif item.decision == DestructionDecision.KEEP:
            document.keep_forever = True
            db.session.flush()
            record("document.retention", user=user, obj=document, document_id=document.id,
                   unit_id=found.unit_id, details={"list_id": found.id, "keep_forever": True})
            summary["kept"].append(document.id)
    removed = _forget_unused_files(stored_ids, file_path)
    found.status = DestructionStatus.DONE
    found.destroyed_at = now
    found.destroyed_by_id = user.id
    db.session.flush()
    record("destruction.done", user=user, obj=found, unit_id=found.unit_id,
           details={**summary, "files_removed": removed})
    return found


def _forget_unused_files(stored_ids: set[int], file_path) -> list[str]:
    """Delete the stored files no row uses any more; their bytes go after the commit."""
    removed = []
    for stored_id in sorted(stored_ids):
        used = db.session.scalar(select(
            exists().where(DocumentFile.file_id == stored_id)
            | exists().where(Enclosure.file_id == stored_id)))
        if used:
            continue
        stored = db.session.get(StoredFile, stored_id)
        db.session.info.setdefault(_UNLINK, []).append(str(file_path(stored.sha256)))
        removed.append(stored.sha256)
        db.session.delete(stored)
    db.session.flush()
    return removed


def _name(document: Document) -> str:
    if document.number:
        return f"ที่ {to_thai_digits(document.number)}"
    return f"เรื่อง {document.subject[:60]}"


def archives_candidates(user: User, unit_id=None, limit: int = 500) -> list[Document]:
    """Documents of the unit (or of all the units whose records the user keeps) older
    than ARCHIVES_AGE_YEARS years, to be sent to the National Archives; oldest first."""
    unit_id = _id(unit_id, "unit")
    units = keeper_unit_ids(user)
    if unit_id is not None:
        _require_keeper(user, unit_id, "ดูรายการส่งมอบหอจดหมายเหตุ",
                        "list documents for the National Archives")
        units = [unit_id]
    elif not units:
        raise RecordsError("เฉพาะเจ้าหน้าที่สารบรรณจึงดูรายการนี้ได้", "Only clerks may.",
                           status=403)
    today = bangkok_today()
    try:
        cutoff = today.replace(year=today.year - ARCHIVES_AGE_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ARCHIVES_AGE_YEARS, day=28)
    next_day = cutoff + dt.timedelta(days=1)
    created_cutoff = dt.datetime(next_day.year, next_day.month, next_day.day, tzinfo=BANGKOK)
    return list(db.session.scalars(
        select(Document)
        .where(_held_by(units), visible_filter(user), Document.destroyed_at.is_(None),
               Document.status != DocumentStatus.DRAFT,
               or_(Document.doc_date <= cutoff,
                   and_(Document.doc_date.is_(None), Document.created_at < created_cutoff)))
        .options(joinedload(Document.origin_unit))
        .order_by(Document.doc_date, Document.id).limit(limit)))


# --- loans (บัตรยืมหนังสือ) ---------------------------------------------------------------

def is_overdue(loan: Loan, today: dt.date | None = None) -> bool:
    return loan.returned_on is None and loan.due_on < (today or bangkok_today())


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
    borrower_unit_id = _id(data.get("borrower_unit"), "borrower_unit")
    today = bangkok_today()
    lent_on = read_date(data.get("lent_on"), "lent_on", "วันที่ยืม") or today
    due_on = read_date(data.get("due_on"), "due_on", "กำหนดส่งคืน", required=True)
    if lent_on > today:
        raise RecordsError("วันที่ยืมต้องไม่เลยวันนี้", "'lent_on' must not be in the future.",
                           field="lent_on")
    if due_on < lent_on:
        raise RecordsError("กำหนดส่งคืนต้องไม่ก่อนวันที่ยืม", "'due_on' is before 'lent_on'.",
                           field="due_on")
    unit_id = _id(data.get("unit"), "unit")
    note = clean_text(data.get("note"), "note", "หมายเหตุ", max_length=2000, multiline=True)
    if borrower_unit_id is not None and db.session.get(Unit, borrower_unit_id) is None:
        raise RecordsError("ไม่พบหน่วยของผู้ยืม", "No such unit.", status=404,
                           field="borrower_unit")
    begin_write(db.session)
    document, unit_id = _document_to_keep(user, document_id, "ให้ยืมหนังสือ", "lend documents",
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
    loan_id = _id(loan_id, "id")
    loan = db.session.get(Loan, loan_id, populate_existing=True,
                          with_for_update=for_update or None) if loan_id else None
    if loan is None or visible_document(user, loan.document_id) is None or not (
            user.sees_all or loan.unit_id in keeper_unit_ids(user)):
        raise RecordsError("ไม่พบบัตรยืมนี้", "No such loan.", status=404)
    return loan


def return_loan(user: User, loan_id, returned_by, returned_on=None) -> Loan:
    """The original came back: who brought it, on what day (default today). Flushes only."""
    returned_by = clean_text(returned_by, "returned_by", "ชื่อผู้ส่งคืน", max_length=255,
                             required=True)
    today = bangkok_today()
    returned_on = read_date(returned_on, "returned_on", "วันที่ส่งคืน") or today
    if returned_on > today:
        raise RecordsError("วันที่ส่งคืนต้องไม่เลยวันนี้",
                           "'returned_on' must not be in the future.", field="returned_on")
    begin_write(db.session)
    loan = get_loan(user, loan_id, for_update=True)
    _require_keeper(user, loan.unit_id, "รับคืนหนังสือ", "take loans back")
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
    today = bangkok_today()
    entries = [LoanEntry(loan, is_overdue(loan, today)) for loan in db.session.scalars(query)]
    return sorted(entries, key=lambda e: not e.overdue)  # stable: the order above stays


def keeper_units(user: User) -> list[Unit]:
    """The units whose records the user keeps, for the pages' choices."""
    ids = keeper_unit_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)))


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

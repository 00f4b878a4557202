"""The yearly destruction list (บัญชีหนังสือขอทำลาย): proposing it, the committee's
decisions and review, and carrying it out.

Destruction removes the files, never the document's row nor its register lines: what was
destroyed stays on record, and every step is audited. The bytes of a destroyed file go
only once the transaction that forgot them commits (the session hooks at the end, put on
the session by ``saraban.events``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, exists, extract, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import visible_document, visible_filter
from saraban.documents.models import Document, DocumentFile, DocumentStatus, Enclosure, StoredFile
from saraban.extensions import db
from saraban.permissions import can_see_records
from saraban.records.keepers import (
    RecordsError,
    held_by,
    keeper_unit_ids,
    read_id,
    read_whole,
    require_keeper,
)
from saraban.records.models import (
    DEFAULT_RETENTION_YEARS,
    PROPOSAL_DAYS,
    DestructionDecision,
    DestructionItem,
    DestructionList,
    DestructionStatus,
    Loan,
)
from saraban.records.retention import MAX_RETENTION_YEARS, retention_until
from saraban.thaidate import BANGKOK, be_year, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import clean_text

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


def _read_year(value) -> int:
    """A calendar year, given in the Common Era or the Buddhist Era (Thai digits too)."""
    year = read_whole(value, "year", "ปี", 1900, 2800)
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
        .where(held_by([unit_id]), visible_filter(user), Document.keep_forever == false(),
               Document.destroyed_at.is_(None), Document.status != DocumentStatus.DRAFT,
               or_(dated, undated), ~_on_open_list())
        .order_by(Document.doc_date, Document.id))
    end = be_year(year)
    return [d for d in found if (retention_until(d) or end + 1) <= end]


def propose_destruction_list(user: User, unit_id, year) -> DestructionList:
    """บัญชีหนังสือขอทำลาย of the unit for ``year``: one per unit and year, marked late when
    proposed more than PROPOSAL_DAYS days after the year's end (flushes only)."""
    unit_id = read_id(unit_id, "unit")
    year = _read_year(year)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise RecordsError("ไม่พบหน่วยนี้", "No such unit.", status=404, field="unit")
    require_keeper(user, unit.id, "เสนอบัญชีหนังสือขอทำลาย", "propose a destruction list")
    today = thaidate.today()
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
    list_id = read_id(list_id, "id")
    query = select(DestructionList).where(DestructionList.id == list_id).options(*_LIST_LOAD)
    if for_update:  # read afresh, and on PostgreSQL hold the list's row until the commit
        query = query.with_for_update(of=DestructionList).execution_options(
            populate_existing=True)
    found = db.session.scalar(query) if list_id else None
    if found is None or not can_see_records(user, found.unit_id):
        raise RecordsError("ไม่พบบัญชีหนังสือขอทำลายนี้", "No such destruction list.",
                           status=404)
    return found


def _list_to_change(user: User, list_id, doing_th: str, doing_en: str) -> DestructionList:
    found = get_destruction_list(user, list_id, for_update=True)
    require_keeper(user, found.unit_id, doing_th, doing_en)
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
    unit_id = read_id(unit_id, "unit")
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
        years = read_whole(extend_years, "extend_years", "จำนวนปีที่ขยาย", 1, MAX_RETENTION_YEARS)
        if years is None:
            raise RecordsError("กรุณาระบุจำนวนปีที่ขยายเวลาเก็บ", "'extend_years' is required.",
                               field="extend_years")
    note = clean_text(note, "note", "หมายเหตุ", max_length=2000, multiline=True)
    begin_write(db.session)
    item_id = read_id(item_id, "id")
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


def remove_destroyed_bytes(session) -> None:
    """After a commit: the files the committed work forgot go from the disk."""
    for path in session.info.pop(_UNLINK, ()):
        Path(path).unlink(missing_ok=True)


def keep_bytes_on_rollback(session) -> None:
    """After a rollback: the rows still use the files, so their bytes stay."""
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

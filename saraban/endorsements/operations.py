"""Endorsements (เกษียนหนังสือ / บันทึกสั่งการ) and the orders they give.

Only the commander a document was proposed to (เสนอ), or the person acting for that unit's
position under a delegation in force, may endorse it. An endorsement is a draft until
signed; once signed it is never changed or deleted (a guard on the session refuses it
too): a correction is a new endorsement that names the one it corrects. Signing answers
the proposal (it leaves the commander's desk) and turns each order into a task at its
destination, with a transfer of the document there unless that unit holds it already.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, func, inspect, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from saraban import thaidate
from saraban.accounts.models import Role, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import (
    HiddenDocument,
    member_unit_ids,
    require_readable,
    secrecy_filter,
    visible_document,
)
from saraban.documents.models import Document
from saraban.endorsements.capacity import acting_unit_ids, choose_capacity
from saraban.endorsements.models import (
    Endorsement,
    EndorsementLine,
    EndorsementStatus,
    Order,
    OrderStatus,
)
from saraban.extensions import db
from saraban.routing.models import Purpose, Transfer, TransferKind, TransferStatus
from saraban.routing.operations import name_recipients
from saraban.thaidate import BANGKOK, THAI_MONTHS_ABBR, format_date, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import OperationError, clean_text, is_row_id, read_date

# Standard phrases offered on the page; free text is always allowed beside them.
PHRASES = ("ทราบ", "เห็นชอบตามที่เสนอ", "อนุมัติ", "อนุญาต", "ดำเนินการตามที่เสนอ",
           "แจ้งผู้เกี่ยวข้องทราบ", "มอบ ... ดำเนินการ")
MAX_LINES, MAX_ORDERS = 30, 50


class EndorsementError(OperationError):
    """A refusal about endorsements and orders."""



# --- who may endorse what -----------------------------------------------------------

def endorsing_unit_ids(user: User, day: dt.date | None = None) -> list[int]:
    """Units whose proposals the user may endorse: those he commands, and those whose
    position he holds under a delegation in force."""
    units = set(member_unit_ids(user, Role.COMMANDER))
    units.update(acting_unit_ids(user, day or thaidate.today()))
    return sorted(units)


_LIVE_PROPOSAL = (TransferKind.PROPOSE, [TransferStatus.RECALLED, TransferStatus.RETURNED])


def proposal_to(user: User, document_id: int) -> Transfer | None:
    """The latest live proposal of the document to a unit the user may endorse for."""
    units = endorsing_unit_ids(user)
    if not units:
        return None
    return db.session.scalar(
        select(Transfer).where(Transfer.document_id == document_id,
                               Transfer.kind == _LIVE_PROPOSAL[0],
                               Transfer.status.not_in(_LIVE_PROPOSAL[1]),
                               Transfer.to_unit_id.in_(units))
        .order_by(Transfer.id.desc()).limit(1))


@dataclass
class Proposal:
    transfer: Transfer
    endorsed: bool


def proposals_for(user: User, limit: int = 50, waiting_only: bool = False) -> list[Proposal]:
    """Documents proposed (เสนอ) to the units the user endorses for, most urgent and newest
    first, each marked whether that unit has signed an endorsement on it. One query."""
    units = endorsing_unit_ids(user)
    if not units:
        return []
    endorsed = exists().where(  # signed by that unit since it was proposed
        Endorsement.document_id == Transfer.document_id,
        Endorsement.unit_id == Transfer.to_unit_id,
        Endorsement.status == EndorsementStatus.SIGNED,
        or_(Transfer.sent_at.is_(None), Endorsement.signed_at >= Transfer.sent_at),
    )
    query = (
        select(Transfer, endorsed.label("endorsed"))
        .join(Transfer.document)
        .where(Transfer.kind == TransferKind.PROPOSE, Transfer.to_unit_id.in_(units),
               Transfer.status.not_in(_LIVE_PROPOSAL[1]),
               secrecy_filter(user))
        .options(contains_eager(Transfer.document), joinedload(Transfer.from_unit),
                 joinedload(Transfer.to_unit))
        .order_by(Document.urgency.desc(), Transfer.sent_at.desc(), Transfer.id.desc())
        .limit(limit)
    )
    if waiting_only:
        query = query.where(~endorsed)
    return [Proposal(t, bool(flag)) for t, flag in db.session.execute(query).all()]


def proposals_waiting_count(user: User, cap: int) -> int:
    """How many proposals wait for the user's endorsement (not yet endorsed by the unit
    they were proposed to), counting no further than ``cap + 1``. One query."""
    units = endorsing_unit_ids(user)
    if not units:
        return 0
    endorsed = exists().where(
        Endorsement.document_id == Transfer.document_id,
        Endorsement.unit_id == Transfer.to_unit_id,
        Endorsement.status == EndorsementStatus.SIGNED,
        or_(Transfer.sent_at.is_(None), Endorsement.signed_at >= Transfer.sent_at),
    )
    waiting = (select(Transfer.id).join(Transfer.document)
               .where(Transfer.kind == TransferKind.PROPOSE, Transfer.to_unit_id.in_(units),
                      Transfer.status.not_in(_LIVE_PROPOSAL[1]), secrecy_filter(user),
                      ~endorsed).limit(cap + 1))
    return db.session.scalar(select(func.count()).select_from(waiting.subquery())) or 0


def _document_to_endorse(user: User, document_id) -> tuple[Document, Transfer]:
    document = require_readable(user, document_id)
    proposal = proposal_to(user, document.id)
    if proposal is None:
        raise EndorsementError(
            "หนังสือนี้ไม่ได้เสนอถึงท่าน เกษียนได้เฉพาะผู้บังคับบัญชาที่หนังสือเสนอถึง "
            "หรือผู้ทำแทนตามคำสั่ง",
            "This document was not proposed to you: only the commander it was proposed to, "
            "or his acting deputy, may endorse it.", status=403)
    if user.person_id is None:
        raise EndorsementError("บัญชีนี้ไม่ได้ผูกกับชื่อและตำแหน่งของผู้ลงนาม ติดต่อผู้ดูแลระบบ",
                               "This account is not linked to a person who signs.",
                               status=403)
    return document, proposal


# --- reading the input ---------------------------------------------------------------

def _read_lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or any(not isinstance(x, str) for x in value):
        raise EndorsementError("ข้อความเกษียนต้องเป็นรายการข้อความ",
                               "'lines' must be a list of strings.", field="lines")
    lines = [clean_text(x, "lines", "ข้อความเกษียน", max_length=1000) for x in value]
    lines = [x for x in lines if x]
    if not lines:
        raise EndorsementError("กรุณาเขียนข้อความเกษียนอย่างน้อยหนึ่งบรรทัด",
                               "'lines' needs at least one line of text.", field="lines")
    if len(lines) > MAX_LINES:
        raise EndorsementError(f"ข้อความเกษียนเกิน {to_thai_digits(MAX_LINES)} บรรทัด",
                               f"At most {MAX_LINES} lines.", field="lines")
    return lines


def _id(value, field: str) -> int | None:
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 10:
        value = int(value)
    if value in (None, ""):
        return None
    if not is_row_id(value):
        raise EndorsementError("รหัสไม่ถูกต้อง", f"'{field}' must be an id.", field=field)
    return value


def _read_orders(value, today: dt.date) -> list[Order]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or any(not isinstance(x, dict) for x in value):
        raise EndorsementError("รายการสั่งการไม่ถูกต้อง",
                               "'orders' must be a list of objects.", field="orders")
    if len(value) > MAX_ORDERS:
        raise EndorsementError(f"สั่งการได้ไม่เกิน {to_thai_digits(MAX_ORDERS)} รายการ",
                               f"At most {MAX_ORDERS} orders.", field="orders")
    orders = []
    for item in value:
        unit_id = _id(item.get("to_unit"), "orders.to_unit")
        user_id = _id(item.get("to_user"), "orders.to_user")
        instruction = clean_text(item.get("instruction"), "orders.instruction",
                                 "ข้อความสั่งการ", max_length=1000, multiline=True)
        due = read_date(item.get("due_date"), "orders.due_date", "กำหนดเสร็จ")
        if unit_id is None and user_id is None and not instruction and due is None:
            continue  # an empty row of the form
        if unit_id is None and user_id is None:
            raise EndorsementError("กรุณาเลือกหน่วยหรือผู้รับคำสั่ง",
                                   "Each order needs 'to_unit' or 'to_user'.",
                                   field="orders.to_unit")
        if not instruction:
            raise EndorsementError("กรุณากรอกข้อความสั่งการ", "Each order needs 'instruction'.",
                                   field="orders.instruction")
        if due is not None and due < today:
            raise EndorsementError("กำหนดเสร็จต้องไม่ก่อนวันนี้",
                                   "'due_date' must not be in the past.",
                                   field="orders.due_date")
        orders.append(Order(to_unit_id=unit_id, to_user_id=user_id, instruction=instruction,
                            due_date=due, status=OrderStatus.OPEN))
    _check_assignees(orders)
    return orders


def _check_assignees(orders: list[Order]) -> None:
    unit_ids = {o.to_unit_id for o in orders if o.to_unit_id}
    user_ids = {o.to_user_id for o in orders if o.to_user_id}
    units = set(db.session.scalars(select(Unit.id).where(Unit.id.in_(unit_ids),
                                                         Unit.is_active))) if unit_ids else set()
    if unit_ids - units:
        raise EndorsementError("ไม่พบหน่วยที่สั่งการ", "Unknown unit in 'orders'.", status=404,
                               field="orders.to_unit")
    if not user_ids:
        return
    people = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.active)
        .options(selectinload(User.memberships)))}
    if user_ids - set(people):
        raise EndorsementError("ไม่พบผู้รับคำสั่ง", "Unknown user in 'orders'.", status=404,
                               field="orders.to_user")
    for order in orders:  # an order to a person goes to his unit
        if order.to_user_id and order.to_unit_id is None:
            memberships = people[order.to_user_id].memberships
            if not memberships:
                raise EndorsementError("ผู้รับคำสั่งไม่ได้สังกัดหน่วยใด",
                                       "That user belongs to no unit.", field="orders.to_user")
            order.to_unit_id = memberships[0].unit_id


# --- drafts, signing, corrections -------------------------------------------------------

def _capacity_key(e: Endorsement) -> str | None:
    if e.delegation_id:
        return f"delegation:{e.delegation_id}"
    return f"own:{e.position_id}" if e.position_id else None


def _apply_capacity(e: Endorsement, user: User, key: str | None, day: dt.date) -> None:
    capacity = choose_capacity(user.person, day, key)
    e.position_id = capacity.position.id if capacity.position else None
    e.delegation_id = capacity.delegation.id if capacity.delegation else None
    e.acting_kind = capacity.acting_kind
    e.acting_position_id = capacity.acting_position.id if capacity.acting_position else None
    e.signature_text = capacity.text


def _corrects(value, document_id: int) -> int | None:
    target_id = _id(value, "corrects")
    if target_id is None:
        return None
    target = db.session.get(Endorsement, target_id)
    if (target is None or target.document_id != document_id
            or target.status != EndorsementStatus.SIGNED):
        raise EndorsementError("เกษียนที่จะแก้ไขต้องเป็นเกษียนที่ลงนามแล้วของหนังสือฉบับนี้",
                               "'corrects' must be a signed endorsement of this document.",
                               field="corrects")
    return target.id


def _usable_key(form_key: str | None) -> str | None:
    """The form's key as kept, or None for one no form makes (too long, or with control
    characters, which PostgreSQL refuses in a query when NUL)."""
    usable = isinstance(form_key, str) and 0 < len(form_key) <= 64 and form_key.isprintable()
    return form_key if usable else None


def endorsement_for_form(form_key: str | None) -> Endorsement | None:
    form_key = _usable_key(form_key)
    if form_key is None:
        return None
    return db.session.scalar(select(Endorsement).where(Endorsement.form_key == form_key))


def draft_endorsement(user: User, document_id, data: dict,
                      form_key: str | None = None) -> Endorsement:
    """A draft endorsement on a document proposed to the user (flushes only). ``data``:
    ``lines`` (list of text), optional ``capacity`` (a key from ``capacities_for``),
    ``orders`` (``to_unit``/``to_user``, ``instruction``, ``due_date``), ``corrects``."""
    done = endorsement_for_form(form_key)
    if done is not None and done.created_by_id == user.id:
        return done  # the same form again: a double click or a retry
    document, proposal = _document_to_endorse(user, document_id)
    today = thaidate.today()
    lines = _read_lines(data.get("lines"))
    orders = _read_orders(data.get("orders"), today)
    begin_write(db.session)
    endorsement = Endorsement(
        document_id=document.id, unit_id=proposal.to_unit_id, signer_id=user.person_id,
        status=EndorsementStatus.DRAFT, time_known=True, created_by_id=user.id,
        corrects_id=_corrects(data.get("corrects"), document.id),
        form_key=_usable_key(form_key))
    _apply_capacity(endorsement, user, data.get("capacity") or None, today)
    endorsement.lines = [EndorsementLine(position=i, text=t) for i, t in enumerate(lines)]
    endorsement.orders = orders
    db.session.add(endorsement)
    db.session.flush()
    record("endorsement.draft", user=user, obj=endorsement, document_id=document.id,
           unit_id=proposal.to_unit_id, details={"lines": lines, "orders": len(orders)})
    return endorsement


def _own_draft(user: User, endorsement_id, doing_th: str, doing_en: str) -> Endorsement:
    endorsement = get_endorsement(user, endorsement_id)
    if endorsement.status == EndorsementStatus.SIGNED:
        raise EndorsementError(
            f"เกษียนนี้ลงนามแล้ว {doing_th}ไม่ได้ หากต้องแก้ไขให้เกษียนใหม่โดยอ้างถึงฉบับนี้",
            f"This endorsement is signed and cannot be {doing_en}; write a new one that "
            "corrects it.", status=409)
    if endorsement.created_by_id != user.id:
        raise EndorsementError("ร่างนี้เป็นของผู้อื่น", "This draft is someone else's.",
                               status=403)
    return endorsement


def update_draft(user: User, endorsement_id, data: dict) -> Endorsement:
    """Change a draft's lines, capacity or orders (flushes only)."""
    begin_write(db.session)
    endorsement = _own_draft(user, endorsement_id, "แก้ไข", "changed")
    today = thaidate.today()
    if "lines" in data:
        lines = _read_lines(data.get("lines"))
        endorsement.lines = [EndorsementLine(position=i, text=t) for i, t in enumerate(lines)]
    if "orders" in data:
        endorsement.orders = _read_orders(data.get("orders"), today)
    if "capacity" in data:
        _apply_capacity(endorsement, user, data.get("capacity") or None, today)
    if "corrects" in data:
        endorsement.corrects_id = _corrects(data.get("corrects"), endorsement.document_id)
    db.session.flush()
    record("endorsement.update", user=user, obj=endorsement,
           document_id=endorsement.document_id,
           details={"fields": sorted(k for k in data if k in
                                     ("lines", "orders", "capacity", "corrects"))})
    return endorsement


def delete_draft(user: User, endorsement_id) -> None:
    begin_write(db.session)
    endorsement = _own_draft(user, endorsement_id, "ลบ", "deleted")
    record("endorsement.delete", user=user, obj=endorsement,
           document_id=endorsement.document_id)
    db.session.delete(endorsement)
    db.session.flush()


def sign_endorsement(user: User, endorsement_id) -> Endorsement:
    """Sign a draft: it is fixed from now on, its capacity must be in force today, the
    proposal is answered, and each order becomes a task at its destination, with a
    transfer of the document when that unit does not hold it already."""
    begin_write(db.session)
    endorsement = _own_draft(user, endorsement_id, "ลงนามซ้ำ", "signed again")
    document, proposal = _document_to_endorse(user, endorsement.document_id)
    now = utcnow().replace(microsecond=0)
    _apply_capacity(endorsement, user, _capacity_key(endorsement),
                    now.astimezone(BANGKOK).date())
    endorsement.status = EndorsementStatus.SIGNED
    endorsement.signed_at = now
    endorsement.time_known = True
    if proposal.status in (TransferStatus.SENT, TransferStatus.OPENED):
        # the proposal is answered: it leaves the desk, and can no longer be pulled back
        proposal.status = TransferStatus.ACCEPTED
        proposal.accepted_at = now
        proposal.handled_by_id = user.id
    holding = holding_unit_ids(document.id, [o.to_unit_id for o in endorsement.orders])
    for order in endorsement.orders:
        # On a secret document every order goes to named, cleared people, in his own
        # office too: the rest of the unit sees nothing of it (see tasks_for).
        name_recipients(user, document, order.to_unit_id, order.to_user_id, commanders=True)
        if order.to_unit_id == endorsement.unit_id:
            continue  # an order to the commander's own office needs no transfer
        back = order.to_unit_id == proposal.from_unit_id
        if order.to_unit_id in holding:
            continue  # it has the document already: the order is its task, no new receipt
        order.transfer = Transfer(
            document_id=endorsement.document_id,
            kind=TransferKind.RETURN if back else TransferKind.FORWARD,
            purpose=Purpose.ACT, purpose_text=order.instruction[:500],
            from_unit_id=endorsement.unit_id, to_unit_id=order.to_unit_id, sent_at=now,
            sent_by_id=user.id, due_date=order.due_date, status=TransferStatus.SENT)
        holding.add(order.to_unit_id)  # two orders to one unit: one document to receive
    db.session.flush()
    record("endorsement.sign", user=user, obj=endorsement,
           document_id=endorsement.document_id, unit_id=endorsement.unit_id,
           details={"signature": endorsement.signature_text,
                    "delegation_id": endorsement.delegation_id,
                    "lines": [x.text for x in endorsement.lines],
                    "orders": [o.id for o in endorsement.orders],
                    "corrects": endorsement.corrects_id})
    return endorsement


def holding_unit_ids(document_id: int, unit_ids: list[int]) -> set[int]:
    """Those of ``unit_ids`` that hold the document already: entered in one of their
    receipt registers, or sent to them and waiting there to be received. An order to
    such a unit needs no transfer (one query)."""
    from saraban.registers.models import EntryStatus, Receipt, Register, RegisterKind

    unit_ids = [u for u in unit_ids if u]
    if not unit_ids:
        return set()
    registered = (select(Register.unit_id).join(Receipt, Receipt.register_id == Register.id)
                  .where(Receipt.document_id == document_id,
                         Receipt.status == EntryStatus.ACTIVE,
                         Register.kind == RegisterKind.RECEIPT,
                         Register.unit_id.in_(unit_ids)))
    on_its_way = select(Transfer.to_unit_id).where(
        Transfer.document_id == document_id, Transfer.to_unit_id.in_(unit_ids),
        Transfer.kind != TransferKind.PROPOSE,
        Transfer.status.in_([TransferStatus.SENT, TransferStatus.OPENED]))
    return set(db.session.scalars(registered.union(on_its_way)))


def endorse_and_sign(user: User, document_id, data: dict, form_key: str | None) -> Endorsement:
    """Write and sign in one step (the page's "ลงนาม"); the same form twice signs once."""
    endorsement = draft_endorsement(user, document_id, data, form_key)
    if endorsement.status == EndorsementStatus.SIGNED:
        return endorsement
    return sign_endorsement(user, endorsement.id)


# --- reading -----------------------------------------------------------------------

_LOAD = (selectinload(Endorsement.lines), joinedload(Endorsement.signer),
         joinedload(Endorsement.unit),
         selectinload(Endorsement.orders).joinedload(Order.to_unit))


def get_endorsement(user: User, endorsement_id) -> Endorsement:
    """An endorsement on a document the user may see; a draft only for its writer."""
    endorsement_id = _id(endorsement_id, "id")
    endorsement = db.session.get(Endorsement, endorsement_id, populate_existing=True) if (
        endorsement_id) else None
    if (endorsement is None or visible_document(user, endorsement.document_id) is None
            or (endorsement.status == EndorsementStatus.DRAFT
                and endorsement.created_by_id != user.id)):
        raise HiddenDocument("ไม่พบเกษียนนี้", "No such endorsement.")
    return endorsement


def endorsements_of(user: User, document: Document) -> list[Endorsement]:
    """A document's signed endorsements in order, and the user's own drafts last."""
    return list(db.session.scalars(
        select(Endorsement)
        .where(Endorsement.document_id == document.id,
               or_(Endorsement.status == EndorsementStatus.SIGNED,
                   Endorsement.created_by_id == user.id))
        .options(*_LOAD)
        .order_by((Endorsement.status == EndorsementStatus.DRAFT), Endorsement.signed_at,
                  Endorsement.id)))


def signature_block(e: Endorsement) -> str:
    """The block under the minute as on paper: rank / (name) / position line / date."""
    parts = [e.signer.signature_name, e.signature_text]
    if e.signed_at is not None:
        parts.append(format_date(e.signed_at.astimezone(BANGKOK), "endorsement"))
    return "\n".join(p for p in parts if p)


def circular_citation(e: Endorsement) -> str:
    """How a circular cites the endorsement and the memo it was written on, as the seed
    does: บันทึกสั่งการ ตร. ลง ๒๖ พ.ย.๖๒ ท้ายหนังสือ สทส. ที่ ๐๐๓๓.๑๒/๕๐๕๒ ลง ๒๒ พ.ย.๖๒"""
    authority = e.acting_position or e.position
    owner = authority.unit if authority is not None and authority.unit else e.unit
    memo = e.document
    origin = memo.origin_unit or memo.origin_agency
    parts = ["บันทึกสั่งการ", owner.short_name if owner else ""]
    if e.signed_at is not None:
        parts.append(f"ลง {_compact(e.signed_at.astimezone(BANGKOK).date())}")
    parts.append("ท้ายหนังสือ")
    parts.append(origin.short_name if origin is not None else (memo.sender_text or ""))
    if memo.number:
        parts.append(f"ที่ {to_thai_digits(memo.number)}")
    if memo.doc_date:
        parts.append(f"ลง {_compact(memo.doc_date)}")
    return " ".join(p for p in parts if p)


def circular_text(e: Endorsement, purpose_text: str = "เพื่อโปรดทราบ") -> str:
    """The text a circular carrying the endorsement opens with."""
    return f"{purpose_text} ตาม{circular_citation(e)} เรื่อง {e.document.subject}"


def _compact(day: dt.date) -> str:
    """๒๖ พ.ย.๖๒: the short form endorsements and circulars use."""
    return to_thai_digits(f"{day.day} {THAI_MONTHS_ABBR[day.month]}{(day.year + 543) % 100:02d}")


# --- orders ------------------------------------------------------------------------

_ORDER_LOAD = (contains_eager(Order.endorsement).joinedload(Endorsement.document),
               contains_eager(Order.endorsement).joinedload(Endorsement.signer),
               contains_eager(Order.endorsement).selectinload(Endorsement.lines),
               joinedload(Order.to_unit))


def tasks_for(user: User, include_done: bool = False, limit: int = 200,
              document_id: int | None = None) -> list[Order]:
    """Orders given to the user or to his units (on one document, when given), overdue
    and soonest due first. An order on a secret document is listed only to someone who
    may read the document (its named, cleared readers): to the rest of the unit, not even
    as a count."""
    units = member_unit_ids(user) or [-1]
    query = (select(Order).join(Order.endorsement)
             .join(Document, Document.id == Endorsement.document_id)
             .where(Endorsement.status == EndorsementStatus.SIGNED, secrecy_filter(user),
                    Endorsement.document_id == document_id if document_id else true(),
                    or_(Order.to_user_id == user.id,
                        (Order.to_user_id.is_(None)) & Order.to_unit_id.in_(units)))
             .options(*_ORDER_LOAD)
             .order_by(Order.status, Order.due_date.is_(None), Order.due_date, Order.id)
             .limit(limit))
    if not include_done:
        query = query.where(Order.status == OrderStatus.OPEN)
    return list(db.session.scalars(query))


def orders_given(user: User, limit: int = 200) -> list[Order]:
    """Open orders the user gave in endorsements he signed, to follow up (on secret
    documents only while he may still read them)."""
    return list(db.session.scalars(
        select(Order).join(Order.endorsement)
        .join(Document, Document.id == Endorsement.document_id)
        .where(Endorsement.status == EndorsementStatus.SIGNED, secrecy_filter(user),
               Endorsement.created_by_id == user.id, Order.status == OrderStatus.OPEN)
        .options(*_ORDER_LOAD)
        .order_by(Order.due_date.is_(None), Order.due_date, Order.id).limit(limit)))


def complete_order(user: User, order_id, note) -> Order:
    """The assignee reports an order done, with a note (flushes only)."""
    note = clean_text(note, "note", "ผลการดำเนินการ", max_length=2000, required=True,
                      multiline=True)
    begin_write(db.session)
    order_id = _id(order_id, "id")
    order = db.session.get(Order, order_id, populate_existing=True) if order_id else None
    mine = order is not None and (
        order.to_user_id == user.id
        or (order.to_user_id is None and order.to_unit_id in member_unit_ids(user)))
    if (not mine or order.endorsement.status != EndorsementStatus.SIGNED
            or visible_document(user, order.endorsement.document_id) is None):
        raise HiddenDocument("ไม่พบคำสั่งการนี้ในงานของท่าน", "No such order for you.")
    if order.status != OrderStatus.OPEN:
        raise EndorsementError("คำสั่งการนี้รายงานผลไปแล้ว", "This order is already closed.",
                               status=409)
    order.status = OrderStatus.DONE
    order.done_at = utcnow().replace(microsecond=0)
    order.done_note = note
    order.done_by_id = user.id
    db.session.flush()
    record("order.complete", user=user, obj=order, document_id=order.endorsement.document_id,
           unit_id=order.to_unit_id,
           details={"note": note, "overdue": bool(order.due_date
                                                   and order.due_date < thaidate.today())})
    return order


# --- the guard: signed endorsements never change ------------------------------------

_FIXED_ORDER_FIELDS = ("endorsement_id", "to_unit_id", "to_user_id", "to_text",
                       "instruction", "due_date")


def _was_signed(e: Endorsement) -> bool:
    """Whether the endorsement was signed before this flush's changes."""
    history = inspect(e).attrs.status.history
    if history.deleted:
        return history.deleted[0] == EndorsementStatus.SIGNED
    if history.added:
        return False  # set without being read: only signing a draft does that
    return e.status == EndorsementStatus.SIGNED  # unchanged (read now if expired)


def keep_signed_endorsements(session, _context, _instances) -> None:
    """Before each flush: refuse any change to an endorsement already signed (its lines
    and orders included), whoever makes it, page, API or script."""
    for obj in session.new:  # nothing is added to a signed endorsement
        if isinstance(obj, EndorsementLine | Order) and obj.endorsement_id is not None:
            parent = session.get(Endorsement, obj.endorsement_id)
            if parent is not None and _was_signed(parent):
                raise SignedEndorsementChanged(parent.id)
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Endorsement):
            state = inspect(obj)
            if _was_signed(obj) and (obj in session.deleted or any(
                    state.attrs[key].history.has_changes()
                    for key in state.mapper.column_attrs.keys())):
                raise SignedEndorsementChanged(obj.id)
        elif isinstance(obj, EndorsementLine):
            parent = obj.endorsement or session.get(Endorsement, obj.endorsement_id)
            if parent is not None and _was_signed(parent) and (
                    obj in session.deleted or session.is_modified(obj)):
                raise SignedEndorsementChanged(parent.id)
        elif isinstance(obj, Order) and obj in session.dirty:
            state = inspect(obj)
            if any(state.attrs[key].history.has_changes() for key in _FIXED_ORDER_FIELDS) and (
                    obj.endorsement is not None and _was_signed(obj.endorsement)):
                raise SignedEndorsementChanged(obj.endorsement_id)


class SignedEndorsementChanged(EndorsementError):
    def __init__(self, endorsement_id):
        super().__init__("เกษียนที่ลงนามแล้วแก้ไขหรือลบไม่ได้",
                         f"Signed endorsement {endorsement_id} cannot be changed or deleted.",
                         status=409)

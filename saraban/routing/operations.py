"""Routing: moving documents between units (forward, circulate, accept, pull back, return)
and reading what moved where."""

from __future__ import annotations

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload

from saraban.accounts.models import Membership, Role, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import (
    HiddenDocument,
    cleared_members,
    member_unit_ids,
    name_reader,
    require_readable,
    secrecy_filter,
)
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.permissions import is_top_secret
from saraban.routing.models import (
    Purpose,
    Transfer,
    TransferKind,
    TransferStatus,
)
from saraban.units.models import Unit
from saraban.validation import OperationError, clean_text, is_row_id, read_date


class RoutingError(OperationError):
    """A refusal about moving documents."""


_PURPOSE_WORDS = {p.value for p in Purpose}


def _from_unit_for(user: User, unit_id: int | None) -> int:
    """The unit the user sends for: the one named, if he belongs to it, or his first."""
    mine = member_unit_ids(user)
    if unit_id is None and mine:
        clerk_units = member_unit_ids(user, Role.CLERK)
        return (clerk_units or mine)[0]
    if unit_id is None or unit_id not in mine:
        raise RoutingError("ท่านไม่ได้สังกัดหน่วยที่ส่ง", "You do not belong to the sending unit.",
                           status=403, field="from_unit")
    return unit_id


def name_recipients(sender: User, document: Document, unit_id: int, to_user_id=None, *,
                    commanders: bool = False) -> list[User]:
    """Name who reads a secret document sent to ``unit_id`` (flushes): the person
    ``to_user_id``, who must belong to that unit and be cleared for its level; or, when
    ``commanders`` and nobody is named, the unit's commanders cleared for it (a proposal or
    an order goes to the head of the unit). Ordinary documents need no names."""
    if document.secrecy <= 0:
        return []
    if is_top_secret(document):
        raise _top_secret_readers()
    if to_user_id not in (None, ""):
        person = db.session.get(User, to_user_id) if is_row_id(to_user_id) else None
        member = person is not None and person.active and db.session.scalar(
            select(Membership.id).where(Membership.user_id == person.id,
                                        Membership.unit_id == unit_id).limit(1))
        if not member:
            raise RoutingError("ผู้รับที่ระบุชื่อไม่ได้สังกัดหน่วยปลายทาง",
                               "The named recipient does not belong to the destination unit.",
                               field="to_user")
        if person.clearance < document.secrecy:
            raise RoutingError("ผู้รับที่ระบุชื่อไม่มีสิทธิ์เข้าถึงหนังสือชั้นความลับนี้",
                               "The named recipient is not cleared for this secrecy level.",
                               status=409, field="to_user")
        people = [person]
    elif commanders:
        people = cleared_members(unit_id, Role.COMMANDER, document.secrecy)
    else:
        people = []
    if not people:
        raise RoutingError(
            "หนังสือลับต้องระบุชื่อผู้รับในหน่วยปลายทางที่มีสิทธิ์เข้าถึงชั้นความลับนี้",
            "A classified document needs a named recipient in the destination unit, "
            "cleared for its level ('to_user').", field="to_user")
    for person in people:
        name_reader(document, person, sender)
    return people



def _top_secret_readers() -> RoutingError:
    """ลับที่สุด stays off electronic circulation (the regulation on official secrets): its
    register line is kept, but nobody is named to read it through the system; the paper
    goes by hand to the person the registry officer hands it to."""
    return RoutingError(
        "หนังสือลับที่สุดไม่เวียนทางระบบ จึงระบุชื่อผู้อ่านทางระบบไม่ได้ "
        "ให้นายทะเบียนหนังสือลับส่งตัวหนังสือตามระเบียบว่าด้วยการรักษาความลับของทางราชการ",
        "Top-secret documents are not circulated electronically: no reader may be named "
        "through the system.", status=409)


def cleared_people(secrecy: int) -> list[tuple[User, str]]:
    """Active users cleared for ``secrecy``, each with his units' short names, to choose a
    named recipient from (one query)."""
    rows = db.session.execute(
        select(User, Unit.short_name).join(Membership, Membership.user_id == User.id)
        .join(Unit, Unit.id == Membership.unit_id)
        .where(User.active, User.clearance >= secrecy)
        .order_by(Unit.id, User.display_name)).all()
    people: dict[int, tuple[User, list[str]]] = {}
    for person, unit in rows:
        people.setdefault(person.id, (person, []))[1].append(unit)
    return [(person, ", ".join(dict.fromkeys(units))) for person, units in people.values()]


def readers_of(document: Document) -> list[tuple[User, object]]:
    """Who is named to read a secret document, and when, oldest first."""
    from saraban.documents.models import DocumentReader

    return [(person, at) for person, at in db.session.execute(
        select(User, DocumentReader.granted_at)
        .join(DocumentReader, DocumentReader.user_id == User.id)
        .where(DocumentReader.document_id == document.id)
        .order_by(DocumentReader.granted_at, DocumentReader.id))]


def name_reader_of(user: User, document_id: int, reader_id) -> User:
    """A reader names another person to read a secret document (flushes): someone cleared
    for its level. Recorded in the audit trail."""
    document = require_readable(user, document_id)
    if document.secrecy <= 0:
        raise RoutingError("หนังสือนี้ไม่ใช่หนังสือลับ ผู้ที่เกี่ยวข้องเห็นได้อยู่แล้ว",
                           "Only classified documents have named readers.", status=409)
    if is_top_secret(document):
        raise _top_secret_readers()
    person = db.session.get(User, reader_id) if is_row_id(reader_id) else None
    if person is None or not person.active:
        raise RoutingError("ไม่พบผู้ใช้นี้", "No such user.", status=404, field="user")
    if person.clearance < document.secrecy:
        raise RoutingError("ผู้ที่ระบุชื่อไม่มีสิทธิ์เข้าถึงหนังสือชั้นความลับนี้",
                           "That user is not cleared for this secrecy level.", status=409,
                           field="user")
    begin_write(db.session)
    if name_reader(document, person, user):
        record("document.reader", user=user, obj=document, document_id=document.id,
               details={"reader": person.id})
    return person


def send_transfers(user: User, document_id: int, to_unit_ids: list[int], *,
                   purpose: str = "inform", purpose_text: str | None = None,
                   due_date=None, from_unit_id: int | None = None,
                   note: str | None = None, propose: bool = False,
                   to_user_id: int | None = None) -> list[Transfer]:
    """Forward a document to one unit, or circulate it to many (flushes, never commits).
    Each destination finds it in its inbox; accepting it gives it a receipt number there.
    ``propose`` sends it up (เสนอ) to one unit's commander, who may then endorse it.
    A secret document goes to one unit at a time, to a person named there (``to_user_id``;
    a proposal names the unit's commanders when nobody is named)."""
    document = require_readable(user, document_id)
    if is_top_secret(document):
        raise RoutingError("หนังสือลับที่สุดไม่ส่งต่อทางระบบ ให้ส่งตัวหนังสือตามระเบียบ",
                           "Top-secret documents are not circulated electronically.",
                           status=409)
    source = _from_unit_for(user, from_unit_id)
    if not isinstance(to_unit_ids, list) or not to_unit_ids or len(to_unit_ids) > 500 or any(
            not is_row_id(u) for u in to_unit_ids):
        raise RoutingError("กรุณาเลือกหน่วยปลายทางอย่างน้อยหนึ่งหน่วย",
                           "'to' must list one or more unit ids.", field="to")
    targets = {u.id: u for u in db.session.scalars(
        select(Unit).where(Unit.id.in_(to_unit_ids), Unit.is_active))}
    unknown = [u for u in to_unit_ids if u not in targets]
    if unknown:
        raise RoutingError(f"ไม่พบหน่วยปลายทาง ({len(unknown)} หน่วย)",
                           f"Unknown destination units: {unknown[:10]}.", status=404, field="to")
    if source in targets:
        raise RoutingError("ส่งถึงหน่วยของตนเองไม่ได้", "A unit cannot send to itself.",
                           field="to")
    if not isinstance(purpose, str) or purpose not in _PURPOSE_WORDS:
        raise RoutingError("วัตถุประสงค์ไม่ถูกต้อง",
                           f"'purpose' must be one of: {', '.join(sorted(_PURPOSE_WORDS))}.",
                           field="purpose")
    purpose_text = clean_text(purpose_text, "purpose_text", "วัตถุประสงค์", max_length=500)
    note = clean_text(note, "note", "หมายเหตุ", max_length=2000, multiline=True)
    due = read_date(due_date, "due_date", "กำหนดเสร็จ")
    if propose and len(targets) != 1:
        raise RoutingError("เสนอหนังสือได้ครั้งละหนึ่งหน่วย",
                           "A proposal goes to exactly one unit.", field="to")
    if document.secrecy > 0 and len(targets) != 1:
        raise RoutingError("หนังสือลับส่งได้ครั้งละหนึ่งหน่วย พร้อมชื่อผู้รับ",
                           "A classified document goes to one unit at a time, to a named "
                           "recipient.", field="to")
    kind = (TransferKind.PROPOSE if propose else
            TransferKind.CIRCULATE if len(targets) > 1 else TransferKind.FORWARD)
    begin_write(db.session)
    named = name_recipients(user, document, to_unit_ids[0], to_user_id, commanders=propose)
    now = utcnow().replace(microsecond=0)
    made = []
    for unit_id in dict.fromkeys(to_unit_ids):
        transfer = Transfer(document=document, kind=kind, purpose=Purpose(purpose),
                            purpose_text=purpose_text, from_unit_id=source, to_unit_id=unit_id,
                            sent_at=now, sent_by_id=user.id, note=note, due_date=due,
                            status=TransferStatus.SENT)
        db.session.add(transfer)
        made.append(transfer)
    seen = _returns_seen(document.id, source, now)
    db.session.flush()
    record("transfer.send", user=user, obj=made[0], document_id=document.id, unit_id=source,
           details={"to": list(targets), "purpose": purpose, "kind": kind.value,
                    **({"readers": [p.id for p in named]} if named else {}),
                    **({"returns_seen": seen} if seen else {})})
    return made


def _returns_seen(document_id: int, unit_id: int, now) -> list[int]:
    """Sending a document on again answers the returns it came back with to that unit:
    they stop waiting on the sender's home page. The ids of those returns."""
    returned = list(db.session.scalars(
        select(Transfer).where(Transfer.document_id == document_id,
                               Transfer.from_unit_id == unit_id,
                               Transfer.status == TransferStatus.RETURNED,
                               Transfer.return_seen_at.is_(None))))
    for transfer in returned:
        transfer.return_seen_at = now
    return [t.id for t in returned]


def _transfer_for(user: User, transfer_id: int, *, side: str) -> Transfer:
    """A transfer the user handles: on the destination's side, a document his unit's
    register receives (or, for a proposal, one he endorses for); on the sender's side,
    one his units sent."""
    transfer = db.session.get(Transfer, transfer_id, populate_existing=True) if (
        0 < transfer_id < 2**31) else None
    missing = ("ไม่พบรายการส่งนี้", "No such transfer.")
    if side == "to":
        mine = transfer is not None and transfer.to_unit_id in handling_unit_ids(
            user, transfer)
    else:
        mine = transfer is not None and transfer.from_unit_id in member_unit_ids(user)
    if not mine:
        raise HiddenDocument(*missing)
    # the unit's own transfer, but of a document he may not read: the same answer
    require_readable(user, transfer.document_id, not_found=missing)
    return transfer


def receiving_unit_ids(user: User) -> list[int]:
    """Units whose documents the user receives (ลงรับ): those whose receipt register he
    keeps, and those of his units that keep no receipt register at all (any member takes
    in what is sent there, without a number). Read once per user object."""
    from saraban.registers.models import RegisterKind
    from saraban.registers.operations import usable_registers

    cache = user.__dict__.get("_saraban_receiving")
    if cache is None:
        keeps = {r.unit_id for r in usable_registers(user) if r.kind == RegisterKind.RECEIPT}
        cache = sorted(keeps | set(unregistered_unit_ids(member_unit_ids(user))))
        user.__dict__["_saraban_receiving"] = cache
    return cache


def unregistered_unit_ids(unit_ids) -> list[int]:
    """Those of ``unit_ids`` that keep no active receipt register (one query)."""
    from saraban.registers.models import Register, RegisterKind

    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return []
    registered = set(db.session.scalars(
        select(Register.unit_id).where(Register.unit_id.in_(unit_ids), Register.is_active,
                                       Register.kind == RegisterKind.RECEIPT)))
    return [u for u in unit_ids if u not in registered]


def handling_unit_ids(user: User, transfer: Transfer) -> list[int]:
    """The destination units for which the user answers a transfer (accepts or returns
    it): a proposal is the endorsing commander's, anything else the receiving clerk's."""
    if transfer.kind == TransferKind.PROPOSE:
        from saraban.endorsements.operations import endorsing_unit_ids

        return sorted(set(endorsing_unit_ids(user)) | set(receiving_unit_ids(user)))
    return receiving_unit_ids(user)


def _must_be_waiting(transfer: Transfer) -> None:
    if transfer.status not in (TransferStatus.SENT, TransferStatus.OPENED):
        said = {"accepted": "ลงรับไปแล้ว", "returned": "ส่งคืนไปแล้ว",
                "recalled": "ผู้ส่งดึงกลับไปแล้ว",
                "recorded": "บันทึกจากเอกสารกระดาษ ไม่มีผู้รอรับ"}[transfer.status.value]
        raise RoutingError(f"รายการนี้{said}", f"This transfer is already {transfer.status}.",
                           status=409)


def accept_transfer(user: User, transfer_id: int, register_id: int | None = None) -> Transfer:
    """Accept a document sent to the user's unit: it gets that unit's receipt number, or
    keeps the one that unit already gave it (a document sent back to a unit that holds it
    is never refused, and never numbered twice). A unit that keeps no receipt register
    takes it in without a number."""
    from saraban.registers.models import EntryStatus, Receipt, Register, RegisterKind
    from saraban.registers.operations import register_receipt, usable_registers

    begin_write(db.session)
    transfer = _transfer_for(user, transfer_id, side="to")
    _must_be_waiting(transfer)
    if transfer.to_unit_id not in receiving_unit_ids(user):  # a commander, for a proposal
        raise RoutingError("หน่วยนี้ไม่มีทะเบียนหนังสือรับที่ท่านใช้ได้",
                           "No receipt register of this unit is yours to use.", status=403)
    held = db.session.scalar(
        select(Receipt).join(Register, Register.id == Receipt.register_id)
        .where(Receipt.document_id == transfer.document_id, Receipt.status == EntryStatus.ACTIVE,
               Register.unit_id == transfer.to_unit_id, Register.kind == RegisterKind.RECEIPT,
               Register.id == register_id if register_id is not None else true())
        .order_by(Receipt.received_at.desc(), Receipt.id.desc()).limit(1))
    if held is not None:  # readable: _transfer_for required it
        receipt, again = held, True
    elif register_id is None and unregistered_unit_ids([transfer.to_unit_id]):
        receipt, again = None, False  # a unit with no receipt register: taken in, no number
    else:
        if register_id is None:
            secret = transfer.document.secrecy > 0
            mine = [r for r in usable_registers(user)
                    if r.kind == "receipt" and r.unit_id == transfer.to_unit_id
                    and (secret or not r.is_secret)]
            mine.sort(key=lambda r: r.is_secret != secret)  # a secret letter: secret first
            if not mine:
                raise RoutingError("หน่วยนี้ไม่มีทะเบียนหนังสือรับที่ท่านใช้ได้",
                                   "No receipt register of this unit is yours to use.",
                                   status=403)
            register_id = mine[0].id
        receipt, again = register_receipt(
            user, register_id, transfer.document_id,
            # the document itself moving between units, not a letter arriving again
            confirm_duplicate=True), False
    transfer.status = TransferStatus.ACCEPTED
    transfer.accepted_at = (receipt.received_at if receipt is not None and not again
                            else utcnow().replace(microsecond=0))
    transfer.receipt_id = receipt.id if receipt is not None else None
    transfer.handled_by_id = user.id
    db.session.flush()
    record("transfer.accept", user=user, obj=transfer, document_id=transfer.document_id,
           unit_id=transfer.to_unit_id,
           details={"receipt_number": receipt.number if receipt is not None else None,
                    **({"already": True} if again else {})})
    return transfer


def recall_transfer(user: User, transfer_id: int) -> Transfer:
    """The sender pulls back a transfer the destination has not opened yet."""
    begin_write(db.session)
    transfer = _transfer_for(user, transfer_id, side="from")
    if transfer.status != TransferStatus.SENT:
        _must_be_waiting(transfer)
        raise RoutingError("ปลายทางเปิดดูแล้ว ดึงกลับไม่ได้",
                           "The destination has opened it; it cannot be pulled back.",
                           status=409)
    transfer.status = TransferStatus.RECALLED
    transfer.recalled_at = utcnow().replace(microsecond=0)
    transfer.handled_by_id = user.id
    db.session.flush()
    record("transfer.recall", user=user, obj=transfer, document_id=transfer.document_id,
           unit_id=transfer.from_unit_id)
    return transfer


def return_transfer(user: User, transfer_id: int, reason: str | None) -> Transfer:
    """The destination sends it back, saying why (ส่งคืน)."""
    reason = clean_text(reason, "reason", "เหตุผลที่ส่งคืน", max_length=1000, required=True)
    begin_write(db.session)
    transfer = _transfer_for(user, transfer_id, side="to")
    _must_be_waiting(transfer)
    transfer.status = TransferStatus.RETURNED
    transfer.returned_at = utcnow().replace(microsecond=0)
    transfer.return_reason = reason
    transfer.handled_by_id = user.id
    if transfer.sent_by_id == user.id:
        transfer.return_seen_at = transfer.returned_at  # he sent it back to himself
    db.session.flush()
    record("transfer.return", user=user, obj=transfer, document_id=transfer.document_id,
           unit_id=transfer.to_unit_id, details={"reason": reason})
    return transfer


def _sees_returns(user: User):
    """Returned transfers the user answers for: those he sent, and those of the units
    whose clerk he is."""
    return or_(Transfer.sent_by_id == user.id,
               Transfer.from_unit_id.in_(member_unit_ids(user, Role.CLERK)))


def acknowledge_return(user: User, transfer_id: int) -> Transfer:
    """The sender has seen that a transfer came back (รับทราบการส่งคืน): it stops waiting
    on his home page. Sending the document on again does the same."""
    begin_write(db.session)
    transfer = db.session.get(Transfer, transfer_id, populate_existing=True) if (
        is_row_id(transfer_id)) else None
    mine = transfer is not None and db.session.scalar(
        select(Transfer.id).where(Transfer.id == transfer.id, _sees_returns(user),
                                  Transfer.from_unit_id.in_(member_unit_ids(user) or [-1])))
    if not mine:
        raise RoutingError("ไม่พบรายการส่งนี้", "No such transfer.", status=404)
    if transfer.status != TransferStatus.RETURNED:
        raise RoutingError("รายการนี้ไม่ได้ถูกส่งคืน", "This transfer was not returned.",
                           status=409)
    if transfer.return_seen_at is not None:
        raise RoutingError("รับทราบการส่งคืนไปแล้ว", "This return was already acknowledged.",
                           status=409)
    transfer.return_seen_at = utcnow().replace(microsecond=0)
    db.session.flush()
    record("transfer.return_seen", user=user, obj=transfer, document_id=transfer.document_id,
           unit_id=transfer.from_unit_id)
    return transfer


def _returned(user: User) -> tuple:
    units = member_unit_ids(user) or [-1]
    return (Transfer.from_unit_id.in_(units), Transfer.status == TransferStatus.RETURNED,
            Transfer.return_seen_at.is_(None), _sees_returns(user), secrecy_filter(user))


def returned_to(user: User, limit: int = 100) -> list[Transfer]:
    """Documents sent back to the user (or to the units he is clerk of) that he has not
    answered yet, latest first."""
    return list(db.session.scalars(
        select(Transfer).join(Transfer.document).where(*_returned(user))
        .options(contains_eager(Transfer.document), joinedload(Transfer.to_unit),
                 joinedload(Transfer.from_unit))
        .order_by(Transfer.returned_at.desc(), Transfer.id.desc()).limit(limit)))


def returned_count(user: User, cap: int) -> int:
    waiting = select(Transfer.id).join(Transfer.document).where(*_returned(user))
    return db.session.scalar(
        select(func.count()).select_from(waiting.limit(cap + 1).subquery()))


def _waiting(user: User, units: list[int]) -> tuple:
    """The conditions of the user's inbox, on Transfer joined with its Document: sent to
    a unit whose receipt register he keeps, not yet answered. A proposal is not there: it
    waits on the commander's desk, for his endorsement."""
    return (Transfer.to_unit_id.in_(units),
            Transfer.status.in_([TransferStatus.SENT, TransferStatus.OPENED]),
            Transfer.kind != TransferKind.PROPOSE,
            secrecy_filter(user))


def inbox(user: User, limit: int = 100) -> list[Transfer]:
    """What waits for the user to receive: sent to the units whose register he keeps and
    not yet accepted or returned, most urgent and oldest first."""
    units = receiving_unit_ids(user)
    if not units:
        return []
    return list(db.session.scalars(
        select(Transfer)
        .join(Transfer.document)
        .where(*_waiting(user, units))
        .options(contains_eager(Transfer.document), joinedload(Transfer.from_unit),
                 joinedload(Transfer.to_unit))
        .order_by(Document.urgency.desc(), Transfer.sent_at, Transfer.id)
        .limit(limit)
    ))


def inbox_count(user: User, cap: int) -> int:
    """How many documents wait in the user's inbox, counting no further than ``cap + 1``
    (a count above ``cap`` means "more than cap")."""
    units = receiving_unit_ids(user)
    if not units:
        return 0
    waiting = select(Transfer.id).join(Transfer.document).where(*_waiting(user, units))
    return db.session.scalar(
        select(func.count()).select_from(waiting.limit(cap + 1).subquery()))


def mark_opened(user: User, document_id: int) -> int:
    """The destination has opened the document: its waiting transfers can no longer be
    pulled back. Returns how many were marked (flushes, never commits)."""
    units = member_unit_ids(user)
    if not units:
        return 0
    waiting = select(Transfer.id).where(Transfer.document_id == document_id,
                                        Transfer.to_unit_id.in_(units),
                                        Transfer.status == TransferStatus.SENT)
    if db.session.scalar(waiting.limit(1)) is None:
        return 0  # the common case: reading writes nothing
    begin_write(db.session)
    now = utcnow().replace(microsecond=0)
    marked = 0
    for transfer in db.session.scalars(select(Transfer).where(Transfer.id.in_(waiting))):
        transfer.status = TransferStatus.OPENED
        transfer.opened_at = now
        marked += 1
    db.session.flush()
    record("transfer.open", user=user, document_id=document_id, details={"count": marked})
    return marked


def recallable_transfers(user: User, document_id: int) -> list[Transfer]:
    """Transfers of a document sent by the user's units that nobody has opened yet: the
    ones he may still pull back."""
    units = member_unit_ids(user)
    if not units:
        return []
    return list(db.session.scalars(
        select(Transfer)
        .where(Transfer.document_id == document_id, Transfer.from_unit_id.in_(units),
               Transfer.status == TransferStatus.SENT)
        .options(joinedload(Transfer.to_unit))
        .order_by(Transfer.id)))

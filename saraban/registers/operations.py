"""Registers: numbering, registering received documents, cancelling, reading.

Numbering rule: a number is taken from the (register, year) counter row inside the
registering transaction, as its last write before the commit. The counter is moved with
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which on PostgreSQL locks the row until
the transaction ends and on SQLite runs under the write lock that ``begin_write`` took.
So two clerks can never get the same number, and a registration that fails or rolls back
gives its number back with everything else: the numbers of a year run 1..N without a gap.
A committed registration that is later cancelled keeps its number, marked cancelled.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

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
    visible_filter,
)
from saraban.documents.models import Document
from saraban.documents.operations import normalize_number
from saraban.extensions import db
from saraban.permissions import can_administer, usable_registers_query
from saraban.registers.models import (
    Dispatch,
    EntryMode,
    EntryStatus,
    Receipt,
    Register,
    RegisterCounter,
    RegisterKind,
)
from saraban.thaidate import (
    BANGKOK,
    BE_OFFSET,
    ThaiDateError,
    format_date,
    format_time,
    parse_date,
    parse_time,
    to_arabic_digits,
    to_thai_digits,
)
from saraban.validation import OperationError, clean_text, is_row_id


class RegisterError(OperationError):
    """A refusal about registers and their lines."""


def usable_register_ids(user: User) -> list[int]:
    """Registers the user may write in: those of the units he is a clerk (or an
    administrator) of; secret registers only with a clearance."""
    stmt = _usable_registers_stmt(user).with_only_columns(Register.id)
    return list(db.session.scalars(stmt))


def usable_registers(user: User) -> list[Register]:
    return list(db.session.scalars(
        _usable_registers_stmt(user)
        .options(joinedload(Register.unit))
        .order_by(Register.unit_id, Register.kind, Register.id)
    ))


def _counter_upsert(register_id: int, year: int, first: int, moved):
    """INSERT the (register, year) counter at ``first``, or move it with ``moved``."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(RegisterCounter).values(register_id=register_id, year=year,
                                          last_number=first)
    return stmt.on_conflict_do_update(
        index_elements=[RegisterCounter.register_id, RegisterCounter.year],
        set_={"last_number": moved(stmt, dialect)})


def take_number(register_id: int, year: int) -> int:
    """The next number of ``register_id`` in ``year``. Call it last in the transaction."""
    stmt = _counter_upsert(register_id, year, 1,
                           lambda _stmt, _dialect: RegisterCounter.last_number + 1)
    return db.session.execute(stmt.returning(RegisterCounter.last_number)).scalar_one()


def open_year(user: User, register_id: int, year, last_number) -> RegisterCounter:
    """Open a register's year to continue its paper book: live numbering goes on after
    ``last_number`` (เปิดทะเบียนปี ๒๕๖๙ ต่อจากเลข ๘๑๒๓), and the year's paper stamps entered
    afterwards must be at or below it. An administrator of the register's unit does it,
    before the first live number of that year; it may be done again (to correct the number)
    until then, never below a paper number already entered. Flushes, never commits."""
    from saraban.admin.operations import require_admin

    require_admin(user)
    register = db.session.scalar(
        select(Register).where(Register.id == register_id).options(joinedload(Register.unit))
    ) if is_row_id(register_id) else None
    if register is None or not can_administer(user, register.unit_id):
        raise RegisterError("ไม่พบทะเบียนนี้ หรือท่านไม่ได้เป็นผู้ดูแลหน่วยของทะเบียนนี้",
                            "No such register, or you do not administer its unit.",
                            status=404)
    year = _read_year(year)
    number = _read_number(last_number, "last_number", "เลขสุดท้ายในสมุดทะเบียนกระดาษ")
    be = to_thai_digits(year + 543)
    line = Receipt if register.kind == RegisterKind.RECEIPT else Dispatch
    begin_write(db.session)
    # the counter row first: on PostgreSQL it is then locked, so that a live number or a
    # paper stamp of this year being entered at this moment is seen by the checks below
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(
        insert(RegisterCounter)
        .values(register_id=register.id, year=year, last_number=number,
                paper_last_number=number)
        .on_conflict_do_update(
            index_elements=[RegisterCounter.register_id, RegisterCounter.year],
            set_={"last_number": number, "paper_last_number": number}))
    lines = select(func.count(), func.max(line.number)).where(
        line.register_id == register.id, line.year == year)
    live, _ = db.session.execute(lines.where(line.mode == EntryMode.LIVE)).one()
    if live:
        raise RegisterError(
            f"ทะเบียนนี้ออกเลขรับ/เลขส่งของปี พ.ศ. {be} ในระบบไปแล้ว "
            "จึงเปิดต่อจากเลขในสมุดทะเบียนกระดาษไม่ได้",
            f"Live numbers of {year} were already given in this register.", status=409,
            field="year")
    _, highest = db.session.execute(lines.where(line.mode == EntryMode.HISTORIC)).one()
    if highest is not None and highest > number:
        raise RegisterError(
            f"มีเลขจากสมุดทะเบียนกระดาษของปี พ.ศ. {be} ลงไว้แล้วถึงเลข "
            f"{to_thai_digits(highest)} เลขที่เปิดต่อต้องไม่น้อยกว่านั้น",
            f"Paper number {highest} of {year} is already entered.", status=409,
            field="last_number")
    counter = db.session.get(RegisterCounter, (register.id, year), populate_existing=True)
    record("register.open_year", user=user, obj=register, unit_id=register.unit_id,
           details={"register_id": register.id, "year": year, "last_number": number})
    return counter


def _read_year(value) -> int:
    """A calendar year given in BE (๒๕๖๙) or CE (2026), Thai or Arabic digits."""
    year = _read_number(value, "year", "ปี พ.ศ.")
    if year > 2400:
        year -= 543
    if not 1900 <= year <= 2200:
        raise RegisterError("ปีไม่ถูกต้อง กรุณากรอกปี พ.ศ. เช่น ๒๕๖๙", "Invalid year.",
                            status=400, field="year")
    return year


def _read_number(value, field: str, label: str) -> int:
    if isinstance(value, str):
        value = to_arabic_digits(value.strip().replace(",", ""))
        value = int(value) if value.isdecimal() and len(value) < 9 else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**7:
        raise RegisterError(f"{label}ต้องเป็นจำนวนเต็มบวก เช่น ๘๑๒๓",
                            f"'{field}' must be a positive whole number.", status=400,
                            field=field)
    return value


def year_opening(register_id: int, year: int) -> int | None:
    """The paper book's last number the year was opened at, if it was."""
    return db.session.scalar(select(RegisterCounter.paper_last_number).where(
        RegisterCounter.register_id == register_id, RegisterCounter.year == year))


def _usable_registers_stmt(user: User):
    return usable_registers_query(user)  # the rule: saraban/permissions.py


def register_for(user: User, register_id: int, kind: RegisterKind | None) -> Register:
    """A register the user keeps (as its unit's clerk or administrator), of ``kind``
    when one is named."""
    register = db.session.scalar(
        _usable_registers_stmt(user).where(Register.id == register_id)
        .options(joinedload(Register.unit))
    ) if is_row_id(register_id) else None
    if register is None:
        raise RegisterError("ไม่พบทะเบียนนี้ หรือท่านไม่มีสิทธิ์ใช้ทะเบียนนี้",
                            "No such register, or you may not use it.", status=404)
    if kind is not None and register.kind != kind:
        raise RegisterError(
            "ทะเบียนนี้ไม่ใช่ทะเบียนหนังสือรับ" if kind == RegisterKind.RECEIPT
            else "ทะเบียนนี้ไม่ใช่ทะเบียนหนังสือส่ง",
            f"This is not a {kind.value} register.", status=409)
    return register


class DuplicateReceipt(RegisterError):
    """The letter looks like one the unit already received: the clerk confirms first.
    ``earlier`` describes the earlier receipt as far as the user may know it (its subject
    only when he may read that document)."""

    def __init__(self, user: User, document: Document, earlier: Receipt):
        local = earlier.received_at.astimezone(BANGKOK)
        when = format_date(local) + (f" {format_time(local)}" if earlier.time_known else "")
        said = f"ที่ {document.number} ลงวันที่ {format_date(document.doc_date)}"
        super().__init__(
            f"หนังสือ{said} จาก {document.sender_text or ''} ลงรับไว้แล้ว "
            f"เลขรับ {to_thai_digits(earlier.number)} ({earlier.register.name}) "
            f"เมื่อ {when} หากเป็นหนังสือคนละฉบับหรือต้องการลงรับซ้ำ กรุณายืนยัน",
            f"The same letter (sender, number and date) was already received as number "
            f"{earlier.number} of {earlier.year}: send confirm_duplicate to register it "
            "again.", status=409, field="confirm_duplicate")
        readable = visible_document(user, earlier.document_id) is not None
        self.earlier = earlier
        self.when_th = when
        self.details = {"duplicate_of": {
            "receipt_id": earlier.id, "register_id": earlier.register_id,
            "register": earlier.register.name, "year": earlier.year,
            "number": earlier.number, "number_th": to_thai_digits(earlier.number),
            "received_at": local.isoformat(), "received_th": when,
            "document_id": earlier.document_id if readable else None,
            "subject": earlier.document.subject if readable else None}}


def _sender_key(text: str | None) -> str:
    return "".join(to_arabic_digits(text or "").split()).casefold()


def earlier_receipt(unit_id: int, document: Document) -> Receipt | None:
    """A receipt (not cancelled) of another document in the unit's registers with the
    same sender, sender's number (compared normalised: digits, spaces, the ``ที่``) and
    date: the same letter come again, by the same or another channel."""
    if not document.number_norm or document.doc_date is None:
        return None
    rows = db.session.execute(
        select(Receipt, Document.sender_text, Document.origin_agency_id)
        .join(Receipt.document).join(Receipt.register)
        .where(Register.unit_id == unit_id, Receipt.status == EntryStatus.ACTIVE,
               Document.id != document.id, Document.number_norm == document.number_norm,
               Document.doc_date == document.doc_date)
        .options(contains_eager(Receipt.register), contains_eager(Receipt.document))
        .order_by(Receipt.received_at, Receipt.id)
    ).all()
    mine = _sender_key(document.sender_text)
    for receipt, sender, agency in rows:
        same_agency = agency is not None and agency == document.origin_agency_id
        if same_agency or not mine or not sender or _sender_key(sender) == mine:
            return receipt
    return None


def register_receipt(user: User, register_id: int, document_id: int,
                     received_at: dt.datetime | None = None, *,
                     confirm_duplicate: bool = False) -> Receipt:
    """Enter a document in a receipt register with the next number (flushes, never commits).

    A document already entered (and not cancelled) in the same register is refused:
    a double-clicked submit never registers twice. A letter that matches one the unit
    already received (``earlier_receipt``) is refused with ``DuplicateReceipt`` unless
    ``confirm_duplicate``: the warning comes before any number is taken.
    """
    register = register_for(user, register_id, RegisterKind.RECEIPT)
    document = require_readable(user, document_id, field="document_id")
    if document.secrecy > 0 and not register.is_secret and _has_secret_register(register):
        raise RegisterError(
            "หนังสือลับต้องลงรับในทะเบียนหนังสือลับของหน่วย",
            "A classified document goes in the unit's secret register.", status=409)
    begin_write(db.session)  # the checks below run under the write lock
    earlier = earlier_receipt(register.unit_id, document)
    if earlier is not None and not confirm_duplicate:
        raise DuplicateReceipt(user, document, earlier)
    return enter_receipt(register, document, received_at, user,
                         duplicate_of=earlier.id if earlier is not None else None)


def enter_receipt(register: Register, document: Document,
                  received_at: dt.datetime | None, user: User | None, *,
                  duplicate_of: int | None = None) -> Receipt:
    """The entry itself, after the caller's checks and ``begin_write``: the next number,
    taken last. ``user`` is None when the software registers on its own (a letter that
    arrived from another agency's installation)."""
    existing = _active_receipt(register.id, document.id)
    if existing is not None:
        raise _already(existing)
    received_at = (received_at or utcnow()).replace(microsecond=0)
    year = received_at.astimezone(BANGKOK).year
    receipt = Receipt(register=register, document=document, year=year,
                      received_at=received_at, received_by_id=user.id if user else None,
                      mode=EntryMode.LIVE)
    receipt.snapshot(document)
    receipt.number = take_number(register.id, year)  # last: nothing after it can fail
    db.session.add(receipt)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request registered the same document here at the same moment. The
        # caller rolls the transaction back, and the number with it.
        raise RegisterError(
            "หนังสือนี้ลงรับในทะเบียนนี้แล้ว (มีการส่งซ้ำ)",
            "This document was just registered here by another request.", status=409,
        ) from None
    record("receipt.register", user=user, obj=receipt, document_id=document.id,
           unit_id=register.unit_id,
           details={"register_id": register.id, "year": year, "number": receipt.number,
                    **({"duplicate_of": duplicate_of} if duplicate_of else {})})
    return receipt


def enter_historic_receipt(user: User, register_id: int, document_id: int, number,
                           received_at: dt.datetime, *, time_known: bool = True,
                           source_text: str | None = None,
                           confirm_duplicate: bool = False) -> Receipt:
    """Enter a paper receipt stamp with its original number, date and time (flushes only).

    A number already in the register for that year, cancelled or not, is refused, and so
    is one above the number the year was opened at (``_check_paper_number``): a paper
    number never moves live numbering. A date before the document's own
    date is accepted as written on the stamp, and flagged (``receipt_flags``).
    """
    register = register_for(user, register_id, RegisterKind.RECEIPT)
    if isinstance(number, str):
        number = to_arabic_digits(number.strip())
        number = int(number) if number.isdecimal() and len(number) < 9 else None
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 10**8:
        raise RegisterError("เลขรับต้องเป็นจำนวนเต็มบวก เช่น ๕๐๖๓",
                            "The receipt number must be a positive whole number.",
                            status=400, field="number")
    document = require_readable(user, document_id, field="document_id")
    now = utcnow()
    if received_at > now + dt.timedelta(minutes=5):
        raise RegisterError("วันเวลาที่รับเป็นวันในอนาคต กรุณาตรวจสอบตรารับอีกครั้ง",
                            "The stamp's date is in the future.", status=400,
                            field="received_at")
    source_text = clean_text(source_text, "source_text", "ข้อความบนตรา", max_length=2000)
    year = received_at.astimezone(BANGKOK).year
    begin_write(db.session)
    _check_paper_number(register, year, number, now)
    taken = db.session.scalar(
        select(Receipt).where(Receipt.register_id == register.id, Receipt.year == year,
                              Receipt.number == number))
    if taken is not None:
        raise _taken(number, year, taken)
    existing = _active_receipt(register.id, document.id)
    if existing is not None:
        raise _already(existing)
    earlier = earlier_receipt(register.unit_id, document)
    if earlier is not None and not confirm_duplicate:
        raise DuplicateReceipt(user, document, earlier)
    receipt = Receipt(register=register, document=document, year=year, number=number,
                      received_at=received_at.replace(microsecond=0), time_known=time_known,
                      received_by_id=user.id, mode=EntryMode.HISTORIC,
                      source_text=source_text)
    receipt.snapshot(document)
    db.session.add(receipt)
    try:
        db.session.flush()
    except IntegrityError:
        raise _taken(number, year, None) from None
    record("receipt.historic", user=user, obj=receipt, document_id=document.id,
           unit_id=register.unit_id,
           details={"register_id": register.id, "year": year, "number": number,
                    "received_at": receipt.received_at.isoformat(),
                    "time_known": time_known, "flags": receipt_flags(receipt),
                    **({"duplicate_of": earlier.id} if earlier is not None else {})})
    return receipt


def _check_paper_number(register: Register, year: int, number: int,
                        now: dt.datetime) -> None:
    """A paper number belongs to the part of the year numbered on paper: at or below the
    number the year was opened at. A year still numbered live (this one) that was never
    opened at a paper number takes no paper number, so that a typo can never collide with
    live numbering; a past year's stamps go in as written. Live numbering is never moved.
    On PostgreSQL the counter row is locked, so that an opening at this moment waits."""
    be, n = to_thai_digits(year + 543), to_thai_digits(number)
    opened = db.session.scalar(
        select(RegisterCounter.paper_last_number).where(
            RegisterCounter.register_id == register.id, RegisterCounter.year == year)
        .with_for_update())
    if opened is None:
        if year >= now.astimezone(BANGKOK).year:
            raise RegisterError(
                f"ทะเบียนปี พ.ศ. {be} ยังไม่ได้เปิดทะเบียนต่อจากเลขในสมุดทะเบียนกระดาษ "
                f"จึงลงเลขรับเดิม {n} ไม่ได้ ให้ผู้ดูแลระบบเปิดทะเบียนปีนี้ต่อจากเลขสุดท้าย"
                "ในสมุดก่อน",
                f"The year {year} was not opened at a paper register's number: an "
                "administrator opens it first.", status=409, field="number")
        return
    if number > opened:
        raise RegisterError(
            f"เลขรับเดิม {n} สูงกว่าเลขสุดท้ายของสมุดทะเบียนกระดาษปี พ.ศ. {be} "
            f"(เปิดทะเบียนต่อจากเลข {to_thai_digits(opened)}) กรุณาตรวจสอบเลขบนตรารับอีกครั้ง",
            f"Paper number {number} is above {opened}, the number the year {year} was "
            "opened at.", status=409, field="number")


def read_stamp_time(date_text, time_text=None) -> tuple[dt.datetime, bool]:
    """A stamp's date and time as written ("๒๕ พ.ย. ๖๒", "๑๑.๒๕ น."), in Bangkok; without
    a legible time, the day's start and ``time_known`` false."""
    try:
        day = parse_date(date_text)
    except ThaiDateError as error:
        raise RegisterError(f"วันที่รับ: {error}", f"date: {error.message_en}", status=400,
                            field="date") from None
    time_known = bool(time_text and str(time_text).strip())
    try:
        at = parse_time(time_text) if time_known else dt.time()
    except ThaiDateError as error:
        raise RegisterError(f"เวลาที่รับ: {error}", f"time: {error.message_en}", status=400,
                            field="time") from None
    return dt.datetime.combine(day, at, BANGKOK), time_known


def _taken(number: int, year: int, taken: Receipt | None) -> RegisterError:
    by = (f" (ลงรับเมื่อ {format_date(taken.received_at.astimezone(BANGKOK))})"
          if taken is not None else "")
    return RegisterError(
        f"เลขรับ {to_thai_digits(number)} ของปี พ.ศ. {to_thai_digits(year + 543)} "
        f"มีอยู่แล้วในทะเบียนนี้{by}",
        f"Number {number} of {year} is already taken in this register.", status=409,
        field="number")


def receipt_flags(receipt: Receipt) -> list[str]:
    """What a reader should check about a line: ``before_document_date`` when the stamp
    is dated before the document itself."""
    doc_date = receipt.document.doc_date
    received = receipt.received_at.astimezone(BANGKOK).date()
    return ["before_document_date"] if doc_date and received < doc_date else []


def _has_secret_register(register: Register) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Register).where(
            Register.unit_id == register.unit_id, Register.kind == register.kind,
            Register.is_secret, Register.is_active)
    ) > 0


def _active_receipt(register_id: int, document_id: int) -> Receipt | None:
    return db.session.scalar(
        select(Receipt).where(Receipt.register_id == register_id,
                              Receipt.document_id == document_id,
                              Receipt.status == EntryStatus.ACTIVE)
    )


def _already(receipt: Receipt) -> RegisterError:
    number = to_thai_digits(receipt.number)
    return RegisterError(
        f"หนังสือนี้ลงรับในทะเบียนนี้แล้ว เลขรับ {number}",
        f"This document is already registered here as number {receipt.number}.",
        status=409)


def cancel_receipt(user: User, receipt_id: int, reason: str) -> Receipt:
    """Cancel a registration: the line and its number stay, marked cancelled with why."""
    return _cancel(user, Receipt, receipt_id, reason)


def cancel_dispatch(user: User, dispatch_id: int, reason: str) -> Dispatch:
    """Cancel an outgoing number: the register line keeps it, marked cancelled with why;
    the document loses it (it may be numbered again, with a new number)."""
    dispatch = _cancel(user, Dispatch, dispatch_id, reason)
    document = dispatch.document
    if document.number == dispatch.number_text:
        document.number = document.number_norm = None
        db.session.flush()
    return dispatch


def _cancel(user: User, line, line_id: int, reason: str):
    reason = clean_text(reason, "reason", "เหตุผลที่ยกเลิก", max_length=500, required=True)
    registers = usable_register_ids(user)
    begin_write(db.session)
    entry = db.session.get(line, line_id, populate_existing=True) if (
        isinstance(line_id, int) and 0 < line_id < 2**31) else None
    receipt = line is Receipt
    missing = ("ไม่พบรายการลงรับนี้" if receipt else "ไม่พบรายการออกเลขนี้",
               f"No such {'receipt' if receipt else 'dispatch'}.")
    if entry is None or entry.register_id not in registers:
        raise HiddenDocument(*missing)
    # keeping the register is not enough: a secret line is cancelled by one who reads it
    require_readable(user, entry.document_id, not_found=missing)
    if entry.status == EntryStatus.CANCELLED:
        raise RegisterError("รายการนี้ถูกยกเลิกไปแล้ว", "This line is already cancelled.",
                            status=409)
    entry.status = EntryStatus.CANCELLED
    entry.cancel_reason = reason
    entry.cancelled_at = utcnow()
    entry.cancelled_by_id = user.id
    db.session.flush()
    record("receipt.cancel" if receipt else "dispatch.cancel", user=user, obj=entry,
           document_id=entry.document_id, unit_id=entry.register.unit_id,
           details={"number": entry.number, "year": entry.year, "reason": reason})
    return entry


def recent_receipts(user: User, limit: int = 10) -> list[Receipt]:
    """The latest lines of the receipt registers the user keeps as a clerk."""
    units = member_unit_ids(user, Role.CLERK)
    if not units:
        return []
    return db.session.scalars(
        select(Receipt)
        .join(Receipt.register)
        .join(Receipt.document)
        .where(Register.unit_id.in_(units), secrecy_filter(user))
        .options(
            contains_eager(Receipt.register).joinedload(Register.unit),
            contains_eager(Receipt.document),
        )
        .order_by(Receipt.received_at.desc(), Receipt.id.desc())
        .limit(limit)
    ).all()


def receive_document(user: User, register_id: int, data: dict, form_key: str | None, *,
                     confirm_duplicate: bool = False) -> Receipt:
    """Enter a received document and register it, in one transaction (flushes only).

    ``form_key`` identifies one filled form: sending it again (a double click, a retry
    after a lost answer) gives back the registration already made, never a second one.
    """
    from saraban.documents.operations import create_document

    begin_write(db.session)  # so that the check below sees any twin that came first
    done = receipt_for_form(form_key)
    if done is not None:
        return done
    document = create_document(user, data)
    key = _form_source_key(form_key)
    document.source_key = key
    try:
        db.session.flush()
    except IntegrityError:
        # the same form arrived twice at the same moment: the other one registered it
        raise RegisterError("แบบฟอร์มนี้ถูกส่งแล้ว กำลังบันทึกอยู่", "This form was already "
                            "submitted.", status=409) from None
    return register_receipt(user, register_id, document.id,
                            confirm_duplicate=confirm_duplicate)


def send_document(user: User, register_id: int, data: dict, form_key: str | None) -> Dispatch:
    """Write down an outgoing document of the register's unit and give it the next
    outgoing number, in one transaction (flushes only). ``data`` is as for
    ``create_document``; the sender is the unit and the date the day it is numbered.
    The same ``form_key`` twice gives back the number already issued."""
    from saraban.documents.operations import create_document

    register = register_for(user, register_id, RegisterKind.DISPATCH)
    begin_write(db.session)
    done = dispatch_for_form(form_key)
    if done is not None:
        return done
    today = thaidate.today()
    document = create_document(user, {**data, "sender": register.unit.short_name,
                                      "date": today.isoformat(), "number": None})
    document.origin_unit_id = register.unit_id
    document.source_key = _form_source_key(form_key)
    try:
        db.session.flush()
    except IntegrityError:
        raise RegisterError("แบบฟอร์มนี้ถูกส่งแล้ว กำลังบันทึกอยู่",
                            "This form was already submitted.", status=409) from None
    return issue_dispatch(user, register.id, document.id, data.get("to"))


def dispatch_for_form(form_key: str | None) -> Dispatch | None:
    """The outgoing number a filled form already issued, if any."""
    key = _form_source_key(form_key)
    if key is None:
        return None
    return db.session.scalar(
        select(Dispatch).join(Dispatch.document).where(Document.source_key == key)
    )


def _form_source_key(form_key: str | None) -> str | None:
    # a key as the form makes it: no control characters (PostgreSQL refuses NUL in a query)
    usable = isinstance(form_key, str) and 0 < len(form_key) <= 64 and form_key.isprintable()
    return f"form:{form_key}" if usable else None


def receipt_for_form(form_key: str | None) -> Receipt | None:
    """The registration a filled form already made, if any."""
    key = _form_source_key(form_key)
    if key is None:
        return None
    return db.session.scalar(
        select(Receipt).join(Receipt.document).where(Document.source_key == key)
    )


def visible_receipt(user: User, receipt_id: int) -> Receipt | None:
    """A receipt whose document the user may see."""
    if not 0 < receipt_id < 2**31:
        return None
    visible = select(Document.id).where(visible_filter(user))
    return db.session.scalar(
        select(Receipt)
        .where(Receipt.id == receipt_id, Receipt.document_id.in_(visible))
        .options(joinedload(Receipt.register).joinedload(Register.unit))
    )


def receipt_stamp_pdf(receipt: Receipt, user: User | None = None) -> bytes:
    """The stamp as an A4 PDF, with a verification code for this printing (flushes the
    code: the caller commits)."""
    from saraban.audit.operations import record_view
    from saraban.audit.printcodes import issue_print_code, show
    from saraban.pdf.stamp import stamp_pdf

    if user is not None:
        record_view(user, receipt.document, "stamp")
    unit = receipt.register.unit
    name = unit.stamp_name or unit.short_name
    when = receipt.received_at.isoformat() if receipt.received_at else ""
    code = issue_print_code(
        "stamp", user=user, document_id=receipt.document_id, register_id=receipt.register_id,
        content=f"receipt:{receipt.id}:{receipt.year}:{receipt.number}:{when}:{receipt.status}",
        summary=f"{name} เลขรับ {to_thai_digits(receipt.number)}"
        + (f" วันที่ {format_date(receipt.received_at.astimezone(BANGKOK))}"
           if receipt.received_at else ""))
    return stamp_pdf(name, receipt.number, receipt.received_at,
                     time_known=receipt.time_known, code=show(code))


def issue_dispatch(user: User, register_id: int, document_id: int,
                   to_text: str | None = None) -> Dispatch:
    """Give a document the unit's next outgoing number, ``ที่ <code>/<series><number>``
    (๐๐๓๓.๑๒/๕๐๕๒, or ๐๐๓๓.๑๒/ว๑๒๓ in the circular series). The number, the date and the
    subject are from then on the document's own (flushes, never commits)."""
    register = register_for(user, register_id, RegisterKind.DISPATCH)
    unit = register.unit
    if not unit.doc_code and not register.for_orders:
        raise RegisterError(
            f"หน่วย {unit.short_name} ยังไม่มีเลขประจำของเจ้าของเรื่อง ให้ผู้ดูแลระบบกำหนดก่อน",
            f"Unit {unit.short_name} has no document code yet.", status=409)
    document = require_readable(user, document_id, field="document_id")
    to_text = clean_text(to_text, "to", "ถึง", max_length=1000)
    begin_write(db.session)
    existing = active_dispatch(document.id)
    if existing is not None:
        raise RegisterError(
            f"หนังสือนี้ออกเลขไปแล้ว ที่ {existing.number_text}",
            f"This document already has the outgoing number {existing.number_text}.",
            status=409)
    refusal = numbering_refusal(document, unit)
    if refusal is not None:
        raise refusal
    now = utcnow().replace(microsecond=0)
    year = now.astimezone(BANGKOK).year
    dispatch = Dispatch(register=register, document=document, year=year,
                        dispatched_at=now, to_text=to_text, dispatched_by_id=user.id,
                        mode=EntryMode.LIVE)
    dispatch.number = take_number(register.id, year)  # last
    if register.for_orders:  # คำสั่ง ที่ ๑/๒๕๖๙: its own yearly series
        dispatch.number_text = to_thai_digits(
            f"{register.series}{dispatch.number}/{year + BE_OFFSET}")
    else:
        dispatch.number_text = to_thai_digits(
            f"{unit.doc_code}/{register.series}{dispatch.number}")
    document.number = dispatch.number_text
    document.number_norm = normalize_number(document.number)
    document.doc_date = now.astimezone(BANGKOK).date()
    if document.origin_unit_id is None and document.origin_agency_id is None:
        document.origin_unit_id = unit.id
    dispatch.snapshot(document)
    db.session.add(dispatch)
    try:
        db.session.flush()
    except IntegrityError:
        raise RegisterError("หนังสือนี้เพิ่งออกเลขไป (มีการส่งซ้ำ)",
                            "This document was just numbered by another request.",
                            status=409) from None
    record("dispatch.issue", user=user, obj=dispatch, document_id=document.id,
           unit_id=unit.id, details={"number": dispatch.number_text, "year": year})
    return dispatch


def numbering_refusal(document: Document, unit) -> RegisterError | None:
    """Why ``unit`` may not give ``document`` an outgoing number, or None when it may: an
    outgoing number is only for a document the unit itself issues (its own, or drafted by
    one of its sub-units). A received letter (from an outside agency, from another unit, or
    entered at the counter and registered) keeps its own ที่, date and origin; so does any
    document that already carries a number."""
    if document.origin_unit_id is not None:
        outside = not _within(document.origin_unit, unit.id)
    else:  # entered as received: no origin of ours, and in a receipt register
        outside = document.origin_agency_id is not None or db.session.scalar(
            select(Receipt.id).where(Receipt.document_id == document.id).limit(1)) is not None
    if outside:
        return RegisterError(
            "หนังสือนี้เป็นหนังสือที่รับเข้ามา ออกเลขหนังสือส่งได้เฉพาะหนังสือที่หน่วย"
            f"{unit.short_name}ออกเอง หากจะส่งต่อ ให้ส่งต่อหรือทำสำเนาถูกต้องแทน",
            "This is a received document: an outgoing number is only for a document the "
            "unit itself issues.", status=409)
    if document.number:
        return RegisterError(
            f"หนังสือนี้มีเลขที่ของตนเองอยู่แล้ว (ที่ {document.number}) จึงออกเลขหนังสือส่ง"
            "ให้อีกไม่ได้",
            f"This document already carries its own number ({document.number}).",
            status=409)
    return None


def _within(unit, ancestor_id: int) -> bool:
    """``unit`` is the unit ``ancestor_id`` or one of its sub-units."""
    seen = set()
    while unit is not None and unit.id not in seen:
        if unit.id == ancestor_id:
            return True
        seen.add(unit.id)
        unit = unit.parent
    return False


def may_number(document: Document, unit) -> bool:
    """Whether the page offers ``unit``'s outgoing number for ``document``."""
    return numbering_refusal(document, unit) is None


def active_dispatch(document_id: int) -> Dispatch | None:
    """The document's outgoing number, if it has one."""
    return db.session.scalar(
        select(Dispatch).where(Dispatch.document_id == document_id,
                               Dispatch.status == EntryStatus.ACTIVE)
        .options(joinedload(Dispatch.register).joinedload(Register.unit)))


def issue_correction(user: User, document_id: int, data: dict) -> Dispatch:
    """Correct a document already numbered for sending: a new document of the same unit,
    numbered next in the same register, that cites the original and says what it
    corrects (``correction``, required). The original is never changed (flushes only)."""
    from saraban.documents.models import DocumentReference, ReferenceRelation
    from saraban.documents.operations import create_document

    original = require_readable(user, document_id)
    dispatch = active_dispatch(original.id)
    if dispatch is None:
        raise RegisterError("หนังสือนี้ยังไม่ได้ออกเลข แก้ไขรายละเอียดได้โดยตรง",
                            "This document has no outgoing number: edit it directly.",
                            status=409)
    if not isinstance(data, dict):
        raise RegisterError("ข้อมูลต้องเป็นออบเจกต์ JSON", "The body must be a JSON object.")
    correction = clean_text(data.get("correction"), "correction", "ข้อความที่แก้ไข",
                            max_length=5000, required=True, multiline=True)
    cited = (f"หนังสือ {dispatch.register.unit.short_name} ที่ {dispatch.number_text} "
             f"ลงวันที่ {format_date(original.doc_date)} เรื่อง {original.subject}")
    document = create_document(user, {
        "kind": original.kind.value, "date": thaidate.today().isoformat(),
        "subject": clean_text(data.get("subject"), "subject", "เรื่อง", max_length=2000)
        or f"แก้ไข{cited}"[:2000],
        "sender": original.sender_text or dispatch.register.unit.short_name,
        "addressee": original.addressee, "body": f"ตาม{cited}\n{correction}",
        "urgency": original.urgency, "secrecy": original.secrecy,
    })
    document.origin_unit_id = dispatch.register.unit_id
    document.references.append(DocumentReference(
        relation=ReferenceRelation.CORRECTS, target_id=original.id, position=0,
        text=f"แก้ไข{cited}: {correction}"))
    db.session.flush()
    made = issue_dispatch(user, dispatch.register_id, document.id,
                          dispatch.to_text or original.addressee)
    record("dispatch.correct", user=user, obj=made, document_id=original.id,
           unit_id=dispatch.register.unit_id,
           details={"original": dispatch.number_text, "correction_number": made.number_text,
                    "correction": correction})
    return made

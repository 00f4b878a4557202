"""Where documents wait: per unit, what was received and how long it took to send it on.

A receipt is *acted on* when the unit that received it sent the document on afterwards
(forward, proposal, circular; a recalled transfer does not count) or closed it. A paper
stamp entered afterwards (a historic receipt) is acted on, as on the timeline, when the
next unit stamped the document: paper trails record the stamps, not the hand-overs. The
report gives, per unit and month of receipt: how many were received, how many acted on,
the average and 90th-percentile time to act, and what still waits, by age.

A paper stamp without a time (its received_at is the day's start in Bangkok) is never
taken as 00.00 น.: a stay with such a stamp at either end is counted in whole days between
the Bangkok dates, and averaged apart from the stays measured to the minute. A stay ends
when this unit's branch moves on: a stamp at a unit the document reached from elsewhere
(a sibling of a circulation) does not end it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from saraban import thaidate
from saraban.accounts.models import Role, User
from saraban.documents.access import member_unit_ids, secrecy_filter
from saraban.documents.models import Document, DocumentStatus
from saraban.extensions import db
from saraban.permissions import can_read_pendency
from saraban.registers.models import EntryMode, EntryStatus, Receipt, Register
from saraban.routing.models import Transfer, TransferStatus
from saraban.thaidate import BANGKOK, THAI_MONTHS_ABBR, format_duration, local_date, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import OperationError

AGES = ((3, "ไม่เกิน ๓ วัน"), (7, "๔–๗ วัน"), (30, "๘–๓๐ วัน"), (None, "เกิน ๓๐ วัน"))


@dataclass
class Row:
    """One unit in one month of receipt."""

    unit: Unit
    year: int
    month: int
    received: int = 0
    times: list[float] = field(default_factory=list)  # seconds from receipt to action
    days: list[int] = field(default_factory=list)  # the same in days, a stamp without time
    waiting: list[int] = field(default_factory=lambda: [0] * len(AGES))

    @property
    def acted(self) -> int:
        return len(self.times) + len(self.days)

    @property
    def acted_day_only(self) -> int:
        return len(self.days)

    @property
    def average_days(self) -> float | None:
        """The average, in days, of the stays that a stamp without a time ends or begins."""
        return round(sum(self.days) / len(self.days), 1) if self.days else None

    @property
    def average(self) -> dt.timedelta | None:
        return dt.timedelta(seconds=sum(self.times) / len(self.times)) if self.times else None

    @property
    def average_day_level(self) -> dt.timedelta | None:
        return dt.timedelta(days=self.average_days) if self.days else None

    @property
    def p90(self) -> dt.timedelta | None:
        if not self.times:
            return None
        ordered = sorted(self.times)
        return dt.timedelta(seconds=ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])

    @property
    def month_th(self) -> str:
        return f"{THAI_MONTHS_ABBR[self.month]} {to_thai_digits(self.year + 543)}"


@dataclass(frozen=True)
class Moment:
    """A receipt or a sending: an aware instant, or (``time_known`` false) only its day."""

    at: dt.datetime
    time_known: bool

    @property
    def date(self) -> dt.date:
        return local_date(self.at)

    def before(self, other: Moment) -> bool:
        """Known to be earlier than ``other``: to the minute when both have a time,
        otherwise only when its day is earlier."""
        if self.time_known and other.time_known:
            return self.at < other.at
        return self.date < other.date

    def order(self):
        """The earliest end first: by day, and within a day a known time before a day
        alone (the known time bounds the stay)."""
        return (self.date, not self.time_known, self.at)


def report_units(user: User) -> list[int]:
    """The units whose waiting documents the user may count: those he commands or
    administers (with the units below when his membership says so), or every unit
    (the rule is saraban/permissions.py's ``can_read_pendency``)."""
    if user.sees_all:
        return list(db.session.scalars(select(Unit.id)))
    return sorted(set(member_unit_ids(user, Role.COMMANDER)) | set(member_unit_ids(user,
                                                                                 Role.ADMIN)))


def pendency(user: User, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> list[Row]:
    """Receipts from ``start`` to ``end`` (inclusive) in the user's units, measured."""
    if end < start or (end - start).days > 3700:
        raise OperationError("ช่วงวันที่ไม่ถูกต้อง (ไม่เกิน ๑๐ ปี)", "Invalid period.",
                             field="date_from")
    if not can_read_pendency(user):
        raise OperationError("รายงานนี้สำหรับผู้บังคับบัญชาและผู้ดูแลระบบ",
                             "Only commanders and administrators see this report.", status=403)
    units = report_units(user)
    if not units:
        return []
    now = now or thaidate.now()
    begin = dt.datetime.combine(start, dt.time(), BANGKOK)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), BANGKOK)
    receipts = db.session.execute(
        select(Receipt.document_id, Receipt.received_at, Register.unit_id, Document.status,
               Receipt.mode, Receipt.time_known)
        .join(Register, Register.id == Receipt.register_id)
        .join(Document, Document.id == Receipt.document_id)
        .where(Register.unit_id.in_(units), Receipt.status == EntryStatus.ACTIVE,
               Receipt.received_at >= begin, Receipt.received_at < finish,
               secrecy_filter(user))
    ).all()
    sent: dict[tuple[int, int], list[Moment]] = {}
    if receipts:
        for doc_id, unit_id, at, known in db.session.execute(
                select(Transfer.document_id, Transfer.from_unit_id, Transfer.sent_at,
                       Transfer.sent_time_known)
                .where(Transfer.document_id.in_({r.document_id for r in receipts}),
                       Transfer.from_unit_id.in_(units), Transfer.sent_at.is_not(None),
                       Transfer.status != TransferStatus.RECALLED)):
            sent.setdefault((doc_id, unit_id), []).append(Moment(at, known))
    # paper trails: every stamp, and whether it came by a transfer from this unit
    stamped: dict[int, list[tuple[Moment, int, int | None, bool]]] = {}
    if any(r.mode == EntryMode.HISTORIC for r in receipts):
        for doc_id, at, known, unit_id, came_from, came_by in db.session.execute(
                select(Receipt.document_id, Receipt.received_at, Receipt.time_known,
                       Register.unit_id, Transfer.from_unit_id, Transfer.id)
                .join(Register, Register.id == Receipt.register_id)
                .outerjoin(Transfer, Transfer.receipt_id == Receipt.id)
                .where(Receipt.document_id.in_({r.document_id for r in receipts
                                                if r.mode == EntryMode.HISTORIC}),
                       Receipt.status == EntryStatus.ACTIVE)):
            stamped.setdefault(doc_id, []).append(
                (Moment(at, known), unit_id, came_from, came_by is not None))
    names = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(units)))}
    rows: dict[tuple[int, int, int], Row] = {}
    for doc_id, received_at, unit_id, status, mode, time_known in receipts:
        local = received_at.astimezone(BANGKOK)
        key = (unit_id, local.year, local.month)
        row = rows.get(key) or rows.setdefault(key, Row(names[unit_id], local.year, local.month))
        row.received += 1
        received = Moment(received_at, time_known)
        later = [m for m in sent.get((doc_id, unit_id), []) if not m.before(received)]
        if mode == EntryMode.HISTORIC:
            # the next stamp elsewhere, unless it came there from another place (a sibling
            # of a circulation, or the step before this one)
            later += [m for m, elsewhere, came_from, came_by in stamped.get(doc_id, [])
                      if elsewhere != unit_id and (not came_by or came_from == unit_id)
                      and not m.before(received)]
        if later:
            end = min(later, key=Moment.order)
            if received.time_known and end.time_known:
                row.times.append((end.at - received_at).total_seconds())
            else:
                row.days.append((end.date - received.date).days)
        elif status != DocumentStatus.CLOSED:
            age = ((now - received_at).days if time_known
                   else (local_date(now) - received.date).days)
            bucket = next(i for i, (limit, _) in enumerate(AGES) if limit is None or age <= limit)
            row.waiting[bucket] += 1
    return sorted(rows.values(), key=lambda r: (r.unit.short_name, r.year, r.month))


def pendency_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["หน่วย", "เดือน", "รับ", "ดำเนินการแล้ว", "เวลาเฉลี่ย (ชั่วโมง)",
                     "เปอร์เซ็นไทล์ที่ ๙๐ (ชั่วโมง)", *(label for _, label in AGES),
                     "ดำเนินการแล้ว ตราไม่ระบุเวลา", "เวลาเฉลี่ยตราไม่ระบุเวลา (วัน)"])
    for r in rows:
        hours = [round(x.total_seconds() / 3600, 1) if x is not None else ""
                 for x in (r.average, r.p90)]
        writer.writerow([r.unit.short_name, f"{r.year + 543}-{r.month:02d}", r.received,
                         r.acted, *hours, *r.waiting, r.acted_day_only,
                         "" if r.average_days is None else r.average_days])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def duration_th(value: dt.timedelta | None, exact: bool = True) -> str:
    return format_duration(value, exact) if value is not None else "–"

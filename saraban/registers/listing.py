"""Reading a register: its lines for a day, a month or a year, as a page, a PDF and CSV.

A register line shows the regulation's columns (เลขทะเบียน, ที่, ลงวันที่, จาก, ถึง, เรื่อง,
การปฏิบัติ, หมายเหตุ). A line whose document is secret and not the reader's to read (see
``saraban.documents.access``) keeps its number, date and secrecy, but not its content:
the numbers still run without a hole.
Every page of lines costs the same few queries, however many lines it holds.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.documents.access import record_views, secret_rule
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.i18n import label
from saraban.registers.models import (
    Dispatch,
    EntryMode,
    EntryStatus,
    Receipt,
    Register,
    RegisterKind,
)
from saraban.registers.operations import RegisterError, register_for
from saraban.routing.models import Transfer, TransferStatus
from saraban.thaidate import (
    BANGKOK,
    THAI_MONTHS,
    be_year,
    format_date,
    format_time,
    to_thai_digits,
)

PRINT_LIMIT = 5000  # lines in one printed register; more than that, print a month at a time
COLUMNS = ("เลขทะเบียน", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ", "หมายเหตุ")


@dataclass(frozen=True)
class Period:
    """A calendar year (CE), or one month of it, or one day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def read(cls, year, month=None, day=None) -> Period:
        """A period from request arguments; the year may be BE (๒๕๖๙) or CE."""
        try:
            year = int(year)
            month = int(month) if month not in (None, "") else None
            day = int(day) if day not in (None, "") and month else None
            if year > 2400:
                year -= 543
            if not 1900 <= year <= 2200 or (month is not None and not 1 <= month <= 12):
                raise ValueError
            if day is not None:
                dt.date(year, month, day)
        except (TypeError, ValueError):
            raise RegisterError("ช่วงเวลาไม่ถูกต้อง กรุณาเลือกปี เดือน และวันใหม่",
                                "Invalid period: year, month or day.", status=400,
                                field="period") from None
        return cls(year, month, day)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's start and end, as aware times in Bangkok."""
        if self.day is not None:
            start = dt.date(self.year, self.month, self.day)
            end = start + dt.timedelta(days=1)
        elif self.month is not None:
            start = dt.date(self.year, self.month, 1)
            end = start + dt.timedelta(days=calendar.monthrange(self.year, self.month)[1])
        else:
            start, end = dt.date(self.year, 1, 1), dt.date(self.year + 1, 1, 1)
        as_time = lambda d: dt.datetime.combine(d, dt.time(), BANGKOK)  # noqa: E731
        return as_time(start), as_time(end)

    def label_th(self) -> str:
        year = to_thai_digits(be_year(self.year))
        if self.day is not None:
            return format_date(dt.date(self.year, self.month, self.day), "long")
        if self.month is not None:
            return f"เดือน{THAI_MONTHS[self.month]} พ.ศ. {year}"
        return f"พ.ศ. {year}"

    def slug(self) -> str:
        parts = [str(self.year)] + [f"{p:02d}" for p in (self.month, self.day) if p]
        return "-".join(parts)


@dataclass
class RegisterLine:
    """One line of a register, ready to show: the entry, its document, what was done."""

    entry: Receipt | Dispatch
    document: Document
    masked: bool
    unit_name: str
    actions: list[Transfer] = field(default_factory=list)
    deliveries: list = field(default_factory=list)  # a dispatch's destinations (Delivery)

    @property
    def destinations(self) -> list[tuple[str, str, str]]:
        """Each destination of a dispatched letter as (ถึง, channel, status), in Thai; a
        line not the reader's to read keeps its channels and states, not where it went."""
        from saraban.delivery.operations import channel_name, status_name

        return [("" if self.masked else d.label, channel_name(d.channel), status_name(d))
                for d in self.deliveries]

    @property
    def cancelled(self) -> bool:
        return self.entry.status == EntryStatus.CANCELLED

    @property
    def number(self) -> str:
        if isinstance(self.entry, Dispatch):
            return self.entry.number_text
        return to_thai_digits(self.entry.number)

    @property
    def at(self) -> dt.datetime:
        entry = self.entry
        return entry.dispatched_at if isinstance(entry, Dispatch) else entry.received_at

    @property
    def when(self) -> str:
        local = self.at.astimezone(BANGKOK)
        text = format_date(local)
        return f"{text} {format_time(local)}" if self.entry.time_known else text

    @property
    def _kept(self) -> bool:
        """The line holds its own copy of the document as registered (every line entered
        since snapshots were kept; older ones show the document)."""
        return self.entry.doc_subject is not None

    @property
    def doc_number(self) -> str:
        number = self.entry.doc_number if self._kept else self.document.number
        return to_thai_digits(number or "")

    @property
    def doc_date(self) -> str:
        day = self.entry.doc_date if self._kept else self.document.doc_date
        return format_date(day) if day else ""

    @property
    def sender(self) -> str:
        if self.masked:
            return ""
        if self._kept:
            return self.entry.doc_sender or ""
        d = self.document
        if d.sender_text:
            return d.sender_text
        origin = d.origin_unit or d.origin_agency
        return origin.short_name if origin is not None else ""

    @property
    def addressee(self) -> str:
        if self.masked:
            return ""
        if isinstance(self.entry, Dispatch) and self.entry.to_text:
            return self.entry.to_text
        return (self.entry.doc_addressee if self._kept else self.document.addressee) or ""

    @property
    def subject(self) -> str:
        if self.masked:
            return f"(หนังสือชั้น{label(self.document.secrecy, 'secrecy')} ไม่แสดงเรื่อง)"
        return self.entry.doc_subject if self._kept else self.document.subject

    @property
    def action(self) -> str:
        """การปฏิบัติ: where the unit sent the document on, and when."""
        parts = []
        for t in self.actions:
            to = t.to_unit.short_name if t.to_unit else (t.to_text or "")
            when = format_date(t.sent_at.astimezone(BANGKOK)) if t.sent_at else ""
            parts.append(f"{label(t.kind, 'transfer_kind')} {to} {when}".strip())
        return "\n".join(parts)

    @property
    def remarks(self) -> str:
        parts = []
        if self.cancelled:
            parts.append(f"ยกเลิก: {self.entry.cancel_reason}")
        if self.entry.mode == EntryMode.HISTORIC:
            parts.append("ลงจากตราเดิม")
        doc_date = self.entry.doc_date if self._kept else self.document.doc_date
        if doc_date and self.at.astimezone(BANGKOK).date() < doc_date:
            parts.append("ตรารับลงวันที่ก่อนวันที่ของหนังสือ โปรดตรวจสอบ")
        if self.document.secrecy:
            parts.append(label(self.document.secrecy, "secrecy"))
        remarks = self.entry.doc_remarks if self._kept else self.document.remarks
        if remarks and not self.masked:
            parts.append(remarks)
        return "\n".join(parts)

    def cells(self) -> list[str]:
        return [self.number, self.doc_number, self.doc_date, self.sender, self.addressee,
                self.subject, self.action, self.remarks]


def readable_register(user: User, register_id: int) -> Register:
    """A register the user keeps (as its unit's clerk or administrator), of either kind."""
    return register_for(user, register_id, None)


def register_lines(user: User, register_id: int, period: Period, *, limit: int | None = 100,
                   offset: int = 0) -> tuple[Register, list[RegisterLine], int]:
    """The lines of a register in a period, by number, and how many there are in all."""
    register = readable_register(user, register_id)
    line = Receipt if register.kind == RegisterKind.RECEIPT else Dispatch
    at = line.received_at if line is Receipt else line.dispatched_at
    start, end = period.bounds()
    where = (line.register_id == register.id, line.year == period.year)
    if period.month is not None:
        where += (at >= start, at < end)
    total = db.session.scalar(select(func.count()).select_from(line).where(*where))
    stmt = (
        select(line)
        .join(line.document)
        .where(*where)
        .options(contains_eager(line.document).options(
            joinedload(Document.origin_unit), joinedload(Document.origin_agency)))
        .order_by(line.number)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    entries = db.session.scalars(stmt).unique().all()
    unit_name = register.unit.short_name
    secret = [e.document.id for e in entries if e.document.secrecy > 0]
    readable = set(db.session.scalars(
        select(Document.id).where(Document.id.in_(secret),
                                  secret_rule(user.clearance, user.id)))
    ) if secret and user.clearance > 0 else set()
    lines = [RegisterLine(e, e.document, e.document.secrecy > 0 and e.document.id not in readable,
                          unit_name)
             for e in entries]
    _attach_actions(register, lines)
    if register.kind == RegisterKind.DISPATCH:
        _attach_deliveries(lines)
    if readable:  # a secret line shown in full is a view of the document (flushed)
        record_views(user, [ln.document for ln in lines if not ln.masked], "register")
    return register, lines, total


def shows_secret(lines: list[RegisterLine]) -> bool:
    """Whether these lines show a secret document in full (register_lines recorded it)."""
    return any(ln.document.secrecy > 0 and not ln.masked for ln in lines)


def _attach_actions(register: Register, lines: list[RegisterLine]) -> None:
    """The unit's own transfers of the documents on the page, in one query."""
    ids = [ln.document.id for ln in lines if not ln.masked]
    if not ids:
        return
    transfers = db.session.scalars(
        select(Transfer)
        .where(Transfer.document_id.in_(ids), Transfer.from_unit_id == register.unit_id,
               Transfer.status != TransferStatus.RECALLED)
        .options(joinedload(Transfer.to_unit))
        .order_by(Transfer.sent_at, Transfer.id)
    ).all()
    by_document: dict[int, list[Transfer]] = {}
    for t in transfers:
        by_document.setdefault(t.document_id, []).append(t)
    for ln in lines:
        if not ln.masked:
            ln.actions = [t for t in by_document.get(ln.document.id, [])
                          if t.sent_at is None or t.sent_at >= ln.at]


def _attach_deliveries(lines: list[RegisterLine]) -> None:
    """Each dispatch's destinations with their outboxes' states, in three queries at most."""
    from saraban.delivery.operations import deliveries_of

    found = deliveries_of([ln.entry.id for ln in lines])
    for ln in lines:
        ln.deliveries = found.get(ln.entry.id, [])


def register_title(register: Register) -> str:
    return "ทะเบียนหนังสือรับ" if register.kind == RegisterKind.RECEIPT else "ทะเบียนหนังสือส่ง"


def register_csv(register: Register, lines: list[RegisterLine], *, bom: bool = True) -> bytes:
    """The lines as CSV in UTF-8; with a byte-order mark, Excel opens the Thai correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ปี พ.ศ.", *COLUMNS, "วันเวลาที่ลงทะเบียน", "สถานะ"])
    for ln in lines:
        writer.writerow([be_year(ln.entry.year), *(_csv_safe(c) for c in ln.cells()),
                         ln.when, "ยกเลิก" if ln.cancelled else "ปกติ"])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def register_pdf_bytes(register: Register, period: Period, lines: list[RegisterLine],
                       user: User | None = None) -> bytes:
    """The printed register, its footer carrying this printing's verification code."""
    from saraban.audit.printcodes import issue_print_code, show
    from saraban.pdf.register import RegisterRow, register_pdf

    now = thaidate.now().astimezone(BANGKOK)
    rows = [RegisterRow(*ln.cells(), cancelled=ln.cancelled, when=ln.when) for ln in lines]
    unit = register.unit
    subtitle = f"{unit.name_th} ({unit.short_name}) · {register.name} · {period.label_th()}"
    content = "\n".join([f"register:{register.id}:{period.label_th()}"]
                        + ["|".join(row.cells()) for row in rows])
    code = issue_print_code("register", content=content, user=user, register_id=register.id,
                            summary=f"{register.name} ({unit.short_name}) {period.label_th()} "
                            f"{to_thai_digits(len(rows))} รายการ")
    return register_pdf(register_title(register), subtitle, rows,
                        when="วันเวลาที่รับ" if register.kind == RegisterKind.RECEIPT
                        else "วันเวลาที่ส่ง",
                        printed=f"พิมพ์เมื่อ {format_date(now)} {format_time(now)} · "
                        f"รหัสตรวจสอบ {show(code)}")


@dataclass
class Export:
    content: bytes
    media_type: str
    filename: str

    def response(self):
        from flask import Response

        disposition = "inline" if self.media_type == "application/pdf" else "attachment"
        return Response(self.content, mimetype=self.media_type, headers={
            "Content-Disposition": f'{disposition}; filename="{self.filename}"'})


def export_register(user: User, register_id: int, period: Period, what: str, *,
                    bom: bool = True) -> Export:
    """A register's period as a printable PDF (``pdf``) or CSV (``csv``: with a byte-order
    mark for Excel, or plain UTF-8 for other tools); the export is recorded in the audit
    trail (flushes, never commits)."""
    register, lines, total = register_lines(user, register_id, period,
                                            limit=PRINT_LIMIT if what == "pdf" else None)
    if what == "pdf" and total > PRINT_LIMIT:
        raise RegisterError(
            "ทะเบียนช่วงนี้ยาวเกินกว่าจะพิมพ์ในครั้งเดียว กรุณาเลือกพิมพ์ทีละเดือน",
            f"More than {PRINT_LIMIT} lines: print one month at a time.", status=413)
    begin_write(db.session)
    record(f"register.export.{what}", user=user, obj=register, unit_id=register.unit_id,
           details={"register_id": register.id, "period": period.slug(), "lines": len(lines)})
    name = f"register-{register.id}-{period.slug()}"
    if what == "pdf":
        return Export(register_pdf_bytes(register, period, lines, user), "application/pdf",
                      f"{name}.pdf")
    return Export(register_csv(register, lines, bom=bom), "text/csv; charset=utf-8",
                  f"{name}.csv")

"""Receipt and dispatch registers, their yearly counters, and the lines entered in them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.units.models import Unit


class RegisterKind(StrEnum):
    RECEIPT = "receipt"  # ทะเบียนหนังสือรับ
    DISPATCH = "dispatch"  # ทะเบียนหนังสือส่ง


class EntryMode(StrEnum):
    LIVE = "live"  # numbered by this system at registration
    HISTORIC = "historic"  # a paper stamp entered with its original number


class EntryStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Register(TimestampMixin, Base):
    """A unit's receipt or dispatch register; numbers run from ๑ each calendar year."""

    __tablename__ = "register"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[RegisterKind] = enum_column(RegisterKind, "kind")
    code: Mapped[str] = mapped_column(String(40))  # short, unique within the unit and kind
    name: Mapped[str] = mapped_column(String(255))
    is_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A dispatch register's series mark before the running number: "ว" for circulars
    # (๐๐๓๓.๑๒/ว๑๒๓); empty for the ordinary series (๐๐๓๓.๑๒/๕๐๕๒).
    series: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # ทะเบียนคำสั่ง: a dispatch register of orders (คำสั่ง), numbered "ที่ ๑/๒๕๖๙", the number
    # and the Buddhist year, without the unit's code
    for_orders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("unit_id", "kind", "code"),)


class RegisterCounter(Base):
    """The last number given in a register in one year: the single source of new numbers."""

    __tablename__ = "register_counter"

    register_id: Mapped[int] = mapped_column(ForeignKey("register.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # calendar year, CE
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    # The last number the paper book of this year reached, when the register was opened to
    # continue it here (เปิดทะเบียนต่อจากเลข ๘๑๒๓): live numbers come after it, and a paper
    # stamp of the year entered afterwards (a historic entry) must be at or below it.
    paper_last_number: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("last_number >= 0", name="not_negative"),
        CheckConstraint("paper_last_number IS NULL OR paper_last_number > 0",
                        name="paper_positive"),
    )


def _line_constraints() -> tuple:
    """One number per register and year; a cancelled line keeps its number and says why."""
    return (
        UniqueConstraint("register_id", "year", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(
            "(status = 'cancelled') = (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)",
            name="cancel_has_reason",
        ),
    )


class _RegisterLine:
    """Columns shared by receipt and dispatch lines."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    mode: Mapped[EntryMode] = enum_column(EntryMode, "mode", default=EntryMode.LIVE)
    status: Mapped[EntryStatus] = enum_column(EntryStatus, "status", default=EntryStatus.ACTIVE)
    # The stamp or register line as written on paper (OCR kept for historic entries).
    source_text: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None]
    # What the register prints of the document, as it was when the line was entered: a
    # later correction of the document never changes a register line (``snapshot``).
    doc_number: Mapped[str | None] = mapped_column(String(120))
    doc_date: Mapped[dt.date | None] = mapped_column(Date)
    doc_sender: Mapped[str | None] = mapped_column(Text)
    doc_addressee: Mapped[str | None] = mapped_column(Text)
    doc_subject: Mapped[str | None] = mapped_column(Text)  # None: a line from before snapshots
    doc_remarks: Mapped[str | None] = mapped_column(Text)

    def snapshot(self, document: Document) -> None:
        """Keep on the line what the register shows of ``document`` now."""
        origin = document.origin_unit or document.origin_agency
        self.doc_number = document.number
        self.doc_date = document.doc_date
        self.doc_sender = document.sender_text or (origin.short_name if origin else None)
        self.doc_addressee = document.addressee
        self.doc_subject = document.subject
        self.doc_remarks = document.remarks


class Receipt(_RegisterLine, TimestampMixin, Base):
    """A document entered in a receipt register: เลขรับ, date and time; the stamp shows them."""

    __tablename__ = "receipt"

    register_id: Mapped[int] = mapped_column(ForeignKey("register.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    received_at: Mapped[dt.datetime]
    # Paper stamps sometimes lack a legible time: then received_at is the day's start.
    time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    register: Mapped[Register] = relationship()
    document: Mapped[Document] = relationship()

    __table_args__ = _line_constraints()


class Dispatch(_RegisterLine, TimestampMixin, Base):
    """An outgoing number (๐๐๓๓.๑๒/๕๐๕๒) taken from a dispatch register."""

    __tablename__ = "dispatch"

    register_id: Mapped[int] = mapped_column(ForeignKey("register.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number_text: Mapped[str] = mapped_column(String(120))  # the full ที่, prefix/number
    dispatched_at: Mapped[dt.datetime]
    time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    to_text: Mapped[str | None] = mapped_column(Text)  # ถึง, as entered in the register
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    register: Mapped[Register] = relationship()
    document: Mapped[Document] = relationship()

    __table_args__ = _line_constraints()


def _once_while_active(line, name: str) -> Index:
    """The database itself refuses a document entered twice (not cancelled) in one
    register, even from two requests at the same moment."""
    active = text("status = 'active'")
    return Index(name, line.register_id, line.document_id, unique=True,
                 sqlite_where=active, postgresql_where=active)


_once_while_active(Receipt, "uq_receipt_active_document")
_once_while_active(Dispatch, "uq_dispatch_active_document")

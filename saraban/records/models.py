"""The records' life (หมวด ๓ ของระเบียบ): keeping, lending and destroying documents.

A document is kept for a number of years from the end of its year (10 unless set), or
for ever (ห้ามทำลาย). Each year a unit lists what has reached its term (บัญชีหนังสือขอทำลาย),
a committee decides item by item, and destruction removes the files but keeps the
register lines and a record of what was destroyed. A paper original lent out is a loan
(บัตรยืมหนังสือ) until it comes back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.units.models import Unit

DEFAULT_RETENTION_YEARS = 10
ARCHIVES_AGE_YEARS = 20  # older than this: listed for the National Archives
PROPOSAL_DAYS = 60  # the list is proposed within 60 days of the year's end


class DestructionStatus(StrEnum):
    PROPOSED = "proposed"  # listed, waiting for the committee
    REVIEWED = "reviewed"  # every item decided, committee recorded
    DONE = "done"  # the approved items destroyed


class DestructionList(TimestampMixin, Base):
    """บัญชีหนังสือขอทำลาย: one unit's documents whose term ended by the end of ``year``."""

    __tablename__ = "destruction_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)  # CE year whose end the list looks at
    status: Mapped[DestructionStatus] = enum_column(
        DestructionStatus, "status", default=DestructionStatus.PROPOSED
    )
    proposed_at: Mapped[dt.datetime]
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    late: Mapped[bool] = mapped_column(default=False)  # later than 60 days after year end
    chair: Mapped[str | None] = mapped_column(String(255))  # ประธานกรรมการ
    members: Mapped[list | None] = mapped_column(JSON)  # กรรมการ, at least two names
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    destroyed_at: Mapped[dt.datetime | None]
    destroyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[DestructionItem]] = relationship(
        back_populates="destruction_list", order_by="DestructionItem.id",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        CheckConstraint("status = 'proposed' OR (reviewed_at IS NOT NULL AND chair IS NOT NULL)",
                        name="reviewed_has_committee"),
        CheckConstraint("status <> 'done' OR destroyed_at IS NOT NULL", name="done_has_time"),
    )


class DestructionDecision(StrEnum):
    PENDING = "pending"
    DESTROY = "destroy"  # approved for destruction
    EXTEND = "extend"  # kept for ``extend_years`` more
    KEEP = "keep"  # kept for ever (ห้ามทำลาย)


class DestructionItem(Base):
    __tablename__ = "destruction_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("destruction_list.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    decision: Mapped[DestructionDecision] = enum_column(
        DestructionDecision, "decision", default=DestructionDecision.PENDING
    )
    extend_years: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    destroyed_at: Mapped[dt.datetime | None]

    destruction_list: Mapped[DestructionList] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()

    __table_args__ = (
        UniqueConstraint("list_id", "document_id"),
        CheckConstraint("decision <> 'extend' OR extend_years BETWEEN 1 AND 100",
                        name="extend_has_years"),
        CheckConstraint("destroyed_at IS NULL OR decision = 'destroy'",
                        name="destroyed_when_approved"),
    )


class Loan(TimestampMixin, Base):
    """บัตรยืมหนังสือ: a paper original lent out, until it comes back."""

    __tablename__ = "loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the lender's
    item: Mapped[str] = mapped_column(Text)  # what was lent: ต้นฉบับ ๓ แผ่น พร้อมสิ่งที่ส่งมาด้วย
    borrower: Mapped[str] = mapped_column(String(255))  # name and position, as signed
    borrower_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lent_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    returned_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_by: Mapped[str | None] = mapped_column(String(255))  # who brought it back
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    borrower_unit: Mapped[Unit | None] = relationship(foreign_keys=[borrower_unit_id])

    __table_args__ = (
        CheckConstraint("due_on >= lent_on", name="due_after_lent"),
        CheckConstraint("returned_on IS NULL OR returned_on >= lent_on",
                        name="returned_after_lent"),
        CheckConstraint("(returned_on IS NULL) = (returned_by IS NULL)", name="return_complete"),
    )


# One open loan per document: the database itself refuses a second card for a document
# that has not come back, even from two requests at the same moment.
_OPEN = text("returned_on IS NULL")
Index("uq_loan_open_document", Loan.document_id, unique=True,
      sqlite_where=_OPEN, postgresql_where=_OPEN)

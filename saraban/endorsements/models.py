"""What commanders write on documents: endorsements (เกษียน) with their lines, and the
orders an endorsement gives. History: rows are appended, never rewritten (a signed
endorsement is fixed, guarded by ``saraban.endorsements.operations``), except for an
order's completion. The tables keep the names they had in ``saraban.routing.models``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.routing.models import Transfer
from saraban.units.models import Delegation, DelegationKind, Person, Position, Unit


class EndorsementStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Endorsement(TimestampMixin, Base):
    """A commander's minute on a document (เกษียนหนังสือ / บันทึกสั่งการ).

    Signed endorsements are never changed; a correction is a new endorsement that
    points at the one it corrects.
    """

    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))
    # When signing for another position: the delegation in force, and what it was.
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    acting_kind: Mapped[DelegationKind | None] = enum_column(
        DelegationKind, "acting_kind", nullable=True
    )
    acting_position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))
    # The signature block exactly as it reads on paper: ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.
    signature_text: Mapped[str] = mapped_column(Text)
    status: Mapped[EndorsementStatus] = enum_column(
        EndorsementStatus, "status", default=EndorsementStatus.DRAFT
    )
    signed_at: Mapped[dt.datetime | None]
    time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("endorsement.id"))
    source_text: Mapped[str | None] = mapped_column(Text)  # OCR of a paper endorsement
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The page form it came from: the same form sent twice (a double click) makes one.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    document: Mapped[Document] = relationship()
    unit: Mapped[Unit | None] = relationship()
    signer: Mapped[Person] = relationship()
    position: Mapped[Position | None] = relationship(foreign_keys=[position_id])
    acting_position: Mapped[Position | None] = relationship(foreign_keys=[acting_position_id])
    delegation: Mapped[Delegation | None] = relationship()
    lines: Mapped[list[EndorsementLine]] = relationship(
        back_populates="endorsement",
        order_by="EndorsementLine.position",
        cascade="all, delete-orphan",
    )
    orders: Mapped[list[Order]] = relationship(
        back_populates="endorsement", order_by="Order.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("status <> 'signed' OR signed_at IS NOT NULL", name="signed_has_time"),
        CheckConstraint(
            "(acting_kind IS NULL) = (acting_position_id IS NULL)", name="acting_complete"
        ),
        # "has this unit endorsed it?": without it SQLite walks every endorsement of the
        # unit for each proposal (20 s for 20,000 proposals)
        Index("ix_endorsement_document_unit", "document_id", "unit_id"),
    )


class EndorsementLine(Base):
    __tablename__ = "endorsement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(ForeignKey("endorsement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)

    endorsement: Mapped[Endorsement] = relationship(back_populates="lines")


class OrderStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Order(TimestampMixin, Base):
    """An instruction given in an endorsement to a unit or a person, tracked until done."""

    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(ForeignKey("endorsement.id"), index=True)
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    to_text: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[OrderStatus] = enum_column(OrderStatus, "status", default=OrderStatus.OPEN)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    done_at: Mapped[dt.datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    endorsement: Mapped[Endorsement] = relationship(back_populates="orders")
    to_unit: Mapped[Unit | None] = relationship()
    transfer: Mapped[Transfer | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "to_unit_id IS NOT NULL OR to_user_id IS NOT NULL OR to_text IS NOT NULL",
            name="has_assignee",
        ),
        CheckConstraint("status <> 'done' OR done_at IS NOT NULL", name="done_has_time"),
        Index("ix_work_order_status_due_date", "status", "due_date"),
    )

"""How documents move and what commanders write on them.

Transfers (hops between units), endorsements (เกษียน) with their lines, the orders an
endorsement gives, and certified copies (สำเนาถูกต้อง) sent on with their own number.
All of these are history: rows are appended, never rewritten, except for a transfer's
progress (opened, accepted) and an order's completion.
"""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.units.models import Agency, Delegation, DelegationKind, Person, Position, Unit


class TransferKind(StrEnum):
    ARRIVAL = "arrival"  # a letter from an outside agency arriving at a unit
    FORWARD = "forward"  # ส่งต่อ: to a unit below or beside
    PROPOSE = "propose"  # เสนอ: up to a commander
    RETURN = "return"  # ส่งคืน: back to the unit that proposed it
    CIRCULATE = "circulate"  # เวียน: to many units, usually as certified copies
    OUTGOING = "outgoing"  # to an outside agency


class Purpose(StrEnum):
    INFORM = "inform"  # เพื่อโปรดทราบ / เพื่อทราบ
    CONSIDER = "consider"  # เพื่อโปรดพิจารณา
    ACT = "act"  # เพื่อดำเนินการ
    SIGN = "sign"  # เพื่อโปรดลงนาม
    PUBLICIZE = "publicize"  # เพื่อทราบและประชาสัมพันธ์
    OTHER = "other"


class TransferStatus(StrEnum):
    SENT = "sent"
    OPENED = "opened"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RECALLED = "recalled"  # pulled back by the sender before acceptance
    RECORDED = "recorded"  # a hop entered from a paper record: nothing waits on it


class Transfer(TimestampMixin, Base):
    """One hop of a document from a unit (or outside agency) to a unit (or outside agency)."""

    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    kind: Mapped[TransferKind] = enum_column(TransferKind, "kind")
    purpose: Mapped[Purpose] = enum_column(Purpose, "purpose")
    purpose_text: Mapped[str | None] = mapped_column(Text)  # as written: เพื่อโปรดทราบ ...
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    from_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    to_text: Mapped[str | None] = mapped_column(Text)  # เรียน ..., as written on the routing
    # The document that carried this hop, when it is not the document itself (a circular).
    via_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    status: Mapped[TransferStatus] = enum_column(
        TransferStatus, "status", default=TransferStatus.SENT
    )
    sent_at: Mapped[dt.datetime | None]
    sent_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    # who accepted, returned or pulled it back, and why it was returned
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[dt.datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    recalled_at: Mapped[dt.datetime | None]  # when the sender pulled it back
    # when the sender saw it returned (acknowledged it, or sent the document on again):
    # until then it waits on his home page
    return_seen_at: Mapped[dt.datetime | None]

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    via_document: Mapped[Document | None] = relationship(foreign_keys=[via_document_id])
    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])
    from_agency: Mapped[Agency | None] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency | None] = relationship(foreign_keys=[to_agency_id])
    receipt = relationship("Receipt")

    __table_args__ = (
        CheckConstraint("from_unit_id IS NULL OR from_agency_id IS NULL", name="one_source"),
        CheckConstraint("to_unit_id IS NULL OR to_agency_id IS NULL", name="one_destination"),
        CheckConstraint(
            "to_unit_id IS NOT NULL OR to_agency_id IS NOT NULL OR to_text IS NOT NULL",
            name="has_destination",
        ),
        CheckConstraint(
            "status <> 'accepted' OR accepted_at IS NOT NULL", name="accepted_has_time"
        ),
        CheckConstraint(
            "status <> 'returned' OR (returned_at IS NOT NULL AND return_reason IS NOT NULL)",
            name="returned_has_reason",
        ),
    )


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


class CertifiedCopy(TimestampMixin, Base):
    """สำเนาถูกต้อง: ``copy`` certifies ``source`` (with the endorsement on it) and goes on
    under its own number."""

    __tablename__ = "certified_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("document.id"), unique=True)
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    certifier_text: Mapped[str | None] = mapped_column(Text)  # signature block as written
    certified_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255))

    source: Mapped[Document] = relationship(foreign_keys=[source_id])
    copy: Mapped[Document] = relationship(foreign_keys=[copy_id])
    certified_by: Mapped[Person | None] = relationship()

    __table_args__ = (CheckConstraint("source_id <> copy_id", name="not_self"),)

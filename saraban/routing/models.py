"""How documents move: transfers, the hops of a document between units (or outside
agencies). They are history: rows are appended, never rewritten, except for a transfer's
progress (opened, accepted, returned, recalled).

What commanders write on documents (endorsements, their lines and orders) is in
``saraban.endorsements.models``; certified copies in ``saraban.copies.models``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.units.models import Agency, Unit


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

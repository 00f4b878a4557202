"""Outgoing letters before they go out: a draft on one of the regulation's forms, its every
version, and the line of people it goes up for initials (ลงชื่อย่อกำกับ) and signature.

A draft is made by a staff officer (ผู้ร่าง) of a unit; each save that changes it is a new
version (who, when, what). Submitted, it goes up its review line: reviewers one after
another (or all at once, เวียนตรวจ), each may edit it, return it with a note, or initial
it; the last step is the signer's. Signed, it becomes an outgoing Document whose main file is
the signed PDF, and it cannot change any more; the registry numbers and sends it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, TimestampMixin, utcnow


class DraftStatus(StrEnum):
    DRAFTING = "drafting"  # with its drafter
    IN_REVIEW = "in_review"  # up the line
    RETURNED = "returned"  # back with the drafter, with a note
    SIGNED = "signed"  # signed; waits for its number
    DISPATCHED = "dispatched"  # numbered and sent


class StepRole(StrEnum):
    REVIEW = "review"  # initials (ลงชื่อย่อกำกับ)
    SIGN = "sign"  # the signature


class StepStatus(StrEnum):
    WAITING = "waiting"  # not yet his turn
    CURRENT = "current"  # on his desk
    INITIALLED = "initialled"
    RETURNED = "returned"
    SIGNED = "signed"
    CANCELLED = "cancelled"  # the draft came back before his turn


class Draft(TimestampMixin, Base):
    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # saraban.pdf.letter.KINDS
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # เจ้าของเรื่อง
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    subject: Mapped[str] = mapped_column(Text)  # fields["subject"], for lists
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    secrecy: Mapped[int] = mapped_column(SmallInteger, default=0)
    urgency: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.DRAFTING, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the current version's number
    parallel: Mapped[bool] = mapped_column(Boolean, default=False)  # เวียนตรวจ
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), unique=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[dt.datetime | None]
    capacity_text: Mapped[str | None] = mapped_column(Text)  # the signature's position line
    # signed in ink on the printed letter, its scan uploaded back (where the law needs ink)
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    return_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    steps: Mapped[list[DraftStep]] = relationship(
        back_populates="draft", order_by="DraftStep.position", cascade="all, delete-orphan")
    unit = relationship("Unit")
    created_by = relationship("User", foreign_keys=[created_by_id])
    document = relationship("Document", foreign_keys=[document_id])
    reply_to = relationship("Document", foreign_keys=[reply_to_id])


class DraftVersion(Base):
    """One saved state of a draft; version 1 is the drafter's first."""

    __tablename__ = "draft_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime]

    author = relationship("User")


class DraftStep(Base):
    """One person's place in the review line."""

    __tablename__ = "draft_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)  # each submission a round
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=StepStatus.WAITING, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    acted_at: Mapped[dt.datetime | None]
    version: Mapped[int | None] = mapped_column(Integer)  # the version he initialled

    draft: Mapped[Draft] = relationship(back_populates="steps")
    user = relationship("User")

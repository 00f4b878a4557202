"""Append-only audit events forming a hash chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from saraban.db import Base, utcnow


class AuditEvent(Base):
    """Who did what, when, from where; each event hashes its content and the previous hash."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    # {"receipt:12": "<sha256 of its fields>", "endorsement:3": null (deleted)}: the records
    # this event changed, as they stood after it (saraban.audit.records)
    record_digests: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_event_occurred_at", "occurred_at"),)


class AuditHead(Base):
    """The single row holding the chain's head; updating it first serialises writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None]
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of (last_event_id, hash) with the installation's key (audit.keys)
    mac: Mapped[str | None] = mapped_column(String(64))


class PrintCode(Base):
    """The short code printed on a stamp, register, endorsement sheet or certified copy:
    ``/verify/<code>`` says which document and version it is, without secret content."""

    __tablename__ = "print_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # stamp, register, endorsement_sheet, ...
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    register_id: Mapped[int | None] = mapped_column(ForeignKey("register.id"))
    version: Mapped[str] = mapped_column(String(64))  # a digest of what was printed
    summary: Mapped[str | None] = mapped_column(String(255))  # what may be shown publicly
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

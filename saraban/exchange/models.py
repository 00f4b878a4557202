"""Letters exchanged with other agencies' installations (recommendation ๔.๒).

A peer is another installation: its agency code, its address and its Ed25519 public key.
Every message sent or received is kept as the signed JSON that went over the wire, so
that a retry sends the very same bytes and a repeat is recognised by its digest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document
from saraban.units.models import Agency


class Peer(TimestampMixin, Base):
    __tablename__ = "exchange_peer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(500))  # base URL of its saraban
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32 bytes
    active: Mapped[bool] = mapped_column(default=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))

    agency: Mapped[Agency | None] = relationship()


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class MessageStatus(StrEnum):
    QUEUED = "queued"  # out: waiting for the worker (or for its next try)
    DELIVERED = "delivered"  # out: the peer acknowledged it
    ACCEPTED = "accepted"  # out letter: registered there (accept_id holds its เลขรับ)
    REJECTED = "rejected"  # out letter: refused there, with a reason
    INVALID = "invalid"  # out letter: the peer found it invalid, with a reason
    FAILED = "failed"  # out: refused by the peer at delivery, or too old to send
    WITHDRAWN = "withdrawn"  # out letter: withdrawn by the sender after a rejection
    RECEIVED = "received"  # in: stored, waiting for a clerk's accept
    REGISTERED = "registered"  # in letter: in our receipt register
    REFUSED = "refused"  # in letter: a clerk rejected it


class ExchangeMessage(TimestampMixin, Base):
    __tablename__ = "exchange_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = enum_column(Direction, "direction")
    message_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(10))  # letter, delivery, accept, reject, invalid
    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peer.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[MessageStatus] = enum_column(MessageStatus, "status")
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the signed message, as sent or received
    ack: Mapped[str | None] = mapped_column(Text)  # the delivery acknowledgement
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None]
    accept_id: Mapped[str | None] = mapped_column(String(60))  # the receiver's เลขรับ
    accepted_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)  # of a rejection
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    # An arriving letter that matches one already received (sender, number, date): the
    # earlier receipt. Such a letter waits for a clerk's decision, never registered twice.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    peer: Mapped[Peer] = relationship()
    document: Mapped[Document | None] = relationship()
    duplicate_of = relationship("Receipt", foreign_keys=[duplicate_of_id])

    __table_args__ = (
        UniqueConstraint("direction", "message_id"),
        Index("ix_exchange_message_due", "status", "next_attempt_at"),
    )


class ExchangeRefusal(Base):
    """Messages the endpoint refused, outside the audit chain (anyone can post junk to it):
    one row per sender address, reason and claimed sender, counting repeats; only the
    newest ``REFUSALS_KEPT`` rows are kept."""

    __tablename__ = "exchange_refusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(20))
    claimed_from: Mapped[str | None] = mapped_column(String(40))
    last_message_id: Mapped[str | None] = mapped_column(String(40))
    first_at: Mapped[dt.datetime]
    last_at: Mapped[dt.datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_exchange_refusal_key", "remote_addr", "reason", "claimed_from"),)

"""The mail outbox: each message sent from the saraban@ address, kept as the bytes built
when it was queued (a stored file), so that every retry sends the same message with the
same Message-ID.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document, StoredFile


class MailKind(StrEnum):
    LETTER = "letter"  # an outgoing document sent to another agency's saraban@ address
    RECEIPT_CONFIRMATION = "receipt_confirmation"  # our เลขรับ, in reply to a letter
    NOTIFICATION = "notification"  # a user told what waits for them


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for the worker, or for its next try
    SENT = "sent"  # the submission server accepted it
    FAILED = "failed"  # refused for good (a permanent SMTP error)


class OutgoingMail(TimestampMixin, Base):
    __tablename__ = "mail_outgoing"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)  # <...@our domain>
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    kind: Mapped[MailKind] = enum_column(MailKind, "mail_kind")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))  # the built message
    status: Mapped[MailStatus] = enum_column(MailStatus, "mail_status",
                                             default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]

    document: Mapped[Document | None] = relationship()
    file: Mapped[StoredFile] = relationship()

    __table_args__ = (
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_has_sent_at"),
        CheckConstraint("status <> 'queued' OR next_attempt_at IS NOT NULL",
                        name="queued_has_next_attempt"),
        Index("ix_mail_outgoing_due", "status", "next_attempt_at"),
    )

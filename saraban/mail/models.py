"""The saraban@ mailbox: where the reading stands (per folder, UIDVALIDITY and the last UID
taken) and each message taken (an arrival), kept with its raw bytes as the evidence.

An arrival is unique per mailbox by its Message-ID: the same mail fetched again (a crash
after the commit and before the move, a new UIDVALIDITY) is recognised, never stored
twice. Its status goes waiting → registered or ignored; a registered one names its
document (CHECK).

A reply to a letter we sent by e-mail (its In-Reply-To or References naming that
letter's Message-ID) is the recipient's confirmation: kind ``confirmation``, linked to the
outgoing mail (CHECK), with the receipt number it names if any; a bounce naming one of our
letters is linked to it too, with the reason the server gave.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, utcnow
from saraban.documents.models import StoredFile


class ArrivalKind(StrEnum):
    LETTER = "letter"  # a PDF letter, for the clerk
    AUTO_REPLY = "auto_reply"  # an out-of-office or other automatic answer
    BOUNCE = "bounce"  # a delivery failure report
    LIST = "list"  # a mailing list's or bulk mail
    NO_PDF = "no_pdf"  # a message with no PDF to register
    CONFIRMATION = "confirmation"  # the recipient's answer to a letter we sent by e-mail


class ArrivalStatus(StrEnum):
    WAITING = "waiting"
    REGISTERED = "registered"
    IGNORED = "ignored"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class MailboxState(Base):
    """How far the folder ``mailbox`` (the IMAP URL's host, user and folder) was read."""

    __tablename__ = "mailbox_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500), unique=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_at: Mapped[dt.datetime | None] = mapped_column()


class MailArrival(Base):
    __tablename__ = "mail_arrival"
    __table_args__ = (
        UniqueConstraint("mailbox", "message_id"),
        CheckConstraint(_in("kind", ArrivalKind), name="kind"),
        CheckConstraint(_in("status", ArrivalStatus), name="status"),
        CheckConstraint("status <> 'registered' OR document_id IS NOT NULL",
                        name="registered_document"),
        CheckConstraint("kind <> 'confirmation' OR outgoing_mail_id IS NOT NULL",
                        name="confirmation_mail"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str] = mapped_column(String(255))
    uid: Mapped[int] = mapped_column(BigInteger)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    from_address: Mapped[str] = mapped_column(String(255))
    from_name: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column()  # the Date header
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    reference_ids: Mapped[list | None] = mapped_column(JSON)  # the References header
    # the message as it came, byte for byte: its SHA-256 (raw_file.sha256) is the evidence
    raw_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    main_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    main_filename: Mapped[str | None] = mapped_column(String(255))
    enclosures: Mapped[list] = mapped_column(JSON, default=list)  # [{file_id, filename, ...}]
    refused: Mapped[list] = mapped_column(JSON, default=list)  # [{filename, reason}]
    auth_results: Mapped[dict] = mapped_column(JSON, default=dict)  # {spf, dkim, dmarc}
    kind: Mapped[str] = mapped_column(String(12), default=ArrivalKind.LETTER)
    status: Mapped[str] = mapped_column(String(12), default=ArrivalStatus.WAITING, index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    error: Mapped[str | None] = mapped_column(Text)
    moved: Mapped[bool] = mapped_column(default=False)  # to the done folder
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # our letter this answers (a confirmation) or reports undelivered (a bounce)
    outgoing_mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outgoing.id"),
                                                         index=True)
    receipt_number: Mapped[str | None] = mapped_column(String(40))  # their เลขรับ, as written
    bounce_reason: Mapped[str | None] = mapped_column(Text)  # a bounce's diagnostic

    raw_file: Mapped[StoredFile] = relationship(foreign_keys=[raw_file_id])
    main_file: Mapped[StoredFile | None] = relationship(foreign_keys=[main_file_id])

    @property
    def raw_sha256(self) -> str:
        return self.raw_file.sha256

    @property
    def auth_failed(self) -> list[str]:
        """The checks the receiving server found failed (for the page to say so)."""
        return [name for name in ("spf", "dkim", "dmarc")
                if (self.auth_results or {}).get(name) in ("fail", "softfail", "permerror")]

"""What this installation keeps of e-CMS: the node's code lists, the administrator's mapping of
our levels to the node's codes, and every message pulled or sent.

The code lists (``GetSecretCodes``, ``GetSpeedCodes``, ``GetMimeCodes``,
``GetMinistryOrganizationList``, ``GetOrganizationList``) are the node's, not ours: each row
keeps the time it was fetched, and ``saraban ecms sync-codes`` replaces a whole list at once,
so a list is always one fetch, never half of two. The mapping points at a code by its text
(not a foreign key), because a re-sync replaces the rows; a mapping whose code the node no
longer lists is refused when a letter is built (saraban/exchange/ecms/mapping.py).

``EcmsMessage`` is the evidence: the raw XML exactly as sent or received and its SHA-256. A
pulled item is unique on the node's ProcessID, so that pulling it again (a crash between
storing and deleting it from the node's queue) finds the stored row instead of a second one.
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
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.documents.models import Document


class CodeList(StrEnum):
    """The two code lists an administrator maps our levels to."""

    SECRET = "secret"  # GetSecretCodes: ชั้นความลับ
    SPEED = "speed"  # GetSpeedCodes: ชั้นความเร็ว


class EcmsCode(Base):
    """One ``Code{Value, Description}`` of the node's secret or speed codes."""

    __tablename__ = "ecms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[CodeList] = enum_column(CodeList, "code_list")
    value: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255))
    fetched_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("list_name", "value"),)


class EcmsMimeCode(Base):
    """One ``Code{File-Extension, Content-type}`` of ``GetMimeCodes``: the ``mimeCode`` values
    the node takes, and the extension a received file is named with."""

    __tablename__ = "ecms_mime_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    extension: Mapped[str] = mapped_column(String(20), unique=True)  # lowercased, no dot
    content_type: Mapped[str] = mapped_column(String(150), index=True)
    fetched_at: Mapped[dt.datetime]


class EcmsMinistry(Base):
    """One ministry of ``GetMinistryOrganizationList`` (the first two digits of a department
    ID: 00 ไม่ระบุ, 01 สำนักนายกรัฐมนตรี, ...)."""

    __tablename__ = "ecms_ministry"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[str] = mapped_column(String(10), unique=True)
    th_name: Mapped[str] = mapped_column(String(255))
    fetched_at: Mapped[dt.datetime]


class EcmsOrganization(Base):
    """One organisation of ``GetOrganizationList``: the directory a clerk picks a destination
    from by name, and where an arriving letter's sender gets its name."""

    __tablename__ = "ecms_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(10), unique=True)
    th_name: Mapped[str] = mapped_column(String(255), index=True)
    en_name: Mapped[str | None] = mapped_column(String(255))
    ecms_url: Mapped[str | None] = mapped_column(String(500))
    fetched_at: Mapped[dt.datetime]

    __table_args__ = (
        CheckConstraint("length(organization_id) = 10", name="ten_digits"),
    )

    @property
    def ministry_id(self) -> str:
        return self.organization_id[:2]


class LevelKind(StrEnum):
    SECRECY = "secrecy"  # Document.secrecy -> SecretCode
    URGENCY = "urgency"  # Document.urgency -> SpeedCode


class EcmsLevelMap(TimestampMixin, Base):
    """The administrator's choice: our secrecy or urgency level (0-3) travels as this node
    code. One code per level and one level per code, so that an arriving code reads back as
    exactly one level. ลับที่สุด may be mapped (so that an arriving one is recognised and
    refused) but never leaves."""

    __tablename__ = "ecms_level_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LevelKind] = enum_column(LevelKind, "level_kind")
    level: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(40))
    mapped_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        UniqueConstraint("kind", "level"),
        UniqueConstraint("kind", "code"),
        CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
    )


class Direction(StrEnum):
    OUT = "out"  # we sent it to our node
    IN = "in"  # we pulled it from our node's queue


class MessageState(StrEnum):
    # out
    QUEUED = "queued"  # waiting for the worker
    SENT = "sent"  # our node took it (process_id)
    RECEIVED = "received"  # out letter: ReceiveLetterNotifier came back
    ACCEPTED = "accepted"  # out letter: AcceptLetterNotifier with its เลขรับ (accept_id)
    REJECTED = "rejected"  # out letter: RejectLetterNotifier
    INVALID = "invalid"  # out letter: InvalidLetterNotifier
    WITHDRAWN = "withdrawn"  # out letter: deleted at the node to be sent again
    FAILED = "failed"  # out: the node refused it (ErrorDetail), see last_error
    UNKNOWN = "unknown"  # out: sent, no answer in time: check OutboundStatusRequest first
    # in
    STORED = "stored"  # pulled and kept, not yet dealt with
    PENDING = "pending"  # in letter: waiting for a clerk's accept
    REGISTERED = "registered"  # in letter: in our receipt register (receipt_id)
    REFUSED = "refused"  # in letter: answered with Reject or Invalid
    APPLIED = "applied"  # in notifier: matched to our sent letter and applied
    UNMATCHED = "unmatched"  # in notifier: names no letter we sent
    DUPLICATE = "duplicate"  # in: the same item again (kept as evidence, deleted at the node)


class SignatureStatus(StrEnum):
    """What verifying a pulled letter's ``ds:Signature`` found (signature.verify_letter)."""

    ABSENT = "absent"  # the letter carries none (neither public client signs)
    VALID = "valid"  # it verifies (``signature_trusted``: against a certificate we trust)
    INVALID = "invalid"  # it does not, or its shape or algorithm is refused: a clerk decides


class EcmsMessage(TimestampMixin, Base):
    """One message pulled from or sent to our node, with its raw XML as evidence."""

    __tablename__ = "ecms_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = enum_column(Direction, "ecms_direction")
    # "GovernmentDocument" (a letter) or one of messages.NOTIFIER_KINDS; "Unknown" for a
    # pulled item whose content we cannot read (kept and deleted, never pulled forever)
    operation: Mapped[str] = mapped_column(String(40))
    process_id: Mapped[str | None] = mapped_column(String(100))
    process_time: Mapped[str | None] = mapped_column(String(60))  # as the node wrote it
    letter_id: Mapped[str | None] = mapped_column(String(200))  # ที่ as on the wire
    correspondence_date: Mapped[dt.date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(Text)
    # the other side: the receiver of what we send, the sender of what we pull (10 digits)
    counterpart_id: Mapped[str | None] = mapped_column(String(10), index=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[MessageState] = enum_column(MessageState, "ecms_state")
    accept_id: Mapped[str | None] = mapped_column(String(60))  # เลขรับ (theirs or ours)
    accept_date: Mapped[str | None] = mapped_column(String(60))  # as the node wrote it
    # the letter a notifier is about (ours for an arriving notifier, theirs for one we send)
    letter_message_id: Mapped[int | None] = mapped_column(ForeignKey("ecms_message.id"),
                                                          index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    pulled_at: Mapped[dt.datetime | None]
    # when the pulled item was deleted from the node's queue; None: still to delete
    deleted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # XML-DSig. A pulled letter: what verifying its ds:Signature found (None until it is
    # dealt with, and for notifiers). A letter we sent signed: how we signed it (the status
    # stays None: we made the signature, nobody verified it here). The method and digest are
    # the URIs the signature names, so that a SHA-1 one is seen for what it is.
    signature_status: Mapped[SignatureStatus | None] = enum_column(
        SignatureStatus, "ecms_signature_status", nullable=True)
    signature_method: Mapped[str | None] = mapped_column(String(200))
    signature_digest: Mapped[str | None] = mapped_column(String(200))
    # True only when it verified against a certificate of SARABAN_ECMS_TRUSTED_CERTS; a
    # signature checked against the certificate it carries proves integrity, not who signed
    signature_trusted: Mapped[bool | None] = mapped_column(Boolean)
    signer_subject: Mapped[str | None] = mapped_column(String(500))  # the certificate's
    signature_reason: Mapped[str | None] = mapped_column(Text)  # why invalid (English)

    document: Mapped[Document | None] = relationship()
    letter_message: Mapped[EcmsMessage | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("direction", "process_id"),
        CheckConstraint("direction = 'out' OR process_id IS NOT NULL",
                        name="pulled_has_process_id"),
        CheckConstraint("(raw IS NULL) = (raw_sha256 IS NULL)", name="raw_with_digest"),
        CheckConstraint("state <> 'accepted' OR accept_id IS NOT NULL",
                        name="accepted_has_accept_id"),
        CheckConstraint("counterpart_id IS NULL OR length(counterpart_id) = 10",
                        name="counterpart_ten_digits"),
        CheckConstraint("signature_trusted IS NULL OR NOT signature_trusted "
                        "OR signature_status = 'valid'", name="trusted_only_valid"),
        CheckConstraint("signature_status IS NULL OR signature_status <> 'invalid' "
                        "OR signature_reason IS NOT NULL", name="invalid_says_why"),
        Index("ix_ecms_message_letter", "letter_id", "correspondence_date", "counterpart_id"),
    )

    def __repr__(self) -> str:
        return f"<EcmsMessage {self.id} {self.direction} {self.operation} {self.state}>"

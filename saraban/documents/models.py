"""Official documents, their references, enclosures and files."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.units.models import Agency, Person, Unit


class DocumentKind(StrEnum):
    """The six kinds of official document of the regulation (ข้อ ๙)."""

    EXTERNAL = "external"  # หนังสือภายนอก
    INTERNAL = "internal"  # หนังสือภายใน (บันทึกข้อความ)
    STAMPED = "stamped"  # หนังสือประทับตรา
    DIRECTIVE = "directive"  # หนังสือสั่งการ (คำสั่ง ระเบียบ ข้อบังคับ)
    PUBLICITY = "publicity"  # หนังสือประชาสัมพันธ์ (ประกาศ แถลงการณ์ ข่าว)
    EVIDENCE = "evidence"  # หนังสือที่เจ้าหน้าที่ทำขึ้นหรือรับไว้เป็นหลักฐานในราชการ


class Urgency(enum.IntEnum):
    NORMAL = 0
    URGENT = 1  # ด่วน
    VERY_URGENT = 2  # ด่วนมาก
    MOST_URGENT = 3  # ด่วนที่สุด


class Secrecy(enum.IntEnum):
    NORMAL = 0
    CONFIDENTIAL = 1  # ลับ
    SECRET = 2  # ลับมาก
    TOP_SECRET = 3  # ลับที่สุด


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Document(TimestampMixin, Base):
    """One official document (หนังสือ)."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = enum_column(DocumentKind, "kind")
    # ที่ as written on the document (Thai digits kept), and the same in Arabic digits for lookup.
    number: Mapped[str | None] = mapped_column(String(120))
    number_norm: Mapped[str | None] = mapped_column(String(120), index=True)
    doc_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    subject: Mapped[str] = mapped_column(Text)
    addressee: Mapped[str | None] = mapped_column(Text)  # เรียน
    sender_text: Mapped[str | None] = mapped_column(Text)  # ส่วนราชการ / จาก, as written
    origin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    origin_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    signature_text: Mapped[str | None] = mapped_column(Text)  # the signature block as written
    body: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[int] = mapped_column(SmallInteger, default=Urgency.NORMAL)
    secrecy: Mapped[int] = mapped_column(SmallInteger, default=Secrecy.NORMAL)
    status: Mapped[DocumentStatus] = enum_column(
        DocumentStatus, "status", default=DocumentStatus.REGISTERED
    )
    remarks: Mapped[str | None] = mapped_column(Text)  # หมายเหตุ
    # the text of its scan as OCR read it (machine-read, searchable; never shown as typed)
    machine_text: Mapped[str | None] = mapped_column(Text)
    # A stable key for sample and imported data, so that loading twice changes nothing.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Kept for this many years from the end of its year (None: the default, 10), or for
    # ever (ห้ามทำลาย); destroyed_at is set when its files were destroyed by a list.
    retention_years: Mapped[int | None] = mapped_column(SmallInteger)
    keep_forever: Mapped[bool] = mapped_column(default=False, server_default=false())
    destroyed_at: Mapped[dt.datetime | None]

    origin_unit: Mapped[Unit | None] = relationship()
    origin_agency: Mapped[Agency | None] = relationship()
    signer: Mapped[Person | None] = relationship()
    references: Mapped[list[DocumentReference]] = relationship(
        foreign_keys="DocumentReference.document_id",
        back_populates="document",
        order_by="DocumentReference.position",
        cascade="all, delete-orphan",
    )
    enclosures: Mapped[list[Enclosure]] = relationship(
        back_populates="document", order_by="Enclosure.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document", order_by="DocumentFile.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("urgency BETWEEN 0 AND 3", name="urgency_range"),
        CheckConstraint("secrecy BETWEEN 0 AND 3", name="secrecy_range"),
        CheckConstraint("retention_years IS NULL OR retention_years BETWEEN 1 AND 100",
                        name="retention_range"),
        CheckConstraint(
            "origin_unit_id IS NULL OR origin_agency_id IS NULL", name="one_origin"
        ),
    )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.number}>"


class DocumentReader(Base):
    """A person named to read a secret document (ผู้มีสิทธิ์อ่าน).

    A document of secrecy ลับ or above is seen only by the user who entered it and by the
    users named here, and only while their clearance covers its level; belonging to a unit
    it went through is not enough. A name is given when the document is sent to a person,
    proposed to a commander or ordered to a unit, or by a reader who names another.
    """

    __tablename__ = "document_reader"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("document_id", "user_id"),)


class ReferenceRelation(StrEnum):
    CITES = "cites"  # อ้างถึง / ตามที่
    REPLIES_TO = "replies_to"  # ตอบ
    BACKGROUND = "background"  # เรื่องเดิม
    ENDORSED_ON = "endorsed_on"  # ท้ายหนังสือ: the circular carries the endorsement made on it
    CORRECTS = "corrects"  # แก้ไข: a numbered document that corrects one already sent


class DocumentReference(Base):
    """A reference from one document to another, or to one this system does not hold."""

    __tablename__ = "document_reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    relation: Mapped[ReferenceRelation] = enum_column(ReferenceRelation, "relation")
    target_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # as cited: หนังสือ สพร ที่ ... ลง ...
    # why the link goes where it does when the citation itself is wrong (the seed's memo
    # cites ว๑๕๓๙ for the letter ว๔๐๙๙): the text stays as the paper wrote it
    note: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship(
        foreign_keys=[document_id], back_populates="references"
    )
    target: Mapped[Document | None] = relationship(foreign_keys=[target_id])

    __table_args__ = (
        CheckConstraint("target_id IS NULL OR target_id <> document_id", name="not_self"),
    )


class StoredFile(TimestampMixin, Base):
    """A file stored by the SHA-256 of its content under the data directory."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))


class Enclosure(Base):
    """สิ่งที่ส่งมาด้วย: an enclosure listed on the document, with its file when there is one."""

    __tablename__ = "enclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    document: Mapped[Document] = relationship(back_populates="enclosures")
    file: Mapped[StoredFile | None] = relationship()


class FileRole(StrEnum):
    ORIGINAL = "original"  # the document itself, as received or signed
    SCAN = "scan"  # a scan of the paper original
    STAMPED = "stamped"  # a copy with the receipt stamp merged onto it
    CERTIFIED = "certified"  # a certified copy


class DocumentFile(TimestampMixin, Base):
    __tablename__ = "document_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    role: Mapped[FileRole] = enum_column(FileRole, "role")
    filename: Mapped[str] = mapped_column(String(255))  # the name given at upload, for display
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    document: Mapped[Document] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship()

    __table_args__ = (UniqueConstraint("document_id", "file_id", "role"),)


Index("ix_document_origin_date", Document.origin_unit_id, Document.doc_date)

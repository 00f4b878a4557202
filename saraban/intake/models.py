"""Paper coming in: each scanned letter waits as an intake draft, read by OCR outside the
request, until a clerk confirms its fields and registers it (or sets it aside).

A batch is what one upload brought: many files, or one PDF of many letters split at blank
or separator pages; each letter of it is one draft, in the order of the pile.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, utcnow


class IntakeStatus(StrEnum):
    OCR_PENDING = "ocr_pending"  # waits for the reader (saraban intake work)
    READY = "ready"  # read: its fields wait for the clerk
    REGISTERED = "registered"
    FAILED = "failed"  # could not be read (the clerk types it)
    DISCARDED = "discarded"  # set aside by the clerk


class ReadSource(StrEnum):
    TEXT = "text"  # the PDF's own text layer (saraban.intake.textlayer)
    OCR = "ocr"  # Tesseract on the page's image


class IntakeBatch(Base):
    __tablename__ = "intake_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    files: Mapped[int] = mapped_column(Integer, default=0)  # files uploaded

    drafts: Mapped[list[IntakeDraft]] = relationship(back_populates="batch",
                                                     order_by="IntakeDraft.position")


class IntakeDraft(Base):
    __tablename__ = "intake_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("intake_batch.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # in the pile
    status: Mapped[str] = mapped_column(String(12), default=IntakeStatus.OCR_PENDING,
                                        index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))  # the letter, as came
    filename: Mapped[str] = mapped_column(String(255))
    pages: Mapped[int | None] = mapped_column(Integer)
    pages_read: Mapped[int] = mapped_column(Integer, default=0)  # progress of the reading
    # read: {name: {value, confidence, box: [x0, y0, x1, y1] in fractions of the page}}
    fields: Mapped[dict | None] = mapped_column(JSON)
    stamps: Mapped[list | None] = mapped_column(JSON)  # earlier desks' stamps found
    stamp_place: Mapped[list | None] = mapped_column(JSON)  # [x, y] fractions, top left
    text: Mapped[str | None] = mapped_column(Text)  # the machine-read text, every page
    secrecy: Mapped[int] = mapped_column(SmallInteger, default=0)  # as read, or confirmed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    # a letter that came by e-mail to saraban@: its arrival, confirmed to the sender once
    # registered
    mail_arrival_id: Mapped[int | None] = mapped_column(ForeignKey("mail_arrival.id"),
                                                        unique=True, index=True)

    # where the fields were read from: the PDF's text layer or OCR (None before reading)
    source: Mapped[str | None] = mapped_column(String(4))
    # a document already registered that this letter may be (the same main file, or the
    # same sender, number and date): registering it needs the clerk's confirm_duplicate
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    batch: Mapped[IntakeBatch] = relationship(back_populates="drafts")
    file = relationship("StoredFile")

"""Certified copies (สำเนาถูกต้อง): a copy, a document of its own numbered in a dispatch
register, that certifies another document (with the endorsement on it). Made by
``saraban.copies.operations``. The table keeps the name it had in ``saraban.routing.models``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, TimestampMixin
from saraban.documents.models import Document
from saraban.units.models import Person


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

"""Files of documents: recognised by content, stored by SHA-256, never trusted by name.

A scan is kept exactly as uploaded; when the document has been received, a PDF scan also
gets a stamped copy (the receipt stamp merged on its first page) as a file of its own.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.documents.access import (
    document_for_clerk,
    visible_filter,
)
from saraban.documents.models import Document, DocumentFile, FileRole, StoredFile
from saraban.extensions import db
from saraban.validation import OperationError, clean_text

# Magic numbers of the formats a saraban accepts; anything else is refused.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
ALLOWED = "PDF, PNG, JPEG, TIFF"


def sniff(data: bytes) -> str | None:
    """The media type that the content itself shows, or None."""
    head = data[:1024]
    if b"%PDF-" in head:  # readers allow a few bytes before the header; pypdf checks the rest
        return "application/pdf"
    for magic, media_type in _SIGNATURES:
        if head.startswith(magic):
            return media_type
    return None


def file_path(sha256: str) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "files" / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes, media_type: str) -> StoredFile:
    """The stored file for ``data``, written once (atomically) and shared by identical
    uploads. A file left behind by a rolled-back upload is harmless: same name, same bytes."""
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    path = file_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    if existing is not None:
        return existing
    stored = StoredFile(sha256=digest, size=len(data), media_type=media_type)
    db.session.add(stored)
    db.session.flush()
    return stored


def read(stored: StoredFile) -> bytes:
    return file_path(stored.sha256).read_bytes()


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise OperationError("ไฟล์ PDF มีการเข้ารหัส กรุณาส่งไฟล์ที่ไม่ได้ตั้งรหัสผ่าน",
                                 "The PDF is encrypted.", field="file")
        if len(reader.pages) == 0:
            raise OperationError("ไฟล์ PDF ไม่มีหน้าเอกสาร", "The PDF has no pages.",
                                 field="file")
    except OperationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise OperationError("ไฟล์ PDF เสียหาย อ่านไม่ได้ ไม่ได้บันทึกไฟล์นี้",
                             "The PDF is damaged and cannot be read.", field="file") from error


def check_upload(data: bytes) -> str:
    """The media type of an upload the saraban accepts, or a refusal saying why in Thai:
    empty, not a PDF/PNG/JPEG/TIFF by its content, or a damaged or encrypted PDF."""
    if not data:
        raise OperationError("ไม่ได้เลือกไฟล์ หรือไฟล์ว่างเปล่า", "The file is empty.",
                             field="file")
    media_type = sniff(data)
    if media_type is None:
        raise OperationError(f"รับเฉพาะไฟล์ {ALLOWED} (ตรวจจากเนื้อไฟล์ ไม่ใช่ชื่อไฟล์)",
                             f"Only {ALLOWED} files are accepted (judged by content).",
                             status=415, field="file")
    if media_type == "application/pdf":
        _check_pdf(data)
    return media_type


def attach_scan(user: User, document_id: int, filename: str | None,
                data: bytes) -> list[DocumentFile]:
    """Keep a scan of a document, and a stamped copy of a PDF scan of a received document
    (flushes, never commits). Returns the files made: the scan, then the stamped copy."""
    document = document_for_clerk(user, document_id, "แนบไฟล์", "attach files")
    media_type = check_upload(data)
    name = clean_text(Path(filename or "scan").name, "filename", "ชื่อไฟล์", max_length=200)
    name = name or "scan"
    stamped_bytes = _stamped_copy(document, data) if media_type == "application/pdf" else None
    begin_write(db.session)
    made = [_document_file(user, document, store(data, media_type), FileRole.SCAN, name)]
    if stamped_bytes is not None:
        made.append(_document_file(user, document, store(stamped_bytes, "application/pdf"),
                                   FileRole.STAMPED, f"stamped-{name}"))
    db.session.flush()
    record("file.attach", user=user, obj=made[0], document_id=document.id,
           details={"sha256": made[0].file.sha256, "media_type": media_type,
                    "size": len(data), "stamped": stamped_bytes is not None})
    return made


def _document_file(user, document, stored: StoredFile, role: FileRole,
                   name: str) -> DocumentFile:
    """The document's file for these bytes in this role; the same upload twice is one."""
    existing = db.session.scalar(
        select(DocumentFile).where(DocumentFile.document_id == document.id,
                                   DocumentFile.file_id == stored.id, DocumentFile.role == role)
    )
    if existing is not None:
        return existing
    made = DocumentFile(document=document, file=stored, role=role, filename=name,
                        uploaded_by_id=user.id)
    db.session.add(made)
    return made


def _stamped_copy(document: Document, data: bytes) -> bytes | None:
    """The scan with the document's latest receipt stamp on its first page, if received."""
    from saraban.pdf.stamp import StampError, stamp_onto
    from saraban.registers.models import EntryStatus, Receipt

    receipt = db.session.scalar(
        select(Receipt).where(Receipt.document_id == document.id,
                              Receipt.status == EntryStatus.ACTIVE)
        .order_by(Receipt.received_at.desc(), Receipt.id.desc()).limit(1)
    )
    if receipt is None:
        return None
    unit = receipt.register.unit
    try:
        return stamp_onto(data, unit.stamp_name or unit.short_name, receipt.number,
                          receipt.received_at, time_known=receipt.time_known)
    except StampError as error:
        raise OperationError(str(error), "The PDF cannot be stamped.", field="file") from error


def visible_file(user: User, document_id: int, file_id: int) -> DocumentFile | None:
    if not (0 < document_id < 2**31 and 0 < file_id < 2**31):
        return None
    visible = select(Document.id).where(visible_filter(user))
    return db.session.scalar(
        select(DocumentFile).where(DocumentFile.id == file_id,
                                   DocumentFile.document_id == document_id,
                                   DocumentFile.document_id.in_(visible))
    )

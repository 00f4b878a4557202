"""Files of documents: recognised by content, stored by SHA-256, never trusted by name.

A scan is kept exactly as uploaded; when the document has been received, a PDF scan also
gets a stamped copy (the receipt stamp merged on its first page) as a file of its own.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
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
from saraban.thaidate import to_thai_digits
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


class StorageError(OperationError):
    """The data directory refused a file (full, read-only, not a directory): nothing is
    saved, and the caller's transaction is rolled back with everything in it."""

    def __init__(self, error: OSError):
        super().__init__(
            "บันทึกไฟล์ไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้ ระบบยังไม่ได้บันทึกรายการนี้ "
            "กรุณาแจ้งผู้ดูแลระบบ แล้วลองอีกครั้ง",
            "The file cannot be saved: the storage is full or cannot be written. Nothing "
            f"was saved; tell the administrator and retry ({error.strerror or error}).",
            status=507, field="file")


def write_file(data: bytes, *, encrypt: bool = False) -> str:
    """Write ``data`` under its SHA-256 (atomically, once) and give the digest; a full or
    unwritable data directory is refused with StorageError and leaves no partial file.
    ``encrypt`` (a file of a secret document) keeps it encrypted at rest, and encrypts
    the copy already there in clear (the same bytes uploaded before, or the receipt
    form's check that the disk takes it)."""
    from saraban.documents import filecrypt

    digest = hashlib.sha256(data).hexdigest()
    path = file_path(digest)
    if path.exists() and not (encrypt and not _encrypted_on_disk(path)):
        return digest
    tmp = None
    try:
        content = filecrypt.encrypt(data, digest) if encrypt else data
        path.parents[2].mkdir(mode=0o700, parents=True, exist_ok=True)  # the owner's only
        for folder in (path.parents[1], path.parent):
            folder.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # made 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())  # a full disk says so here, not after the commit
        os.replace(tmp, path)
    except OSError as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise StorageError(error) from error
    return digest


def _encrypted_on_disk(path: Path) -> bool:
    from saraban.documents.filecrypt import MAGIC

    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def store(data: bytes, media_type: str, *, secret: bool = False) -> StoredFile:
    """The stored file for ``data``, written once (atomically) and shared by identical
    uploads; encrypted at rest when ``secret``. A file left behind by a rolled-back
    upload is harmless: same name, same content."""
    digest = write_file(data, encrypt=secret)
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    if existing is not None:
        return existing
    stored = StoredFile(sha256=digest, size=len(data), media_type=media_type)
    db.session.add(stored)
    db.session.flush()
    return stored


def read(stored: StoredFile) -> bytes:
    """The content of a stored file, decrypted when it is kept encrypted. Callers hand
    it only to someone who may read the document (``visible_file``)."""
    from saraban.documents import filecrypt

    raw = file_path(stored.sha256).read_bytes()
    if not filecrypt.is_encrypted(raw):
        return raw
    try:
        return filecrypt.decrypt(raw, stored.sha256)
    except filecrypt.FileKeyError as error:
        current_app.logger.error("an encrypted file does not open: %s", error)
        raise OperationError(
            "ไฟล์นี้เก็บแบบเข้ารหัสและเปิดไม่ได้ (ไม่พบกุญแจหรือไฟล์เสียหาย) กรุณาแจ้งผู้ดูแลระบบ",
            "This file is kept encrypted and cannot be opened (its key is missing or it is "
            "damaged): tell the administrator.", status=503) from error


def served_copy(stored: StoredFile) -> tuple[bytes, str]:
    """The bytes to hand out for a stored file, and their media type: a PDF without its
    active content (JavaScript, actions, launches, embedded files, media, XFA), the kept
    original staying untouched as evidence. A PDF that cannot be read for that goes out
    as an opaque download, never to be rendered."""
    from saraban.pdf.sanitize import SanitizeError, strip_active

    data = read(stored)
    if stored.media_type != "application/pdf":
        return data, stored.media_type
    try:
        return strip_active(data), stored.media_type
    except SanitizeError:
        return data, "application/octet-stream"


def refuse_top_secret_files(secrecy: int) -> None:
    """ลับที่สุด keeps no scan and no stamped copy in the system, only its register line:
    the regulation keeps such documents off electronic circulation."""
    from saraban.permissions import is_top_secret

    if is_top_secret(secrecy):
        raise OperationError(
            "หนังสือลับที่สุดไม่เก็บไฟล์สแกนหรือสำเนาไว้ในระบบ เก็บเฉพาะรายการในทะเบียน "
            "ให้เก็บตัวหนังสือไว้ในที่ปลอดภัยตามระเบียบว่าด้วยการรักษาความลับของทางราชการ",
            "Top-secret documents keep no scan or copy in the system, only their register "
            "line.", status=409, field="file")


MAX_PDF_PAGES = 3000  # a scan longer than this is sent in parts


def _too_many_pages() -> OperationError:
    return OperationError(
        f"ไฟล์ PDF มีเกิน {to_thai_digits(f'{MAX_PDF_PAGES:,}')} หน้า กรุณาแบ่งเป็นหลายไฟล์",
        f"The PDF has more than {MAX_PDF_PAGES} pages: send it in parts.", status=413,
        field="file")


def _count_pages(reader) -> int:
    """The pages of the page tree, walked without recursion and given up past
    MAX_PDF_PAGES, whatever the file declares (pypdf would flatten the whole tree)."""
    from pypdf.errors import LimitReachedError

    pending, seen, pages = [reader.trailer["/Root"]["/Pages"]], set(), 0
    while pending:
        ref = pending.pop()
        key = getattr(ref, "idnum", None)
        if key is not None:
            if key in seen:
                raise ValueError("the page tree holds a loop")
            seen.add(key)
        node = ref.get_object()
        if len(seen) > 2 * MAX_PDF_PAGES:  # page tree nodes with hardly any pages under them
            raise LimitReachedError("too many page tree nodes")
        if "/Kids" in node:
            pending.extend(node["/Kids"])
        else:
            pages += 1
            if pages > MAX_PDF_PAGES:
                raise _too_many_pages()
    return pages


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise OperationError("ไฟล์ PDF มีการเข้ารหัส กรุณาส่งไฟล์ที่ไม่ได้ตั้งรหัสผ่าน",
                                 "The PDF is encrypted.", field="file")
        if _count_pages(reader) == 0 or len(reader.pages) == 0:
            raise OperationError("ไฟล์ PDF ไม่มีหน้าเอกสาร", "The PDF has no pages.",
                                 field="file")
    except OperationError:
        raise
    except (LimitReachedError, RecursionError) as error:  # a bomb, or built to look like one
        raise OperationError("ไฟล์ PDF ซับซ้อนหรือขยายตัวเกินกว่าที่ระบบจะอ่านได้ "
                             "ไม่ได้บันทึกไฟล์นี้",
                             "The PDF is too complex or expands too much to be read.",
                             status=413, field="file") from error
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
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


def upload_name(filename: str | None) -> str:
    """The name to show for an upload: its last part (after / or \\), without control or
    invisible characters, shortened to 200 characters keeping the extension; never a
    path, never empty. Files are stored by their SHA-256, never by this name."""
    name = clean_text(re.split(r"[/\\]", filename or "")[-1], "filename", "ชื่อไฟล์",
                      max_length=10**9) or ""
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:190]}.{ext}" if dot and len(ext) < 10 else name[:200]
    return "scan" if name.strip(".") == "" else name


def attach_scan(user: User, document_id: int, filename: str | None,
                data: bytes, *, stamp_place=None) -> list[DocumentFile]:
    """Keep a scan of a document, and a stamped copy of a received document's scan (an
    image scan is made a PDF first, so that it is stamped too) (flushes, never commits).
    ``stamp_place``: the stamp's top-left as fractions of the first page, where the clerk
    put it; else blank space near the top right. Returns the files made: the scan, then
    the stamped copy."""
    document = document_for_clerk(user, document_id, "แนบไฟล์", "attach files")
    refuse_top_secret_files(document.secrecy)
    media_type = check_upload(data)
    name = upload_name(filename)
    stamped_bytes = _stamped_copy(document, data, media_type, stamp_place)
    secret = document.secrecy > 0  # kept encrypted at rest, the stamped copy too
    begin_write(db.session)
    made = [_document_file(user, document, store(data, media_type, secret=secret),
                           FileRole.SCAN, name)]
    if stamped_bytes is not None:
        made.append(_document_file(user, document,
                                   store(stamped_bytes, "application/pdf", secret=secret),
                                   FileRole.STAMPED, _stamped_name(name)))
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


def _stamped_copy(document: Document, data: bytes, media_type: str = "application/pdf",
                  place=None) -> bytes | None:
    """The scan with the document's latest receipt stamp on its first page, if received:
    at ``place`` (fractions of the page), else in blank space near the top right."""
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
        if media_type != "application/pdf":  # a photo or a scanner's image: a PDF page
            from saraban.intake.layout import image_pdf

            data = image_pdf(data)
        return stamp_onto(data, unit.stamp_name or unit.short_name, receipt.number,
                          receipt.received_at, time_known=receipt.time_known,
                          place=_points(data, place))
    except StampError as error:
        what = "PDF" if media_type == "application/pdf" else "image"
        raise OperationError(str(error), f"The {what} cannot be read to be stamped.",
                             field="file") from error


def _stamped_name(name: str) -> str:
    """The stamped copy's name: the scan's, marked, a PDF (an image's copy is one), kept
    within the names' limit."""
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return upload_name(f"stamped-{stem}.pdf")


def _points(pdf: bytes, place) -> tuple[float, float] | None:
    """A place given as fractions of the first page, in points from its top left."""
    if not place:
        return None
    import io

    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(place[0]) * float(box.width), float(place[1]) * float(box.height)


def visible_file(user: User, document_id: int, file_id: int) -> DocumentFile | None:
    if not (0 < document_id < 2**31 and 0 < file_id < 2**31):
        return None
    visible = select(Document.id).where(visible_filter(user))
    return db.session.scalar(
        select(DocumentFile).where(DocumentFile.id == file_id,
                                   DocumentFile.document_id == document_id,
                                   DocumentFile.document_id.in_(visible))
    )


def secret_file_ids():
    """The stored files that belong to a secret document (as a scan, a copy, an
    enclosure), to be kept encrypted."""
    from saraban.documents.models import Enclosure

    attached = select(DocumentFile.file_id).join(Document, Document.id == DocumentFile.document_id
                                                 ).where(Document.secrecy > 0)
    enclosed = select(Enclosure.file_id).join(Document, Document.id == Enclosure.document_id
                                              ).where(Document.secrecy > 0,
                                                      Enclosure.file_id.is_not(None))
    return attached.union(enclosed)


def rotate_file_key(drop_old: bool = False) -> dict[str, int | str]:
    """A new key-encryption key: every encrypted file's key is wrapped again with it
    (contents untouched), and any file of a secret document still kept in clear (stored
    before encryption, or shared with an earlier upload) is encrypted. Old keys are kept
    for the backups made before, unless ``drop_old`` (once those backups are gone).
    Each file is replaced atomically; a run that stops half-way is simply run again."""
    from saraban.documents import filecrypt

    old_keys = filecrypt.key_ids()
    key_id = filecrypt.new_key()
    secret = set(db.session.scalars(select(StoredFile.sha256).where(
        StoredFile.id.in_(secret_file_ids()))))
    rewrapped = encrypted = 0
    for stored in db.session.scalars(select(StoredFile).order_by(StoredFile.id)):
        path = file_path(stored.sha256)
        if not path.exists():
            continue
        raw = path.read_bytes()
        if filecrypt.is_encrypted(raw):
            if filecrypt.key_of(raw) == key_id:
                continue
            _replace(path, filecrypt.rewrap(raw, stored.sha256, key_id))
            rewrapped += 1
        elif stored.sha256 in secret:
            write_file(raw, encrypt=True)
            encrypted += 1
    if drop_old:
        for old in old_keys:
            filecrypt.drop_key(old)
    begin_write(db.session)
    record("files.rotate_key", details={"key": key_id, "rewrapped": rewrapped,
                                        "encrypted": encrypted, "dropped": old_keys
                                        if drop_old else []})
    db.session.flush()  # the command's unit of work commits it (documents/cli.py)
    return {"key": key_id, "rewrapped": rewrapped, "encrypted": encrypted,
            "dropped": len(old_keys) if drop_old else 0}


def _replace(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rekey-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(error) from error

"""Business rules on documents that the pages and the API share."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.db import begin_write
from saraban.documents.access import visible_document, visible_filter
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.thaidate import to_arabic_digits

_SPACES = re.compile(r"\s+")
_PREFIX = re.compile(r"^(ที่|เลขที่)\s*")


def normalize_number(text: str | None) -> str | None:
    """The form a document number is looked up by: Arabic digits, no spaces, no ``ที่``.

    ``ที่ ๐๐๓๓.๑๒/๕๐๕๒``, ``0033.12/5052`` and ``๐๐๓๓.๑๒ / 5052`` all give ``0033.12/5052``.
    """
    if text is None:
        return None
    # control and invisible format characters (NUL, zero-width spaces, RTL marks) never
    # belong to a number; PostgreSQL refuses NUL outright
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = _PREFIX.sub("", _SPACES.sub(" ", to_arabic_digits(text)).strip())
    return _SPACES.sub("", text).lower() or None


def visible_documents(user: User):
    return select(Document).where(visible_filter(user))


def _page(stmt, limit: int, offset: int):
    """One page of documents, newest first, with what a list row shows loaded at once."""
    return db.session.scalars(
        stmt.options(joinedload(Document.origin_unit), joinedload(Document.origin_agency))
        .order_by(Document.doc_date.desc(), Document.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()


def find_by_number(user: User, number: str, *, limit: int = 50, offset: int = 0):
    """Documents the user may see whose number matches exactly or, failing that, in part."""
    norm = normalize_number(number)
    if not norm:
        return [], 0
    base = visible_documents(user)
    exact = base.where(Document.number_norm == norm)
    total = db.session.scalar(select(func.count()).select_from(exact.subquery()))
    stmt = exact
    if not total:
        pattern = "%" + norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = base.where(Document.number_norm.like(pattern, escape="\\"))
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    return _page(stmt, limit, offset), total


def list_documents(user: User, *, limit: int = 50, offset: int = 0):
    stmt = visible_documents(user)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    return _page(stmt, limit, offset), total


def get_visible(user: User, document_id: int) -> Document | None:
    return visible_document(user, document_id)


URGENCY_NAMES = {"normal": 0, "urgent": 1, "very_urgent": 2, "most_urgent": 3,
                 "ปกติ": 0, "ด่วน": 1, "ด่วนมาก": 2, "ด่วนที่สุด": 3}
SECRECY_NAMES = {"normal": 0, "confidential": 1, "secret": 2, "top_secret": 3,
                 "ปกติ": 0, "ลับ": 1, "ลับมาก": 2, "ลับที่สุด": 3}


def create_document(user: User, data: dict) -> Document:
    """A document as received or drafted, not yet in any register (flushes, never commits).

    ``data`` holds ``number``, ``date`` (ISO or Thai), ``subject``, ``sender`` and
    optionally ``addressee``, ``body``, ``kind``, ``urgency``, ``secrecy``.
    """
    from saraban.audit.operations import record
    from saraban.documents.models import DocumentKind, DocumentStatus
    from saraban.validation import OperationError, clean_text, read_date, read_level

    if not isinstance(data, dict):
        raise OperationError("ข้อมูลต้องเป็นออบเจกต์ JSON", "The body must be a JSON object.")
    kind_raw = data.get("kind") or DocumentKind.EXTERNAL.value
    try:
        kind = DocumentKind(kind_raw)
    except (ValueError, TypeError):
        choices = ", ".join(k.value for k in DocumentKind)
        raise OperationError("ชนิดหนังสือไม่ถูกต้อง", f"'kind' must be one of: {choices}.",
                             field="kind") from None
    number = clean_text(data.get("number"), "number", "เลขที่หนังสือ", max_length=120)
    secrecy = read_level(data.get("secrecy"), "secrecy", "ชั้นความลับ", SECRECY_NAMES)
    if secrecy > user.clearance:
        raise OperationError("ท่านไม่มีสิทธิ์ลงทะเบียนหนังสือชั้นความลับนี้",
                             "Your clearance does not cover this secrecy level.",
                             status=403, field="secrecy")
    document = Document(
        kind=kind,
        number=number,
        number_norm=normalize_number(number),
        doc_date=read_date(data.get("date"), "date", "วันที่ของหนังสือ", required=True),
        subject=clean_text(data.get("subject"), "subject", "เรื่อง", max_length=2000,
                           required=True),
        sender_text=clean_text(data.get("sender"), "sender", "ผู้ส่ง / ส่วนราชการ",
                               max_length=500, required=True),
        addressee=clean_text(data.get("addressee"), "addressee", "เรียน", max_length=1000,
                             multiline=True),
        body=clean_text(data.get("body"), "body", "เนื้อความ", max_length=200_000,
                        multiline=True),
        urgency=read_level(data.get("urgency"), "urgency", "ความเร่งด่วน", URGENCY_NAMES),
        secrecy=secrecy,
        status=DocumentStatus.REGISTERED,
        created_by_id=user.id,
    )
    begin_write(db.session)
    db.session.add(document)
    db.session.flush()
    record("document.create", user=user, obj=document, document_id=document.id,
           details={"number": number, "subject": document.subject})
    return document


def suggest_from_sender(user: User, number: str | None = None,
                        sender: str | None = None) -> dict:
    """What the receipt form can fill in from letters already received from the same
    sender: a number typed as ``กค ๐๔๐๘/ว๑๒`` suggests who sent it (กรมบัญชีกลาง last
    time), a sender typed suggests his number's prefix (``กค ๐๔๐๘/``). Only letters the
    user may see are consulted."""
    out: dict = {"sender": None, "addressee": None, "number_prefix": None}
    norm = normalize_number((number or "")[:120])
    if norm and "/" in norm:
        prefix = norm.rsplit("/", 1)[0] + "/"
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = db.session.execute(
            select(Document.sender_text, Document.addressee)
            .where(visible_filter(user), Document.number_norm.like(like, escape="\\"),
                   Document.sender_text.is_not(None))
            .order_by(Document.id.desc()).limit(20)
        ).all()
        if rows:
            out["sender"] = _most_common([r.sender_text for r in rows])
            out["addressee"] = _most_common([r.addressee for r in rows if r.addressee])
    sender = (sender or "").strip()[:500]
    if sender:
        numbers = db.session.scalars(
            select(Document.number)
            .where(visible_filter(user), Document.sender_text == sender,
                   Document.number.contains("/"))
            .order_by(Document.id.desc()).limit(20)
        ).all()
        prefixes = [n.rsplit("/", 1)[0] + "/" for n in numbers]
        out["number_prefix"] = _most_common(prefixes)
    return out


def _most_common(values: list):
    """The most frequent value, the latest first among equals."""
    if not values:
        return None
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: (counts[v], -values.index(v)))

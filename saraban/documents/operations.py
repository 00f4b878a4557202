"""Business rules on documents that the pages and the API share."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.db import begin_write
from saraban.documents import limits
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
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = _PREFIX.sub("", _SPACES.sub(" ", to_arabic_digits(text)).strip())
    return _SPACES.sub("", text).lower() or None


def strip_thi(text: str | None) -> str | None:
    """``text`` without a leading ``ที่`` / ``เลขที่`` (None when nothing is left)."""
    if text is None:
        return None
    return _PREFIX.sub("", text.strip()).strip() or None


def clean_number(value, field: str = "number") -> str | None:
    """A document's ที่ as it is kept: checked like any text, without the word ``ที่`` (or
    ``เลขที่``) that clerks and other systems often type before it, since every page and
    printout writes "ที่" itself. ``ที่ กค ๐๔๐๘/ว๑๒`` is kept as ``กค ๐๔๐๘/ว๑๒``."""
    from saraban.validation import clean_text

    text = clean_text(value, field, "เลขที่หนังสือ", max_length=limits.NUMBER + 10)
    if text is None:
        return None
    return clean_text(strip_thi(text), field, "เลขที่หนังสือ", max_length=limits.NUMBER)


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


def list_documents(user: User, *, limit: int = 50, offset: int = 0, cap: int | None = None):
    """A page of the documents the user may see, newest first, and how many there are.
    With ``cap``, counting stops after ``cap + 1`` (a count above ``cap`` means "more than
    cap"): counting every visible document of a large office costs more than the page."""
    stmt = visible_documents(user)
    counted = stmt if cap is None else stmt.limit(cap + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery()))
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
    number = clean_number(data.get("number"))
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
        subject=clean_text(data.get("subject"), "subject", "เรื่อง", max_length=limits.SUBJECT,
                           required=True),
        sender_text=clean_text(data.get("sender"), "sender", "ผู้ส่ง / ส่วนราชการ",
                               max_length=limits.SENDER, required=True),
        addressee=clean_text(data.get("addressee"), "addressee", "เรียน",
                             max_length=limits.ADDRESSEE,
                             multiline=True),
        body=clean_text(data.get("body"), "body", "เนื้อความ", max_length=limits.BODY,
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


# What an edit may change, with its Thai name; all but the remarks are locked once the
# document has its outgoing number (a correction is a new numbered document). A received
# document stays correctable: its register line keeps what it was registered with.
EDITABLE = {"number": "เลขที่หนังสือ", "date": "วันที่ของหนังสือ", "subject": "เรื่อง",
            "sender": "ผู้ส่ง", "addressee": "เรียน", "body": "เนื้อความ",
            "urgency": "ชั้นความเร็ว", "remarks": "หมายเหตุ"}
LOCKED_AFTER_DISPATCH = ("number", "date", "subject", "sender", "addressee", "body", "urgency")


def update_document(user: User, document_id: int, data: dict) -> Document:
    """Correct a typing mistake in a document (flushes only); the audit trail keeps the
    fields before and after. A document numbered for sending keeps everything but its
    remarks: a correction is a new numbered document (``issue_correction``). A register
    line keeps its own copy of what it printed (``Receipt.snapshot``), so that correcting
    a received letter never rewrites the register."""
    from saraban.audit.operations import record
    from saraban.documents.access import document_for_clerk
    from saraban.registers.operations import active_dispatch
    from saraban.validation import OperationError, clean_text, read_date, read_level

    document = document_for_clerk(user, document_id, "แก้ไขรายละเอียดหนังสือ",
                                  "edit documents")  # first: a hidden one is not found
    if not isinstance(data, dict) or not data:
        raise OperationError("ไม่มีข้อมูลที่จะแก้ไข", "Nothing to change.")
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise OperationError("แก้ไขได้เฉพาะ " + ", ".join(EDITABLE.values()),
                             f"Unknown fields: {', '.join(unknown)}.", field=unknown[0])
    dispatch = active_dispatch(document.id)
    if dispatch is not None:
        locked = [EDITABLE[k] for k in LOCKED_AFTER_DISPATCH if k in data]
        if locked:
            raise OperationError(
                f"หนังสือนี้ออกเลขแล้ว (ที่ {dispatch.number_text}) {' '.join(locked)} "
                "แก้ไขไม่ได้ ให้ทำหนังสือแก้ไขเป็นฉบับใหม่ที่อ้างถึงฉบับนี้",
                "This document has its outgoing number: its number, date, subject, sender, "
                "addressee, body and urgency are locked. Issue a correction instead.",
                status=409,
                field=next(k for k in LOCKED_AFTER_DISPATCH if k in data))
    new: dict = {}
    if "number" in data:
        new["number"] = clean_number(data["number"])
    if "date" in data:
        new["doc_date"] = read_date(data["date"], "date", "วันที่ของหนังสือ", required=True)
    if "subject" in data:
        new["subject"] = clean_text(data["subject"], "subject", "เรื่อง",
                                    max_length=limits.SUBJECT,
                                    required=True)
    if "sender" in data:
        new["sender_text"] = clean_text(data["sender"], "sender", "ผู้ส่ง",
                                        max_length=limits.SENDER)
    for key, limit in (("addressee", limits.ADDRESSEE), ("body", limits.BODY),
                       ("remarks", limits.REMARKS)):
        if key in data:
            new[key] = clean_text(data[key], key, EDITABLE[key], max_length=limit,
                                  multiline=True)
    if "urgency" in data:
        new["urgency"] = read_level(data["urgency"], "urgency", "ชั้นความเร็ว", URGENCY_NAMES)
    before = {k: _plain(getattr(document, k)) for k in new}
    changed = {k: v for k, v in new.items() if getattr(document, k) != v}
    if not changed:
        return document
    begin_write(db.session)
    for key, value in changed.items():
        setattr(document, key, value)
    if "number" in changed:
        document.number_norm = normalize_number(document.number)
    db.session.flush()
    record("document.update", user=user, obj=document, document_id=document.id,
           details={"before": {k: before[k] for k in changed},
                    "after": {k: _plain(v) for k, v in changed.items()}})
    return document


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value

"""Business rules on documents that the pages and the API share."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.documents.access import visible_filter
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
    return db.session.scalar(
        select(Document).where(Document.id == document_id, visible_filter(user))
    )

"""Finding documents: a Thai substring anywhere in a document's search text, with filters,
always within what the user may see (the permission rule is part of the same SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, column, exists, func, or_, select, table, text
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.documents.access import visible_filter
from saraban.documents.models import Document, DocumentKind, DocumentStatus
from saraban.documents.operations import normalize_number
from saraban.extensions import db
from saraban.registers.models import Dispatch, Receipt, Register
from saraban.routing.models import Transfer
from saraban.search.models import SearchText
from saraban.search.text import normalize
from saraban.validation import OperationError, read_date

MAX_QUERY = 200
COUNT_LIMIT = 1000


@dataclass
class Query:
    """What the user asked for; every part optional."""

    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: str | None = None
    urgency: int | None = None
    unit: int | None = None  # from this unit
    passed_through: int | None = None  # made, received, sent or forwarded by this unit
    status: str | None = None
    secrecy: int | None = None
    register: int | None = None  # entered in this receipt or dispatch register
    year: int | None = None  # with ``register``: of that register's year (CE)
    sort: str = "date"  # or "relevance": the number, then the subject, then the sender

    @classmethod
    def read(cls, args) -> Query:
        """From request arguments, refusing what cannot be read with a Thai message."""
        q = (args.get("q") or "").strip()
        if len(q) > MAX_QUERY:
            raise OperationError(f"คำค้นยาวเกิน {MAX_QUERY} ตัวอักษร",
                                 f"'q' is longer than {MAX_QUERY} characters.", field="q")
        kind = args.get("kind") or None
        if kind is not None and kind not in {k.value for k in DocumentKind}:
            raise OperationError("ชนิดหนังสือไม่ถูกต้อง", "Unknown 'kind'.", field="kind")
        urgency = args.get("urgency") or None
        if urgency is not None:
            if urgency not in ("0", "1", "2", "3"):
                raise OperationError("ชั้นความเร็วไม่ถูกต้อง", "'urgency' must be 0-3.",
                                     field="urgency")
            urgency = int(urgency)
        query = cls(q=q, kind=kind, urgency=urgency, unit=_unit_arg(args, "unit"),
                    passed_through=_unit_arg(args, "passed_through"),
                    status=_choice(args, "status", {s.value for s in DocumentStatus},
                                   "สถานะ"),
                    secrecy=_level(args, "secrecy", "ชั้นความลับ"),
                    register=_unit_arg(args, "register"), year=_year(args),
                    sort=_choice(args, "sort", {"date", "relevance"}, "การเรียง") or "date",
                    date_from=read_date(args.get("date_from") or None, "date_from",
                                        "ตั้งแต่วันที่"),
                    date_to=read_date(args.get("date_to") or None, "date_to", "ถึงวันที่"))
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise OperationError("วันเริ่มต้นอยู่หลังวันสิ้นสุด", "'date_from' is after 'date_to'.",
                                 field="date_from")
        return query

    @property
    def empty(self) -> bool:
        return not (self.q or self.date_from or self.date_to or self.kind
                    or self.urgency is not None or self.unit or self.passed_through
                    or self.status or self.secrecy is not None or self.register)


def _choice(args, name: str, allowed: set[str], thai: str) -> str | None:
    value = args.get(name) or None
    if value is not None and value not in allowed:
        raise OperationError(f"{thai}ไม่ถูกต้อง", f"Unknown '{name}'.", field=name)
    return value


def _level(args, name: str, thai: str) -> int | None:
    value = _choice(args, name, {"0", "1", "2", "3"}, thai)
    return None if value is None else int(value)


def _year(args) -> int | None:
    raw = args.get("year") or None
    if raw is None:
        return None
    year = int(raw) if str(raw).isdecimal() and len(str(raw)) < 6 else 0
    year = year - 543 if year > 2400 else year
    if not 1900 <= year <= 2200:
        raise OperationError("ปีไม่ถูกต้อง เช่น ๒๕๖๙", "'year' must be a year.", field="year")
    return year


def _unit_arg(args, name: str) -> int | None:
    raw = args.get(name) or None
    if raw is None:
        return None
    if not (str(raw).isdecimal() and len(str(raw)) < 10) or not 0 < int(raw) < 2**31:
        raise OperationError("หน่วยไม่ถูกต้อง", f"'{name}' must be a unit id.", field=name)
    return int(raw)


# SQLite's FTS5 table, joined by rowid (= document id) so that a match streams: counting
# up to COUNT_LIMIT stops early instead of collecting every hit of a common word first.
_FTS = table("search_fts", column("rowid"))


def _contains(needle: str):
    """The search text holds ``needle`` (LIKE, escaped; pg_trgm serves it on PostgreSQL
    from three characters)."""
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return SearchText.content.like(pattern, escape="\\")


def _like(needle: str, per_row: bool = False):
    """The text test for documents: one pass over the search text (an IN), or, ``per_row``,
    a test of each document as it is read (a common word read along the date index,
    which stops after a page)."""
    if per_row:
        return exists().where(SearchText.document_id == Document.id, _contains(needle))
    return Document.id.in_(select(SearchText.document_id).where(_contains(needle)))


def _filters(user: User, query: Query) -> list:
    """Everything but the text: who may see it, and the filters asked for."""
    where = [visible_filter(user)]
    if query.date_from:
        where.append(Document.doc_date >= query.date_from)
    if query.date_to:
        where.append(Document.doc_date <= query.date_to)
    if query.kind:
        where.append(Document.kind == query.kind)
    if query.urgency is not None:
        where.append(Document.urgency == query.urgency)
    if query.status:
        where.append(Document.status == query.status)
    if query.secrecy is not None:
        where.append(Document.secrecy == query.secrecy)
    if query.register:
        lines = []
        for line in (Receipt, Dispatch):
            terms = [line.register_id == query.register]
            if query.year:
                terms.append(line.year == query.year)
            lines.append(select(line.document_id).where(*terms))
        where.append(Document.id.in_(lines[0].union(lines[1])))
    if query.unit:
        where.append(Document.origin_unit_id == query.unit)
    if query.passed_through:
        unit = query.passed_through
        registers = select(Register.id).where(Register.unit_id == unit)
        where.append(or_(
            Document.origin_unit_id == unit,
            exists().where(Receipt.document_id == Document.id,
                           Receipt.register_id.in_(registers)),
            exists().where(Transfer.document_id == Document.id,
                           or_(Transfer.to_unit_id == unit, Transfer.from_unit_id == unit)),
        ))
    return where


def search_documents(user: User, query: Query, *, limit: int = 20,
                     offset: int = 0) -> SearchResult:
    """One page of the documents the user may see that match, newest first (or most
    relevant first), and how many match (counted up to COUNT_LIMIT).

    A Thai substring of three characters or more is found on SQLite through the FTS5
    trigram index, on PostgreSQL through pg_trgm; shorter ones are a scan. A common word
    (more than COUNT_LIMIT hits) is counted only that far, and its page is read newest
    first along the date index, testing each document's text, which stops after a page.
    """
    where = _filters(user, query)
    needle = normalize(query.q)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    stmt = select(Document).where(*where)
    if needle and sqlite and len(needle) >= 3:
        phrase = '"' + needle.replace('"', '""') + '"'
        stmt = stmt.join(_FTS, _FTS.c.rowid == Document.id).where(
            text("search_fts MATCH :phrase").bindparams(phrase=phrase))
    elif needle:
        # read the matches once: when there are few, the count and the page use them
        found = db.session.scalars(select(SearchText.document_id).where(
            _contains(needle)).limit(COUNT_LIMIT + 1)).all()
        # (many: test each document as it is read, so that counting stops at the limit)
        stmt = stmt.where(Document.id.in_(found) if len(found) <= COUNT_LIMIT
                          else _like(needle, per_row=True))
    counted = db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(Document.id).limit(COUNT_LIMIT + 1).subquery()))
    common = counted > COUNT_LIMIT
    # as the document list orders; plain DESC lets both databases walk the date index
    order = [Document.doc_date.desc(), Document.id.desc()]
    number = normalize_number(query.q)
    if common:
        page = select(Document).where(*where, _like(needle, per_row=True)) if needle else stmt
        if sqlite:
            page = page.with_hint(Document, "INDEXED BY ix_document_doc_date", "sqlite")
    else:
        page = stmt
        if number:  # the letter whose number was typed first, then the newest
            order.insert(0, case((Document.number_norm == number, 0), else_=1))
        if query.sort == "relevance" and needle:
            # where the words are found counts: in the subject before the sender or
            # addressee, before the body only; then the newest
            words = {query.q.strip(), needle}
            order[-2:-2] = [
                case((or_(*(Document.subject.contains(w, autoescape=True) for w in words)),
                      0), else_=1),
                case((or_(*(c.contains(w, autoescape=True) for w in words
                            for c in (Document.sender_text, Document.addressee))), 0),
                     else_=1),
            ]
    page = page.options(joinedload(Document.origin_unit), joinedload(Document.origin_agency))
    items = db.session.scalars(page.order_by(*order).limit(limit).offset(offset)).unique().all()
    return SearchResult(list(items), min(counted, COUNT_LIMIT), common)


@dataclass
class SearchResult:
    items: list[Document]
    total: int  # at most COUNT_LIMIT
    more: bool  # there are more than COUNT_LIMIT


def database_can_index_thai(session=None) -> tuple[bool, str]:
    """Whether the database can index Thai substrings, and a message to show if not.
    pg_trgm makes no trigrams of Thai letters under the C locale: it indexes nothing."""
    session = session or db.session
    if session.get_bind().dialect.name != "postgresql":
        return True, ""
    ctype = session.scalar(text(
        "SELECT datctype FROM pg_database WHERE datname = current_database()"))
    if ctype in ("C", "POSIX"):
        return False, (
            f"ฐานข้อมูลใช้ LC_CTYPE={ctype} ซึ่ง pg_trgm ไม่สร้างดัชนีอักษรไทย การค้นหาจะช้ามาก "
            "ให้สร้างฐานข้อมูลใหม่ด้วย LC_CTYPE 'C.UTF-8' หรือ 'th_TH.UTF-8' "
            f"(the database's LC_CTYPE is {ctype}: pg_trgm indexes no Thai; recreate it with "
            "LC_CTYPE 'C.UTF-8' or 'th_TH.UTF-8')")
    return True, ""

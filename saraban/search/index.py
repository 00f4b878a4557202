"""Keeping each document's search text current, in the transaction that changed it.

The session notes which documents a flush touched (the document itself, its receipts,
dispatches, references, enclosures and endorsements); before the commit their search
rows are rebuilt with a fixed number of queries, however many documents there are.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from saraban.documents.models import Document, DocumentReference, Enclosure
from saraban.endorsements.models import Endorsement, EndorsementLine
from saraban.registers.models import Dispatch, Receipt, Register
from saraban.search.models import SearchText
from saraban.search.text import normalize
from saraban.units.models import Agency, Unit

_BY_DOCUMENT_ID = (Receipt, Dispatch, DocumentReference, Enclosure, Endorsement)


def note_changes(session: Session, _context) -> None:
    """After each flush: note the documents whose search text it changed."""
    documents = session.info.setdefault("search_documents", set())
    endorsements = session.info.setdefault("search_endorsements", set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Document):
            documents.add(obj.id)
        elif isinstance(obj, _BY_DOCUMENT_ID):
            documents.add(obj.document_id)
        elif isinstance(obj, EndorsementLine):
            endorsements.add(obj.endorsement_id)


def refresh_before_commit(session: Session) -> None:
    """Before the commit: rebuild the search rows of the documents noted."""
    if not (session.info.get("search_documents") or session.info.get("search_endorsements")):
        return
    session.flush()
    documents = session.info.pop("search_documents", set())
    endorsements = session.info.pop("search_endorsements", set())
    if endorsements:
        documents |= set(session.scalars(
            select(Endorsement.document_id).where(Endorsement.id.in_(endorsements))))
    documents.discard(None)
    if documents:
        reindex(session, sorted(documents))


def forget_on_rollback(session: Session) -> None:
    """After a rollback: the noted changes are gone, so are the notes."""
    session.info.pop("search_documents", None)
    session.info.pop("search_endorsements", None)


def _statements() -> dict:
    """The queries that gather a document's text, built once and run with ``ids``."""
    ids = bindparam("ids", expanding=True)
    origin_unit, origin_agency = Unit.__table__.alias("ou"), Agency.__table__.alias("oa")
    return {
        "documents": select(
            Document.id, Document.number, Document.subject, Document.body,
            Document.sender_text, Document.addressee, Document.remarks,
            Document.signature_text, Document.machine_text, origin_unit.c.short_name,
            origin_unit.c.name_th,
            origin_agency.c.short_name, origin_agency.c.name_th)
        .outerjoin(origin_unit, origin_unit.c.id == Document.origin_unit_id)
        .outerjoin(origin_agency, origin_agency.c.id == Document.origin_agency_id)
        .where(Document.id.in_(ids)),
        "receipts": select(Receipt.document_id, Unit.short_name, Receipt.number)
        .join(Register, Register.id == Receipt.register_id)
        .join(Unit, Unit.id == Register.unit_id)
        .where(Receipt.document_id.in_(ids)),
        "dispatches": select(Dispatch.document_id, Dispatch.number_text)
        .where(Dispatch.document_id.in_(ids)),
        "references": select(DocumentReference.document_id, DocumentReference.text)
        .where(DocumentReference.document_id.in_(ids)),
        "endorsements": select(Endorsement.document_id, EndorsementLine.text,
                               Endorsement.signature_text)
        .join(EndorsementLine, EndorsementLine.endorsement_id == Endorsement.id)
        .where(Endorsement.document_id.in_(ids))
        .order_by(Endorsement.id, EndorsementLine.position),
    }


_GATHER = _statements()
_UPSERT = {}
for _dialect, _insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
    _stmt = _insert(SearchText)
    _UPSERT[_dialect] = _stmt.on_conflict_do_update(
        index_elements=[SearchText.document_id], set_={"content": _stmt.excluded.content})


def document_texts(session: Session, ids: list[int]) -> dict[int, str]:
    """The normalised search text of each document in ``ids`` (five queries)."""
    parts: dict[int, list[str]] = {i: [] for i in ids}
    params = {"ids": ids}
    for row in session.execute(_GATHER["documents"], params):
        parts[row[0]].extend(x for x in row[1:] if x)
    for doc_id, unit, number in session.execute(_GATHER["receipts"], params):
        parts[doc_id].append(f"{unit} เลขรับ {number}")
    for doc_id, number in session.execute(_GATHER["dispatches"], params):
        parts[doc_id].append(number)
    for doc_id, text in session.execute(_GATHER["references"], params):
        parts[doc_id].append(text)
    for doc_id, text, signature in session.execute(_GATHER["endorsements"], params):
        parts[doc_id].extend((text, signature))
    return {i: normalize("\n".join(dict.fromkeys(p))) for i, p in parts.items() if p}


def reindex(session: Session, ids: list[int]) -> int:
    """Rebuild the search rows of these documents (a document gone loses its row)."""
    done = 0
    upsert = _UPSERT[session.get_bind().dialect.name]
    for start in range(0, len(ids), 500):
        texts = document_texts(session, ids[start:start + 500])
        if texts:
            session.execute(upsert, [{"document_id": i, "content": t}
                                     for i, t in texts.items()])
        done += len(texts)
    return done


def count_missing(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(Document)
        .where(~Document.id.in_(select(SearchText.document_id))))

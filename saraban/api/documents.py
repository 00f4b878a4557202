"""Documents in the JSON API: list and search, create and correct, read, history, matter
chain, files."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import query_int, read_body
from saraban.api.contract import Binary, describe
from saraban.api.errors import ApiError
from saraban.api.schemas import documents as s
from saraban.documents import limits
from saraban.documents.access import record_views
from saraban.documents.download import file_response
from saraban.documents.history import HistoryEvent, document_history, latest_locations
from saraban.documents.models import Document, Secrecy, Urgency
from saraban.documents.operations import (
    create_document,
    find_by_number,
    get_visible,
    list_documents,
    update_document,
)
from saraban.search.operations import Query, search_documents

MAX_PAGE_SIZE = s.MAX_PAGE_SIZE


def document_json(d: Document) -> dict:
    return {
        "id": d.id,
        "kind": d.kind.value,
        "number": d.number,
        "number_arabic": thaidate.to_arabic_digits(d.number) if d.number else None,
        "date": d.doc_date.isoformat() if d.doc_date else None,
        "date_th": thaidate.format_date(d.doc_date) if d.doc_date else None,
        "subject": d.subject,
        "addressee": d.addressee,
        "sender": d.sender_text,
        "origin_unit": d.origin_unit.short_name if d.origin_unit else None,
        "origin_agency": d.origin_agency.short_name if d.origin_agency else None,
        "urgency": Urgency(d.urgency).name.lower(),
        "secrecy": Secrecy(d.secrecy).name.lower(),
        "status": d.status.value,
    }


def document_detail_json(d: Document) -> dict:
    out = document_json(d)
    out.update(
        {
            "body": d.body,
            "signature": d.signature_text,
            "remarks": d.remarks,
            "references": [
                {"relation": r.relation.value, "text": r.text, "document_id": r.target_id,
                 "note": r.note}
                for r in d.references
            ],
            "enclosures": [e.description for e in d.enclosures],
        }
    )
    return out


def event_json(e: HistoryEvent) -> dict:
    return {
        "kind": e.kind,
        "time": thaidate.isoformat(e.at),
        "time_known": e.time_known,
        "unit": e.unit,
        "number": e.number,
        "title": e.title,
        "lines": e.lines,
        "signature": e.signature,
        "source_text": e.source_text,
        "cancelled": e.cancelled,
        "related_document_id": e.related_document_id,
        "stay_seconds": int(e.stay.total_seconds()) if e.stay is not None else None,
        "stay_exact": e.stay_exact,
        "stay_th": thaidate.format_duration(e.stay, e.stay_exact) if e.stay is not None else None,
        "accept_id": e.accept_id,
        "status": e.status,
        "reason": e.reason,
    }


@bp.get("/documents")
@token_required
@describe("listDocuments", "Documents the caller may see, newest first; find by number, or "
          "search any Thai substring of number, subject, body, sender, addressee, references, "
          "endorsements and receipt numbers", answer=s.DocumentList, query=s.DocumentsQuery,
          errors=(400,))
def documents_index():
    page = query_int(s.DocumentsQuery, "page")
    per_page = query_int(s.DocumentsQuery, "per_page")
    number = request.args.get("number", "").strip()
    if len(number) > limits.NUMBER:
        raise ApiError(400, "'number' is too long.", "'number' ยาวเกินไป", "number")
    offset = (page - 1) * per_page
    query = Query.read(request.args)
    more = False
    if number:
        items, total = find_by_number(g.api_user, number, limit=per_page, offset=offset)
    elif not query.empty:
        found = search_documents(g.api_user, query, limit=per_page, offset=offset)
        items, total, more = found.items, found.total, found.more
    else:
        items, total = list_documents(g.api_user, limit=per_page, offset=offset)
    places = latest_locations([d.id for d in items])
    record_views(g.api_user, items, "list")

    def located(d):
        place = places.get(d.id)
        return {**document_json(d), "location": None if place is None else {
            "unit": place.unit, "waiting": place.waiting,
            "since": thaidate.isoformat(place.since)}}

    return jsonify(items=[located(d) for d in items], total=total, more=more, page=page)


@bp.post("/documents")
@token_required
@describe("createDocument", "Enter a received or drafted document (not yet registered)",
          body=s.DocumentCreate, answer=s.DocumentCreated, status=201,
          errors=(400, 403, 503))
def documents_create():
    document = create_document(g.api_user, read_body(s.DocumentCreate))
    return jsonify(id=document.id, number=document.number,
                   date=document.doc_date.isoformat()), 201


def _visible_or_404(document_id: int) -> Document:
    document = get_visible(g.api_user, document_id) if document_id < 2**31 else None
    if document is None:
        raise ApiError(404, "No such document.", "ไม่พบหนังสือนี้")
    return document


@bp.get("/documents/<int:document_id>")
@token_required
@describe("getDocument", "One document", answer=s.DocumentDetail, errors=(404,))
def documents_show(document_id: int):
    from saraban.audit.operations import record_view

    document = _visible_or_404(document_id)
    record_view(g.api_user, document, "api")
    return jsonify(document_detail_json(document))


@bp.patch("/documents/<int:document_id>")
@token_required
@describe("updateDocument", "Correct typing mistakes (clerks); the audit trail keeps before "
          "and after. Number, date and subject are locked once the document has its outgoing "
          "number (409): issue a correction instead", body=s.DocumentUpdate,
          answer=s.DocumentDetail, errors=(400, 403, 404, 409, 503))
def documents_update(document_id: int):
    document = update_document(g.api_user, document_id, read_body(s.DocumentUpdate))
    return jsonify(document_detail_json(document))


@bp.get("/documents/<int:document_id>/history")
@token_required
@describe("getDocumentHistory", "The document's routing history in time order",
          answer=s.History, errors=(404,))
def documents_history(document_id: int):
    from saraban.audit.operations import record_view

    document = _visible_or_404(document_id)
    events = [event_json(e) for e in document_history(document)]
    record_view(g.api_user, document, "history")
    return jsonify(document_id=document.id, events=events)


@bp.get("/documents/<int:document_id>/chain")
@token_required
@describe("getDocumentChain", "The matter (เรื่อง) the document belongs to: every document "
          "linked by references, replies, corrections and certified copies that the caller "
          "may see, oldest first, with the links among them", answer=s.Chain, errors=(404,))
def documents_chain(document_id: int):
    from saraban.documents.history import matter_chain

    document = _visible_or_404(document_id)
    documents, links = matter_chain(g.api_user, document)
    record_views(g.api_user, documents, "chain")
    return jsonify(
        document_id=document.id,
        nodes=[{**document_json(d), "current": d.id == document.id} for d in documents],
        links=[{"from": x.source_id, "to": x.target_id, "relation": x.relation}
               for x in links],
    )


@bp.post("/documents/<int:document_id>/files")
@token_required
@describe("attachScan", "Keep a scan (PDF, PNG, JPEG, TIFF by content); a received PDF also "
          "gets a stamped copy", body=s.Upload, multipart=True, answer=s.Files, status=201,
          errors=(400, 403, 404, 413, 415, 503))
def documents_attach(document_id: int):
    from saraban.documents.files import attach_scan

    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "Send the file as multipart/form-data field 'file'.",
                       "กรุณาส่งไฟล์ในช่อง 'file' แบบ multipart/form-data", "file")
    made = attach_scan(g.api_user, document_id, upload.filename, upload.read())
    return jsonify(files=[file_json(f) for f in made]), 201


@bp.get("/documents/<int:document_id>/files/<int:file_id>")
@token_required
@describe("getFile", "A file of the document, as stored",
          answer=Binary("*/*", "The file as stored, as its own media type (PDF, PNG, JPEG, "
                        "TIFF)"), errors=(404,))
def documents_file(document_id: int, file_id: int):
    from saraban.audit.operations import record_view
    from saraban.documents.files import served_copy, visible_file

    found = visible_file(g.api_user, document_id, file_id)
    if found is None:
        raise ApiError(404, "No such file.", "ไม่พบไฟล์นี้")
    record_view(g.api_user, found.document, "file", found.id)
    return file_response(found, *served_copy(found.file))


def file_json(f) -> dict:
    return {"id": f.id, "role": f.role.value, "filename": f.filename,
            "sha256": f.file.sha256, "size": f.file.size, "media_type": f.file.media_type}

"""Documents in the JSON API."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api import ApiError, bp, token_required
from saraban.documents.access import record_views
from saraban.documents.download import file_response  # (moved there; pages serve files too)
from saraban.documents.history import HistoryEvent, document_history, latest_locations
from saraban.documents.models import Document, Secrecy, Urgency
from saraban.documents.operations import find_by_number, get_visible, list_documents
from saraban.extensions import db
from saraban.search.operations import Query, search_documents

MAX_PAGE_SIZE = 100


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(thaidate.to_arabic_digits(raw))
    except ValueError:
        raise ApiError(
            400, f"'{name}' must be a whole number.", f"'{name}' ต้องเป็นจำนวนเต็ม", name
        ) from None
    if not lo <= value <= hi:
        raise ApiError(
            400,
            f"'{name}' must be between {lo} and {hi}.",
            f"'{name}' ต้องอยู่ระหว่าง {lo} ถึง {hi}",
            name,
        )
    return value


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
def documents_index():
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 20, 1, MAX_PAGE_SIZE)
    number = request.args.get("number", "").strip()
    if len(number) > 120:
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
    if record_views(g.api_user, items, "list"):
        db.session.commit()

    def located(d):
        place = places.get(d.id)
        return {**document_json(d), "location": None if place is None else {
            "unit": place.unit, "waiting": place.waiting,
            "since": thaidate.isoformat(place.since)}}

    return jsonify(items=[located(d) for d in items], total=total, more=more, page=page)


def _visible_or_404(document_id: int) -> Document:
    document = get_visible(g.api_user, document_id) if document_id < 2**31 else None
    if document is None:
        raise ApiError(404, "No such document.", "ไม่พบหนังสือนี้")
    return document


@bp.get("/documents/<int:document_id>")
@token_required
def documents_show(document_id: int):
    from saraban.audit.operations import record_view

    document = _visible_or_404(document_id)
    if record_view(g.api_user, document, "api"):
        db.session.commit()
    return jsonify(document_detail_json(document))


@bp.get("/documents/<int:document_id>/history")
@token_required
def documents_history(document_id: int):
    from saraban.audit.operations import record_view

    document = _visible_or_404(document_id)
    events = [event_json(e) for e in document_history(document)]
    if record_view(g.api_user, document, "history"):
        db.session.commit()
    return jsonify(document_id=document.id, events=events)


@bp.get("/documents/<int:document_id>/chain")
@token_required
def documents_chain(document_id: int):
    from saraban.documents.history import matter_chain

    document = _visible_or_404(document_id)
    documents, links = matter_chain(g.api_user, document)
    if record_views(g.api_user, documents, "chain"):
        db.session.commit()
    return jsonify(
        document_id=document.id,
        nodes=[{**document_json(d), "current": d.id == document.id} for d in documents],
        links=[{"from": x.source_id, "to": x.target_id, "relation": x.relation}
               for x in links],
    )


@bp.post("/documents/<int:document_id>/files")
@token_required
def documents_attach(document_id: int):
    from saraban.documents.files import attach_scan
    from saraban.extensions import db

    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "Send the file as multipart/form-data field 'file'.",
                       "กรุณาส่งไฟล์ในช่อง 'file' แบบ multipart/form-data", "file")
    made = attach_scan(g.api_user, document_id, upload.filename, upload.read())
    db.session.commit()
    return jsonify(files=[file_json(f) for f in made]), 201


@bp.get("/documents/<int:document_id>/files/<int:file_id>")
@token_required
def documents_file(document_id: int, file_id: int):
    from saraban.audit.operations import record_view
    from saraban.documents.files import served_copy, visible_file

    found = visible_file(g.api_user, document_id, file_id)
    if found is None:
        raise ApiError(404, "No such file.", "ไม่พบไฟล์นี้")
    if record_view(g.api_user, found.document, "file", found.id):
        db.session.commit()
    return file_response(found, *served_copy(found.file))


def file_json(f) -> dict:
    return {"id": f.id, "role": f.role.value, "filename": f.filename,
            "sha256": f.file.sha256, "size": f.file.size, "media_type": f.file.media_type}

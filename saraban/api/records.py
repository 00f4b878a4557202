"""The records' life in the JSON API: retention, destruction lists, loans, archives."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api import bp, token_required
from saraban.api.registers import _json_body
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.permissions import is_overdue
from saraban.records.destruction import (
    DECISION_TH,
    STATUS_TH,
    decide_item,
    destroy_list,
    destruction_lists,
    get_destruction_list,
    propose_destruction_list,
    review_list,
    visible_items,
)
from saraban.records.keepers import bangkok_today
from saraban.records.loans import lend, loans_for, return_loan
from saraban.records.models import DestructionItem, DestructionList, Loan
from saraban.records.retention import (
    archives_candidates,
    retention_text,
    retention_until,
    set_retention,
)
from saraban.validation import OperationError


def _local(value):
    return thaidate.isoformat(value)


def _iso(day):
    return day.isoformat() if day else None


def retention_json(d: Document) -> dict:
    return {"document_id": d.id, "retention_years": d.retention_years,
            "keep_forever": d.keep_forever, "until_be": retention_until(d),
            "text": retention_text(d), "destroyed_at": _local(d.destroyed_at)}


def _document_brief(d: Document) -> dict:
    return {"id": d.id, "number": d.number, "date": _iso(d.doc_date), "subject": d.subject,
            **{k: v for k, v in retention_json(d).items() if k != "document_id"}}


def item_json(i: DestructionItem, visible: set[int]) -> dict:
    shown = i.document_id in visible
    return {"id": i.id, "document_id": i.document_id, "decision": i.decision.value,
            "decision_th": DECISION_TH[i.decision], "extend_years": i.extend_years,
            "note": i.note, "destroyed_at": _local(i.destroyed_at),
            "document": _document_brief(i.document) if shown else None}


def list_json(dl: DestructionList, items: bool = True) -> dict:
    out = {"id": dl.id, "unit_id": dl.unit_id, "unit": dl.unit.short_name, "year": dl.year,
           "year_be": thaidate.be_year(dl.year), "status": dl.status.value,
           "status_th": STATUS_TH[dl.status], "late": dl.late,
           "proposed_at": _local(dl.proposed_at), "chair": dl.chair,
           "members": dl.members or [], "reviewed_at": _local(dl.reviewed_at),
           "destroyed_at": _local(dl.destroyed_at)}
    if items:
        visible = visible_items(g.api_user, dl)
        out["items"] = [item_json(i, visible) for i in dl.items]
    return out


def loan_json(loan: Loan, today=None) -> dict:
    return {"id": loan.id, "document_id": loan.document_id,
            "number": loan.document.number, "subject": loan.document.subject,
            "unit_id": loan.unit_id, "unit": loan.unit.short_name, "item": loan.item,
            "borrower": loan.borrower, "borrower_unit_id": loan.borrower_unit_id,
            "lent_on": _iso(loan.lent_on), "due_on": _iso(loan.due_on),
            "returned_on": _iso(loan.returned_on), "returned_by": loan.returned_by,
            "note": loan.note, "overdue": is_overdue(loan, today)}


def _flag(name: str) -> bool:
    return request.args.get(name) in ("1", "true")


@bp.put("/documents/<int:document_id>/retention")
@token_required
def retention_put(document_id: int):
    data = _json_body()
    if "years" not in data and "keep_forever" not in data:
        raise OperationError("กรุณาระบุอายุการเก็บ (years) หรือห้ามทำลาย (keep_forever)",
                             "Send 'years' or 'keep_forever'.", field="years")
    document = set_retention(g.api_user, document_id, data.get("years"),
                             data.get("keep_forever", False))
    db.session.commit()
    return jsonify(retention_json(document))


@bp.get("/destruction-lists")
@token_required
def destruction_lists_index():
    return jsonify(items=[{**list_json(s.destruction_list, items=False), "items": s.items,
                           "pending": s.pending}
                          for s in destruction_lists(g.api_user, request.args.get("unit"))])


@bp.post("/destruction-lists")
@token_required
def destruction_lists_create():
    data = _json_body()
    made = propose_destruction_list(g.api_user, data.get("unit"), data.get("year"))
    db.session.commit()
    return jsonify(list_json(get_destruction_list(g.api_user, made.id))), 201


@bp.get("/destruction-lists/<int:list_id>")
@token_required
def destruction_lists_get(list_id: int):
    return jsonify(list_json(get_destruction_list(g.api_user, list_id)))


@bp.post("/destruction-items/<int:item_id>/decision")
@token_required
def destruction_items_decide(item_id: int):
    data = _json_body()
    item = decide_item(g.api_user, item_id, data.get("decision"), data.get("extend_years"),
                       data.get("note"))
    db.session.commit()
    return jsonify(item_json(item, {item.document_id}))


@bp.post("/destruction-lists/<int:list_id>/review")
@token_required
def destruction_lists_review(list_id: int):
    data = _json_body()
    review_list(g.api_user, list_id, data.get("chair"), data.get("members"))
    db.session.commit()
    return jsonify(list_json(get_destruction_list(g.api_user, list_id)))


@bp.post("/destruction-lists/<int:list_id>/destroy")
@token_required
def destruction_lists_destroy(list_id: int):
    destroy_list(g.api_user, list_id)
    db.session.commit()
    return jsonify(list_json(get_destruction_list(g.api_user, list_id)))


@bp.get("/loans")
@token_required
def loans_index():
    return jsonify(items=[loan_json(e.loan) | {"overdue": e.overdue}
                          for e in loans_for(g.api_user, open_only=not _flag("all"))])


@bp.post("/loans")
@token_required
def loans_create():
    data = _json_body()
    loan = lend(g.api_user, data.get("document_id"), data)
    db.session.commit()
    return jsonify(loan_json(loan)), 201


@bp.post("/loans/<int:loan_id>/return")
@token_required
def loans_return(loan_id: int):
    data = _json_body()
    loan = return_loan(g.api_user, loan_id, data.get("returned_by"), data.get("returned_on"))
    db.session.commit()
    return jsonify(loan_json(loan, bangkok_today()))


@bp.get("/archives-candidates")
@token_required
def archives_index():
    return jsonify(items=[
        {**_document_brief(d), "origin_unit": d.origin_unit.short_name if d.origin_unit
         else None} for d in archives_candidates(g.api_user, request.args.get("unit") or None)])

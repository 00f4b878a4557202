"""Registers and documents in the JSON API: create, register, cancel, read."""

from __future__ import annotations

import datetime as dt

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api import ApiError, bp, token_required
from saraban.api.documents import _int_arg
from saraban.documents.operations import create_document
from saraban.extensions import db
from saraban.pdf import pdf_response
from saraban.registers.models import Receipt
from saraban.registers.operations import (
    cancel_receipt,
    issue_dispatch,
    receipt_stamp_pdf,
    register_entries,
    register_receipt,
    usable_registers,
    visible_receipt,
)
from saraban.validation import OperationError


@bp.errorhandler(OperationError)
def _operation_error(error: OperationError):
    db.session.rollback()  # nothing half-written, and any number taken is given back
    body = {"status": error.status, "message": error.message_en, "message_th": error.message_th}
    if error.field:
        body["field"] = error.field
    return jsonify(error=body), error.status


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.", "ข้อมูลต้องเป็นออบเจกต์ JSON")
    return data


def _int_field(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ApiError(400, f"'{name}' must be a positive whole number.",
                       f"'{name}' ต้องเป็นจำนวนเต็มบวก", name)
    return value


def receipt_json(r: Receipt) -> dict:
    local = r.received_at.astimezone(thaidate.BANGKOK)
    return {
        "id": r.id,
        "register_id": r.register_id,
        "document_id": r.document_id,
        "year": r.year,
        "number": r.number,
        "number_th": thaidate.to_thai_digits(r.number),
        "received_at": local.isoformat(),
        "received_th": thaidate.format_date(local)
        + (" " + thaidate.format_time(local) if r.time_known else ""),
        "status": r.status.value,
        "cancel_reason": r.cancel_reason,
        "mode": r.mode.value,
    }


@bp.get("/registers")
@token_required
def registers_index():
    return jsonify(items=[
        {"id": r.id, "unit": r.unit.short_name, "kind": r.kind.value, "code": r.code,
         "name": r.name, "secret": r.is_secret}
        for r in usable_registers(g.api_user)
    ])


@bp.post("/documents")
@token_required
def documents_create():
    document = create_document(g.api_user, _json_body())
    db.session.commit()
    return jsonify(id=document.id, number=document.number,
                   date=document.doc_date.isoformat()), 201


@bp.post("/registers/<int:register_id>/receipts")
@token_required
def receipts_create(register_id: int):
    data = _json_body()
    receipt = register_receipt(g.api_user, register_id, _int_field(data, "document_id"))
    db.session.commit()
    return jsonify(receipt_json(receipt)), 201


@bp.post("/receipts/<int:receipt_id>/cancel")
@token_required
def receipts_cancel(receipt_id: int):
    data = _json_body()
    receipt = cancel_receipt(g.api_user, receipt_id, data.get("reason"))
    db.session.commit()
    return jsonify(receipt_json(receipt))


@bp.get("/registers/<int:register_id>/entries")
@token_required
def register_entries_index(register_id: int):
    this_year = dt.datetime.now(thaidate.BANGKOK).year
    year = _int_arg("year", this_year, 1900, 2200)
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 100, 1, 500)
    register, rows, total = register_entries(
        g.api_user, register_id, year, limit=per_page, offset=(page - 1) * per_page
    )
    return jsonify(
        register_id=register.id, year=year, total=total, page=page,
        items=[{**receipt_json(r), "document": {"number": r.document.number,
                                                 "subject": r.document.subject}}
               for r in rows],
    )


@bp.get("/receipts/<int:receipt_id>/stamp.pdf")
@token_required
def receipt_stamp(receipt_id: int):
    receipt = visible_receipt(g.api_user, receipt_id)
    if receipt is None:
        raise ApiError(404, "No such receipt.", "ไม่พบรายการลงรับนี้")
    return pdf_response(receipt_stamp_pdf(receipt), f"stamp-{receipt.year}-{receipt.number}.pdf")


@bp.post("/documents/<int:document_id>/dispatch")
@token_required
def documents_dispatch(document_id: int):
    data = _json_body()
    dispatch = issue_dispatch(g.api_user, _int_field(data, "register_id"), document_id,
                              data.get("to"))
    db.session.commit()
    local = dispatch.dispatched_at.astimezone(thaidate.BANGKOK)
    return jsonify(id=dispatch.id, register_id=dispatch.register_id, document_id=document_id,
                   year=dispatch.year, number=dispatch.number, number_text=dispatch.number_text,
                   dispatched_at=local.isoformat()), 201

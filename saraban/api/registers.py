"""Registers and documents in the JSON API: create, register, cancel, read."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api import ApiError, bp, token_required
from saraban.api.documents import _int_arg
from saraban.documents.operations import create_document, update_document
from saraban.extensions import db
from saraban.pdf import pdf_response
from saraban.registers.listing import (
    Period,
    RegisterLine,
    export_register,
    register_lines,
    shows_secret,
)
from saraban.registers.models import Dispatch, Receipt
from saraban.registers.operations import (
    cancel_dispatch,
    cancel_receipt,
    enter_historic_receipt,
    issue_correction,
    issue_dispatch,
    open_year,
    read_stamp_time,
    receipt_flags,
    receipt_stamp_pdf,
    register_receipt,
    usable_registers,
    visible_receipt,
)
from saraban.validation import OperationError, is_row_id


@bp.errorhandler(OperationError)
def _operation_error(error: OperationError):
    db.session.rollback()  # nothing half-written, and any number taken is given back
    body = {"status": error.status, "message": error.message_en, "message_th": error.message_th}
    if error.field:
        body["field"] = error.field
    body.update(getattr(error, "details", None) or {})  # e.g. the earlier receipt of a letter
    return jsonify(error=body), error.status


def _json_body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON reader goes
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.", "ข้อมูลต้องเป็นออบเจกต์ JSON")
    return data


def _int_field(data: dict, name: str) -> int:
    value = data.get(name)
    if not is_row_id(value):
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
        "flags": receipt_flags(r),
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
    document_id = _int_field(data, "document_id")
    confirm = data.get("confirm_duplicate", False)
    if not isinstance(confirm, bool):
        raise ApiError(400, "'confirm_duplicate' must be true or false.",
                       "'confirm_duplicate' ต้องเป็น true หรือ false", "confirm_duplicate")
    if data.get("number") is None:
        receipt = register_receipt(g.api_user, register_id, document_id,
                                   confirm_duplicate=confirm)
    else:  # a paper stamp entered with its original number, date and time
        if not isinstance(data.get("date"), str):
            raise ApiError(400, "A historic entry needs the stamp's 'date'.",
                           "การลงตรารับเดิมต้องระบุวันที่บนตรา", "date")
        received_at, time_known = read_stamp_time(data["date"], data.get("time"))
        receipt = enter_historic_receipt(g.api_user, register_id, document_id,
                                         data["number"], received_at, time_known=time_known,
                                         source_text=data.get("source_text"),
                                         confirm_duplicate=confirm)
    answer = receipt_json(receipt)  # from what is in hand, before the commit expires it
    db.session.commit()
    return jsonify(answer), 201


@bp.post("/registers/<int:register_id>/openings")
@token_required
def register_open_year(register_id: int):
    """An administrator opens a year of the register at the number its paper book reached."""
    data = _json_body()
    counter = open_year(g.api_user, register_id, data.get("year"), data.get("last_number"))
    answer = {"register_id": counter.register_id, "year": counter.year,
              "year_be": counter.year + 543, "last_number": counter.paper_last_number,
              "next_number": counter.last_number + 1}
    db.session.commit()
    return jsonify(answer), 201


@bp.post("/receipts/<int:receipt_id>/cancel")
@token_required
def receipts_cancel(receipt_id: int):
    data = _json_body()
    receipt = cancel_receipt(g.api_user, receipt_id, data.get("reason"))
    db.session.commit()
    return jsonify(receipt_json(receipt))


def dispatch_json(d: Dispatch) -> dict:
    local = d.dispatched_at.astimezone(thaidate.BANGKOK)
    return {
        "id": d.id,
        "register_id": d.register_id,
        "document_id": d.document_id,
        "year": d.year,
        "number": d.number,
        "number_text": d.number_text,
        "dispatched_at": local.isoformat(),
        "to": d.to_text,
        "status": d.status.value,
        "cancel_reason": d.cancel_reason,
        "mode": d.mode.value,
    }


def _period() -> Period:
    this_year = thaidate.today().year
    year = _int_arg("year", this_year, 1900, 2200)
    month = _int_arg("month", 0, 0, 12) or None
    day = _int_arg("day", 0, 0, 31) or None
    return Period.read(year, month, day)


def _line_json(line: RegisterLine) -> dict:
    entry = line.entry
    body = receipt_json(entry) if isinstance(entry, Receipt) else dispatch_json(entry)
    body["document"] = None if line.masked else {
        "number": line.document.number, "subject": line.document.subject}
    if line.masked and "to" in body:
        body["to"] = None  # ถึง says what a secret letter is about as much as its subject
    body["line"] = dict(zip(
        ("number", "doc_number", "doc_date", "sender", "addressee", "subject", "action",
         "remarks"), line.cells(), strict=True))
    return body


@bp.patch("/documents/<int:document_id>")
@token_required
def documents_update(document_id: int):
    from saraban.api.documents import document_detail_json

    document = update_document(g.api_user, document_id, _json_body())
    answer = document_detail_json(document)
    db.session.commit()
    return jsonify(answer)


@bp.post("/documents/<int:document_id>/corrections")
@token_required
def documents_correct(document_id: int):
    made = issue_correction(g.api_user, document_id, _json_body())
    answer = dispatch_json(made)
    db.session.commit()
    return jsonify(answer), 201


@bp.post("/dispatches/<int:dispatch_id>/cancel")
@token_required
def dispatches_cancel(dispatch_id: int):
    data = _json_body()
    dispatch = cancel_dispatch(g.api_user, dispatch_id, data.get("reason"))
    answer = dispatch_json(dispatch)
    db.session.commit()
    return jsonify(answer)


@bp.get("/registers/<int:register_id>/entries")
@token_required
def register_entries_index(register_id: int):
    period = _period()
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 100, 1, 500)
    register, lines, total = register_lines(
        g.api_user, register_id, period, limit=per_page, offset=(page - 1) * per_page
    )
    if shows_secret(lines):
        db.session.commit()  # the views of the secret lines shown (see register_lines)
    return jsonify(register_id=register.id, kind=register.kind.value, year=period.year,
                   month=period.month, day=period.day, total=total, page=page,
                   items=[_line_json(ln) for ln in lines])


def _export(register_id: int, what: str):
    export = export_register(g.api_user, register_id, _period(), what,
                             bom=request.args.get("bom") != "0")
    db.session.commit()
    return export.response()


@bp.get("/registers/<int:register_id>/print.pdf")
@token_required
def register_print(register_id: int):
    return _export(register_id, "pdf")


@bp.get("/registers/<int:register_id>/export.csv")
@token_required
def register_export(register_id: int):
    return _export(register_id, "csv")


@bp.get("/receipts/<int:receipt_id>/stamp.pdf")
@token_required
def receipt_stamp(receipt_id: int):
    receipt = visible_receipt(g.api_user, receipt_id)
    if receipt is None:
        raise ApiError(404, "No such receipt.", "ไม่พบรายการลงรับนี้")
    pdf = receipt_stamp_pdf(receipt, g.api_user)
    db.session.commit()
    return pdf_response(pdf, f"stamp-{receipt.year}-{receipt.number}.pdf")


@bp.post("/documents/<int:document_id>/dispatch")
@token_required
def documents_dispatch(document_id: int):
    data = _json_body()
    dispatch = issue_dispatch(g.api_user, _int_field(data, "register_id"), document_id,
                              data.get("to"))
    db.session.commit()
    return jsonify(dispatch_json(dispatch)), 201

"""Registers in the JSON API: receipts and dispatches (register, cancel, correct), years
opened at a paper book's number, the register's lines, its print and export."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import int_arg, int_field, query_int, read_body
from saraban.api.contract import Binary, describe
from saraban.api.errors import ApiError
from saraban.api.schemas import registers as s
from saraban.pdf import pdf_response
from saraban.registers.listing import (
    Period,
    RegisterLine,
    export_register,
    register_lines,
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


@bp.get("/registers")
@token_required
@describe("listRegisters", "The registers the caller may write in", answer=s.Registers)
def registers_index():
    return jsonify(items=[
        {"id": r.id, "unit": r.unit.short_name, "kind": r.kind.value, "code": r.code,
         "name": r.name, "secret": r.is_secret}
        for r in usable_registers(g.api_user)
    ])


@bp.post("/registers/<int:register_id>/receipts")
@token_required
@describe("registerReceipt", "Enter a document in a receipt register with the next number; "
          "or, with `number` and `date`, enter a paper stamp with its original number "
          "(refused when the number is taken; flagged when dated before the document)",
          body=s.ReceiptCreate, answer=s.Receipt, status=201,
          errors=(400, 403, 404, 409, 503))
def receipts_create(register_id: int):
    data = read_body(s.ReceiptCreate)
    document_id = int_field(data, "document_id")
    confirm = data.get("confirm_duplicate", False)
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
    return jsonify(receipt_json(receipt)), 201


@bp.post("/registers/<int:register_id>/openings")
@token_required
@describe("registerOpenYear", "An administrator opens a year of a register to continue its "
          "paper book: live numbers go on after `last_number`, and paper stamps of that year "
          "must be at or below it (before the year's first live number)",
          body=s.OpeningCreate, answer=s.Opening, status=201, errors=(400, 403, 404, 409))
def register_open_year(register_id: int):
    data = read_body(s.OpeningCreate)
    counter = open_year(g.api_user, register_id, data.get("year"), data.get("last_number"))
    return jsonify({"register_id": counter.register_id, "year": counter.year,
                    "year_be": counter.year + 543, "last_number": counter.paper_last_number,
                    "next_number": counter.last_number + 1}), 201


@bp.post("/receipts/<int:receipt_id>/cancel")
@token_required
@describe("cancelReceipt", "Cancel a registration; its number stays, marked cancelled",
          body=s.Cancel, answer=s.Receipt, errors=(400, 403, 404, 409, 503))
def receipts_cancel(receipt_id: int):
    data = read_body(s.Cancel)
    return jsonify(receipt_json(cancel_receipt(g.api_user, receipt_id, data.get("reason"))))


def _period() -> Period:
    this_year = thaidate.today().year
    year = int_arg("year", this_year, 1900, 2200)
    month = int_arg("month", 0, 0, 12) or None
    day = int_arg("day", 0, 0, 31) or None
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


@bp.post("/documents/<int:document_id>/corrections")
@token_required
@describe("issueCorrection", "Correct a document already numbered for sending: a new "
          "document, numbered next in the same register, that cites it and says what it "
          "corrects", body=s.Correction, answer=s.Dispatch, status=201,
          errors=(400, 403, 404, 409, 503))
def documents_correct(document_id: int):
    made = issue_correction(g.api_user, document_id, read_body(s.Correction))
    return jsonify(dispatch_json(made)), 201


@bp.post("/dispatches/<int:dispatch_id>/cancel")
@token_required
@describe("cancelDispatch", "Cancel an outgoing number: the register keeps it, marked "
          "cancelled; the document may be numbered again", body=s.Cancel, answer=s.Dispatch,
          errors=(400, 403, 404, 409, 503))
def dispatches_cancel(dispatch_id: int):
    data = read_body(s.Cancel)
    return jsonify(dispatch_json(cancel_dispatch(g.api_user, dispatch_id, data.get("reason"))))


@bp.get("/registers/<int:register_id>/entries")
@token_required
@describe("registerEntries", "A receipt or dispatch register for a year, a month or a day, "
          "by number, with the regulation's columns in `line` (viewing its secret lines is "
          "recorded)", answer=s.Entries, query=s.EntriesQuery, errors=(400, 403, 404))
def register_entries_index(register_id: int):
    period = _period()
    page = query_int(s.EntriesQuery, "page")
    per_page = query_int(s.EntriesQuery, "per_page")
    register, lines, total = register_lines(
        g.api_user, register_id, period, limit=per_page, offset=(page - 1) * per_page
    )
    return jsonify(register_id=register.id, kind=register.kind.value, year=period.year,
                   month=period.month, day=period.day, total=total, page=page,
                   items=[_line_json(ln) for ln in lines])


def _export(register_id: int, what: str):
    export = export_register(g.api_user, register_id, _period(), what,
                             bom=request.args.get("bom") != "0")
    return export.response()


@bp.get("/registers/<int:register_id>/print.pdf")
@token_required
@describe("registerPrint", "The register for a period as a printable A4 PDF (at most 5,000 "
          "lines: print a long year month by month)", answer=Binary("application/pdf"),
          query=s.PeriodQuery, errors=(400, 403, 404, 413))
def register_print(register_id: int):
    return _export(register_id, "pdf")


@bp.get("/registers/<int:register_id>/export.csv")
@token_required
@describe("registerExport", "The register for a period as CSV in UTF-8 with a byte-order "
          "mark (opens in Excel)", answer=Binary("text/csv"), query=s.ExportQuery,
          errors=(400, 403, 404, 413))
def register_export(register_id: int):
    return _export(register_id, "csv")


@bp.get("/receipts/<int:receipt_id>/stamp.pdf")
@token_required
@describe("receiptStamp", "The receipt stamp (ตรารับ) as an A4 PDF, stamp at the top right",
          answer=Binary("application/pdf"), errors=(404,))
def receipt_stamp(receipt_id: int):
    receipt = visible_receipt(g.api_user, receipt_id)
    if receipt is None:
        raise ApiError(404, "No such receipt.", "ไม่พบรายการลงรับนี้")
    pdf = receipt_stamp_pdf(receipt, g.api_user)
    return pdf_response(pdf, f"stamp-{receipt.year}-{receipt.number}.pdf")


@bp.post("/documents/<int:document_id>/dispatch")
@token_required
@describe("issueDispatch", "Give the document the unit's next outgoing number (ที่ ...)",
          body=s.DispatchCreate, answer=s.Dispatch, status=201,
          errors=(400, 403, 404, 409, 503))
def documents_dispatch(document_id: int):
    data = read_body(s.DispatchCreate)
    dispatch = issue_dispatch(g.api_user, int_field(data, "register_id"), document_id,
                              data.get("to"))
    return jsonify(dispatch_json(dispatch)), 201

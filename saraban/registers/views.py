"""The clerk's pages: receive (ลงรับ) a document; read, print and export the registers."""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from saraban import thaidate
from saraban.documents.access import can_view
from saraban.documents.files import check_upload, refuse_top_secret_files, write_file
from saraban.extensions import db
from saraban.i18n import MONTHS_EN, current_lang, format_date, local_digits
from saraban.pages import run_operation
from saraban.pdf import pdf_response
from saraban.registers.forms import ReceiveForm, SendForm
from saraban.registers.listing import (
    PRINT_LIMIT,
    Period,
    export_register,
    register_lines,
    register_title,
)
from saraban.registers.models import Dispatch, Receipt, RegisterKind
from saraban.registers.operations import (
    DuplicateReceipt,
    cancel_dispatch,
    cancel_receipt,
    dispatch_for_form,
    enter_historic_receipt,
    issue_correction,
    issue_dispatch,
    read_stamp_time,
    receipt_flags,
    receipt_for_form,
    receipt_stamp_pdf,
    receive_document,
    send_document,
    usable_register_ids,
    usable_registers,
    visible_receipt,
)
from saraban.transaction import commit_early
from saraban.validation import OperationError

bp = Blueprint("registers", __name__)


@bp.route("/receive", methods=["GET", "POST"])
@login_required
def receive():
    """รับหนังสือ: enter a received document and give it its receipt number at once."""

    def register(form: ReceiveForm):
        data = {key: getattr(form, key).data for key in
                ("number", "date", "sender", "addressee", "subject")}
        data["urgency"], data["secrecy"] = int(form.urgency.data), int(form.secrecy.data)
        return receive_document(current_user, form.register_id.data, data, form.form_key.data,
                                confirm_duplicate=request.form.get("confirm_duplicate") == "1")

    return _numbering_form(ReceiveForm(), RegisterKind.RECEIPT, register, receipt_for_form,
                           Receipt, "registers.receive", "registers/receive.html")


def _acting_register(registers):
    """The first of the registers kept by the unit the clerk acts for, else the first."""
    from saraban.workspace.operations import acting_unit

    unit = acting_unit(current_user)
    return next((r for r in registers if unit is not None and r.unit_id == unit.id),
                registers[0])


def _numbering_form(form, kind: RegisterKind, numbered, twin, line, endpoint: str,
                    template: str):
    """The receipt and send forms: check, number in one transaction, keep the scan,
    and show the next empty form with the number just given. The same filled form sent
    twice (a double click, a retry) gives back the first number, never a second one."""
    registers = [r for r in usable_registers(current_user) if r.kind == kind]
    if not registers:
        abort(403)
    form.register_id.choices = [
        SelectChoice(str(r.id), f"{r.name} ({r.unit.short_name})"
                     + (" — " + gettext("ชุด %(series)s", series=r.series) if r.series else ""))
        for r in registers
    ]
    submitted = form.validate_on_submit()
    scan = _checked_scan(form) if submitted else None
    duplicate = None
    if submitted and not form.scan.errors:
        made = None
        try:
            made = numbered(form)
            db.session.flush()
        except OperationError as error:
            db.session.rollback()
            made = twin(form.form_key.data)  # its twin got there first
            if made is None and isinstance(error, DuplicateReceipt):
                duplicate = error  # shown above the form, with a button to confirm
            elif made is None:
                flash(error.message_for(), "error")
        if made is not None:
            if scan is not None:
                commit_early("the number is given before its scan is stamped and kept: "
                             "stamping never holds the register's counter")
                _attach(made, *scan)
            return redirect(url_for(endpoint, done=made.id, register=made.register_id))
    elif request.method == "GET":
        form.register_id.data = request.args.get("register", type=int) or _acting_register(
            registers).id
    if not form.form_key.data or request.method == "GET":
        form.new_key()
    done = None
    done_id = request.args.get("done", type=int)
    if done_id and done_id < 2**31:
        done = db.session.get(line, done_id)
        if done is not None and done.register_id not in usable_register_ids(current_user):
            done = None
    # The box shows the line's number to whoever keeps the register (as the register does),
    # and its subject and links only to someone who may read the document.
    masked = done is not None and not can_view(current_user, done.document_id)
    return render_template(template, form=form, done=done, done_masked=masked,
                           duplicate=duplicate, had_scan=scan is not None)


def _checked_scan(form: ReceiveForm | SendForm) -> tuple[str, bytes] | None:
    """The uploaded scan, checked before anything is registered: a wrong or damaged file
    is refused with the form kept as typed, and nothing is saved."""
    upload = form.scan.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = upload.read()
    secrecy = int(form.secrecy.data or 0) if str(form.secrecy.data or "0").isdecimal() else 0
    try:
        refuse_top_secret_files(secrecy)  # before anything: a ลับที่สุด scan is not kept
        check_upload(data)
        # before any number: a full or read-only disk registers nothing (a secret
        # document's scan is written encrypted, never in clear, even for this check)
        write_file(data, encrypt=secrecy > 0)
    except OperationError as error:
        form.scan.errors = [*form.scan.errors, error.message_for()]
        return None
    return upload.filename, data


def _attach(entry: Receipt | Dispatch, filename: str, data: bytes) -> None:
    """Keep the scan of a just-numbered document (with a stamped copy of a received PDF).
    The number was committed first, so that stamping never holds the register's counter."""
    from saraban.documents.files import attach_scan

    try:
        attach_scan(current_user, entry.document_id, filename, data)
        db.session.flush()
    except OperationError as error:
        db.session.rollback()
        flash(gettext("ลงรับแล้ว แต่แนบไฟล์ไม่สำเร็จ: %(error)s กรุณาแนบไฟล์อีกครั้งที่หน้าหนังสือ",
                      error=error.message_for()), "error")


@bp.get("/receive/suggest")
@login_required
def receive_suggest():
    """What the receipt form may fill in, from letters already received (JSON)."""
    from flask import jsonify

    from saraban.documents.operations import suggest_from_sender

    return jsonify(suggest_from_sender(current_user, request.args.get("number"),
                                       request.args.get("sender")))


@bp.route("/send", methods=["GET", "POST"])
@login_required
def send():
    """ส่งหนังสือ: write down an outgoing document and give it its number at once."""

    def number(form: SendForm):
        data = {"kind": form.kind.data, "addressee": form.to.data, "to": form.to.data,
                "subject": form.subject.data, "body": form.body.data or None,
                "urgency": int(form.urgency.data), "secrecy": int(form.secrecy.data)}
        return send_document(current_user, form.register_id.data, data, form.form_key.data)

    return _numbering_form(SendForm(), RegisterKind.DISPATCH, number, dispatch_for_form,
                           Dispatch, "registers.send", "registers/send.html")


@bp.post("/receipts/<int:receipt_id>/cancel")
@login_required
def receipt_cancel(receipt_id: int):
    made = run_operation(lambda: cancel_receipt(current_user, receipt_id,
                                                request.form.get("reason")),
                         gettext("ยกเลิกการลงรับแล้ว เลขรับเดิมยังคงอยู่ในทะเบียน"))
    return _back_to(made.document_id if made else _document_of(Receipt, receipt_id), "history")


@bp.post("/dispatches/<int:dispatch_id>/cancel")
@login_required
def dispatch_cancel(dispatch_id: int):
    made = run_operation(lambda: cancel_dispatch(current_user, dispatch_id,
                                                 request.form.get("reason")),
                         gettext("ยกเลิกเลขหนังสือส่งแล้ว เลขเดิมยังคงอยู่ในทะเบียน"))
    return _back_to(made.document_id if made else _document_of(Dispatch, dispatch_id))


def _document_of(line, line_id: int) -> int:
    entry = db.session.get(line, line_id) if 0 < line_id < 2**31 else None
    if entry is None or entry.register_id not in usable_register_ids(current_user):
        abort(404)
    return entry.document_id


@bp.get("/receipts/<int:receipt_id>/stamp.pdf")
@login_required
def receipt_stamp(receipt_id: int):
    receipt = visible_receipt(current_user, receipt_id)
    if receipt is None:
        abort(404)
    pdf = receipt_stamp_pdf(receipt, current_user)  # records the view (the boundary commits)
    return pdf_response(pdf, f"stamp-{receipt.year}-{receipt.number}.pdf")


PAGE_SIZE = 100


def _period() -> Period:
    today = thaidate.today()
    args = request.args
    if "year" not in args:
        return Period(today.year, today.month)
    try:
        return Period.read(args.get("year"), args.get("month"), args.get("day"))
    except OperationError as refusal:
        abort(400, description=refusal)  # the error page says why


@bp.get("/registers")
@login_required
def registers_index():
    registers = usable_registers(current_user)
    if not registers:
        abort(403)
    return render_template("registers/index.html", registers=registers)


@bp.get("/registers/<int:register_id>")
@login_required
def register_page(register_id: int):
    period = _period()
    raw = request.args.get("page", "1")
    page = max(1, min(int(raw), 100_000)) if raw.isdecimal() and len(raw) < 7 else 1
    try:
        register, lines, total = register_lines(current_user, register_id, period,
                                                limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except OperationError:
        abort(404)  # (register_lines records the views of the secret lines it shows)
    return render_template(
        "registers/show.html", register=register, lines=lines, total=total, period=period,
        page=page, pages=max(1, math.ceil(total / PAGE_SIZE)), title=_register_title(register),
        period_label=_period_label(period), print_limit=PRINT_LIMIT,
        this_year=thaidate.today().year,
    )


def _register_title(register) -> str:
    if current_lang() == "th":
        return register_title(register)
    return (gettext("ทะเบียนหนังสือรับ") if register.kind == RegisterKind.RECEIPT
            else gettext("ทะเบียนหนังสือส่ง"))


def _period_label(period: Period) -> str:
    """The period shown: "เดือนพฤศจิกายน พ.ศ. ๒๕๖๒" in Thai, "November 2019" in English."""
    if current_lang() == "th":
        return period.label_th()
    if period.day is not None:
        return format_date(dt.date(period.year, period.month, period.day), "long")
    if period.month is not None:
        return f"{MONTHS_EN[period.month]} {period.year}"
    return str(period.year)


def _export(register_id: int, what: str):
    period = _period()
    try:
        export = export_register(current_user, register_id, period, what,
                                 bom=request.args.get("bom") != "0")
    except OperationError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message_for(), "error")
        return redirect(url_for("registers.register_page", register_id=register_id,
                                year=period.year, month=period.month, day=period.day))
    return export.response()


@bp.get("/registers/<int:register_id>/print.pdf")
@login_required
def register_print(register_id: int):
    return _export(register_id, "pdf")


@bp.get("/registers/<int:register_id>/export.csv")
@login_required
def register_export(register_id: int):
    return _export(register_id, "csv")


def _back_to(document_id: int, anchor: str = "clerk"):
    return redirect(url_for("documents.show", document_id=document_id) + f"#{anchor}")


@bp.post("/documents/<int:document_id>/historic-receipt")
@login_required
def historic_receipt(document_id: int):
    """Enter a paper stamp (number, date, time as written) for a document."""
    form = request.form

    def enter():
        received_at, time_known = read_stamp_time(form.get("date"), form.get("time"))
        return enter_historic_receipt(
            current_user, _form_int("register_id"), document_id, form.get("number", ""),
            received_at, time_known=time_known, source_text=form.get("source_text"),
            confirm_duplicate=form.get("confirm_duplicate") == "1")

    receipt = run_operation(enter)
    if receipt is not None:
        flash(gettext("บันทึกตรารับเดิมแล้ว เลขรับ %(number)s",
                      number=local_digits(receipt.number)), "info")
        if receipt_flags(receipt):
            flash(gettext("โปรดตรวจสอบ: วันที่บนตรารับอยู่ก่อนวันที่ของหนังสือ"), "error")
    return _back_to(document_id)


@bp.post("/documents/<int:document_id>/dispatch")
@login_required
def dispatch(document_id: int):
    """Give a document the unit's next outgoing number (ออกเลขหนังสือส่ง)."""
    made = run_operation(lambda: issue_dispatch(
        current_user, _form_int("register_id"), document_id, request.form.get("to")))
    if made is not None:
        flash(gettext("ออกเลขแล้ว ที่ %(number)s", number=made.number_text), "info")
    return _back_to(document_id)


@bp.post("/documents/<int:document_id>/corrections")
@login_required
def correction(document_id: int):
    made = run_operation(lambda: issue_correction(
        current_user, document_id, {"correction": request.form.get("correction"),
                                    "subject": request.form.get("subject") or None}))
    if made is None:
        return _back_to(document_id)
    flash(gettext("ออกหนังสือแก้ไขแล้ว ที่ %(number)s", number=made.number_text), "info")
    return redirect(url_for("documents.show", document_id=made.document_id))


def _form_int(name: str) -> int:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdecimal() and len(raw) < 10 else 0

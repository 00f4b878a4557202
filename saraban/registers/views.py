"""The clerk's pages: receive (ลงรับ) a document."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from saraban.extensions import db
from saraban.pdf import pdf_response
from saraban.registers.forms import ReceiveForm
from saraban.registers.models import Receipt, RegisterKind
from saraban.registers.operations import (
    receipt_for_form,
    receipt_stamp_pdf,
    receive_document,
    usable_register_ids,
    usable_registers,
    visible_receipt,
)
from saraban.validation import OperationError

bp = Blueprint("registers", __name__)


@bp.route("/receive", methods=["GET", "POST"])
@login_required
def receive():
    registers = [r for r in usable_registers(current_user) if r.kind == RegisterKind.RECEIPT]
    if not registers:
        abort(403)
    form = ReceiveForm()
    form.register_id.choices = [
        SelectChoice(str(r.id), f"{r.name} ({r.unit.short_name})") for r in registers
    ]
    if form.validate_on_submit():
        data = {key: getattr(form, key).data for key in
                ("number", "date", "sender", "addressee", "subject", "urgency", "secrecy")}
        data["urgency"], data["secrecy"] = int(data["urgency"]), int(data["secrecy"])
        receipt = None
        try:
            receipt = receive_document(current_user, form.register_id.data, data,
                                       form.form_key.data)
            db.session.commit()
        except OperationError as error:
            db.session.rollback()
            receipt = receipt_for_form(form.form_key.data)  # its twin got there first
            if receipt is None:
                flash(error.message_th, "error")
        if receipt is not None:
            return redirect(url_for("registers.receive", done=receipt.id,
                                    register=receipt.register_id))
    elif request.method == "GET":
        form.register_id.data = request.args.get("register", type=int) or registers[0].id
    if not form.form_key.data or request.method == "GET":
        form.new_key()
    done = None
    done_id = request.args.get("done", type=int)
    if done_id and done_id < 2**31:
        done = db.session.get(Receipt, done_id)
        if done is not None and done.register_id not in usable_register_ids(current_user):
            done = None
    return render_template("registers/receive.html", form=form, done=done)


@bp.get("/receipts/<int:receipt_id>/stamp.pdf")
@login_required
def receipt_stamp(receipt_id: int):
    receipt = visible_receipt(current_user, receipt_id)
    if receipt is None:
        abort(404)
    return pdf_response(receipt_stamp_pdf(receipt), f"stamp-{receipt.year}-{receipt.number}.pdf")

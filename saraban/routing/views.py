"""Pages for moving documents: the unit's inbox and the forward form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from saraban.copies.operations import issue_certified_copy
from saraban.extensions import db
from saraban.i18n import local_digits
from saraban.pages import run_operation
from saraban.routing.operations import (
    accept_transfer,
    acknowledge_return,
    inbox,
    name_reader_of,
    recall_transfer,
    return_transfer,
    send_transfers,
    unregistered_unit_ids,
)
from saraban.units.models import Unit

bp = Blueprint("routing", __name__)


@bp.get("/inbox")
@login_required
def inbox_page():
    from saraban.documents.access import record_views
    from saraban.exchange.ecms.desk import arrivals as ecms_arrivals
    from saraban.exchange.ecms.desk import organization_names
    from saraban.exchange.receiving import arrivals

    transfers, waiting = inbox(current_user), arrivals(current_user)
    ecms_waiting = ecms_arrivals(current_user)
    page = render_template("routing/inbox.html", transfers=transfers, arrivals=waiting,
                           ecms_arrivals=ecms_waiting,
                           ecms_names=organization_names(m.counterpart_id for m in ecms_waiting),
                           unregistered=set(unregistered_unit_ids(
                               {t.to_unit_id for t in transfers})))
    record_views(current_user, [t.document for t in transfers]
                 + [m.document for m in waiting]
                 + [m.document for m in ecms_waiting], "inbox")  # last: see saraban/pages.py
    return page


@bp.post("/transfers/<int:transfer_id>/accept")
@login_required
def accept(transfer_id: int):
    transfer = run_operation(lambda: accept_transfer(current_user, transfer_id),
                             gettext("ลงรับแล้ว"))
    if transfer is not None and transfer.receipt is None:
        flash(gettext("หน่วยนี้ไม่มีทะเบียนหนังสือรับ จึงรับเรื่องไว้โดยไม่มีเลขรับ"), "info")
    elif transfer is not None:
        if transfer.accepted_at != transfer.receipt.received_at:
            flash(gettext("หน่วยนี้ลงรับหนังสือนี้ไว้แล้ว เลขรับ %(number)s (ไม่ออกเลขใหม่)",
                          number=local_digits(transfer.receipt.number)), "info")
        else:
            flash(gettext("เลขรับ %(number)s", number=local_digits(transfer.receipt.number)),
                  "info")
        return redirect(url_for("documents.show", document_id=transfer.document_id))
    return redirect(url_for("routing.inbox_page"))


@bp.post("/transfers/<int:transfer_id>/return")
@login_required
def give_back(transfer_id: int):
    run_operation(lambda: return_transfer(current_user, transfer_id, request.form.get("reason")),
         gettext("ส่งคืนแล้ว"))
    return _back_to(request.form.get("back"), "routing.inbox_page")


@bp.post("/transfers/<int:transfer_id>/acknowledge")
@login_required
def acknowledge(transfer_id: int):
    run_operation(lambda: acknowledge_return(current_user, transfer_id),
                  gettext("รับทราบการส่งคืนแล้ว"))
    return _back_to(request.form.get("back"), "accounts.home")


def _back_to(back: str | None, default: str):
    """Back to the document page named in the form (``document:<id>``), or ``default``."""
    if back and back.startswith("document:") and back[9:].isdecimal() and len(back) < 20:
        return redirect(url_for("documents.show", document_id=int(back[9:])))
    return redirect(url_for(default))


@bp.post("/transfers/<int:transfer_id>/recall")
@login_required
def recall(transfer_id: int):
    transfer = run_operation(lambda: recall_transfer(current_user, transfer_id),
                             gettext("ดึงหนังสือกลับแล้ว"))
    if transfer is not None:
        return redirect(url_for("documents.show", document_id=transfer.document_id)
                        + "#forward")
    back = request.form.get("document_id", "")
    if back.isdecimal() and len(back) < 10:
        return redirect(url_for("documents.show", document_id=int(back)) + "#forward")
    return redirect(url_for("routing.inbox_page"))


@bp.post("/documents/<int:document_id>/forward")
@login_required
def forward(document_id: int):
    to = [int(v) for v in request.form.getlist("to") if v.isdecimal() and len(v) < 10]
    made = run_operation(lambda: send_transfers(
        current_user, document_id, to, purpose=request.form.get("purpose") or "inform",
        purpose_text=request.form.get("purpose_text"), due_date=request.form.get("due_date"),
        propose=request.form.get("propose") == "1", to_user_id=_user_id(request.form),
        from_unit_id=_acting_unit_id(),
    ), None)
    if made:
        flash(gettext("ส่งถึง %(count)s หน่วยแล้ว", count=local_digits(len(made))), "info")
    return redirect(url_for("documents.show", document_id=document_id) + "#forward")


@bp.post("/documents/<int:document_id>/readers")
@login_required
def name_reader(document_id: int):
    person = run_operation(lambda: name_reader_of(current_user, document_id,
                                                  _user_id(request.form)),
                           None)
    if person is not None:
        flash(gettext("ระบุชื่อแล้ว: %(name)s อ่านหนังสือนี้ได้", name=person.display_name), "info")
    return redirect(url_for("documents.show", document_id=document_id) + "#readers")


def _acting_unit_id() -> int | None:
    from saraban.workspace.operations import acting_unit

    unit = acting_unit(current_user)
    return unit.id if unit is not None else None


def _user_id(form) -> int | None:
    value = (form.get("to_user") or "").strip()
    return int(value) if value.isdecimal() and len(value) < 10 else None


def destination_units() -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).where(Unit.is_active).order_by(Unit.parent_id.nulls_first(), Unit.id)))


@bp.post("/documents/<int:document_id>/certified-copies")
@login_required
def certified_copy(document_id: int):
    form = request.form
    data = {key: form.get(key) for key in ("register_id", "certifier_name", "certifier_position",
                                           "addressee", "purpose", "purpose_text", "due_date",
                                           "endorsement_id")}
    data["to"] = [int(v) for v in form.getlist("to") if v.isdecimal() and len(v) < 10]
    made = run_operation(lambda: issue_certified_copy(current_user, document_id, data))
    if made is None:
        return redirect(url_for("documents.show", document_id=document_id) + "#clerk")
    flash(gettext("ทำสำเนาถูกต้องแล้ว ที่ %(number)s", number=made.copy.number), "info")
    return redirect(url_for("documents.show", document_id=made.copy_id))

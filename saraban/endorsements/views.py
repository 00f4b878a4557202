"""Pages of the commander's desk: what is proposed to him, the endorsement panel of a
document, the tasks his orders became, and the delegations administrators keep."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban import thaidate
from saraban.documents.access import record_views
from saraban.documents.models import Document
from saraban.endorsements.capacity import (
    Capacity,
    capacities_for,
    create_delegation,
    end_delegation,
    list_delegations,
)
from saraban.endorsements.models import Endorsement, EndorsementStatus, Order
from saraban.endorsements.operations import (
    PHRASES,
    circular_text,
    complete_order,
    delete_draft,
    draft_endorsement,
    endorse_and_sign,
    endorsements_of,
    orders_given,
    proposal_to,
    proposals_for,
    sign_endorsement,
    signature_block,
    tasks_for,
    update_draft,
)
from saraban.pages import run_operation
from saraban.permissions import can_administer, is_overdue
from saraban.routing.models import Transfer

bp = Blueprint("endorsements", __name__)

ORDER_ROWS = 3


@dataclass
class Panel:
    """What the document page shows of endorsements, and what the user may do there."""

    endorsements: list[Endorsement]
    proposal: Transfer | None
    capacities: list[Capacity] = field(default_factory=list)
    draft: Endorsement | None = None
    form_key: str = ""
    tasks: list[Order] = field(default_factory=list)
    latest_signed: Endorsement | None = None


def panel_for(user, document: Document) -> Panel:
    endorsements = endorsements_of(user, document)
    signed = [e for e in endorsements if e.status == EndorsementStatus.SIGNED]
    proposal = proposal_to(user, document.id)
    panel = Panel(endorsements=signed, proposal=proposal,
                  latest_signed=signed[-1] if signed else None)
    drafts = [e for e in endorsements if e.status == EndorsementStatus.DRAFT]
    if proposal is not None:
        panel.capacities = capacities_for(user.person, thaidate.today())
        panel.draft = drafts[0] if drafts else None
        panel.form_key = uuid.uuid4().hex
    panel.tasks = tasks_for(user, document_id=document.id)
    return panel


def _form_data() -> dict:
    form = request.form
    lines = [p for p in form.getlist("phrase") if p in PHRASES]
    lines += (form.get("lines") or "").splitlines()
    orders = [{"to_unit": form.get(f"order-{i}-unit"),
               "instruction": form.get(f"order-{i}-instruction"),
               "due_date": form.get(f"order-{i}-due")} for i in range(ORDER_ROWS)]
    return {"lines": lines, "capacity": form.get("capacity") or None,
            "orders": [o for o in orders if any(o.values())]}


def _back(document_id: int, anchor: str = "endorse"):
    return redirect(url_for("documents.show", document_id=document_id) + f"#{anchor}")


@bp.post("/documents/<int:document_id>/endorsements")
@login_required
def endorse(document_id: int):
    data = _form_data()
    key = request.form.get("form_key") or None
    if request.form.get("action") == "sign":
        run_operation(lambda: endorse_and_sign(current_user, document_id, data, key),
                      gettext("ลงนามเกษียนแล้ว"))
    else:
        run_operation(lambda: draft_endorsement(current_user, document_id, data, key),
                      gettext("บันทึกร่างเกษียนแล้ว ยังไม่ได้ลงนาม"))
    return _back(document_id)


@bp.post("/endorsements/<int:endorsement_id>")
@login_required
def change(endorsement_id: int):
    """The draft's form: save it again, sign it, or throw it away."""
    action = request.form.get("action")
    document_id = request.form.get("document_id", "")
    if action == "delete":
        run_operation(lambda: delete_draft(current_user, endorsement_id),
                      gettext("ลบร่างเกษียนแล้ว"))
    elif action == "sign":
        def save_and_sign():
            update_draft(current_user, endorsement_id, _form_data())
            return sign_endorsement(current_user, endorsement_id)
        run_operation(save_and_sign, gettext("ลงนามเกษียนแล้ว"))
    else:
        run_operation(lambda: update_draft(current_user, endorsement_id, _form_data()),
                      gettext("บันทึกร่างเกษียนแล้ว ยังไม่ได้ลงนาม"))
    if document_id.isdecimal() and len(document_id) < 10:
        return _back(int(document_id))
    return redirect(url_for("endorsements.desk"))


@bp.get("/desk")
@login_required
def desk():
    everything = request.args.get("show") == "all"
    proposals = proposals_for(current_user, limit=200, waiting_only=not everything)
    today = thaidate.today()
    given = orders_given(current_user)
    page = render_template("endorsements/desk.html", proposals=proposals, everything=everything,
                           given=given, overdue={o.id for o in given if is_overdue(o, today)})
    record_views(current_user, [p.transfer.document for p in proposals]
                 + [o.endorsement.document for o in given], "desk")  # last: saraban/pages.py
    return page


@bp.get("/tasks")
@login_required
def tasks():
    done = request.args.get("show") == "all"
    today = thaidate.today()
    orders = tasks_for(current_user, include_done=done)
    page = render_template("endorsements/tasks.html", orders=orders, done=done,
                           overdue={o.id for o in orders if is_overdue(o, today)})
    record_views(current_user, [o.endorsement.document for o in orders], "orders")  # last
    return page


@bp.post("/orders/<int:order_id>/complete")
@login_required
def complete(order_id: int):
    made = run_operation(lambda: complete_order(current_user, order_id, request.form.get("note")),
                         gettext("รายงานผลแล้ว"))
    back = request.form.get("back")
    if made is not None and back == "document":
        return _back(made.endorsement.document_id, "endorse")
    return redirect(url_for("endorsements.tasks"))


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def delegations():
    admin = can_administer(current_user)
    if request.method == "POST":
        if not admin:
            abort(403)
        form = request.form
        if form.get("action") == "end":
            run_operation(lambda: end_delegation(current_user, form.get("delegation_id"),
                                                 form.get("end_date")),
                          gettext("กำหนดวันสิ้นสุดแล้ว"))
        else:
            data = {k: form.get(k) for k in ("person_id", "position_id", "kind", "start_date",
                                             "end_date", "authority")}
            run_operation(lambda: create_delegation(current_user, data),
                          gettext("บันทึกคำสั่งให้ทำแทนแล้ว"))
        return redirect(url_for("endorsements.delegations"))
    people = positions = []
    if admin:
        from sqlalchemy import select

        from saraban.extensions import db
        from saraban.units.models import Person, Position

        people = db.session.scalars(select(Person).order_by(Person.first_name)).all()
        positions = db.session.scalars(select(Position).order_by(Position.title)).all()
    return render_template("endorsements/delegations.html", admin=admin,
                           delegations=list_delegations(current_user), people=people,
                           positions=positions, today=thaidate.today())


@bp.get("/documents/<int:document_id>/endorsement-sheet.pdf")
@login_required
def sheet_pdf(document_id: int):
    from saraban.endorsements.printing import endorsement_sheet

    return _pdf(lambda: endorsement_sheet(current_user, document_id),
                f"endorsement-sheet-{document_id}.pdf")


@bp.get("/documents/<int:document_id>/routing-slip.pdf")
@login_required
def slip_pdf(document_id: int):
    from saraban.endorsements.printing import routing_slip

    return _pdf(lambda: routing_slip(current_user, document_id), f"routing-slip-{document_id}.pdf")


def _pdf(make, filename: str):
    from saraban.extensions import db
    from saraban.pdf import pdf_response
    from saraban.validation import OperationError

    try:
        pdf = make()  # writes the printing's verification code (the boundary commits it)
    except OperationError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message_for(), "error")
        return redirect(url_for("endorsements.desk"))
    return pdf_response(pdf, filename)


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(signature_block=signature_block, circular_text=circular_text,
                                 endorsement_phrases=PHRASES, order_rows=ORDER_ROWS)

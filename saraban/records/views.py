"""Pages of the records' life: loans, the yearly destruction list, the National Archives
list, and a document's retention. The rules are in ``saraban.records.retention``,
``destruction`` and ``loans``."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban import thaidate
from saraban.i18n import current_lang, format_date
from saraban.pages import run_operation
from saraban.permissions import can_keep_records, can_see_records
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
from saraban.records.keepers import keeper_units
from saraban.records.loans import (
    active_units,
    find_document_by_number,
    get_loan,
    lend,
    loans_for,
    open_loans_of,
    return_loan,
)
from saraban.records.models import DestructionDecision, DestructionStatus
from saraban.records.retention import (
    archives_candidates,
    retention_text,
    retention_until,
    set_retention,
)
from saraban.validation import OperationError

bp = Blueprint("records", __name__, url_prefix="/records")

LOAN_FIELDS = ("item", "borrower", "borrower_unit", "lent_on", "due_on", "unit", "note")


def _or_abort(read):
    """What ``read`` gives, or the error page its refusal calls for (403, 404)."""
    try:
        return read()
    except OperationError as error:
        abort(error.status if error.status in (403, 404) else 400)


def _keeper_only() -> None:
    if not can_see_records(current_user):
        abort(403)


@bp.get("/")
@login_required
def index():
    _keeper_only()
    loans = loans_for(current_user)
    units = keeper_units(current_user)
    unit = request.args.get("unit", "")
    archive_unit = int(unit) if unit.isdecimal() and len(unit) < 10 else None
    archives = []
    if units:  # one who sees all without keeping records has no archives list of his own
        try:
            archives = archives_candidates(current_user, archive_unit)
        except OperationError as error:
            flash(error.message_for(), "error")
    this_year = thaidate.today().year
    return render_template(
        "records/index.html", overdue=[e for e in loans if e.overdue],
        open_loans=[e for e in loans if not e.overdue], lists=destruction_lists(current_user),
        units=units, archives=archives, archive_unit=archive_unit,
        years=list(range(this_year - 1, this_year - 11, -1)), status_th=_status_names())


@bp.post("/lists")
@login_required
def propose():
    made = run_operation(lambda: propose_destruction_list(
        current_user, request.form.get("unit"), request.form.get("year")),
        gettext("จัดทำบัญชีหนังสือขอทำลายแล้ว เสนอคณะกรรมการพิจารณา"))
    if made is None:
        return redirect(url_for("records.index") + "#lists")
    return redirect(url_for("records.destruction_list", list_id=made.id))


@bp.get("/lists/<int:list_id>")
@login_required
def destruction_list(list_id: int):
    found = _or_abort(lambda: get_destruction_list(current_user, list_id))
    return render_template(
        "records/list.html", dl=found, visible=visible_items(current_user, found),
        lent=open_loans_of(i.document_id for i in found.items),
        status_th=_status_names(), decision_th=_decision_names(), Status=DestructionStatus,
        Decision=DestructionDecision, may_change=can_keep_records(current_user, found.unit_id))


@bp.post("/items/<int:item_id>/decision")
@login_required
def decide(item_id: int):
    form = request.form
    item = run_operation(lambda: decide_item(current_user, item_id, form.get("decision"),
                                             form.get("extend_years"), form.get("note")),
                         gettext("บันทึกผลการพิจารณาแล้ว"))
    list_id = item.list_id if item is not None else form.get("list_id", "")
    if str(list_id).isdecimal() and len(str(list_id)) < 10:
        return redirect(url_for("records.destruction_list", list_id=int(list_id))
                        + f"#item-{item_id}")
    return redirect(url_for("records.index"))


@bp.post("/lists/<int:list_id>/review")
@login_required
def review(list_id: int):
    run_operation(lambda: review_list(current_user, list_id, request.form.get("chair"),
                                      request.form.get("members")),
                  gettext("บันทึกการพิจารณาของคณะกรรมการแล้ว"))
    return redirect(url_for("records.destruction_list", list_id=list_id))


@bp.route("/lists/<int:list_id>/destroy", methods=["GET", "POST"])
@login_required
def destroy(list_id: int):
    """The confirmation step, then the destruction itself."""
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            flash(gettext("กรุณาทำเครื่องหมายยืนยันก่อนทำลาย"), "error")
            return redirect(url_for("records.destroy", list_id=list_id))
        run_operation(lambda: destroy_list(current_user, list_id),
                      gettext("ทำลายหนังสือตามบัญชีแล้ว ทะเบียนและบันทึกการทำลายยังคงอยู่"))
        return redirect(url_for("records.destruction_list", list_id=list_id))
    found = _or_abort(lambda: get_destruction_list(current_user, list_id))
    if found.status != DestructionStatus.REVIEWED or not can_keep_records(current_user,
                                                                          found.unit_id):
        flash(gettext("บัญชีนี้ยังทำลายไม่ได้") if found.status == DestructionStatus.PROPOSED
              else gettext("บัญชีนี้ทำลายไปแล้ว") if found.status == DestructionStatus.DONE
              else gettext("เฉพาะเจ้าหน้าที่สารบรรณของหน่วยนี้จึงทำลายหนังสือได้"), "error")
        return redirect(url_for("records.destruction_list", list_id=list_id))
    return render_template("records/destroy.html", dl=found,
                           visible=visible_items(current_user, found), Decision=DestructionDecision,
                           lent=open_loans_of(i.document_id for i in found.items))


@bp.route("/loans/new", methods=["GET", "POST"])
@login_required
def new_loan():
    _keeper_only()
    source = request.form if request.method == "POST" else request.args
    raw_id = source.get("document_id", "")
    number = (source.get("number") or "").strip()
    values = {k: request.form.get(k, "") for k in LOAN_FIELDS}
    if request.method == "POST":
        def make():
            document_id = (int(raw_id) if raw_id.isdecimal() and len(raw_id) < 10
                           else find_document_by_number(current_user, number))
            return lend(current_user, document_id, values)
        if run_operation(make, gettext("บันทึกการยืมหนังสือแล้ว")) is not None:
            return redirect(url_for("records.index") + "#loans")
    document = None
    if raw_id.isdecimal() and len(raw_id) < 10:
        from saraban.documents.access import visible_document

        document = visible_document(current_user, int(raw_id))
        if document is None:
            abort(404)
    if not values["due_on"] and request.method == "GET":
        values["due_on"] = _thai(thaidate.today() + dt.timedelta(days=7))
    return render_template("records/loan.html", document=document, number=number,
                           values=values, units=keeper_units(current_user),
                           all_units=active_units())


@bp.route("/loans/<int:loan_id>/return", methods=["GET", "POST"])
@login_required
def return_page(loan_id: int):
    if request.method == "POST":
        done = run_operation(lambda: return_loan(current_user, loan_id,
                                                 request.form.get("returned_by"),
                                                 request.form.get("returned_on")),
                             gettext("บันทึกการส่งคืนแล้ว"))
        if done is not None:
            return redirect(url_for("records.index") + "#loans")
    loan = _or_abort(lambda: get_loan(current_user, loan_id))
    return render_template("records/return.html", loan=loan, today=thaidate.today(),
                           returned_by=request.form.get("returned_by", ""))


@bp.route("/documents/<int:document_id>/retention", methods=["GET", "POST"])
@login_required
def retention(document_id: int):
    from saraban.documents.access import record_views, visible_document

    if request.method == "POST":
        keep = request.form.get("keep_forever") == "yes"
        done = run_operation(lambda: set_retention(current_user, document_id,
                                                   request.form.get("years"), keep),
                             gettext("บันทึกอายุการเก็บหนังสือแล้ว"))
        if done is not None:
            return redirect(url_for("documents.show", document_id=document_id))
    document = visible_document(current_user, document_id)
    if document is None:
        abort(404)
    page = render_template("records/retention.html", document=document)
    record_views(current_user, [document], "retention")  # last: see saraban/pages.py
    return page


def _thai(day: dt.date) -> str:
    """The date as the loan form shows it (and reads it back) in the page's language."""
    from saraban.i18n import date_input

    return date_input(day)


def _status_names() -> dict:
    if current_lang() == "th":
        return STATUS_TH
    return {DestructionStatus.PROPOSED: gettext("รอคณะกรรมการพิจารณา"),
            DestructionStatus.REVIEWED: gettext("คณะกรรมการพิจารณาแล้ว รอทำลาย"),
            DestructionStatus.DONE: gettext("ทำลายแล้ว")}


def _decision_names() -> dict:
    if current_lang() == "th":
        return DECISION_TH
    return {DestructionDecision.PENDING: gettext("ยังไม่พิจารณา"),
            DestructionDecision.DESTROY: gettext("อนุมัติให้ทำลาย"),
            DestructionDecision.EXTEND: gettext("ขยายเวลาเก็บ"),
            DestructionDecision.KEEP: gettext("ห้ามทำลาย (เก็บตลอดไป)")}


@bp.app_template_filter("kept_until")
def kept_until_filter(document) -> str:
    """{{ document|kept_until }}: เก็บถึง พ.ศ. ๒๕๗๒, ห้ามทำลาย, or ทำลายแล้วเมื่อ ...
    (in English: Kept until 2029, Never to be destroyed, Destroyed on ...)."""
    if current_lang() == "th":
        return retention_text(document, "thai")
    if document.destroyed_at is not None:
        return gettext("ทำลายแล้วเมื่อ %(date)s", date=format_date(document.destroyed_at))
    until = retention_until(document)
    if until is None:
        return gettext("ห้ามทำลาย")
    return gettext("เก็บถึง พ.ศ. %(year)s", year=until - 543)


@bp.app_template_global("retention_until")
def retention_until_global(document) -> int | None:
    return retention_until(document)

"""Pages of the sending side: a dispatched letter's destinations, each with its channel and
how it stands, the post's tracking number typed or scanned in, and the paper that goes with
it (ใบส่งหนังสือ, envelopes, address labels, the สมุดส่งหนังสือ of a letter or of a day)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban.delivery.models import Channel, Delivery
from saraban.delivery.operations import (
    PAPER_CHANNELS,
    POST_CHANNELS,
    channel_name,
    day_book,
    dispatch_book,
    dispatch_for_clerk,
    envelopes,
    set_tracking,
    slip,
    status_name,
)
from saraban.extensions import db
from saraban.pdf import pdf_response
from saraban.validation import OperationError

bp = Blueprint("delivery", __name__)


@bp.get("/dispatches/<int:dispatch_id>/deliveries")
@login_required
def dispatch_page(dispatch_id: int):
    return _page(dispatch_id)


def _page(dispatch_id: int, *, errors: dict | None = None, typed: dict | None = None,
          status: int = 200):
    from saraban.documents.access import record_views

    try:
        dispatch, deliveries = dispatch_for_clerk(current_user, dispatch_id)
    except OperationError:
        abort(404)
    page = render_template(
        "delivery/dispatch.html", dispatch=dispatch, document=dispatch.document,
        deliveries=deliveries, errors=errors or {}, typed=typed or {},
        channel_name=channel_name, status_name=status_name, post=POST_CHANNELS,
        on_paper=any(d.channel in PAPER_CHANNELS for d in deliveries),
        by_hand=any(d.channel == Channel.HAND for d in deliveries))
    record_views(current_user, [dispatch.document], "deliveries")  # last: see saraban/pages.py
    return page, status


@bp.post("/deliveries/<int:delivery_id>/tracking")
@login_required
def tracking(delivery_id: int):
    """The tracking number typed, or scanned (a barcode scanner types it and presses
    Enter); a wrong one is shown beside its field, as typed, and nothing is saved."""
    typed = request.form.get("tracking", "")
    try:
        delivery = set_tracking(current_user, delivery_id, typed)
        db.session.flush()
    except OperationError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        found = db.session.get(Delivery, delivery_id)
        if found is None:
            abort(404)
        return _page(found.dispatch_id, errors={delivery_id: error.message_for()},
                     typed={delivery_id: typed[:40]}, status=error.status)
    flash(gettext("บันทึกเลขพัสดุ %(tracking)s แล้ว", tracking=delivery.tracking), "info")
    return redirect(url_for("delivery.dispatch_page", dispatch_id=delivery.dispatch_id)
                    + f"#delivery-{delivery.id}")


def _pdf(make, dispatch_id: int | None = None):
    try:
        pdf, name = make()
        db.session.flush()
    except OperationError as error:
        db.session.rollback()
        if error.status in (403, 404) or dispatch_id is None:
            abort(error.status if error.status in (400, 403, 404) else 400)
        flash(error.message_for(), "error")
        return redirect(url_for("delivery.dispatch_page", dispatch_id=dispatch_id))
    return pdf_response(pdf, name)


@bp.get("/dispatches/<int:dispatch_id>/slip.pdf")
@login_required
def slip_page(dispatch_id: int):
    raw = request.args.get("delivery", "")
    one = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    return _pdf(lambda: slip(current_user, dispatch_id, one), dispatch_id)


@bp.get("/dispatches/<int:dispatch_id>/envelope.pdf")
@login_required
def envelope_page(dispatch_id: int):
    return _pdf(lambda: envelopes(current_user, dispatch_id,
                                  request.args.get("size", "dl")), dispatch_id)


@bp.get("/dispatches/<int:dispatch_id>/book.pdf")
@login_required
def dispatch_book_page(dispatch_id: int):
    return _pdf(lambda: dispatch_book(current_user, dispatch_id), dispatch_id)


@bp.get("/deliveries/book")
@login_required
def book_page():
    from saraban import thaidate

    day = request.args.get("date") or thaidate.today().isoformat()
    return _pdf(lambda: day_book(current_user, day[:40]))

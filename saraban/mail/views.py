"""The saraban@ mailbox's arrivals, for the central unit's clerks: each letter that came by
e-mail, sent on to the intake queue to be read, confirmed and registered."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban.intake.operations import accept_arrival
from saraban.mail.receiving import arrivals
from saraban.pages import form_id, run_operation

bp = Blueprint("mail", __name__)


@bp.get("/mail/arrivals")
@login_required
def arrivals_page():
    from saraban.permissions import can_register

    if not can_register(current_user, "receipt"):
        abort(403)
    return render_template("mail/arrivals.html", arrivals=arrivals(current_user))


@bp.post("/mail/arrivals/<int:arrival_id>/intake")
@login_required
def to_intake(arrival_id: int):
    main = form_id(request.form.get("main_file_id"))
    draft = run_operation(lambda: accept_arrival(current_user, arrival_id, main),
                          gettext("ส่งเข้าคิวลงรับแล้ว"))
    if draft is None:
        return redirect(url_for("mail.arrivals_page"))
    return redirect(url_for("intake.show", draft_id=draft.id))

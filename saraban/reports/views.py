"""The pendency report page (หนังสือค้าง และระยะเวลาดำเนินการ) and its CSV."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban import thaidate
from saraban.i18n import current_lang, format_duration
from saraban.permissions import can_read_pendency
from saraban.reports.operations import AGES, duration_th, pendency, pendency_csv
from saraban.validation import OperationError, read_date

bp = Blueprint("reports", __name__, url_prefix="/reports")


def read_period(args) -> tuple[dt.date, dt.date]:
    """date_from and date_to as typed (Thai or ISO); by default the last twelve months."""
    today = thaidate.today()
    end = read_date(args.get("date_to") or None, "date_to", "ถึงวันที่") or today
    start = read_date(args.get("date_from") or None, "date_from", "ตั้งแต่วันที่") or (
        end.replace(day=1) - dt.timedelta(days=334)).replace(day=1)
    return start, end


@bp.get("/pendency")
@login_required
def pendency_page():
    if not can_read_pendency(current_user):
        abort(403)
    try:
        start, end = read_period(request.args)
        rows = pendency(current_user, start, end)
    except OperationError as error:
        flash(error.message_for(), "error")
        start, end = read_period({})
        rows = pendency(current_user, start, end)
    if request.args.get("format") == "csv":
        return Response(pendency_csv(rows), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="pendency-{start}-{end}.csv"'})
    widest = max((r.received for r in rows), default=0) or 1
    return render_template("reports/pendency.html", rows=rows, start=start, end=end,
                           ages=_age_labels(), widest=widest,
                           duration_th=_duration, args=request.args)


def _age_labels() -> list[str]:
    """The columns of waiting documents, as AGES counts them, in the page's language."""
    if current_lang() == "th":
        return [label for _, label in AGES]
    return [gettext("ไม่เกิน ๓ วัน"), gettext("๔–๗ วัน"), gettext("๘–๓๐ วัน"),
            gettext("เกิน ๓๐ วัน")]


def _duration(value: dt.timedelta | None, exact: bool = True) -> str:
    """A measured time; with ``exact`` false, a day-level one ("ประมาณ ๒ วัน")."""
    if current_lang() == "th":
        return duration_th(value, exact)
    return format_duration(value, exact) if value is not None else "–"

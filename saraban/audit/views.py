"""The audit page for administrators, its CSV export, and the chain check."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban.audit.listing import (
    AuditQuery,
    actions_seen,
    audit_csv,
    audit_events,
)
from saraban.extensions import db
from saraban.permissions import can_read_audit, can_verify_audit
from saraban.validation import OperationError

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100


def _page() -> int:
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdecimal() and len(raw) < 7 else 1


@bp.get("/")
@login_required
def index():
    from saraban.audit.chain import anchor_now
    from saraban.units.models import Unit

    if not can_read_audit(current_user):
        abort(403)
    try:
        query = AuditQuery.read(request.args)
    except OperationError as error:
        flash(error.message_for(), "error")
        query = AuditQuery()
    page = _page()
    rows, total = audit_events(current_user, query, limit=PAGE_SIZE,
                               offset=(page - 1) * PAGE_SIZE)
    head, head_id, head_at = anchor_now()
    units = db.session.scalars(db.select(Unit).order_by(Unit.short_name)).all()
    return render_template("audit/index.html", rows=rows, total=total, query=query, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), actions=actions_seen(current_user),
                           units=units, head=head, head_id=head_id, head_at=head_at)


@bp.get("/export.csv")
@login_required
def export():
    if not can_read_audit(current_user):
        abort(403)
    try:
        content = audit_csv(current_user, AuditQuery.read(request.args),
                            bom=request.args.get("bom") != "0")
    except OperationError as error:
        db.session.rollback()
        flash(error.message_for(), "error")
        return redirect(url_for("audit.index", **request.args))
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


@bp.post("/verify")
@login_required
def verify():
    from saraban.audit.chain import verify_chain
    from saraban.i18n import current_lang, local_digits

    if not can_verify_audit(current_user):
        abort(403)
    report = verify_chain()
    if report.ok:
        flash(gettext("สายบันทึกการตรวจสอบสมบูรณ์ (%(n)s เหตุการณ์)",
                      n=local_digits(f"{report.events:,}")), "info")
    else:
        where = local_digits(report.bad_event_id) if report.bad_event_id else gettext("หัวสาย")
        flash(gettext("สายบันทึกการตรวจสอบเสียหายที่เหตุการณ์ %(where)s: %(problem)s",
                      where=where, problem=report.problem_en if current_lang() == "en"
                      else report.problem_th), "error")
    return redirect(url_for("audit.index"))


verify_bp = Blueprint("verify", __name__, url_prefix="/verify")
VERIFY_LIMIT, VERIFY_WINDOW = 20, 60.0  # requests per address per minute


@verify_bp.get("/")
@verify_bp.get("/<code>")
def check(code: str | None = None):
    """Public: anyone holding a printed paper confirms which document and version it is."""
    from saraban.audit.printcodes import KINDS, lookup, normalize, show
    from saraban.ratelimit import allow

    code = code or request.args.get("code")
    if code is None:
        return render_template("audit/verify.html", found=None, asked=None)
    if not allow(f"verify:{request.remote_addr}", VERIFY_LIMIT, VERIFY_WINDOW):
        return render_template("errors/error.html", code=429,
                               message=gettext("ตรวจสอบบ่อยเกินไป กรุณารอสักครู่แล้วลองใหม่")), 429
    found = lookup(code)
    asked = show(normalize(code)) if len(normalize(code)) == 8 else normalize(code)
    status = 200 if found is not None else 404
    return render_template("audit/verify.html", found=found, asked=asked,
                           kind=_kind_name(found.kind, KINDS) if found else None), status


def _kind_name(kind: str, names: dict[str, str]) -> str:
    """What was printed, in the page's language."""
    english = {"stamp": gettext("ตรารับ"), "register": gettext("ทะเบียนหนังสือ"),
               "endorsement_sheet": gettext("ใบเกษียน"), "routing_slip": gettext("ใบปะหน้าเสนอ"),
               "certified_copy": gettext("สำเนาถูกต้อง")}
    return english.get(kind) or names.get(kind, kind)

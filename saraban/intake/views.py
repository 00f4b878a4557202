"""Pages for paper coming in: upload a pile, watch it being read, confirm each letter with
the keyboard and register it, one after another."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from saraban.i18n import local_digits
from saraban.intake import operations as ops
from saraban.intake.models import IntakeStatus
from saraban.pages import form_id, run_operation
from saraban.transaction import commit_early

bp = Blueprint("intake", __name__)

FIELD_LABELS = {"number": "ที่", "date": "ลงวันที่", "subject": "เรื่อง", "addressee": "เรียน",
                "sender": "จาก", "references": "อ้างถึง", "enclosures": "สิ่งที่ส่งมาด้วย"}


def _draft_or_404(draft_id: int):
    try:
        return ops.get_intake(current_user, draft_id)
    except ops.IntakeError:
        abort(404)


def _receipt_registers():
    from saraban.registers.models import RegisterKind
    from saraban.registers.operations import usable_registers

    return [r for r in usable_registers(current_user) if r.kind == RegisterKind.RECEIPT]


@bp.get("/intake")
@login_required
def index():
    if not _receipt_registers():
        abort(403)
    return render_template("intake/index.html", drafts=ops.queue(current_user),
                           ocr_ready=_ocr_ready())


def _ocr_ready() -> bool:
    from saraban.intake import ocr

    return ocr.available()


@bp.post("/intake")
@login_required
def upload():
    files = [(f.filename, f.read()) for f in request.files.getlist("scans") if f]
    batch = run_operation(lambda: ops.accept_scans(
        current_user, files, split=request.form.get("split") == "1"))
    if batch is not None:
        flash(gettext("รับไฟล์แล้ว %(n)s ฉบับ กำลังอ่านด้วยเครื่อง",
                      n=local_digits(len(batch.drafts))), "info")
    return redirect(url_for("intake.index"))


@bp.get("/intake/separator.pdf")
@login_required
def separator():
    """The sheet a clerk puts between letters of a pile scanned as one file."""
    from saraban.intake.layout import separator_sheet_pdf
    from saraban.pdf import pdf_response

    return pdf_response(separator_sheet_pdf(), "separator-sheet.pdf")


@bp.get("/intake/status.json")
@login_required
def status():
    """The queue's reading progress, for the page to show without a reload."""
    return jsonify(items=[{"id": d.id, "status": d.status, "pages": d.pages,
                           "pages_read": d.pages_read} for d in ops.queue(current_user)])


@bp.get("/intake/next")
@login_required
def first():
    drafts = [d for d in ops.queue(current_user)
              if d.status in (IntakeStatus.READY, IntakeStatus.FAILED)]
    if not drafts:
        flash(gettext("ไม่มีหนังสือรอลงรับ"), "info")
        return redirect(url_for("intake.index"))
    return redirect(url_for("intake.show", draft_id=drafts[0].id))


@bp.get("/intake/<int:draft_id>")
@login_required
def show(draft_id: int):
    draft = _draft_or_404(draft_id)
    flagged, earlier = ops.duplicate_shown(current_user, draft)
    return render_template("intake/show.html", draft=draft, labels=FIELD_LABELS,
                           fields=draft.fields or {}, registers=_receipt_registers(),
                           values=request.args, flagged=flagged, earlier=earlier)


@bp.get("/intake/<int:draft_id>/page.png")
@login_required
def page_image(draft_id: int):
    """The first page as the clerk sees it beside the form (100 dpi)."""
    import io

    from flask import send_file

    from saraban.documents.files import read
    from saraban.intake import ocr

    draft = _draft_or_404(draft_id)
    image = ocr.pages_of(read(draft.file), draft.file.media_type, dpi=100, last=1)[0]
    if image.width > 1000:  # an image scan at its own resolution: a screen's worth
        image = image.resize((1000, round(image.height * 1000 / image.width)))
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    out.seek(0)
    response = send_file(out, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/intake/<int:draft_id>/register")
@login_required
def register(draft_id: int):
    draft = _draft_or_404(draft_id)
    form = request.form
    data = {key: form.get(key, "") for key in FIELD_LABELS}
    for level in ("urgency", "secrecy"):
        data[level] = form_id(form.get(level) or "0")
    place = None
    if form.get("stamp_x") and form.get("stamp_y"):
        place = [form["stamp_x"], form["stamp_y"]]
    receipt = run_operation(lambda: ops.register_intake(
        current_user, draft.id, form_id(form.get("register_id")),
        data, form.get("form_key") or None, stamp_place=place,
        confirm_duplicate=form.get("confirm_duplicate") == "1"))
    if receipt is None:
        return redirect(url_for("intake.show", draft_id=draft_id, **{
            k: v for k, v in form.items() if k in FIELD_LABELS}))
    commit_early("the receipt number is given before the scan is stamped and kept")
    run_operation(lambda: ops.keep_scan(current_user, draft.id))
    flash(gettext("ลงรับแล้ว เลขรับ %(number)s", number=local_digits(receipt.number)), "info")
    following = ops.next_after(current_user, draft)
    if following is None:
        return redirect(url_for("intake.index"))
    return redirect(url_for("intake.show", draft_id=following.id))


@bp.post("/intake/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    draft = _draft_or_404(draft_id)
    run_operation(lambda: ops.discard_intake(current_user, draft.id),
                  gettext("ตั้งไว้ต่างหากแล้ว"))
    following = ops.next_after(current_user, draft)
    return redirect(url_for("intake.show", draft_id=following.id) if following
                    else url_for("intake.index"))

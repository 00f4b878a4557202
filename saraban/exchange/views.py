"""The endpoint other agencies' installations post their messages to."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

bp = Blueprint("exchange", __name__, url_prefix="/exchange/v1")
pages = Blueprint("exchange_pages", __name__)
MESSAGES_PER_MINUTE = 600  # per address: an outbox catching up, never a script guessing


@bp.before_request
def _limited():
    """The endpoint answers anyone before a signature is checked: counted per address, in
    the store every worker shares (saraban/ratelimit.py)."""
    from saraban.ratelimit import allow

    if not allow(f"exchange:{request.remote_addr}", MESSAGES_PER_MINUTE, 60.0):
        return jsonify(error={"code": "rate_limited",
                              "message": "Too many requests from this address; retry later.",
                              "message_th": "มีการเรียกจากที่อยู่นี้บ่อยเกินไป กรุณาลองใหม่ภายหลัง"}
                       ), 429, {"Retry-After": "60"}
    return None


@bp.post("/messages")
def messages():
    """A signed message from a peer: answered at once with a signed acknowledgement
    (the same one again for a message seen before), or refused with a reason."""
    from saraban.exchange.peers import ExchangeError
    from saraban.exchange.receiving import receive
    from saraban.extensions import db

    try:
        status, body = receive(request.get_data(cache=False), request.remote_addr)
    except ExchangeError as error:
        db.session.rollback()  # answered, not raised: the boundary would commit the rest
        return jsonify(error={"code": "unavailable", "message": error.message_en,
                              "message_th": error.message_th}), 503
    return jsonify(body), status


@bp.get("/identity")
def identity():
    """This installation's agency code, name and public key, for peers to register."""
    from saraban.exchange.peers import ExchangeError, our_identity

    try:
        us = our_identity()
    except ExchangeError as error:
        return jsonify(error={"message": error.message_en, "message_th": error.message_th}), 404
    return jsonify(code=us.code, name=us.name, public_key=us.public_key)


@pages.post("/documents/<int:document_id>/exchange")
@login_required
def send_page(document_id: int):
    """The clerk's form: queue the document for another agency, through saraban-exchange/1
    (a peer's code) or e-CMS (``ecms:<organisation ID>``, picked from the directory by
    name)."""
    from saraban.pages import run_operation

    to = request.form.get("to")
    if request.form.get("via") == "ecms" or (to or "").strip().lower().startswith("ecms:"):
        from saraban.exchange.ecms.pages import resolve_destination
        from saraban.exchange.ecms.sending import queue_letter

        run_operation(lambda: queue_letter(current_user, document_id, resolve_destination(to)),
                      gettext("บรรจุหนังสือเข้าคิวส่งทาง e-CMS แล้ว ระบบจะส่งถึงระบบ e-CMS "
                              "และแจ้งเลขรับของปลายทางในเส้นทางของหนังสือ"))
        return redirect(url_for("documents.show", document_id=document_id) + "#exchange")
    from saraban.exchange.sending import exchange_document

    run_operation(lambda: exchange_document(current_user, document_id, to),
                  gettext("บรรจุหนังสือเข้าคิวส่งทางระบบแล้ว "
                          "ระบบจะส่งและแจ้งเลขรับของปลายทางในเส้นทางของหนังสือ"))
    return redirect(url_for("documents.show", document_id=document_id) + "#history")


@pages.post("/exchange/ecms/letters/<int:message_id>/withdraw")
@login_required
def ecms_withdraw_page(message_id: int):
    """A letter the receiver rejected or reported wrong: withdraw it at the node, so that
    it can be corrected and sent again (e-CMS takes the same ที่ and date once more only
    after that)."""
    from saraban.exchange.ecms.sending import withdraw_letter
    from saraban.pages import run_operation, safe_next

    row = run_operation(lambda: withdraw_letter(current_user, message_id),
                        gettext("บรรจุคำขอถอนหนังสือเข้าคิวแล้ว เมื่อระบบ e-CMS ถอนหนังสือแล้ว "
                                "จึงส่งหนังสือนี้ใหม่ได้"))
    if row is None:  # refused: back to the page the button was on
        return redirect(safe_next(request.form.get("next")))
    return redirect(url_for("documents.show", document_id=row.document_id) + "#exchange")


@pages.post("/exchange/ecms/arrivals/<int:message_id>")
@login_required
def ecms_decide_page(message_id: int):
    """Accept (register) or refuse (reject, or report invalid) an e-CMS letter that waits
    for a clerk."""
    from saraban.exchange.ecms.worker import accept_pending, refuse_pending
    from saraban.pages import run_operation

    action = request.form.get("action")
    if action == "accept":
        row = run_operation(lambda: accept_pending(current_user, message_id),
                            gettext("ลงรับแล้ว จะแจ้งเลขรับกลับทาง e-CMS"))
        if row is not None:
            from saraban.i18n import local_digits

            flash(gettext("เลขรับ %(number)s", number=local_digits(row.accept_id)), "info")
    else:
        kind = "invalid" if action == "invalid" else "reject"
        run_operation(lambda: refuse_pending(current_user, message_id,
                                             request.form.get("reason"), kind),
                      gettext("แจ้งผู้ส่งทาง e-CMS แล้วว่าหนังสือไม่ถูกต้อง") if kind == "invalid"
                      else gettext("ปฏิเสธหนังสือและแจ้งผู้ส่งทาง e-CMS แล้ว"))
    return redirect(url_for("routing.inbox_page"))


def _ecms_administrators_only():
    from saraban.extensions import login_manager
    from saraban.permissions import can_administer_exchange

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_administer_exchange(current_user):
        return render_template("errors/error.html", code=403, message=gettext(
            "เฉพาะผู้ดูแลระบบของหน่วยงานเท่านั้นที่ตั้งค่า e-CMS ได้")), 403
    return None


@pages.get("/admin/ecms")
def ecms_admin():
    """The administrator's e-CMS page: the node's lists as stored (with their fetch
    time), "sync now", and our levels mapped to the node's codes."""
    from saraban.exchange.ecms.codes import LABELS
    from saraban.exchange.ecms.pages import level_rows, stored_lists

    refused = _ecms_administrators_only()
    if refused is not None:
        return refused
    from flask import current_app

    return render_template("ecms/admin.html", lists=stored_lists(), labels=LABELS,
                           levels=level_rows(),
                           node_url=current_app.config.get("ECMS_NODE_URL"),
                           org_id=current_app.config.get("ECMS_ORG_ID"))


@pages.post("/admin/ecms/sync")
def ecms_sync():
    """Fetch every list from our node now (as ``saraban ecms sync-codes``); nothing changes
    when the node is not set, cannot be reached or refuses."""
    from saraban.exchange.ecms.messages import EcmsError
    from saraban.exchange.ecms.pages import sync_now
    from saraban.extensions import db
    from saraban.i18n import current_lang, local_digits
    from saraban.validation import OperationError

    refused = _ecms_administrators_only()
    if refused is not None:
        return refused
    try:
        report = sync_now()
    except (EcmsError, OperationError) as error:
        db.session.rollback()
        said = error.message_en if current_lang() == "en" else error.message_th
        flash(gettext("ปรับรายการจาก e-CMS ไม่สำเร็จ รายการเดิมยังคงอยู่: %(reason)s",
                      reason=said), "error")
    else:
        flash(gettext("ปรับรายการจาก e-CMS แล้ว: หน่วยงาน %(orgs)s รายการ ชั้นความลับ "
                      "%(secret)s ชั้นความเร็ว %(speed)s ชนิดไฟล์ %(mime)s",
                      **{key: local_digits(report.counts[name]) for key, name in (
                          ("orgs", "organizations"), ("secret", "secret"), ("speed", "speed"),
                          ("mime", "mime"))}), "info")
    return redirect(url_for("exchange_pages.ecms_admin"))


@pages.post("/admin/ecms/map")
def ecms_map():
    """Map one of our secrecy or urgency levels to a code the node lists."""
    from saraban.exchange.ecms.codes import map_level
    from saraban.pages import run_operation

    refused = _ecms_administrators_only()
    if refused is not None:
        return refused
    raw = request.form.get("level", "")
    level = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 1 else -1
    run_operation(lambda: map_level(current_user, request.form.get("kind"), level,
                                    request.form.get("code")),
                  gettext("บันทึกการจับคู่รหัสแล้ว"))
    return redirect(url_for("exchange_pages.ecms_admin") + "#levels")


@pages.post("/exchange/arrivals/<int:row_id>")
@login_required
def decide_page(row_id: int):
    """Accept (register) or reject a letter that arrived from another agency."""
    from saraban.exchange.receiving import accept_arrival, reject_arrival
    from saraban.pages import run_operation

    if request.form.get("action") == "accept":
        run_operation(lambda: accept_arrival(current_user, row_id),
                      gettext("ลงรับแล้ว แจ้งเลขรับกลับแล้ว"))
    else:
        run_operation(lambda: reject_arrival(current_user, row_id, request.form.get("reason")),
                      gettext("ปฏิเสธหนังสือและแจ้งผู้ส่งแล้ว"))
    return redirect(url_for("routing.inbox_page"))

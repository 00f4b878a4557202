"""The endpoint other agencies' installations post their messages to."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, url_for
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
    """The clerk's form: queue the document for another agency's installation."""
    from saraban.exchange.sending import exchange_document
    from saraban.pages import run_operation

    run_operation(lambda: exchange_document(current_user, document_id, request.form.get("to")),
                  gettext("บรรจุหนังสือเข้าคิวส่งทางระบบแล้ว "
                          "ระบบจะส่งและแจ้งเลขรับของปลายทางในเส้นทางของหนังสือ"))
    return redirect(url_for("documents.show", document_id=document_id) + "#history")


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

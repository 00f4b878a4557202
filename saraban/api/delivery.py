"""The sending side in the JSON API: a dispatched letter's destinations with how each
stands, its ใบส่งหนังสือ and envelopes, and the day's สมุดส่งหนังสือ."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import int_arg
from saraban.api.contract import Binary, describe
from saraban.api.schemas import delivery as s
from saraban.delivery import operations as ops
from saraban.pdf import pdf_response


def delivery_state_json(d) -> dict:
    return {"id": d.id, "channel": d.channel, "channel_th": ops.channel_name(d.channel),
            "label": d.label, "address": d.address, "tracking": d.tracking,
            "status": ops.shown_status(d).value, "status_th": ops.status_name(d),
            "outbox_state": getattr(d, "outbox_state", None),
            "sent_at": thaidate.isoformat(d.sent_at),
            "confirmed_at": thaidate.isoformat(getattr(d, "confirmed_at", None)),
            "their_receipt_number": getattr(d, "their_receipt_number", None),
            "failure_reason": getattr(d, "failure_reason", None)}


@bp.get("/dispatches/<int:dispatch_id>/deliveries")
@token_required
@describe("dispatchDeliveries", "A dispatched letter's destinations, each with its channel, "
          "how it stands and its tracking number (clerks of the register's unit who may read "
          "the letter)", answer=s.Deliveries, errors=(404,))
def dispatch_deliveries(dispatch_id: int):
    from saraban.documents.access import record_views

    dispatch, deliveries = ops.dispatch_for_clerk(g.api_user, dispatch_id)
    answer = {"dispatch_id": dispatch.id, "document_id": dispatch.document_id,
              "number": dispatch.number_text, "subject": dispatch.document.subject,
              "items": [delivery_state_json(d) for d in deliveries]}
    record_views(g.api_user, [dispatch.document], "deliveries")
    return jsonify(answer)


@bp.get("/dispatches/<int:dispatch_id>/slip.pdf")
@token_required
@describe("dispatchSlip", "ใบส่งหนังสือ of each delivery by post or by hand (or of the one "
          "named), for the receiver to sign", answer=Binary("application/pdf"),
          query=s.SlipQuery, errors=(400, 404))
def dispatch_slip(dispatch_id: int):
    one = int_arg("delivery", 0, 0, 2**31 - 1) or None
    return pdf_response(*ops.slip(g.api_user, dispatch_id, one))


@bp.get("/dispatches/<int:dispatch_id>/envelope.pdf")
@token_required
@describe("dispatchEnvelope", "Envelopes (DL) or A4 address labels of the deliveries by post "
          "or by hand; a secret letter's carry its secrecy mark, never its subject",
          answer=Binary("application/pdf"), query=s.EnvelopeQuery, errors=(400, 404))
def dispatch_envelope(dispatch_id: int):
    return pdf_response(*ops.envelopes(g.api_user, dispatch_id,
                                       request.args.get("size", "dl")[:10]))


@bp.get("/deliveries/book.pdf")
@token_required
@describe("deliveryBook", "สมุดส่งหนังสือ of a day: the deliveries by hand of the letters "
          "numbered that day in the units the caller keeps (a secret letter's subject not "
          "printed)", answer=Binary("application/pdf"), query=s.BookQuery,
          errors=(400, 403))
def delivery_book():
    day = request.args.get("date") or thaidate.today().isoformat()
    return pdf_response(*ops.day_book(g.api_user, day[:40]))

"""Letters to and from other agencies in the JSON API."""

from __future__ import annotations

from flask import g, jsonify

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import describe
from saraban.api.schemas import exchange as s
from saraban.exchange.models import ExchangeMessage


def message_json(m: ExchangeMessage) -> dict:
    def local(value):
        return thaidate.isoformat(value)

    return {"id": m.id, "message_id": m.message_id, "direction": m.direction.value,
            "kind": m.kind, "peer": m.peer.code, "document_id": m.document_id,
            "status": m.status.value, "attempts": m.attempts, "last_error": m.last_error,
            "delivered_at": local(m.delivered_at), "accept_id": m.accept_id,
            "accepted_at": local(m.accepted_at), "reason": m.reason,
            "created_at": local(m.created_at),
            # an arrival that matches a letter already received (sender, number, date)
            "duplicate_of": None if m.duplicate_of is None else {
                "receipt_id": m.duplicate_of.id, "number": m.duplicate_of.number,
                "year": m.duplicate_of.year,
                "received_at": local(m.duplicate_of.received_at)}}


@bp.post("/documents/<int:document_id>/exchange")
@token_required
@describe("exchangeSend", "Queue a numbered document for another agency's installation (a "
          "signed e-CMS-style letter in the outbox); its history then shows queued, delivered "
          "and accepted with accept_id (the receiver's เลขรับ)", body=s.Send, answer=s.Message,
          status=201, errors=(400, 403, 404, 409))
def exchange_send(document_id: int):
    from saraban.exchange.sending import exchange_document

    row = exchange_document(g.api_user, document_id, read_body(s.Send).get("to"))
    return jsonify(message_json(row)), 201


@bp.post("/exchange/messages/<int:row_id>/resend")
@token_required
@describe("exchangeResend", "Withdraw a rejected or failed letter and send it again as a "
          "new message", answer=s.Message, status=201, errors=(403, 404, 409))
def exchange_resend(row_id: int):
    from saraban.exchange.sending import resend

    row = resend(g.api_user, row_id)
    return jsonify(message_json(row)), 201


@bp.get("/exchange/arrivals")
@token_required
@describe("exchangeArrivals", "Letters from other agencies waiting for a clerk (when not "
          "registered automatically); a classified one only for the cleared clerks it is named "
          "to", answer=s.Messages)
def exchange_arrivals():
    from saraban.exchange.receiving import arrivals

    return jsonify(items=[message_json(m) for m in arrivals(g.api_user)])


@bp.post("/exchange/arrivals/<int:row_id>/accept")
@token_required
@describe("exchangeAccept", "Register an arrived letter; the sender gets an accept notice "
          "with the เลขรับ (AcceptID)", body=s.AcceptArrival, body_required=False,
          answer=s.Message, errors=(400, 403, 404, 409))
def exchange_accept(row_id: int):
    from saraban.exchange.receiving import accept_arrival

    register_id = read_body(s.AcceptArrival, optional=True).get("register_id")
    row = accept_arrival(g.api_user, row_id, register_id)
    return jsonify(message_json(row))


@bp.post("/exchange/arrivals/<int:row_id>/reject")
@token_required
@describe("exchangeReject", "Refuse an arrived letter with a reason (\"invalid\": true for an "
          "invalid letter); the sender is told", body=s.Reject, answer=s.Message,
          errors=(400, 403, 404, 409))
def exchange_reject(row_id: int):
    from saraban.exchange.receiving import reject_arrival

    data = read_body(s.Reject)
    row = reject_arrival(g.api_user, row_id, data.get("reason"),
                         "invalid" if data.get("invalid") is True else "reject")
    return jsonify(message_json(row))

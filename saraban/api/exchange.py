"""Letters to and from other agencies in the JSON API."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api import bp, token_required
from saraban.api.registers import _json_body
from saraban.exchange.models import ExchangeMessage
from saraban.extensions import db


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
def exchange_send(document_id: int):
    from saraban.exchange.sending import exchange_document

    row = exchange_document(g.api_user, document_id, _json_body().get("to"))
    db.session.commit()
    return jsonify(message_json(row)), 201


@bp.post("/exchange/messages/<int:row_id>/resend")
@token_required
def exchange_resend(row_id: int):
    from saraban.exchange.sending import resend

    row = resend(g.api_user, row_id)
    db.session.commit()
    return jsonify(message_json(row)), 201


@bp.get("/exchange/arrivals")
@token_required
def exchange_arrivals():
    from saraban.exchange.receiving import arrivals

    return jsonify(items=[message_json(m) for m in arrivals(g.api_user)])


@bp.post("/exchange/arrivals/<int:row_id>/accept")
@token_required
def exchange_accept(row_id: int):
    from saraban.exchange.receiving import accept_arrival

    register_id = _json_body().get("register_id") if request.data else None
    row = accept_arrival(g.api_user, row_id, register_id)
    db.session.commit()
    return jsonify(message_json(row))


@bp.post("/exchange/arrivals/<int:row_id>/reject")
@token_required
def exchange_reject(row_id: int):
    from saraban.exchange.receiving import reject_arrival

    data = _json_body()
    row = reject_arrival(g.api_user, row_id, data.get("reason"),
                         "invalid" if data.get("invalid") is True else "reject")
    db.session.commit()
    return jsonify(message_json(row))

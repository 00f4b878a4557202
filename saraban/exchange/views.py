"""The endpoint other agencies' installations post their messages to."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

bp = Blueprint("exchange", __name__, url_prefix="/exchange/v1")


@bp.post("/messages")
def messages():
    """A signed message from a peer: answered at once with a signed acknowledgement
    (the same one again for a message seen before), or refused with a reason."""
    from saraban.exchange.operations import ExchangeError, receive

    try:
        status, body = receive(request.get_data(cache=False), request.remote_addr)
    except ExchangeError as error:
        return jsonify(error={"code": "unavailable", "message": error.message_en,
                              "message_th": error.message_th}), 503
    return jsonify(body), status


@bp.get("/identity")
def identity():
    """This installation's agency code, name and public key, for peers to register."""
    from saraban.exchange.operations import ExchangeError, our_identity

    try:
        us = our_identity()
    except ExchangeError as error:
        return jsonify(error={"message": error.message_en, "message_th": error.message_th}), 404
    return jsonify(code=us.code, name=us.name, public_key=us.public_key)

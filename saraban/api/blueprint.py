"""The API's blueprint and its bearer-token gate: the leaf every handler module imports.

The handler modules import ``bp`` from here and never from ``saraban.api`` itself, so
that the package's ``__init__`` can import them without being imported back (the cycle
the blueprint living in ``__init__`` made)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from saraban.accounts.operations import user_for_token
from saraban.api.errors import register as register_errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_errors(bp)  # the one error contract: saraban/api/errors.py


def token_required(view):
    """The caller's user from ``Authorization: Bearer <token>`` in ``g.api_user``; a 401
    in both languages without one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            response = jsonify(
                error={
                    "status": 401,
                    "message": "A valid bearer token is required.",
                    "message_th": "ต้องใช้โทเค็นที่ถูกต้อง (Authorization: Bearer ...)",
                }
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="saraban"'
            return response, 401
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response

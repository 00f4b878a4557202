"""The JSON API under /api/v1, authenticated with bearer tokens."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from saraban.accounts.operations import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, status: int, message: str, message_th: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.message_th, self.field = (
            status, message, message_th, field
        )


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body = {"status": error.status, "message": error.message, "message_th": error.message_th}
    if error.field:
        body["field"] = error.field
    return jsonify(error=body), error.status


def token_required(view):
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


from saraban.api import (  # noqa: E402,F401
    admin,
    audit,
    documents,
    endorsements,
    exchange,
    openapi,
    records,
    registers,
    reports,
    routing,
)

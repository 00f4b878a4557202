"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json: generated from
the handlers' contracts and the models (saraban/api/contract.py), once per application."""

from __future__ import annotations

from flask import current_app, jsonify

from saraban.api.blueprint import bp
from saraban.api.contract import openapi_document


def spec() -> dict:
    """The description of the current application's API (built on first use)."""
    cached = current_app.extensions.get("saraban.openapi")
    if cached is None:
        cached = current_app.extensions["saraban.openapi"] = openapi_document(current_app)
    return cached


def standalone_spec() -> dict:
    """The description without an application of Saraban's (no database, no settings): the
    blueprint's routes on a bare Flask app. For the tests' parametrisation and for tools."""
    from flask import Flask

    from saraban.api import routes

    app = Flask("saraban-openapi")
    app.register_blueprint(routes())
    return openapi_document(app)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(spec())

"""The JSON API under /api/v1, authenticated with bearer tokens: a versioned contract with
its own tokens, errors (errors.py) and OpenAPI description, generated from its models
(schemas/, contract.py).

The blueprint lives in blueprint.py; each handler module puts its routes on it and never
imports this package back. :func:`routes` imports them all when the application is built,
so that importing any one module of the API imports no other handler."""

from __future__ import annotations


def routes():
    """The API's blueprint with every handler's routes on it."""
    from saraban.api import (  # noqa: F401 - importing them puts their routes on bp
        admin,
        audit,
        delivery,
        documents,
        drafts,
        endorsements,
        exchange,
        intake,
        openapi,
        records,
        registers,
        reports,
        routing,
    )
    from saraban.api.blueprint import bp

    return bp

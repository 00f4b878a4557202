"""The JSON API under /api/v1, authenticated with bearer tokens: a versioned contract with
its own tokens, errors (errors.py) and OpenAPI description, generated from its models
(schemas/, contract.py).

The blueprint lives in blueprint.py; the handler modules below put their routes on it and
never import this package back, so importing them here makes no cycle."""

from __future__ import annotations

from saraban.api import (  # noqa: F401 - their routes, on bp
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
from saraban.api.blueprint import bp

__all__ = ["bp"]

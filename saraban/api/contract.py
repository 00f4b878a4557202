"""The API's contract: each handler says, beside its route, which models its body, its
query string and its answer are; the OpenAPI description is generated from that.

A small registry over pydantic's ``model_json_schema`` rather than spectree or
flask-openapi3: the blueprints and their routes stay as they are, the models are only
pydantic (no second validation framework that answers refusals in its own shape), and
the bilingual error contract stays ours (saraban/api/errors.py). Every route of the
blueprint must be described: :func:`openapi_document` refuses to build otherwise."""

from __future__ import annotations

import dataclasses
import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from saraban import __version__

ERROR_TEXTS = {400: "Bad input", 401: "No valid token", 403: "Not allowed",
               404: "Not found or not visible", 409: "Conflicts with what is recorded",
               413: "Too large", 415: "Not a PDF, PNG, JPEG or TIFF (judged by content)",
               503: "Database busy; nothing saved, retry"}


@dataclasses.dataclass(frozen=True)
class Binary:
    """An answer that is a file, not JSON (a PDF, a CSV, a stored scan)."""

    media_type: str
    description: str = "The file"


@dataclasses.dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    answer: type[BaseModel] | Binary | None
    status: int
    body: type[BaseModel] | None
    body_required: bool
    multipart: bool
    query: type[BaseModel] | None
    errors: tuple[int, ...]


def describe(operation_id: str, summary: str, *, answer=None, status: int = 200,
             body: type[BaseModel] | None = None, body_required: bool = True,
             multipart: bool = False, query: type[BaseModel] | None = None,
             errors: tuple[int, ...] = ()):
    """Mark a handler with its part of the contract (401 is always among its answers)."""
    operation = Operation(operation_id, summary, answer, status, body, body_required,
                          multipart, query, tuple(sorted({401, *errors})))

    def mark(view):
        view.api_operation = operation
        return view

    return mark


_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _operations(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api.") or rule.rule.endswith("/openapi.json"):
            continue
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "api_operation", None)
        if operation is None:
            raise LookupError(f"{rule.rule} has no contract (saraban.api.contract.describe)")
        path = _ARG.sub(r"{\2}", rule.rule.removeprefix("/api/v1"))
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1} if conv == "int"
                   else {"type": "string"}} for conv, name in _ARG.findall(rule.rule)]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), params, operation


def _query_parameters(model: type[BaseModel], schema: dict) -> list[dict]:
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        prop.pop("default", None)
        branches = prop.pop("anyOf", None)
        if branches is not None:  # Optional[...]: a parameter left out, never a null
            (branch,) = [b for b in branches if b != {"type": "null"}]
            prop.update(branch)
        param = {"name": name, "in": "query", "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def openapi_document(app: Flask) -> dict:
    """The OpenAPI 3.1 description of every route of the API, from its models."""
    from saraban.api.schemas.common import ErrorAnswer

    found = list(_operations(app))
    models: dict[tuple[type[BaseModel], str], None] = {(ErrorAnswer, "serialization"): None}
    for *_, op in found:
        if isinstance(op.answer, type):
            models[(op.answer, "serialization")] = None
        if op.body is not None:
            models[(op.body, "validation")] = None
    keys, defs = models_json_schema(list(models), ref_template="#/components/schemas/{model}")
    components = defs.get("$defs", {})
    error_ref = keys[(ErrorAnswer, "serialization")]

    paths: dict[str, dict] = {}
    for path, method, params, op in found:
        entry: dict = {"operationId": op.operation_id, "summary": op.summary}
        parameters = list(params)
        if op.query is not None:
            parameters += _query_parameters(op.query, op.query.model_json_schema())
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            media = "multipart/form-data" if op.multipart else "application/json"
            entry["requestBody"] = {"required": op.body_required, "content": {
                media: {"schema": keys[(op.body, "validation")]}}}
        if op.answer is None:
            ok = {"description": "Done"}
        elif isinstance(op.answer, Binary):
            ok = {"description": op.answer.description, "content": {
                op.answer.media_type: {"schema": {"type": "string", "format": "binary"}}}}
        else:
            ok = {"description": "OK", "content": {"application/json": {
                "schema": keys[(op.answer, "serialization")]}}}
        responses = {str(op.status): ok}
        for code in op.errors:
            responses[str(code)] = {"description": ERROR_TEXTS[code], "content": {
                "application/json": {"schema": error_ref}}}
        entry["responses"] = responses
        paths.setdefault(path, {})[method] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Saraban API",
            "version": __version__,
            "description": "ระบบสารบรรณอิเล็กทรอนิกส์ — documents, registers and routing "
            "history. Send 'Authorization: Bearer <token>' (create one with `saraban "
            "create-token USER`). Every date-time in an answer is ISO 8601 in Bangkok time "
            "with its offset (2019-12-02T06:30:00+07:00); a date alone (YYYY-MM-DD, Common "
            "Era) is the date in Bangkok. Every refusal is {\"error\": {status, message, "
            "message_th, field}}. Generated from the API's pydantic models "
            "(saraban/api/schemas/).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

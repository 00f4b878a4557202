"""OpenAPI paths of the records' life (merged into the API description)."""

from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON = "application/json"
_TEXTS = {400: "Bad input", 401: "No valid token", 403: "Not allowed",
          404: "Not found or not visible", 409: "Conflicts with what is recorded",
          503: "Database busy; nothing saved, retry"}


def _responses(ok: dict, *codes: int, success: int = 200) -> dict:
    out = {str(success): {"description": "OK", "content": {_JSON: {"schema": ok}}}}
    for code in codes:
        out[str(code)] = {"description": _TEXTS[code], "content": {_JSON: {"schema": _ERROR}}}
    return out


def _body(schema: dict) -> dict:
    return {"required": True, "content": {_JSON: {"schema": schema}}}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}


def _items(schema: dict) -> dict:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


_DATE = {"type": "string", "description": "YYYY-MM-DD, or a Thai date such as ๑ ธ.ค. ๒๕๖๙"}
_RETENTION = {"type": "object", "properties": {
    "document_id": {"type": "integer"},
    "retention_years": {"type": ["integer", "null"],
                        "description": "Years from the end of the document's year; null: 10"},
    "keep_forever": {"type": "boolean", "description": "ห้ามทำลาย"},
    "until_be": {"type": ["integer", "null"],
                 "description": "Buddhist-era year through whose end it is kept"},
    "text": {"type": "string", "description": "เก็บถึง พ.ศ. ..., ห้ามทำลาย, or ทำลายแล้วเมื่อ ..."},
    "destroyed_at": {"type": ["string", "null"], "format": "date-time"}}}
_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "integer"},
    "decision": {"enum": ["pending", "destroy", "extend", "keep"]},
    "decision_th": {"type": "string"}, "extend_years": {"type": ["integer", "null"]},
    "note": {"type": ["string", "null"]},
    "destroyed_at": {"type": ["string", "null"], "format": "date-time"},
    "document": {"type": ["object", "null"],
                 "description": "null when the caller may not read the document"}}}
_LIST_FIELDS = {
    "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit": {"type": "string"},
    "year": {"type": "integer", "description": "CE year whose end the list looks at"},
    "year_be": {"type": "integer"},
    "status": {"enum": ["proposed", "reviewed", "done"]}, "status_th": {"type": "string"},
    "late": {"type": "boolean",
             "description": "Proposed more than 60 days after the end of the year"},
    "proposed_at": {"type": "string", "format": "date-time"},
    "chair": {"type": ["string", "null"]},
    "members": {"type": "array", "items": {"type": "string"}},
    "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
    "destroyed_at": {"type": ["string", "null"], "format": "date-time"}}
_LIST = {"type": "object", "properties": {
    **_LIST_FIELDS, "items": {"type": "array", "items": _ITEM}}}
_LIST_SUMMARY = {"type": "object", "properties": {
    **_LIST_FIELDS, "items": {"type": "integer", "description": "Number of items"},
    "pending": {"type": "integer", "description": "Items not decided yet"}}}
_LOAN = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "integer"},
    "number": {"type": ["string", "null"]}, "subject": {"type": "string"},
    "unit_id": {"type": "integer"}, "unit": {"type": "string"}, "item": {"type": "string"},
    "borrower": {"type": "string"}, "borrower_unit_id": {"type": ["integer", "null"]},
    "lent_on": {"type": "string", "format": "date"},
    "due_on": {"type": "string", "format": "date"},
    "returned_on": {"type": ["string", "null"], "format": "date"},
    "returned_by": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]},
    "overdue": {"type": "boolean", "description": "Not back and due before today (Bangkok)"}}}
_ARCHIVE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "number": {"type": ["string", "null"]},
    "date": {"type": ["string", "null"], "format": "date"}, "subject": {"type": "string"},
    "origin_unit": {"type": ["string", "null"]}, "until_be": {"type": ["integer", "null"]},
    "keep_forever": {"type": "boolean"}, "text": {"type": "string"}}}
_LIST_ID = _path_id("list_id")

RECORDS_PATHS: dict = {
    "/documents/{document_id}/retention": {"put": {
        "operationId": "setRetention", "parameters": [_path_id("document_id")],
        "summary": "How long a document is kept: {\"years\": n} from the end of its year, "
        "{\"keep_forever\": true} (ห้ามทำลาย), or {\"years\": null} for the default 10; "
        "clerks and administrators of a unit that made or received it",
        "requestBody": _body({"type": "object", "properties": {
            "years": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
            "keep_forever": {"type": "boolean"}}}),
        "responses": _responses(_RETENTION, 400, 401, 403, 404, 409, 503)}},
    "/destruction-lists": {
        "get": {"operationId": "destructionLists",
                "summary": "บัญชีหนังสือขอทำลาย of the units whose records the caller keeps, "
                "newest year first",
                "parameters": [{"name": "unit", "in": "query",
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": _responses(_items(_LIST_SUMMARY), 400, 401)},
        "post": {"operationId": "proposeDestructionList",
                 "summary": "List the unit's documents whose retention ended by the end of "
                 "'year' (CE or BE), except those kept for ever or destroyed; one list per "
                 "unit and year (409 on a second); marked late after 60 days",
                 "requestBody": _body({"type": "object", "required": ["unit", "year"],
                                       "properties": {"unit": {"type": "integer"},
                                                      "year": {"type": "integer"}}}),
                 "responses": _responses(_LIST, 400, 401, 403, 404, 409, 503, success=201)}},
    "/destruction-lists/{list_id}": {"get": {
        "operationId": "destructionList", "parameters": [_LIST_ID],
        "summary": "One list with its items; an item's document is null when the caller may "
        "not read it",
        "responses": _responses(_LIST, 401, 404)}},
    "/destruction-items/{item_id}/decision": {"post": {
        "operationId": "decideDestructionItem", "parameters": [_path_id("item_id")],
        "summary": "The committee's decision on one item, while the list is not reviewed",
        "requestBody": _body({"type": "object", "required": ["decision"], "properties": {
            "decision": {"enum": ["destroy", "extend", "keep"]},
            "extend_years": {"type": "integer", "minimum": 1, "maximum": 100,
                             "description": "Required with 'extend'"},
            "note": {"type": "string", "maxLength": 2000}}}),
        "responses": _responses(_ITEM, 400, 401, 403, 404, 409, 503)}},
    "/destruction-lists/{list_id}/review": {"post": {
        "operationId": "reviewDestructionList", "parameters": [_LIST_ID],
        "summary": "Record the committee (a chair and at least two members); every item must "
        "be decided",
        "requestBody": _body({"type": "object", "required": ["chair", "members"],
                              "properties": {"chair": {"type": "string", "maxLength": 255},
                                             "members": {"type": "array", "minItems": 2,
                                                         "items": {"type": "string"}}}}),
        "responses": _responses(_LIST, 400, 401, 403, 404, 409, 503)}},
    "/destruction-lists/{list_id}/destroy": {"post": {
        "operationId": "destroyDestructionList", "parameters": [_LIST_ID],
        "summary": "Carry out a reviewed list: approved documents lose their files (the "
        "stored bytes too when no other document uses them) and are marked destroyed; "
        "the document rows, register lines and audit record stay. Extended items are kept "
        "longer, kept ones for ever. A document still lent out answers 409",
        "responses": _responses(_LIST, 401, 403, 404, 409, 503)}},
    "/loans": {
        "get": {"operationId": "loans",
                "summary": "บัตรยืมหนังสือ of the caller's units: overdue first, then open "
                "ones by due date; all=1 adds those returned",
                "parameters": [{"name": "all", "in": "query", "schema": {"enum": ["1", "0"]}}],
                "responses": _responses(_items(_LOAN), 401)},
        "post": {"operationId": "lend",
                 "summary": "Lend a paper original; one open loan per document (409), never "
                 "a destroyed one",
                 "requestBody": _body({"type": "object",
                                       "required": ["document_id", "item", "borrower", "due_on"],
                                       "properties": {
                                           "document_id": {"type": "integer"},
                                           "item": {"type": "string", "maxLength": 2000},
                                           "borrower": {"type": "string", "maxLength": 255},
                                           "borrower_unit": {"type": "integer"},
                                           "lent_on": {**_DATE, "description":
                                                       "Default today; " + _DATE["description"]},
                                           "due_on": _DATE,
                                           "unit": {"type": "integer", "description":
                                                    "The lending unit, when the caller keeps "
                                                    "records for several"},
                                           "note": {"type": "string", "maxLength": 2000}}}),
                 "responses": _responses(_LOAN, 400, 401, 403, 404, 409, 503, success=201)}},
    "/loans/{loan_id}/return": {"post": {
        "operationId": "returnLoan", "parameters": [_path_id("loan_id")],
        "summary": "The original came back: who brought it and when (default today)",
        "requestBody": _body({"type": "object", "required": ["returned_by"], "properties": {
            "returned_by": {"type": "string", "maxLength": 255}, "returned_on": _DATE}}),
        "responses": _responses(_LOAN, 400, 401, 403, 404, 409, 503)}},
    "/archives-candidates": {"get": {
        "operationId": "archivesCandidates",
        "summary": "Documents more than 20 years old, for transfer to the National Archives, "
        "of one unit or of every unit whose records the caller keeps; oldest first",
        "parameters": [{"name": "unit", "in": "query",
                        "schema": {"type": "integer", "minimum": 1}}],
        "responses": _responses(_items(_ARCHIVE), 400, 401, 403)}},
}

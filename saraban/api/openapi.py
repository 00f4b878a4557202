"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

from flask import jsonify

from saraban import __version__
from saraban.api import bp
from saraban.api.openapi_admin import ADMIN_PATHS
from saraban.api.openapi_records import RECORDS_PATHS

_ERROR = {"$ref": "#/components/schemas/Error"}


def _responses(ok: dict, *codes: int, success: int = 200) -> dict:
    texts = {400: "Bad input", 401: "No valid token", 403: "Not allowed",
             404: "Not found or not visible", 409: "Conflicts with what is registered",
             413: "Too large", 415: "Not a PDF, PNG, JPEG or TIFF (judged by content)",
             503: "Database busy; nothing saved, retry"}
    out = {str(success): {"description": "OK",
                          "content": {"application/json": {"schema": ok}}}}
    for code in codes:
        out[str(code)] = {
            "description": texts[code],
            "content": {"application/json": {"schema": _ERROR}},
        }
    return out


_READERS = {"type": "object", "properties": {
    "secrecy": {"type": "integer"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "user_id": {"type": "integer"}, "name": {"type": "string"},
        "named_at": {"type": "string", "format": "date-time"}}}}}}
_ID = {"name": "document_id", "in": "path", "required": True,
       "schema": {"type": "integer", "minimum": 1}}

_JSON_BODY = "application/json"
_RECEIPT = {"$ref": "#/components/schemas/Receipt"}
_REGISTER_ID = {"name": "register_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}

_DISPATCH = {"type": "object", "properties": {
    "id": {"type": "integer"}, "register_id": {"type": "integer"},
    "document_id": {"type": "integer"}, "year": {"type": "integer"},
    "number": {"type": "integer"}, "number_text": {"type": "string"},
    "dispatched_at": {"type": "string", "format": "date-time"},
    "to": {"type": ["string", "null"]}, "status": {"enum": ["active", "cancelled"]},
    "mode": {"enum": ["live", "historic"]}}}
_PERIOD = [
    {"name": "year", "in": "query", "description": "Calendar year (CE); default this year",
     "schema": {"type": "integer", "minimum": 1900, "maximum": 2200}},
    {"name": "month", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 12}},
    {"name": "day", "in": "query", "description": "With a month only",
     "schema": {"type": "integer", "minimum": 1, "maximum": 31}},
]
_LINE = {"type": "object", "description": "The register's columns as printed, in Thai",
         "properties": {name: {"type": "string"} for name in (
             "number", "doc_number", "doc_date", "sender", "addressee", "subject", "action",
             "remarks")}}

_TRANSFER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "integer"},
    "kind": {"type": "string"}, "purpose": {"type": "string"},
    "from_unit_id": {"type": ["integer", "null"]}, "to_unit_id": {"type": ["integer", "null"]},
    "status": {"enum": ["sent", "opened", "accepted", "returned", "recalled"]},
    "sent_at": {"type": ["string", "null"], "format": "date-time"},
    "accepted_at": {"type": ["string", "null"], "format": "date-time"},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "return_reason": {"type": ["string", "null"]},
    "returned_at": {"type": ["string", "null"], "format": "date-time"},
    "recalled_at": {"type": ["string", "null"], "format": "date-time"},
    "return_seen_at": {"type": ["string", "null"], "format": "date-time"}}}
_TRANSFERS = {"type": "object", "properties": {"items": {"type": "array", "items": _TRANSFER}}}
_TRANSFER_ID = {"name": "transfer_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Saraban API",
        "version": __version__,
        "description": "ระบบสารบรรณอิเล็กทรอนิกส์ — documents, registers and routing history. "
        "Send 'Authorization: Bearer <token>' (create one with `saraban create-token USER`). "
        "Every date-time in an answer is ISO 8601 in Bangkok time with its offset "
        "(2019-12-02T06:30:00+07:00); a date alone (YYYY-MM-DD, Common Era) is the date in "
        "Bangkok.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/documents": {
            "get": {
                "operationId": "listDocuments",
                "summary": "Documents the caller may see, newest first; find by number, or "
                "search any Thai substring of number, subject, body, sender, addressee, "
                "references, endorsements and receipt numbers",
                "parameters": [
                    {"name": "number", "in": "query", "schema": {"type": "string",
                     "maxLength": 120},
                     "description": "Document number in Thai or Arabic digits (exact, or part)"},
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                     "description": "Words or part of a word, Thai or Arabic digits alike"},
                    {"name": "date_from", "in": "query", "schema": {"type": "string"},
                     "description": "The document's date from (Thai or ISO)"},
                    {"name": "date_to", "in": "query", "schema": {"type": "string"}},
                    {"name": "kind", "in": "query", "schema": {"enum": [
                        "external", "internal", "stamped", "directive", "publicity",
                        "evidence"]}},
                    {"name": "urgency", "in": "query", "schema": {"enum": ["0", "1", "2", "3"]}},
                    {"name": "unit", "in": "query", "schema": {"type": "integer", "minimum": 1},
                     "description": "Documents of this unit"},
                    {"name": "passed_through", "in": "query",
                     "schema": {"type": "integer", "minimum": 1},
                     "description": "Documents made, received, sent or forwarded by this unit"},
                    {"name": "status", "in": "query", "schema": {"enum": [
                        "draft", "registered", "in_progress", "closed", "cancelled"]}},
                    {"name": "secrecy", "in": "query", "schema": {"enum": ["0", "1", "2", "3"]}},
                    {"name": "register", "in": "query",
                     "schema": {"type": "integer", "minimum": 1},
                     "description": "Entered in this receipt or dispatch register"},
                    {"name": "year", "in": "query", "schema": {"type": "integer"},
                     "description": "With register: of that year (BE or CE)"},
                    {"name": "page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                    {"name": "per_page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                ],
                "responses": _responses(
                    {"type": "object", "required": ["items", "total"], "properties": {
                        "items": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/Document"}},
                        "total": {"type": "integer", "description":
                                  "a search counts up to 1,000; see 'more'"},
                        "more": {"type": "boolean", "description":
                                 "the search found more than 'total'"},
                        "page": {"type": "integer"}}},
                    400, 401,
                ),
            },
            "post": {
                "operationId": "createDocument",
                "summary": "Enter a received or drafted document (not yet registered)",
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["date", "subject", "sender"],
                    "properties": {
                        "number": {"type": "string", "maxLength": 120},
                        "date": {"type": "string", "description":
                                 "YYYY-MM-DD, or a Thai date such as ๒๐ พ.ย. ๒๕๖๙"},
                        "subject": {"type": "string", "maxLength": 2000},
                        "sender": {"type": "string", "maxLength": 500},
                        "addressee": {"type": "string", "maxLength": 1000},
                        "body": {"type": "string", "maxLength": 200000},
                        "kind": {"enum": ["external", "internal", "stamped", "directive",
                                          "publicity", "evidence"]},
                        "urgency": {"type": ["integer", "string"],
                                    "description": "0-3 or normal, urgent, very_urgent, "
                                    "most_urgent"},
                        "secrecy": {"type": ["integer", "string"],
                                    "description": "0-3 or normal, confidential, secret, "
                                    "top_secret"}}}}}},
                "responses": _responses({"type": "object", "properties": {
                    "id": {"type": "integer"}, "number": {"type": ["string", "null"]},
                    "date": {"type": "string", "format": "date"}}},
                    400, 401, 403, 503, success=201),
            },
        },
        "/registers": {
            "get": {
                "operationId": "listRegisters",
                "summary": "The registers the caller may write in",
                "responses": _responses({"type": "object", "properties": {"items": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "unit": {"type": "string"},
                        "kind": {"enum": ["receipt", "dispatch"]}, "code": {"type": "string"},
                        "name": {"type": "string"}, "secret": {"type": "boolean"}}}}}}, 401),
            }
        },
        "/registers/{register_id}/receipts": {
            "post": {
                "operationId": "registerReceipt",
                "summary": "Enter a document in a receipt register with the next number; "
                "or, with `number` and `date`, enter a paper stamp with its original number "
                "(refused when the number is taken; flagged when dated before the document)",
                "parameters": [_REGISTER_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["document_id"], "properties": {
                        "document_id": {"type": "integer", "minimum": 1},
                        "number": {"type": ["integer", "string"], "description":
                                   "A historic stamp's number (Thai digits allowed)"},
                        "date": {"type": "string", "description":
                                 "The stamp's date as written (๒๕ พ.ย. ๖๒) or ISO"},
                        "time": {"type": "string", "description":
                                 "The stamp's time (๑๑.๒๕ น.); leave out when illegible"},
                        "source_text": {"type": "string", "maxLength": 2000},
                        "confirm_duplicate": {"type": "boolean", "description":
                                              "Register even though the unit already "
                                              "received a letter with the same sender, "
                                              "number and date (without it: 409 with "
                                              "`duplicate_of`)"}}}}}},
                "responses": _responses(_RECEIPT, 400, 401, 404, 409, 503, success=201),
            }
        },
        "/registers/{register_id}/openings": {
            "post": {
                "operationId": "registerOpenYear",
                "summary": "An administrator opens a year of a register to continue its "
                "paper book: live numbers go on after `last_number`, and paper stamps of "
                "that year must be at or below it (before the year's first live number)",
                "parameters": [_REGISTER_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["year", "last_number"], "properties": {
                        "year": {"type": ["integer", "string"],
                                 "description": "BE (๒๕๖๙) or CE (2026)"},
                        "last_number": {"type": ["integer", "string"], "description":
                                        "the paper book's last number (Thai digits allowed)"}}}}}},
                "responses": _responses({"type": "object", "properties": {
                    "register_id": {"type": "integer"}, "year": {"type": "integer"},
                    "year_be": {"type": "integer"}, "last_number": {"type": "integer"},
                    "next_number": {"type": "integer"}}}, 400, 401, 403, 404, 409,
                    success=201),
            }
        },
        "/registers/{register_id}/entries": {
            "get": {
                "operationId": "registerEntries",
                "summary": "A receipt or dispatch register for a year, a month or a day, by "
                "number, with the regulation's columns in `line`",
                "parameters": [_REGISTER_ID, *_PERIOD,
                               {"name": "page", "in": "query", "schema": {
                                   "type": "integer", "minimum": 1, "maximum": 100000}},
                               {"name": "per_page", "in": "query", "schema": {
                                   "type": "integer", "minimum": 1, "maximum": 500}}],
                "responses": _responses({"type": "object", "properties": {
                    "register_id": {"type": "integer"},
                    "kind": {"enum": ["receipt", "dispatch"]}, "year": {"type": "integer"},
                    "month": {"type": ["integer", "null"]},
                    "day": {"type": ["integer", "null"]},
                    "total": {"type": "integer"}, "page": {"type": "integer"},
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "number": {"type": "integer"},
                        "status": {"enum": ["active", "cancelled"]},
                        "document": {"type": ["object", "null"]},
                        "line": _LINE}}}}}, 400, 401, 404),
            }
        },
        "/registers/{register_id}/print.pdf": {
            "get": {
                "operationId": "registerPrint",
                "summary": "The register for a period as a printable A4 PDF (at most 5,000 "
                "lines: print a long year month by month)",
                "parameters": [_REGISTER_ID, *_PERIOD],
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    **{k: v for k, v in _responses({}, 400, 401, 404, 413).items()
                       if k != "200"},
                },
            }
        },
        "/registers/{register_id}/export.csv": {
            "get": {
                "operationId": "registerExport",
                "summary": "The register for a period as CSV in UTF-8 with a byte-order mark "
                "(opens in Excel)",
                "parameters": [_REGISTER_ID, *_PERIOD,
                               {"name": "bom", "in": "query", "description":
                                "0 for plain UTF-8 without the byte-order mark",
                                "schema": {"enum": ["0", "1"]}}],
                "responses": {
                    "200": {"description": "CSV", "content": {"text/csv": {
                        "schema": {"type": "string"}}}},
                    **{k: v for k, v in _responses({}, 400, 401, 404).items() if k != "200"},
                },
            }
        },
        "/receipts/{receipt_id}/cancel": {
            "post": {
                "operationId": "cancelReceipt",
                "summary": "Cancel a registration; its number stays, marked cancelled",
                "parameters": [{"name": "receipt_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}},
                "responses": _responses(_RECEIPT, 400, 401, 404, 409, 503),
            }
        },
        "/documents/{document_id}/corrections": {
            "post": {
                "operationId": "issueCorrection",
                "summary": "Correct a document already numbered for sending: a new document, "
                "numbered next in the same register, that cites it and says what it corrects",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["correction"], "properties": {
                        "correction": {"type": "string", "minLength": 1, "maxLength": 5000},
                        "subject": {"type": "string", "maxLength": 2000}}}}}},
                "responses": _responses(_DISPATCH, 400, 401, 404, 409, 503, success=201),
            }
        },
        "/dispatches/{dispatch_id}/cancel": {
            "post": {
                "operationId": "cancelDispatch",
                "summary": "Cancel an outgoing number: the register keeps it, marked cancelled; "
                "the document may be numbered again",
                "parameters": [{"name": "dispatch_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}},
                "responses": _responses(_DISPATCH, 400, 401, 404, 409, 503),
            }
        },
        "/receipts/{receipt_id}/stamp.pdf": {
            "get": {
                "operationId": "receiptStamp",
                "summary": "The receipt stamp (ตรารับ) as an A4 PDF, stamp at the top right",
                "parameters": [{"name": "receipt_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {
                    "200": {"description": "PDF",
                            "content": {"application/pdf": {"schema": {
                                "type": "string", "format": "binary"}}}},
                    **{k: v for k, v in _responses({}, 401, 404).items() if k != "200"},
                },
            }
        },
        "/documents/{document_id}/dispatch": {
            "post": {
                "operationId": "issueDispatch",
                "summary": "Give the document the unit's next outgoing number (ที่ ...)",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["register_id"], "properties": {
                        "register_id": {"type": "integer", "minimum": 1},
                        "to": {"type": "string", "maxLength": 1000}}}}}},
                "responses": _responses(_DISPATCH, 400, 401, 404, 409, 503, success=201),
            }
        },
        "/documents/{document_id}/certified-copies": {
            "post": {
                "operationId": "issueCertifiedCopy",
                "summary": "A certified copy (สำเนาถูกต้อง) by a named officer, numbered in a "
                "dispatch register of the issuing unit and circulated to units",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object",
                    "required": ["register_id", "certifier_name", "certifier_position"],
                    "properties": {
                        "register_id": {"type": "integer", "minimum": 1},
                        "certifier_name": {"type": "string", "maxLength": 200},
                        "certifier_position": {"type": "string", "maxLength": 300},
                        "to": {"type": "array", "items": {"type": "integer"}},
                        "addressee": {"type": "string", "maxLength": 1000},
                        "subject": {"type": "string", "maxLength": 2000},
                        "purpose": {"enum": ["inform", "consider", "act", "sign",
                                             "publicize", "other"]},
                        "purpose_text": {"type": "string", "maxLength": 500},
                        "due_date": {"type": "string"},
                        "note": {"type": "string", "maxLength": 255},
                        "endorsement_id": {"type": "integer", "description":
                                           "A signed endorsement on the source: the copy "
                                           "circulates it and cites it (ตามบันทึกสั่งการ ...)"}
                    }}}}},
                "responses": _responses({"type": "object", "properties": {
                    "id": {"type": "integer"}, "source_id": {"type": "integer"},
                    "copy_id": {"type": "integer"}, "number": {"type": "string"},
                    "date": {"type": "string", "format": "date"},
                    "certifier": {"type": "string"},
                    "transfers": {"type": "array", "items": _TRANSFER}}},
                    400, 401, 403, 404, 409, 503, success=201),
            }
        },
        "/documents/{document_id}/files": {
            "post": {
                "operationId": "attachScan",
                "summary": "Keep a scan (PDF, PNG, JPEG, TIFF by content); a received PDF also "
                "gets a stamped copy",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["file"], "properties": {
                        "file": {"type": "string", "format": "binary"}}}}}},
                "responses": _responses({"type": "object", "properties": {"files": {
                    "type": "array", "items": {"type": "object"}}}},
                    400, 401, 403, 404, 413, 415, 503, success=201),
            }
        },
        "/documents/{document_id}/files/{file_id}": {
            "get": {
                "operationId": "getFile",
                "summary": "A file of the document, as stored",
                "parameters": [_ID, {"name": "file_id", "in": "path", "required": True,
                                     "schema": {"type": "integer", "minimum": 1}}],
                "responses": {
                    "200": {"description": "The file", "content": {"application/octet-stream": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    **{k: v for k, v in _responses({}, 401, 404).items() if k != "200"},
                },
            }
        },
        "/documents/{document_id}/transfers": {
            "post": {
                "operationId": "sendTransfers",
                "summary": "Forward to one unit or circulate to many (each accepts it with its "
                "own receipt number)",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["to"], "properties": {
                        "to": {"type": "array", "items": {"type": "integer"}, "minItems": 1,
                               "maxItems": 500},
                        "purpose": {"enum": ["inform", "consider", "act", "sign", "publicize",
                                             "other"]},
                        "purpose_text": {"type": "string", "maxLength": 500},
                        "due_date": {"type": "string"},
                        "from_unit": {"type": "integer"},
                        "kind": {"enum": ["forward", "propose"], "description":
                                 "propose: up to one unit's commander (เสนอ), to endorse"},
                        "to_user": {"type": "integer", "description":
                                    "the person named to read a classified document at the "
                                    "destination (required for ลับ and ลับมาก, unless "
                                    "proposing: then the unit's cleared commanders)"},
                        "note": {"type": "string", "maxLength": 2000}}}}}},
                "responses": _responses(_TRANSFERS, 400, 401, 403, 404, 409, 503, success=201),
            }
        },
        "/documents/{document_id}/readers": {
            "get": {
                "operationId": "listReaders",
                "summary": "Who is named to read a classified document (ลับ, ลับมาก)",
                "parameters": [_ID],
                "responses": _responses(_READERS, 401, 404),
            },
            "post": {
                "operationId": "nameReader",
                "summary": "A reader names another person, cleared for the level, to read it",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["user"],
                    "properties": {"user": {"type": "integer"}}}}}},
                "responses": _responses(_READERS, 400, 401, 404, 409, success=201),
            },
        },
        "/transfers/inbox": {
            "get": {
                "operationId": "inbox",
                "summary": "What waits to be received in the units whose register the caller "
                "keeps, most urgent and oldest first (proposals wait on the commander's desk, "
                "GET /proposals)",
                "responses": _responses(_TRANSFERS, 401),
            }
        },
        "/transfers/returned": {
            "get": {
                "operationId": "returnedTransfers",
                "summary": "Documents sent back to the caller (or to the units he is clerk of) "
                "that he has not answered yet: acknowledge each, or send the document on again",
                "responses": _responses(_TRANSFERS, 401),
            }
        },
        "/transfers/{transfer_id}/acknowledge": {
            "post": {
                "operationId": "acknowledgeReturn",
                "summary": "The sender has seen that a transfer came back: it stops waiting",
                "parameters": [_TRANSFER_ID],
                "responses": _responses(_TRANSFER, 401, 404, 409, 503),
            }
        },
        "/transfers/{transfer_id}/accept": {
            "post": {
                "operationId": "acceptTransfer",
                "summary": "Accept: the document gets this unit's receipt number (or keeps "
                "the one this unit already gave it, never a second)",
                "parameters": [_TRANSFER_ID],
                "requestBody": {"content": {_JSON_BODY: {"schema": {
                    "type": "object", "properties": {
                        "register_id": {"type": "integer", "minimum": 1}}}}}},
                "responses": _responses({"type": "object", "properties": {
                    "transfer": _TRANSFER, "receipt": {"oneOf": [_RECEIPT, {"type": "null"}],
                    "description": "null when the unit keeps no receipt register"}}},
                    400, 401, 403, 404, 409, 503),
            }
        },
        "/transfers/{transfer_id}/recall": {
            "post": {
                "operationId": "recallTransfer",
                "summary": "The sender pulls back a transfer not yet opened",
                "parameters": [_TRANSFER_ID],
                "responses": _responses(_TRANSFER, 401, 404, 409, 503),
            }
        },
        "/transfers/{transfer_id}/return": {
            "post": {
                "operationId": "returnTransfer",
                "summary": "The destination sends it back with a reason",
                "parameters": [_TRANSFER_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "minLength": 1, "maxLength": 1000}}}}}},
                "responses": _responses(_TRANSFER, 400, 401, 404, 409, 503),
            }
        },
        "/documents/{document_id}": {
            "get": {
                "operationId": "getDocument",
                "summary": "One document",
                "parameters": [_ID],
                "responses": _responses({"$ref": "#/components/schemas/DocumentDetail"},
                                        401, 404),
            },
            "patch": {
                "operationId": "updateDocument",
                "summary": "Correct typing mistakes (clerks); the audit trail keeps before and "
                "after. Number, date and subject are locked once the document has its "
                "outgoing number (409): issue a correction instead",
                "parameters": [_ID],
                "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                    "type": "object", "minProperties": 1, "additionalProperties": False,
                    "properties": {
                        "number": {"type": ["string", "null"], "maxLength": 120},
                        "date": {"type": "string"},
                        "subject": {"type": "string", "maxLength": 2000},
                        "sender": {"type": ["string", "null"], "maxLength": 500},
                        "addressee": {"type": ["string", "null"], "maxLength": 1000},
                        "body": {"type": ["string", "null"]},
                        "urgency": {"type": ["integer", "string"]},
                        "remarks": {"type": ["string", "null"], "maxLength": 5000}}}}}},
                "responses": _responses({"$ref": "#/components/schemas/DocumentDetail"},
                                        400, 401, 403, 404, 409, 503),
            },
        },
        "/reports/pendency": {
            "get": {
                "operationId": "pendencyReport",
                "summary": "Where documents wait: per unit the caller commands or administers "
                "and month of receipt, received, acted on, average and 90th-percentile time "
                "to act, and what still waits by age",
                "parameters": [
                    {"name": "date_from", "in": "query", "schema": {"type": "string"},
                     "description": "Received from (Thai or ISO date); default a year ago"},
                    {"name": "date_to", "in": "query", "schema": {"type": "string"}}],
                "responses": _responses({"type": "object", "properties": {
                    "date_from": {"type": "string", "format": "date"},
                    "date_to": {"type": "string", "format": "date"},
                    "ages": {"type": "array", "items": {"type": "string"}},
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "unit": {"type": "string"}, "unit_id": {"type": "integer"},
                        "year": {"type": "integer"}, "month": {"type": "integer"},
                        "received": {"type": "integer"}, "acted": {"type": "integer"},
                        "average_seconds": {"type": ["integer", "null"], "description":
                                            "Over the stays timed to the minute at both ends"},
                        "p90_seconds": {"type": ["integer", "null"]},
                        "acted_day_only": {"type": "integer", "description":
                                           "Acted on, where a paper stamp gave only its day: "
                                           "counted in 'acted', not in the seconds"},
                        "average_days": {"type": ["number", "null"], "description":
                                         "Average whole days between the Bangkok dates of "
                                         "those day-only stays"},
                        "waiting_by_age": {"type": "array", "items": {"type": "integer"}}}}}}},
                    400, 401, 403),
            }
        },
        "/documents/{document_id}/chain": {
            "get": {
                "operationId": "getDocumentChain",
                "summary": "The matter (เรื่อง) the document belongs to: every document linked "
                "by references, replies, corrections and certified copies that the caller may "
                "see, oldest first, with the links among them",
                "parameters": [_ID],
                "responses": _responses({"type": "object", "properties": {
                    "document_id": {"type": "integer"},
                    "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
                    "links": {"type": "array", "items": {"type": "object", "properties": {
                        "from": {"type": "integer"}, "to": {"type": "integer"},
                        "relation": {"enum": ["cites", "replies_to", "background",
                                             "endorsed_on", "corrects", "copy_of"]}}}}}},
                    401, 404),
            }
        },
        "/documents/{document_id}/history": {
            "get": {
                "operationId": "getDocumentHistory",
                "summary": "The document's routing history in time order",
                "parameters": [_ID],
                "responses": _responses(
                    {"type": "object", "properties": {
                        "document_id": {"type": "integer"},
                        "events": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/Event"}}}},
                    401, 404,
                ),
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "status": {"type": "integer"}, "message": {"type": "string"},
                "message_th": {"type": "string"}, "field": {"type": "string"},
                "duplicate_of": {"type": "object", "description":
                                 "the earlier receipt of the same letter (subject and "
                                 "document only when the reader may see it)", "properties": {
                                     "receipt_id": {"type": "integer"},
                                     "register_id": {"type": "integer"},
                                     "number": {"type": "integer"},
                                     "received_at": {"type": "string"},
                                     "document_id": {"type": ["integer", "null"]},
                                     "subject": {"type": ["string", "null"]}}}}}}},
            "Document": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "kind": {"enum": ["external", "internal", "stamped", "directive", "publicity",
                                  "evidence"]},
                "number": {"type": ["string", "null"]},
                "number_arabic": {"type": ["string", "null"]},
                "date": {"type": ["string", "null"], "format": "date"},
                "date_th": {"type": ["string", "null"]},
                "subject": {"type": "string"},
                "addressee": {"type": ["string", "null"]},
                "sender": {"type": ["string", "null"]},
                "origin_unit": {"type": ["string", "null"]},
                "origin_agency": {"type": ["string", "null"]},
                "urgency": {"enum": ["normal", "urgent", "very_urgent", "most_urgent"]},
                "secrecy": {"enum": ["normal", "confidential", "secret", "top_secret"]},
                "status": {"type": "string"}}},
            "DocumentDetail": {"allOf": [{"$ref": "#/components/schemas/Document"}, {
                "type": "object", "properties": {
                    "body": {"type": ["string", "null"]},
                    "signature": {"type": ["string", "null"]},
                    "remarks": {"type": ["string", "null"]},
                    "references": {"type": "array", "items": {"type": "object"}},
                    "enclosures": {"type": "array", "items": {"type": "string"}}}}]},
            "Receipt": {"type": "object", "properties": {
                "id": {"type": "integer"}, "register_id": {"type": "integer"},
                "document_id": {"type": "integer"}, "year": {"type": "integer"},
                "number": {"type": "integer"}, "number_th": {"type": "string"},
                "received_at": {"type": "string", "format": "date-time"},
                "received_th": {"type": "string"},
                "status": {"enum": ["active", "cancelled"]},
                "cancel_reason": {"type": ["string", "null"]},
                "mode": {"enum": ["live", "historic"]},
                "flags": {"type": "array", "items": {"enum": ["before_document_date"]}}}},
            "Event": {"type": "object", "properties": {
                "kind": {"enum": ["created", "receipt", "dispatch", "transfer", "recall",
                                  "return", "endorsement", "order", "order_done",
                                  "certified_copy", "exchange"],
                         "description": "recall: the sender pulled a transfer back; return: "
                         "the destination sent it back (with its reason); order: an order "
                         "to a unit that held the document already, its task without a "
                         "new transfer"},
                "time": {"type": ["string", "null"], "format": "date-time",
                         "description": "ISO 8601 with the +07:00 offset"},
                "time_known": {"type": "boolean",
                               "description": "false when the paper stamp gave only the date"},
                "unit": {"type": ["string", "null"]},
                "number": {"type": ["string", "null"]},
                "title": {"type": "string"},
                "lines": {"type": "array", "items": {"type": "string"}},
                "signature": {"type": ["string", "null"]},
                "source_text": {"type": ["string", "null"]},
                "cancelled": {"type": "boolean"},
                "related_document_id": {"type": ["integer", "null"]},
                "stay_seconds": {"type": ["integer", "null"], "description":
                                 "for a receipt: time at that unit until it sent it on"},
                "stay_exact": {"type": "boolean"},
                "stay_th": {"type": ["string", "null"]},
                "accept_id": {"type": ["string", "null"]},
                "status": {"type": ["string", "null"], "description":
                           "for a transfer, recall or return: the transfer's status now "
                           "(sent, opened, accepted, returned, recalled, recorded)"},
                "reason": {"type": ["string", "null"],
                           "description": "for a return: why it was sent back"}}},
        },
    },
}


_ORDER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "endorsement_id": {"type": "integer"},
    "to_unit_id": {"type": ["integer", "null"]}, "to_unit": {"type": ["string", "null"]},
    "to_user_id": {"type": ["integer", "null"]}, "instruction": {"type": "string"},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "status": {"enum": ["open", "done", "cancelled"]}, "overdue": {"type": "boolean"},
    "transfer_id": {"type": ["integer", "null"]},
    "done_at": {"type": ["string", "null"], "format": "date-time"},
    "done_note": {"type": ["string", "null"]}}}
_ENDORSEMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "integer"},
    "status": {"enum": ["draft", "signed"]}, "unit": {"type": ["string", "null"]},
    "lines": {"type": "array", "items": {"type": "string"}},
    "signer": {"type": "object"}, "capacity": {"type": "object"},
    "signature_text": {"type": "string", "description": "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."},
    "signature_block": {"type": "string",
                        "description": "rank, (name), position line and date, as on paper"},
    "signed_at": {"type": ["string", "null"], "format": "date-time"},
    "corrects_id": {"type": ["integer", "null"]},
    "circular_citation": {"type": ["string", "null"], "description":
                          "บันทึกสั่งการ ตร. ลง ๒๖ พ.ย.๖๒ ท้ายหนังสือ สทส. ที่ ..."},
    "orders": {"type": "array", "items": _ORDER}}}
_ENDORSE_BODY = {"type": "object", "properties": {
    "lines": {"type": "array", "items": {"type": "string", "maxLength": 1000},
              "minItems": 1, "maxItems": 30},
    "capacity": {"type": "string", "description": "A key from GET /capacities "
                 "(own:<position id> or delegation:<delegation id>); default the first"},
    "orders": {"type": "array", "maxItems": 50, "items": {"type": "object", "properties": {
        "to_unit": {"type": "integer"}, "to_user": {"type": "integer"},
        "instruction": {"type": "string", "maxLength": 1000},
        "due_date": {"type": "string", "description": "ISO or Thai date"}}}},
    "corrects": {"type": "integer", "description": "The signed endorsement this corrects"}}}
_DELEGATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "person_id": {"type": "integer"},
    "position_id": {"type": "integer"},
    "kind": {"enum": ["on_behalf", "acting", "doing_for", "caretaker"]},
    "kind_th": {"type": "string"}, "start_date": {"type": "string", "format": "date"},
    "end_date": {"type": ["string", "null"], "format": "date"},
    "authority": {"type": ["string", "null"]}, "in_force": {"type": "boolean"}}}
_EID = {"name": "endorsement_id", "in": "path", "required": True,
        "schema": {"type": "integer", "minimum": 1}}
_DID = {"name": "delegation_id", "in": "path", "required": True,
        "schema": {"type": "integer", "minimum": 1}}
_NONE = {"204": {"description": "Deleted"}}
_PDF = {"200": {"description": "PDF", "content": {"application/pdf": {
    "schema": {"type": "string", "format": "binary"}}}}}


def _items(schema: dict) -> dict:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


def _no_body(*codes: int) -> dict:
    return {k: v for k, v in _responses({}, *codes).items() if k != "200"}


SPEC["paths"].update({
    "/proposals": {"get": {
        "operationId": "proposals",
        "summary": "The commander's inbox: documents proposed (เสนอ) to the units he "
        "endorses for, most urgent and newest first; waiting=1 for those not endorsed yet",
        "parameters": [{"name": "waiting", "in": "query", "schema": {"enum": ["1", "0"]}}],
        "responses": _responses(_items({"type": "object"}), 401)}},
    "/capacities": {"get": {
        "operationId": "capacities",
        "summary": "The capacities the caller may sign in today: his positions, and each "
        "delegation in force (ปรท., รรท., ทำการแทน, รักษาการแทน)",
        "responses": _responses(_items({"type": "object", "properties": {
            "key": {"type": "string"}, "signature_text": {"type": "string"},
            "delegation_id": {"type": ["integer", "null"]}}}), 401)}},
    "/documents/{document_id}/endorsements": {
        "get": {"operationId": "endorsements",
                "summary": "Signed endorsements in order, and the caller's own drafts",
                "parameters": [_ID], "responses": _responses(_items(_ENDORSEMENT), 401, 404)},
        "post": {"operationId": "draftEndorsement",
                 "summary": "A draft endorsement by the commander the document was proposed "
                 "to (or his acting deputy); \"sign\": true signs it at once. Send an "
                 "Idempotency-Key header to make a retry harmless",
                 "parameters": [_ID],
                 "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                     **_ENDORSE_BODY, "required": ["lines"], "properties": {
                         **_ENDORSE_BODY["properties"], "sign": {"type": "boolean"}}}}}},
                 "responses": _responses(_ENDORSEMENT, 400, 401, 403, 404, 409, 503,
                                         success=201)}},
    "/endorsements/{endorsement_id}": {
        "get": {"operationId": "endorsement", "parameters": [_EID],
                "summary": "One endorsement (a draft only for its writer)",
                "responses": _responses(_ENDORSEMENT, 401, 404)},
        "patch": {"operationId": "updateEndorsement", "parameters": [_EID],
                  "summary": "Change a draft; a signed endorsement answers 409",
                  "requestBody": {"required": True, "content": {_JSON_BODY: {
                      "schema": _ENDORSE_BODY}}},
                  "responses": _responses(_ENDORSEMENT, 400, 401, 403, 404, 409)},
        "delete": {"operationId": "deleteEndorsement", "parameters": [_EID],
                   "summary": "Delete a draft; a signed endorsement answers 409",
                   "responses": {**_NONE, **_no_body(401, 403, 404, 409)}}},
    "/endorsements/{endorsement_id}/sign": {"post": {
        "operationId": "signEndorsement", "parameters": [_EID],
        "summary": "Sign a draft: fixed from now on; the capacity must be in force today; "
        "each order becomes a task with a transfer of the document to its unit",
        "responses": _responses(_ENDORSEMENT, 401, 403, 404, 409, 503)}},
    "/orders": {"get": {
        "operationId": "orders",
        "summary": "Orders given to the caller or his units (given=1: those he gave and "
        "that are still open; done=1: with the finished ones), overdue marked. An order "
        "on a secret document is listed only to its named, cleared readers",
        "parameters": [{"name": "given", "in": "query", "schema": {"enum": ["1", "0"]}},
                       {"name": "done", "in": "query", "schema": {"enum": ["1", "0"]}}],
        "responses": _responses(_items(_ORDER), 401)}},
    "/orders/{order_id}/complete": {"post": {
        "operationId": "completeOrder",
        "parameters": [{"name": "order_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}],
        "summary": "The assignee reports the order done, with a note",
        "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
            "type": "object", "required": ["note"],
            "properties": {"note": {"type": "string", "maxLength": 2000}}}}}},
        "responses": _responses(_ORDER, 400, 401, 404, 409)}},
    "/delegations": {
        "get": {"operationId": "delegations",
                "summary": "All delegations (administrators) or the caller's own",
                "parameters": [{"name": "on", "in": "query", "description":
                                "Only those in force on this date",
                                "schema": {"type": "string"}}],
                "responses": _responses(_items(_DELEGATION), 400, 401)},
        "post": {"operationId": "createDelegation",
                 "summary": "Record that a person acts for a position over a period "
                 "(administrators); kind may be written ปรท., พรท. (read as ปรท.), รรท.",
                 "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                     "type": "object",
                     "required": ["person_id", "position_id", "kind", "start_date"],
                     "properties": {"person_id": {"type": "integer"},
                                    "position_id": {"type": "integer"},
                                    "kind": {"type": "string"},
                                    "start_date": {"type": "string"},
                                    "end_date": {"type": "string"},
                                    "authority": {"type": "string", "maxLength": 1000}}}}}},
                 "responses": _responses(_DELEGATION, 400, 401, 403, 409, success=201)}},
    "/delegations/{delegation_id}": {
        "patch": {"operationId": "endDelegation", "parameters": [_DID],
                  "summary": "Set its last day; never before an endorsement signed under it",
                  "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
                      "type": "object", "required": ["end_date"],
                      "properties": {"end_date": {"type": "string"}}}}}},
                  "responses": _responses(_DELEGATION, 400, 401, 403, 404, 409)},
        "delete": {"operationId": "deleteDelegation", "parameters": [_DID],
                   "summary": "Remove one entered by mistake; one signed under answers 409",
                   "responses": {**_NONE, **_no_body(401, 403, 404, 409)}}},
    "/documents/{document_id}/endorsement-sheet.pdf": {"get": {
        "operationId": "endorsementSheet", "parameters": [_ID],
        "summary": "ใบเกษียน: the endorsements as on paper, with room to sign by hand",
        "responses": {**_PDF, **_no_body(401, 404)}}},
    "/documents/{document_id}/routing-slip.pdf": {"get": {
        "operationId": "routingSlip", "parameters": [_ID],
        "summary": "ใบปะหน้าเสนอ: the cover slip of the latest proposal",
        "responses": {**_PDF, **_no_body(401, 404)}}},
})


_AUDIT_FILTERS = [
    {"name": n, "in": "query", "schema": {"type": "string"}, "description": d} for n, d in (
        ("user", "username"), ("unit", "unit id"), ("action", "an action, or its prefix "
                                                    "(transfer matches transfer.send ...)"),
        ("document", "document id"), ("date_from", "ISO or Thai date"),
        ("date_to", "ISO or Thai date"))]
SPEC["paths"].update({
    "/audit-events": {"get": {
        "operationId": "auditEvents",
        "summary": "The audit trail, newest first, 100 a page (administrators; an "
        "administrator of units reads their events). The details of an event about a "
        "secret document the reader may not read are masked ('masked': true)",
        "parameters": [*_AUDIT_FILTERS, {"name": "page", "in": "query",
                                         "schema": {"type": "integer", "minimum": 1}}],
        "responses": _responses({"type": "object", "properties": {
            "total": {"type": "integer"}, "items": {"type": "array", "items": {
                "type": "object"}}}}, 400, 401, 403)}},
    "/audit-events/export.csv": {"get": {
        "operationId": "auditExport",
        "summary": "The filtered audit trail as CSV (UTF-8 with BOM; bom=0 without); the "
        "export is itself audited",
        "parameters": [*_AUDIT_FILTERS, {"name": "bom", "in": "query",
                                         "schema": {"enum": ["0", "1"]}}],
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {
            "schema": {"type": "string"}}}}, **_no_body(400, 401, 403, 413)}}},
    "/audit/verify": {"get": {
        "operationId": "auditVerify",
        "summary": "Walk the hash chain and check its head's MAC (administrators who see "
        "everything); anchor=HASH also proves nothing before that head changed; records=1 "
        "also recomputes every record's digest and names the rows that do not match",
        "parameters": [{"name": "anchor", "in": "query", "schema": {"type": "string"}},
                       {"name": "records", "in": "query", "schema": {"enum": ["0", "1"]}}],
        "responses": _responses({"type": "object", "properties": {
            "ok": {"type": "boolean"}, "events": {"type": "integer"},
            "head": {"type": "string"}, "bad_event_id": {"type": ["integer", "null"]},
            "problem": {"type": ["string", "null"]},
            "records": {"type": "object", "properties": {
                "ok": {"type": "boolean"}, "rows": {"type": "integer"},
                "unaudited": {"type": "integer"},
                "problems": {"type": "array", "items": {"type": "object", "properties": {
                    "record": {"type": "string", "description": "kind:id"},
                    "problem": {"enum": ["changed", "deleted", "reappeared",
                                         "unaudited"]}}}}}}}}, 401, 403)}},
})
_EXCHANGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "message_id": {"type": "string"},
    "direction": {"enum": ["out", "in"]}, "kind": {"type": "string"},
    "peer": {"type": "string"}, "document_id": {"type": ["integer", "null"]},
    "status": {"enum": ["queued", "delivered", "accepted", "rejected", "invalid", "failed",
                        "withdrawn", "received", "registered", "refused"]},
    "accept_id": {"type": ["string", "null"], "description": "the receiver's เลขรับ"},
    "reason": {"type": ["string", "null"]},
    "duplicate_of": {"type": ["object", "null"], "description":
                     "an arrival matching a letter already received (sender, number, "
                     "date): the earlier receipt; it waits for a clerk's decision"}}}
_ROW_ID = {"name": "row_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1}}
SPEC["paths"].update({
    "/documents/{document_id}/exchange": {"post": {
        "operationId": "exchangeSend", "parameters": [_ID],
        "summary": "Queue a numbered document for another agency's installation (a signed "
        "e-CMS-style letter in the outbox); its history then shows queued, delivered and "
        "accepted with accept_id (the receiver's เลขรับ)",
        "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
            "type": "object", "required": ["to"],
            "properties": {"to": {"type": "string", "description": "the peer's code"}}}}}},
        "responses": _responses(_EXCHANGE, 400, 401, 403, 404, 409, success=201)}},
    "/exchange/messages/{row_id}/resend": {"post": {
        "operationId": "exchangeResend", "parameters": [_ROW_ID],
        "summary": "Withdraw a rejected or failed letter and send it again as a new message",
        "responses": _responses(_EXCHANGE, 401, 403, 404, 409, success=201)}},
    "/exchange/arrivals": {"get": {
        "operationId": "exchangeArrivals",
        "summary": "Letters from other agencies waiting for a clerk (when not registered "
        "automatically); a classified one only for the cleared clerks it is named to",
        "responses": _responses(_items(_EXCHANGE), 401)}},
    "/exchange/arrivals/{row_id}/accept": {"post": {
        "operationId": "exchangeAccept", "parameters": [_ROW_ID],
        "summary": "Register an arrived letter; the sender gets an accept notice with the "
        "เลขรับ (AcceptID)",
        "responses": _responses(_EXCHANGE, 401, 403, 404, 409)}},
    "/exchange/arrivals/{row_id}/reject": {"post": {
        "operationId": "exchangeReject", "parameters": [_ROW_ID],
        "summary": "Refuse an arrived letter with a reason (\"invalid\": true for an "
        "invalid letter); the sender is told",
        "requestBody": {"required": True, "content": {_JSON_BODY: {"schema": {
            "type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string"}, "invalid": {"type": "boolean"}}}}}},
        "responses": _responses(_EXCHANGE, 400, 401, 403, 404, 409)}},
})
SPEC["paths"].update(RECORDS_PATHS)
SPEC["paths"].update(ADMIN_PATHS)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(SPEC)

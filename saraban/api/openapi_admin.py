"""OpenAPI paths of administration: units, registers, users (merged into the API
description). Every operation answers 403 to a caller who does not administer."""

from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON = "application/json"
_TEXTS = {400: "Bad input", 401: "No valid token", 403: "Not an administrator",
          404: "Not found", 409: "Conflicts with what is recorded (duplicate, in use, self)",
          503: "Database busy; nothing saved, retry"}


def _responses(ok: dict | None, *codes: int, success: int = 200) -> dict:
    out = ({str(success): {"description": "OK", "content": {_JSON: {"schema": ok}}}}
           if ok is not None else {str(success): {"description": "Done"}})
    for code in codes:
        out[str(code)] = {"description": _TEXTS[code], "content": {_JSON: {"schema": _ERROR}}}
    return out


def _body(schema: dict) -> dict:
    return {"required": True, "content": {_JSON: {"schema": schema}}}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}


_REGISTER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "unit_id": {"type": "integer"},
    "kind": {"enum": ["receipt", "dispatch"]}, "code": {"type": "string"},
    "name": {"type": "string"}, "secret": {"type": "boolean"}, "series": {"type": "string"},
    "active": {"type": "boolean"}}}
_UNIT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "parent_id": {"type": ["integer", "null"]},
    "depth": {"type": "integer", "description": "0 for a top unit"},
    "short_name": {"type": "string"}, "name_th": {"type": "string"},
    "name_en": {"type": ["string", "null"]}, "doc_code": {"type": ["string", "null"]},
    "active": {"type": "boolean"}, "members": {"type": "integer",
                                               "description": "active users in the unit"},
    "waiting": {"type": "integer", "description": "transfers waiting to be accepted"},
    "registers": {"type": "array", "items": _REGISTER}}}
_MEMBERSHIP = {"type": "object", "properties": {
    "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit": {"type": "string"},
    "role": {"enum": ["clerk", "commander", "staff", "admin"]},
    "with_subunits": {"type": "boolean"}}}
_USER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"},
    "display_name": {"type": "string"}, "person_id": {"type": ["integer", "null"]},
    "clearance": {"type": "integer", "minimum": 0, "maximum": 3},
    "clearance_th": {"type": "string", "description": "ปกติ, ลับ, ลับมาก, ลับที่สุด"},
    "sees_all": {"type": "boolean"}, "active": {"type": "boolean"},
    "is_sysadmin": {"type": "boolean", "description": "a system administrator"},
    "must_change_password": {"type": "boolean",
                             "description": "holds a one-time password until the next login"},
    "failed_logins": {"type": "integer"},
    "locked_until": {"type": ["string", "null"], "format": "date-time",
                     "description": "set while the account is locked"},
    "last_login_at": {"type": ["string", "null"], "format": "date-time"},
    "memberships": {"type": "array", "items": _MEMBERSHIP}}}
_CLEARANCE = {"type": ["integer", "string"], "description":
              "0-3, or normal, confidential, secret, top_secret (ปกติ ลับ ลับมาก ลับที่สุด)"}
_UNIT_FIELDS = {"short_name": {"type": "string", "maxLength": 80},
                "name_th": {"type": "string", "maxLength": 255},
                "name_en": {"type": ["string", "null"], "maxLength": 255},
                "doc_code": {"type": ["string", "null"], "maxLength": 40,
                             "description": "เลขประจำของเจ้าของเรื่อง, Thai or Arabic digits"}}
_ROLE_FIELDS = {"unit_id": {"type": "integer", "minimum": 1},
                "role": {"enum": ["clerk", "commander", "staff", "admin"]},
                "with_subunits": {"type": "boolean"}}

ADMIN_PATHS = {
    "/units": {
        "get": {"operationId": "adminUnits",
                "summary": "The unit tree in order (administrators), with members, waiting "
                "transfers and registers",
                "responses": _responses({"type": "object", "properties": {"items": {
                    "type": "array", "items": _UNIT}}}, 401, 403)},
        "post": {"operationId": "adminCreateUnit",
                 "summary": "Add a unit under parent_id (none: at the top); its short name "
                 "is unique among its siblings and in the whole tree",
                 "requestBody": _body({"type": "object", "required": ["short_name", "name_th"],
                                       "properties": {"parent_id": {"type": ["integer", "null"]},
                                                      **_UNIT_FIELDS}}),
                 "responses": _responses(_UNIT, 400, 401, 403, 409, 503, success=201)}},
    "/units/{unit_id}": {
        "patch": {"operationId": "adminUpdateUnit", "parameters": [_path_id("unit_id")],
                  "summary": "Rename (the fields given), or deactivate / reactivate with "
                  "`active`; a unit with transfers waiting, active members or active "
                  "subunits is not deactivated (409)",
                  "requestBody": _body({"type": "object", "properties": {
                      **_UNIT_FIELDS, "active": {"type": "boolean"}}}),
                  "responses": _responses(_UNIT, 400, 401, 403, 404, 409, 503)}},
    "/units/{unit_id}/registers": {
        "post": {"operationId": "adminCreateRegister", "parameters": [_path_id("unit_id")],
                 "summary": "Add a receipt or dispatch register; its code is unique within "
                 "the unit and kind",
                 "requestBody": _body({"type": "object", "required": ["kind", "code", "name"],
                                       "properties": {
                                           "kind": {"enum": ["receipt", "dispatch"]},
                                           "code": {"type": "string", "maxLength": 40},
                                           "name": {"type": "string", "maxLength": 255},
                                           "secret": {"type": "boolean"},
                                           "series": {"type": "string", "maxLength": 10,
                                                      "description": "dispatch only: ว"}}}),
                 "responses": _responses(_REGISTER, 400, 401, 403, 404, 409, 503,
                                         success=201)}},
    "/users": {
        "get": {"operationId": "adminUsers",
                "summary": "Users by username (administrators): q finds part of the name or "
                "username, unit those with a role in that unit",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}},
                    {"name": "unit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                    {"name": "per_page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                "responses": _responses({"type": "object", "properties": {
                    "items": {"type": "array", "items": _USER}, "total": {"type": "integer"},
                    "page": {"type": "integer"}}}, 400, 401, 403)},
        "post": {"operationId": "adminCreateUser",
                 "summary": "Add a user with one role in one unit; the answer carries his "
                 "first password, generated, once (only its hash is kept)",
                 "requestBody": _body({"type": "object",
                                       "required": ["username", "display_name", "unit_id",
                                                    "role"],
                                       "properties": {
                                           "username": {"type": "string", "maxLength": 80},
                                           "display_name": {"type": "string",
                                                            "maxLength": 255},
                                           "person_id": {"type": ["integer", "null"]},
                                           "clearance": _CLEARANCE,
                                           "sees_all": {"type": "boolean"},
                                           "is_sysadmin": {"type": "boolean"},
                                           **_ROLE_FIELDS}}),
                 "responses": _responses({**_USER, "properties": {
                     **_USER["properties"], "password": {"type": "string"}}},
                     400, 401, 403, 409, 503, success=201)}},
    "/users/{user_id}": {
        "patch": {"operationId": "adminUpdateUser", "parameters": [_path_id("user_id")],
                  "summary": "Change the fields given; active=false ends the user's sessions "
                  "and revokes his API tokens (never one's own account)",
                  "requestBody": _body({"type": "object", "properties": {
                      "display_name": {"type": "string", "maxLength": 255},
                      "person_id": {"type": ["integer", "null"]},
                      "clearance": _CLEARANCE, "sees_all": {"type": "boolean"},
                      "is_sysadmin": {"type": "boolean"},
                      "active": {"type": "boolean"}}}),
                  "responses": _responses(_USER, 400, 401, 403, 404, 409, 503)}},
    "/users/{user_id}/memberships": {
        "post": {"operationId": "adminAddMembership", "parameters": [_path_id("user_id")],
                 "summary": "Give the user a role in a unit",
                 "requestBody": _body({"type": "object", "required": ["unit_id", "role"],
                                       "properties": _ROLE_FIELDS}),
                 "responses": _responses(_MEMBERSHIP, 400, 401, 403, 404, 409, 503,
                                         success=201)}},
    "/users/{user_id}/memberships/{membership_id}": {
        "delete": {"operationId": "adminRemoveMembership",
                   "parameters": [_path_id("user_id"), _path_id("membership_id")],
                   "summary": "Take a role away (never one's own last administrator role)",
                   "responses": _responses(None, 401, 403, 404, 409, 503, success=204)}},
    "/users/{user_id}/unlock": {
        "post": {"operationId": "adminUnlockUser", "parameters": [_path_id("user_id")],
                 "summary": "Clear the refused logins and the lock they set",
                 "responses": _responses(_USER, 401, 403, 404, 503)}},
    "/users/{user_id}/password": {
        "post": {"operationId": "adminResetPassword", "parameters": [_path_id("user_id")],
                 "summary": "A new generated password, given once; every session of the user "
                 "ends (not for one's own account: 409)",
                 "responses": _responses({"type": "object", "properties": {
                     "user_id": {"type": "integer"}, "password": {"type": "string"}}},
                     401, 403, 404, 409, 503)}},
}

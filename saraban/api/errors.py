"""The API's one error contract: ``{"error": {status, message, message_th, field}}``.

Every refusal answers in that shape: an :class:`ApiError` raised by a handler, an
:class:`~saraban.validation.OperationError` raised by an operation, and a body that its
pydantic model refuses. Pydantic's error types are put into Thai and English here, once
(:data:`PYDANTIC_MESSAGES`), with the field's Thai label when the model gives one
(``Label`` in saraban/api/schemas/common.py); a validator that raises an OperationError
(text cleaning, Thai dates, levels) keeps that error's own two messages."""

from __future__ import annotations

from flask import jsonify
from pydantic import ValidationError

from saraban.thaidate import to_thai_digits
from saraban.validation import OperationError


class ApiError(Exception):
    """A refusal by an API handler, with the HTTP status and the field at fault."""

    def __init__(self, status: int, message: str, message_th: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.message_th, self.field = (
            status, message, message_th, field
        )


def _n(value) -> str:
    return to_thai_digits(f"{value:,}") if isinstance(value, int) else str(value)


# pydantic's error type -> (English, Thai); {field} is the name, {label} the Thai label,
# other names come from the error's context (max_length, ge, expected, ...).
PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("'{field}' is required.", "กรุณา{verb}{label}"),
    "extra_forbidden": ("'{field}' is not a field of this body.",
                        "ไม่มีช่อง '{field}' ในข้อมูลนี้"),
    "string_type": ("'{field}' must be text.", "{label} ต้องเป็นข้อความ"),
    "string_too_long": ("'{field}' is longer than {max_length} characters.",
                        "{label}ยาวเกิน {max_length_th} ตัวอักษร"),
    "string_too_short": ("'{field}' is required.", "กรุณากรอก{label}"),
    "int_type": ("'{field}' must be a whole number.", "{label} ต้องเป็นจำนวนเต็ม"),
    "int_parsing": ("'{field}' must be a whole number.", "{label} ต้องเป็นจำนวนเต็ม"),
    "int_from_float": ("'{field}' must be a whole number.", "{label} ต้องเป็นจำนวนเต็ม"),
    "bool_type": ("'{field}' must be true or false.", "{label} ต้องเป็น true หรือ false"),
    "bool_parsing": ("'{field}' must be true or false.", "{label} ต้องเป็น true หรือ false"),
    "greater_than": ("'{field}' must be more than {gt}.", "{label} ต้องมากกว่า {gt_th}"),
    "greater_than_equal": ("'{field}' must be at least {ge}.",
                           "{label} ต้องไม่น้อยกว่า {ge_th}"),
    "less_than": ("'{field}' must be less than {lt}.", "{label} ต้องน้อยกว่า {lt_th}"),
    "less_than_equal": ("'{field}' must be at most {le}.", "{label} ต้องไม่เกิน {le_th}"),
    "list_type": ("'{field}' must be a list.", "{label} ต้องเป็นรายการ (JSON array)"),
    "too_short": ("'{field}' needs at least {min_length} items.",
                  "{label} ต้องมีอย่างน้อย {min_length_th} รายการ"),
    "too_long": ("'{field}' has more than {max_length} items.",
                 "{label} มีได้ไม่เกิน {max_length_th} รายการ"),
    "literal_error": ("'{field}' must be one of: {expected}.",
                      "{label} ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}"),
    "enum": ("'{field}' must be one of: {expected}.",
             "{label} ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}"),
    "model_type": ("'{field}' must be a JSON object.", "{label} ต้องเป็นออบเจกต์ JSON"),
    "dict_type": ("'{field}' must be a JSON object.", "{label} ต้องเป็นออบเจกต์ JSON"),
}
# the names pydantic puts in an error's place for the branch of a union that refused
_BRANCH_TAGS = {"int", "str", "bool", "float", "none", "list", "dict", "date", "bytes"}
_FALLBACK = ("'{field}' is not valid.", "{label}ไม่ถูกต้อง")


def _label(model, loc: tuple):
    """The field's Label (its Thai name, and how one gives it: typed or chosen)."""
    from saraban.api.schemas.common import Label

    field = model.model_fields.get(loc[0]) if loc and isinstance(loc[0], str) else None
    for mark in field.metadata if field is not None else ():
        if isinstance(mark, Label):
            return mark
    return Label(f"'{loc[0]}'" if loc else "ข้อมูล")


def from_validation(error: ValidationError, model) -> Exception:
    """The first of pydantic's errors as the API's error (or the OperationError a
    validator raised, with its own messages)."""
    first = error.errors(include_url=False)[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, OperationError):
        return cause
    loc = tuple(x for x in first["loc"] if isinstance(x, str) and x.isidentifier()
                and x not in _BRANCH_TAGS)  # no list indexes, no union branches
    name = ".".join(str(x) for x in loc) or "body"
    label = _label(model, loc)
    words = {"field": name, "label": label.th, "verb": label.verb}
    for key, value in (first.get("ctx") or {}).items():
        words[key] = value
        words[f"{key}_th"] = _n(value)
    english, thai = PYDANTIC_MESSAGES.get(first["type"], _FALLBACK)
    try:
        return ApiError(400, english.format(**words), thai.format(**words), name)
    except (KeyError, IndexError):
        return ApiError(400, _FALLBACK[0].format(**words), _FALLBACK[1].format(**words), name)


def _body(status: int, message: str, message_th: str, field: str | None) -> dict:
    body = {"status": status, "message": message, "message_th": message_th}
    if field:
        body["field"] = field
    return body


def register(bp) -> None:
    """The blueprint's handlers of the two refusals. The transaction boundary has rolled
    the request's work back before they run (nothing half-written, a number given back)."""

    @bp.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return jsonify(error=_body(error.status, error.message, error.message_th,
                                   error.field)), error.status

    @bp.errorhandler(OperationError)
    def _operation_error(error: OperationError):
        body = _body(error.status, error.message_en, error.message_th, error.field)
        body.update(getattr(error, "details", None) or {})  # e.g. the earlier receipt
        return jsonify(error=body), error.status

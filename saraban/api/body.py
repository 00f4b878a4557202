"""Reading a request: its JSON body through the body's pydantic model, whole numbers in
the query string, row ids in a body. Every refusal is the API's error (saraban/api/errors.py)."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, ValidationError

from saraban import thaidate
from saraban.api.errors import ApiError, from_validation
from saraban.validation import is_row_id


def json_body() -> dict:
    """The body as a JSON object (anything else, or JSON too deep to read, is a 400)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON reader goes
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.", "ข้อมูลต้องเป็นออบเจกต์ JSON")
    return data


def read_body(model: type[BaseModel], *, optional: bool = False) -> dict:
    """The body checked by ``model`` (types, lengths, cleaned text, Thai dates and digits),
    given back as the JSON-ready values of the fields the caller sent, for the operation.
    ``optional``: an empty body reads as ``{}``."""
    data = {} if optional and not request.data else json_body()
    try:
        checked = model.model_validate(data)
    except ValidationError as error:
        raise from_validation(error, model) from None
    except UnicodeEncodeError:  # a lone surrogate (\ud800) where no text cleaning runs
        raise ApiError(400, "The body holds a character that is not text (a lone "
                       "surrogate).", "ข้อมูลมีอักขระที่ใช้ไม่ได้ (อักขระ surrogate ที่ไม่มีคู่)"
                       ) from None
    return checked.model_dump(mode="json", exclude_unset=True, by_alias=True)


def int_field(data: dict, name: str) -> int:
    value = data.get(name)
    if not is_row_id(value):
        raise ApiError(400, f"'{name}' must be a positive whole number.",
                       f"'{name}' ต้องเป็นจำนวนเต็มบวก", name)
    return value


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole number from the query string (Thai digits too) between ``lo`` and ``hi``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(thaidate.to_arabic_digits(raw))
    except ValueError:
        raise ApiError(
            400, f"'{name}' must be a whole number.", f"'{name}' ต้องเป็นจำนวนเต็ม", name
        ) from None
    if not lo <= value <= hi:
        raise ApiError(
            400,
            f"'{name}' must be between {lo} and {hi}.",
            f"'{name}' ต้องอยู่ระหว่าง {lo} ถึง {hi}",
            name,
        )
    return value


def query_int(model: type[BaseModel], name: str) -> int:
    """:func:`int_arg` with the default and bounds the query's model documents (one place
    for the limits of page, per_page, year, ...)."""
    field = model.model_fields[name]
    lo = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    hi = next(m.le for m in field.metadata if hasattr(m, "le"))
    return int_arg(name, field.default, lo, hi)

"""Input checks shared by the operations: one Thai and one English message per refusal."""

from __future__ import annotations

import datetime as dt
import unicodedata

from saraban.thaidate import ThaiDateError, parse_date, to_thai_digits


class OperationError(ValueError):
    """A refusal by an operation, with a Thai message for the pages, an English one for
    the API, the HTTP status that fits, and the field at fault when there is one."""

    def __init__(self, message_th: str, message_en: str, *, status: int = 400,
                 field: str | None = None):
        super().__init__(message_th)
        self.message_th = message_th
        self.message_en = message_en
        self.status = status
        self.field = field

    def message_for(self, lang: str | None = None) -> str:
        """The message in ``lang`` ("th" or "en"), by default in the page's language."""
        if lang is None:
            from saraban.i18n import current_lang

            lang = current_lang()
        return self.message_en if lang == "en" else self.message_th


def is_row_id(value) -> bool:
    """A row id the database can hold: a whole number (not a bool) from 1 to 2**31 - 1,
    the range of an INTEGER column; anything else is no row."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


_KEEP = {"\n", "\t"}


def clean_text(value, field: str, label: str, *, max_length: int,
               required: bool = False, multiline: bool = False) -> str | None:
    """Text with control and invisible format characters removed (newlines kept where
    ``multiline``), and lone surrogates (a JSON escape such as \\ud800, which no database
    can store), trimmed, and checked for presence and length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise OperationError(f"{label} ต้องเป็นข้อความ", f"'{field}' must be text.",
                             field=field)
    keep = _KEEP if multiline else set()
    value = "".join(
        ch for ch in value
        if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    ).strip()
    if not value:
        if required:
            raise OperationError(f"กรุณากรอก{label}", f"'{field}' is required.", field=field)
        return None
    if len(value) > max_length:
        raise OperationError(
            f"{label}ยาวเกิน {to_thai_digits(f'{max_length:,}')} ตัวอักษร",
            f"'{field}' is longer than {max_length} characters.", field=field)
    return value


def read_date(value, field: str, label: str, *, required: bool = False) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) or a Thai date as clerks write it."""
    if value in (None, ""):
        if required:
            raise OperationError(f"กรุณากรอก{label}", f"'{field}' is required.", field=field)
        return None
    if not isinstance(value, str):
        raise OperationError(f"{label}ไม่ถูกต้อง", f"'{field}' must be a date string.",
                             field=field)
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        return parse_date(value)
    except ThaiDateError as error:
        raise OperationError(f"{label}: {error}", f"'{field}': {error.message_en}",
                             field=field) from None


def read_level(value, field: str, label: str, names: dict[str, int]) -> int:
    """A level 0..3 given as a number or a name (urgency, secrecy)."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and 0 <= value <= 3:
        return value
    if isinstance(value, str) and value in names:
        return names[value]
    choices = ", ".join(names)
    raise OperationError(f"{label}ไม่ถูกต้อง", f"'{field}' must be 0-3 or one of: {choices}.",
                         field=field)

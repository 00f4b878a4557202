"""What every area's models are made of: cleaned text with its Thai label, Thai dates,
row ids, Bangkok times, and the one error answer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
)

from saraban.thaidate import to_arabic_digits
from saraban.validation import clean_text, read_date


@dataclasses.dataclass(frozen=True)
class Label:
    """The field's name in Thai, for the Thai message of a refusal (saraban/api/errors.py)."""

    th: str
    verb: str = "กรอก"  # กรุณากรอก... for what is typed, "เลือก" for what is chosen


def choices(enum_cls) -> Any:
    """A Literal of an enum's values (a model's field says exactly what the column holds)."""
    return Literal[tuple(member.value for member in enum_cls)]


def Text(max_length: int, label: str, *, required: bool = False,  # noqa: N802 - a type
         multiline: bool = False, description: str | None = None) -> Any:
    """Text cleaned as every operation cleans it (saraban/validation.py: control and
    invisible characters and lone surrogates removed, trimmed), then held to ``max_length``
    characters; the refusals are clean_text's own, in both languages."""

    def clean(value, info: ValidationInfo):
        return clean_text(value, info.field_name, label, max_length=max_length,
                          required=required, multiline=multiline)

    text = Annotated[str, Field(max_length=max_length)]
    return Annotated[text if required else text | None, BeforeValidator(clean),
                     Field(description=description), Label(label)]


def ThaiDate(label: str, *, required: bool = False,  # noqa: N802 - a type
             description: str = "YYYY-MM-DD, or a Thai date such as ๒๐ พ.ย. ๒๕๖๙") -> Any:
    """A date written in ISO or as Thai clerks write it (Buddhist era, Thai digits, month
    abbreviations); read by saraban.validation.read_date, whose refusals it keeps."""

    def read(value, info: ValidationInfo):
        if isinstance(value, dt.date):
            return value
        return read_date(value, info.field_name, label, required=required)

    kind = dt.date if required else dt.date | None
    return Annotated[kind, BeforeValidator(read, json_schema_input_type=str),
                     Field(description=description), Label(label)]


def Checked(schema: dict, description: str | None = None) -> Any:  # noqa: N802 - a type
    """A field whose values the operation checks itself, with its own refusal (a choice
    the pages offer too, a count of names): the model documents ``schema`` and lets the
    value through, so that the refusal stays the operation's, as specific as it is."""
    return Annotated[Any, WithJsonSchema({**schema, **({"description": description}
                                                      if description else {})})]


def Choice(values, description: str | None = None) -> Any:  # noqa: N802 - a type
    """One of ``values`` (an enum's, or a list), checked by the operation (see Checked)."""
    values = [getattr(v, "value", v) for v in values]
    return Checked({"enum": values}, description)


Id = StrictInt  # an id in a body: a whole number, never true/false nor "5"


def Pick(label: str) -> Any:  # noqa: N802 - a type
    """A required id of something the caller chooses (a unit, a register)."""
    return Annotated[StrictInt, Field(ge=1, lt=2**31), Label(label, "เลือก")]


RowId = Annotated[StrictInt, Field(ge=1, lt=2**31)]  # a row id (the range of INTEGER)


def _thai_number(value):
    if isinstance(value, str):
        digits = to_arabic_digits(value.strip())
        if _DIGITS.fullmatch(digits):
            return int(digits)
    return value  # anything else goes on to the operation, which refuses it in its words


_DIGITS = re.compile(r"[0-9]{1,9}")
ThaiNumber = Annotated[StrictInt | str, BeforeValidator(_thai_number), Field(
    description="a whole number, in Thai digits (๒๕๖๙) or Arabic")]
Flag = StrictBool
Level = Annotated[StrictInt | str, Field(description="0-3 or its name")]

# In answers: times as ISO 8601 in Bangkok with the offset, dates as YYYY-MM-DD.
Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]


class Body(BaseModel):
    """A request body. Fields it does not name go on to the operation untouched, which
    refuses those it does not take (as it always did)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Answer(BaseModel):
    """An answer: exactly these fields (a field the handler adds and the model does not
    name is a fault the conformance test finds)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Query(BaseModel):
    """A query string's parameters (documented; the handlers read them)."""


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")  # and what the refusal adds (duplicate_of)

    status: int
    message: str
    message_th: str
    field: str | None = None


class ErrorAnswer(Answer):
    """Every refusal: the status again, a message in English and in Thai, the field."""

    model_config = ConfigDict(extra="forbid", title="Error")

    error: ErrorBody


class Items(Answer):
    """A list with nothing else."""


Page = Annotated[int, Field(default=1, ge=1, le=100_000)]


def flag_query(description: str | None = None) -> Any:
    return Annotated[Literal["1", "0", "true"] | None, Field(default=None,
                                                               description=description)]

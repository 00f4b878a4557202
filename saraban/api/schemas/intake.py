"""Paper in: scans into the intake queue, a draft's reading, its registration."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saraban.api.schemas.common import Answer, Body, Checked


class ReadField(Answer):
    value: Any
    confidence: float
    box: Annotated[list[float] | None, Field(
        description="where it was read: x0, y0, x1, y1 as fractions of the first page")]


class IntakeDraft(Answer):
    id: int
    batch_id: int
    status: Annotated[str, Field(description="ocr_pending, ready, registered, failed, "
                                 "discarded")]
    filename: str
    pages: int | None
    pages_read: int
    fields: dict[str, ReadField]
    stamps: list[dict[str, Any]]
    stamp_place: list[float] | None
    document_id: int | None
    receipt_id: int | None


class Accepted(Answer):
    batch_id: int
    drafts: list[int]


class Scans(Body):
    files: list[bytes] = Field(json_schema_extra={"type": "array", "items": {
        "type": "string", "format": "binary"}}, description="one or many scans")
    split: Annotated[str | None, Field(description="1: cut a PDF of many letters at blank "
                                       "or separator pages")] = None
    unit_id: Annotated[str | None, Field(description="the receiving unit (default the "
                                         "first whose register the caller keeps)")] = None


class IntakeRegister(Body):
    register_id: Checked({"type": "integer", "minimum": 1}, "the receipt register")
    fields: Checked({"type": "object"}, "the confirmed fields: number, date, subject, "
                    "addressee, sender, references, enclosures (one a line), urgency, "
                    "secrecy")
    stamp_place: Checked({"type": "array", "items": {"type": "number"}, "minItems": 2,
                          "maxItems": 2},
                         "the stamp's top-left as fractions of the first page") = None
    confirm_duplicate: bool | None = None

"""Registers: receipts and dispatches, their lines, years opened at a paper book's number."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from saraban.api.schemas.common import (
    Answer,
    Body,
    Flag,
    Page,
    Query,
    RowId,
    Text,
    ThaiNumber,
    Time,
    choices,
)
from saraban.documents import limits
from saraban.registers.models import EntryMode, EntryStatus, RegisterKind

Kind = choices(RegisterKind)


class RegisterBrief(Answer):
    id: int
    unit: str
    kind: Kind
    code: str
    name: str
    secret: bool


class Registers(Answer):
    items: list[RegisterBrief]


class Receipt(Answer):
    id: int
    register_id: int
    document_id: int
    year: int
    number: int
    number_th: str
    received_at: Time
    received_th: str
    status: choices(EntryStatus)
    cancel_reason: str | None
    mode: choices(EntryMode)
    flags: list[Literal["before_document_date"]] = Field(
        description="before_document_date: the stamp is dated before the document")


class Dispatch(Answer):
    id: int
    register_id: int
    document_id: int
    year: int
    number: int
    number_text: str
    dispatched_at: Time
    to: str | None
    status: choices(EntryStatus)
    cancel_reason: str | None
    mode: choices(EntryMode)


class LineDocument(Answer):
    number: str | None
    subject: str


class Columns(Answer):
    """The register's columns as printed, in Thai."""

    number: str
    doc_number: str
    doc_date: str
    sender: str
    addressee: str
    subject: str
    action: str
    remarks: str


class ReceiptLine(Receipt):
    document: LineDocument | None = Field(description="null on a secret line not shown")
    line: Columns


class DispatchLine(Dispatch):
    document: LineDocument | None = Field(description="null on a secret line not shown")
    line: Columns


class Entries(Answer):
    register_id: int
    kind: Kind
    year: int
    month: int | None
    day: int | None
    total: int
    page: int
    items: list[ReceiptLine | DispatchLine]


class Opening(Answer):
    register_id: int
    year: int
    year_be: int
    last_number: int | None
    next_number: int


class PeriodQuery(Query):
    year: Annotated[int, Field(ge=1900, le=2200,
                               description="Calendar year (CE); default this year")] = 0
    month: Annotated[int | None, Field(ge=1, le=12)] = None
    day: Annotated[int | None, Field(ge=1, le=31, description="With a month only")] = None


class EntriesQuery(PeriodQuery):
    page: Page
    per_page: Annotated[int, Field(ge=1, le=500)] = 100


class ExportQuery(PeriodQuery):
    bom: Annotated[Literal["0", "1"] | None, Field(
        description="0 for plain UTF-8 without the byte-order mark")] = None


class ReceiptCreate(Body):
    document_id: RowId
    number: Annotated[ThaiNumber | None, Field(
        description="A historic stamp's number (Thai digits allowed)")] = None
    date: Annotated[str | None, Field(
        description="The stamp's date as written (๒๕ พ.ย. ๖๒) or ISO")] = None
    time: Annotated[str | None, Field(
        description="The stamp's time (๑๑.๒๕ น.); leave out when illegible")] = None
    source_text: Text(2000, "ข้อความบนตรา") = None
    confirm_duplicate: Annotated[Flag, Field(description=(
        "Register even though the unit already received a letter with the same sender, "
        "number and date (without it: 409 with `duplicate_of`)"))] = False


class OpeningCreate(Body):
    year: Annotated[ThaiNumber, Field(description="BE (๒๕๖๙) or CE (2026)")]
    last_number: Annotated[ThaiNumber, Field(
        description="the paper book's last number (Thai digits allowed)")]


class Cancel(Body):
    reason: Text(500, "เหตุผลที่ยกเลิก", required=True)


class Correction(Body):
    correction: Text(5000, "ข้อความที่แก้ไข", required=True, multiline=True)
    subject: Text(limits.SUBJECT, "เรื่อง") = None


class DispatchCreate(Body):
    register_id: RowId
    to: Text(limits.ADDRESSEE, "ถึง") = None  # ถึง of an outgoing letter, as เรียน

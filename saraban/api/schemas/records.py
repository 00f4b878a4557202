"""The records' life: retention, destruction lists and their items, loans, archives."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from saraban.api.schemas.common import (
    Answer,
    Body,
    Checked,
    Choice,
    Day,
    Id,
    Query,
    Text,
    ThaiNumber,
    Time,
    choices,
    flag_query,
)
from saraban.records.models import DestructionDecision, DestructionStatus


class Retention(Answer):
    document_id: int
    retention_years: int | None
    keep_forever: bool
    until_be: int | None = Field(description="kept through the end of this BE year; null: "
                                             "for ever")
    text: str
    destroyed_at: Time | None


class DocumentBrief(Answer):
    id: int
    number: str | None
    date: Day | None
    subject: str
    retention_years: int | None
    keep_forever: bool
    until_be: int | None
    text: str
    destroyed_at: Time | None


class ArchivesCandidate(DocumentBrief):
    origin_unit: str | None


class ArchivesCandidates(Answer):
    items: list[ArchivesCandidate]


class DestructionItem(Answer):
    id: int
    document_id: int
    decision: choices(DestructionDecision)
    decision_th: str
    extend_years: int | None
    note: str | None
    destroyed_at: Time | None
    document: DocumentBrief | None = Field(description="null when the caller may not read it")


class _ListFields(Answer):
    id: int
    unit_id: int
    unit: str
    year: int
    year_be: int
    status: choices(DestructionStatus)
    status_th: str
    late: bool
    proposed_at: Time | None
    chair: str | None
    members: list[str]
    reviewed_at: Time | None
    destroyed_at: Time | None


class DestructionList(_ListFields):
    items: list[DestructionItem]


class DestructionListSummary(_ListFields):
    items: int = Field(description="how many documents it lists")
    pending: int = Field(description="how many wait for a decision")


class DestructionLists(Answer):
    items: list[DestructionListSummary]


class Loan(Answer):
    id: int
    document_id: int
    number: str | None
    subject: str
    unit_id: int
    unit: str
    item: str
    borrower: str
    borrower_unit_id: int | None
    lent_on: Day | None
    due_on: Day | None
    returned_on: Day | None
    returned_by: str | None
    note: str | None
    overdue: bool


class Loans(Answer):
    items: list[Loan]


class UnitQuery(Query):
    unit: Annotated[int | None, Field(ge=1)] = None


class LoansQuery(Query):
    all: flag_query("1: with those returned")


class RetentionPut(Body):
    years: Checked({"type": ["integer", "null"], "minimum": 1, "maximum": 100}) = None
    keep_forever: Checked({"type": "boolean"}) = None


class DestructionListCreate(Body):
    unit: Id | str
    year: Annotated[ThaiNumber, Field(description="CE or BE")]


class Decision(Body):
    decision: Choice(["destroy", "extend", "keep"])
    extend_years: Checked({"type": "integer", "minimum": 1, "maximum": 100},
                          "Required with 'extend'") = None
    note: Text(2000, "หมายเหตุ", multiline=True) = None


class Review(Body):
    chair: Text(255, "ชื่อประธานกรรมการ", required=True)
    members: Checked({"type": "array", "minItems": 2, "items": {"type": "string"}},
                     "at least two names besides the chair")


Day_in = Annotated[str | None, Field(description=(
    "YYYY-MM-DD, or a Thai date such as ๑ ธ.ค. ๒๕๖๙"))]


class LoanCreate(Body):
    document_id: Id
    item: Text(2000, "รายการที่ให้ยืม", required=True)
    borrower: Text(255, "ชื่อผู้ยืม", required=True)
    borrower_unit: Id | None = None
    lent_on: Annotated[str | None, Field(description="Default today; YYYY-MM-DD, or a Thai "
                                                     "date such as ๑ ธ.ค. ๒๕๖๙")] = None
    due_on: Annotated[str, Field(description="YYYY-MM-DD, or a Thai date such as ๑ ธ.ค. ๒๕๖๙")]
    unit: Annotated[Id | None, Field(description=(
        "The lending unit, when the caller keeps records for several"))] = None
    note: Text(2000, "หมายเหตุ", multiline=True) = None


class LoanReturn(Body):
    returned_by: Text(255, "ชื่อผู้ส่งคืน", required=True)
    returned_on: Day_in = None

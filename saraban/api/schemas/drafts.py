"""Outgoing letters: drafts, their versions, review, signature, dispatch and delivery."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saraban.api.schemas.common import Answer, Body, Checked, Choice, Id, Text, Time
from saraban.delivery.models import Channel
from saraban.pdf.letter import KINDS

FIELDS_DOC = ("the form's fields: subject, to (เรียน/ถึง), references, enclosures (one a line "
              "or a list), closing, signer_rank, signer_name, signer_position, owner_unit, "
              "telephone, fax, email, urgency and secrecy (ปกติ/ด่วน/ด่วนมาก/ด่วนที่สุด, "
              "ปกติ/ลับ/ลับมาก), the memo's unit, the order's effective, the minutes' title, "
              "meeting_no, held_on, held_at, present, absent, attending, started_at, ended_at")


class Step(Answer):
    user_id: int
    name: str
    role: Annotated[str, Field(description="review (initials) or sign")]
    status: str
    round: int
    note: str | None
    acted_at: Time | None


class Draft(Answer):
    id: int
    kind: str
    unit_id: int
    subject: str
    fields: dict[str, Any]
    body: str
    secrecy: int
    urgency: int
    status: str
    version: int
    parallel: bool
    reply_to_id: int | None
    document_id: int | None
    capacity_text: str | None
    return_note: str | None
    signed_at: Time | None
    steps: list[Step]


class Drafts(Answer):
    waiting: list[Draft]
    mine: list[Draft]
    to_number: list[Draft]


class Change(Answer):
    field: str
    diff: list[tuple[str, str]]


class Version(Answer):
    number: int
    author: str | None
    created_at: Time
    fields: dict[str, Any]
    body: str
    changes: list[Change]


class Versions(Answer):
    items: list[Version]


class Delivery(Answer):
    id: int
    channel: str
    label: str
    address: str | None
    tracking: str | None
    status: str


class Dispatched(Answer):
    draft: Draft
    number: str
    document_id: int
    deliveries: list[Delivery]


class DraftCreate(Body):
    kind: Choice(KINDS, "the regulation's form")
    fields: Annotated[dict[str, Any] | None, Field(description=FIELDS_DOC)] = None
    body: Text(100_000, "ข้อความ", multiline=True) = None
    unit_id: Id | None = None
    reply_to: Annotated[Id | None, Field(description="a received document this answers "
                                         "(ตอบ): อ้างถึง and เรียน come from it")] = None


class DraftUpdate(Body):
    fields: Annotated[dict[str, Any] | None, Field(description=FIELDS_DOC)] = None
    body: Text(100_000, "ข้อความ", multiline=True) = None
    version: Annotated[int | None, Field(description="the version edited: another answers "
                                         "409")] = None


class Submit(Body):
    review_line: Checked({"type": "array", "items": {"type": "integer", "minimum": 1},
                          "maxItems": 20},
                         "user ids: the reviewers in order, the signer last; none: the "
                         "unit's default line") = None
    parallel: Annotated[bool | None, Field(description="เวียนตรวจ: the reviewers all at "
                                           "once")] = None


class Review(Body):
    action: Choice(["initial", "return"])
    note: Text(2000, "บันทึก", multiline=True) = None


class Sign(Body):
    capacity: Annotated[str | None, Field(description="own:<position id>, "
                                          "delegation:<id> or the position line as "
                                          "written; default the first")] = None


class Destination(Body):
    channel: Choice([c.value for c in Channel])
    unit_id: Id | None = None
    peer: Annotated[str | None, Field(description="exchange: the peer's code")] = None
    organization: Annotated[str | None, Field(description="ecms: the organisation id")] = None
    email: Annotated[str | None, Field(description="email: the agency's saraban@ address")] = None
    agency_id: Annotated[Id | None, Field(description="email: the outside agency whose "
                                          "saraban@ address (Agency.email) to use")] = None
    name: Text(300, "ชื่อผู้รับ") = None
    address: Text(1000, "ที่อยู่", multiline=True) = None
    tracking: Annotated[str | None, Field(description="post: the S10 number, "
                                          "EF123456785TH")] = None


class Dispatch(Body):
    register_id: Checked({"type": "integer", "minimum": 1}, "the dispatch register")
    destinations: Checked({"type": "array", "items": Destination.model_json_schema(),
                           "minItems": 1, "maxItems": 200})


class Tracking(Body):
    tracking: Annotated[str, Field(description="the S10 number, EF123456785TH")]


class ReviewLine(Body):
    review_line: Checked({"type": "array", "items": {"type": "integer", "minimum": 1},
                          "maxItems": 20},
                         "user ids: the reviewers in order, the signer last; empty: none")


class UnitReviewLine(Answer):
    unit_id: int
    review_line: list[int]

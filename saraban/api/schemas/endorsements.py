"""The commander's desk: proposals, capacities, endorsements with their orders, delegations."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saraban.api.schemas.common import (
    Answer,
    Body,
    Day,
    Flag,
    Query,
    Text,
    ThaiDate,
    Time,
    choices,
    flag_query,
)
from saraban.endorsements.models import EndorsementStatus, OrderStatus
from saraban.endorsements.operations import MAX_LINES, MAX_ORDERS
from saraban.units.models import DelegationKind


class Proposal(Answer):
    transfer_id: int
    document_id: int
    number: str | None
    subject: str
    urgency: int
    to_unit: str
    from_unit: str | None
    sent_at: Time | None
    endorsed: bool


class Proposals(Answer):
    items: list[Proposal]


class Capacity(Answer):
    key: str = Field(description="own:<position id> or delegation:<delegation id>")
    signature_text: str
    delegation_id: int | None


class Capacities(Answer):
    items: list[Capacity]


class Order(Answer):
    id: int
    endorsement_id: int
    to_unit_id: int | None
    to_unit: str | None
    to_user_id: int | None
    instruction: str
    due_date: Day | None
    status: choices(OrderStatus)
    overdue: bool
    transfer_id: int | None
    done_at: Time | None
    done_note: str | None


class Task(Order):
    document_id: int
    subject: str


class Tasks(Answer):
    items: list[Task]


class Signer(Answer):
    id: int
    name: str


class SigningCapacity(Answer):
    position_id: int | None
    delegation_id: int | None
    acting_kind: choices(DelegationKind) | None
    acting_position_id: int | None


class Endorsement(Answer):
    id: int
    document_id: int
    status: choices(EndorsementStatus)
    unit_id: int | None
    unit: str | None
    lines: list[str]
    signer: Signer
    capacity: SigningCapacity
    signature_text: str | None
    signature_block: str
    signed_at: Time | None
    corrects_id: int | None
    circular_citation: str | None
    orders: list[Order]


class Endorsements(Answer):
    items: list[Endorsement]


class Delegation(Answer):
    id: int
    person_id: int
    person: str
    position_id: int
    position: str
    kind: choices(DelegationKind)
    kind_th: str
    start_date: Day | None
    end_date: Day | None
    authority: str | None
    in_force: bool


class Delegations(Answer):
    items: list[Delegation]


class ProposalsQuery(Query):
    waiting: flag_query("1: only those not endorsed yet")


class OrdersQuery(Query):
    given: flag_query("1: the orders the caller gave that are still open")
    done: flag_query("1: with the finished ones")


class DelegationsQuery(Query):
    on: Annotated[str | None, Field(description="Only those in force on this date")] = None


class OrderIn(Body):
    to_unit: int | str | None = None
    to_user: int | str | None = None
    instruction: Text(1000, "ข้อความสั่งการ", multiline=True) = None
    due_date: Annotated[str | None, Field(description="ISO or Thai date")] = None


Lines = Annotated[list[str] | str, Field(description=(
    f"the endorsement's lines, at most {MAX_LINES} of at most 1,000 characters (a text is "
    "read line by line)"))]
CapacityKey = Annotated[str | None, Field(description=(
    "A key from GET /capacities (own:<position id> or delegation:<delegation id>); "
    "default the first"))]
Orders = Annotated[list[OrderIn] | None, Field(max_length=MAX_ORDERS)]


class EndorsementCreate(Body):
    lines: Lines
    capacity: CapacityKey = None
    orders: Orders = None
    corrects: Annotated[Any, Field(json_schema_extra={"type": ["integer", "null"]},
                                   description="The signed endorsement this corrects")] = None
    sign: Annotated[Flag | None, Field(description="true: sign it at once")] = None


class EndorsementUpdate(Body):
    lines: Lines = None
    capacity: CapacityKey = None
    orders: Orders = None
    corrects: Annotated[Any, Field(json_schema_extra={"type": ["integer", "null"]},
                                   description="The signed endorsement this corrects")] = None


class OrderDone(Body):
    note: Text(2000, "ผลการดำเนินการ", required=True, multiline=True)


class DelegationCreate(Body):
    person_id: int | str
    position_id: int | str
    kind: Annotated[str, Field(description="on_behalf, acting, doing_for, caretaker, or "
                                           "ปรท., พรท. (read as ปรท.), รรท.")]
    start_date: ThaiDate("วันเริ่ม", required=True)
    end_date: ThaiDate("วันสิ้นสุด") = None
    authority: Text(1000, "คำสั่งที่มอบหมาย", multiline=True) = None


class DelegationEnd(Body):
    end_date: str

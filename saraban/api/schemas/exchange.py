"""Letters to and from other agencies (the outbox and the arrivals)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saraban.api.schemas.common import Answer, Body, Checked, Text, Time, choices
from saraban.exchange.models import Direction, MessageStatus


class EarlierReceipt(Answer):
    receipt_id: int
    number: int
    year: int
    received_at: Time | None


class Message(Answer):
    id: int
    message_id: str
    direction: choices(Direction)
    kind: str
    peer: str
    document_id: int | None
    status: choices(MessageStatus)
    attempts: int
    last_error: str | None
    delivered_at: Time | None
    accept_id: str | None
    accepted_at: Time | None
    reason: str | None
    created_at: Time | None
    duplicate_of: EarlierReceipt | None = Field(description=(
        "an arrival that matches a letter already received (sender, number, date)"))


class Messages(Answer):
    items: list[Message]


class Send(Body):
    to: Annotated[str, Field(description="the peer's code")]


class AcceptArrival(Body):
    # any value: one that is no register's id is refused by the operation
    register_id: Annotated[Any, Field(json_schema_extra={"type": ["integer", "null"]},
                                      description="the receipt register (default the "
                                      "unit's own)")] = None


class Reject(Body):
    reason: Text(1000, "เหตุผล", required=True)
    invalid: Checked({"type": "boolean"}, "true: an invalid letter") = None

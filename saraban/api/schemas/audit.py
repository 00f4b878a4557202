"""The audit trail and the check of its hash chain."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from saraban.api.schemas.common import Answer, Query, Time


class AuditEvent(Answer):
    id: int
    occurred_at: Time
    user: str | None
    remote_addr: str | None
    action: str
    object_type: str | None
    object_id: int | str | None
    document_id: int | None
    unit_id: int | None
    details: dict[str, Any] | list[Any] | None
    masked: bool = Field(description="the details are hidden: a secret document the reader "
                                     "may not read")
    prev_hash: str | None
    hash: str | None


class AuditEvents(Answer):
    total: int
    items: list[AuditEvent]


class AuditFilter(Query):
    user: Annotated[str | None, Field(description="username")] = None
    unit: Annotated[str | None, Field(description="unit id")] = None
    action: Annotated[str | None, Field(description=(
        "an action, or its prefix (transfer matches transfer.send ...)"))] = None
    document: Annotated[str | None, Field(description="document id")] = None
    date_from: Annotated[str | None, Field(description="ISO or Thai date")] = None
    date_to: Annotated[str | None, Field(description="ISO or Thai date")] = None


class AuditEventsQuery(AuditFilter):
    page: Annotated[int | None, Field(ge=1)] = None


class AuditExportQuery(AuditFilter):
    bom: Literal["0", "1"] | None = None


class RecordProblem(Answer):
    record: str
    problem: str


class RecordsCheck(Answer):
    ok: bool
    rows: int
    unaudited: int
    problems: list[RecordProblem] = Field(description="the first 100")


class Verification(Answer):
    ok: bool
    events: int
    head: str
    bad_event_id: int | None
    problem: str | None
    problem_th: str | None
    anchor_event_id: int | None
    records: RecordsCheck | None = Field(default=None, description="with records=1")


class VerifyQuery(Query):
    anchor: Annotated[str | None, Field(description="a head hash written down elsewhere")] \
        = None
    records: Annotated[Literal["0", "1"] | None, Field(
        description="1: also recompute every record's digest")] = None

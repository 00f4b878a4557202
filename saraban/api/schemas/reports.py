"""Reports: where documents wait."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from saraban.api.schemas.common import Answer, Day, Query


class PendencyRow(Answer):
    unit: str
    unit_id: int
    year: int
    month: int
    received: int
    acted: int
    average_seconds: int | None
    p90_seconds: int | None
    acted_day_only: int = Field(description="acted on, timed by a stamp without a time")
    average_days: float | None
    waiting_by_age: list[int] = Field(description="still waiting, counted by 'ages'")


class Pendency(Answer):
    date_from: Day
    date_to: Day
    ages: list[str]
    items: list[PendencyRow]


class PendencyQuery(Query):
    date_from: Annotated[str | None, Field(description=(
        "Received from (Thai or ISO date); default a year ago"))] = None
    date_to: str | None = None

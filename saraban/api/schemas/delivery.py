"""The sending side: a dispatched letter's destinations and how each stands."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from saraban.api.schemas.common import Answer, Query, Time, choices
from saraban.delivery.models import Channel, DeliveryStatus


class DeliveryState(Answer):
    id: int
    channel: choices(Channel)
    channel_th: Annotated[str, Field(description="the channel's Thai name")]
    label: Annotated[str, Field(description="the destination as the register reads it")]
    address: str | None
    tracking: Annotated[str | None, Field(description="the post's S10 number")]
    status: Annotated[choices(DeliveryStatus), Field(description=(
        "how it stands; an exchange or e-CMS delivery by its outbox's state"))]
    status_th: Annotated[str, Field(description="รอส่ง, ส่งแล้ว, ปลายทางรับแล้ว, ส่งไม่สำเร็จ")]
    outbox_state: Annotated[str | None, Field(description=(
        "the exchange, e-CMS or mail outbox row's own state (an e-mail: queued, sent, "
        "failed, confirmed by the recipient's answer, bounced)"))]
    sent_at: Time | None
    confirmed_at: Annotated[Time | None, Field(description=(
        "an e-mail: when the recipient's confirmation (or a letter in answer) came"))] = None
    their_receipt_number: Annotated[str | None, Field(description=(
        "an e-mail: the receipt number the recipient's confirmation names"))] = None
    failure_reason: Annotated[str | None, Field(description=(
        "an e-mail: why it did not arrive (the bounce's reason)"))] = None


class Deliveries(Answer):
    dispatch_id: int
    document_id: int
    number: Annotated[str, Field(description="the letter's ที่ (Thai digits)")]
    subject: str
    items: list[DeliveryState]


class EnvelopeQuery(Query):
    size: Annotated[Literal["dl", "label"], Field(
        description="dl: one DL envelope (220 x 110 mm) a destination; label: A4 sheets of "
        "eight address labels")] = "dl"


class SlipQuery(Query):
    delivery: Annotated[int | None, Field(ge=1, description="only this delivery's slip")] = None


class BookQuery(Query):
    date: Annotated[str | None, Field(description="the day, YYYY-MM-DD; default today")] = None

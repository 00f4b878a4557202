"""One destination of a dispatched letter: its channel, where it went, and how it stands.

Channels: ``transfer`` (a unit of this installation: a transfer it receives), ``exchange``
(another Saraban installation), ``ecms`` (the government's e-CMS), ``email`` (another
agency's saraban@ address, through the mail outbox), ``post_registered`` and ``post_ems``
(ไปรษณีย์ลงทะเบียน / EMS, with the tracking number), ``hand`` (carried by a messenger,
signed for in the สมุดส่งหนังสือ).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base


class Channel(StrEnum):
    TRANSFER = "transfer"
    EXCHANGE = "exchange"
    ECMS = "ecms"
    EMAIL = "email"  # another agency's saraban@ address, through the mail outbox
    POST_REGISTERED = "post_registered"
    POST_EMS = "post_ems"
    HAND = "hand"


CHANNEL_NAMES = {
    Channel.TRANSFER: "ส่งในระบบ", Channel.EXCHANGE: "สารบรรณถึงสารบรรณ",
    Channel.ECMS: "e-CMS", Channel.EMAIL: "ไปรษณีย์อิเล็กทรอนิกส์ (saraban@)",
    Channel.POST_REGISTERED: "ไปรษณีย์ลงทะเบียน",
    Channel.POST_EMS: "ไปรษณีย์ด่วนพิเศษ (EMS)", Channel.HAND: "ส่งด้วยมือ",
}


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waits in an outbox, or for its tracking number
    SENT = "sent"  # handed to the channel (a transfer made, a post receipt)
    RECEIVED = "received"  # the other side acknowledged it
    FAILED = "failed"


STATUS_NAMES = {DeliveryStatus.QUEUED: "รอส่ง", DeliveryStatus.SENT: "ส่งแล้ว",
                DeliveryStatus.RECEIVED: "ปลายทางรับแล้ว", DeliveryStatus.FAILED: "ส่งไม่สำเร็จ"}


class Delivery(Base):
    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)  # the destination as the register reads it
    address: Mapped[str | None] = mapped_column(Text)  # post and hand: the address
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    peer_code: Mapped[str | None] = mapped_column(String(40))  # exchange; ecms: the org id
    tracking: Mapped[str | None] = mapped_column(String(20))  # the post's S10 number
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    message_ref: Mapped[int | None] = mapped_column(Integer)  # the outbox row's id
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.QUEUED)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    dispatch = relationship("Dispatch")

"""What each user was last told: the moment of his last notice (items that appeared
after it are new) and the Bangkok day of his last digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from saraban.db import Base


class NotifyState(Base):
    __tablename__ = "notify_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    last_sent_at: Mapped[dt.datetime | None]
    last_digest_on: Mapped[dt.date | None] = mapped_column(Date)

"""One pass of the notices (``saraban notify run``): for each user with an address,

* ``immediate``: one mail listing what began to wait for him since his last pass, then
  the window moves on (so no item is told twice, and nothing when nothing is new);
* ``digest``: once a day, at or after SARABAN_NOTIFY_DIGEST_HOUR (Bangkok, default 7),
  one mail listing all that waits.

Each user is one unit of work: his mail is queued in the outbox (sent by ``saraban
mail-send``) in the same transaction as his notify_state moves on, so that a crash never
loses a notice nor queues one twice. An item is looked at only once it is
SARABAN_NOTIFY_SETTLE_SECONDS old (default 60), so that a transaction still committing
when the window moved is not missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from saraban import thaidate
from saraban.accounts.models import User
from saraban.db import begin_write
from saraban.extensions import db
from saraban.mail.outbox_models import MailKind
from saraban.mail.sending import queue_mail
from saraban.notify.messages import notice_message
from saraban.notify.models import NotifyState
from saraban.notify.waiting import waiting_for
from saraban.transaction import unit_of_work


class NotifySettingError(ValueError):
    pass


def _setting(name: str, default: int, low: int, high: int) -> int:
    """A whole-number setting from the configuration (SARABAN_<name>), checked."""
    try:
        value = int(current_app.config.get(name, default))
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise NotifySettingError(f"SARABAN_{name} must be a whole number from {low} to {high}")
    return value


def digest_hour() -> int:
    return _setting("NOTIFY_DIGEST_HOUR", 7, 0, 23)


def settle() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("NOTIFY_SETTLE_SECONDS", 60, 0, 3600))


@dataclass
class NotifyReport:
    users: int = 0
    immediate: int = 0  # mails queued for something new
    digests: int = 0  # daily digests queued

    @property
    def queued(self) -> int:
        return self.immediate + self.digests

    def summary(self) -> str:
        return (f"แจ้งเตือนเข้าคิวส่ง {self.queued} ฉบับ (ทันที {self.immediate}, "
                f"สรุปประจำวัน {self.digests}) จากผู้ใช้ {self.users} คน"
                f" — queued {self.queued} notices ({self.immediate} immediate, "
                f"{self.digests} digests) for {self.users} users")


def _fresh(user: User) -> User:
    """The user as the database has him now (units, clearance), with no cached units."""
    for key in [k for k in user.__dict__ if k.startswith("_saraban_")]:
        del user.__dict__[key]
    db.session.refresh(user)
    return user


def _state(user_id: int) -> NotifyState:
    """His row, locked (PostgreSQL; SQLite's write lock is held), made on first use."""
    query = select(NotifyState).where(NotifyState.user_id == user_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    state = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if state is None:
        state = NotifyState(user_id=user_id)
        db.session.add(state)
        db.session.flush()
    return state


def notify_user(user: User, now: dt.datetime, hour: int, lag: dt.timedelta) -> str | None:
    """The notice due to one user now, queued (flushes only); "immediate", "digest" or
    None when nothing was queued."""
    begin_write(db.session)
    state = _state(user.id)
    user = _fresh(user)
    if not user.active or not user.email or user.notify == "off":
        return None
    if user.notify == "digest":
        today = thaidate.local_date(now)
        if state.last_digest_on == today or thaidate.local(now).hour < hour:
            return None
        items = waiting_for(user)
        state.last_digest_on = today
        db.session.flush()
        if not items:
            return None
        queue_mail(notice_message(user, items, digest=True), kind=MailKind.NOTIFICATION)
        return "digest"
    cutoff = (now - lag).replace(microsecond=0)  # the times kept are to the second
    since = state.last_sent_at
    if since is not None and since >= cutoff:
        return None
    items = waiting_for(user, since, until=cutoff)
    state.last_sent_at = cutoff
    db.session.flush()
    if not items:
        return None
    queue_mail(notice_message(user, items), kind=MailKind.NOTIFICATION)
    return "immediate"


def notify_once() -> NotifyReport:
    """One pass over the users who have an address and want notices."""
    report = NotifyReport()
    hour, lag = digest_hour(), settle()
    user_ids = list(db.session.scalars(
        select(User.id).where(User.email.is_not(None), User.notify != "off",
                              User.active.is_(True)).order_by(User.id)))
    db.session.rollback()  # end the read: each user is a unit of work of its own
    for user_id in user_ids:
        now = thaidate.now()
        with unit_of_work("one user's notice"):
            user = db.session.get(User, user_id)
            done = notify_user(user, now, hour, lag) if user is not None else None
        report.users += 1
        if done == "immediate":
            report.immediate += 1
        elif done == "digest":
            report.digests += 1
    return report

"""A user's e-mail address and how he wants to hear of what waits for him."""

from __future__ import annotations

import re

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.extensions import db
from saraban.validation import OperationError, clean_text

NOTIFY_CHOICES = ("immediate", "digest", "off")
EMAIL_MAX = 254  # RFC 5321: the longest path a server must take

# a plain address, name@domain, as people have them at work: no display name, no quotes,
# no comments, nothing a header could be split on; the domain in labels with a dot
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


class NotifyError(OperationError):
    """A refusal about the notices by e-mail."""


def clean_email(value) -> str | None:
    """An e-mail address as typed, trimmed, its domain in lower case; empty is None (no
    mail at all); anything but a plain name@domain address is refused."""
    value = clean_text(value, "email", "อีเมล", max_length=EMAIL_MAX)
    if value is None:
        return None
    if not _EMAIL.fullmatch(value) or len(value.partition("@")[0]) > 64:
        raise NotifyError("อีเมลไม่ถูกต้อง กรุณากรอกในรูปแบบ ชื่อ@โดเมน เช่น somchai@police.go.th",
                          "The e-mail address must look like name@domain "
                          "(somchai@police.go.th).", field="email")
    local, _, domain = value.partition("@")
    return f"{local}@{domain.lower()}"


def clean_notify(value) -> str:
    """The choice; "immediate" when none is given."""
    if value in (None, ""):
        return "immediate"
    if value not in NOTIFY_CHOICES:
        raise NotifyError("กรุณาเลือกวิธีแจ้งเตือน: ทันที สรุปวันละครั้ง หรือไม่ต้องแจ้ง",
                          "'notify' must be one of: " + ", ".join(NOTIFY_CHOICES) + ".",
                          field="notify")
    return value


def set_preference(actor: User, user: User, email, notify) -> User:
    """Set ``user``'s address and choice (flushes only): the user himself, on his account
    page (an administrator sets them with the rest of the user's record:
    admin.operations.update_user, in his lane)."""
    if actor.id != user.id:
        raise NotifyError("ท่านตั้งค่าการแจ้งเตือนของผู้อื่นไม่ได้",
                          "You may not set another user's notices.", status=403)
    address = clean_email(email)
    choice = clean_notify(notify)
    begin_write(db.session)
    before = (user.email, user.notify)
    user.email, user.notify = address, choice
    db.session.flush()
    if before != (address, choice):
        record("account.notify", user=actor, obj=user,
               details={"email": address, "notify": choice})
    return user

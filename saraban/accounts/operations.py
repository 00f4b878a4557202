"""Accounts: authentication, users, API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from saraban.accounts.models import PASSWORD_METHOD, ApiToken, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.extensions import db


@functools.cache
def _dummy_hash() -> str:
    """Checking a wrong username against this keeps it as slow as a wrong password."""
    return generate_password_hash(secrets.token_hex(8), method=PASSWORD_METHOD)


LOCK_AFTER = 5  # refused logins in a row
LOCK_FOR = dt.timedelta(minutes=15)


class AccountLocked(Exception):
    """Too many refused logins: the account waits until ``until``."""

    def __init__(self, until: dt.datetime):
        super().__init__(until)
        self.until = until


def authenticate(username: str, password: str) -> User | None:
    """The user, when the name and password match an active account that is not locked.
    After LOCK_AFTER refused passwords in a row the account is locked for LOCK_FOR, even
    for the right password (raises AccountLocked); the caller commits either way."""
    username = username.strip()
    if not username or not username.isprintable():
        return None  # no user name holds control characters (and PostgreSQL refuses NUL)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        _failed(None, {"username": username[:80], "reason": "unknown"})
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_dummy_hash(), password)  # as slow as any other answer
        _failed(user, {"reason": "locked"})
        raise AccountLocked(user.locked_until)
    if not user.active or not user.check_password(password):
        _failed(user, {"reason": "inactive" if not user.active else "password"})
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
            record("account.locked", user=user, obj=user,
                   details={"until": user.locked_until.isoformat()})
        return None
    begin_write(db.session)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record("login", user=user, obj=user)
    return user


def _failed(user: User | None, details: dict) -> None:
    """A refused login is recorded too (the caller commits), never with the password."""
    begin_write(db.session)
    record("login.failed", user=user, obj=user, details=details)


def create_token(user: User, name: str = "cli") -> str:
    """A new API token for ``user``; the plain token is returned once and never stored."""
    token = "sb_" + secrets.token_urlsafe(32)
    begin_write(db.session)
    db.session.add(
        ApiToken(user=user, name=name, token_hash=ApiToken.hash_token(token), prefix=token[:10])
    )
    record("token.create", user=user, obj=user, details={"name": name})
    return token


def user_for_token(token: str) -> User | None:
    return db.session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == ApiToken.hash_token(token),
            ApiToken.revoked_at.is_(None),
            User.active,
        )
    )


def overview_counts() -> dict[str, int]:
    """The size of the whole installation, for administrators."""
    from saraban.models import Document, Receipt, Unit

    counts = {}
    for key, model in (("documents", Document), ("receipts", Receipt), ("units", Unit),
                       ("users", User)):
        counts[key] = db.session.scalar(select(func.count()).select_from(model))
    return counts

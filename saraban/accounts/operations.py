"""Accounts: authentication, users, API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from saraban.accounts import totp
from saraban.accounts.models import PASSWORD_METHOD, ApiToken, RecoveryCode, Role, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.extensions import db
from saraban.thaidate import to_thai_digits
from saraban.validation import OperationError


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


@dataclass
class LoginAttempt:
    """A login counted before its password is checked (``begin_login``): the caller commits,
    so that every worker sees the count, then calls ``finish_login``."""

    username: str
    user: User | None
    count: int | None  # this attempt's place in the row of refusals; None when locked


def begin_login(username: str) -> LoginAttempt | None:
    """Counts this attempt against the account in one conditional UPDATE ... RETURNING,
    before any password is checked, so that however many requests arrive at once no more
    than LOCK_AFTER passwords are ever checked per lock. None for a name no account could
    have (nothing to count); the page commits it early (``commit_early``), then calls
    ``finish_login``."""
    username = username.strip()
    if not username or not username.isprintable():
        return None  # no user name holds control characters (and PostgreSQL refuses NUL)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        return LoginAttempt(username, None, None)
    return LoginAttempt(username, user, _count_attempt(user))


def _count_attempt(user: User) -> int | None:
    """One more attempt in a row, unless the account is locked (then None)."""
    now = utcnow()
    begin_write(db.session)
    count = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.refresh(user, ["failed_logins", "locked_until"])
    return count


def finish_login(attempt: LoginAttempt | None, password: str) -> User | None:
    """The user, when the name and password match an active account that is not locked.
    After LOCK_AFTER refused passwords in a row the account is locked for LOCK_FOR, even
    for the right password (raises AccountLocked); the request commits either way. Every
    refusal (unknown name, deactivated, locked, over the count, wrong password) costs one
    scrypt check, so that none answers faster than another.

    A user with TOTP turned on is given back but not yet logged in (``user.totp_enabled``):
    the caller asks for his code and calls ``check_login_code``; until then his count of
    refusals stands, so that wrong codes and wrong passwords add up to the same lockout."""
    if attempt is None:
        check_password_hash(_dummy_hash(), password)
        return None
    user = attempt.user
    if user is None:
        check_password_hash(_dummy_hash(), password)
        _failed(None, {"username": attempt.username[:80], "reason": "unknown"})
        return None
    if attempt.count is None or attempt.count > LOCK_AFTER:
        check_password_hash(_dummy_hash(), password)  # as slow as any other answer
        _failed(user, {"reason": "locked"})
        if attempt.count is None:
            raise AccountLocked(user.locked_until)
        return None  # counted behind the refusal that locks: never checked
    right = user.check_password(password)  # checked for a deactivated account too
    if not user.active or not right:
        _refused(user, "inactive" if not user.active else "password", attempt.count)
        return None
    if user.totp_enabled:
        # a right password is no refusal: take this attempt back off the count, which
        # goes on standing until the code is right
        db.session.execute(
            update(User).where(User.id == user.id, User.failed_logins > 0)
            .values(failed_logins=User.failed_logins - 1)
            .execution_options(synchronize_session=False))
        db.session.refresh(user, ["failed_logins"])
        return user
    _logged_in(user)
    return user


def authenticate(username: str, password: str) -> User | None:
    """``begin_login`` and ``finish_login`` in one transaction (the command line and tests;
    the login page commits between the two)."""
    return finish_login(begin_login(username), password)


def check_login_code(user: User, code: str) -> str | None:
    """The second step of a login with TOTP: ``code`` is the current six-digit code (Thai
    digits allowed, now ± one step, never a step already used) or an unused recovery code.
    Gives how the user proved himself ("totp" or "recovery") and logs him in, or None
    after counting the refusal towards the lockout (raises AccountLocked while locked).
    The attempt is counted first, atomically, as for a password."""
    count = _count_attempt(user)
    if count is None:
        _failed(user, {"reason": "locked"})
        raise AccountLocked(user.locked_until)
    if count > LOCK_AFTER:
        _failed(user, {"reason": "locked"})
        return None
    how = _spend_code(user, code) if user.active and user.totp_enabled else None
    if how is None:
        _refused(user, "code", count)
        return None
    _logged_in(user, {"second_factor": how})
    return how


def _spend_code(user: User, code: str) -> str | None:
    """Uses up ``code`` when it is right: a TOTP step or a recovery code, each once. The
    conditional UPDATEs make two requests racing with the same code accept it only once."""
    code = totp.normalize(code)
    if totp.is_totp_code(code):
        secret = totp.decrypt(user.totp_secret) if user.totp_secret else None
        step = totp.matching_step(secret, code, user.totp_last_step) if secret else None
        if step is None:
            return None
        begin_write(db.session)
        done = db.session.execute(
            update(User)
            .where(User.id == user.id,
                   or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            return None
        set_committed_value(user, "totp_last_step", step)
        return "totp"
    if not code or len(code) > 40:
        return None
    begin_write(db.session)
    done = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_hash == RecoveryCode.hash_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    return "recovery"


def _refused(user: User, reason: str, count: int) -> None:
    """A refusal, counted already (``_count_attempt``); the LOCK_AFTER-th in a row locks
    the account for LOCK_FOR (only the one request that drew that number does)."""
    _failed(user, {"reason": reason})
    if count >= LOCK_AFTER:
        until = utcnow() + LOCK_FOR
        db.session.execute(
            update(User).where(User.id == user.id)
            .values(locked_until=until, failed_logins=0)
            .execution_options(synchronize_session=False))
        set_committed_value(user, "locked_until", until)
        set_committed_value(user, "failed_logins", 0)
        record("account.locked", user=user, obj=user, details={"until": until.isoformat()})


def _failed(user: User | None, details: dict) -> None:
    """A refused login is recorded too (the caller commits), never with the password."""
    begin_write(db.session)
    record("login.failed", user=user, obj=user, details=details)


def _logged_in(user: User, details: dict | None = None) -> None:
    begin_write(db.session)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record("login", user=user, obj=user, details=details)


def end_sessions(user: User, action: str = "logout") -> None:
    """Logout: a new session token ends this session and every other one of the user (a
    cookie copied before is worth nothing after)."""
    begin_write(db.session)
    user.rotate_session()
    record(action, user=user, obj=user)


def unseen_notices(user: User) -> list:
    from saraban.accounts.models import AccountNotice

    return list(db.session.scalars(
        select(AccountNotice).where(AccountNotice.user_id == user.id,
                                    AccountNotice.seen_at.is_(None))
        .order_by(AccountNotice.id)))


def mark_notices_seen(user: User) -> None:
    from saraban.accounts.models import AccountNotice

    begin_write(db.session)
    db.session.execute(
        update(AccountNotice)
        .where(AccountNotice.user_id == user.id, AccountNotice.seen_at.is_(None))
        .values(seen_at=utcnow()).execution_options(synchronize_session=False))


def _store_own_password(user: User, new: str, again: str, action: str) -> None:
    """The user's own new password, checked and stored; no one-time password stands."""
    _check_new_password(user, new, again)
    begin_write(db.session)
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    record(action, user=user, obj=user)


def set_own_password(user: User, new: str, again: str) -> None:
    """After a one-time password (a new account, an administrator's reset): the user sets
    his own; the one-time password is no longer any good, and neither is any session."""
    _store_own_password(user, new, again, "password.set")


def create_token(user: User, name: str = "cli") -> str:
    """A new API token for ``user``; the plain token is returned once and never stored."""
    token = "sb_" + secrets.token_urlsafe(32)
    begin_write(db.session)
    db.session.add(
        ApiToken(user=user, name=name, token_hash=ApiToken.hash_token(token), prefix=token[:10])
    )
    record("token.create", user=user, obj=user, details={"name": name})
    return token


TOKEN_USE_STEP = dt.timedelta(minutes=1)  # last_used_at is kept to the minute, not per request


def user_for_token(token: str) -> User | None:
    """The active user of an unrevoked ``token``, or None. Its ``last_used_at`` is written
    when it is a minute old or unset, by a conditional UPDATE, so that busy clients and
    parallel requests cost one write a minute. It is part of the request's work (the
    boundary commits it; a request that fails leaves it as it was), not a connection of its
    own: a second connection could not see a token made in the same transaction (a test's),
    and on SQLite it would wait for the very lock this request may hold."""
    found = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == ApiToken.hash_token(token),
            ApiToken.revoked_at.is_(None),
            User.active,
        )
    ).first()
    if found is None:
        return None
    user, token_id, last_used = found
    now = utcnow()
    if last_used is None or last_used <= now - TOKEN_USE_STEP:
        begin_write(db.session)
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id,
                   or_(ApiToken.last_used_at.is_(None),
                       ApiToken.last_used_at <= now - TOKEN_USE_STEP))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return user


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(token: ApiToken, by: User | None = None) -> bool:
    """Revoke ``token`` from now on (its next request answers 401); False when it already
    was. ``by`` is who did it (None from the command line)."""
    if token.revoked_at is not None:
        return False
    begin_write(db.session)
    now = utcnow()
    done = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    set_committed_value(token, "revoked_at", now)
    record("token.revoke", user=by, obj=token.user,
           details={"prefix": token.prefix, "name": token.name})
    return True


def revoke_own_token(user: User, token_id: int) -> bool:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise OperationError("ไม่พบโทเค็นนี้ในบัญชีของท่าน", "No such token of yours.",
                             status=404)
    return revoke_token(token, by=user)


def tokens_with_prefix(prefix: str, username: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.prefix == prefix.strip())
    if username:
        query = query.join(User, User.id == ApiToken.user_id).where(User.username == username)
    return list(db.session.scalars(query.order_by(ApiToken.id)))


# -- password and second factor on the account's own page ----------------------------------

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200


def change_password(user: User, current: str, new: str, again: str) -> None:
    """Checks the current password and sets the new one; every other session of the user
    ends (the session token changes), the caller logs this one in again."""
    if not user.check_password(current or ""):
        raise OperationError("รหัสผ่านปัจจุบันไม่ถูกต้อง", "The current password is wrong.",
                             field="current")
    _store_own_password(user, new, again, "password.change")


def _check_new_password(user: User, new: str, again: str) -> None:
    new = new or ""
    if len(new) < PASSWORD_MIN_LENGTH:
        raise OperationError(
            f"รหัสผ่านใหม่ต้องยาวอย่างน้อย {to_thai_digits(PASSWORD_MIN_LENGTH)} ตัวอักษร",
            f"The new password needs at least {PASSWORD_MIN_LENGTH} characters.", field="new")
    if len(new) > PASSWORD_MAX_LENGTH:
        raise OperationError(
            f"รหัสผ่านใหม่ยาวเกิน {to_thai_digits(PASSWORD_MAX_LENGTH)} ตัวอักษร",
            f"The new password is longer than {PASSWORD_MAX_LENGTH} characters.", field="new")
    if new != again:
        raise OperationError("รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน",
                             "The two new passwords differ.", field="again")
    if user.check_password(new):
        raise OperationError("รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านปัจจุบัน",
                             "The new password is the current one.", field="new")


def totp_required_roles() -> frozenset[str]:
    return frozenset(current_app.config.get("REQUIRE_TOTP_FOR") or ())


def totp_required(user: User) -> bool:
    """An administrator's setting (SARABAN_REQUIRE_TOTP_FOR) demands a second factor of
    one of the user's roles."""
    if user.is_sysadmin and current_app.config.get("SYSADMIN_TOTP", True):
        return True  # system administrators: always (unless SARABAN_SYSADMIN_TOTP=0)
    required = totp_required_roles()
    return bool(required) and any(str(role) in required for role in user.roles)


def totp_offered(user: User) -> bool:
    """Who may turn TOTP on: administrators and commanders, anyone it is required of, and
    anyone who has it already (so that he can turn it off)."""
    return (user.totp_enabled or user.totp_secret is not None or totp_required(user)
            or user.is_sysadmin or any(role in (Role.ADMIN, Role.COMMANDER) for role in user.roles))


def start_totp(user: User) -> str:
    """A new secret, kept (encrypted) but not yet in force until ``confirm_totp``."""
    if not totp_offered(user):
        raise OperationError("บัญชีของท่านไม่มีการยืนยันตัวตนสองขั้นตอน",
                             "Two-step login is not offered to this account.", status=403)
    if user.totp_enabled:
        raise OperationError("บัญชีนี้เปิดใช้การยืนยันตัวตนสองขั้นตอนอยู่แล้ว",
                             "Two-step login is already on.", status=409)
    secret = totp.new_secret()
    begin_write(db.session)
    user.totp_secret = totp.encrypt(secret)
    user.totp_last_step = None
    return secret


def pending_totp_secret(user: User) -> str | None:
    """The secret being set up (shown as a QR code until the user confirms a code)."""
    if user.totp_enabled or not user.totp_secret:
        return None
    return totp.decrypt(user.totp_secret)


def confirm_totp(user: User, code: str) -> list[str]:
    """Turns TOTP on when ``code`` matches the secret being set up; gives the recovery
    codes, shown once (only their hashes are kept). Every other session ends."""
    secret = pending_totp_secret(user)
    if secret is None:
        raise OperationError("กรุณาเริ่มตั้งค่าการยืนยันตัวตนสองขั้นตอนใหม่อีกครั้ง",
                             "Start setting up two-step login first.", status=409)
    step = totp.matching_step(secret, totp.normalize(code), None)
    if step is None:
        raise OperationError("รหัสจากแอปไม่ถูกต้อง กรุณาตรวจเวลาในโทรศัพท์แล้วลองรหัสล่าสุด",
                             "The code does not match.", field="code")
    begin_write(db.session)
    user.totp_enabled = True
    user.totp_last_step = step
    user.rotate_session()
    codes = _replace_recovery_codes(user)
    record("totp.enable", user=user, obj=user)
    return codes


def disable_totp(user: User, code: str = "", password: str = "", *,
                 console: bool = False) -> None:
    """Turns TOTP off, given a current code or the password; from the command line
    (``console``, an administrator with access to the server) neither is needed."""
    if not user.totp_enabled and user.totp_secret is None:
        raise OperationError("บัญชีนี้ไม่ได้เปิดใช้การยืนยันตัวตนสองขั้นตอน",
                             "Two-step login is not on.", status=409)
    if not console:
        proved = bool(password) and user.check_password(password)
        if not proved and code:
            proved = _spend_code(user, code) is not None
        if not proved:
            raise OperationError("รหัสจากแอปหรือรหัสผ่านไม่ถูกต้อง ยังไม่ได้ปิดการยืนยันตัวตน",
                                 "Neither the code nor the password is right.", field="code")
    begin_write(db.session)
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("totp.disable", user=None if console else user, obj=user,
           details={"via": "console"} if console else None)


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=RecoveryCode.hash_code(totp.normalize(c)))
        for c in codes)
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def overview_counts() -> dict[str, int]:
    """The size of the whole installation, for administrators."""
    from saraban.models import Document, Receipt, Unit

    counts = {}
    for key, model in (("documents", Document), ("receipts", Receipt), ("units", Unit),
                       ("users", User)):
        counts[key] = db.session.scalar(select(func.count()).select_from(model))
    return counts

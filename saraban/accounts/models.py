"""Users, their roles per unit, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from saraban.db import Base, StrEnum, TimestampMixin, enum_column
from saraban.units.models import Person, Unit

PASSWORD_METHOD = "scrypt"


class Role(StrEnum):
    CLERK = "clerk"  # เจ้าหน้าที่สารบรรณ
    COMMANDER = "commander"  # ผู้บังคับบัญชา
    STAFF = "staff"  # เจ้าหน้าที่
    ADMIN = "admin"  # ผู้ดูแลระบบ


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # Highest secrecy level the user is cleared for: 0 none, 1 ลับ, 2 ลับมาก, 3 ลับที่สุด.
    clearance: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Sees every document of every unit (system administrators, auditors).
    sees_all: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None]
    # refused logins in a row, and the time until which the account is locked after many
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    # Changes whenever the password does, ending every other session (flask-login's get_id).
    session_token: Mapped[str] = mapped_column(String(64))
    # TOTP second factor (saraban/accounts/totp.py): the base32 secret encrypted with a key
    # derived from SECRET_KEY; set but not enabled while the user has not yet confirmed a
    # code; the last time step used, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # A system administrator (few, named, TOTP required) manages every unit and user; an
    # administrator by membership manages only the users of his own units.
    is_sysadmin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A one-time password (a new account, an administrator's reset) only lets the user
    # set a password of his own at the next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # Where and how the user hears of what waits for him (saraban/notify): his own e-mail
    # address, and "immediate" (a mail when something new waits), "digest" (one a day) or
    # "off". Nothing is sent without an address.
    email: Mapped[str | None] = mapped_column(String(320))
    notify: Mapped[str] = mapped_column(String(9), default="immediate",
                                        server_default="immediate")

    person: Mapped[Person | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    __table_args__ = (
        CheckConstraint("clearance BETWEEN 0 AND 3", name="clearance_range"),
        CheckConstraint("NOT totp_enabled OR totp_secret IS NOT NULL",
                        name="totp_enabled_has_secret"),
        CheckConstraint("notify IN ('immediate', 'digest', 'off')", name="notify_choice"),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.rotate_session()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session(self) -> None:
        """Ends every session of this user but the one that logs in again at once."""
        self.session_token = secrets.token_hex(16)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def roles_in(self, unit_id: int) -> set[Role]:
        return {m.role for m in self.memberships if m.unit_id == unit_id}

    def has_role(self, role: Role) -> bool:
        return any(m.role == role for m in self.memberships)

    @property
    def roles(self) -> list[Role]:
        seen: list[Role] = []
        for m in self.memberships:
            if m.role not in seen:
                seen.append(m.role)
        return seen

    @property
    def units(self) -> list[Unit]:
        seen: list[Unit] = []
        for m in self.memberships:
            if m.unit not in seen:
                seen.append(m.unit)
        return seen


class Membership(Base):
    """A user's role in a unit; ``with_subunits`` extends it to the units below."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[Role] = enum_column(Role, "role")
    with_subunits: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role"),)


class ApiToken(TimestampMixin, Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class AccountNotice(TimestampMixin, Base):
    """Something done to an account that its owner must hear of at his next login (there is
    no e-mail yet): ``kind`` "password_reset" by the administrator ``by_user_id``."""

    __tablename__ = "account_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    seen_at: Mapped[dt.datetime | None]

    by_user: Mapped[User | None] = relationship(foreign_keys=[by_user_id])


class RateLimitCounter(Base):
    """A fixed-window request counter shared by every worker, for installations without
    Redis (saraban/ratelimit.py). ``expires_at`` is in seconds since the epoch."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)


class RecoveryCode(TimestampMixin, Base):
    """A one-time code that stands in for the TOTP code when the phone is lost. Only its
    SHA-256 is stored (the code holds 80 random bits); ``used_at`` is set when it is spent."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    @staticmethod
    def hash_code(code: str) -> str:
        return hashlib.sha256(code.encode()).hexdigest()

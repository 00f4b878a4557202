"""The declarative base, column types and small helpers every domain model shares."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, scoped_session
from sqlalchemy.types import TypeDecorator

from saraban import thaidate

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on every engine.

    SQLite has no time zone type: values are stored as naive UTC and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is needed")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current moment, aware UTC: the one clock, ``thaidate.now()``."""
    return thaidate.now()


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class StrEnum(enum.StrEnum):
    """An enumeration stored as its string value with a CHECK constraint (no native enum)."""


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs) -> Mapped:
    """A column for ``enum_cls`` stored as VARCHAR with a CHECK named after ``name``."""
    return mapped_column(
        Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
            length=max(len(m.value) for m in enum_cls),
        ),
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def _wrote(session) -> bool:
    """This SQLite transaction has written (an earlier operation of the request flushed):
    the connection's change counter moved since BEGIN (saraban/sqlite.py records it)."""
    from saraban.sqlite import CHANGES_AT_BEGIN

    connection = session.connection()
    at_begin = connection.info.get(CHANGES_AT_BEGIN)
    return at_begin is None or connection.connection.dbapi_connection.total_changes != at_begin


def begin_write(session) -> None:
    """Start the writing part of an operation: call it after the reads and checks, just
    before the first write, and re-check there what another writer could have changed.

    On SQLite this ends the read-only transaction (keeping the loaded objects as they are)
    and begins ``BEGIN IMMEDIATE``: the write lock is taken, waiting its turn up to the
    busy timeout, so that two clerks never fail on a stale snapshot and the lock is held
    only for the writes. On other engines nothing changes: row locks do that work.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get("sqlite_immediate"):
            return  # this transaction began as a writing one
        if session.new or session.dirty or session.deleted or _wrote(session):
            return  # already writing: this transaction holds the lock
        keep = session.expire_on_commit
        session.expire_on_commit = False  # nothing was written: what was read stays valid
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    session.connection(execution_options={"sqlite_immediate": True})

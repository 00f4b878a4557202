"""The rules ``ecms_message`` and ``ecms_level_map`` hold in the database itself, on both
databases: a pulled item is stored once per ProcessID, evidence never without its digest, an
accepted letter never without its เลขรับ, one code per level and one level per code."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy.exc import IntegrityError

from saraban.db import utcnow
from saraban.exchange.ecms.models import (
    Direction,
    EcmsLevelMap,
    EcmsMessage,
    EcmsOrganization,
    LevelKind,
    MessageState,
)

RAW = b"<SOAP-ENV:Envelope/>"


def _pulled(process_id: str | None = "20261203093000-000001", **kw) -> EcmsMessage:
    fields = dict(direction=Direction.IN, operation="GovernmentDocument", process_id=process_id,
                  letter_id="กค ๐๔๐๘/ว๑๒", correspondence_date=dt.date(2026, 12, 3),
                  counterpart_id="0031500002", raw=RAW,
                  raw_sha256=hashlib.sha256(RAW).hexdigest(), state=MessageState.STORED,
                  pulled_at=utcnow())
    fields.update(kw)
    return EcmsMessage(**fields)


def _refused(session, *rows) -> None:
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add_all(rows)
            session.flush()


def test_a_pulled_item_is_stored_once_per_process_id(db_session):
    db_session.add(_pulled())
    db_session.flush()
    _refused(db_session, _pulled())  # pulled again after a crash before the delete
    db_session.add(_pulled("20261203093000-000002"))
    # what we send has no ProcessID until the node takes it: many may wait at once
    db_session.add_all([_pulled(None, direction=Direction.OUT, state=MessageState.QUEUED,
                                raw=None, raw_sha256=None) for _ in range(2)])
    db_session.flush()
    # the same ProcessID in the other direction is another node's numbering: allowed
    db_session.add(_pulled(direction=Direction.OUT, state=MessageState.SENT))
    db_session.flush()


def test_a_pulled_item_always_has_its_process_id(db_session):
    _refused(db_session, _pulled(None))


def test_evidence_is_never_kept_without_its_digest(db_session):
    _refused(db_session, _pulled(raw_sha256=None))
    _refused(db_session, _pulled(raw=None))


def test_an_accepted_letter_carries_its_accept_id(db_session):
    _refused(db_session, _pulled(None, direction=Direction.OUT, state=MessageState.ACCEPTED))
    db_session.add(_pulled(None, direction=Direction.OUT, state=MessageState.ACCEPTED,
                           accept_id="๑๒๓"))
    db_session.flush()


def test_department_ids_are_ten_characters(db_session):
    _refused(db_session, _pulled(counterpart_id="00315"))
    _refused(db_session, EcmsOrganization(organization_id="123", th_name="x",
                                          fetched_at=utcnow()))


def test_one_code_per_level_and_one_level_per_code(db_session):
    db_session.add(EcmsLevelMap(kind=LevelKind.SECRECY, level=1, code="002"))
    db_session.flush()
    _refused(db_session, EcmsLevelMap(kind=LevelKind.SECRECY, level=1, code="003"))
    _refused(db_session, EcmsLevelMap(kind=LevelKind.SECRECY, level=2, code="002"))
    _refused(db_session, EcmsLevelMap(kind=LevelKind.SECRECY, level=4, code="005"))
    db_session.add(EcmsLevelMap(kind=LevelKind.URGENCY, level=1, code="002"))  # another list
    db_session.flush()

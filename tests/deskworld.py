"""A small world for the commander's desk: a commander's office, a unit that proposes a memo
to it, a unit given orders, a deputy acting for the head, and one user of each kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from saraban import thaidate
from saraban.accounts.operations import create_token
from saraban.units.models import Delegation, DelegationKind, Person, Position, PositionHolding
from tests.conftest import make_document, make_unit, make_user
from tests.factories import make_transfer

PASSWORD = "รหัสผ่าน-ทดสอบ-1"


@dataclass
class Desk:
    memo: int
    office: object
    proposer: object
    target: object
    head: object
    deputy_position: object
    delegation: object
    headers: dict
    users: dict


@pytest.fixture()
def desk(db_session):
    """A commander's office, a unit that proposes a memo to it, and a unit given orders."""
    office = make_unit(db_session, "สง.ทดสอบ")
    proposer = make_unit(db_session, "กองเสนอ")
    target = make_unit(db_session, "กองปฏิบัติ")
    other = make_unit(db_session, "กองอื่น")
    head = Position(unit=office, title="ผบก.ทดสอบ", is_head=True)
    deputy_position = Position(unit=office, title="รอง ผบก.ทดสอบ")
    chief = Person(rank="พล.ต.ต.", first_name="ทดสอบ", last_name="ผู้บังคับ")
    deputy = Person(rank="พ.ต.อ.", first_name="รอง", last_name="ทำแทน")
    db_session.add_all([head, deputy_position, chief, deputy])
    db_session.flush()
    db_session.add_all([PositionHolding(person=chief, position=head),
                        PositionHolding(person=deputy, position=deputy_position)])
    today = thaidate.today()
    delegation = Delegation(person=deputy, position=head, kind=DelegationKind.ON_BEHALF,
                            start_date=today - dt.timedelta(days=1),
                            end_date=today + dt.timedelta(days=5))
    db_session.add(delegation)
    users = {
        "commander": make_user(db_session, units=[office], role="commander", person=chief),
        "deputy": make_user(db_session, units=[office], role="staff", person=deputy),
        "office-clerk": make_user(db_session, units=[office], role="clerk"),
        "proposer": make_user(db_session, units=[proposer], role="clerk"),
        "assignee": make_user(db_session, units=[target], role="staff"),
        "outsider": make_user(db_session, units=[other], role="commander"),
    }
    memo = make_document(db_session, "บันทึกเสนอขออนุมัติโครงการ", origin_unit_id=proposer.id,
                         body="ข้อเท็จจริง ...\nข้อเสนอ เห็นควรอนุมัติ")
    headers = {}
    for name, user in users.items():
        headers[name] = {"Authorization": f"Bearer {create_token(user, 'test')}"}
    db_session.commit()
    make_transfer(db_session, memo, office, by=users["proposer"], purpose="consider",
                  propose=True)
    return Desk(memo.id, office, proposer, target, head, deputy_position, delegation, headers,
                {name: user.username for name, user in users.items()})

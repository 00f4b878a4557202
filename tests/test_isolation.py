"""The test harness itself: what one test commits is gone in the next."""

from sqlalchemy import select

from saraban.registers.models import Register
from saraban.units.models import Unit


def test_commit_inside_a_test(db_session):
    unit = db_session.scalar(select(Unit).where(Unit.short_name == "สทส."))
    db_session.add(Register(unit=unit, kind="receipt", code="isolation", name="x"))
    db_session.commit()
    assert db_session.scalar(select(Register).where(Register.code == "isolation"))


def test_is_rolled_back_after_it(db_session):
    assert db_session.scalar(select(Register).where(Register.code == "isolation")) is None

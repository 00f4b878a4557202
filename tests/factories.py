"""Plain factories for tests that need a row of their own rather than the sample chain's."""

from __future__ import annotations

from sqlalchemy import select


def make_register(db_session, code: str, name: str = "ทะเบียนทดสอบ", *, unit: str = "สทส.",
                  kind: str = "receipt") -> int:
    """A new register of ``unit`` (by short name; สทส. is the demo clerk's), empty in
    every year, committed; its id."""
    from saraban.registers.models import Register
    from saraban.units.models import Unit

    owner = db_session.scalar(select(Unit).where(Unit.short_name == unit))
    register = Register(unit=owner, kind=kind, code=code, name=name)
    db_session.add(register)
    db_session.commit()
    return register.id

"""Plain factories for tests that need a row of their own rather than the sample chain's.

Receipts, transfers and endorsements are made by the real operations (numbering, the
permission checks, the audit events), not by inserting rows: a test standing on one
gets a record the system could have made, numbered as the system numbers. Each factory
commits, as a request would, so the test client's requests see what it made. A user is
an account or a username (the demo users of the sample data: ``demo-clerk`` is a clerk of
สทส.).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select


def _user(db_session, user):
    from saraban.accounts.models import User

    if isinstance(user, str):
        found = db_session.scalar(select(User).where(User.username == user))
        assert found is not None, f"no user {user!r}"
        return found
    return user


def _id(thing) -> int:
    return thing if isinstance(thing, int) else thing.id


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


def make_receipt(db_session, document, register, *, by="demo-clerk",
                 received_at: dt.datetime | None = None, duplicate: bool = False):
    """``document`` entered in the receipt ``register`` (a Register or its id) by ``by``,
    who must be allowed to use it, with the register's next number in the year of
    ``received_at`` (now by default). ``duplicate``: the unit already received this
    letter in another register, and the clerk confirms it is received again. Committed;
    the Receipt."""
    from saraban.registers.operations import register_receipt

    receipt = register_receipt(_user(db_session, by), _id(register), _id(document),
                               received_at, confirm_duplicate=duplicate)
    db_session.commit()
    return receipt


def make_transfer(db_session, document, to, *, by="demo-clerk", purpose: str = "inform",
                  propose: bool = False, **options):
    """``document`` sent by ``by`` from his unit to the unit ``to`` (a Unit or its id), or
    circulated to several (a list); ``propose`` sends it up to the unit's commander to
    endorse. ``options``: those of ``send_transfers`` (``due_date``, ``from_unit_id``,
    ``note``, ``to_user_id``, ``purpose_text``). Committed; the Transfer (a list of them
    for a list of units)."""
    from saraban.routing.operations import send_transfers

    units = [_id(u) for u in to] if isinstance(to, list | tuple) else [_id(to)]
    made = send_transfers(_user(db_session, by), _id(document), units, purpose=purpose,
                          propose=propose, **options)
    db_session.commit()
    return made if isinstance(to, list | tuple) else made[0]


def make_endorsement(db_session, document, *, by, lines: Iterable[str] = ("ทราบ",),
                     orders: Iterable[dict] = (), sign: bool = True, **data):
    """A minute written by ``by`` on a ``document`` proposed to him (``make_transfer(...,
    propose=True)`` first), signed unless ``sign`` is False. ``orders``: dicts of
    ``to_unit``/``to_user``, ``instruction`` and ``due_date``, as the API takes them;
    ``data``: ``capacity``, ``corrects``. Committed; the Endorsement."""
    from saraban.endorsements.operations import draft_endorsement, sign_endorsement

    user = _user(db_session, by)
    endorsement = draft_endorsement(user, _id(document), {
        "lines": list(lines), "orders": list(orders), **data})
    if sign:
        endorsement = sign_endorsement(user, endorsement.id)
    db_session.commit()
    return endorsement

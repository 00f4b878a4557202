"""Registers: reading them. (Numbering and registration come with the clerk's desk.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from saraban.accounts.models import Role, User
from saraban.documents.access import member_unit_ids
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.registers.models import Receipt, Register


def recent_receipts(user: User, limit: int = 10) -> list[Receipt]:
    """The latest lines of the receipt registers the user keeps as a clerk."""
    units = member_unit_ids(user, Role.CLERK)
    if not units:
        return []
    return db.session.scalars(
        select(Receipt)
        .join(Receipt.register)
        .join(Receipt.document)
        .where(Register.unit_id.in_(units), Document.secrecy <= user.clearance)
        .options(
            contains_eager(Receipt.register).joinedload(Register.unit),
            contains_eager(Receipt.document),
        )
        .order_by(Receipt.received_at.desc(), Receipt.id.desc())
        .limit(limit)
    ).all()



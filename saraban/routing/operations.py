"""Routing: reading what moved where. (Sending and accepting come with the desks.)"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, joinedload

from saraban.accounts.models import Role, User
from saraban.documents.access import member_unit_ids
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.routing.models import Endorsement, EndorsementStatus, Transfer, TransferKind


@dataclass
class Proposal:
    transfer: Transfer
    endorsed: bool


def proposals_for(user: User, limit: int = 10) -> list[Proposal]:
    """Documents proposed (เสนอ) to the units the user commands, most urgent and newest
    first, each marked whether the unit has endorsed it yet."""
    units = member_unit_ids(user, Role.COMMANDER)
    if not units:
        return []
    endorsed = (
        exists()
        .where(
            Endorsement.document_id == Transfer.document_id,
            Endorsement.unit_id == Transfer.to_unit_id,
            Endorsement.status == EndorsementStatus.SIGNED,
        )
        .label("endorsed")
    )
    rows = db.session.execute(
        select(Transfer, endorsed)
        .join(Transfer.document)
        .where(
            Transfer.kind == TransferKind.PROPOSE,
            Transfer.to_unit_id.in_(units),
            Document.secrecy <= user.clearance,
        )
        .options(contains_eager(Transfer.document), joinedload(Transfer.from_unit))
        .order_by(Document.urgency.desc(), Transfer.sent_at.desc(), Transfer.id.desc())
        .limit(limit)
    ).all()
    return [Proposal(transfer, bool(flag)) for transfer, flag in rows]

"""What a clerk reads of e-CMS: the letters waiting for a decision and the node's directory.

Read-only, for the JSON API and the pages alike, so that both show the same rows. The rules
are receiving.arrivals' for saraban-exchange/1: only the clerks of the central register's
unit see arrivals, and a classified one only when they may read its document (named and
cleared); of a letter they may not read, not even a count.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from saraban.accounts.models import User
from saraban.exchange.ecms.models import Direction, EcmsMessage, EcmsOrganization, MessageState
from saraban.exchange.ecms.sending import LETTER
from saraban.extensions import db

DIRECTORY_PAGE = 50


def arrivals(user: User) -> list[EcmsMessage]:
    """e-CMS letters waiting for a clerk's accept or refusal, oldest first, each with its
    document loaded by the same query."""
    from saraban.documents.access import secrecy_filter
    from saraban.exchange.receiving import _keeps_central

    if not _keeps_central(user):
        return []
    return list(db.session.scalars(
        select(EcmsMessage).join(EcmsMessage.document)
        .options(contains_eager(EcmsMessage.document))
        .where(EcmsMessage.direction == Direction.IN, EcmsMessage.operation == LETTER,
               EcmsMessage.state == MessageState.PENDING, secrecy_filter(user))
        .order_by(EcmsMessage.id)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_organizations(q: str | None, limit: int = DIRECTORY_PAGE) -> list[EcmsOrganization]:
    """The directory last fetched (``saraban ecms sync-codes``), searched by part of the Thai
    or English name or the start of the 10-digit ID; Thai names in order."""
    query = select(EcmsOrganization)
    text = (q or "").strip()
    if text:
        query = query.where(or_(
            EcmsOrganization.th_name.ilike(_like(text), escape="\\"),
            EcmsOrganization.en_name.ilike(_like(text), escape="\\"),
            EcmsOrganization.organization_id.like(_like(text)[1:], escape="\\")))
    return list(db.session.scalars(
        query.order_by(EcmsOrganization.th_name, EcmsOrganization.organization_id)
        .limit(limit)))


def organization_names(ids) -> dict[str, str]:
    """Thai name of each organisation ID among ``ids`` that the directory holds (one query)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(
        select(EcmsOrganization.organization_id, EcmsOrganization.th_name)
        .where(EcmsOrganization.organization_id.in_(wanted))).all())

"""What waits for a user, as items a notice can list: each from the same query the pages
use (routing's inbox and returns, the commander's desk, the drafts' review line, the
orders), so that a mail never lists what the user's pages would not show him.

A document of a secrecy level above ปกติ is listed only as "หนังสือชั้นลับ": no subject, no
number, no sender; and only to a user who may read it at all (the queries' own rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from saraban import thaidate
from saraban.accounts.models import User
from saraban.extensions import db

SECRET_TITLE = "หนังสือชั้นลับ"
LIMIT = 500  # of each kind, most urgent first: a notice is not the inbox page


class Kind:
    INBOX = "inbox"  # sent to a unit whose register he keeps, waiting to be received
    PROPOSAL = "proposal"  # proposed to him, waiting for his minute
    DRAFT = "draft"  # waiting for his initials or signature
    RETURNED = "returned"  # sent back to him or his unit
    DUE = "due"  # an order to him or his unit, due today or tomorrow
    OVERDUE = "overdue"  # an order past its due date


KIND_ORDER = (Kind.INBOX, Kind.PROPOSAL, Kind.DRAFT, Kind.RETURNED, Kind.OVERDUE, Kind.DUE)


@dataclass(frozen=True)
class Item:
    kind: str
    object_id: int  # the transfer, draft or order: with ``kind``, the item's identity
    document_id: int | None  # None for a draft not yet a document
    when: dt.datetime  # when it began to wait for him (aware, UTC)
    title: str  # the subject, or SECRET_TITLE
    secret: bool = False
    number: str | None = None  # never for a secret one
    sender: str | None = None  # never for a secret one
    due_date: dt.date | None = None
    draft_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.object_id)


def _document_item(kind: str, object_id: int, document, when, sender=None, **more) -> Item:
    secret = document.secrecy > 0
    return Item(kind=kind, object_id=object_id, document_id=document.id, when=when,
                title=SECRET_TITLE if secret else document.subject, secret=secret,
                number=None if secret else document.number,
                sender=None if secret else (sender or document.sender_text), **more)


def _unit_name(unit) -> str | None:
    return unit.short_name if unit is not None else None


def _inbox(user: User) -> list[Item]:
    from saraban.routing.operations import inbox

    return [_document_item(Kind.INBOX, t.id, t.document, t.sent_at or t.created_at,
                           _unit_name(t.from_unit))
            for t in inbox(user, limit=LIMIT)]


def _proposals(user: User) -> list[Item]:
    from saraban.endorsements.operations import proposals_for

    return [_document_item(Kind.PROPOSAL, p.transfer.id, p.transfer.document,
                           p.transfer.sent_at or p.transfer.created_at,
                           _unit_name(p.transfer.from_unit))
            for p in proposals_for(user, limit=LIMIT, waiting_only=True)]


def _returned(user: User) -> list[Item]:
    from saraban.routing.operations import returned_to

    return [_document_item(Kind.RETURNED, t.id, t.document, t.returned_at or t.created_at,
                           _unit_name(t.to_unit))
            for t in returned_to(user, limit=LIMIT)]


def _drafts(user: User) -> list[Item]:
    """The drafts whose turn is his; each waits since the later of its last change and the
    last initials before his (one query more for those, over all the drafts at once)."""
    from saraban.drafts.models import DraftStep
    from saraban.drafts.operations import drafts_for

    waiting = drafts_for(user, limit=LIMIT)["waiting"]
    if not waiting:
        return []
    acted = dict(db.session.execute(
        select(DraftStep.draft_id, func.max(DraftStep.acted_at))
        .where(DraftStep.draft_id.in_([d.id for d in waiting]))
        .group_by(DraftStep.draft_id)).all())
    items = []
    for draft in waiting:
        when = max(t for t in (draft.updated_at, acted.get(draft.id)) if t is not None)
        secret = draft.secrecy > 0
        items.append(Item(kind=Kind.DRAFT, object_id=draft.id, document_id=None, when=when,
                          title=SECRET_TITLE if secret else draft.subject, secret=secret,
                          sender=None if secret else _unit_name(draft.unit),
                          draft_id=draft.id))
    return items


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight in Bangkok, as an aware UTC moment."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=thaidate.BANGKOK).astimezone(dt.UTC)


def _orders(user: User, today: dt.date) -> list[Item]:
    """Open orders to him or his units that are due by tomorrow (waiting since the day
    before their due date began) or overdue (since the day after it began)."""
    from saraban.endorsements.operations import tasks_for
    from saraban.permissions import is_overdue

    tomorrow = today + dt.timedelta(days=1)
    items = []
    for order in tasks_for(user, limit=LIMIT):
        if order.due_date is None or order.due_date > tomorrow:
            continue
        overdue = is_overdue(order, today)
        since = _start_of(order.due_date + dt.timedelta(days=1 if overdue else -1))
        signed = order.endorsement.signed_at or order.endorsement.created_at
        items.append(_document_item(Kind.OVERDUE if overdue else Kind.DUE, order.id,
                                    order.endorsement.document, max(since, signed),
                                    due_date=order.due_date))
    return items


def waiting_for(user: User, since: dt.datetime | None = None, *,
                until: dt.datetime | None = None) -> list[Item]:
    """What waits for ``user``, by kind, then oldest first; with ``since`` and ``until``
    only what began to wait in [since, until): windows that follow each other share no
    item and miss none, even with times kept to the second. One query per kind (two for
    drafts)."""
    today = thaidate.local_date(until) if until is not None else thaidate.today()
    found = [*_inbox(user), *_proposals(user), *_drafts(user), *_returned(user),
             *_orders(user, today)]
    chosen = [i for i in found
              if (since is None or i.when >= since) and (until is None or i.when < until)]
    return sorted(chosen, key=lambda i: (KIND_ORDER.index(i.kind), i.when, i.object_id))

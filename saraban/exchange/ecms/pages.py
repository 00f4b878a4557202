"""What the pages show of e-CMS: the directory to send to, a document's letters sent through
e-CMS, and the administrator's code tables (the letters waiting for a clerk and the
directory's names are ``desk``'s, which the API reads too).

Reads only, except ``sync_now`` (the administrator's "sync now", the same job as
``saraban ecms sync-codes``). The decisions themselves are the operations of ``sending``,
``worker`` and ``codes``; the pages call them through ``saraban.pages.run_operation``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from saraban.exchange.ecms.codes import LISTS, SyncReport, sync_codes
from saraban.exchange.ecms.desk import organization_names
from saraban.exchange.ecms.mapping import SECRECY_TH, URGENCY_TH
from saraban.exchange.ecms.models import (
    CodeList,
    Direction,
    EcmsCode,
    EcmsLevelMap,
    EcmsMessage,
    EcmsMimeCode,
    EcmsMinistry,
    EcmsOrganization,
    LevelKind,
    MessageState,
)
from saraban.exchange.ecms.sending import LETTER, PREFIX, TO_WITHDRAW, WITHDRAW
from saraban.extensions import db


def destinations() -> list[EcmsOrganization]:
    """The directory as last fetched, by Thai name, without our own organisation (a
    letter to ourselves is refused anyway)."""
    ours = current_app.config.get("ECMS_ORG_ID")
    query = select(EcmsOrganization).order_by(EcmsOrganization.th_name,
                                              EcmsOrganization.organization_id)
    if ours:
        query = query.where(EcmsOrganization.organization_id != ours)
    return list(db.session.scalars(query))


def resolve_destination(to: str | None) -> str | None:
    """``ecms:<id>`` for what the clerk typed in the e-CMS field: the value picked from the
    list as it is, or a Thai name typed in full that names exactly one organisation (the
    list's search shows names; a clerk who types one out and presses send meant it).
    Anything else is given back unchanged, for ``queue_letter`` to refuse with its reason."""
    text = (to or "").strip()
    if not text or text.lower().startswith(PREFIX):
        return text
    found = db.session.scalars(select(EcmsOrganization.organization_id).where(
        EcmsOrganization.th_name == text).limit(2)).all()
    return f"{PREFIX}{found[0]}" if len(found) == 1 else text


@dataclass
class SentLetter:
    """One of a document's letters through e-CMS, for its page."""

    message: EcmsMessage
    name: str
    withdrawal_queued: bool
    superseded: bool = False  # a newer letter went to the same organisation

    @property
    def can_withdraw(self) -> bool:
        return self.message.state in TO_WITHDRAW and not self.withdrawal_queued

    @property
    def can_send_again(self) -> bool:
        return self.message.state == MessageState.WITHDRAWN and not self.superseded


def letters_of(document_id: int) -> list[SentLetter]:
    """The document's letters sent through e-CMS, newest first (the caller has checked
    that the user reads the document). A withdrawn letter whose destination was sent the
    letter again after it is not offered to send again."""
    rows = list(db.session.scalars(
        select(EcmsMessage).where(EcmsMessage.direction == Direction.OUT,
                                  EcmsMessage.operation == LETTER,
                                  EcmsMessage.document_id == document_id)
        .order_by(EcmsMessage.id.desc())))
    if not rows:
        return []
    queued = set(db.session.scalars(select(EcmsMessage.letter_message_id).where(
        EcmsMessage.letter_message_id.in_([r.id for r in rows]),
        EcmsMessage.operation == WITHDRAW,
        EcmsMessage.state.in_((MessageState.QUEUED, MessageState.UNKNOWN)))))
    called = organization_names(r.counterpart_id for r in rows)
    letters, seen = [], set()
    for row in rows:
        letters.append(SentLetter(row, called.get(row.counterpart_id, row.counterpart_id or ""),
                                  row.id in queued, row.counterpart_id in seen))
        seen.add(row.counterpart_id)
    return letters


@dataclass
class StoredList:
    """One list of the node's, as stored: its rows (for the code tables) or its size."""

    name: str
    count: int
    fetched_at: dt.datetime | None
    rows: list = field(default_factory=list)


def stored_lists() -> dict[str, StoredList]:
    """Every list ``sync_codes`` stores, with its fetch time (one per list: a list is
    always replaced whole)."""
    out = {}
    for name, model in (("organizations", EcmsOrganization), ("ministries", EcmsMinistry),
                        ("mime", EcmsMimeCode)):
        count, fetched = db.session.execute(
            select(func.count(model.id), func.max(model.fetched_at))).one()
        out[name] = StoredList(name, count, fetched)
    for name, listed in (("secret", CodeList.SECRET), ("speed", CodeList.SPEED)):
        rows = list(db.session.scalars(select(EcmsCode).where(EcmsCode.list_name == listed)
                                       .order_by(EcmsCode.value)))
        out[name] = StoredList(name, len(rows), max((r.fetched_at for r in rows), default=None),
                               rows)
    out["mime"].rows = list(db.session.scalars(select(EcmsMimeCode)
                                               .order_by(EcmsMimeCode.extension)))
    assert set(out) == set(LISTS)
    return out


def level_rows() -> list[dict]:
    """Our secrecy and urgency levels with the node code each is mapped to now."""
    maps = {(m.kind, m.level): m.code for m in db.session.scalars(select(EcmsLevelMap))}
    return [{"kind": kind.value, "level": level, "name": names_th[level],
             "code": maps.get((kind, level))}
            for kind, names_th in ((LevelKind.SECRECY, SECRECY_TH),
                                   (LevelKind.URGENCY, URGENCY_TH))
            for level in sorted(names_th)]


def sync_now() -> SyncReport:
    """The administrator's "sync now": ``saraban ecms sync-codes`` through the configured
    client, every list replaced in the request's one unit of work. Raises ``EcmsError``
    when the node is not configured, cannot be reached or answers ErrorDetail, and
    ``EcmsRefusal`` for an empty list: nothing is changed then."""
    from saraban.exchange.ecms.worker import configured_client

    return sync_codes(configured_client(), in_request=True)

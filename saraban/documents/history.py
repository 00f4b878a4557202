"""A document's routing history and the documents of its matter, as plain data.

Both the document page and the JSON API are built from these functions, so they always
agree. Each kind of event is read with one query, whatever the length of the history: the
rows of one kind are read at once (with what they show joined or loaded in the same query),
then turned into events in Python, never one query per row. The e-CMS life of a document
(``_ecms_events``) follows the same pattern: its letters in one query, every message about
them (the notifiers that came back, the withdrawals and answers we queued) in a second one
keyed by the letters' ids, and the organisations' names in a third.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import or_, select, text
from sqlalchemy.orm import joinedload, selectinload

from saraban import thaidate
from saraban.copies.models import CertifiedCopy
from saraban.documents.models import Document, DocumentReference
from saraban.endorsements.models import Endorsement, EndorsementStatus, Order, OrderStatus
from saraban.extensions import db
from saraban.registers.models import Dispatch, EntryStatus, Receipt, Register
from saraban.routing.models import Transfer, TransferStatus

# Events on the same instant keep the order in which they happen on paper.
# An endorsement comes before the transfers its orders make at the moment of signing.
_KIND_ORDER = {"created": 0, "dispatch": 1, "endorsement": 2, "order": 3, "transfer": 3,
               "exchange": 4, "ecms": 4, "receipt": 5, "certified_copy": 6, "order_done": 7,
               "recall": 8, "return": 8}


@dataclass
class HistoryEvent:
    # created, receipt, dispatch, transfer, recall, return, endorsement, order, order_done,
    # certified_copy, exchange, ecms
    kind: str
    at: dt.datetime | None  # aware; the day's start in Bangkok when only the date is known
    time_known: bool
    unit: str | None  # short name of the unit (or outside agency) where it happened
    number: str | None = None  # receipt or dispatch number, as shown
    title: str = ""
    lines: list[str] = field(default_factory=list)
    signature: str | None = None
    source_text: str | None = None  # the paper stamp as read, for historic entries
    cancelled: bool = False
    related_document_id: int | None = None
    object_id: int | None = None
    # for a receipt: how long the document stayed at that unit before it went on
    stay: dt.timedelta | None = None
    stay_exact: bool = True  # false when a paper stamp gave only the day
    # for a receipt: whether it came by a transfer, and from where (a unit or an agency)
    came_by_transfer: bool = False
    came_from: str | None = None
    accept_id: str | None = None  # exchange, ecms: the receiving agency's เลขรับ
    status: str | None = None  # a transfer's outcome: sent, opened, accepted, returned, ...
    reason: str | None = None  # a return's reason

    @property
    def date(self) -> dt.date | None:
        return self.at.astimezone(thaidate.BANGKOK).date() if self.at else None

    def sort_key(self):
        at = self.at or dt.datetime.max.replace(tzinfo=dt.UTC)
        return (at, _KIND_ORDER.get(self.kind, 9), self.object_id or 0)


def bangkok_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=thaidate.BANGKOK)


def _place(unit, agency) -> str | None:
    if unit is not None:
        return unit.short_name
    if agency is not None:
        return agency.short_name
    return None


def _receipt_lines(r: Receipt, came_by: Transfer | None, document: Document) -> list[str]:
    lines = []
    if came_by and (came_by.from_unit or came_by.from_agency):
        lines.append(gettext("จาก %(place)s",
                             place=_place(came_by.from_unit, came_by.from_agency)))
    received = r.received_at.astimezone(thaidate.BANGKOK).date()
    if document.doc_date and received < document.doc_date:
        lines.append(gettext("ตรารับลงวันที่ก่อนวันที่ของหนังสือ โปรดตรวจสอบ"))
    if r.status == EntryStatus.CANCELLED:
        lines.append(gettext("ยกเลิก: %(reason)s", reason=r.cancel_reason))
    return lines


def document_history(document: Document) -> list[HistoryEvent]:
    session = db.session
    events: list[HistoryEvent] = []

    if document.doc_date:
        events.append(
            HistoryEvent(
                kind="created",
                at=bangkok_midnight(document.doc_date),
                time_known=False,
                unit=_place(document.origin_unit, document.origin_agency),
                number=document.number,
                title=document.sender_text or "",
            )
        )

    receipts = session.scalars(
        select(Receipt)
        .where(Receipt.document_id == document.id)
        .options(joinedload(Receipt.register).joinedload(Register.unit))
    ).all()
    transfers = session.scalars(
        select(Transfer)
        .where(Transfer.document_id == document.id)
        .options(
            joinedload(Transfer.from_unit),
            joinedload(Transfer.to_unit),
            joinedload(Transfer.from_agency),
            joinedload(Transfer.to_agency),
        )
    ).all()
    came_by: dict[int, Transfer] = {}  # the transfer that brought each receipt: the first
    for t in sorted(transfers, key=lambda t: t.id):
        if t.receipt_id:
            came_by.setdefault(t.receipt_id, t)
    for r in receipts:
        t = came_by.get(r.id)
        events.append(
            HistoryEvent(
                kind="receipt",
                at=r.received_at,
                time_known=r.time_known,
                unit=r.register.unit.short_name,
                number=str(r.number),
                title=r.register.unit.stamp_name or r.register.unit.short_name,
                lines=_receipt_lines(r, t, document),
                source_text=r.source_text,
                cancelled=r.status == EntryStatus.CANCELLED,
                object_id=r.id,
                came_by_transfer=t is not None,
                came_from=_place(t.from_unit, t.from_agency) if t is not None else None,
            )
        )

    for t in transfers:
        if t.sent_at is None:
            continue
        events.append(
            HistoryEvent(
                kind="transfer",
                at=t.sent_at,
                time_known=t.sent_time_known,
                unit=_place(t.from_unit, t.from_agency),
                title=t.kind.value,
                lines=[
                    x
                    for x in (
                        gettext("ถึง %(place)s",
                                place=_place(t.to_unit, t.to_agency) or t.to_text or ""),
                        t.purpose_text,
                        t.note,
                    )
                    if x
                ],
                related_document_id=t.via_document_id,
                object_id=t.id,
                status=t.status.value,
            )
        )
        if t.status == TransferStatus.RECALLED:
            # pulled back by the sender (before it knew when, a recall has no time)
            events.append(HistoryEvent(
                kind="recall", at=t.recalled_at, time_known=t.recalled_at is not None,
                unit=_place(t.from_unit, t.from_agency),
                lines=[gettext("จาก %(place)s",
                               place=_place(t.to_unit, t.to_agency) or t.to_text or "")],
                object_id=t.id, status=t.status.value))
        elif t.status == TransferStatus.RETURNED:
            events.append(HistoryEvent(
                kind="return", at=t.returned_at, time_known=True,
                unit=_place(t.to_unit, t.to_agency) or t.to_text,
                lines=[gettext("ถึง %(place)s", place=_place(t.from_unit, t.from_agency) or "")],
                reason=t.return_reason, object_id=t.id, status=t.status.value))

    dispatches = session.scalars(
        select(Dispatch)
        .where(Dispatch.document_id == document.id)
        .options(joinedload(Dispatch.register).joinedload(Register.unit))
    ).all()
    for d in dispatches:
        events.append(
            HistoryEvent(
                kind="dispatch",
                at=d.dispatched_at,
                time_known=d.time_known,
                unit=d.register.unit.short_name,
                number=d.number_text,
                lines=[gettext("ถึง %(place)s", place=d.to_text)] if d.to_text else [],
                source_text=d.source_text,
                cancelled=d.status == EntryStatus.CANCELLED,
                object_id=d.id,
            )
        )

    endorsements = session.scalars(
        select(Endorsement)
        .where(
            Endorsement.document_id == document.id,
            Endorsement.status == EndorsementStatus.SIGNED,
        )
        .options(
            selectinload(Endorsement.lines),
            joinedload(Endorsement.signer),
            joinedload(Endorsement.unit),
            selectinload(Endorsement.orders).joinedload(Order.to_unit),
        )
    ).all()
    for e in endorsements:
        events.append(
            HistoryEvent(
                kind="endorsement",
                at=e.signed_at,
                time_known=e.time_known,
                unit=e.unit.short_name if e.unit else None,
                lines=[line.text for line in e.lines],
                signature=f"{e.signer.signature_name}\n{e.signature_text}",
                source_text=e.source_text,
                object_id=e.id,
            )
        )
        for o in e.orders:
            if o.transfer_id is None:  # a task where the document already is (no transfer)
                events.append(HistoryEvent(
                    kind="order", at=e.signed_at, time_known=e.time_known,
                    unit=o.to_unit.short_name if o.to_unit else o.to_text,
                    title=o.instruction,
                    lines=[gettext("ภายใน %(date)s", date=thaidate.format_date(o.due_date))]
                    if o.due_date else [], object_id=o.id))
            if o.status == OrderStatus.DONE:
                events.append(HistoryEvent(
                    kind="order_done", at=o.done_at, time_known=True,
                    unit=o.to_unit.short_name if o.to_unit else None,
                    title=o.instruction, lines=[o.done_note or ""], object_id=o.id))

    copies = session.scalars(
        select(CertifiedCopy)
        .where(CertifiedCopy.source_id == document.id)
        .options(joinedload(CertifiedCopy.copy).joinedload(Document.origin_unit))
    ).all()
    for c in copies:
        events.append(
            HistoryEvent(
                kind="certified_copy",
                at=bangkok_midnight(c.certified_on),
                time_known=False,
                unit=c.copy.origin_unit.short_name if c.copy.origin_unit else None,
                number=c.copy.number,
                title=c.copy.addressee or "",
                signature=c.certifier_text,
                related_document_id=c.copy_id,
                object_id=c.id,
            )
        )

    events.extend(_exchange_events(document.id))
    events.extend(_ecms_events(document.id))
    events.sort(key=HistoryEvent.sort_key)
    _measure_stays(events)
    return events


def _measure_stays(events: list[HistoryEvent]) -> None:
    """For each receipt, the time until the document left that unit: the unit sent it on,
    or (on a paper trail, where only the stamps are known) the next unit stamped it.

    Measured per branch: a receipt elsewhere ends the stay only if the document came there
    from this unit, or by no recorded transfer (a paper stamp); the sibling of a
    circulation, which came from the sender, does not. A stamp without a time is a day,
    not 00.00 น.: it may be later than a timed event of the same day, and a stay with it at
    either end is counted in whole days between the Bangkok dates."""
    for i, e in enumerate(events):
        if e.kind != "receipt" or e.cancelled or e.at is None:
            continue
        ends = [(later.date, not later.time_known, later.at, j, later)
                for j, later in enumerate(events)
                if j != i and later.at is not None and not later.cancelled
                and _ends_stay(e, later) and _after(later, j, e, i)]
        if not ends:
            continue
        later = min(ends, key=lambda c: c[:4])[-1]
        e.stay_exact = e.time_known and later.time_known
        e.stay = (later.at - e.at) if e.stay_exact else dt.timedelta(
            days=(later.date - e.date).days)


def _ends_stay(e: HistoryEvent, later: HistoryEvent) -> bool:
    if later.kind == "transfer":
        return later.unit == e.unit  # this unit sent it on
    if later.kind == "receipt" and later.unit != e.unit:
        return not later.came_by_transfer or later.came_from == e.unit
    return False


def _after(later: HistoryEvent, j: int, e: HistoryEvent, i: int) -> bool:
    """Whether ``later`` (at index j of the sorted events) may come after ``e`` (at i)."""
    if e.time_known and later.time_known:
        return j > i
    if later.date != e.date:
        return later.date > e.date
    # the same day, one of them without a time: the order the stamps were entered in,
    # and a unit sends on only what it has received
    if later.kind == "receipt" and later.object_id and e.object_id:
        return later.object_id > e.object_id
    return later.kind == "transfer" or j > i


@dataclass
class Relation:
    document: Document
    relation: str  # cites, cited_by, copy_of, copied_as, ...


def related_documents(document: Document) -> list[Relation]:
    """Documents one step away: what it cites, what cites it, its copies and source."""
    session = db.session
    out: list[Relation] = []
    refs = session.scalars(
        select(DocumentReference)
        .where(
            or_(DocumentReference.document_id == document.id,
                DocumentReference.target_id == document.id),
            DocumentReference.target_id.is_not(None),
        )
        .options(joinedload(DocumentReference.document), joinedload(DocumentReference.target))
    ).all()
    for r in refs:
        if r.document_id == document.id:
            out.append(Relation(r.target, r.relation.value))
        else:
            out.append(Relation(r.document, f"{r.relation.value}_by"))
    copies = session.scalars(
        select(CertifiedCopy)
        .where(or_(CertifiedCopy.source_id == document.id, CertifiedCopy.copy_id == document.id))
        .options(joinedload(CertifiedCopy.source), joinedload(CertifiedCopy.copy))
    ).all()
    for c in copies:
        if c.source_id == document.id:
            out.append(Relation(c.copy, "copied_as"))
        else:
            out.append(Relation(c.source, "copy_of"))
    seen: set[int] = set()
    unique = []
    for rel in out:
        if rel.document.id not in seen:
            seen.add(rel.document.id)
            unique.append(rel)
    return unique


_MATTER = text("""
WITH RECURSIVE links(a, b) AS (
    SELECT document_id, target_id FROM document_reference WHERE target_id IS NOT NULL
    UNION ALL
    SELECT source_id, copy_id FROM certified_copy
), matter(id) AS (
    SELECT CAST(:document_id AS INTEGER)
    UNION
    SELECT CASE WHEN links.a = matter.id THEN links.b ELSE links.a END
    FROM links JOIN matter ON links.a = matter.id OR links.b = matter.id
)
SELECT id FROM matter LIMIT :limit
""")


def matter_document_ids(document_id: int, limit: int = 500) -> list[int]:
    """Every document linked to this one through references and certified copies, at any
    distance: one recursive query, however long the chain."""
    rows = db.session.execute(_MATTER, {"document_id": document_id, "limit": limit})
    return sorted(row[0] for row in rows)


@dataclass
class Link:
    source_id: int
    target_id: int
    relation: str  # cites, replies_to, background, endorsed_on, corrects, copy_of


def matter_links(ids: list[int]) -> list[Link]:
    """The links among these documents (two queries)."""
    if not ids:
        return []
    refs = db.session.execute(
        select(DocumentReference.document_id, DocumentReference.target_id,
               DocumentReference.relation)
        .where(DocumentReference.document_id.in_(ids), DocumentReference.target_id.in_(ids))
        .order_by(DocumentReference.id))
    links = [Link(a, b, r.value) for a, b, r in refs]
    copies = db.session.execute(
        select(CertifiedCopy.copy_id, CertifiedCopy.source_id)
        .where(CertifiedCopy.copy_id.in_(ids), CertifiedCopy.source_id.in_(ids))
        .order_by(CertifiedCopy.id))
    links += [Link(a, b, "copy_of") for a, b in copies]
    unique = {(x.source_id, x.target_id, x.relation): x for x in links}
    return list(unique.values())


def matter_chain(user, document: Document) -> tuple[list[Document], list[Link]]:
    """The matter a document belongs to, as the user may see it: its documents oldest
    first and the links among them. A fixed number of queries, however long the chain."""
    from sqlalchemy.orm import joinedload as _joined

    from saraban.documents.access import visible_filter

    ids = matter_document_ids(document.id)
    documents = db.session.scalars(
        select(Document)
        .where(Document.id.in_(ids), visible_filter(user))
        .options(_joined(Document.origin_unit), _joined(Document.origin_agency))
        .order_by(Document.doc_date, Document.id)
    ).all()
    seen = [d.id for d in documents]
    return list(documents), matter_links(seen)


@dataclass
class Location:
    """Where a document is now: the unit that last received it, or the unit it was last
    sent to and that has not received it yet."""

    unit: str
    since: dt.datetime | None
    waiting: bool  # sent there, not yet received


def latest_locations(document_ids: list[int]) -> dict[int, Location]:
    """The location of each document of a page: two queries whatever the page's size."""
    from sqlalchemy import func

    from saraban.routing.models import TransferStatus
    from saraban.units.models import Unit

    if not document_ids:
        return {}
    ranked = select(
        Receipt.document_id, Unit.short_name, Receipt.received_at,
        func.row_number().over(partition_by=Receipt.document_id,
                               order_by=(Receipt.received_at.desc(), Receipt.id.desc()))
        .label("n"),
    ).join(Register, Register.id == Receipt.register_id).join(
        Unit, Unit.id == Register.unit_id).where(
        Receipt.document_id.in_(document_ids), Receipt.status == EntryStatus.ACTIVE).subquery()
    found = {row.document_id: Location(row.short_name, row.received_at, False)
             for row in db.session.execute(select(ranked).where(ranked.c.n == 1))}
    sent = select(
        Transfer.document_id, Unit.short_name, Transfer.sent_at,
        func.row_number().over(partition_by=Transfer.document_id,
                               order_by=(Transfer.sent_at.desc(), Transfer.id.desc()))
        .label("n"),
    ).join(Unit, Unit.id == Transfer.to_unit_id).where(
        Transfer.document_id.in_(document_ids),
        Transfer.status.in_([TransferStatus.SENT, TransferStatus.OPENED])).subquery()
    for row in db.session.execute(select(sent).where(sent.c.n == 1)):
        here = found.get(row.document_id)
        if here is None or (row.sent_at and (here.since is None or row.sent_at > here.since)):
            found[row.document_id] = Location(row.short_name, row.sent_at, True)
    return found


def _exchange_events(document_id: int) -> list[HistoryEvent]:
    """Each step of a letter sent to or received from another agency's installation:
    queued, delivered, then accepted as เลขรับ N (or rejected, with the reason)."""
    from saraban.exchange.models import Direction, ExchangeMessage

    rows = db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.document_id == document_id,
                                      ExchangeMessage.kind == "letter")
        .options(joinedload(ExchangeMessage.peer)).order_by(ExchangeMessage.id)).all()
    events = []
    for row in rows:
        peer = row.peer.code

        def step(name, at, lines=(), accept_id=None, row=row, peer=peer):
            events.append(HistoryEvent(kind="exchange", at=at, time_known=True, unit=peer,
                                       title=name, lines=list(lines), accept_id=accept_id,
                                       object_id=row.id))
        if row.direction == Direction.IN:
            step("received", row.created_at, [row.peer.name])
            if row.status.value == "refused":
                step("refused", row.created_at, [row.reason or ""])
            continue
        step("queued", row.created_at, [row.peer.name])
        if row.delivered_at:
            step("delivered", row.delivered_at)
        if row.status.value == "accepted":
            # the receiver's clock may run behind ours: never before it was delivered
            at = max(filter(None, (row.accepted_at, row.delivered_at)), default=None)
            step("accepted", at, [], row.accept_id)
        elif row.status.value in ("rejected", "invalid", "failed", "withdrawn"):
            step(row.status.value, row.delivered_at or row.created_at,
                 [row.reason or row.last_error or ""])
    return events


# e-CMS notifiers that came back for a letter we sent, as the step they show
_ECMS_ANSWERS = {"ReceiveLetterNotifier": "received", "AcceptLetterNotifier": "accepted",
                 "RejectLetterNotifier": "rejected", "InvalidLetterNotifier": "invalid"}
# what we answered about a letter we received
_ECMS_OUR_ANSWERS = {"RejectLetterNotifier": "refused", "InvalidLetterNotifier": "refused"}


def _ecms_events(document_id: int) -> list[HistoryEvent]:
    """The e-CMS life of a document (kind ``ecms``, the step in ``title``).

    ``unit`` is the other organisation: its name in the directory and its 10-digit ID.
    Sent by us: queued, sent to the node (its ProcessID), received by the destination
    (ReceiveLetterNotifier), accepted as เลขรับ N (``accept_id``), rejected or invalid (with
    the reason when the node gave one), failed (the node refused it), withdrawn; an
    InvalidAcceptID notice we sent about the เลขรับ. Received by us: arrived from the
    sender, refused by our clerk, and a sender's InvalidAcceptID notice about our เลขรับ
    (the receipt line to correct). A notifier the node delivered twice is a ``duplicate``
    row and shows once. Three queries, whatever the number of letters and notifiers."""
    from saraban.exchange.ecms.models import (
        Direction,
        EcmsMessage,
        EcmsOrganization,
        MessageState,
    )

    letters = db.session.scalars(
        select(EcmsMessage).where(EcmsMessage.document_id == document_id,
                                  EcmsMessage.operation == "GovernmentDocument")
        .order_by(EcmsMessage.id)).all()
    if not letters:
        return []
    about: dict[int, list[EcmsMessage]] = {m.id: [] for m in letters}
    for m in db.session.scalars(
            select(EcmsMessage).where(EcmsMessage.letter_message_id.in_(list(about)))
            .order_by(EcmsMessage.id)):
        about[m.letter_message_id].append(m)
    ids = {m.counterpart_id for m in letters if m.counterpart_id}
    names = dict(db.session.execute(
        select(EcmsOrganization.organization_id, EcmsOrganization.th_name)
        .where(EcmsOrganization.organization_id.in_(ids))).all()) if ids else {}

    events = []
    for letter in letters:
        org = letter.counterpart_id
        place = f"{names[org]} ({org})" if org in names else org

        def step(name, at, lines=(), accept_id=None, row=letter, place=place):
            events.append(HistoryEvent(kind="ecms", at=at, time_known=at is not None,
                                       unit=place, title=name,
                                       lines=[x for x in lines if x],
                                       accept_id=accept_id, object_id=row.id,
                                       status=row.state.value))

        if letter.direction == Direction.IN:
            step("arrived", letter.pulled_at or letter.created_at)
            for m in about[letter.id]:
                if m.direction == Direction.OUT and m.operation in _ECMS_OUR_ANSWERS:
                    step(_ECMS_OUR_ANSWERS[m.operation], m.created_at, [letter.last_error])
                elif (m.direction == Direction.IN and m.operation == "InvalidAcceptIDNotifier"
                      and m.state == MessageState.APPLIED):
                    step("invalid_accept_id", m.pulled_at or m.created_at,
                         [gettext("ผู้ส่งแจ้งว่าเลขรับ %(number)s ไม่ถูกต้อง",
                                  number=letter.accept_id or "")], letter.accept_id)
            continue

        step("queued", letter.created_at)
        if letter.process_id:
            step("sent", letter.sent_at, [f"ProcessID {letter.process_id}"])
        elif letter.state == MessageState.FAILED:
            step("failed", letter.updated_at or letter.created_at, [letter.last_error])
        for m in about[letter.id]:
            if m.direction == Direction.IN and m.state == MessageState.APPLIED \
                    and m.operation in _ECMS_ANSWERS:
                name = _ECMS_ANSWERS[m.operation]
                # the receiver's clock may run behind ours: never before it was sent
                at = max(filter(None, (m.pulled_at or m.created_at, letter.sent_at)),
                         default=None)
                step(name, at, [], m.accept_id if name == "accepted" else None)
            elif m.direction == Direction.OUT and m.operation == "DeleteGovernmentDocument":
                if m.state == MessageState.SENT:
                    step("withdrawn", m.sent_at, [f"ProcessID {m.process_id}"
                                                  if m.process_id else None])
                elif m.state in (MessageState.QUEUED, MessageState.UNKNOWN):
                    step("withdrawal_queued", m.created_at)
            elif m.direction == Direction.OUT and m.operation == "InvalidAcceptIDNotifier":
                step("invalid_accept_id", m.created_at,
                     [gettext("แจ้งปลายทางว่าเลขรับ %(number)s ไม่ถูกต้อง",
                              number=m.accept_id or "")], m.accept_id)
    return events

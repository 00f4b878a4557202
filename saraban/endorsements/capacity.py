"""The capacity a person signs in, and the delegations that give it.

A signature line reads as on paper: the signer's own position, then what he does for
another position: "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "รอง ผบช.๗ รรท.ผบช.สงป.",
"รองผู้อำนวยการ รักษาการแทน ผู้อำนวยการ...". Signing for a position needs a delegation in
force on the day; the seed's OCR writes ปรท. as "พรท.", and both are read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.extensions import db
from saraban.permissions import can_administer
from saraban.routing.models import Endorsement, EndorsementStatus
from saraban.thaidate import BANGKOK, format_date
from saraban.units.models import (
    DELEGATION_ABBR,
    Delegation,
    DelegationKind,
    Person,
    Position,
    PositionHolding,
)
from saraban.validation import OperationError, clean_text, is_row_id, read_date

# Abbreviations written straight before the position (ปรท.ผบ.ตร.); words take a space.
_JOINED = {DelegationKind.ON_BEHALF, DelegationKind.ACTING}

# How each capacity may be written, longest first; "พรท." is the seed's OCR of ปรท.
_WRITTEN = (
    ("ปฏิบัติราชการแทน", DelegationKind.ON_BEHALF),
    ("รักษาราชการแทน", DelegationKind.ACTING),
    ("รักษาการแทน", DelegationKind.CARETAKER),
    ("ทำการแทน", DelegationKind.DOING_FOR),
    ("ปรท.", DelegationKind.ON_BEHALF),
    ("พรท.", DelegationKind.ON_BEHALF),
    ("รรท.", DelegationKind.ACTING),
)
_CAPACITY_RE = re.compile("|".join(re.escape(w) for w, _ in _WRITTEN))


class CapacityError(OperationError):
    """A refusal about signing capacity or delegations."""


def signature_line(own_title: str | None, kind: DelegationKind | None = None,
                   for_title: str | None = None) -> str:
    """The position line of a signature block, as written on paper."""
    own = (own_title or "").strip()
    if kind is None:
        return own
    word = DELEGATION_ABBR[kind]
    acting = f"{word}{for_title}" if kind in _JOINED else f"{word} {for_title}"
    return f"{own} {acting}".strip()


@dataclass(frozen=True)
class ReadCapacity:
    own: str
    kind: DelegationKind | None
    for_title: str | None

    @property
    def text(self) -> str:
        return signature_line(self.own, self.kind, self.for_title)


def read_capacity(text: str) -> ReadCapacity:
    """Read a written position line ("รอง ผบช.๗ พรท.ผบช.สงป.") into its parts; the
    written form is normalised (พรท. is ปรท.)."""
    flat = " ".join((text or "").split())
    match = _CAPACITY_RE.search(flat)
    if match is None:
        return ReadCapacity(flat, None, None)
    kind = dict(_WRITTEN)[match.group(0)]
    return ReadCapacity(flat[: match.start()].strip(), kind, flat[match.end():].strip() or None)


def read_kind(value) -> DelegationKind:
    """A delegation kind given as its code (on_behalf) or as written (ปรท., พรท., รรท.)."""
    text = str(value or "").strip()
    for kind in DelegationKind:
        if text == kind.value:
            return kind
    for written, kind in _WRITTEN:
        if text == written:
            return kind
    raise CapacityError(
        "ประเภทการทำแทนต้องเป็น ปรท. รรท. ทำการแทน หรือ รักษาการแทน",
        "'kind' must be one of: " + ", ".join(k.value for k in DelegationKind) + ".",
        field="kind")


@dataclass(frozen=True)
class Capacity:
    """One way a person may sign on a day: in his own position, or for another."""

    key: str  # "own:<position id>" or "delegation:<delegation id>"
    position: Position | None  # his own position
    delegation: Delegation | None
    text: str  # the position line of the signature block

    @property
    def acting_kind(self) -> DelegationKind | None:
        return self.delegation.kind if self.delegation else None

    @property
    def acting_position(self) -> Position | None:
        return self.delegation.position if self.delegation else None


def _in_force(model, day: dt.date):
    """WHERE terms: a holding or delegation covering ``day`` (open ends allowed)."""
    return (or_(model.start_date.is_(None), model.start_date <= day),
            or_(model.end_date.is_(None), model.end_date >= day))


def capacities_for(person: Person | None, day: dt.date) -> list[Capacity]:
    """Every capacity ``person`` may sign in on ``day``: his positions held then, and each
    delegation in force then (read beside his first position). Two queries."""
    if person is None:
        return []
    held = list(db.session.scalars(
        select(Position).join(PositionHolding, PositionHolding.position_id == Position.id)
        .where(PositionHolding.person_id == person.id, *_in_force(PositionHolding, day))
        .order_by(Position.is_head.desc(), Position.id)))
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.person_id == person.id,
                                 *_in_force(Delegation, day))
        .options(joinedload(Delegation.position)).order_by(Delegation.start_date, Delegation.id))
    own = held[0] if held else None
    found = [Capacity(f"own:{p.id}", p, None, signature_line(p.title)) for p in held]
    found += [Capacity(f"delegation:{d.id}", own, d,
                       signature_line(own.title if own else None, d.kind, d.position.title))
              for d in delegations]
    return found


def choose_capacity(person: Person | None, day: dt.date, key: str | None) -> Capacity:
    """The capacity named by ``key`` (the first one when None), or by its position line as
    written ("ผู้ช่วย ผบ.ตร. พรท.ผบ.ตร."), or a clear refusal."""
    options = capacities_for(person, day)
    if not options:
        raise CapacityError(
            "ท่านไม่มีตำแหน่งหรือคำสั่งให้ทำแทนที่มีผลในวันนี้ จึงลงนามไม่ได้",
            "You hold no position and no delegation in force today, so you cannot sign.",
            status=403, field="capacity")
    if key in (None, ""):
        return options[0]
    for option in options:
        if option.key == key:
            return option
    if isinstance(key, str) and not key.startswith(("own:", "delegation:")):
        written = read_capacity(key).text  # as written on paper; พรท. is read as ปรท.
        for option in options:
            if option.text == written:
                return option
    if isinstance(key, str) and key.startswith("delegation:"):
        raise CapacityError(
            "คำสั่งให้ทำแทนนี้ไม่มีผลในวันนี้ (หมดอายุ ยังไม่เริ่ม หรือไม่ใช่ของท่าน) "
            "จึงลงนามแทนตำแหน่งนั้นไม่ได้",
            "That delegation is not yours or not in force today: you cannot sign for "
            "that position.", status=403, field="capacity")
    raise CapacityError("ไม่พบฐานะที่เลือก", "Unknown signing capacity.", field="capacity")


def acting_unit_ids(user: User, day: dt.date) -> list[int]:
    """Units whose positions the user signs for today under a delegation (as a deputy
    acting for the head): he may endorse what is proposed to them."""
    if user.person_id is None:
        return []
    return list(db.session.scalars(
        select(Position.unit_id).join(Delegation, Delegation.position_id == Position.id)
        .where(Delegation.person_id == user.person_id, Position.unit_id.is_not(None),
               *_in_force(Delegation, day)).distinct()))


# --- delegations (kept by administrators) ------------------------------------------

def _must_be_admin(user: User) -> None:
    if not can_administer(user):
        raise CapacityError("เฉพาะผู้ดูแลระบบเท่านั้นที่กำหนดการทำแทนได้",
                            "Only administrators keep delegations.", status=403)


def _must_administer(user: User, position: Position) -> None:
    """An acting order signs in the name of the position's unit: only that unit's
    administrators (or a system administrator) keep it."""
    from saraban.admin.operations import admin_scope

    scope = admin_scope(user)
    if position.unit_id is None or not scope.covers(position.unit_id):
        if scope.everything:
            return
        raise CapacityError("ท่านกำหนดการทำแทนได้เฉพาะตำแหน่งในหน่วยที่ท่านดูแล",
                            "You keep delegations only for positions of your own units.",
                            status=403)


def _get(model, value, field: str, th: str, en: str):
    if isinstance(value, str) and value.isdecimal() and len(value) < 10:
        value = int(value)
    found = db.session.get(model, value) if is_row_id(value) else None
    if found is None:
        raise CapacityError(f"ไม่พบ{th}", f"No such {en}.", status=404 if field == "id" else 400,
                            field=None if field == "id" else field)
    return found


def list_delegations(user: User, on: dt.date | None = None) -> list[Delegation]:
    """All delegations for administrators; a person's own for everybody else."""
    query = (select(Delegation)
             .options(joinedload(Delegation.person), joinedload(Delegation.position))
             .order_by(Delegation.start_date.desc(), Delegation.id.desc()))
    if not can_administer(user):
        query = query.where(Delegation.person_id == (user.person_id or -1))
    if on is not None:
        query = query.where(*_in_force(Delegation, on))
    return list(db.session.scalars(query.limit(500)))


def create_delegation(user: User, data: dict) -> Delegation:
    """Record that a person acts for a position over a period (flushes only)."""
    _must_be_admin(user)
    person = _get(Person, data.get("person_id"), "person_id", "บุคคลที่ทำแทน", "person")
    position = _get(Position, data.get("position_id"), "position_id", "ตำแหน่งที่ทำแทน",
                    "position")
    _must_administer(user, position)
    kind = read_kind(data.get("kind"))
    start = read_date(data.get("start_date"), "start_date", "วันเริ่ม", required=True)
    end = read_date(data.get("end_date"), "end_date", "วันสิ้นสุด")
    if end is not None and end < start:
        raise CapacityError("วันสิ้นสุดต้องไม่ก่อนวันเริ่ม", "'end_date' is before 'start_date'.",
                            field="end_date")
    authority = clean_text(data.get("authority"), "authority", "คำสั่งที่มอบหมาย",
                           max_length=1000, multiline=True)
    begin_write(db.session)
    overlap = db.session.scalar(select(Delegation.id).where(
        Delegation.person_id == person.id, Delegation.position_id == position.id,
        or_(Delegation.end_date.is_(None), Delegation.end_date >= start),
        Delegation.start_date <= (end or dt.date.max)).limit(1))
    if overlap is not None:
        raise CapacityError("บุคคลนี้มีคำสั่งให้ทำแทนตำแหน่งนี้ในช่วงเวลาที่ทับกันอยู่แล้ว",
                            "This person already acts for this position in an overlapping "
                            "period.", status=409)
    delegation = Delegation(person=person, position=position, kind=kind, start_date=start,
                            end_date=end, authority=authority)
    db.session.add(delegation)
    db.session.flush()
    record("delegation.create", user=user, obj=delegation,
           details={"person": person.display_name, "position": position.title,
                    "kind": kind.value, "start": start.isoformat(),
                    "end": end.isoformat() if end else None})
    return delegation


def _signed_under(delegation: Delegation) -> list[dt.date]:
    return [at.astimezone(BANGKOK).date() for at in db.session.scalars(
        select(Endorsement.signed_at).where(Endorsement.delegation_id == delegation.id,
                                            Endorsement.status == EndorsementStatus.SIGNED))]


def end_delegation(user: User, delegation_id, end_date) -> Delegation:
    """Set or move the last day of a delegation; endorsements already signed under it
    must stay inside its period."""
    _must_be_admin(user)
    begin_write(db.session)
    delegation = _get(Delegation, delegation_id, "id", "คำสั่งให้ทำแทนนี้", "delegation")
    _must_administer(user, delegation.position)
    end = read_date(end_date, "end_date", "วันสิ้นสุด", required=True)
    if end < delegation.start_date:
        raise CapacityError("วันสิ้นสุดต้องไม่ก่อนวันเริ่ม", "'end_date' is before 'start_date'.",
                            field="end_date")
    later = [d for d in _signed_under(delegation) if d > end]
    if later:
        raise CapacityError(
            f"มีเกษียนที่ลงนามตามคำสั่งนี้เมื่อ {format_date(max(later))} "
            "จึงให้สิ้นสุดก่อนวันนั้นไม่ได้",
            f"An endorsement was signed under it on {max(later)}: it cannot end earlier.",
            status=409, field="end_date")
    before = delegation.end_date
    delegation.end_date = end
    db.session.flush()
    record("delegation.end", user=user, obj=delegation,
           details={"before": before.isoformat() if before else None, "after": end.isoformat()})
    return delegation


def delete_delegation(user: User, delegation_id) -> None:
    """Remove a delegation entered by mistake; one that was signed under stays."""
    _must_be_admin(user)
    begin_write(db.session)
    delegation = _get(Delegation, delegation_id, "id", "คำสั่งให้ทำแทนนี้", "delegation")
    used = db.session.scalar(select(Endorsement.id).where(
        Endorsement.delegation_id == delegation.id).limit(1))
    if used is not None:
        raise CapacityError("มีเกษียนอ้างคำสั่งให้ทำแทนนี้แล้ว ลบไม่ได้ ให้กำหนดวันสิ้นสุดแทน",
                            "Endorsements refer to this delegation; end it instead.",
                            status=409)
    record("delegation.delete", user=user, obj=delegation,
           details={"person_id": delegation.person_id,
                    "position_id": delegation.position_id})
    db.session.delete(delegation)
    db.session.flush()

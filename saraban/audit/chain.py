"""Checking the audit trail's hash chain, and anchoring it.

Each event stores the SHA-256 of its content and of the previous event's hash; the single
``audit_head`` row holds the last hash. ``verify_chain`` walks every event in order and
names the first one whose content or link does not match: an altered row, a deleted row
(the next event's link breaks), rows swapped (their links break), or a row added at the
end without moving the head. An anchor is a head hash written down elsewhere (on paper,
or sent to another agency): ``verify_chain(anchor=...)`` also proves that the anchored
event is still in the chain, so that nothing up to it has changed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from saraban.audit.models import AuditEvent, AuditHead
from saraban.audit.operations import GENESIS, _content_hash
from saraban.extensions import db


@dataclass
class ChainReport:
    ok: bool
    events: int
    head: str
    bad_event_id: int | None = None
    problem_th: str = ""
    problem_en: str = ""
    anchor_event_id: int | None = None

    @property
    def message_en(self) -> str:
        if self.ok:
            return f"intact: {self.events} events, head {self.head}"
        return f"broken at event {self.bad_event_id}: {self.problem_en}"


def _broken(report: ChainReport, event_id: int | None, th: str, en: str) -> ChainReport:
    report.ok, report.bad_event_id, report.problem_th, report.problem_en = False, event_id, th, en
    return report


_MISSING = object()


class _Row(dict):
    """An event row read as a mapping, its columns also as attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        return self[name]


def verify_chain(anchor: str | None = None, batch: int = 5000, key=_MISSING,
                 digests: dict | None = None, require_mac: bool = True) -> ChainReport:
    """Walk the whole chain in id order; stop at the first event that does not match.

    The head must carry the HMAC of this installation's key (``key``: another one, e.g.
    the key file given to a restore). ``digests``, when given, is filled with the last
    record digest the chain holds for each record (``{"receipt:12": "..."}``)."""
    from saraban.audit.keys import installation_key

    if key is _MISSING:
        key = installation_key(create=False)
    report = ChainReport(ok=True, events=0, head=GENESIS)
    # plain rows, not ORM objects: a third of the time on a long chain
    query = select(AuditEvent.__table__).order_by(AuditEvent.id)
    result = db.session.execute(query, execution_options={"yield_per": batch}).mappings()
    try:
        return _walk(result, report, anchor, key if require_mac else _MISSING, digests)
    finally:
        result.close()  # a server-side cursor on PostgreSQL


def _walk(result, report: ChainReport, anchor: str | None, key, digests: dict | None
          ) -> ChainReport:
    from saraban.audit.keys import same
    from saraban.audit.operations import head_mac

    previous, previous_id = GENESIS, None
    for event in result:
        report.events += 1
        event = _Row(event)
        if event.prev_hash != previous:
            after = f"เหตุการณ์ที่ {previous_id}" if previous_id else "ต้นสาย"
            return _broken(
                report, event.id,
                f"ลิงก์ไม่ต่อกับ{after} (มีการลบ แทรก หรือสลับลำดับเหตุการณ์)",
                f"its link does not follow {previous_id or 'the start'} "
                "(an event was deleted, inserted or moved)")
        if _content_hash(event, event.prev_hash) != event.hash:
            return _broken(report, event.id, "เนื้อหาไม่ตรงกับค่าแฮชที่บันทึกไว้ (มีการแก้ไขข้อมูล)",
                           "its content does not match its hash (it was altered)")
        if anchor is not None and event.hash == anchor:
            report.anchor_event_id = event.id
        if digests is not None and event.record_digests:
            digests.update(event.record_digests)
        previous, previous_id = event.hash, event.id
    head = db.session.get(AuditHead, 1)
    report.head = previous
    if head is not None and head.hash != previous:
        return _broken(report, head.last_event_id,
                       "ค่าหัวสายไม่ตรงกับเหตุการณ์สุดท้าย (มีการลบหรือเพิ่มเหตุการณ์ท้ายสาย)",
                       "the head does not match the last event (events were removed or "
                       "added at the end)")
    if head is not None and head.last_event_id != previous_id:
        return _broken(report, head.last_event_id,
                       "ค่าหัวสายชี้เหตุการณ์ที่ไม่ใช่เหตุการณ์สุดท้าย",
                       "the head names another event than the last one")
    if head is not None and report.events and key is not _MISSING:
        if key is None:
            return _broken(report, head.last_event_id,
                           "ไม่พบกุญแจของระบบ (installation.key ในโฟลเดอร์ข้อมูล) จึงพิสูจน์ค่าหัวสายไม่ได้",
                           "this installation's key (installation.key in the data directory) "
                           "is missing: the head cannot be proved")
        if head.mac is None:
            return _broken(report, head.last_event_id,
                           "หัวสายยังไม่มีค่ารับรอง (ทำก่อนมีกุญแจของระบบ) ให้ตรวจแล้วสั่ง saraban audit seal",
                           "the head has no MAC yet (written before keyed heads): check, then "
                           "run saraban audit seal")
        if not same(head.mac, head_mac(key, head.last_event_id, head.hash)):
            return _broken(report, head.last_event_id,
                           "ค่ารับรองของหัวสายไม่ถูกต้อง (หัวสายถูกเขียนใหม่นอกระบบ "
                           "เช่น ลบเหตุการณ์ท้ายสายแล้วตั้งหัวสายใหม่)",
                           "the head's MAC does not match (the head was rewritten outside "
                           "saraban, e.g. the last events deleted and the head set back)")
    if anchor is not None and report.anchor_event_id is None and anchor != GENESIS:
        return _broken(report, None, "ไม่พบค่าแฮชที่ยึดไว้ในสาย: ข้อมูลก่อนหน้านั้นถูกเปลี่ยน",
                       "the anchored hash is not in the chain: what came before it changed")
    return report


def anchor_now() -> tuple[str, int | None, dt.datetime | None]:
    """The chain's head hash, its last event id and that event's time."""
    head = db.session.get(AuditHead, 1)
    if head is None or head.last_event_id is None:
        return GENESIS, None, None
    at = db.session.scalar(select(AuditEvent.occurred_at).where(
        AuditEvent.id == head.last_event_id))
    return head.hash, head.last_event_id, at


def verify_all(anchor: str | None = None, key=_MISSING):
    """The chain, then (when it is intact, so that its digests can be trusted) every
    record against the last digest the chain holds for it: ``(ChainReport,
    RecordsReport | None)``."""
    from saraban.audit.records import verify_records

    digests: dict = {}
    chain = verify_chain(anchor=anchor, key=key, digests=digests)
    if not chain.ok:
        return chain, None
    return chain, verify_records(db.session.connection(), digests)

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


def verify_chain(anchor: str | None = None, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in id order; stop at the first event that does not match."""
    report = ChainReport(ok=True, events=0, head=GENESIS)
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    result = db.session.scalars(query)
    try:
        return _walk(result, report, anchor)
    finally:
        result.close()  # a server-side cursor on PostgreSQL


def _walk(result, report: ChainReport, anchor: str | None) -> ChainReport:
    previous, previous_id = GENESIS, None
    for event in result:
        report.events += 1
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
        previous, previous_id = event.hash, event.id
        db.session.expunge(event)
    head = db.session.get(AuditHead, 1)
    report.head = previous
    if head is not None and head.hash != previous:
        return _broken(report, head.last_event_id,
                       "ค่าหัวสายไม่ตรงกับเหตุการณ์สุดท้าย (มีการลบหรือเพิ่มเหตุการณ์ท้ายสาย)",
                       "the head does not match the last event (events were removed or "
                       "added at the end)")
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

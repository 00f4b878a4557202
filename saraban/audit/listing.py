"""Reading the audit trail: for administrators, filtered by user, unit, action, document
and period, as a page and as CSV. Administrators who see everything read every event;
an administrator of units reads the events of those units (the rule is in the SQL).
Every event is listed, but the details of an event about a secret document (its subject,
its before and after, a minute) are masked for a reader who may not read that document."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import aliased

from saraban.accounts.models import Role, User
from saraban.audit.models import AuditEvent
from saraban.audit.operations import record
from saraban.documents.access import member_unit_ids, secret_rule
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.permissions import can_read_audit
from saraban.thaidate import BANGKOK, format_datetime
from saraban.validation import OperationError, clean_text, read_date

EXPORT_LIMIT = 100_000


class AuditError(OperationError):
    """A refusal about reading the audit trail."""


def _scope(user: User) -> ColumnElement[bool]:
    if user.sees_all:
        return true()
    return AuditEvent.unit_id.in_(member_unit_ids(user, Role.ADMIN) or [-1])


@dataclass
class AuditQuery:
    username: str | None = None
    unit_id: int | None = None
    action: str | None = None
    document_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    args: dict = field(default_factory=dict)

    @classmethod
    def read(cls, args) -> AuditQuery:
        def number(name):
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            if not raw.isdecimal() or len(raw) > 9:
                raise AuditError(f"{name} ต้องเป็นตัวเลข", f"'{name}' must be a number.",
                                 field=name)
            return int(raw)

        q = cls(
            username=clean_text(args.get("user"), "user", "ผู้ใช้", max_length=80),
            unit_id=number("unit"),
            action=clean_text(args.get("action"), "action", "การกระทำ", max_length=60),
            document_id=number("document"),
            date_from=read_date(args.get("date_from"), "date_from", "ตั้งแต่วันที่"),
            date_to=read_date(args.get("date_to"), "date_to", "ถึงวันที่"),
        )
        q.args = {k: v for k, v in args.items() if k != "page" and v}
        return q

    def where(self) -> list[ColumnElement[bool]]:
        terms = []
        if self.username:
            terms.append(AuditEvent.user_id.in_(
                select(User.id).where(User.username == self.username)))
        if self.unit_id:
            terms.append(AuditEvent.unit_id == self.unit_id)
        if self.action:
            terms.append(or_(AuditEvent.action == self.action,
                             AuditEvent.action.startswith(self.action.rstrip(".") + ".")))
        if self.document_id:
            terms.append(AuditEvent.document_id == self.document_id)
        if self.date_from:
            terms.append(AuditEvent.occurred_at >= _midnight(self.date_from))
        if self.date_to:
            terms.append(AuditEvent.occurred_at < _midnight(self.date_to + dt.timedelta(days=1)))
        return terms


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=BANGKOK)


# What the details of an event about a secret document say to someone who may not read it.
MASKED = {"masked": "หนังสือชั้นความลับ ไม่แสดงรายละเอียด"}


@dataclass
class AuditRow:
    """One event as this reader may see it: the event always, its details only when it is
    not about a secret document he may not read (``masked``)."""

    event: AuditEvent
    username: str | None
    masked: bool = False

    @property
    def when(self) -> str:
        return format_datetime(self.event.occurred_at)

    @property
    def details(self) -> dict | None:
        return dict(MASKED) if self.masked else self.event.details

    @property
    def details_text(self) -> str:
        if not self.details:
            return ""
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True)


def _unreadable(user: User, document_ids: set[int]) -> set[int]:
    """Of these documents, the secret ones ``user`` may not read (one query)."""
    if not document_ids:
        return set()
    secret = select(Document.id).where(Document.id.in_(document_ids), Document.secrecy > 0)
    if user.clearance > 0:
        secret = secret.where(~secret_rule(user.clearance, user.id))
    return set(db.session.scalars(secret))


def _must_read(user: User) -> None:
    if not can_read_audit(user):
        raise AuditError("เฉพาะผู้ดูแลระบบเท่านั้นที่ดูบันทึกการตรวจสอบได้",
                         "Only administrators read the audit trail.", status=403)


def audit_events(user: User, query: AuditQuery, *, limit: int = 100,
                 offset: int = 0) -> tuple[list[AuditRow], int]:
    """Newest first, with the total; two queries."""
    _must_read(user)
    where = and_(_scope(user), *query.where())
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(where))
    who = aliased(User)
    rows = db.session.execute(
        select(AuditEvent, who.username).outerjoin(who, who.id == AuditEvent.user_id)
        .where(where).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    hidden = _unreadable(user, {e.document_id for e, _ in rows if e.document_id})
    return [AuditRow(e, name, e.document_id in hidden) for e, name in rows], total


def actions_seen(user: User) -> list[str]:
    _must_read(user)
    return list(db.session.scalars(
        select(AuditEvent.action).where(_scope(user)).distinct().order_by(AuditEvent.action)))


def audit_csv(user: User, query: AuditQuery, *, bom: bool = True) -> bytes:
    """The events as CSV (UTF-8, with a byte-order mark for Excel); the export itself is
    recorded (flushes, never commits)."""
    rows, total = audit_events(user, query, limit=EXPORT_LIMIT)
    if total > EXPORT_LIMIT:
        raise AuditError("รายการมากเกินไป กรุณาจำกัดช่วงเวลาให้แคบลง",
                         f"More than {EXPORT_LIMIT} events: narrow the period.", status=413)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ลำดับ", "วันเวลา", "ผู้ใช้", "ที่อยู่", "การกระทำ", "ชนิด", "รหัส",
                     "หนังสือ", "หน่วย", "รายละเอียด", "แฮช"])
    for r in rows:
        e = r.event
        writer.writerow([e.id, e.occurred_at.astimezone(BANGKOK).isoformat(), r.username or "",
                         e.remote_addr or "", e.action, e.object_type or "", e.object_id or "",
                         e.document_id or "", e.unit_id or "", _safe(r.details_text), e.hash])
    record("audit.export", user=user, details={"filters": query.args, "rows": len(rows)})
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

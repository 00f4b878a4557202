"""Drafting, review, signature and dispatch of outgoing letters (flush, never commit).

Who sees a draft: its drafter, the people on its review line, and, once it is signed, the
clerks who keep a dispatch register of its unit (a classified draft: only those cleared for
it); those who see every document (auditors) see every unclassified draft. A reviewer
must be cleared for the draft's secrecy before it is put on his desk.

Order of signature and number: the signer signs the letter first (a certification
signature that allows form filling only); at dispatch the registry fills the empty number
and date fields in an incremental update and signs that (saraban.signing.fill_and_certify).
The number is taken only when the letter goes out, so that a letter signed and then held
back never leaves a hole in the dispatch register, and what the signer saw is byte for byte
what the reader verifies, with the number and date added by the registry as on paper.
"""

from __future__ import annotations

import difflib

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.documents.access import member_unit_ids, name_reader, visible_document
from saraban.documents.models import (
    Document,
    DocumentFile,
    DocumentKind,
    DocumentStatus,
    FileRole,
)
from saraban.documents.operations import SECRECY_NAMES, URGENCY_NAMES
from saraban.drafts.models import Draft, DraftStatus, DraftStep, DraftVersion, StepRole, StepStatus
from saraban.extensions import db
from saraban.pdf.letter import KIND_NAMES, KINDS, render_letter
from saraban.units.letterhead import letterhead_for
from saraban.units.models import Unit
from saraban.validation import OperationError, clean_text, is_row_id, read_level

DOCUMENT_KIND = {"external": DocumentKind.EXTERNAL, "memo": DocumentKind.INTERNAL,
                 "stamped": DocumentKind.STAMPED, "order": DocumentKind.DIRECTIVE,
                 "announcement": DocumentKind.PUBLICITY, "certificate": DocumentKind.EVIDENCE,
                 "minutes": DocumentKind.EVIDENCE}
# the fields a draft may hold: (Thai label, max length, one item a line)
FIELDS = {
    "subject": ("เรื่อง", 2000, False), "to": ("เรียน", 1000, False),
    "references": ("อ้างถึง", 2000, True), "enclosures": ("สิ่งที่ส่งมาด้วย", 2000, True),
    "closing": ("คำลงท้าย", 200, False), "signer_rank": ("ยศ", 40, False),
    "signer_name": ("ชื่อผู้ลงนาม", 200, False),
    "signer_position": ("ตำแหน่งผู้ลงนาม", 500, True),
    "owner_unit": ("ส่วนราชการเจ้าของเรื่อง", 500, True), "telephone": ("โทร.", 80, False),
    "fax": ("โทรสาร", 80, False), "email": ("ไปรษณีย์อิเล็กทรอนิกส์", 255, False),
    "unit": ("ส่วนราชการ", 300, False), "effective": ("ทั้งนี้ ตั้งแต่", 200, False),
    "title": ("ชื่อการประชุม", 300, False), "meeting_no": ("ครั้งที่", 40, False),
    "held_on": ("เมื่อ", 200, False), "held_at": ("ณ", 300, False),
    "present": ("ผู้มาประชุม", 5000, True), "absent": ("ผู้ไม่มาประชุม", 3000, True),
    "attending": ("ผู้เข้าร่วมประชุม", 3000, True), "started_at": ("เริ่มประชุมเวลา", 40, False),
    "ended_at": ("เลิกประชุมเวลา", 40, False),
}
BODY_MAX = 100_000
URGENCY_WORDS = {0: "", 1: "ด่วน", 2: "ด่วนมาก", 3: "ด่วนที่สุด"}
SECRECY_WORDS = {0: "", 1: "ลับ", 2: "ลับมาก", 3: "ลับที่สุด"}
OPEN = (DraftStatus.DRAFTING, DraftStatus.RETURNED)
MAX_LINE = 20


class DraftError(OperationError):
    """A refusal about a draft."""


def _not_found() -> DraftError:
    return DraftError("ไม่พบร่างหนังสือ", "No such draft.", status=404)


# who sees what --------------------------------------------------------------------------
def _dispatch_units(user: User) -> list[int]:
    from saraban.permissions import register_unit_ids
    from saraban.registers.models import RegisterKind

    return register_unit_ids(user, RegisterKind.DISPATCH)


def visible_rule(user: User):
    """SQL: the drafts ``user`` may see."""
    on_line = exists().where(DraftStep.draft_id == Draft.id, DraftStep.user_id == user.id)
    units = _dispatch_units(user)
    rule = or_(Draft.created_by_id == user.id, on_line)
    if user.sees_all:  # auditors and system administrators: every unclassified draft
        rule = or_(rule, Draft.secrecy == 0)
    if units:
        rule = or_(rule, (Draft.status.in_([DraftStatus.SIGNED, DraftStatus.DISPATCHED]))
                   & Draft.unit_id.in_(units) & (Draft.secrecy <= user.clearance))
    return rule


def get_draft(user: User, draft_id) -> Draft:
    if not is_row_id(draft_id):
        raise _not_found()
    draft = db.session.scalar(
        select(Draft).where(Draft.id == int(draft_id), visible_rule(user))
        .options(selectinload(Draft.steps).selectinload(DraftStep.user),
                 selectinload(Draft.unit)))
    if draft is None:
        raise _not_found()
    return draft


def drafts_for(user: User, limit: int = 100) -> dict[str, list[Draft]]:
    """The drafts page: what waits for the user's initials or signature, his own drafts,
    and (a registry clerk) signed letters waiting for their number. Three queries."""
    listed = (selectinload(Draft.unit),)
    waiting = list(db.session.scalars(
        select(Draft).options(*listed).join(DraftStep, DraftStep.draft_id == Draft.id)
        .where(DraftStep.user_id == user.id, DraftStep.status == StepStatus.CURRENT,
               Draft.status == DraftStatus.IN_REVIEW)
        .order_by(Draft.urgency.desc(), Draft.updated_at).limit(limit)))
    mine = list(db.session.scalars(
        select(Draft).options(*listed).where(Draft.created_by_id == user.id,
                            Draft.status != DraftStatus.DISPATCHED)
        .order_by(Draft.updated_at.desc()).limit(limit)))
    units = _dispatch_units(user)
    to_number = list(db.session.scalars(
        select(Draft).options(*listed).where(Draft.status == DraftStatus.SIGNED,
                                             Draft.unit_id.in_(units),
                            Draft.secrecy <= user.clearance)
        .order_by(Draft.urgency.desc(), Draft.signed_at).limit(limit))) if units else []
    return {"waiting": waiting, "mine": mine, "to_number": to_number}


def waiting_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(DraftStep).join(Draft, Draft.id == DraftStep.draft_id)
        .where(DraftStep.user_id == user.id, DraftStep.status == StepStatus.CURRENT,
               Draft.status == DraftStatus.IN_REVIEW)) or 0


# reading what the drafter typed ---------------------------------------------------------
def _kind(value) -> str:
    if value not in KINDS:
        raise DraftError("กรุณาเลือกแบบของหนังสือ", "'kind' must be one of: "
                         + ", ".join(KINDS) + ".", field="kind")
    return value


def _fields(raw, kind: str) -> dict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DraftError("ข้อมูลของแบบหนังสือไม่ถูกต้อง", "'fields' must be an object.",
                         field="fields")
    unknown = sorted(set(raw) - set(FIELDS) - {"urgency", "secrecy"})
    if unknown:
        raise DraftError(f"ไม่รู้จักช่อง {', '.join(unknown)}",
                         f"Unknown fields: {', '.join(unknown)}.", field="fields")
    fields = {}
    for key, (label, limit, lines) in FIELDS.items():
        value = raw.get(key)
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        text = clean_text(value, key, label, max_length=limit, multiline=lines)
        if text:
            fields[key] = text
    if not fields.get("subject") and kind != "minutes":
        raise DraftError("กรุณากรอกเรื่อง", "'subject' is required.", field="subject")
    if kind == "minutes" and not (fields.get("title") or fields.get("subject")):
        raise DraftError("กรุณากรอกชื่อการประชุม", "'title' is required.", field="title")
    return fields


def _levels(raw: dict, user: User) -> tuple[int, int]:
    raw = raw if isinstance(raw, dict) else {}
    urgency = read_level(raw.get("urgency"), "urgency", "ความเร่งด่วน", URGENCY_NAMES)
    secrecy = read_level(raw.get("secrecy"), "secrecy", "ชั้นความลับ", SECRECY_NAMES)
    if secrecy >= 3:
        raise DraftError("หนังสือลับที่สุดไม่ร่างและส่งทางระบบ ให้ดำเนินการตามระเบียบ",
                         "Top-secret letters are not drafted in the system.", status=409,
                         field="secrecy")
    if secrecy > user.clearance:
        raise DraftError("ท่านไม่มีสิทธิ์ร่างหนังสือชั้นความลับนี้",
                         "Your clearance does not cover this secrecy level.", status=403,
                         field="secrecy")
    return urgency, secrecy


def _unit_for(user: User, unit_id) -> Unit:
    units = member_unit_ids(user)
    if unit_id in (None, ""):
        if not units:
            raise DraftError("ท่านไม่ได้สังกัดหน่วยใด จึงร่างหนังสือไม่ได้",
                             "You belong to no unit.", status=403)
        unit_id = units[0]
    if not is_row_id(unit_id) or int(unit_id) not in units:
        raise DraftError("ท่านร่างหนังสือในนามหน่วยนี้ไม่ได้",
                         "You may not draft for that unit.", status=403, field="unit_id")
    return db.session.get(Unit, int(unit_id))


def _version(draft: Draft, user: User) -> None:
    db.session.add(DraftVersion(draft_id=draft.id, number=draft.version,
                                fields=dict(draft.fields), body=draft.body, author_id=user.id,
                                created_at=utcnow().replace(microsecond=0)))


def _details(draft: Draft, **more) -> dict:
    """What the audit trail keeps: the subject only of an ordinary draft."""
    shown = {"kind": draft.kind, "version": draft.version, **more}
    if not draft.secrecy:
        shown["subject"] = draft.subject
    return shown


def reply_fields(user: User, document_id) -> dict:
    """A reply (ตอบ) to a received letter: อ้างถึง its number and date, เรียน its sender."""
    document = visible_document(user, document_id) if is_row_id(document_id) else None
    if document is None:
        raise DraftError("ไม่พบหนังสือที่จะตอบ", "No such document to reply to.", status=404,
                         field="reply_to")
    cited = f"หนังสือ{document.sender_text or ''} ที่ {document.number or '-'}".strip()
    if document.doc_date:
        cited += f" ลงวันที่ {thaidate.format_date(document.doc_date, 'long')}"
    subject = document.subject if not document.secrecy else ""
    return {"references": cited, "to": document.sender_text or "", "subject": subject}


def create_draft(user: User, data: dict) -> Draft:
    """A new draft (version 1). ``data``: kind, fields, body, optionally unit_id and
    reply_to (a received document: อ้างถึง and เรียน come from it where not given)."""
    if not isinstance(data, dict):
        raise DraftError("ข้อมูลต้องเป็นออบเจกต์ JSON", "The body must be a JSON object.")
    kind = _kind(data.get("kind"))
    raw = dict(data.get("fields") or {}) if isinstance(data.get("fields"), dict) else \
        data.get("fields")
    reply_to = data.get("reply_to")
    if reply_to not in (None, "") and isinstance(raw, dict):
        for key, value in reply_fields(user, reply_to).items():
            raw.setdefault(key, value) if not raw.get(key) else None
    fields = _fields(raw, kind)
    urgency, secrecy = _levels(raw, user)
    body = clean_text(data.get("body"), "body", "ข้อความ", max_length=BODY_MAX, multiline=True)
    unit = _unit_for(user, data.get("unit_id"))
    begin_write(db.session)
    draft = Draft(kind=kind, unit_id=unit.id, created_by_id=user.id,
                  subject=fields.get("subject") or fields.get("title") or KIND_NAMES[kind],
                  fields=fields, body=body or "", urgency=urgency, secrecy=secrecy,
                  status=DraftStatus.DRAFTING, version=1,
                  reply_to_id=int(reply_to) if is_row_id(reply_to) else None)
    db.session.add(draft)
    db.session.flush()
    _version(draft, user)
    db.session.flush()
    record("draft.create", user=user, obj=draft, unit_id=unit.id, details=_details(draft))
    return draft


def _may_edit(user: User, draft: Draft) -> None:
    if draft.status in OPEN and draft.created_by_id == user.id:
        return
    if draft.status == DraftStatus.IN_REVIEW and any(
            s.user_id == user.id and s.status == StepStatus.CURRENT for s in draft.steps):
        return
    if draft.status in (DraftStatus.SIGNED, DraftStatus.DISPATCHED):
        raise DraftError("หนังสือลงนามแล้ว แก้ไขไม่ได้", "The letter is signed: it cannot "
                         "change.", status=409)
    raise DraftError("ร่างนี้ไม่ได้อยู่ที่ท่าน จึงแก้ไขไม่ได้",
                     "The draft is not on your desk: you cannot edit it.", status=403)


def update_draft(user: User, draft_id, data: dict) -> Draft:
    """Edit a draft: its drafter while it is with him, a reviewer while it is on his desk.
    A change makes a new version; saving the same text again makes none."""
    draft = get_draft(user, draft_id)
    _may_edit(user, draft)
    if not isinstance(data, dict):
        raise DraftError("ข้อมูลต้องเป็นออบเจกต์ JSON", "The body must be a JSON object.")
    expected = data.get("version")
    if expected not in (None, "") and str(expected) != str(draft.version):
        raise DraftError("ร่างนี้มีผู้แก้ไขไปแล้ว กรุณาเปิดฉบับล่าสุดก่อนแก้ไข",
                         "The draft changed since you opened it: reload it.", status=409,
                         field="version")
    raw = data.get("fields", draft.fields)
    fields = _fields(raw, draft.kind)
    urgency, secrecy = _levels(raw if "fields" in data else
                               {"urgency": draft.urgency, "secrecy": draft.secrecy}, user)
    body = data.get("body", draft.body)
    body = clean_text(body, "body", "ข้อความ", max_length=BODY_MAX, multiline=True) or ""
    if fields == draft.fields and body == draft.body and (urgency, secrecy) == (
            draft.urgency, draft.secrecy):
        return draft
    if draft.status == DraftStatus.IN_REVIEW and secrecy > draft.secrecy:
        raise DraftError("ระหว่างตรวจร่าง เพิ่มชั้นความลับไม่ได้ ให้ส่งคืนผู้ร่าง",
                         "The secrecy cannot be raised during review.", status=409,
                         field="secrecy")
    begin_write(db.session)
    draft.fields, draft.body, draft.urgency, draft.secrecy = fields, body, urgency, secrecy
    draft.subject = fields.get("subject") or fields.get("title") or KIND_NAMES[draft.kind]
    draft.version += 1
    _version(draft, user)
    db.session.flush()
    record("draft.edit", user=user, obj=draft, unit_id=draft.unit_id, details=_details(draft))
    return draft


def _line(review_line, secrecy: int) -> list[User]:
    if review_line in (None, "", []):
        raise DraftError("กรุณาเลือกผู้ตรวจและผู้ลงนาม (คนสุดท้ายคือผู้ลงนาม)",
                         "'review_line' must list the reviewers and, last, the signer.",
                         field="review_line")
    if not isinstance(review_line, list) or not all(is_row_id(v) for v in review_line):
        raise DraftError("สายการตรวจต้องเป็นรายชื่อผู้ใช้", "'review_line' must be a list of "
                         "user ids.", field="review_line")
    ids = [int(v) for v in review_line]
    if len(ids) > MAX_LINE or len(set(ids)) != len(ids):
        raise DraftError(f"สายการตรวจมีได้ไม่เกิน {MAX_LINE} คน และไม่ซ้ำกัน",
                         f"At most {MAX_LINE} people, each once.", field="review_line")
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids),
                                                                     User.active))}
    missing = [i for i in ids if i not in people]
    if missing:
        raise DraftError("ไม่พบผู้ใช้ในสายการตรวจ", "Unknown user in the review line.",
                         field="review_line")
    for person in people.values():
        if person.clearance < secrecy:
            raise DraftError(f"{person.display_name} ไม่มีสิทธิ์อ่านหนังสือชั้นความลับนี้",
                             "Someone in the review line is not cleared for this draft.",
                             status=403, field="review_line")
    return [people[i] for i in ids]


def line_candidates(unit: Unit, secrecy: int = 0, limit: int = 300) -> list[User]:
    """Who may be put on a review line: the active people of the unit and the units above
    it (the chain of command), and everyone who signs (a person with positions), cleared
    for ``secrecy``. One query."""
    from saraban.accounts.models import Membership

    chain = []
    while unit is not None and len(chain) < 20:
        chain.append(unit.id)
        unit = unit.parent
    return list(db.session.scalars(
        select(User).outerjoin(Membership, Membership.user_id == User.id)
        .where(or_(Membership.unit_id.in_(chain), User.person_id.is_not(None)), User.active,
               User.clearance >= secrecy)
        .distinct().order_by(User.display_name).limit(limit)))


def default_line(unit: Unit) -> list[int]:
    """The review line of the unit, or of the nearest unit above it that has one."""
    seen = set()
    while unit is not None and unit.id not in seen:
        seen.add(unit.id)
        if unit.review_line:
            return [int(i) for i in unit.review_line]
        unit = unit.parent
    return []


def set_default_line(actor: User, unit_id, review_line) -> Unit:
    """An administrator of the unit sets its default review line (the signer last); an
    empty line removes it (the unit above's, if any, holds again)."""
    from saraban.permissions import can_administer

    unit = db.session.get(Unit, int(unit_id)) if is_row_id(unit_id) else None
    if unit is None or not can_administer(actor, unit.id):
        raise DraftError("ไม่พบหน่วยงาน หรือท่านไม่ได้ดูแลหน่วยงานนี้",
                         "No such unit, or you do not administer it.", status=404)
    line = []
    if review_line not in (None, "", []):
        line = [person.id for person in _line(review_line, 0)]
    begin_write(db.session)
    unit.review_line = line or None
    db.session.flush()
    record("unit.review_line", user=actor, obj=unit, unit_id=unit.id,
           details={"review_line": line})
    return unit


def submit_draft(user: User, draft_id, review_line, *, parallel: bool = False) -> Draft:
    """Send the draft up ``review_line`` (user ids: the reviewers in order, the signer last;
    ``parallel``: the reviewers all at once, เวียนตรวจ, then the signer); none given, up
    its unit's default line."""
    draft = get_draft(user, draft_id)
    if draft.created_by_id != user.id or draft.status not in OPEN:
        raise DraftError("เสนอร่างนี้ไม่ได้ (ไม่ได้อยู่ที่ผู้ร่าง)",
                         "Only the drafter submits a draft that is with him.", status=409)
    if review_line in (None, "", []):
        review_line = default_line(draft.unit) or None
    people = _line(review_line, draft.secrecy)
    begin_write(db.session)
    rounds = [s.round for s in draft.steps]
    this_round = max(rounds, default=0) + 1
    for step in draft.steps:
        if step.status in (StepStatus.WAITING, StepStatus.CURRENT):
            step.status = StepStatus.CANCELLED
    for position, person in enumerate(people):
        last = position == len(people) - 1
        first_turn = position == 0 or (parallel and not last)
        draft.steps.append(DraftStep(
            round=this_round, position=position, user_id=person.id,
            role=StepRole.SIGN if last else StepRole.REVIEW,
            status=StepStatus.CURRENT if first_turn else StepStatus.WAITING))
    draft.status, draft.parallel, draft.return_note = DraftStatus.IN_REVIEW, bool(parallel), None
    db.session.flush()
    record("draft.submit", user=user, obj=draft, unit_id=draft.unit_id,
           details=_details(draft, line=[p.id for p in people], parallel=bool(parallel)))
    return draft


def _my_step(user: User, draft: Draft) -> DraftStep:
    step = next((s for s in draft.steps
                 if s.user_id == user.id and s.status == StepStatus.CURRENT), None)
    if draft.status != DraftStatus.IN_REVIEW or step is None:
        raise DraftError("ร่างนี้ไม่ได้รอท่านตรวจหรือลงนาม",
                         "The draft is not waiting for you.", status=409)
    return step


def _current_round(draft: Draft) -> list[DraftStep]:
    this = max((s.round for s in draft.steps), default=0)
    return [s for s in draft.steps if s.round == this]


def review_draft(user: User, draft_id, action: str, note: str | None = None) -> Draft:
    """``initial`` (ลงชื่อย่อกำกับ: it moves on) or ``return`` (back to the drafter, with a
    note) by the reviewer or the signer whose turn it is."""
    draft = get_draft(user, draft_id)
    step = _my_step(user, draft)
    note = clean_text(note, "note", "บันทึก", max_length=2000, multiline=True)
    now = utcnow().replace(microsecond=0)
    if action == "return":
        if not note:
            raise DraftError("กรุณาบอกเหตุที่ส่งคืน", "'note' is required to return a draft.",
                             field="note")
        begin_write(db.session)
        step.status, step.note, step.acted_at, step.version = (StepStatus.RETURNED, note, now,
                                                               draft.version)
        for other in _current_round(draft):
            if other.status in (StepStatus.WAITING, StepStatus.CURRENT):
                other.status = StepStatus.CANCELLED
        draft.status, draft.return_note = DraftStatus.RETURNED, note
        db.session.flush()
        record("draft.return", user=user, obj=draft, unit_id=draft.unit_id,
               details=_details(draft))
        return draft
    if action != "initial":
        raise DraftError("การตรวจต้องเป็นลงชื่อย่อหรือส่งคืน",
                         "'action' must be 'initial' or 'return'.", field="action")
    if step.role == StepRole.SIGN:
        raise DraftError("ผู้ลงนามให้ลงนาม ไม่ใช่ลงชื่อย่อ", "The signer signs (POST .../sign).",
                         status=409, field="action")
    begin_write(db.session)
    step.status, step.note, step.acted_at, step.version = (StepStatus.INITIALLED, note, now,
                                                           draft.version)
    steps = _current_round(draft)
    reviews = [s for s in steps if s.role == StepRole.REVIEW]
    if all(s.status == StepStatus.INITIALLED for s in reviews):
        for s in steps:
            if s.role == StepRole.SIGN:
                s.status = StepStatus.CURRENT
    elif not draft.parallel:
        following = next((s for s in reviews if s.status == StepStatus.WAITING), None)
        if following is not None:
            following.status = StepStatus.CURRENT
    db.session.flush()
    record("draft.initial", user=user, obj=draft, unit_id=draft.unit_id,
           details=_details(draft))
    return draft


def letterhead(draft: Draft) -> dict:
    return letterhead_for(draft.unit)


def _print_fields(draft: Draft, signer: User | None = None, capacity_text: str | None = None
                  ) -> dict:
    fields = dict(draft.fields)
    fields.setdefault("urgency", URGENCY_WORDS.get(draft.urgency, ""))
    fields.setdefault("secrecy", SECRECY_WORDS.get(draft.secrecy, ""))
    if signer is not None:
        person = signer.person
        if person is not None:
            fields["signer_name"] = f"{person.first_name} {person.last_name}".strip()
            fields.setdefault("signer_rank", person.rank or "")
        else:
            fields.setdefault("signer_name", signer.display_name)
        if capacity_text:
            fields["signer_position"] = capacity_text
    return fields


def preview_pdf(user: User, draft_id) -> tuple[bytes, str]:
    """The letter as it stands: the draft printed now, or the signed (and numbered) file."""
    draft = get_draft(user, draft_id)
    if draft.document_id is not None:
        from saraban.documents.files import read

        main = _main_file(draft.document_id)
        if main is not None:
            return read(main.file), f"letter-{draft.id}.pdf"
    signer = next((s.user for s in draft.steps if s.role == StepRole.SIGN
                   and s.status != StepStatus.CANCELLED), None)
    rendered = render_letter(draft.kind, _print_fields(draft, signer), draft.body,
                             letterhead(draft))
    return rendered.pdf, f"draft-{draft.id}-v{draft.version}.pdf"


def _main_file(document_id: int) -> DocumentFile | None:
    return db.session.scalar(
        select(DocumentFile).where(DocumentFile.document_id == document_id,
                                   DocumentFile.role == FileRole.ORIGINAL)
        .order_by(DocumentFile.id.desc()).limit(1))


def sign_draft(user: User, draft_id, capacity=None) -> Draft:
    """The signer signs in his own or an acting capacity (a delegation in force today): the
    letter is printed, signed (PAdES), and becomes an outgoing document of the draft's unit
    whose original file is the signed PDF. The draft cannot change from then on."""
    from saraban.endorsements.capacity import choose_capacity
    from saraban.signing.operations import sign_letter

    draft = get_draft(user, draft_id)
    step = _my_step(user, draft)
    if step.role != StepRole.SIGN:
        raise DraftError("ท่านเป็นผู้ตรวจ ไม่ใช่ผู้ลงนามของร่างนี้",
                         "You review this draft; you do not sign it.", status=409)
    today = thaidate.today()
    chosen = choose_capacity(user.person, today, capacity)
    fields = _print_fields(draft, user, chosen.text)
    rendered = render_letter(draft.kind, fields, draft.body, letterhead(draft))
    signed = sign_letter(rendered.pdf, user, capacity_text=chosen.text,
                         box=_box(rendered.places.get("signature")),
                         reason=f"ลงนาม{KIND_NAMES[draft.kind]}")
    return _signed(user, draft, step, fields, chosen.text, signed, on_paper=False)


def _signed(user: User, draft: Draft, step: DraftStep, fields: dict, capacity_text: str,
            pdf: bytes, *, on_paper: bool, scan: tuple[bytes, str, str] | None = None) -> Draft:
    """The signed letter becomes an outgoing document of the draft's unit (its original
    file the signed PDF; a paper signature's upload kept beside it as the scan)."""
    from saraban.documents.files import store

    begin_write(db.session)
    now = utcnow().replace(microsecond=0)
    document = Document(
        kind=DOCUMENT_KIND[draft.kind], number=None, doc_date=None, subject=draft.subject,
        addressee=fields.get("to"), sender_text=draft.unit.short_name, body=draft.body,
        urgency=draft.urgency, secrecy=draft.secrecy, status=DocumentStatus.REGISTERED,
        created_by_id=draft.created_by_id, origin_unit_id=draft.unit_id,
        signer_id=step.user.person_id,
        signature_text=capacity_text if step.user.person_id else
        f"({fields.get('signer_name', '')})\n{capacity_text}")
    db.session.add(document)
    db.session.flush()
    secret = draft.secrecy > 0
    stored = store(pdf, "application/pdf", secret=secret)
    db.session.add(DocumentFile(document=document, file=stored, role=FileRole.ORIGINAL,
                                filename=f"letter-{draft.id}-signed.pdf",
                                uploaded_by_id=user.id))
    if scan is not None:
        data, media_type, name = scan
        db.session.add(DocumentFile(document=document, file=store(data, media_type,
                                                                  secret=secret),
                                    role=FileRole.SCAN, filename=name, uploaded_by_id=user.id))
    if draft.secrecy:
        for person in {s.user_id for s in draft.steps} | {user.id, step.user_id}:
            name_reader(document, db.session.get(User, person), user)
    step.status, step.acted_at, step.version = StepStatus.SIGNED, now, draft.version
    if on_paper:
        step.note = "ลงนามบนกระดาษ (สแกนกลับเข้าระบบ)"
    draft.status, draft.document_id, draft.on_paper = DraftStatus.SIGNED, document.id, on_paper
    draft.signed_by_id, draft.signed_at, draft.capacity_text = step.user_id, now, capacity_text
    db.session.flush()
    record("draft.sign", user=user, obj=draft, document_id=document.id, unit_id=draft.unit_id,
           details=_details(draft, capacity=capacity_text, sha256=stored.sha256,
                            on_paper=on_paper))
    return draft


def sign_on_paper(user: User, draft_id, filename: str | None, data: bytes,
                  capacity=None) -> Draft:
    """Where the law still needs ink: the letter printed, signed by hand, and its scan
    (PDF or image) uploaded back by the signer or by the drafter for him, while the draft
    waits for the signature. The capacity is the signer's, as he signed it."""
    from saraban.documents.files import check_upload, upload_name
    from saraban.endorsements.capacity import choose_capacity
    from saraban.pdf.certify import image_pdf

    draft = get_draft(user, draft_id)
    step = next((s for s in draft.steps if s.role == StepRole.SIGN
                 and s.status == StepStatus.CURRENT), None)
    if draft.status != DraftStatus.IN_REVIEW or step is None or user.id not in (
            step.user_id, draft.created_by_id):
        raise DraftError("ร่างนี้ไม่ได้รอการลงนาม หรือท่านไม่ใช่ผู้ลงนามหรือผู้ร่าง",
                         "The draft is not waiting for a signature, or you are neither its "
                         "signer nor its drafter.", status=409)
    media_type = check_upload(data)
    pdf = data if media_type == "application/pdf" else image_pdf(data)
    chosen = choose_capacity(step.user.person, thaidate.today(), capacity)
    fields = _print_fields(draft, step.user, chosen.text)
    return _signed(user, draft, step, fields, chosen.text, pdf, on_paper=True,
                   scan=(data, media_type, upload_name(filename)))


def _box(place) -> tuple | None:
    if place is None:
        return None
    return (place.page, place.x1, place.y1, place.x2, place.y2)


def number_suffix(number_text: str, kind: str) -> str:
    """What goes in the letter's number field: the number after the unit's code and slash
    (an order's number is all of it: ๑/๒๕๖๙)."""
    if kind == "order" or "/" not in number_text:
        return number_text
    return number_text.split("/", 1)[1]


def dispatch_draft(user: User, draft_id, register_id, destinations) -> dict:
    """Number a signed letter in the unit's dispatch register, fill its number and date
    (the registry's signature over them), and send it to each destination."""
    from saraban.delivery.operations import check_destinations, send_to_destinations
    from saraban.documents.files import read, store
    from saraban.registers.operations import issue_dispatch
    from saraban.signing.operations import fill_and_certify

    draft = get_draft(user, draft_id)
    if draft.status != DraftStatus.SIGNED or draft.document_id is None:
        raise DraftError("ส่งได้เฉพาะหนังสือที่ลงนามแล้วและยังไม่ได้ออกเลข",
                         "Only a signed letter not yet numbered can be dispatched.",
                         status=409)
    _register_fits(draft, register_id)
    planned = check_destinations(user, draft, destinations)
    document = db.session.get(Document, draft.document_id)
    if draft.secrecy and user.clearance >= draft.secrecy:
        name_reader(document, user, user)
    main = _main_file(document.id)
    dispatch = issue_dispatch(user, register_id, document.id,
                              "; ".join(d["label"] for d in planned) or None)
    date_text = thaidate.format_date(document.doc_date, "long")
    values = {"number": number_suffix(dispatch.number_text, draft.kind),
              "date": date_text}
    if draft.on_paper:  # no fields on a scan: drawn at the form's places, then certified
        numbered = fill_and_certify(_drawn_on(draft, read(main.file), values), {})
    else:
        numbered = fill_and_certify(read(main.file), values)
    # the numbered letter takes the signed one's place as the original: it is the signed
    # bytes and the registry's update after them, so nothing of the signed one is lost, and
    # every channel sends the one original (the numbered one)
    main.file = store(numbered, "application/pdf", secret=draft.secrecy > 0)
    main.filename = f"letter-{to_file_name(dispatch.number_text)}.pdf"
    draft.status = DraftStatus.DISPATCHED
    db.session.flush()
    sent = send_to_destinations(user, draft, dispatch, planned)
    record("draft.dispatch", user=user, obj=draft, document_id=document.id,
           unit_id=draft.unit_id, details=_details(draft, number=dispatch.number_text,
                                                   channels=[d["channel"] for d in planned]))
    return {"draft": draft, "dispatch": dispatch, "deliveries": sent}


def _register_fits(draft: Draft, register_id) -> None:
    """An order (คำสั่ง) is numbered in a register of orders (ที่ ๑/๒๕๖๙), every other
    letter in an ordinary dispatch register (ที่ ๐๐๓๓.๑๒/๑๒๓)."""
    from saraban.registers.models import Register

    register = db.session.get(Register, int(register_id)) if is_row_id(register_id) else None
    if register is None:
        return  # issue_dispatch refuses it, as for any number
    if draft.kind == "order" and not register.for_orders:
        raise DraftError("คำสั่งต้องออกเลขในทะเบียนคำสั่ง (ที่ ๑/๒๕๖๙)",
                         "An order is numbered in a register of orders.", status=409,
                         field="register_id")
    if draft.kind != "order" and register.for_orders:
        raise DraftError("ทะเบียนคำสั่งใช้ออกเลขคำสั่งเท่านั้น",
                         "A register of orders numbers orders only.", status=409,
                         field="register_id")


def _drawn_on(draft: Draft, pdf: bytes, values: dict[str, str]) -> bytes:
    """The scan of a letter signed on paper with its number and date drawn where the printed
    form keeps them (the form printed again gives the places), on a white backing."""
    import io

    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen.canvas import Canvas

    from saraban.pdf import REGULAR
    from saraban.pdf.thaiwrap import draw_string

    signer = db.session.get(User, draft.signed_by_id)
    places = render_letter(draft.kind, _print_fields(draft, signer, draft.capacity_text),
                           draft.body, letterhead(draft)).places
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    for name, value in values.items():
        place = places.get(name)
        if place is None or place.page >= len(writer.pages):
            continue
        page = writer.pages[place.page]
        box = page.mediabox
        overlay = io.BytesIO()
        canvas = Canvas(overlay, pagesize=(float(box.width), float(box.height)))
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(place.x1, place.y1, place.x2 - place.x1, place.y2 - place.y1, stroke=0,
                    fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        draw_string(canvas, place.x1, place.y1 + 5, value, REGULAR, 16)
        canvas.save()
        page.merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def to_file_name(number_text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in
                   thaidate.to_arabic_digits(number_text))


# versions and their differences ---------------------------------------------------------
def versions(user: User, draft_id) -> list[dict]:
    """Every version, newest first, each with who made it, when, and its difference from
    the one before (word by word, Thai words found by pythainlp)."""
    draft = get_draft(user, draft_id)
    rows = list(db.session.scalars(
        select(DraftVersion).where(DraftVersion.draft_id == draft.id)
        .order_by(DraftVersion.number)))
    authors = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r.author_id for r in rows})))} if rows else {}
    out, before = [], None
    for row in rows:
        out.append({"number": row.number, "author": authors.get(row.author_id),
                    "created_at": row.created_at, "fields": row.fields, "body": row.body,
                    "changes": changes(before, row) if before is not None else []})
        before = row
    return list(reversed(out))


def _as_text(fields: dict, body: str) -> dict[str, str]:
    text = {FIELDS[k][0]: v for k, v in fields.items() if k in FIELDS}
    text["ข้อความ"] = body or ""
    return text


def changes(old: DraftVersion, new: DraftVersion) -> list[dict]:
    """Per changed field: its label and the word diff as [(op, text)], op one of
    "same", "added", "removed"."""
    a, b = _as_text(old.fields, old.body), _as_text(new.fields, new.body)
    out = []
    for label in dict.fromkeys([*a, *b]):
        if a.get(label, "") != b.get(label, ""):
            out.append({"field": label, "diff": word_diff(a.get(label, ""), b.get(label, ""))})
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    from saraban.pdf.thaiwrap import _tokenize

    a = list(_tokenize(old)) if old else []
    b = list(_tokenize(new)) if new else []
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(b[j1:j2])))
    return out

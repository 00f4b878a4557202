"""Certified copies (สำเนาถูกต้อง): a copy certified by a named officer, numbered in the
unit's dispatch register and circulated, linked to the document it copies.

The copy is a document of its own (the circular of the seed: ๐๐๓๓.๑๒/๕๑๘๓ copies the memo
๐๐๓๓.๑๒/๕๐๕๒ with its endorsement), and cites the original. Its file, under the role
``certified``, is a stamped derivative of the original's best file (``saraban.pdf.certify``):
every page carries "สำเนาถูกต้อง", a line to sign on, the certifier's name in brackets,
position, the Bangkok date and the copy's verification code, as ข้อ ๒๘ of the regulation
asks. It is stored by its own SHA-256; the original's file is never changed.
"""

from __future__ import annotations

from sqlalchemy import select

from saraban import thaidate
from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.audit.printcodes import issue_print_code, new_code, show
from saraban.copies.models import CertifiedCopy
from saraban.db import begin_write
from saraban.documents.access import require_readable
from saraban.documents.files import read, store, write_file
from saraban.documents.models import (
    Document,
    DocumentFile,
    DocumentKind,
    DocumentReference,
    DocumentStatus,
    FileRole,
    ReferenceRelation,
)
from saraban.endorsements.models import Endorsement, EndorsementStatus
from saraban.endorsements.operations import circular_citation, circular_text
from saraban.extensions import db
from saraban.permissions import is_top_secret
from saraban.registers.models import Register, RegisterKind
from saraban.registers.operations import issue_dispatch, usable_register_ids
from saraban.routing.models import Transfer
from saraban.routing.operations import RoutingError, send_transfers
from saraban.thaidate import format_date, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import clean_text, is_row_id

# The file a copy is made from, best first: the stamped copy shows where it was received.
_FILE_PREFERENCE = (FileRole.STAMPED, FileRole.SCAN, FileRole.ORIGINAL, FileRole.CERTIFIED)


def citation(source: Document) -> str:
    """How a copy cites its original: หนังสือ สทส. ที่ ๐๐๓๓.๑๒/๕๐๕๒ ลง ๒๒ พ.ย. ๒๕๖๒."""
    origin = source.origin_unit or source.origin_agency
    sender = origin.short_name if origin is not None else (source.sender_text or "")
    parts = [f"หนังสือ {sender}".strip()]
    if source.number:
        parts.append(f"ที่ {to_thai_digits(source.number)}")
    if source.doc_date:
        parts.append(f"ลง {format_date(source.doc_date)}")
    parts.append(f"เรื่อง {source.subject}")
    return " ".join(parts)


def issue_certified_copy(user: User, source_id: int, data: dict) -> CertifiedCopy:
    """Make a certified copy of ``source_id``, number it and circulate it (flushes only).

    ``data``: ``register_id`` (a dispatch register of the issuing unit), ``certifier_name``
    and ``certifier_position`` (the officer who certifies), ``to`` (unit ids, may be
    empty), and optionally ``addressee``, ``subject``, ``purpose``, ``purpose_text``,
    ``due_date``, ``note``, and ``endorsement_id``: a signed endorsement on the source that
    the copy circulates, cited as the seed's circulars do. The outgoing number is taken last.
    """
    source = require_readable(user, source_id)
    if is_top_secret(source):
        raise RoutingError("หนังสือลับที่สุดไม่ทำสำเนาเวียนทางระบบ ให้ดำเนินการตามระเบียบ",
                           "Top-secret documents are not copied electronically.", status=409)
    register_id = data.get("register_id")
    if isinstance(register_id, str) and register_id.isdecimal() and len(register_id) < 10:
        register_id = int(register_id)
    register = db.session.get(Register, register_id) if is_row_id(register_id) else None
    if (register is None or register.kind != RegisterKind.DISPATCH
            or register.id not in usable_register_ids(user)):
        raise RoutingError("กรุณาเลือกทะเบียนหนังสือส่งของหน่วยที่ทำสำเนา",
                           "'register_id' must be a dispatch register you keep.",
                           status=400, field="register_id")
    name = clean_text(data.get("certifier_name"), "certifier_name", "ชื่อผู้รับรองสำเนา",
                      max_length=200, required=True)
    position = clean_text(data.get("certifier_position"), "certifier_position",
                          "ตำแหน่งผู้รับรองสำเนา", max_length=300, required=True)
    note = clean_text(data.get("note"), "note", "หมายเหตุ", max_length=255)
    to = data.get("to") or []
    unit = register.unit
    subject = clean_text(data.get("subject"), "subject", "เรื่อง", max_length=2000) or (
        f"{source.subject} (สำเนาถูกต้อง)")
    purpose_text = clean_text(data.get("purpose_text"), "purpose_text", "ข้อความ",
                              max_length=500)
    endorsement = _endorsement_on(source, data.get("endorsement_id"))
    today = thaidate.today()
    body = ["สำเนาถูกต้อง", purpose_text, citation(source)]
    if endorsement is not None:  # the circular carries the endorsement (the seed's ว๕๑๘๓)
        body = ["สำเนาถูกต้อง", circular_text(endorsement, purpose_text or "เพื่อโปรดทราบ")]
        subject = clean_text(data.get("subject"), "subject", "เรื่อง", max_length=2000) or (
            f"{source.subject} (สำเนาถูกต้อง เวียนตาม{_authority(endorsement)})")

    # the certified file is made before the write transaction: a long scan takes a while
    source_file = _best_file(source.id)
    code = new_code()
    certified_pdf, certified_sha = None, ""
    if source_file is not None:
        certified_pdf = _certified_pdf(source_file, name=name, position=position,
                                       date_text=format_date(today), code=show(code))
        certified_sha = write_file(certified_pdf)

    begin_write(db.session)
    copy = Document(
        kind=DocumentKind.INTERNAL,
        subject=subject,
        addressee=clean_text(data.get("addressee"), "addressee", "เรียน", max_length=1000,
                             multiline=True),
        sender_text=unit.short_name,
        origin_unit_id=unit.id,
        doc_date=today,
        body="\n".join(x for x in body if x),
        urgency=source.urgency,
        secrecy=source.secrecy,
        signature_text=f"({name})\n{position}",
        status=DocumentStatus.REGISTERED,
        created_by_id=user.id,
    )
    if endorsement is not None:
        copy.references.append(DocumentReference(
            relation=ReferenceRelation.ENDORSED_ON, target=source,
            text=circular_citation(endorsement), position=0))
    else:
        copy.references.append(DocumentReference(
            relation=ReferenceRelation.CITES, target=source, text=citation(source), position=0))
    db.session.add(copy)
    db.session.flush()
    if certified_pdf is not None:
        stem = source_file.filename.rpartition(".")[0] or source_file.filename
        db.session.add(DocumentFile(
            document_id=copy.id, file=store(certified_pdf, "application/pdf"),
            role=FileRole.CERTIFIED, filename=f"สำเนาถูกต้อง-{stem}"[:251] + ".pdf",
            uploaded_by_id=user.id))
    certified = CertifiedCopy(source=source, copy=copy, certifier_text=f"({name})\n{position}",
                              certified_on=today, note=note)
    db.session.add(certified)
    transfers: list[Transfer] = []
    if to:
        transfers = send_transfers(user, copy.id, to, purpose=data.get("purpose") or "inform",
                                   purpose_text=purpose_text, due_date=data.get("due_date"),
                                   from_unit_id=unit.id)
    # the code printed on every page of the copy's file and in its remarks; its version is
    # the digest of that very file (the copy travels on paper too)
    issue_print_code(
        "certified_copy", user=user, document_id=copy.id, code=code,
        content=f"copy:{copy.id}:{source.id}:{source_file.file_id if source_file else ''}:"
                f"{certified_sha}:{name}:{position}",
        summary=f"สำเนาถูกต้องของ{'หนังสือชั้นความลับ' if source.secrecy else citation(source)}"
                f" รับรองโดย {name} {position}")
    copy.remarks = f"รหัสตรวจสอบสำเนา {show(code)} (ตรวจได้ที่ /verify)"
    # the outgoing number, last: nothing after it can fail
    dispatch = issue_dispatch(user, register.id, copy.id,
                              copy.addressee or _unit_names([t.to_unit_id for t in transfers]))
    record("certified_copy.issue", user=user, obj=certified, document_id=source.id,
           unit_id=unit.id,
           details={"copy_id": copy.id, "number": dispatch.number_text,
                    "certifier": f"{name} {position}", "to": [t.to_unit_id for t in transfers]})
    return certified


def _endorsement_on(source: Document, value) -> Endorsement | None:
    """The signed endorsement on ``source`` that the copy circulates, if one is named."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isdecimal() and len(value) < 10:
        value = int(value)
    found = db.session.get(Endorsement, value) if is_row_id(value) else None
    if (found is None or found.document_id != source.id
            or found.status != EndorsementStatus.SIGNED):
        raise RoutingError("เกษียนที่อ้างต้องเป็นเกษียนที่ลงนามแล้วบนหนังสือฉบับนี้",
                           "'endorsement_id' must be a signed endorsement on this document.",
                           field="endorsement_id")
    return found


def _authority(endorsement: Endorsement) -> str:
    """บันทึกสั่งการ ตร.: the first words of the citation."""
    return " ".join(circular_citation(endorsement).split()[:2])


def _unit_names(ids: list[int]) -> str | None:
    if not ids:
        return None
    return ", ".join(db.session.scalars(
        select(Unit.short_name).where(Unit.id.in_(ids)).order_by(Unit.id)))


def _certified_pdf(source_file: DocumentFile, **certification: str) -> bytes:
    """The original's file (a PDF, or an image scan made into one) with the certification
    on every page; a file that cannot be read is refused in Thai, nothing saved."""
    from saraban.pdf.certify import Certification, certify_onto, image_pdf
    from saraban.pdf.stamp import StampError

    try:
        data = read(source_file.file)
    except OSError as error:
        raise RoutingError("ไม่พบไฟล์ของหนังสือต้นฉบับในที่จัดเก็บ จึงทำสำเนาไม่ได้ "
                           "กรุณาแจ้งผู้ดูแลระบบ",
                           "The original's file is missing from the file store.",
                           status=409) from error
    try:
        if source_file.file.media_type != "application/pdf":
            data = image_pdf(data)
        return certify_onto(data, Certification(**certification))
    except StampError as error:
        raise RoutingError(f"{error} จึงรับรองสำเนาไม่ได้",
                           "The original's file cannot be read to certify a copy of it.",
                           status=422) from error


def _best_file(document_id: int) -> DocumentFile | None:
    files = db.session.scalars(
        select(DocumentFile).where(DocumentFile.document_id == document_id)
        .order_by(DocumentFile.id)).all()
    for role in _FILE_PREFERENCE:
        for f in files:
            if f.role == role:
                return f
    return None

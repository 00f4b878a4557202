"""Paper in, the rules (flush, never commit): scans accepted into a queue of intake drafts,
read by OCR outside the request (``read_next``, run by ``saraban intake work``), confirmed
and registered by a clerk one after another, each getting its receipt number as it is.

Who sees the queue: the clerks of the units whose receipt registers they keep, as the
envelope's opener would; a draft read as classified (ลับ, ลับมาก) only by those cleared for
it. The scans wait encrypted at rest until they are registered (their secrecy is not known
before they are read).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import or_, select

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.extensions import db
from saraban.intake.models import IntakeBatch, IntakeDraft, IntakeStatus, ReadSource
from saraban.validation import OperationError, is_row_id

MAX_FILES = 200
FIELD_NAMES = ("number", "date", "subject", "addressee", "sender", "references",
               "enclosures", "urgency", "secrecy")
ATTEMPTS = 3


class IntakeError(OperationError):
    """A refusal about paper coming in."""


def _keeper_units(user: User) -> list[int]:
    from saraban.permissions import register_unit_ids
    from saraban.registers.models import RegisterKind

    return register_unit_ids(user, RegisterKind.RECEIPT)


def _visible(user: User):
    return (IntakeDraft.unit_id.in_(_keeper_units(user) or [-1]),
            IntakeDraft.secrecy <= user.clearance)


def queue(user: User, limit: int = 200) -> list[IntakeDraft]:
    """The drafts waiting (being read, ready, or unreadable), in the order of their piles."""
    return list(db.session.scalars(
        select(IntakeDraft).where(*_visible(user), IntakeDraft.status.in_(
            [IntakeStatus.OCR_PENDING, IntakeStatus.READY, IntakeStatus.FAILED]))
        .order_by(IntakeDraft.batch_id, IntakeDraft.position).limit(limit)))


def get_intake(user: User, draft_id) -> IntakeDraft:
    draft = db.session.scalar(select(IntakeDraft).where(
        IntakeDraft.id == int(draft_id), *_visible(user))) if is_row_id(draft_id) else None
    if draft is None:
        raise IntakeError("ไม่พบหนังสือที่สแกนเข้า", "No such intake draft.", status=404)
    return draft


def next_after(user: User, draft: IntakeDraft) -> IntakeDraft | None:
    """The next letter of the queue after ``draft`` that is ready or unreadable."""
    return db.session.scalar(
        select(IntakeDraft).where(*_visible(user), IntakeDraft.status.in_(
            [IntakeStatus.READY, IntakeStatus.FAILED]), or_(
            IntakeDraft.batch_id > draft.batch_id,
            (IntakeDraft.batch_id == draft.batch_id) & (IntakeDraft.position > draft.position)))
        .order_by(IntakeDraft.batch_id, IntakeDraft.position).limit(1))


def accept_scans(user: User, files: list[tuple[str | None, bytes]], *, unit_id=None,
                 split: bool = False) -> IntakeBatch:
    """Take one upload of scans (PDF, PNG, JPEG, TIFF) into the queue, each checked by its
    content as an upload is; with ``split``, a PDF of many letters is cut at its blank and
    separator pages. Nothing is read yet: each draft waits for the reader."""
    from saraban.documents.files import check_upload, store, upload_name

    units = _keeper_units(user)
    if not units:
        raise IntakeError("ท่านไม่ได้เป็นผู้รับหนังสือของหน่วยใด", "You keep no receipt register.",
                          status=403)
    if unit_id in (None, ""):
        unit_id = units[0]
    if not is_row_id(unit_id) or int(unit_id) not in units:
        raise IntakeError("ท่านรับหนังสือในนามหน่วยนี้ไม่ได้", "You do not receive for that unit.",
                          status=403, field="unit_id")
    files = [(name, data) for name, data in files if data]
    if not files:
        raise IntakeError("กรุณาเลือกไฟล์สแกนอย่างน้อยหนึ่งไฟล์", "Choose at least one scan.",
                          field="files")
    if len(files) > MAX_FILES:
        raise IntakeError(f"ส่งได้ครั้งละไม่เกิน {MAX_FILES} ไฟล์", f"At most {MAX_FILES} files.",
                          field="files")
    letters: list[tuple[str, bytes, str]] = []
    for name, data in files:
        media_type = check_upload(data)
        name = upload_name(name)
        if split and media_type == "application/pdf":
            from saraban.intake.layout import split_batch

            parts = split_batch(data)
            letters += [(f"{name.rsplit('.', 1)[0]}-{i}.pdf", part, media_type)
                        for i, part in enumerate(parts, 1)]
        else:
            letters.append((name, data, media_type))
    begin_write(db.session)
    batch = IntakeBatch(unit_id=int(unit_id), created_by_id=user.id, files=len(files))
    db.session.add(batch)
    db.session.flush()
    for position, (name, data, media_type) in enumerate(letters):
        stored = store(data, media_type, secret=True)  # not yet known to be ordinary
        db.session.add(IntakeDraft(batch_id=batch.id, unit_id=batch.unit_id,
                                   created_by_id=user.id, position=position, file_id=stored.id,
                                   filename=name, status=IntakeStatus.OCR_PENDING))
    db.session.flush()
    record("intake.accept", user=user, obj=batch, unit_id=batch.unit_id,
           details={"files": len(files), "letters": len(letters), "split": bool(split)})
    return batch


def accept_arrival(user: User, arrival_id, main_file_id=None) -> IntakeDraft:
    """A letter that came to the saraban@ mailbox, queued for reading and registering as a
    scan is (its PDF read for the fields; enclosures kept with it). Only for the clerks the
    arrivals wait for (the central receipt register's keepers), once. ``main_file_id``: the
    PDF the clerk picked as the letter where the mail carries several (the first is taken
    otherwise); the one taken before becomes an enclosure."""
    from saraban.mail.models import ArrivalKind
    from saraban.mail.receiving import arrivals

    waiting = {a.id: a for a in arrivals(user)}
    arrival = waiting.get(int(arrival_id)) if is_row_id(arrival_id) else None
    if arrival is None:
        raise IntakeError("ไม่พบจดหมายที่รอลงรับ", "No such mail waiting.", status=404)
    if arrival.kind != ArrivalKind.LETTER or arrival.main_file_id is None:
        raise IntakeError("จดหมายนี้ไม่มีหนังสือ (PDF) ที่จะลงรับ", "This mail carries no letter "
                          "(PDF) to register.", status=409)
    if db.session.scalar(select(IntakeDraft.id).where(IntakeDraft.mail_arrival_id == arrival.id)):
        raise IntakeError("จดหมายนี้อยู่ในคิวลงรับแล้ว", "This mail is already queued.",
                          status=409)
    from saraban.exchange.receiving import central_register

    begin_write(db.session)
    picked = _pick_main(arrival, main_file_id)
    unit_id = central_register().unit_id
    batch = IntakeBatch(unit_id=unit_id, created_by_id=user.id, files=1)
    db.session.add(batch)
    db.session.flush()
    draft = IntakeDraft(batch_id=batch.id, unit_id=unit_id, created_by_id=user.id,
                        position=0, file_id=arrival.main_file_id,
                        filename=arrival.main_filename or "letter.pdf",
                        status=IntakeStatus.OCR_PENDING, mail_arrival_id=arrival.id)
    db.session.add(draft)
    db.session.flush()
    record("intake.accept", user=user, obj=batch, unit_id=unit_id,
           details={"mail_arrival": arrival.id, "letters": 1,
                    **({"main_file": picked} if picked else {})})
    return draft


def _pick_main(arrival, main_file_id) -> int | None:
    """The PDF the clerk picked made the arrival's letter, the letter taken before one of
    its enclosures; gives the picked file's id, or None when nothing changes."""
    if main_file_id in (None, "") or (is_row_id(main_file_id)
                                      and int(main_file_id) == arrival.main_file_id):
        return None
    enclosures = list(arrival.enclosures or [])
    chosen = next((e for e in enclosures if is_row_id(main_file_id)
                   and e.get("file_id") == int(main_file_id)
                   and e.get("media_type") == "application/pdf"), None)
    if chosen is None:
        raise IntakeError("ไฟล์ที่เลือกไม่ใช่ PDF ที่มากับจดหมายนี้", "The file picked is not a PDF "
                          "this mail carries.", field="main_file_id")
    before = {"file_id": arrival.main_file_id, "filename": arrival.main_filename,
              "media_type": "application/pdf"}
    arrival.enclosures = [before if e is chosen else e for e in enclosures]
    arrival.main_file_id, arrival.main_filename = chosen["file_id"], chosen.get("filename")
    return chosen["file_id"]


def _confirm_to_sender(draft: IntakeDraft, receipt, document) -> None:
    """The arrival registered, and its sender told the เลขรับ from the saraban@ address
    (never to an auto-reply, a bounce or a list: may_confirm)."""
    from email import message_from_bytes, policy

    from saraban.documents.files import read
    from saraban.mail.messages import may_confirm, receipt_confirmation
    from saraban.mail.models import ArrivalStatus, MailArrival
    from saraban.mail.outbox_models import MailKind
    from saraban.mail.sending import queue_mail

    arrival = db.session.get(MailArrival, draft.mail_arrival_id)
    arrival.status, arrival.document_id = ArrivalStatus.REGISTERED, document.id
    headers = dict(message_from_bytes(read(arrival.raw_file), policy=policy.default).items())
    if may_confirm(headers):
        queue_mail(receipt_confirmation(headers, receipt.number, receipt.received_at),
                   kind=MailKind.RECEIPT_CONFIRMATION, document_id=document.id)


# the reader -------------------------------------------------------------------------------
def note_failure(draft: IntakeDraft, error: BaseException) -> None:
    """A reading that failed (its own transaction was rolled back): one attempt more, the
    error kept; after the last attempt the draft waits for the clerk to type it."""
    begin_write(db.session)
    draft.attempts += 1
    draft.error = f"{type(error).__name__}: {error}"[:500]
    draft.read_at = utcnow()
    if draft.attempts >= ATTEMPTS:
        draft.status = IntakeStatus.FAILED


def claim_next() -> IntakeDraft | None:
    """The oldest draft waiting to be read, taken by this reader (SKIP LOCKED: many readers
    share the queue on PostgreSQL; SQLite has one writer at a time)."""
    stmt = (select(IntakeDraft).where(IntakeDraft.status == IntakeStatus.OCR_PENDING,
                                      IntakeDraft.attempts < ATTEMPTS)
            .order_by(IntakeDraft.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalar(stmt)


def read_draft(draft: IntakeDraft, progress=None) -> IntakeDraft:
    """Read the letter: every page's text, the fields of the first page with where each was
    read and how sure, earlier desks' stamps, and the blank place for our receipt stamp.
    A PDF that carries its own credible text (saraban.intake.textlayer) is read from it,
    exact and without OCR; a scan by Tesseract. ``progress(pages_read)`` is told after each
    page (the page shows it). Then the letter is compared with those already registered
    (``possible_duplicate``)."""
    from saraban.documents.files import read
    from saraban.intake import fields as reading
    from saraban.intake import ocr, textlayer
    from saraban.intake.layout import blank_place

    draft.attempts += 1
    data = read(draft.file)
    page = None
    if ocr.is_pdf(data, draft.file.media_type):
        page = textlayer.text_page(data)
    if page is not None:
        image, page, texts = _read_text_layer(draft, data, page, progress)
        # the text is the letter's own: nothing to snap to the codes seen before
        found = reading.read_fields(image, page, known_codes=(), steps=("constrain",))
        draft.source = ReadSource.TEXT
    else:
        image, page, texts = _read_by_ocr(draft, data, progress)
        found = reading.read_fields(image, page, known_codes=known_codes(draft.unit_id))
        draft.source = ReadSource.OCR
    draft.fields = {name: {"value": f.value, "confidence": round(f.confidence, 3),
                           "box": [round(v, 4) for v in f.box] if f.box else None}
                    for name, f in found.items()}
    draft.stamps = [_stamp_json(s) for s in reading.historic_stamps(image, page)]
    draft.stamp_place = _stamp_place(image, blank_place)
    # the text as typed (sara am joined, doubled marks dropped), a line at a time
    draft.text = "\n\f\n".join("\n".join(reading.normalise(line) for line in text.splitlines())
                                for text in texts)
    secrecy = found.get("secrecy")
    draft.secrecy = int(secrecy.value) if secrecy and str(secrecy.value).isdigit() else 0
    draft.duplicate_of_id = possible_duplicate(draft)
    draft.status, draft.error, draft.read_at = IntakeStatus.READY, None, utcnow()
    return draft


def _read_by_ocr(draft: IntakeDraft, data: bytes, progress):
    """Every page by Tesseract: (first page's image, its words, every page's text)."""
    from saraban.intake import ocr

    images = ocr.pages_of(data, draft.file.media_type)
    draft.pages = len(images)
    texts, first = [], None
    for n, image in enumerate(images):
        page = ocr.ocr(image)
        texts.append(page.text)
        if n == 0:
            first = (image, page)
        draft.pages_read = n + 1
        if progress is not None:
            progress(n + 1)
    return (*first, texts)


def _read_text_layer(draft: IntakeDraft, data: bytes, page, progress):
    """The text layer's words of page 1, its image (rasterised for read_fields and the
    stamp's place, never read by OCR) and every page's text."""
    from saraban.intake import ocr, textlayer

    texts = textlayer.text_of(data)
    image = ocr.pages_of(data, "application/pdf", last=1)[0]
    image.info.setdefault("dpi", (300, 300))
    page.width, page.height = image.width, image.height  # pdftoppm rounds up
    draft.pages = draft.pages_read = max(1, len(texts))
    if progress is not None:
        progress(draft.pages_read)
    return image, page, texts


# the same letter come again ---------------------------------------------------------------
def same_file_document(draft: IntakeDraft) -> int | None:
    """A document (not this draft's own) that already holds a file with the SHA-256 of the
    draft's letter: the same PDF, mailed again or scanned and mailed."""
    from saraban.documents.models import DocumentFile, StoredFile

    return db.session.scalar(
        select(DocumentFile.document_id).join(StoredFile, StoredFile.id == DocumentFile.file_id)
        .where(StoredFile.sha256 == draft.file.sha256,
               *([DocumentFile.document_id != draft.document_id] if draft.document_id else []))
        .order_by(DocumentFile.document_id).limit(1))


def same_letter_document(draft: IntakeDraft) -> int | None:
    """A document the unit already received from the same sender with the same number and
    date as read (the check receive_document makes: registers.operations.earlier_receipt)."""
    from saraban.documents.models import Document
    from saraban.documents.operations import normalize_number
    from saraban.registers.operations import earlier_receipt

    read_fields = draft.fields or {}
    number = (read_fields.get("number") or {}).get("value")
    date_text = (read_fields.get("date") or {}).get("value")
    try:
        date = dt.date.fromisoformat(date_text) if date_text else None
    except ValueError:
        date = None
    if not number or date is None:
        return None
    letter = Document(number=number, number_norm=normalize_number(number), doc_date=date,
                      sender_text=(read_fields.get("sender") or {}).get("value"),
                      origin_agency_id=_sender_agency(draft))
    earlier = earlier_receipt(draft.unit_id, letter)
    return earlier.document_id if earlier is not None else None


def _sender_agency(draft: IntakeDraft) -> int | None:
    """The agency whose saraban@ address a mailed letter came from, if it is known."""
    if draft.mail_arrival_id is None:
        return None
    from sqlalchemy import func

    from saraban.mail.models import MailArrival
    from saraban.units.models import Agency

    arrival = db.session.get(MailArrival, draft.mail_arrival_id)
    if arrival is None or not arrival.from_address:
        return None
    return db.session.scalar(select(Agency.id).where(
        func.lower(Agency.email) == arrival.from_address.lower()).order_by(Agency.id).limit(1))


def possible_duplicate(draft: IntakeDraft) -> int | None:
    """The document this letter may be, already registered: the same file, else the same
    sender, number and date; None when it looks new."""
    return same_file_document(draft) or same_letter_document(draft)


class PossibleDuplicate(IntakeError):
    """The letter may be one already registered (the same file, or the same sender, number
    and date): the clerk confirms first, as receive_document asks (409, confirm_duplicate).
    The earlier document is named only to who may read it."""

    def __init__(self, user: User, document_id: int):
        from saraban.documents.access import visible_document

        readable = visible_document(user, document_id) is not None
        super().__init__(
            "หนังสือนี้อาจซ้ำกับหนังสือที่ลงรับแล้ว หากเป็นหนังสือคนละฉบับหรือต้องการลงรับซ้ำ "
            "กรุณายืนยัน", "This letter may be one already registered (the same file, or the "
            "same sender, number and date): send confirm_duplicate to register it.",
            status=409, field="confirm_duplicate")
        self.details = {"duplicate_of": {"document_id": document_id if readable else None}}


def duplicate_shown(user: User, draft: IntakeDraft):
    """What the intake page says of a flagged draft: (flagged, the document when ``user``
    may read it, else None)."""
    from saraban.documents.access import visible_document

    if draft.duplicate_of_id is None or draft.status != IntakeStatus.READY:
        return False, None
    return True, visible_document(user, draft.duplicate_of_id)


def _stamp_json(stamp) -> dict:
    if isinstance(stamp, dict):
        return stamp
    found = {key: getattr(stamp, key) for key in ("desk", "number", "date", "time", "box",
                                                  "anomalies") if hasattr(stamp, key)}
    return {key: list(value) if isinstance(value, tuple) else value
            for key, value in found.items()}


def _stamp_place(image, blank_place) -> list | None:
    """Where our stamp goes on the first page, as fractions (the stamp is 62 x 27 mm)."""
    from saraban.pdf.stamp import BOX_H, BOX_W

    width_pt = image.width * 72 / (image.info.get("dpi", (300, 300))[0] or 300)
    scale = image.width / width_pt
    place = blank_place(image, int(BOX_W * scale), int(BOX_H * scale),
                        margin=int(10 * 72 / 25.4 * scale))
    if place is None:
        return None
    return [round(place[0] / image.width, 4), round(place[1] / image.height, 4)]


def known_codes(unit_id: int) -> list[str]:
    """The codes of the numbers of letters this unit has received (for the reader: a ที่'s
    code is likely one seen before)."""
    from saraban.documents.models import Document
    from saraban.registers.models import Receipt, Register

    numbers = db.session.scalars(
        select(Document.number).join(Receipt, Receipt.document_id == Document.id)
        .join(Register, Register.id == Receipt.register_id)
        .where(Register.unit_id == unit_id, Document.number.is_not(None))
        .order_by(Receipt.id.desc()).limit(500))
    # the code is the letters before the digits (สพร of สพร ๒๕๖๗/๓๑๒๕): the reader snaps the
    # letters it read to one of these, and a code with its digits would be snapped onto them
    codes = {m.group(0).strip() for n in numbers if n and "/" in n
             for m in [_CODE_LETTERS.match(n.strip())] if m}
    return sorted(c for c in codes if c)


_CODE_LETTERS = re.compile(r"[ก-ฮ][ก-ฮ.]*(?:\s+[ก-ฮ]{1,3}\.?(?=\s|[๐-๙0-9]))?")


# registering ------------------------------------------------------------------------------
def register_intake(user: User, draft_id, register_id, data: dict, form_key: str | None = None,
                    *, stamp_place=None, confirm_duplicate: bool = False):
    """Register the letter with the fields the clerk confirmed: the same rules and answers
    as a receipt typed by hand (receive_document), its อ้างถึง and สิ่งที่ส่งมาด้วย kept
    as the document's references and enclosures, its machine-read text for search. Gives
    the receipt; the scan is kept after the number is committed (``keep_scan``), so that
    stamping never holds the register's counter."""
    from saraban.documents.models import (
        Document,
        DocumentReference,
        Enclosure,
        ReferenceRelation,
    )
    from saraban.registers.operations import receive_document
    from saraban.validation import clean_text

    draft = get_intake(user, draft_id)
    if draft.status == IntakeStatus.REGISTERED:
        raise IntakeError("หนังสือนี้ลงรับแล้ว", "This letter is already registered.",
                          status=409)
    if draft.status == IntakeStatus.DISCARDED:
        raise IntakeError("หนังสือนี้ถูกตั้งไว้ต่างหากแล้ว", "This letter was set aside.",
                          status=409)
    if not isinstance(data, dict):
        raise IntakeError("ข้อมูลต้องเป็นออบเจกต์ JSON", "'fields' must be an object.",
                          field="fields")
    if not confirm_duplicate:  # the same file may have been registered since it was read
        flagged = draft.duplicate_of_id or same_file_document(draft)
        if flagged is not None:
            raise PossibleDuplicate(user, flagged)
    place = _read_place(stamp_place) if stamp_place not in (None, "", []) else draft.stamp_place
    lists = {key: [line.strip() for line in (clean_text(data.get(key), key, label,
                                                        max_length=4000, multiline=True)
                                             or "").splitlines() if line.strip()]
             for key, label in (("references", "อ้างถึง"), ("enclosures", "สิ่งที่ส่งมาด้วย"))}
    typed = {key: data.get(key) for key in ("number", "date", "subject", "sender", "addressee",
                                            "urgency", "secrecy", "kind") if key in data}
    receipt = receive_document(user, register_id, typed, form_key or f"intake-{draft.id}",
                               confirm_duplicate=confirm_duplicate)
    # read again now that this transaction writes (receive_document began it): the same form
    # sent twice at once finds its twin's registration, and gives back that receipt
    db.session.refresh(draft)
    if draft.document_id is not None:
        return receipt
    document = db.session.get(Document, receipt.document_id)
    document.machine_text = draft.text
    for n, text in enumerate(lists["references"]):
        db.session.add(DocumentReference(document_id=document.id, position=n, text=text,
                                         relation=ReferenceRelation.CITES))
    for n, text in enumerate(lists["enclosures"]):
        db.session.add(Enclosure(document_id=document.id, position=n, description=text))
    enclosed = 0
    if draft.mail_arrival_id is not None:
        enclosed = _keep_enclosures(user, draft, document)
        _confirm_to_sender(draft, receipt, document)
    draft.status, draft.document_id, draft.receipt_id = (IntakeStatus.REGISTERED, document.id,
                                                         receipt.id)
    draft.stamp_place = place
    db.session.flush()
    record("intake.register", user=user, obj=draft, document_id=document.id,
           unit_id=draft.unit_id, details={"receipt": receipt.number,
                                           **({"enclosure_files": enclosed} if enclosed else {})})
    return receipt


def _keep_enclosures(user: User | None, draft: IntakeDraft, document) -> int:
    """The mail's other files (its enclosures, the letter itself being the draft's file)
    kept as the registered document's files, as they came. The documents' files have no
    role of their own for an enclosure (FileRole: original, scan, stamped, certified):
    an enclosure is kept as an original, a file received as it was sent. None for ลับที่สุด
    (refuse_top_secret_files: no file of it is kept). Gives how many were kept."""
    from saraban.documents.files import _document_file
    from saraban.documents.models import FileRole, StoredFile
    from saraban.mail.models import MailArrival
    from saraban.permissions import is_top_secret

    arrival = db.session.get(MailArrival, draft.mail_arrival_id)
    if arrival is None or not arrival.enclosures or is_top_secret(document.secrecy):
        return 0
    kept = 0
    for enclosure in arrival.enclosures:
        stored = db.session.get(StoredFile, enclosure.get("file_id"))
        if stored is None or stored.id == draft.file_id:
            continue
        _document_file(user, document, stored, FileRole.ORIGINAL,
                       (enclosure.get("filename") or f"enclosure-{kept + 1}")[:255])
        kept += 1
    db.session.flush()
    return kept


# registering by the reader itself (SARABAN_MAIL_AUTO_REGISTER) ------------------------------
SURE = 0.8  # an OCR field's confidence at least this: registered without a clerk


def auto_register_user() -> User | None:
    """The user named by SARABAN_MAIL_AUTO_REGISTER, if he may register in the central
    receipt register; None when unset, or (with an error logged) when he may not: then
    the reader neither accepts mail nor registers anything itself."""
    from flask import current_app

    from saraban.exchange.receiving import central_register
    from saraban.registers.operations import usable_register_ids

    name = current_app.config.get("MAIL_AUTO_REGISTER")
    if not name:
        return None
    user = db.session.scalar(select(User).where(User.username == name))
    register = central_register()
    if user is None or not user.active or register is None \
            or register.id not in usable_register_ids(user):
        current_app.logger.error(
            "SARABAN_MAIL_AUTO_REGISTER=%s: no active user of that name keeps the central "
            "receipt register%s; mailed letters wait for a clerk", name,
            "" if register is not None else " (there is none)")
        return None
    return user


def mail_to_accept(user: User) -> list[int]:
    """The waiting mailed letters not yet queued that ``user`` may accept (accept_arrival),
    in the order they came."""
    from saraban.mail.models import ArrivalKind
    from saraban.mail.receiving import arrivals

    queued = set(db.session.scalars(select(IntakeDraft.mail_arrival_id).where(
        IntakeDraft.mail_arrival_id.is_not(None))))
    return [arrival.id for arrival in arrivals(user)
            if arrival.kind == ArrivalKind.LETTER and arrival.main_file_id is not None
            and arrival.id not in queued]


def fully_read(draft: IntakeDraft) -> bool:
    """Whether a read letter may be registered without a clerk: its number, date and
    subject all read (from the text layer, or by OCR with confidence at least SURE each),
    not possibly a duplicate, not classified (a clerk chooses a secret letter's register)."""
    if draft.status != IntakeStatus.READY or draft.duplicate_of_id is not None \
            or draft.secrecy:
        return False
    found = draft.fields or {}
    for name in ("number", "date", "subject"):
        field = found.get(name) or {}
        if not str(field.get("value") or "").strip():
            return False
        if draft.source != ReadSource.TEXT and (field.get("confidence") or 0) < SURE:
            return False
    return True


def register_read(user: User, draft_id: int):
    """A mailed letter the reader accepted, registered in the central receipt register in
    ``user``'s name when it was read in full (``fully_read``); the sender told as when a
    clerk registers it. Gives the receipt, or None (the letter waits for a clerk)."""
    from saraban.exchange.receiving import central_register

    draft = db.session.get(IntakeDraft, draft_id)
    if draft is None or draft.mail_arrival_id is None or draft.created_by_id != user.id \
            or not fully_read(draft):
        return None
    found = draft.fields or {}
    data = {name: (found.get(name) or {}).get("value") or "" for name in FIELD_NAMES}
    if not data["sender"]:
        from saraban.mail.models import MailArrival

        arrival = db.session.get(MailArrival, draft.mail_arrival_id)
        data["sender"] = arrival.from_name or arrival.from_address
    data["urgency"] = int(data["urgency"]) if str(data["urgency"]).isdigit() else 0
    data["secrecy"] = 0
    receipt = register_intake(user, draft.id, central_register().id, data)
    record("intake.auto_register", user=user, obj=draft, document_id=receipt.document_id,
           unit_id=draft.unit_id, details={"receipt": receipt.number, "source": draft.source})
    return receipt


def keep_scan(user: User, draft_id) -> None:
    """The registered letter's scan kept with the document, stamped at its place."""
    from saraban.documents.files import attach_scan, read

    draft = db.session.scalar(select(IntakeDraft).where(IntakeDraft.id == int(draft_id)))
    if draft is None or draft.document_id is None:
        return
    attach_scan(user, draft.document_id, draft.filename, read(draft.file),
                stamp_place=draft.stamp_place)


def _read_place(value) -> list | None:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        raise IntakeError("ตำแหน่งตรารับไม่ถูกต้อง", "'stamp_place' must be [x, y] fractions.",
                          field="stamp_place") from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise IntakeError("ตำแหน่งตรารับต้องอยู่ในหน้ากระดาษ", "The stamp must be on the page.",
                          field="stamp_place")
    return [round(x, 4), round(y, 4)]


def discard_intake(user: User, draft_id) -> IntakeDraft:
    draft = get_intake(user, draft_id)
    if draft.status == IntakeStatus.REGISTERED:
        raise IntakeError("หนังสือนี้ลงรับแล้ว", "This letter is already registered.",
                          status=409)
    begin_write(db.session)
    draft.status = IntakeStatus.DISCARDED
    db.session.flush()
    record("intake.discard", user=user, obj=draft, unit_id=draft.unit_id)
    return draft


def waiting_since(user: User) -> dt.datetime | None:
    return db.session.scalar(select(IntakeDraft.created_at).where(
        *_visible(user), IntakeDraft.status == IntakeStatus.OCR_PENDING)
        .order_by(IntakeDraft.id).limit(1))

"""Our documents and e-CMS's ``CorrespondenceLetter``, both ways: pure functions.

No session, no Flask: the caller loads the code tables (``CodeTables``, from what
``saraban ecms sync-codes`` stored and the administrator mapped) and the files' bytes, and
gets back a codec ``Letter`` (outgoing) or an ``Arrival`` (incoming: the fields
``create_document`` takes, and the references, enclosures line and files beside them).

What goes where (SPEC.md §4.1):

- ที่ → ``ID`` as the letter writes it (Thai digits kept), without the word ที่;
- the date → ``CorrespondenceDate``, a ``datetime.date`` that the codec writes CE
  ``yyyy-MM-dd``; pages show it in the Buddhist era (``date_be``);
- the signer → ``SenderParty`` (GivenName, FamilyName, JobTitle = his position), the
  addressee (เรียน) → ``ReceiverParty/JobTitle``; both with the 10-digit department ID, whose
  first two digits are the ministry (the codec writes ``MinistryOrganization/ID`` from it);
- references → ``ReferenceCorrespondence`` (ID, date, subject: from the linked document, or
  read from the citation "ที่ … ลง … เรื่อง …");
- enclosures → the one ``Attachment`` line, joined with "; " ("-" when there are none);
- the main letter file → ``MainLetterBinaryObject``, enclosure files →
  ``AttachmentBinaryObject``, each ``mimeCode`` one the node lists in ``GetMimeCodes``;
- secrecy / urgency → ``SecretCode`` / ``SpeedCode`` through the administrator's mapping,
  never our own integers. ลับที่สุด never leaves (the regulation keeps top-secret letters
  off electronic circulation), whatever the mapping says.

Every refusal is an ``EcmsRefusal`` (an ``OperationError``: Thai for the pages, English for
the API). For an arriving letter it also says which notifier answers it: ``RejectLetterNotifier``
for a letter we may not take (ลับที่สุด), ``InvalidLetterNotifier`` for one that is wrong for
us (another receiver, a code or file type we do not know).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from saraban.documents.models import Document, DocumentReference, Secrecy
from saraban.documents.operations import normalize_number, strip_thi
from saraban.exchange.ecms import codec
from saraban.exchange.ecms.messages import DEPARTMENT_ID, Attachment, Letter, Party, Reference
from saraban.thaidate import ThaiDateError, format_date, parse_date, to_thai_digits
from saraban.validation import OperationError

REJECT = "RejectLetterNotifier"
INVALID = "InvalidLetterNotifier"

SECRECY_TH = {0: "ปกติ", 1: "ลับ", 2: "ลับมาก", 3: "ลับที่สุด"}
URGENCY_TH = {0: "ปกติ", 1: "ด่วน", 2: "ด่วนมาก", 3: "ด่วนที่สุด"}
ENCLOSURE_SEPARATOR = "; "
MAIN_NAME = "เอกสารหลัก"  # as the clients name what arrives: no file name travels (SPEC.md §4.1)
ATTACHMENT_NAME = "เอกสารแนบ"


class EcmsRefusal(OperationError):
    """A letter that cannot go out, or come in, through e-CMS. ``answer`` (arriving letters
    only) is the notifier kind the sender is answered with."""

    def __init__(self, message_th: str, message_en: str, *, status: int = 409,
                 field: str | None = None, answer: str | None = None):
        super().__init__(message_th, message_en, status=status, field=field)
        self.answer = answer


@dataclass(frozen=True)
class CodeTables:
    """The node's lists as last fetched, and the administrator's mapping of our levels.

    ``secret_codes`` / ``speed_codes``: value → description; ``mime_types``: extension (no
    dot, lowercase) → content type; ``secrecy_map`` / ``urgency_map``: our level (0-3) →
    the node's code."""

    secret_codes: Mapping[str, str] = field(default_factory=dict)
    speed_codes: Mapping[str, str] = field(default_factory=dict)
    mime_types: Mapping[str, str] = field(default_factory=dict)
    secrecy_map: Mapping[int, str] = field(default_factory=dict)
    urgency_map: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingFile:
    """A file to send: its bytes (as served, with no active content) and its media type as
    stored (sniffed from the content at upload)."""

    content: bytes = field(repr=False)
    media_type: str
    filename: str = ""


@dataclass(frozen=True)
class ArrivingFile:
    """A file that came with a letter, with the name we make up for it and its SHA-256."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)
    main: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Arrival:
    """An arriving letter read into our terms. ``document`` holds the fields
    ``create_document`` takes (number, date as ISO, subject, sender, addressee, body, kind,
    urgency, secrecy); the rest go beside the document."""

    document: dict
    sender_id: str
    receiver_id: str
    references: tuple[str, ...] = ()
    enclosures: str | None = None  # the Attachment line, None when it was "-" or empty
    files: tuple[ArrivingFile, ...] = ()
    signature_text: str | None = None  # the signer's name and position, as our pages write it

    @property
    def main_file(self) -> ArrivingFile:
        return next(f for f in self.files if f.main)


# --- small pieces --------------------------------------------------------------------------

def date_be(value: dt.date) -> str:
    """A wire date as our pages show it: "๒๖ พฤศจิกายน ๒๕๖๒"."""
    return format_date(value, "long")


def wire_number(number: str | None) -> str:
    """The ที่ as it travels: the number as the letter writes it (Thai digits kept), without
    the word ที่; refused when the document has none yet."""
    text = strip_thi(number)
    if not text:
        raise EcmsRefusal("หนังสือยังไม่มีเลขที่ กรุณาออกเลขหนังสือส่งก่อน",
                          "The document has no number yet: number it first.", field="number")
    return text


def _department(value: str | None, th: str, en: str, field: str) -> str:
    if not isinstance(value, str) or not DEPARTMENT_ID.fullmatch(value):
        raise EcmsRefusal(f"รหัสหน่วยงาน{th}ต้องเป็นตัวเลข ๑๐ หลัก ไม่ใช่ {value!r}",
                          f"The {en} organisation ID must be 10 digits, not {value!r}.",
                          field=field)
    return value


def _job_title(document: Document) -> str:
    """The signer's position on the letter's date, else the last line of the signature
    block as written (its first line is the bracketed name)."""
    signer = document.signer
    if signer is not None:
        on = document.doc_date
        for holding in signer.holdings:
            if on is None or ((holding.start_date is None or holding.start_date <= on)
                              and (holding.end_date is None or on <= holding.end_date)):
                return holding.position.full_title or holding.position.title
    lines = [line.strip() for line in (document.signature_text or "").splitlines()
             if line.strip()]
    return lines[-1] if len(lines) > 1 else ""


def sender_party(document: Document, organization_id: str) -> Party:
    """``SenderParty``: the signer's names and position, and our department ID."""
    department = _department(organization_id, "ผู้ส่ง", "sender's", "from")
    signer = document.signer
    return Party(given_name=signer.first_name if signer else "",
                 family_name=signer.last_name if signer else "",
                 job_title=_job_title(document), department_id=department)


def receiver_party(document: Document, organization_id: str) -> Party:
    """``ReceiverParty``: the addressee (เรียน) as its job title; no person is named on our
    documents, so the given and family names are empty."""
    department = _department(organization_id, "ปลายทาง", "receiver's", "to")
    addressee = " ".join((document.addressee or "").split())
    return Party(given_name="", family_name="", job_title=addressee, department_id=department)


_CITATION = re.compile(
    r"(?:^|\s)ที่\s*(?P<number>\S.*?)\s+ลง(?:วันที่)?\s*(?P<date>\S.*?)"
    r"(?:\s+เรื่อง\s*(?P<subject>.*))?$", re.DOTALL)


def reference_of(reference: DocumentReference) -> Reference:
    """``ReferenceCorrespondence`` for one of our references: the linked document's ที่,
    date and subject, or those read from the citation ("หนังสือ สพร. ที่ สพร ๒๕๖๒/ว๑๕๓๙ ลง
    ๗ พ.ค.๖๒ เรื่อง …"). The element needs a ที่ and a date: a citation without them is
    refused rather than sent half empty."""
    target = reference.target
    if target is not None and target.number and target.doc_date:
        return Reference(strip_thi(target.number), target.doc_date, target.subject or "")
    text = " ".join((reference.text or "").split())
    match = _CITATION.search(text)
    if match:
        try:
            date = parse_date(match["date"])
        except ThaiDateError:
            date = None
        if date is not None:
            return Reference(match["number"].strip(), date, (match["subject"] or "").strip())
    raise EcmsRefusal(
        f"อ้างถึง \"{text[:80]}\" ไม่มีเลขที่และวันที่ที่อ่านได้ (เขียนเป็น ที่ … ลง … เรื่อง … "
        "หรือเชื่อมกับหนังสือในระบบ) จึงส่งทาง e-CMS ไม่ได้",
        f"The reference \"{text[:80]}\" has no readable number and date (write it as "
        "ที่ … ลง … เรื่อง …, or link it to a document): e-CMS needs both.",
        field="references")


def enclosures_line(document: Document) -> str:
    """The one ``Attachment`` text: our enclosures' descriptions joined with "; "."""
    parts = [" ".join(e.description.split()) for e in document.enclosures
             if e.description and e.description.strip()]
    return ENCLOSURE_SEPARATOR.join(parts) or "-"


def _code(kind: str, level: int, tables: CodeTables) -> str:
    if kind == "secrecy":
        mapping, listed, names = tables.secrecy_map, tables.secret_codes, SECRECY_TH
        th, en, field = "ชั้นความลับ", "secrecy", "secrecy"
    else:
        mapping, listed, names = tables.urgency_map, tables.speed_codes, URGENCY_TH
        th, en, field = "ชั้นความเร็ว", "urgency", "urgency"
    code = mapping.get(level)
    if code is None:
        raise EcmsRefusal(
            f"ยังไม่ได้กำหนดรหัส e-CMS ของ{th} \"{names[level]}\" ผู้ดูแลระบบต้องกำหนดก่อน",
            f"No e-CMS code is mapped for {en} level {level} ({names[level]}): an "
            "administrator must map it first.", field=field)
    if code not in listed:
        raise EcmsRefusal(
            f"รหัส {code} ที่กำหนดไว้สำหรับ{th} \"{names[level]}\" ไม่อยู่ในรายการรหัสของ e-CMS "
            "(ปรับรายการด้วย saraban ecms sync-codes แล้วกำหนดใหม่)",
            f"The code {code} mapped for {en} level {level} is not in the node's list "
            "(run saraban ecms sync-codes and map it again).", field=field)
    return code


def _mime_code(file: OutgoingFile, tables: CodeTables, what_th: str, what_en: str) -> str:
    if file.media_type not in set(tables.mime_types.values()):
        raise EcmsRefusal(
            f"{what_th}เป็นไฟล์ชนิด {file.media_type} ซึ่ง e-CMS ไม่รับ",
            f"The {what_en} is a {file.media_type} file, a type the e-CMS node does not list.",
            field="files")
    if not file.content:
        raise EcmsRefusal(f"{what_th}เป็นไฟล์ว่าง", f"The {what_en} is an empty file.",
                          field="files")
    if len(file.content) > codec.MAX_FILE_BYTES:
        limit = codec.MAX_FILE_BYTES // (1024 * 1024)
        raise EcmsRefusal(
            f"{what_th}ใหญ่เกิน {to_thai_digits(limit)} MiB ที่ส่งทาง e-CMS ได้",
            f"The {what_en} is larger than the {limit} MiB e-CMS can carry.",
            status=413, field="files")
    return file.media_type


# --- outgoing ------------------------------------------------------------------------------

def outgoing_letter(document: Document, *, sender_id: str, receiver_id: str,
                    tables: CodeTables, main: OutgoingFile | None,
                    enclosure_files: Sequence[OutgoingFile] = (),
                    send_date: dt.datetime) -> Letter:
    """The codec's ``Letter`` for ``document``, from us (``sender_id``) to ``receiver_id``.

    ``main`` is the letter itself (the PDF), ``enclosure_files`` the enclosures' files in
    their order; ``send_date`` an aware datetime (the codec writes it in Bangkok time)."""
    if document.secrecy >= Secrecy.TOP_SECRET:
        raise EcmsRefusal("หนังสือลับที่สุดไม่ส่งทางระบบ ให้ส่งตัวหนังสือตามระเบียบ",
                          "Top-secret documents are not sent electronically.",
                          field="secrecy")
    number = wire_number(document.number)
    if document.doc_date is None:
        raise EcmsRefusal("หนังสือยังไม่มีวันที่", "The document has no date.", field="date")
    if not (document.subject or "").strip():
        raise EcmsRefusal("หนังสือยังไม่มีเรื่อง", "The document has no subject.",
                          field="subject")
    sender = sender_party(document, sender_id)
    receiver = receiver_party(document, receiver_id)
    if sender.department_id == receiver.department_id:
        raise EcmsRefusal("ส่งหนังสือถึงหน่วยงานของตนเองทาง e-CMS ไม่ได้",
                          "A letter cannot be sent to our own organisation through e-CMS.",
                          field="to")
    secret_code = _code("secrecy", document.secrecy, tables)
    speed_code = _code("urgency", document.urgency, tables)
    if main is None:
        raise EcmsRefusal("ยังไม่มีไฟล์ตัวหนังสือ (PDF) ที่จะส่ง",
                          "There is no file of the letter itself to send.", field="files")
    main_letter = Attachment(_mime_code(main, tables, "ไฟล์ตัวหนังสือ", "letter's file"),
                             main.content)
    attachments = tuple(
        Attachment(_mime_code(f, tables, f"ไฟล์สิ่งที่ส่งมาด้วยลำดับที่ {to_thai_digits(i)} ",
                              f"enclosure file {i}"), f.content)
        for i, f in enumerate(enclosure_files, start=1))
    return Letter(
        letter_id=number, date=document.doc_date, subject=" ".join(document.subject.split()),
        secret_code=secret_code, speed_code=speed_code, sender=sender, receiver=receiver,
        main_letter=main_letter, send_date=send_date,
        references=tuple(reference_of(r) for r in document.references),
        enclosures=enclosures_line(document), description=document.body or "",
        attachments=attachments)


# --- arriving ------------------------------------------------------------------------------

def _level(kind: str, code: str, tables: CodeTables) -> int:
    if kind == "secrecy":
        mapping, th, en = tables.secrecy_map, "ชั้นความลับ", "SecretCode"
    else:
        mapping, th, en = tables.urgency_map, "ชั้นความเร็ว", "SpeedCode"
    for level, mapped in mapping.items():
        if mapped == code:
            return level
    raise EcmsRefusal(
        f"ไม่รู้จักรหัส{th} {code!r} ของหนังสือที่มาทาง e-CMS (ผู้ดูแลระบบยังไม่ได้กำหนด)",
        f"The arriving letter's {en} {code!r} is not mapped to any of our levels.",
        field=kind, answer=INVALID)


def _party_text(party: Party, directory: Mapping[str, str]) -> str:
    """ผู้ส่ง as our pages write it: the organisation's name from the directory (a name never
    travels in the letter), else its ID."""
    return directory.get(party.department_id) or f"หน่วยงานรหัส {party.department_id}"


def _reference_text(reference: Reference) -> str:
    parts = [f"ที่ {reference.letter_id}"] if reference.letter_id else []
    if reference.date is not None:
        parts.append(f"ลงวันที่ {date_be(reference.date)}")
    if reference.subject:
        parts.append(f"เรื่อง {reference.subject}")
    return " ".join(parts)


def _extension(mime_code: str, tables: CodeTables, what_th: str, what_en: str) -> str:
    for extension, content_type in sorted(tables.mime_types.items()):
        if content_type == mime_code:
            return extension
    raise EcmsRefusal(f"{what_th}เป็นชนิด {mime_code!r} ที่ไม่อยู่ในรายการของ e-CMS",
                      f"The {what_en} is of type {mime_code!r}, which the node does not list.",
                      field="files", answer=INVALID)


def arriving_letter(letter: Letter, *, our_id: str, tables: CodeTables,
                    directory: Mapping[str, str] | None = None) -> Arrival:
    """An arriving letter in our terms; refused (with the notifier that answers it) when it
    is not for us, is ลับที่สุด, or carries a code or a file type we do not know."""
    directory = directory or {}
    if letter.receiver.department_id != our_id:
        raise EcmsRefusal(
            f"หนังสือนี้ส่งถึงหน่วยงานรหัส {letter.receiver.department_id} ไม่ใช่หน่วยงานนี้ ({our_id})",
            f"This letter is for organisation {letter.receiver.department_id}, not this one "
            f"({our_id}).", field="to", answer=INVALID)
    secrecy = _level("secrecy", letter.secret_code, tables)
    if secrecy >= Secrecy.TOP_SECRET:
        raise EcmsRefusal(
            "หนังสือชั้นลับที่สุดไม่รับทางระบบ ให้ส่งตัวหนังสือตามระเบียบว่าด้วยการรักษาความลับของทางราชการ",
            "Top-secret letters are not received electronically: send the paper letter.",
            field="secrecy", answer=REJECT)
    urgency = _level("urgency", letter.speed_code, tables)
    files = [ArrivingFile(
        f"{MAIN_NAME}.{_extension(letter.main_letter.mime_code, tables, 'ไฟล์ตัวหนังสือ', 'letter')}",
        letter.main_letter.mime_code, letter.main_letter.content, main=True)]
    for i, attachment in enumerate(letter.attachments, start=1):
        extension = _extension(attachment.mime_code, tables,
                               f"ไฟล์แนบลำดับที่ {to_thai_digits(i)} ", f"attachment {i}")
        files.append(ArrivingFile(f"{ATTACHMENT_NAME}{i}.{extension}", attachment.mime_code,
                                  attachment.content))
    sender = letter.sender
    signer = " ".join(x for x in (sender.given_name, sender.family_name) if x)
    addressee = letter.receiver.job_title or " ".join(
        x for x in (letter.receiver.given_name, letter.receiver.family_name) if x)
    enclosures = (letter.enclosures or "").strip()
    body = letter.description or None
    return Arrival(
        document={
            "kind": "external",
            "number": strip_thi(letter.letter_id),
            "date": letter.date.isoformat(),
            "subject": letter.subject,
            "sender": _party_text(sender, directory),
            "addressee": addressee or None,
            "body": body,
            "urgency": urgency,
            "secrecy": secrecy,
        },
        signature_text="\n".join(x for x in (f"({signer})" if signer else "",
                                             sender.job_title) if x) or None,
        sender_id=sender.department_id, receiver_id=letter.receiver.department_id,
        references=tuple(_reference_text(r) for r in letter.references),
        enclosures=None if enclosures in ("", "-") else enclosures,
        files=tuple(files))


def same_number(a: str | None, b: str | None) -> bool:
    """Whether two ที่ are the same letter's: Thai or Arabic digits, spaces and a leading ที่
    do not matter (a notifier echoes the LetterID as the other side keeps it)."""
    return normalize_number(a) is not None and normalize_number(a) == normalize_number(b)


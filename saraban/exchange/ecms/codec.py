"""e-CMS codec: a strict writer and a tolerant reader for every operation of SPEC.md §3.

The writer produces exactly one layout, the one the C# client (mil-doc) used against DGA's test
nodes: a ``SOAP-ENV`` envelope, WS-Addressing with the ``www.`` namespace and ``To``, the body
elements unqualified, the letter's elements in the clients' order (SPEC.md §4.1), UTF-8, no
pretty-printing, and never the empty placeholders mil-doc sends for "no reference" and "no file".

The reader accepts every variant the two public clients show, because a node or a peer that
worked with them may send any of them: WS-Addressing with or without ``www.``, ``To`` or ``to``,
``ProcessID`` or ``processID``, ``Body/@ID``, all-empty ``ReferenceCorrespondence`` and empty
``AttachmentBinaryObject`` placeholders, base64 broken by whitespace, repeated items in any
order, no ``Description`` or ``GovernmentSignature``. Elements are found by local name, so the
namespace prefixes (and the misspelt namespace one client declares) do not matter.

Every response is first searched for ``ErrorDetail`` (anywhere, whatever the HTTP status) and for
a SOAP Fault; either becomes ``EcmsRemoteError``.

Input is parsed by ``parse_xml`` only: a size cap, UTF-8 only, no DOCTYPE (so no entity of any
kind), no network, no huge text nodes.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import re
from collections.abc import Iterable

from lxml import etree

from saraban import thaidate

from .messages import (
    NOTIFIER_KINDS,
    SPECIAL_KINDS,
    WITH_ACCEPT_ID,
    Addressing,
    Attachment,
    CodeEntry,
    DeleteResponse,
    EcmsFormatError,
    EcmsRemoteError,
    EcmsValueError,
    ErrorDetail,
    InboundItem,
    Letter,
    LetterKey,
    MimeCode,
    Ministry,
    Notifier,
    Organization,
    OutboundResponse,
    OutboundStatus,
    Party,
    Reference,
    Request,
    Signer,
    SpecialRequest,
    TimeCheck,
    WithdrawResponse,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"          # mil-doc, and what we write
WSA_NO_WWW = "http://w3.org/2005/08/addressing"       # BOI-DMS; read only
RSM = "urn:th:gov:egif:data:standard:GovernmentDocument:1.0"
RAM = "urn:th:gov:egif:data:standard:ReusableAggregateBusinessInformationEntity:1"
DS = "http://www.w3.org/2000/09/xmldsig#"

# A file may be as large as saraban-exchange/1 lets it be (its MAX_BYTES, 25 MiB) only if the
# parser reads huge text nodes, which it must not (huge_tree=False caps one text node at
# 10,000,000 bytes). The base64 of a file must fit in one text node, so a file is at most
# 7 MiB (base64 9,786,712 bytes). The writer refuses larger files before anything is sent.
MAX_FILE_BYTES = 7 * 1024 * 1024
# One message: the main letter and enclosures as base64, plus the XML around them.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024

REQUEST_OPERATIONS = (
    "CorrespondenceLetterOutboundRequest",
    "CorrespondenceLetterInboundRequest",
    "CorrespondenceLetterDeleteRequest",
    "CorrespondenceDeleteGovernmentDocumentRequest",
    "CorrespondenceLetterInboundSpecialRequest",
    "GetOrganizationList",
    "GetMinistryOrganizationList",
    "GetSecretCodes",
    "GetSpeedCodes",
    "GetMimeCodes",
    "OutboundStatusRequest",
    "TimeCheckRequest",
)

_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_DEPARTMENT = re.compile(r"[0-9]{10}")
_WIRE_DATE = re.compile(
    r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?\s*")
_DECLARED_ENCODING = re.compile(r"""\A<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


# --- the hardened parser -------------------------------------------------------------------

def _refuse(reason: str, th: str, en: str):
    raise EcmsFormatError(reason, th, en)


def parse_xml(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse one e-CMS message, refusing what a node has no reason to send.

    Refused: more than ``max_bytes``; anything but UTF-8; a DOCTYPE or an entity declaration
    (so no entity expansion, internal or external: XML-DSig over ``#Letter`` needs no DTD, the
    ``ID`` attribute is declared to the verifier instead); text nodes past libxml2's limit;
    anything not well-formed. The network is never used."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError("an e-CMS message is bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        _refuse("too_large", f"ข้อความ e-CMS ยาว {len(data):,} ไบต์ เกินที่รับได้ {max_bytes:,} ไบต์",
                f"The e-CMS message is {len(data):,} bytes, over the limit of {max_bytes:,}.")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:4].count(b"\0"):
        _refuse("encoding", "ข้อความ e-CMS ต้องเข้ารหัสเป็น UTF-8",
                "The e-CMS message must be encoded in UTF-8.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        _refuse("encoding",
                f"ข้อความ e-CMS ไม่ใช่ UTF-8 (ไบต์ที่ {error.start:,} ใช้ไม่ได้)",
                f"The e-CMS message is not UTF-8 (invalid byte at offset {error.start:,}).")
    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).strip().lower() not in ("utf-8", "utf8"):
        _refuse("encoding", f"ข้อความ e-CMS ประกาศการเข้ารหัส {declared.group(1)!r} ซึ่งไม่ใช่ UTF-8",
                f"The e-CMS message declares encoding {declared.group(1)!r}, not UTF-8.")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        _refuse("doctype", "ข้อความ e-CMS มี DOCTYPE หรือการประกาศ entity ซึ่งไม่รับ",
                "The e-CMS message has a DOCTYPE or an entity declaration: refused.")
    if not text.strip():
        _refuse("empty", "ข้อความ e-CMS ว่างเปล่า", "The e-CMS message is empty.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        if "limit" in str(error).lower() or "huge" in str(error).lower():
            _refuse("too_large", "ข้อความ e-CMS มีข้อความหรือไฟล์ที่ยาวเกินที่อ่านได้",
                    f"The e-CMS message has a text node or file too large to read: {error}")
        _refuse("syntax", f"ข้อความ e-CMS ไม่ใช่ XML ที่ถูกต้อง: {error}",
                f"The e-CMS message is not well-formed XML: {error}")
    if root.getroottree().docinfo.doctype:
        _refuse("doctype", "ข้อความ e-CMS มี DOCTYPE ซึ่งไม่รับ",
                "The e-CMS message has a DOCTYPE: refused.")
    return root


# --- reading helpers -----------------------------------------------------------------------

def _local(element) -> str | None:
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def _elements(parent) -> list:
    return [child for child in parent if isinstance(child.tag, str)]


def _find(parent, *names):
    """The first child element whose local name is one of ``names``."""
    for child in _elements(parent):
        if _local(child) in names:
            return child
    return None


def _find_all(parent, *names) -> list:
    return [child for child in _elements(parent) if _local(child) in names]


def _descendants(parent, *names) -> list:
    return [el for el in parent.iter() if isinstance(el.tag, str) and _local(el) in names]


def _text_of(element) -> str:
    """All the text inside ``element`` (comments skipped), stripped."""
    if element is None:
        return ""
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)  # text after a comment or a child
    return "".join(parts).strip()


def _text(parent, *names, path: str, required: bool = True) -> str:
    element = _find(parent, *names)
    if element is None:
        if required:
            _shape(f"{path}/{names[0]}", "ไม่มี", "is missing")
        return ""
    return _text_of(element)


def _shape(path: str, th: str, en: str):
    _refuse("shape", f"ข้อความ e-CMS ไม่อยู่ในรูปแบบที่กำหนด: {path} {th}",
            f"The e-CMS message is not in the expected shape: {path} {en}.")


def _wire_date(text: str, path: str, *, required: bool = True) -> dt.date | None:
    """CE ``yyyy-MM-dd`` (a time part, as a C# DateTime may add, is dropped). A Buddhist-era
    year is refused rather than shifted: SPEC.md says the wire carries CE, and a guess would
    move a letter by 543 years."""
    if not text:
        if required:
            _shape(path, "ว่าง", "is empty")
        return None
    match = _WIRE_DATE.fullmatch(text)
    if not match:
        _shape(path, f"ไม่ใช่วันที่ yyyy-MM-dd: {text!r}", f"is not a yyyy-MM-dd date: {text!r}")
    year, month, day = (int(part) for part in match.groups())
    if year > 2300:
        _shape(path, f"ปี {year} ดูเป็นพุทธศักราช แต่ e-CMS ใช้คริสต์ศักราช",
               f"has year {year}, which looks Buddhist-era; e-CMS dates are CE")
    try:
        return dt.date(year, month, day)
    except ValueError:
        _shape(path, f"ไม่ใช่วันที่ที่มีจริง: {text!r}", f"is not a real date: {text!r}")


def _send_date(text: str, path: str) -> dt.datetime | dt.date | None:
    if not text:
        return None
    if "T" in text or " " in text.strip():
        try:
            return dt.datetime.fromisoformat(text.strip())
        except ValueError:
            _shape(path, f"ไม่ใช่วันเวลา: {text!r}", f"is not a date-time: {text!r}")
    return _wire_date(text, path)


def _binary(element, path: str) -> bytes:
    text = "".join(_text_of(element).split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        _shape(path, "ไม่ใช่ base64", "is not base64")


# --- the envelope --------------------------------------------------------------------------

def _envelope_parts(root):
    if _local(root) != "Envelope" or etree.QName(root).namespace != SOAP_ENV:
        _shape(_local(root) or "?", "ไม่ใช่ SOAP 1.1 Envelope", "is not a SOAP 1.1 Envelope")
    header = body = None
    for child in _elements(root):
        if etree.QName(child).namespace != SOAP_ENV:
            continue
        if _local(child) == "Header":
            header = child
        elif _local(child) == "Body":
            body = child
    if body is None:
        _shape("Envelope/Body", "ไม่มี", "is missing")
    return header, body


def _addressing(header) -> Addressing:
    if header is None:
        return Addressing()
    message_id = to = ""
    for child in _elements(header):
        if etree.QName(child).namespace not in (WSA, WSA_NO_WWW):
            continue
        if _local(child) == "MessageID":
            message_id = _text_of(child)
        elif _local(child) in ("To", "to"):
            to = _text_of(child)
    return Addressing(message_id=message_id, to=to)


def find_error(body) -> ErrorDetail | None:
    """``ErrorDetail`` anywhere in the body (children by position: code, then description), or a
    SOAP 1.1 Fault (``faultcode``, ``faultstring``)."""
    for element in _descendants(body, "ErrorDetail"):
        children = _elements(element)
        code = _text_of(_find(element, "ErrorCode")) if _find(element, "ErrorCode") is not None \
            else (_text_of(children[0]) if children else "")
        description = (_text_of(_find(element, "ErrorDescription"))
                       if _find(element, "ErrorDescription") is not None
                       else (_text_of(children[1]) if len(children) > 1 else _text_of(element)))
        return ErrorDetail(code=code, description=description)
    for fault in _descendants(body, "Fault"):
        if etree.QName(fault).namespace == SOAP_ENV:
            return ErrorDetail(code=_text(fault, "faultcode", path="Fault", required=False),
                               description=_text(fault, "faultstring", path="Fault",
                                                 required=False))
    return None


def _response_body(data: bytes, max_bytes: int):
    root = parse_xml(data, max_bytes=max_bytes)
    _header, body = _envelope_parts(root)
    error = find_error(body)
    if error is not None:
        raise EcmsRemoteError(error)
    return body


def parse_error(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> ErrorDetail | None:
    """The ``ErrorDetail`` (or SOAP Fault) a response carries, or None."""
    _header, body = _envelope_parts(parse_xml(data, max_bytes=max_bytes))
    return find_error(body)


def _wrapper(body, *names):
    """The operation's response element, by its name (quoted in the spec excerpts BOI keeps).
    Another element is not taken for it: an unexpected answer to a pull must not read as an
    empty queue. (Wrappers SPEC.md only infers are not looked for: see the lists and
    ``parse_time_check``.)"""
    element = _find(body, *names)
    if element is None:
        found = ", ".join(_local(child) for child in _elements(body)) or "nothing"
        _shape(names[0], f"ไม่มี (พบ {found})", f"is missing (found {found})")
    return element


# --- reading the letter and the notifiers --------------------------------------------------

def _read_party(parent, name: str, path: str) -> Party:
    element = _find(parent, name)
    if element is None:
        _shape(f"{path}/{name}", "ไม่มี", "is missing")
    path = f"{path}/{name}"
    ministry = _find(element, "MinistryOrganization")
    department = _find(element, "DepartmentOrganization")
    department_id = _text(department, "ID", path=f"{path}/DepartmentOrganization") \
        if department is not None else ""
    if not department_id:
        _shape(f"{path}/DepartmentOrganization/ID", "ว่างหรือไม่มี", "is empty or missing")
    return Party(
        given_name=_text(element, "GivenName", path=path, required=False),
        family_name=_text(element, "FamilyName", path=path, required=False),
        job_title=_text(element, "JobTitle", path=path, required=False),
        department_id=department_id,
        ministry_id=(_text(ministry, "ID", path=path, required=False)
                     if ministry is not None else None) or None,
    )


def _read_references(letter, path: str) -> tuple[Reference, ...]:
    references = []
    for element in _find_all(letter, "ReferenceCorrespondence"):
        letter_id = _text(element, "ID", path=path, required=False)
        date_text = _text(element, "CorrespondenceDate", path=path, required=False)
        subject = _text(element, "Subject", path=path, required=False)
        if not (letter_id or date_text or subject):
            continue  # mil-doc's all-empty placeholder
        references.append(Reference(
            letter_id=letter_id, subject=subject,
            date=_wire_date(date_text, f"{path}/ReferenceCorrespondence/CorrespondenceDate",
                            required=False)))
    return tuple(references)


def _read_signer(government_document) -> Signer | None:
    signature = _find(government_document, "GovernmentSignature")
    if signature is None:
        return None
    party = _find(signature, "SignerParty")
    path = "GovernmentSignature/SignerParty"

    def field(name: str) -> str:
        return _text(party, name, path=path, required=False) if party is not None else ""

    return Signer(type_code=_text(signature, "TypeCode", path="GovernmentSignature",
                                  required=False),
                  given_name=field("GivenName"), family_name=field("FamilyName"),
                  title=field("Title"), ministry_code=field("MinistryCode"),
                  department_code=field("DepartmentCode"))


def read_letter(government_document) -> Letter | None:
    """The letter inside ``rsm:GovernmentDocument``, or None when it holds none (the node's
    echo may be empty)."""
    letters = _find_all(government_document, "CorrespondenceLetter")
    if not letters:
        return None
    if len(letters) > 1:  # which one was signed, which one meant? Neither is guessed.
        _shape("GovernmentDocument", "มีหนังสือมากกว่าหนึ่งฉบับ", "holds more than one letter")
    letter = letters[0]
    path = "CorrespondenceLetter"
    main = _find(letter, "MainLetterBinaryObject")
    if main is None or not _text_of(main):
        _shape(f"{path}/MainLetterBinaryObject", "ว่างหรือไม่มี", "is empty or missing")
    attachments = []
    for element in _find_all(letter, "AttachmentBinaryObject"):
        if not _text_of(element):
            continue  # mil-doc's empty placeholder
        attachments.append(Attachment(
            mime_code=(element.get("mimeCode") or "").strip(),
            content=_binary(element, f"{path}/AttachmentBinaryObject")))
    letter_id = _text(letter, "ID", path=path)
    if not letter_id:
        _shape(f"{path}/ID", "ว่าง", "is empty")
    return Letter(
        letter_id=letter_id,
        date=_wire_date(_text(letter, "CorrespondenceDate", path=path),
                        f"{path}/CorrespondenceDate"),
        subject=_text(letter, "Subject", path=path),
        secret_code=_text(letter, "SecretCode", path=path, required=False),
        speed_code=_text(letter, "SpeedCode", path=path, required=False),
        sender=_read_party(letter, "SenderParty", path),
        receiver=_read_party(letter, "ReceiverParty", path),
        references=_read_references(letter, path),
        enclosures=_text(letter, "Attachment", path=path, required=False),
        send_date=_send_date(_text(letter, "SendDate", path=path, required=False),
                             f"{path}/SendDate"),
        description=_text(letter, "Description", path=path, required=False),
        main_letter=Attachment(mime_code=(main.get("mimeCode") or "").strip(),
                               content=_binary(main, f"{path}/MainLetterBinaryObject")),
        attachments=tuple(attachments),
        signer=_read_signer(government_document),
        has_signature=bool([el for el in government_document.iter(f"{{{DS}}}Signature")]),
    )


def read_notifier(element) -> Notifier:
    kind = _local(element)
    path = kind
    department = _find(element, "AcceptDepartment")
    return Notifier(
        kind=kind,
        letter_id=_text(element, "LetterID", path=path),
        date=_wire_date(_text(element, "CorrespondenceDate", path=path),
                        f"{path}/CorrespondenceDate"),
        subject=_text(element, "Subject", path=path, required=False),
        accept_id=_text(element, "AcceptID", path=path, required=False) or None,
        accept_date=_text(element, "AcceptDate", path=path, required=False) or None,
        accept_department=(_text(department, "Code", path=f"{path}/AcceptDepartment",
                                 required=False) or None) if department is not None else None,
    )


def _read_key(element, path: str) -> LetterKey:
    def code(name: str) -> str:
        part = _find(element, name)
        value = _text(part, "Code", path=f"{path}/{name}") if part is not None else ""
        if not value:
            _shape(f"{path}/{name}/Code", "ว่างหรือไม่มี", "is empty or missing")
        return value

    return LetterKey(
        letter_id=_text(element, "LetterID", path=path),
        date=_wire_date(_text(element, "CorrespondenceDate", path=path),
                        f"{path}/CorrespondenceDate"),
        sender_department=code("SenderDepartment"),
        accept_department=code("AcceptDepartment"),
    )


def _item(wrapper) -> tuple[Letter | None, Notifier | None]:
    document = _find(wrapper, "GovernmentDocument")
    if document is not None:
        return read_letter(document), None
    notifier = _find(wrapper, *NOTIFIER_KINDS)
    if notifier is not None:
        return None, read_notifier(notifier)
    return None, None


def _process_id(wrapper, path: str, *, required: bool = True) -> str:
    value = _text(wrapper, "ProcessID", "processID", "ProcessId", path=path, required=required)
    if required and not value:
        _shape(f"{path}/ProcessID", "ว่าง", "is empty")
    return value


# --- reading requests (what a node reads; the fake node in the tests uses it) ---------------

def parse_request(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Request:
    root = parse_xml(data, max_bytes=max_bytes)
    header, body = _envelope_parts(root)
    children = _elements(body)
    if len(children) != 1:
        _shape("Body", f"มี {len(children)} องค์ประกอบ ต้องมีหนึ่ง",
               f"has {len(children)} elements, not one")
    operation_element = children[0]
    operation = _local(operation_element)
    payload: object = None
    if operation == "CorrespondenceLetterOutboundRequest":
        letter, notifier = _item(operation_element)
        payload = letter or notifier
        if payload is None:
            _shape(operation, "ไม่มีหนังสือหรือหนังสือแจ้ง", "holds no letter and no notifier")
    elif operation == "CorrespondenceLetterDeleteRequest":
        payload = _process_id(operation_element, operation)
    elif operation == "CorrespondenceDeleteGovernmentDocumentRequest":
        payload = _read_key(operation_element, operation)
    elif operation == "CorrespondenceLetterInboundSpecialRequest":
        asked = _find(operation_element, *SPECIAL_KINDS)
        if asked is None:
            _shape(operation, "ไม่ระบุสิ่งที่ขอ", "asks for nothing")
        payload = SpecialRequest(kind=_local(asked), key=_read_key(asked, operation))
    elif operation not in REQUEST_OPERATIONS:
        _shape(operation or "?", "ไม่ใช่คำขอของ e-CMS", "is not an e-CMS request")
    return Request(operation=operation, addressing=_addressing(header), payload=payload,
                   raw=bytes(data))


# --- reading responses ---------------------------------------------------------------------

def parse_outbound_response(data: bytes, *,
                            max_bytes: int = MAX_MESSAGE_BYTES) -> OutboundResponse:
    body = _response_body(data, max_bytes)
    wrapper = _wrapper(body, "CorrespondenceLetterOutboundResponse")
    path = "CorrespondenceLetterOutboundResponse"
    letter, notifier = _item(wrapper)
    return OutboundResponse(process_id=_process_id(wrapper, path),
                            process_time=_text(wrapper, "ProcessTime", path=path,
                                               required=False),
                            letter=letter, notifier=notifier, raw=bytes(data))


def parse_inbound_response(data: bytes, *,
                           max_bytes: int = MAX_MESSAGE_BYTES) -> InboundItem | None:
    """The next queued item, or None when the queue is empty (an empty or blank response
    element). An item with a ProcessID but content we do not know is returned with neither
    ``letter`` nor ``notifier``: it must still be stored and deleted, or it is pulled forever."""
    body = _response_body(data, max_bytes)
    wrapper = _wrapper(body, "CorrespondenceLetterInboundResponse",
                       "CorrespondenceLetterInboundSpecialResponse")
    if not _elements(wrapper) and not _text_of(wrapper):
        return None
    path = _local(wrapper)
    letter, notifier = _item(wrapper)
    process_id = _process_id(wrapper, path, required=False)
    if not process_id and letter is None and notifier is None:
        return None
    if not process_id:
        _shape(f"{path}/ProcessID", "ไม่มี", "is missing")
    return InboundItem(process_id=process_id,
                       process_time=_text(wrapper, "ProcessTime", path=path, required=False),
                       letter=letter, notifier=notifier, raw=bytes(data))


parse_special_response = parse_inbound_response  # not quoted anywhere; presumably as #2 [I]


def parse_delete_response(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> DeleteResponse:
    body = _response_body(data, max_bytes)
    wrapper = _wrapper(body, "CorrespondenceLetterDeleteResponse")
    path = "CorrespondenceLetterDeleteResponse"
    return DeleteResponse(process_id=_process_id(wrapper, path, required=False),
                          process_time=_text(wrapper, "ProcessTime", path=path, required=False))


def parse_withdraw_response(data: bytes, *,
                            max_bytes: int = MAX_MESSAGE_BYTES) -> WithdrawResponse:
    body = _response_body(data, max_bytes)
    wrapper = _wrapper(body, "CorrespondenceDeleteGovernmentDocumentResponse")
    path = "CorrespondenceDeleteGovernmentDocumentResponse"
    return WithdrawResponse(letter_id=_text(wrapper, "LetterID", path=path, required=False),
                            process_time=_text(wrapper, "ProcessTime", path=path,
                                               required=False),
                            process_id=_process_id(wrapper, path, required=False) or None)


def _items_with(body, child: str) -> list:
    """Elements anywhere in the body that have a ``child`` element: the lists are read this way
    because their wrappers are quoted differently (or not at all)."""
    return [el for el in body.iter() if isinstance(el.tag, str) and _find(el, child) is not None]


def parse_organization_list(data: bytes, *,
                            max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[Organization, ...]:
    body = _response_body(data, max_bytes)
    path = "OrganizationInfo"
    return tuple(Organization(
        organization_id=_text(el, "OrganizationID", path=path),
        th_name=_text(el, "Th-Name", path=path, required=False),
        en_name=_text(el, "En-Name", path=path, required=False),
        ecms_url=_text(el, "ECMS-URL", path=path, required=False),
    ) for el in _items_with(body, "OrganizationID"))


def parse_ministry_list(data: bytes, *,
                        max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[Ministry, ...]:
    """Repeated ``MinistryOrganizationList`` elements (BOI) or one wrapper of items (by analogy
    with OrganizationList): whatever holds a ``MinistryID`` is an item."""
    body = _response_body(data, max_bytes)
    path = "MinistryOrganizationList"
    return tuple(Ministry(ministry_id=_text(el, "MinistryID", path=path),
                          th_name=_text(el, "Th-Name", path=path, required=False))
                 for el in _items_with(body, "MinistryID"))


def parse_codes(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[CodeEntry, ...]:
    """``SecretCodes`` or ``SpeedCodes``: ``Code{Value, Description}``."""
    body = _response_body(data, max_bytes)
    return tuple(CodeEntry(value=_text(el, "Value", path="Code"),
                           description=_text(el, "Description", path="Code", required=False))
                 for el in _items_with(body, "Value"))


parse_secret_codes = parse_speed_codes = parse_codes


def parse_mime_codes(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[MimeCode, ...]:
    body = _response_body(data, max_bytes)
    return tuple(MimeCode(
        extension=_text(el, "File-Extension", path="Code", required=False).lstrip(".").lower(),
        content_type=_text(el, "Content-type", "Content-Type", path="Code"))
        for el in body.iter() if isinstance(el.tag, str)
        and _find(el, "Content-type", "Content-Type") is not None)


def parse_outbound_status(data: bytes, *,
                          max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[OutboundStatus, ...]:
    body = _response_body(data, max_bytes)
    return tuple(OutboundStatus(
        process_id=_process_id(el, "Outbound", required=False),
        letter_id=_text(el, "LetterID", path="Outbound", required=False),
        process_status=_text(el, "ProcessStatus", path="Outbound", required=False))
        for el in _items_with(body, "ProcessStatus"))


def parse_time_check(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> TimeCheck:
    body = _response_body(data, max_bytes)
    found = _descendants(body, "ECMSTime")
    if not found:
        _shape("ECMSTime", "ไม่มี", "is missing")
    return TimeCheck(ecms_time=_text_of(found[0]))


# --- writing -------------------------------------------------------------------------------

def new_message_id(when: dt.datetime | None = None) -> str:
    """``mid://yyyyMMdd.HHmmssSSS@saraban``: the form BOI's comment gives, in Bangkok time."""
    moment = thaidate.local(when or thaidate.now())
    return f"mid://{moment:%Y%m%d.%H%M%S}{moment.microsecond // 1000:03d}@saraban"


def _sub(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, tag, **attrs)
    if text:
        try:
            element.text = text
        except ValueError as error:  # control characters XML cannot carry
            raise EcmsValueError(f"ข้อความใน {etree.QName(tag).localname} มีอักขระที่ XML ไม่รับ",
                                 f"{etree.QName(tag).localname} holds characters XML cannot "
                                 f"carry: {error}") from error
    return element


def _ram(parent, name: str, text: str | None = None, **attrs):
    return _sub(parent, f"{{{RAM}}}{name}", text, **attrs)


def _serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _request(addressing: Addressing | None, *, body_id: bool = False):
    addressing = addressing or Addressing(message_id=new_message_id())
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV})
    header = etree.SubElement(root, f"{{{SOAP_ENV}}}Header")
    _sub(header, f"{{{WSA}}}MessageID", addressing.message_id, nsmap={"wsa": WSA})
    _sub(header, f"{{{WSA}}}To", addressing.to, nsmap={"wsa": WSA})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    if body_id:
        body.set("ID", "Body")
    return root, body


def _response():
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope",
                         nsmap={"SOAP-ENV": SOAP_ENV, "env": SOAP_ENV})
    return root, etree.SubElement(root, f"{{{SOAP_ENV}}}Body")


def _need(value, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EcmsValueError(f"ต้องระบุ {name}", f"{name} is required.")
    return value.strip()


def _department(value, name: str) -> str:
    if not isinstance(value, str) or not _DEPARTMENT.fullmatch(value):
        raise EcmsValueError(f"{name} ต้องเป็นรหัสหน่วยงาน 10 หลัก ไม่ใช่ {value!r}",
                             f"{name} must be a 10-digit organisation ID, not {value!r}.")
    return value


def _date(value, name: str) -> str:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise EcmsValueError(f"{name} ต้องเป็นวันที่", f"{name} must be a date.")
    return value.isoformat()


def _send_date_text(value) -> str:
    if isinstance(value, dt.datetime):
        try:
            return f"{thaidate.local(value):%Y-%m-%dT%H:%M:%S}"
        except ValueError as error:
            raise EcmsValueError("SendDate ต้องระบุเขตเวลา", f"SendDate: {error}") from error
    return _date(value, "SendDate")


def _file(parent, name: str, attachment: Attachment, max_file_bytes: int) -> None:
    if not isinstance(attachment.mime_code, str) or not _MIME.fullmatch(attachment.mime_code):
        raise EcmsValueError(f"mimeCode {attachment.mime_code!r} ไม่ใช่ชนิดไฟล์ (MIME type)",
                             f"mimeCode {attachment.mime_code!r} is not a MIME type.")
    if not attachment.content:
        raise EcmsValueError(f"ไฟล์ใน {name} ว่างเปล่า", f"The file in {name} is empty.")
    if len(attachment.content) > max_file_bytes:
        raise EcmsValueError(
            f"ไฟล์ขนาด {len(attachment.content):,} ไบต์ ใหญ่เกินที่ส่งทาง e-CMS ได้ "
            f"({max_file_bytes:,} ไบต์)",
            f"A file of {len(attachment.content):,} bytes is larger than e-CMS can carry "
            f"({max_file_bytes:,} bytes).")
    _ram(parent, name, base64.b64encode(attachment.content).decode("ascii"),
         mimeCode=attachment.mime_code)


def _party(parent, name: str, party: Party) -> None:
    department = _department(party.department_id, f"{name}/DepartmentOrganization/ID")
    if party.ministry_id is not None and party.ministry_id != department[:2]:
        raise EcmsValueError(
            f"{name}: รหัสกระทรวง {party.ministry_id!r} ต้องเป็นสองหลักแรกของรหัสหน่วยงาน",
            f"{name}: the ministry ID {party.ministry_id!r} must be the first two digits "
            "of the department ID.")
    element = _ram(parent, name)
    _ram(element, "GivenName", party.given_name)
    _ram(element, "FamilyName", party.family_name)
    _ram(element, "JobTitle", party.job_title)
    _ram(_ram(element, "MinistryOrganization"), "ID", department[:2])
    _ram(_ram(element, "DepartmentOrganization"), "ID", department)


def write_government_document(parent, letter: Letter, *,
                              max_file_bytes: int = MAX_FILE_BYTES) -> etree._Element:
    """``rsm:GovernmentDocument`` with the letter, elements in the clients' order (SPEC.md
    §4.1), under ``parent``."""
    document = etree.SubElement(parent, f"{{{RSM}}}GovernmentDocument",
                                nsmap={"ram": RAM, "rsm": RSM})
    body = _ram(document, "CorrespondenceLetter", ID="Letter")
    _ram(body, "ID", _need(letter.letter_id, "ที่ (ID)"))
    _ram(body, "CorrespondenceDate", _date(letter.date, "CorrespondenceDate"))
    _ram(body, "Subject", _need(letter.subject, "เรื่อง (Subject)"))
    _ram(body, "SecretCode", _need(letter.secret_code, "SecretCode"))
    _ram(body, "SpeedCode", _need(letter.speed_code, "SpeedCode"))
    _party(body, "SenderParty", letter.sender)
    _party(body, "ReceiverParty", letter.receiver)
    for reference in letter.references:
        element = _ram(body, "ReferenceCorrespondence")
        _ram(element, "ID", _need(reference.letter_id, "ReferenceCorrespondence/ID"))
        _ram(element, "CorrespondenceDate",
             _date(reference.date, "ReferenceCorrespondence/CorrespondenceDate"))
        _ram(element, "Subject", reference.subject)
    _ram(body, "Attachment", letter.enclosures or "-")
    _ram(body, "SendDate", _send_date_text(letter.send_date))
    _ram(body, "Description", letter.description)
    _file(body, "MainLetterBinaryObject", letter.main_letter, max_file_bytes)
    for attachment in letter.attachments:
        _file(body, "AttachmentBinaryObject", attachment, max_file_bytes)
    if letter.signer is not None:
        signer = letter.signer
        signature = _ram(document, "GovernmentSignature")
        _ram(signature, "TypeCode", signer.type_code)
        party = _ram(signature, "SignerParty")
        _ram(party, "GivenName", signer.given_name)
        _ram(party, "FamilyName", signer.family_name)
        _ram(party, "Title", signer.title)
        _ram(party, "MinistryCode", signer.ministry_code)
        _ram(party, "DepartmentCode", signer.department_code)
    return document


def build_letter(letter: Letter, addressing: Addressing | None = None, *,
                 max_file_bytes: int = MAX_FILE_BYTES) -> bytes:
    """#1 ``CorrespondenceLetterOutboundRequest/rsm:GovernmentDocument``. ``addressing.to`` is
    the destination's ``ECMS-URL`` (as mil-doc writes it); the request goes to our own node."""
    root, body = _request(addressing, body_id=True)
    write_government_document(etree.SubElement(body, "CorrespondenceLetterOutboundRequest"),
                              letter, max_file_bytes=max_file_bytes)
    return _serialize(root)


def _write_notifier(parent, notifier: Notifier, *, echo: bool) -> None:
    if notifier.kind not in NOTIFIER_KINDS:
        raise EcmsValueError(f"ไม่รู้จักหนังสือแจ้งชนิด {notifier.kind!r}",
                             f"Unknown notifier {notifier.kind!r}.")
    element = _sub(parent, notifier.kind)
    _sub(element, "LetterID", _need(notifier.letter_id, "LetterID"))
    if notifier.kind in WITH_ACCEPT_ID:
        _sub(element, "AcceptID", _need(notifier.accept_id, "AcceptID"))
    _sub(element, "CorrespondenceDate", _date(notifier.date, "CorrespondenceDate"))
    _sub(element, "Subject", notifier.subject)
    if echo:
        _sub(element, "AcceptDate", notifier.accept_date)
        _sub(_sub(element, "AcceptDepartment"), "Code", notifier.accept_department)


def build_notifier(notifier: Notifier, addressing: Addressing | None = None) -> bytes:
    """#3-#7 ``CorrespondenceLetterOutboundRequest/<kind>Notifier``: LetterID, [AcceptID],
    CorrespondenceDate, Subject; the node adds AcceptDate and AcceptDepartment."""
    root, body = _request(addressing)
    _write_notifier(etree.SubElement(body, "CorrespondenceLetterOutboundRequest"), notifier,
                    echo=False)
    return _serialize(root)


def _empty(operation: str, addressing: Addressing | None) -> bytes:
    root, body = _request(addressing)
    etree.SubElement(body, operation)
    return _serialize(root)


def build_inbound_request(addressing: Addressing | None = None) -> bytes:
    """#2: pull the next queued item from our own node."""
    return _empty("CorrespondenceLetterInboundRequest", addressing)


def build_delete(process_id: str, addressing: Addressing | None = None) -> bytes:
    """#8 ``CorrespondenceLetterDeleteRequest{ProcessID}``: take a pulled item off the queue."""
    root, body = _request(addressing)
    _sub(etree.SubElement(body, "CorrespondenceLetterDeleteRequest"), "ProcessID",
         _need(process_id, "ProcessID"))
    return _serialize(root)


def _write_key(element, key: LetterKey) -> None:
    _sub(element, "LetterID", _need(key.letter_id, "LetterID"))
    _sub(element, "CorrespondenceDate", _date(key.date, "CorrespondenceDate"))
    _sub(_sub(element, "SenderDepartment"), "Code",
         _department(key.sender_department, "SenderDepartment/Code"))
    _sub(_sub(element, "AcceptDepartment"), "Code",
         _department(key.accept_department, "AcceptDepartment/Code"))


def build_withdraw(key: LetterKey, addressing: Addressing | None = None) -> bytes:
    """#9 ``CorrespondenceDeleteGovernmentDocumentRequest``: delete a sent letter so that it can
    be sent again (after a Reject or an Invalid)."""
    root, body = _request(addressing)
    _write_key(etree.SubElement(body, "CorrespondenceDeleteGovernmentDocumentRequest"), key)
    return _serialize(root)


def build_special_request(special: SpecialRequest, addressing: Addressing | None = None) -> bytes:
    """#10 ``CorrespondenceLetterInboundSpecialRequest/<kind>``: ask for one item again."""
    if special.kind not in SPECIAL_KINDS:
        raise EcmsValueError(f"ขอซ้ำชนิด {special.kind!r} ไม่ได้",
                             f"Cannot re-request {special.kind!r}.")
    root, body = _request(addressing, body_id=True)
    wrapper = etree.SubElement(body, "CorrespondenceLetterInboundSpecialRequest")
    _write_key(etree.SubElement(wrapper, special.kind), special.key)
    return _serialize(root)


def build_organization_list_request(addressing: Addressing | None = None) -> bytes:
    return _empty("GetOrganizationList", addressing)


def build_ministry_list_request(addressing: Addressing | None = None) -> bytes:
    return _empty("GetMinistryOrganizationList", addressing)


def build_secret_codes_request(addressing: Addressing | None = None) -> bytes:
    return _empty("GetSecretCodes", addressing)


def build_speed_codes_request(addressing: Addressing | None = None) -> bytes:
    return _empty("GetSpeedCodes", addressing)


def build_mime_codes_request(addressing: Addressing | None = None) -> bytes:
    return _empty("GetMimeCodes", addressing)


def build_outbound_status_request(addressing: Addressing | None = None) -> bytes:
    return _empty("OutboundStatusRequest", addressing)


def build_time_check_request(addressing: Addressing | None = None) -> bytes:
    return _empty("TimeCheckRequest", addressing)


# --- writing responses (what a node writes: the fake node in the tests) --------------------

def _process(wrapper, process_id: str, process_time: str) -> None:
    _sub(wrapper, "ProcessID", process_id)
    _sub(wrapper, "ProcessTime", process_time)


def build_outbound_response(process_id: str, process_time: str, *,
                            letter: Letter | None = None, notifier: Notifier | None = None,
                            echo_document: bool = False) -> bytes:
    """The node took a letter (``echo_document``: an empty GovernmentDocument echo, or
    ``letter`` for a full one) or a notifier (echoed with AcceptDate and AcceptDepartment)."""
    root, body = _response()
    wrapper = etree.SubElement(body, "CorrespondenceLetterOutboundResponse")
    _process(wrapper, process_id, process_time)
    if letter is not None:
        write_government_document(wrapper, letter)
    elif echo_document:
        etree.SubElement(wrapper, f"{{{RSM}}}GovernmentDocument", nsmap={"ram": RAM, "rsm": RSM})
    if notifier is not None:
        _write_notifier(wrapper, notifier, echo=True)
    return _serialize(root)


def build_inbound_response(item: InboundItem | None, *,
                           document: etree._Element | None = None) -> bytes:
    """The next queued item (``item.letter`` or ``item.notifier``; or ``document``, an
    ``rsm:GovernmentDocument`` element kept as received, signature and all), or an empty
    response for an empty queue."""
    root, body = _response()
    wrapper = etree.SubElement(body, "CorrespondenceLetterInboundResponse")
    if item is None:
        return _serialize(root)
    _process(wrapper, item.process_id, item.process_time)
    if document is not None:
        wrapper.append(document)
    elif item.letter is not None:
        write_government_document(wrapper, item.letter)
    elif item.notifier is not None:
        _write_notifier(wrapper, item.notifier, echo=True)
    return _serialize(root)


def build_delete_response(process_id: str, process_time: str) -> bytes:
    root, body = _response()
    _process(etree.SubElement(body, "CorrespondenceLetterDeleteResponse"), process_id,
             process_time)
    return _serialize(root)


def build_withdraw_response(letter_id: str, process_time: str,
                            process_id: str | None = None) -> bytes:
    root, body = _response()
    wrapper = etree.SubElement(body, "CorrespondenceDeleteGovernmentDocumentResponse")
    if process_id is not None:
        _sub(wrapper, "ProcessID", process_id)
    _sub(wrapper, "LetterID", letter_id)
    _sub(wrapper, "ProcessTime", process_time)
    return _serialize(root)


def build_organization_list(organizations: Iterable[Organization]) -> bytes:
    root, body = _response()
    wrapper = etree.SubElement(body, "OrganizationList")
    for organization in organizations:
        info = _sub(wrapper, "OrganizationInfo")
        _sub(info, "En-Name", organization.en_name)
        _sub(info, "Th-Name", organization.th_name)
        _sub(info, "ECMS-URL", organization.ecms_url)
        _sub(info, "OrganizationID", organization.organization_id)
    return _serialize(root)


def build_ministry_list(ministries: Iterable[Ministry]) -> bytes:
    root, body = _response()
    for ministry in ministries:
        item = _sub(body, "MinistryOrganizationList")
        _sub(item, "Th-Name", ministry.th_name)
        _sub(item, "MinistryID", ministry.ministry_id)
    return _serialize(root)


def build_codes(wrapper_name: str, codes: Iterable[CodeEntry]) -> bytes:
    """``SecretCodes`` or ``SpeedCodes``."""
    root, body = _response()
    wrapper = _sub(body, wrapper_name)
    for code in codes:
        element = _sub(wrapper, "Code")
        _sub(element, "Value", code.value)
        _sub(element, "Description", code.description)
    return _serialize(root)


def build_mime_codes(codes: Iterable[MimeCode]) -> bytes:
    root, body = _response()
    wrapper = _sub(body, "MimeCodes")
    for code in codes:
        element = _sub(wrapper, "Code")
        _sub(element, "File-Extension", code.extension)
        _sub(element, "Content-type", code.content_type)
    return _serialize(root)


def build_outbound_status(statuses: Iterable[OutboundStatus]) -> bytes:
    root, body = _response()
    wrapper = _sub(body, "OutboundStatusResponse")
    for status in statuses:
        element = _sub(wrapper, "Outbound")
        _sub(element, "ProcessID", status.process_id)
        _sub(element, "LetterID", status.letter_id)
        _sub(element, "ProcessStatus", status.process_status)
    return _serialize(root)


def build_time_check(ecms_time: str) -> bytes:
    root, body = _response()
    _sub(_sub(body, "TimeCheckResponse"), "ECMSTime", ecms_time)
    return _serialize(root)


def build_error(detail: ErrorDetail) -> bytes:
    root, body = _response()
    element = _sub(body, "ErrorDetail")
    _sub(element, "ErrorCode", detail.code)
    _sub(element, "ErrorDescription", detail.description)
    return _serialize(root)

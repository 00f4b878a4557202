"""The messages sent from the saraban@ address, built with the standard library's
``email`` package: Thai subjects as RFC 2047 UTF-8 encoded words, Thai file names as
RFC 2231 UTF-8 parameters, a Message-ID on our own domain, From ``MAIL_FROM``.

A letter carries its PDF (the copy handed out: no active content) and the files of its
enclosures; a receipt confirmation answers a letter that arrived, threaded to it and
marked as an automatic reply (RFC 3834), with the เลขรับ, date and time in Thai.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import mimetypes
from email.message import EmailMessage

from flask import current_app

from saraban import thaidate
from saraban.db import utcnow
from saraban.documents.models import Document, FileRole
from saraban.validation import OperationError

_FILE_ORDER = (FileRole.ORIGINAL, FileRole.SCAN, FileRole.STAMPED, FileRole.CERTIFIED)
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
               "image/tiff": ".tif"}


class MailRefusal(OperationError):
    """This document cannot go out by e-mail (no number, a secret letter, no file)."""


def mail_from() -> str:
    return current_app.config.get("MAIL_FROM") or "saraban@localhost"


def our_domain() -> str:
    return mail_from().rpartition("@")[2] or "localhost"


def new_message_id() -> str:
    return email.utils.make_msgid(domain=our_domain())


def _base(to_address: str, subject: str) -> EmailMessage:
    message = EmailMessage()  # policy default: RFC 2047 / RFC 2231 UTF-8 when serialized
    message["From"] = mail_from()
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(utcnow().replace(microsecond=0))
    message["Message-ID"] = new_message_id()
    return message


def _file_name(name: str, media_type: str) -> str:
    name = " ".join(name.replace("/", " ").replace("\\", " ").split())[:120] or "file"
    ext = _EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type) or ""
    return name if name.lower().endswith(ext) else name + ext


def _attach(message: EmailMessage, data: bytes, media_type: str, filename: str) -> None:
    maintype, _, subtype = media_type.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=filename)


def letter_message(document: Document, to_address: str) -> EmailMessage:
    """A numbered outgoing document as an e-mail to another agency's saraban@ address:
    the letter's PDF first, then the files of its enclosures. Secret letters do not go
    by e-mail (the regulation keeps them to sealed envelopes or the agencies' own
    encrypted channel)."""
    from saraban.documents.files import served_copy

    if not document.number:
        raise MailRefusal("หนังสือยังไม่มีเลขที่ กรุณาออกเลขหนังสือส่งก่อน",
                          "The document has no number yet: number it first.", status=409)
    if document.secrecy > 0:
        raise MailRefusal("หนังสือลับไม่ส่งทางอีเมล", "Secret letters are not sent by e-mail.",
                          status=409)
    files = sorted(document.files, key=lambda f: (_FILE_ORDER.index(f.role), f.id))
    if not files:
        raise MailRefusal("หนังสือยังไม่มีไฟล์ กรุณาแนบไฟล์หนังสือก่อน",
                          "The document has no file to send.", status=409)
    number = document.number  # as it was numbered, digits and all
    message = _base(to_address, f"ที่ {number} เรื่อง {document.subject}")
    lines = [f"ที่ {number}"]
    if document.doc_date:
        lines.append(f"ลงวันที่ {thaidate.format_date(document.doc_date, 'long')}")
    lines.append(f"เรื่อง {document.subject}")
    if document.addressee:
        lines.append(f"เรียน {document.addressee}")
    lines += ["", "หนังสือฉบับจริงแนบมาในไฟล์ PDF"]
    if document.enclosures:
        lines += ["", "สิ่งที่ส่งมาด้วย"]
        lines += [f"{thaidate.to_thai_digits(i + 1)}. {e.description}"
                  for i, e in enumerate(document.enclosures)]
    message.set_content("\n".join(lines) + "\n", cte="base64")
    main = files[0]
    data, media_type = served_copy(main.file)
    _attach(message, data, media_type, _file_name(main.filename, media_type))
    for i, enclosure in enumerate(document.enclosures):
        if enclosure.file is None:
            continue
        data, media_type = served_copy(enclosure.file)
        name = f"สิ่งที่ส่งมาด้วย {thaidate.to_thai_digits(i + 1)} {enclosure.description}"
        _attach(message, data, media_type, _file_name(name[:100], media_type))
    return message


def _header(headers: dict, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value) if value is not None else None
    return None


def may_confirm(original_headers: dict) -> bool:
    """Whether a receipt may be confirmed to this message's sender: never to an
    automatic message (RFC 3834 Auto-Submitted), a bounce (null return path) or a list."""
    auto = (_header(original_headers, "Auto-Submitted") or "no").strip().lower()
    precedence = (_header(original_headers, "Precedence") or "").strip().lower()
    return_path = _header(original_headers, "Return-Path")
    return not (auto != "no" or precedence in ("bulk", "list", "junk")
                or _header(original_headers, "List-Id") is not None
                or (return_path is not None and return_path.strip() == "<>")
                or not _reply_address(original_headers))


def _reply_address(headers: dict) -> str | None:
    for name in ("Reply-To", "From"):
        value = _header(headers, name)
        if value:
            addresses = email.utils.getaddresses([value])
            if addresses and "@" in addresses[0][1]:
                return addresses[0][1]
    return None


def receipt_confirmation(original_headers: dict, receipt_number, received_at: dt.datetime
                         ) -> EmailMessage:
    """The reply that tells the sender of a letter its เลขรับ, and the date and time it was
    received (Thai digits, Buddhist era), threaded to it (In-Reply-To, References) and
    marked ``Auto-Submitted: auto-replied``. ``original_headers`` are the letter's
    (From, Reply-To, Subject, Message-ID, References: any case)."""
    to_address = _reply_address(original_headers)
    if to_address is None:
        raise MailRefusal("ไม่พบที่อยู่อีเมลของผู้ส่ง", "The letter has no sender address.")
    subject = " ".join((_header(original_headers, "Subject") or "").split())
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}" if subject else "Re: ได้รับหนังสือแล้ว"
    message = _base(to_address, subject)
    original_id = (_header(original_headers, "Message-ID") or "").strip()
    if original_id:
        message["In-Reply-To"] = original_id
        references = (_header(original_headers, "References") or "").split()
        if not references:
            in_reply = (_header(original_headers, "In-Reply-To") or "").split()
            references = in_reply[:1]
        message["References"] = " ".join([*references, original_id])
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"  # Exchange servers: no out-of-office back
    number = thaidate.to_thai_digits(str(receipt_number))
    message.set_content(
        "ได้รับหนังสือของท่านแล้ว\n"
        f"เลขรับ {number}\n"
        f"วันที่ {thaidate.format_date(received_at, 'long')}\n"
        f"เวลา {thaidate.format_time(received_at)}\n\n"
        "ข้อความนี้ส่งโดยอัตโนมัติจากระบบสารบรรณอิเล็กทรอนิกส์ กรุณาอย่าตอบกลับ\n",
        cte="base64")
    return message


"""A received message read from its raw bytes (stdlib ``email``): who sent it, its subject
in whatever encoding a Thai mail client used, what kind of message it is (a letter, an
auto-reply, a bounce, a list's), the receiving server's SPF/DKIM/DMARC verdicts, and its
attachments: the first PDF the main letter, the others enclosures, each checked as an
upload is; refused ones named with the reason, never kept.

Thai mail clients label TIS-620 text ``windows-874`` (or ``x-windows-874``), a name
Python's codecs do not know: it is taught here as ``cp874`` (a superset of TIS-620), so that
RFC 2047 subjects and RFC 2231 file names in it decode like any other.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from saraban.validation import OperationError

_THAI_ALIASES = {"windows_874", "x_windows_874", "ms874", "x_ms874"}


def _thai_codecs(name: str):
    return codecs.lookup("cp874") if name in _THAI_ALIASES else None


codecs.register(_thai_codecs)


class Kind:
    LETTER = "letter"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    LIST = "list"
    NO_PDF = "no_pdf"
    CONFIRMATION = "confirmation"  # set by receiving.take: a reply to a letter of ours


@dataclass
class Attachment:
    filename: str
    media_type: str  # by content, as the upload check found it (declared one if refused)
    data: bytes = field(repr=False)


@dataclass
class Refused:
    filename: str
    reason: str  # Thai, as an upload's refusal says it
    reason_en: str


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    date: dt.datetime | None
    in_reply_to: str | None
    references: list[str]
    auto_submitted: str | None
    kind: str
    auth_results: dict
    main: Attachment | None
    enclosures: list[Attachment]
    refused: list[Refused]
    receipt_number: str | None = None  # "เลขรับ ๑๒๓" in the text: the number the reply names
    original_ids: list[str] = field(default_factory=list)  # a bounce's: the mail it reports
    bounce_reason: str | None = None  # a bounce's: the status and diagnostic it gives

    @property
    def answered_ids(self) -> list[str]:
        """The Message-IDs this message answers or reports on: In-Reply-To, References
        (the nearest last), and for a bounce the Message-ID of the mail it returns."""
        ids = [*self.original_ids, *([self.in_reply_to] if self.in_reply_to else []),
               *reversed(self.references)]
        return list(dict.fromkeys(ids))

    @property
    def replies_allowed(self) -> bool:
        """A receipt may be confirmed to the sender: never to auto-replies, bounces, lists."""
        return self.kind in (Kind.LETTER, Kind.NO_PDF)


def _text(value) -> str:
    """A header's decoded text, one line, without control characters. Raw 8-bit bytes
    (an old client's unencoded header) are read as UTF-8, else as TIS-620/windows-874."""
    if value is None:
        return ""
    text = str(value)
    if re.search("[\udc80-\udcff]", text):
        data = text.encode("utf-8", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp874", "replace")
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _raw_header(message: EmailMessage, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return value
    return None


def _header(message: EmailMessage, name: str) -> str:
    raw = _raw_header(message, name)
    if raw is not None and re.search("[\udc80-\udcff]", raw):
        return _text(raw)  # 8-bit bytes, not RFC 2047: the email package would garble them
    try:
        return _text(message.get(name))
    except (ValueError, LookupError, AttributeError, TypeError):  # too broken to decode
        return _text(raw)


def auth_results(message: EmailMessage) -> dict:
    """The verdicts (``spf``, ``dkim``, ``dmarc``: pass, fail, softfail, none...) of the
    receiving server: its Authentication-Results header, the topmost (those below were
    added on the way, by servers Saraban does not trust); ``{}`` when there is none."""
    headers = message.get_all("Authentication-Results") or []
    if not headers:
        return {}
    value = _text(headers[0])
    found: dict = {"server": value.split(";", 1)[0].strip()}
    for method in ("spf", "dkim", "dmarc"):
        match = re.search(rf"\b{method}\s*=\s*([A-Za-z]+)", value)
        if match:
            found[method] = match.group(1).lower()
    return found


def _is_bounce(message: EmailMessage, from_address: str) -> bool:
    if message.get_content_type() == "multipart/report" and (
            message.get_param("report-type") or "").lower() == "delivery-status":
        return True
    local = from_address.partition("@")[0].lower()
    return local in ("mailer-daemon", "postmaster") or (
        _header(message, "Return-Path") == "<>" and bool(message.get("X-Failed-Recipients")))


def _is_auto_reply(message: EmailMessage) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if _header(message, "Precedence").lower() == "auto_reply":
        return True
    return any(message.get(name) for name in ("X-Autoreply", "X-Autorespond"))


def _is_list(message: EmailMessage) -> bool:
    return bool(message.get("List-Id") or message.get("List-Unsubscribe")) or \
        _header(message, "Precedence").lower() in ("list", "bulk", "junk")


def _parts(message: EmailMessage):
    """The leaf parts, not looking inside attached messages (a bounce's copy of the
    original letter is not an attachment of the bounce)."""
    if message.is_multipart():
        for part in message.get_payload():
            yield from _parts(part)
    elif message.get_content_maintype() != "message":
        yield message


def _attachments(message: EmailMessage) -> tuple[list[Attachment], list[Refused]]:
    from saraban.documents.files import check_upload, upload_name

    kept: list[Attachment] = []
    refused: list[Refused] = []
    for number, part in enumerate(_parts(message), start=1):
        if part is message and not message.is_multipart() and \
                part.get_content_maintype() == "text":
            continue
        try:
            filename = part.get_filename()
        except (ValueError, LookupError):
            filename = None
        disposition = part.get_content_disposition()
        if part.get_content_maintype() == "text" and not filename and disposition != "attachment":
            continue  # the body, not an attachment
        if part.get_content_maintype() == "multipart":
            continue
        name = upload_name(_text(filename) or f"attachment-{number}")
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError):
            data = b""
        try:
            media_type = check_upload(data)
        except OperationError as error:
            refused.append(Refused(filename=name, reason=error.message_th,
                                   reason_en=error.message_en))
            continue
        kept.append(Attachment(filename=name, media_type=media_type, data=data))
    return kept, refused


_RECEIPT_NUMBER = re.compile(
    r"เลข(?:ทะเบียน)?รับ(?:\s*ที่)?\s*[:：]?\s*([0-9๐-๙]+(?:\s*/\s*[0-9๐-๙]+)?)")


def _body_text(message: EmailMessage) -> str:
    """The text a person reads: the plain body, else the HTML one without its tags."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
    except (KeyError, LookupError, ValueError, AttributeError, TypeError):
        return ""
    if body.get_content_subtype() == "html":
        text = re.sub(r"<[^>]*>", " ", text)
    return str(text)


def receipt_number(*texts: str) -> str | None:
    """The receipt number a confirmation names ("เลขรับ ๑๒๓", "เลขรับที่ 123/2569"), as it is
    written (Thai or Arabic digits); None when there is none."""
    for text in texts:
        match = _RECEIPT_NUMBER.search(text or "")
        if match:
            return re.sub(r"\s+", "", match.group(1))[:40]
    return None


def _headers_of(part) -> EmailMessage | None:
    """The returned message's headers in a bounce's part (message/rfc822 or
    text/rfc822-headers), or None."""
    content_type = part.get_content_type()
    try:
        if content_type == "message/rfc822":
            payload = part.get_payload()
            return payload[0] if isinstance(payload, list) and payload else None
        if content_type == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            return email.message_from_bytes(text, policy=email.policy.default)
    except (ValueError, TypeError, LookupError):
        return None
    return None


def _bounce_details(message: EmailMessage) -> tuple[list[str], str | None]:
    """A delivery report's (RFC 3464) returned Message-IDs and its reason: the recipients'
    Status and Diagnostic-Code (the first failed one), or the first line of the text."""
    ids: list[str] = []
    reason = None
    for part in message.walk():
        headers = _headers_of(part)
        if headers is not None:
            ids += _ids(_header(headers, "Message-ID"))
        elif part.get_content_type() == "message/delivery-status" and reason is None:
            blocks = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else []:
                action = _header(block, "Action").lower()
                if action and action not in ("failed", "delayed"):
                    continue
                diagnostic = re.sub(r"^\s*smtp\s*;\s*", "", _header(block, "Diagnostic-Code"),
                                    flags=re.I)
                status = _header(block, "Status")
                found = " ".join(x for x in (status, diagnostic) if x)
                if found:
                    reason = found
                    break
    if reason is None:
        text = _body_text(message).strip()
        reason = text.splitlines()[0].strip() if text else None
    return list(dict.fromkeys(ids)), (reason[:1000] if reason else None)


def parse(raw: bytes) -> ParsedMail:
    """What Saraban needs of the message ``raw``; a message with no Message-ID is named by
    its SHA-256 (``<sha256@saraban.invalid>``), so that the same bytes are the same mail."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (_ids(_header(message, "Message-ID")) or
                  [f"<{hashlib.sha256(raw).hexdigest()}@saraban.invalid>"])[0]
    from_name, from_address = email.utils.parseaddr(_header(message, "From"))
    attachments, refused = _attachments(message)
    pdfs = [a for a in attachments if a.media_type == "application/pdf"]
    main = pdfs[0] if pdfs else None
    if _is_bounce(message, from_address):
        kind = Kind.BOUNCE
    elif _is_auto_reply(message):
        kind = Kind.AUTO_REPLY
    elif _is_list(message):
        kind = Kind.LIST
    else:
        kind = Kind.LETTER if main is not None else Kind.NO_PDF
    subject = _header(message, "Subject")[:1000]
    original_ids, reason = _bounce_details(message) if kind == Kind.BOUNCE else ([], None)
    return ParsedMail(
        message_id=message_id[:255],
        from_address=from_address.lower()[:255],
        from_name=from_name[:255],
        subject=subject,
        date=_date(_header(message, "Date")),
        in_reply_to=(_ids(_header(message, "In-Reply-To")) or [None])[0],
        references=_ids(_header(message, "References")),
        auto_submitted=_header(message, "Auto-Submitted") or None,
        kind=kind,
        auth_results=auth_results(message),
        main=main,
        enclosures=[a for a in attachments if a is not main],
        refused=refused,
        receipt_number=None if kind == Kind.BOUNCE else receipt_number(
            _body_text(message), subject),
        original_ids=original_ids,
        bounce_reason=reason,
    )

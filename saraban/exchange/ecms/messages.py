"""Typed e-CMS messages: what the codec writes from and reads into.

Frozen dataclasses, one per thing on the wire (SPEC.md §3-§4). Dates that SPEC.md knows the
format of are ``datetime.date`` (``CorrespondenceDate``: CE ``yyyy-MM-dd``); the ones whose
format nobody has seen (``ProcessTime``, ``AcceptDate``, ``ECMSTime``, ``ProcessStatus``) are
kept as the text the node sent, with a best-effort ``*_parsed`` property, so that an unexpected
format is stored as evidence instead of being refused or guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# The five notifiers (SPEC.md §3 rows 3-7), in the order of the regulation's receipt.
NOTIFIER_KINDS = (
    "ReceiveLetterNotifier",       # หนังสือตอบรับ
    "AcceptLetterNotifier",        # หนังสือแจ้งเลขรับ (carries AcceptID = the destination's เลขรับ)
    "RejectLetterNotifier",        # หนังสือปฏิเสธ
    "InvalidLetterNotifier",       # แจ้งหนังสือผิด
    "InvalidAcceptIDNotifier",     # แจ้งเลขรับผิด (sent by the original sender)
)
# Notifiers that carry AcceptID.
WITH_ACCEPT_ID = ("AcceptLetterNotifier", "InvalidAcceptIDNotifier")
# What a special re-request (SPEC.md §3 row 10) may ask for again.
SPECIAL_KINDS = ("GovernmentDocument", *NOTIFIER_KINDS)

DEPARTMENT_ID = re.compile(r"[0-9]{10}")


class EcmsError(ValueError):
    """Something about an e-CMS message that cannot be done, in Thai and English."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(f"{message_th} ({message_en})")
        self.message_th = message_th
        self.message_en = message_en


class EcmsFormatError(EcmsError):
    """A message we refuse to read: hostile, too large, not UTF-8, not well-formed, or not the
    shape of the operation. ``reason`` is a short stable word for logs and tests."""

    def __init__(self, reason: str, message_th: str, message_en: str):
        super().__init__(message_th, message_en)
        self.reason = reason


class EcmsValueError(EcmsError):
    """The strict writer refuses to build a message from these values."""


class EcmsRemoteError(EcmsError):
    """The node answered with an ``ErrorDetail`` (with HTTP 200, as the clients show) or a SOAP
    Fault. ``detail`` is what it said."""

    def __init__(self, detail: ErrorDetail):
        super().__init__(
            f"ระบบ e-CMS ปฏิเสธคำขอ: {detail.code} {detail.description}".rstrip(),
            f"The e-CMS node refused the request: {detail.code} {detail.description}".rstrip())
        self.detail = detail


def _parse_time(text: str | None) -> dt.datetime | None:
    """ISO date-time or date as the clients write them, else None (the format is unknown)."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ErrorDetail:
    """``ErrorDetail``: its first child is the code and its second the description (mil-doc reads
    them by position; their element names are unknown)."""

    code: str
    description: str


@dataclass(frozen=True)
class Addressing:
    """The WS-Addressing header of a request: ``MessageID`` and ``To`` (either may be empty)."""

    message_id: str = ""
    to: str = ""


@dataclass(frozen=True)
class Party:
    """``SenderParty`` / ``ReceiverParty``. The ministry is the first two digits of the
    10-digit department ID; the reader keeps what was sent in ``ministry_id`` because one client
    fills it with the whole department ID."""

    given_name: str
    family_name: str
    job_title: str
    department_id: str
    ministry_id: str | None = None

    @property
    def ministry(self) -> str:
        return self.ministry_id if self.ministry_id is not None else self.department_id[:2]


@dataclass(frozen=True)
class Reference:
    """``ReferenceCorrespondence`` (อ้างถึง): another letter's ที่, date and subject."""

    letter_id: str
    date: dt.date | None
    subject: str


@dataclass(frozen=True)
class Attachment:
    """A file: ``MainLetterBinaryObject`` or ``AttachmentBinaryObject``. No name, size or hash
    travels; the receiver makes a name up from ``mime_code``."""

    mime_code: str
    content: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Attachment(mime_code={self.mime_code!r}, {len(self.content)} bytes)"


@dataclass(frozen=True)
class Signer:
    """``ram:GovernmentSignature``'s ``TypeCode`` and ``SignerParty`` (as BOI-DMS sends it; the
    ``ds:Signature`` itself is handled by ``signature.py``)."""

    type_code: str
    given_name: str
    family_name: str
    title: str
    ministry_code: str
    department_code: str


@dataclass(frozen=True)
class Letter:
    """``rsm:GovernmentDocument/ram:CorrespondenceLetter``: the letter (SPEC.md §4.1).

    ``enclosures`` is ``ram:Attachment``, the one free-text line "สิ่งที่ส่งมาด้วย"; the files are
    ``main_letter`` and ``attachments``. ``send_date`` is a datetime (mil-doc's form) or a date
    (BOI's)."""

    letter_id: str
    date: dt.date
    subject: str
    secret_code: str
    speed_code: str
    sender: Party
    receiver: Party
    main_letter: Attachment
    send_date: dt.datetime | dt.date | None  # None only when read from a peer that sent none
    references: tuple[Reference, ...] = ()
    enclosures: str = "-"
    description: str = ""
    attachments: tuple[Attachment, ...] = ()
    signer: Signer | None = None
    has_signature: bool = False  # a ds:Signature came with it (verify with signature.py)


@dataclass(frozen=True)
class Notifier:
    """One of ``NOTIFIER_KINDS``. What we send carries ``letter_id``, ``date``, ``subject`` (and
    ``accept_id`` for Accept / InvalidAcceptID); the node adds ``accept_date`` (format unknown,
    kept as text) and ``accept_department`` (the letter's receiver) when it echoes or delivers it.
    Nothing else identifies the letter: no message id is echoed."""

    kind: str
    letter_id: str
    date: dt.date
    subject: str
    accept_id: str | None = None
    accept_date: str | None = None
    accept_department: str | None = None

    @property
    def accept_date_parsed(self) -> dt.datetime | None:
        return _parse_time(self.accept_date)


@dataclass(frozen=True)
class LetterKey:
    """How a sent letter is named in a withdrawal or a special re-request: (ที่, date, the
    sending and the accepting department)."""

    letter_id: str
    date: dt.date
    sender_department: str
    accept_department: str


@dataclass(frozen=True)
class SpecialRequest:
    """``CorrespondenceLetterInboundSpecialRequest``: ask the node for one item again."""

    kind: str  # one of SPECIAL_KINDS
    key: LetterKey


@dataclass(frozen=True)
class Processed:
    """What the node answers about each item it handles: its ``ProcessID`` and
    ``ProcessTime`` (formats unknown: kept as the node wrote them)."""

    process_id: str
    process_time: str

    @property
    def process_time_parsed(self) -> dt.datetime | None:
        return _parse_time(self.process_time)


@dataclass(frozen=True)
class OutboundResponse(Processed):
    """``CorrespondenceLetterOutboundResponse``: the node took a letter or a notifier.
    ``letter`` is the echoed letter when the echo holds one, ``notifier`` the echoed notifier."""

    letter: Letter | None = None
    notifier: Notifier | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class InboundItem(Processed):
    """One queued item from ``CorrespondenceLetterInboundResponse``: a letter or a notifier,
    with the ``process_id`` to de-duplicate on and to delete it with. ``raw`` is the whole
    response as received (the evidence to store, and what a signature is checked over)."""

    letter: Letter | None = None
    notifier: Notifier | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class DeleteResponse(Processed):
    """``CorrespondenceLetterDeleteResponse``."""


@dataclass(frozen=True)
class WithdrawResponse:
    """``CorrespondenceDeleteGovernmentDocumentResponse`` (the letter deleted so that it can be
    sent again). ``process_id`` is only in one client's model."""

    letter_id: str
    process_time: str
    process_id: str | None = None


@dataclass(frozen=True)
class Organization:
    """``OrganizationInfo`` from ``GetOrganizationList``."""

    organization_id: str
    th_name: str
    en_name: str = ""
    ecms_url: str = ""

    @property
    def ministry_id(self) -> str:
        return self.organization_id[:2]


@dataclass(frozen=True)
class Ministry:
    """An item of ``GetMinistryOrganizationList``."""

    ministry_id: str
    th_name: str


@dataclass(frozen=True)
class CodeEntry:
    """``Code{Value, Description}`` of ``GetSecretCodes`` / ``GetSpeedCodes``."""

    value: str
    description: str


@dataclass(frozen=True)
class MimeCode:
    """``Code{File-Extension, Content-type}`` of ``GetMimeCodes``; ``content_type`` is what goes
    into ``@mimeCode``. Whether the node writes the extension with its dot is unknown: the
    reader drops a leading dot and lowercases it."""

    extension: str
    content_type: str


@dataclass(frozen=True)
class OutboundStatus:
    """One ``Outbound*{ProcessID, LetterID, ProcessStatus}``; the status values are unknown."""

    process_id: str
    letter_id: str
    process_status: str


@dataclass(frozen=True)
class TimeCheck:
    """``ECMSTime`` as the node wrote it."""

    ecms_time: str

    @property
    def parsed(self) -> dt.datetime | None:
        return _parse_time(self.ecms_time)


@dataclass(frozen=True)
class Request:
    """A request as the node reads it (the fake node in the tests, and our own checks).
    ``payload`` is a Letter, a Notifier, a ProcessID (str), a LetterKey, a SpecialRequest or
    None, depending on ``operation`` (the body element's name)."""

    operation: str
    addressing: Addressing
    payload: object = None
    raw: bytes = field(default=b"", repr=False, compare=False)

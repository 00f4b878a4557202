"""Documents: their list, detail, history, matter chain and files; creating and correcting."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from saraban.api.schemas.common import (
    Answer,
    Body,
    Choice,
    Day,
    Level,
    Page,
    Query,
    Text,
    ThaiDate,
    Time,
    choices,
)
from saraban.documents import limits
from saraban.documents.models import DocumentKind, DocumentStatus, FileRole, ReferenceRelation

Kind = choices(DocumentKind)
Status = choices(DocumentStatus)
UrgencyName = Literal["normal", "urgent", "very_urgent", "most_urgent"]
SecrecyName = Literal["normal", "confidential", "secret", "top_secret"]
MAX_PAGE_SIZE = 100


class Document(Answer):
    id: int
    kind: Kind
    number: str | None
    number_arabic: str | None
    date: Day | None
    date_th: str | None
    subject: str
    addressee: str | None
    sender: str | None
    origin_unit: str | None
    origin_agency: str | None
    urgency: UrgencyName
    secrecy: SecrecyName
    status: Status


class Location(Answer):
    unit: str | None
    waiting: bool = Field(description="sent there, not yet received")
    since: Time | None


class ListedDocument(Document):
    location: Location | None = Field(description="where it is now, or null")


class DocumentList(Answer):
    items: list[ListedDocument]
    total: int = Field(description="a search counts up to 1,000; see 'more'")
    more: bool = Field(description="the search found more than 'total'")
    page: int


class Reference(Answer):
    relation: choices(ReferenceRelation)
    text: str | None
    document_id: int | None
    note: str | None


class DocumentDetail(Document):
    body: str | None
    signature: str | None
    remarks: str | None
    references: list[Reference]
    enclosures: list[str]


EventKind = Literal["created", "receipt", "dispatch", "transfer", "recall", "return",
                    "endorsement", "order", "order_done", "certified_copy", "exchange",
                    "ecms"]


class Event(Answer):
    kind: EventKind = Field(description=(
        "recall: the sender pulled a transfer back; return: the destination sent it back "
        "(with its reason); order: an order to a unit that held the document already, its "
        "task without a new transfer; order_done: an order reported done; exchange: sent "
        "to or answered by another agency's Saraban; ecms: the same through the government's "
        "e-CMS, the step in title (sent by us: queued, sent, received, accepted, rejected, "
        "invalid, failed, withdrawal_queued, withdrawn, invalid_accept_id; received by us: "
        "arrived, refused, invalid_accept_id), the other organisation (its name and "
        "10-digit ID) in unit"))
    time: Time | None = Field(description="ISO 8601 with the +07:00 offset")
    time_known: bool = Field(description="false when the paper stamp gave only the date")
    unit: str | None
    number: str | None
    title: str
    lines: list[str]
    signature: str | None
    source_text: str | None
    cancelled: bool
    related_document_id: int | None
    stay_seconds: int | None = Field(
        description="for a receipt: time at that unit until it sent it on")
    stay_exact: bool
    stay_th: str | None
    accept_id: str | None
    status: str | None = Field(description=(
        "for a transfer, recall or return: the transfer's status now (sent, opened, "
        "accepted, returned, recalled, recorded); for an exchange its message's status"))
    reason: str | None = Field(description="for a return: why it was sent back")


class History(Answer):
    document_id: int
    events: list[Event]


class ChainNode(Document):
    current: bool


class ChainLink(Answer):
    from_: int = Field(alias="from")
    to: int
    relation: str


class Chain(Answer):
    document_id: int
    nodes: list[ChainNode]
    links: list[ChainLink]


class FileInfo(Answer):
    id: int
    role: choices(FileRole)
    filename: str
    sha256: str
    size: int
    media_type: str


class Files(Answer):
    files: list[FileInfo]


class DocumentCreated(Answer):
    id: int
    number: str | None
    date: Day


class DocumentsQuery(Query):
    number: Annotated[str | None, Field(max_length=limits.NUMBER, description=(
        "Document number in Thai or Arabic digits (exact, or part)"))] = None
    q: Annotated[str | None, Field(max_length=limits.QUERY, description=(
        "Words or part of a word, Thai or Arabic digits alike"))] = None
    date_from: Annotated[str | None, Field(
        description="The document's date from (Thai or ISO)")] = None
    date_to: str | None = None
    kind: Kind | None = None
    urgency: Literal["0", "1", "2", "3"] | None = None
    unit: Annotated[int | None, Field(ge=1, description="Documents of this unit")] = None
    passed_through: Annotated[int | None, Field(ge=1, description=(
        "Documents made, received, sent or forwarded by this unit"))] = None
    status: Status | None = None
    secrecy: Literal["0", "1", "2", "3"] | None = None
    register_: Annotated[int | None, Field(  # (a field named register shadows ABC's)
        alias="register", ge=1, description="Entered in this receipt or dispatch register")] \
        = None
    year: Annotated[int | None, Field(description="With register: of that year (BE or CE)")] \
        = None
    sort: Literal["date", "relevance"] | None = None
    page: Page
    per_page: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class DocumentCreate(Body):
    number: Text(limits.NUMBER + 10, "เลขที่หนังสือ",
                 description="ที่ of the letter; a leading ที่ is taken off") = None
    date: ThaiDate("วันที่ของหนังสือ", required=True)
    subject: Text(limits.SUBJECT, "เรื่อง", required=True)
    sender: Text(limits.SENDER, "ผู้ส่ง / ส่วนราชการ", required=True)
    addressee: Text(limits.ADDRESSEE, "เรียน", multiline=True) = None
    body: Text(limits.BODY, "เนื้อความ", multiline=True) = None
    kind: Choice(DocumentKind) = None
    urgency: Annotated[Level | None, Field(
        description="0-3 or normal, urgent, very_urgent, most_urgent")] = None
    secrecy: Annotated[Level | None, Field(
        description="0-3 or normal, confidential, secret, top_secret")] = None


class DocumentUpdate(Body):
    """Only the fields given change (the operation refuses a field it does not edit)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "additionalProperties": False, "minProperties": 1})

    number: Text(limits.NUMBER + 10, "เลขที่หนังสือ") = None
    date: ThaiDate("วันที่ของหนังสือ") = None
    subject: Text(limits.SUBJECT, "เรื่อง") = None
    sender: Text(limits.SENDER, "ผู้ส่ง") = None
    addressee: Text(limits.ADDRESSEE, "เรียน", multiline=True) = None
    body: Text(limits.BODY, "เนื้อความ", multiline=True) = None
    urgency: Level | None = None
    remarks: Text(limits.REMARKS, "หมายเหตุ", multiline=True) = None


class Upload(Body):
    file: bytes = Field(json_schema_extra={"format": "binary", "type": "string"})

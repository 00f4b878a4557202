"""Moving documents: transfers, the inbox, returns, certified copies, named readers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saraban.api.schemas.common import Answer, Body, Choice, Id, Text, Time, choices
from saraban.api.schemas.registers import Receipt
from saraban.routing.models import Purpose, TransferKind, TransferStatus


class Transfer(Answer):
    id: int
    document_id: int
    kind: choices(TransferKind)
    purpose: choices(Purpose)
    purpose_text: str | None
    from_unit_id: int | None
    to_unit_id: int | None
    status: choices(TransferStatus)
    sent_at: Time | None
    accepted_at: Time | None
    due_date: Annotated[str | None, Field(json_schema_extra={"format": "date"})]
    return_reason: str | None
    returned_at: Time | None
    recalled_at: Time | None
    return_seen_at: Time | None


class Transfers(Answer):
    items: list[Transfer]


class TransferDocument(Answer):
    number: str | None
    subject: str


class WaitingTransfer(Transfer):
    document: TransferDocument
    from_unit: str | None


class WaitingTransfers(Answer):
    items: list[WaitingTransfer]


class Accepted(Answer):
    transfer: Transfer
    receipt: Receipt | None


class CertifiedCopy(Answer):
    id: int
    source_id: int
    copy_id: int
    number: str | None
    date: Annotated[str, Field(json_schema_extra={"format": "date"})]
    certifier: str
    transfers: list[Transfer]


class Reader(Answer):
    user_id: int
    name: str
    named_at: Time


class Readers(Answer):
    secrecy: int
    items: list[Reader]


PurposeName = choices(Purpose)


class TransferCreate(Body):
    to: Annotated[list[Id] | Id, Field(description="a unit id, or the unit ids to "
                                         "circulate to (at most 500)")]
    purpose: Choice(Purpose) = None
    purpose_text: Text(500, "วัตถุประสงค์") = None
    due_date: Annotated[str | None, Field(description="ISO or Thai date")] = None
    from_unit: Id | None = None
    kind: Choice(["forward", "propose"],
                 "propose: up to one unit's commander (เสนอ), to endorse") = None
    to_user: Annotated[Id | None, Field(description=(
        "the person named to read a classified document at the destination (required "
        "for ลับ and ลับมาก, unless proposing: then the unit's cleared commanders)"))] = None
    note: Text(2000, "หมายเหตุ", multiline=True) = None


class AcceptBody(Body):
    # any value: one that is no register's id is refused by the operation, as unknown
    register_id: Annotated[Any, Field(json_schema_extra={"type": ["integer", "null"],
                                                         "minimum": 1},
                                      description="the receipt register (default the "
                                      "unit's own)")] = None


class ReturnBody(Body):
    reason: Text(1000, "เหตุผลที่ส่งคืน", required=True)


class CertifiedCopyCreate(Body):
    register_id: int | str
    certifier_name: Text(200, "ชื่อผู้รับรองสำเนา", required=True)
    certifier_position: Text(300, "ตำแหน่งผู้รับรองสำเนา", required=True)
    to: list[Id] | None = None
    addressee: Text(1000, "เรียน", multiline=True) = None
    subject: Text(2000, "เรื่อง") = None
    purpose: Choice(Purpose) = None
    purpose_text: Text(500, "ข้อความ") = None
    due_date: str | None = None
    note: Text(255, "หมายเหตุ") = None
    endorsement_id: Annotated[Id | None, Field(description=(
        "A signed endorsement on the source: the copy circulates it and cites it "
        "(ตามบันทึกสั่งการ ...)"))] = None


class ReaderCreate(Body):
    user: Id


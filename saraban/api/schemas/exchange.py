"""Letters to and from other agencies (the outbox and the arrivals)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, RootModel

from saraban.api.schemas.common import Answer, Body, Checked, Day, Query, Text, Time, choices
from saraban.exchange.ecms.models import Direction as EcmsDirection
from saraban.exchange.ecms.models import MessageState, SignatureStatus
from saraban.exchange.models import Direction, MessageStatus


class EarlierReceipt(Answer):
    receipt_id: int
    number: int
    year: int
    received_at: Time | None


class Message(Answer):
    id: int
    message_id: str
    direction: choices(Direction)
    kind: str
    peer: str
    document_id: int | None
    status: choices(MessageStatus)
    attempts: int
    last_error: str | None
    delivered_at: Time | None
    accept_id: str | None
    accepted_at: Time | None
    reason: str | None
    created_at: Time | None
    duplicate_of: EarlierReceipt | None = Field(description=(
        "an arrival that matches a letter already received (sender, number, date)"))


class Messages(Answer):
    items: list[Message]


class Send(Body):
    to: Annotated[str, Field(description=(
        "the peer's code (saraban-exchange/1), or ecms:<10-digit organisation ID> to send "
        "through the government's e-CMS"))]


class AcceptArrival(Body):
    # any value: one that is no register's id is refused by the operation
    register_id: Annotated[Any, Field(json_schema_extra={"type": ["integer", "null"]},
                                      description="the receipt register (default the "
                                      "unit's own)")] = None


class Reject(Body):
    reason: Text(1000, "เหตุผล", required=True)
    invalid: Checked({"type": "boolean"}, "true: an invalid letter") = None


# --- e-CMS ---------------------------------------------------------------------------------

class EcmsMessage(Answer):
    """One message sent to or pulled from our e-CMS node (a letter, a notifier about one, or a
    withdrawal)."""

    id: int
    direction: choices(EcmsDirection)
    operation: str = Field(description=(
        "GovernmentDocument (a letter), DeleteGovernmentDocument (a withdrawal) or a "
        "notifier: ReceiveLetterNotifier, AcceptLetterNotifier, RejectLetterNotifier, "
        "InvalidLetterNotifier, InvalidAcceptIDNotifier"))
    document_id: int | None
    letter_id: str | None = Field(description="the letter's ที่, as on the wire")
    correspondence_date: Day | None
    subject: str | None
    to: str | None = Field(description="what we send: the receiving organisation's ID")
    sender: str | None = Field(description="what we pulled: the sending organisation's ID")
    counterpart_name: str | None = Field(description="that organisation's name in the "
                                         "directory last fetched")
    state: choices(MessageState)
    process_id: str | None = Field(description="the node's ProcessID, once it took it")
    accept_id: str | None = Field(description=(
        "the เลขรับ: the receiver's for a letter we sent, ours for one we received"))
    accept_date: str | None = Field(description="as the node wrote it")
    letter_message_id: int | None = Field(description="the letter this message is about")
    attempts: int
    last_error: str | None
    signature_status: choices(SignatureStatus) | None = Field(description=(
        "a letter we pulled: what verifying its ds:Signature found (absent, valid, "
        "invalid); null until it is dealt with, and for what we send"))
    signature_trusted: bool | None = Field(description=(
        "true only when the signature verified against a certificate we trust "
        "(SARABAN_ECMS_TRUSTED_CERTS); one checked against the certificate it carries "
        "proves integrity, not who signed"))
    signature_reason: str | None = Field(description="why the signature is invalid")
    created_at: Time | None
    sent_at: Time | None
    pulled_at: Time | None
    updated_at: Time | None


class EcmsMessages(Answer):
    items: list[EcmsMessage]


class Sent(RootModel[Message | EcmsMessage]):
    """What ``exchangeSend`` queued: a saraban-exchange/1 message, or an e-CMS one when
    ``to`` was ``ecms:<organisation ID>``."""


class EcmsOrganization(Answer):
    organization_id: str = Field(description="10 digits; the first two are the ministry")
    th_name: str
    en_name: str | None
    ministry_id: str
    fetched_at: Time | None


class EcmsOrganizations(Answer):
    items: list[EcmsOrganization]


class OrganizationsQuery(Query):
    q: Annotated[str | None, Field(max_length=100, description=(
        "part of the name (Thai or English) or the start of the organisation ID"))] = None

"""Imports every domain model so that the metadata (and Alembic) sees the whole schema."""

from saraban.accounts.models import (  # noqa: F401
    AccountNotice,
    ApiToken,
    Membership,
    RateLimitCounter,
    Role,
    User,
)
from saraban.audit.models import AuditEvent, AuditHead, PrintCode
from saraban.copies.models import CertifiedCopy
from saraban.delivery.models import Delivery  # noqa: F401
from saraban.documents.models import (
    Document,
    DocumentFile,
    DocumentKind,
    DocumentReference,
    DocumentStatus,
    Enclosure,
    ReferenceRelation,
    Secrecy,
    StoredFile,
    Urgency,
)
from saraban.drafts.models import Draft, DraftStep, DraftVersion  # noqa: F401
from saraban.endorsements.models import (
    Endorsement,
    EndorsementLine,
    EndorsementStatus,
    Order,
    OrderStatus,
)
from saraban.exchange.ecms.models import (
    EcmsCode,
    EcmsLevelMap,
    EcmsMessage,
    EcmsMimeCode,
    EcmsMinistry,
    EcmsOrganization,
)
from saraban.exchange.models import ExchangeMessage, ExchangeRefusal, Peer
from saraban.intake.models import IntakeBatch, IntakeDraft  # noqa: F401
from saraban.mail.models import MailArrival, MailboxState  # noqa: F401
from saraban.mail.outbox_models import MailKind, MailStatus, OutgoingMail  # noqa: F401
from saraban.records.models import DestructionItem, DestructionList, Loan
from saraban.registers.models import (
    Dispatch,
    EntryMode,
    EntryStatus,
    Receipt,
    Register,
    RegisterCounter,
    RegisterKind,
)
from saraban.routing.models import Purpose, Transfer, TransferKind, TransferStatus
from saraban.search.models import SearchText
from saraban.signing.models import SigningCertificate  # noqa: F401
from saraban.units.models import (
    Agency,
    Delegation,
    DelegationKind,
    Person,
    Position,
    PositionHolding,
    Unit,
)

__all__ = [
    "Agency", "ApiToken", "AuditEvent", "AuditHead", "CertifiedCopy", "Delegation",
    "DestructionItem", "DestructionList", "EcmsCode", "EcmsLevelMap", "EcmsMessage",
    "EcmsMimeCode", "EcmsMinistry", "EcmsOrganization", "ExchangeMessage", "ExchangeRefusal",
    "Loan", "Peer",
    "PrintCode",
    "DelegationKind", "Dispatch", "Document", "DocumentFile", "DocumentKind",
    "DocumentReference", "DocumentStatus", "Enclosure", "Endorsement", "EndorsementLine",
    "EndorsementStatus", "EntryMode", "EntryStatus", "Membership", "Order", "OrderStatus",
    "Person", "Position", "PositionHolding", "Purpose", "Receipt", "ReferenceRelation",
    "Register", "RegisterCounter", "RegisterKind", "Role", "SearchText", "Secrecy", "StoredFile",
    "Transfer", "TransferKind", "TransferStatus", "Unit", "Urgency", "User",
]

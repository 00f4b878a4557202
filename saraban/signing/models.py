"""Signing certificates: a user's (issued by the agency's CA or uploaded as PKCS#12) and
the registry's numbering key. The private key is kept only encrypted, with the file
encryption of secret documents (saraban.documents.filecrypt), bound to the certificate's
fingerprint."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.accounts.models import User
from saraban.db import Base, StrEnum, TimestampMixin, enum_column


class CertificateSource(StrEnum):
    AGENCY_CA = "agency_ca"  # issued by this installation's CA (saraban/signing/ca.py)
    PKCS12 = "pkcs12"  # uploaded by the user: a key and certificate from another CA


class SigningCertificate(TimestampMixin, Base):
    __tablename__ = "signing_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the holder; none for the installation's registry key (made by the CA on demand)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    subject: Mapped[str] = mapped_column(String(255))  # the certificate's common name
    serial: Mapped[str] = mapped_column(String(64))  # hexadecimal
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime]
    source: Mapped[CertificateSource] = enum_column(CertificateSource, "source")
    # the registry's numbering key: signs the number and date filled into a letter (the
    # column is "registry"; the attribute cannot be, Declarative keeps that name)
    registry_key: Mapped[bool] = mapped_column("registry", Boolean, default=False,
                                               server_default=false())
    revoked_at: Mapped[dt.datetime | None]
    cert_pem: Mapped[str] = mapped_column(Text)
    # the PKCS#8 DER private key (agency_ca) or the PKCS#12 as uploaded, encrypted with
    # filecrypt.encrypt(data, fingerprint): never the key in clear
    key_blob: Mapped[bytes] = mapped_column(LargeBinary)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("not_before < not_after", name="validity_order"),
        CheckConstraint("registry OR user_id IS NOT NULL", name="holder_or_registry"),
    )

    def is_current(self, at: dt.datetime) -> bool:
        """Unrevoked and within its validity at ``at``."""
        return self.revoked_at is None and self.not_before <= at < self.not_after

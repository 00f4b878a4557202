"""The agency's own certification authority: it issues the users' signing certificates
and the registry's numbering key.

Its certificate and key lie beside the file key-encryption keys (``FILE_KEYS_DIR``, outside
the database and the backup), in a folder only the owner may enter: ``signing-ca/ca.pem``
and ``signing-ca/ca-key.enc``, the key as PKCS#8 DER encrypted with the file encryption of
secret documents (saraban.documents.filecrypt) bound to the certificate's fingerprint, and
written with mode 0600. Every key it issues is kept the same way, in its
SigningCertificate row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from saraban import thaidate
from saraban.documents import filecrypt
from saraban.extensions import db
from saraban.signing.models import CertificateSource, SigningCertificate
from saraban.validation import OperationError

CA_YEARS = 10
USER_YEARS = 2
_CERT_FILE, _KEY_FILE = "ca.pem", "ca-key.enc"


def ca_dir() -> Path:
    from saraban import private_dir

    return private_dir(filecrypt.keys_dir() / "signing-ca")


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, in hexadecimal."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ca-")  # mkstemp: mode 0600
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@contextlib.contextmanager
def _thai_names():
    """Names of up to 64 characters (X.520's ub-common-name counts the characters of a
    UTF8String): cryptography counts 64 UTF-8 bytes, which a Thai name of 22 letters
    already exceeds, and warns when it makes or reads one. The length is kept in
    characters here (_name_attribute), and only that warning is silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Attribute's length must be", UserWarning)
        yield


def _name_attribute(oid, value: str) -> x509.NameAttribute:
    with _thai_names():
        return x509.NameAttribute(oid, value[:64], _validate=False)


def has_ca() -> bool:
    return (ca_dir() / _CERT_FILE).exists()


def init_ca(name: str, *, overwrite: bool = False) -> x509.Certificate:
    """Make the agency's CA: an EC P-256 key and a self-signed certificate named ``name``
    (the agency's name in Thai), valid ten years. An existing CA is kept unless
    ``overwrite`` (the certificates it issued then no longer chain to a trusted root)."""
    name = (name or "").strip()
    if not name:
        raise OperationError("กรุณาระบุชื่อผู้ออกใบรับรอง", "The CA needs a name.")
    if has_ca() and not overwrite:
        raise OperationError("มีผู้ออกใบรับรองของหน่วยงานอยู่แล้ว",
                             "The agency's CA already exists.", status=409)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([_name_attribute(NameOID.COMMON_NAME, name),
                         _name_attribute(NameOID.ORGANIZATION_NAME, name)])
    now = thaidate.now().replace(microsecond=0)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = ca_dir()
    _write_private(folder / _KEY_FILE, filecrypt.encrypt(_pkcs8(key), fingerprint(cert)))
    _write_private(folder / _CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    return cert


def ca_certificate() -> x509.Certificate:
    path = ca_dir() / _CERT_FILE
    if not path.exists():
        raise OperationError(
            "ยังไม่ได้สร้างผู้ออกใบรับรองของหน่วยงาน (saraban signing init-ca)",
            "The agency's CA has not been made yet (saraban signing init-ca).", status=409)
    return x509.load_pem_x509_certificate(path.read_bytes())


def _ca_key(cert: x509.Certificate):
    raw = (ca_dir() / _KEY_FILE).read_bytes()
    return serialization.load_der_private_key(filecrypt.decrypt(raw, fingerprint(cert)), None)


def common_name(cert: x509.Certificate) -> str:
    """The subject's common name (read with asn1crypto: cryptography warns on a Thai one
    longer than 64 bytes, see _name_attribute)."""
    from asn1crypto import x509 as asn1_x509

    subject = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)).subject
    return subject.native.get("common_name") or subject.human_friendly


def holder_name(user) -> str:
    """The name a user signs with: his person's rank and name, else his display name."""
    person = getattr(user, "person", None)
    return person.display_name if person is not None else user.display_name


def issue(user, *, registry: bool = False) -> SigningCertificate:
    """A new EC P-256 key and a certificate for ``user`` (his Thai name as the common
    name), signed by the agency's CA, for digital signatures with non-repudiation, kept
    as a SigningCertificate with its key encrypted. ``registry``: the registry's numbering
    key (``user`` None: the installation's own, named after the CA). Flushes and records
    the audit event; the caller commits."""
    from saraban.audit.operations import record

    if user is None and not registry:
        raise OperationError("ต้องระบุผู้ถือใบรับรอง", "A certificate needs its holder.")
    ca_cert = ca_certificate()
    ca_key = _ca_key(ca_cert)
    name = holder_name(user) if user is not None else f"ทะเบียนหนังสือ {common_name(ca_cert)}"
    key = ec.generate_private_key(ec.SECP256R1())
    now = thaidate.now().replace(microsecond=0)
    not_after = min(now + dt.timedelta(days=365 * USER_YEARS), ca_cert.not_valid_after_utc)
    with _thai_names():  # the CA's name, read again as the issuer's
        cert = _user_certificate(ca_cert, ca_key, name, key, now, not_after)
    row = store(user, cert, _pkcs8(key), CertificateSource.AGENCY_CA, registry=registry)
    record("signing.issue", user=None, obj=row,
           details={"fingerprint": row.fingerprint, "subject": row.subject,
                    "holder_id": row.user_id, "registry": registry})
    return row


def _user_certificate(ca_cert, ca_key, name: str, key, now: dt.datetime,
                      not_after: dt.datetime) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([_name_attribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_cert.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def store(user, cert: x509.Certificate, key_data: bytes, source: CertificateSource, *,
          registry: bool = False) -> SigningCertificate:
    """Keep ``cert`` and its key (``key_data``, encrypted here) for ``user``; flushes."""
    digest = fingerprint(cert)
    row = SigningCertificate(
        user_id=getattr(user, "id", None), subject=common_name(cert),
        serial=format(cert.serial_number, "x"), fingerprint=digest,
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        source=source, registry_key=registry,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        key_blob=filecrypt.encrypt(key_data, digest))
    db.session.add(row)
    db.session.flush()
    return row

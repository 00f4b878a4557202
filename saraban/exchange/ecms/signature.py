"""XML-DSig of e-CMS letters: ``ds:Signature`` in ``ram:GovernmentSignature`` over ``#Letter``.

Neither public client signs; BOI-DMS reads a ``ds:Signature`` on every inbound letter, so the
node probably signs (SPEC.md §4.2). What is not known: the current algorithms (an old request
used c14n-20010315#WithComments, rsa-sha1 and sha1), Transforms, whether the Body is signed too,
and the trust anchor. So:

- ``verify_letter`` says ``absent``, ``valid`` or ``invalid`` and which algorithms were used.
  SHA-1 (signature or digest) is refused unless the caller says the node still uses it
  (``allow_sha1=True``, an explicit setting, never a fallback). ``trusted`` is True only when the
  signature verifies against a certificate the caller gave; a signature that only verifies
  against the key it carries proves integrity, not who signed, and says so.
- Before the cryptography, the shape is checked so that a valid signature cannot vouch for
  something else (signature wrapping): exactly one ``ds:Signature``, one Reference, to
  ``#Letter``, and exactly one element with ``ID="Letter"``, which is the
  ``ram:CorrespondenceLetter`` the codec reads.
- ``sign_letter`` signs an outbound letter (off by default: nothing calls it unless the
  configuration says DGA requires it).

signxml (pure Python, on lxml and cryptography) rather than python-xmlsec: xmlsec's wheels bundle
their own libxml2 and must match lxml's exactly, or they refuse to load.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
    methods,
)
from signxml.exceptions import InvalidInput, InvalidSignature

from . import codec
from .messages import EcmsFormatError

DS = "http://www.w3.org/2000/09/xmldsig#"
ABSENT, VALID, INVALID = "absent", "valid", "invalid"
_SHA1 = ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1",
         "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
         "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1")
SIGNATURE_METHODS = {
    "rsa-sha256": (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA256),
    "rsa-sha1": (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA1),
}


@dataclass(frozen=True)
class SignatureCheck:
    """What verifying a letter's signature found. ``signature_method`` / ``digest_method`` are
    the algorithm URIs the signature names (None when absent)."""

    status: str                        # ABSENT, VALID or INVALID
    signature_method: str | None = None
    digest_method: str | None = None
    trusted: bool = False              # verified against a certificate the caller trusts
    signer_subject: str | None = None  # the certificate's subject, when one was used
    reason: str = ""                   # why INVALID (English, for the log and the arrival)

    @property
    def uses_sha1(self) -> bool:
        return self.signature_method in _SHA1 or self.digest_method in _SHA1


def _algorithm(signature, path: str) -> str | None:
    found = signature.find(path)
    return found.get("Algorithm") if found is not None else None


def _invalid(reason: str, signature_method=None, digest_method=None) -> SignatureCheck:
    return SignatureCheck(INVALID, signature_method, digest_method, reason=reason)


def _load_certificate(pem_or_der: bytes) -> x509.Certificate:
    if pem_or_der.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(pem_or_der)
    return x509.load_der_x509_certificate(pem_or_der)


def verify_letter(data: bytes, *, trusted_certificates: Sequence[bytes] = (),
                  allow_sha1: bool = False,
                  max_bytes: int = codec.MAX_MESSAGE_BYTES) -> SignatureCheck:
    """Check the ``ds:Signature`` of the letter in ``data`` (a whole e-CMS message as received).

    ``trusted_certificates``: PEM or DER certificates whose keys may sign (the node's, from
    DGA). Without any, a signature is checked against the certificate or key it carries and is
    at best ``valid`` with ``trusted=False``. Raises ``EcmsFormatError`` only for a message the
    codec refuses to parse at all."""
    root = codec.parse_xml(data, max_bytes=max_bytes)
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        return SignatureCheck(ABSENT)
    signature = signatures[0]
    signature_method = _algorithm(signature, f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    digest_method = _algorithm(signature,
                               f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestMethod")
    methods_found = (signature_method, digest_method)
    if len(signatures) > 1:
        return _invalid("more than one ds:Signature", *methods_found)
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "#Letter":
        return _invalid("the signature must have exactly one Reference, to #Letter",
                        *methods_found)
    # What is signed must be what the codec reads: one GovernmentDocument, one
    # CorrespondenceLetter (its child), and ID="Letter" on it and on nothing else.
    targets = [el for el in root.iter() if isinstance(el.tag, str) and el.get("ID") == "Letter"]
    letters = [el for el in root.iter() if isinstance(el.tag, str)
               and etree.QName(el).localname == "CorrespondenceLetter"]
    documents = [el for el in root.iter() if isinstance(el.tag, str)
                 and etree.QName(el).localname == "GovernmentDocument"]
    if (len(targets) != 1 or len(letters) != 1 or len(documents) != 1
            or targets[0] is not letters[0] or letters[0].getparent() is not documents[0]):
        return _invalid("ID=\"Letter\" must name exactly one element, the one "
                        "CorrespondenceLetter of the one GovernmentDocument", *methods_found)
    if not allow_sha1 and (signature_method in _SHA1 or digest_method in _SHA1):
        return _invalid("SHA-1 is not accepted unless the node is configured to use it",
                        *methods_found)
    allowed_signatures = frozenset(m for m in SignatureMethod
                                   if allow_sha1 or "SHA1" not in m.name)
    allowed_digests = frozenset(m for m in DigestAlgorithm if allow_sha1 or "SHA1" not in m.name)

    def attempt(certificate: x509.Certificate | None):
        config = SignatureConfiguration(
            require_x509=False, location=".//", expect_references=1,
            signature_methods=allowed_signatures, digest_algorithms=allowed_digests,
            ignore_ambiguous_key_info=False)
        kwargs = {"x509_cert": certificate} if certificate is not None else {}
        result = XMLVerifier().verify(root, id_attribute="ID", expect_config=config, **kwargs)
        signed = result.signed_xml
        if signed is None or etree.QName(signed).localname != "CorrespondenceLetter":
            raise InvalidSignature("the signed element is not the CorrespondenceLetter")
        return result

    try:
        if trusted_certificates:
            last_error: Exception | None = None
            for pem in trusted_certificates:
                certificate = _load_certificate(pem)
                try:
                    attempt(certificate)
                except (InvalidSignature, InvalidInput) as error:
                    last_error = error
                    continue
                return SignatureCheck(VALID, *methods_found, trusted=True,
                                      signer_subject=certificate.subject.rfc4514_string())
            return _invalid(f"not signed by a trusted certificate: {last_error}",
                            *methods_found)
        embedded = signature.find(f".//{{{DS}}}X509Certificate")
        if embedded is not None and (embedded.text or "").strip():
            certificate = x509.load_der_x509_certificate(
                base64.b64decode("".join(embedded.text.split())))
            attempt(certificate)
            return SignatureCheck(VALID, *methods_found, trusted=False,
                                  signer_subject=certificate.subject.rfc4514_string())
        if signature.find(f".//{{{DS}}}KeyValue") is not None:
            attempt(None)
            return SignatureCheck(VALID, *methods_found, trusted=False)
        return _invalid("the signature carries no key and no trusted certificate was given",
                        *methods_found)
    except (InvalidSignature, InvalidInput, ValueError) as error:
        return _invalid(str(error) or type(error).__name__, *methods_found)


class _Sha1Signer(XMLSigner):
    """signxml refuses to sign with SHA-1 unless told; ``sign_letter(algorithm="rsa-sha1")`` is
    that telling, for a node that verifies nothing else."""

    def check_deprecated_methods(self):
        return None


def sign_letter(data: bytes, key_pem: bytes, certificate_pem: bytes, *,
                algorithm: str = "rsa-sha256") -> bytes:
    """Sign the letter in an outbound message (from ``codec.build_letter``) over ``#Letter`` and
    put the ``ds:Signature`` in ``ram:GovernmentSignature`` (made, with TypeCode ``DSIG``, when
    the letter has none). ``algorithm`` is ``rsa-sha256`` or, only if DGA still asks for it,
    ``rsa-sha1``. Exclusive c14n, not the old BOI request's inclusive c14n: the signature is made
    apart from the message and then put inside it, and inclusive c14n of SignedInfo would take in
    the envelope's namespaces once it is there (the profile DGA wants is unknown)."""
    if algorithm not in SIGNATURE_METHODS:
        raise ValueError(f"unknown signature algorithm {algorithm!r}")
    signature_method, digest = SIGNATURE_METHODS[algorithm]
    root = codec.parse_xml(data)
    documents = [el for el in root.iter(f"{{{codec.RSM}}}GovernmentDocument")]
    if len(documents) != 1 or documents[0].find(f"{{{codec.RAM}}}CorrespondenceLetter") is None:
        raise EcmsFormatError("shape", "ไม่พบหนังสือที่จะลงลายมือชื่อ",
                              "No letter to sign in this message.")
    document = documents[0]
    signer_class = _Sha1Signer if algorithm == "rsa-sha1" else XMLSigner
    signer = signer_class(method=methods.detached, signature_algorithm=signature_method,
                          digest_algorithm=digest,
                          c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(root, key=key_pem, cert=certificate_pem.decode("ascii"),
                         reference_uri="#Letter", id_attribute="ID",
                         always_add_key_value=False)
    holder = document.find(f"{{{codec.RAM}}}GovernmentSignature")
    if holder is None:
        holder = etree.SubElement(document, f"{{{codec.RAM}}}GovernmentSignature")
        etree.SubElement(holder, f"{{{codec.RAM}}}TypeCode").text = "DSIG"
    holder.append(signed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def read_certificates(paths: Sequence[str]) -> tuple[bytes, ...]:
    """The certificates in ``paths`` (SARABAN_ECMS_TRUSTED_CERTS), one PEM each: a PEM file
    may hold several (a bundle), a DER file holds one. A file that holds none is refused: a
    trust setting that trusts nothing would look like one that works."""
    found: list[bytes] = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if b"-----BEGIN" in data:
            certificates = x509.load_pem_x509_certificates(data)
        else:
            certificates = [x509.load_der_x509_certificate(data)]
        if not certificates:
            raise ValueError(f"no certificate in {path}")
        found.extend(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
    return tuple(found)


@dataclass(frozen=True)
class LetterSigner:
    """This installation's signing key and certificate (SARABAN_ECMS_SIGN_KEY / _CERT): called
    on an outbound message, it returns it signed (``sign_letter``); the client calls it on the
    bytes it is about to send (EcmsClient's ``sign``). Its method, digest and subject are
    what the outbox records of how a sent letter was signed."""

    key_pem: bytes
    certificate_pem: bytes
    algorithm: str = "rsa-sha256"

    def __post_init__(self):
        if self.algorithm not in SIGNATURE_METHODS:
            raise ValueError(f"unknown signature algorithm {self.algorithm!r}")
        _load_certificate(self.certificate_pem)  # refused now, not at the first letter

    def __call__(self, data: bytes) -> bytes:
        return sign_letter(data, self.key_pem, self.certificate_pem, algorithm=self.algorithm)

    @property
    def signature_method(self) -> str:
        return SIGNATURE_METHODS[self.algorithm][0].value

    @property
    def digest_method(self) -> str:
        return SIGNATURE_METHODS[self.algorithm][1].value

    @property
    def subject(self) -> str:
        return _load_certificate(self.certificate_pem).subject.rfc4514_string()

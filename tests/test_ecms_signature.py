"""XML-DSig of e-CMS letters against Debian's xmlsec1 (an independent implementation).

Signatures made by ``xmlsec1 --sign`` over ``#Letter`` (rsa-sha1 with c14n WithComments, as the
old BOI request names, and rsa-sha256) must verify with ``signature.verify_letter``; tampered
copies must not; ours (``sign_letter``) must verify with ``xmlsec1 --verify``. Skips, saying
why, when xmlsec1 is not installed (CI installs it: .ci/run).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from saraban.exchange.ecms import codec, signature
from saraban.exchange.ecms.signature import ABSENT, INVALID, VALID

DATA = Path(__file__).parent / "data" / "ecms"
XMLSEC1 = shutil.which("xmlsec1")
ID_ATTR = ["--id-attr:ID", f"{codec.RAM}:CorrespondenceLetter"]
SHA256 = (("http://www.w3.org/2000/09/xmldsig#rsa-sha1",
           "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
          ("http://www.w3.org/2000/09/xmldsig#sha1", "http://www.w3.org/2001/04/xmlenc#sha256"))

needs_xmlsec1 = pytest.mark.skipif(XMLSEC1 is None,
                                   reason="xmlsec1 is not installed (apt-get install xmlsec1)")


def make_identity(folder: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    key_path, cert_path = folder / f"{name}.key.pem", folder / f"{name}.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ecms-keys")
    return {"node": make_identity(folder, "fake-ecms-node"),
            "other": make_identity(folder, "someone-else")}


def template(algorithm: str) -> bytes:
    """Example 04 (an inbound letter with the ds:Signature shape BOI reads) with its
    placeholders emptied, as an xmlsec1 signing template."""
    text = (DATA / "04-CorrespondenceLetterInboundResponse.letter.xml").read_text("utf-8")
    text = text.replace("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "").replace(
        "<ds:SignatureValue>AAAA</ds:SignatureValue>", "<ds:SignatureValue/>")
    text = re.sub(r"<ds:X509Data>.*?</ds:X509Data>",
                  "<ds:X509Data><ds:X509Certificate/></ds:X509Data>", text, flags=re.S)
    if algorithm == "rsa-sha256":
        for old, new in SHA256:
            text = text.replace(old, new)
    return text.encode("utf-8")


def xmlsec1_sign(tmp_path: Path, identity, algorithm: str) -> bytes:
    key, cert = identity
    source, out = tmp_path / f"template-{algorithm}.xml", tmp_path / f"signed-{algorithm}.xml"
    source.write_bytes(template(algorithm))
    subprocess.run([XMLSEC1, "--sign", "--privkey-pem", f"{key},{cert}", *ID_ATTR,
                    "--output", str(out), str(source)], check=True, capture_output=True,
                   timeout=60)
    return out.read_bytes()


def xmlsec1_verifies(tmp_path: Path, data: bytes, cert: Path) -> bool:
    path = tmp_path / "to-verify.xml"
    path.write_bytes(data)
    done = subprocess.run([XMLSEC1, "--verify", "--trusted-pem", str(cert), *ID_ATTR, str(path)],
                          capture_output=True, timeout=60)
    return done.returncode == 0


@needs_xmlsec1
def test_xmlsec1_rsa_sha1_verifies_only_when_sha1_is_allowed(tmp_path, keys):
    signed = xmlsec1_sign(tmp_path, keys["node"], "rsa-sha1")
    refused = signature.verify_letter(signed)
    assert refused.status == INVALID and "SHA-1" in refused.reason and refused.uses_sha1
    check = signature.verify_letter(signed, allow_sha1=True)
    assert check.status == VALID and not check.trusted
    assert check.signature_method.endswith("#rsa-sha1")
    assert check.signer_subject == "CN=fake-ecms-node"
    trusted = signature.verify_letter(signed, allow_sha1=True,
                                      trusted_certificates=[keys["node"][1].read_bytes()])
    assert trusted.status == VALID and trusted.trusted
    # and the codec still reads the signed letter
    assert codec.parse_inbound_response(signed).letter.has_signature


@needs_xmlsec1
def test_xmlsec1_rsa_sha256_verifies(tmp_path, keys):
    signed = xmlsec1_sign(tmp_path, keys["node"], "rsa-sha256")
    check = signature.verify_letter(signed, trusted_certificates=[keys["node"][1].read_bytes()])
    assert (check.status, check.trusted) == (VALID, True)
    assert check.digest_method == "http://www.w3.org/2001/04/xmlenc#sha256"


def _tampered_subject(data: bytes) -> bytes:
    return data.replace("<ram:Subject>ขอเชิญประชุม".encode(),
                        "<ram:Subject>ขอเชิญประชุมด่วน".encode(), 1)


def _tampered_file(data: bytes) -> bytes:
    return data.replace(b">JVBERi0xLjQKJSBzYW1wbGUK</ram:MainLetterBinaryObject>",
                        b">JVBERi0xLjUKJSBzYW1wbGUK</ram:MainLetterBinaryObject>", 1)


def _tampered_receiver(data: bytes) -> bytes:
    return data.replace(b"<ram:ID>0031500002</ram:ID>", b"<ram:ID>0031500003</ram:ID>", 1)


def _tampered_signature_value(data: bytes) -> bytes:
    return re.sub(rb"<ds:SignatureValue>(.)", lambda m: b"<ds:SignatureValue>"
                  + (b"A" if m.group(1) != b"A" else b"B"), data, count=1)


def _wrapped(data: bytes) -> bytes:
    """Signature wrapping: a second element that also claims ID="Letter"."""
    return data.replace(b"</ram:GovernmentSignature>",
                        b'<ram:CorrespondenceLetter ID="Letter"/></ram:GovernmentSignature>', 1)


def _forged_first(data: bytes) -> bytes:
    """Signature wrapping: an unsigned forged letter (no ID) put before the signed one, where a
    reader taking the first CorrespondenceLetter would find it."""
    start = data.index(b'<ram:CorrespondenceLetter ID="Letter">')
    end = data.index(b"</ram:CorrespondenceLetter>") + len(b"</ram:CorrespondenceLetter>")
    forged = _tampered_subject(data[start:end]).replace(b' ID="Letter"', b"", 1)
    return data[:start] + forged + data[start:]


@needs_xmlsec1
@pytest.mark.parametrize("tamper", [_tampered_subject, _tampered_file, _tampered_receiver,
                                    _tampered_signature_value, _wrapped, _forged_first])
@pytest.mark.parametrize("algorithm", ["rsa-sha1", "rsa-sha256"])
def test_tampered_copies_are_refused(tmp_path, keys, tamper, algorithm):
    signed = xmlsec1_sign(tmp_path, keys["node"], algorithm)
    tampered = tamper(signed)
    assert tampered != signed
    check = signature.verify_letter(tampered, allow_sha1=True)
    assert check.status == INVALID and check.reason


@needs_xmlsec1
def test_a_signature_by_another_key_is_not_trusted(tmp_path, keys):
    signed = xmlsec1_sign(tmp_path, keys["other"], "rsa-sha256")
    assert signature.verify_letter(signed).status == VALID  # intact, but by whom?
    check = signature.verify_letter(signed, trusted_certificates=[keys["node"][1].read_bytes()])
    assert check.status == INVALID and "trusted" in check.reason


def test_no_signature_is_absent_and_placeholders_are_invalid():
    assert signature.verify_letter(
        (DATA / "01-CorrespondenceLetterOutboundRequest.xml").read_bytes()).status == ABSENT
    placeholder = signature.verify_letter(
        (DATA / "04-CorrespondenceLetterInboundResponse.letter.xml").read_bytes(),
        allow_sha1=True)
    assert placeholder.status == INVALID


@needs_xmlsec1
@pytest.mark.parametrize("algorithm", ["rsa-sha1", "rsa-sha256"])
def test_our_signature_verifies_in_xmlsec1(tmp_path, keys, algorithm):
    key, cert = keys["node"]
    message = (DATA / "01-CorrespondenceLetterOutboundRequest.xml").read_bytes()
    signed = signature.sign_letter(message, key.read_bytes(), cert.read_bytes(),
                                   algorithm=algorithm)
    assert xmlsec1_verifies(tmp_path, signed, cert)
    check = signature.verify_letter(signed, allow_sha1=algorithm == "rsa-sha1",
                                    trusted_certificates=[cert.read_bytes()])
    assert (check.status, check.trusted) == (VALID, True)
    assert not xmlsec1_verifies(tmp_path, _tampered_subject(signed), cert)
    assert signature.verify_letter(_tampered_subject(signed), allow_sha1=True).status == INVALID


def test_signing_a_letter_without_government_signature_adds_one(tmp_path):
    key, cert = make_identity(tmp_path, "signer")
    message = (DATA / "01-CorrespondenceLetterOutboundRequest.xml").read_bytes()
    start = message.index(b"<ram:GovernmentSignature>")
    end = message.index(b"</ram:GovernmentSignature>") + len(b"</ram:GovernmentSignature>")
    bare = message[:start] + message[end:]
    signed = signature.sign_letter(bare, key.read_bytes(), cert.read_bytes())
    letter = codec.parse_request(signed).payload
    assert letter.has_signature and letter.signer.type_code == "DSIG"
    assert signature.verify_letter(signed).status == VALID

"""PAdES signatures (saraban/signing): the agency's CA, a commander's certification
signature on a letter, the registry filling the number and date and adding its approval
signature, checked by pyhanko's validator and by poppler's pdfsig."""

from __future__ import annotations

import io
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from tests.conftest import make_user

CAPACITY = "ผู้บังคับการตำรวจทดสอบ"


def letter_pdf() -> bytes:
    """A letter-like page: text, and the read-only fields "number" and "date" the registry
    fills, made as the letters are (reportlab's canvas.acroForm.textfield)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.acroform import fieldFlagValues
    from reportlab.pdfgen import canvas

    from saraban.pdf import REGULAR, register_fonts
    from saraban.pdf.thaiwrap import draw_string

    register_fonts()
    out = io.BytesIO()
    canv = canvas.Canvas(out, pagesize=A4)
    draw_string(canv, 72, 770, "ที่", REGULAR, 16)
    draw_string(canv, 300, 740, "วันที่", REGULAR, 16)
    draw_string(canv, 72, 700, "เรื่อง ขอเชิญประชุมทดสอบการลงนามอิเล็กทรอนิกส์", REGULAR, 16)
    for name, x, y in (("number", 90, 764), ("date", 340, 734)):
        canv.acroForm.textfield(name=name, x=x, y=y, width=180, height=22, borderWidth=0,
                                fieldFlags=fieldFlagValues["readOnly"], value="")
    canv.showPage()
    canv.save()
    return out.getvalue()


def pdfsig(pdf: bytes, tmp_path) -> str:
    path = tmp_path / f"letter-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True,
                          check=False, timeout=60)
    return done.stdout + done.stderr


def pyhanko_statuses(pdf: bytes, ca_cert):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(ca_cert.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf))
    return [(sig, validate_pdf_signature(sig, ValidationContext(trust_roots=[root])))
            for sig in reader.embedded_signatures]


@pytest.fixture()
def commander(ca, db_session):
    from saraban.signing import ca as agency_ca

    user = make_user(db_session, display_name="พล.ต.ต. สมชาย ใจดี")
    agency_ca.issue(user)
    return user


@pytest.fixture()
def ca(app, db_session):
    from saraban.signing import ca as agency_ca

    if not agency_ca.has_ca():
        agency_ca.init_ca("สำนักงานทดสอบ")
    return agency_ca.ca_certificate()


def test_issue_keeps_the_key_encrypted(ca, db_session):
    from saraban.documents import filecrypt
    from saraban.signing import ca as agency_ca

    user = make_user(db_session, display_name="พล.ต.ต. สมชาย ใจดี")
    row = agency_ca.issue(user)
    assert row.subject == "พล.ต.ต. สมชาย ใจดี"
    assert row.source == "agency_ca" and not row.registry_key
    key_der = filecrypt.decrypt(row.key_blob, row.fingerprint)
    serialization.load_der_private_key(key_der, None)  # it is the key
    stored = db_session.execute(
        text("SELECT * FROM signing_certificate WHERE id = :id"), {"id": row.id}).one()
    raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                   for v in stored)
    assert key_der not in raw
    assert key_der[-32:] not in raw  # not even the tail (the raw private scalar's part)


def test_a_letter_signed_validates_in_pyhanko_and_pdfsig(ca, commander, tmp_path):
    from saraban.signing.operations import sign_letter

    signed = sign_letter(letter_pdf(), commander, capacity_text=CAPACITY,
                         box=(0, 300, 120, 520, 190), reason="ลงนามหนังสือออก")
    ((sig, status),) = pyhanko_statuses(signed, ca)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert sig.field_name == "signature" and sig.docmdp_level.name == "FILL_FORMS"
    assert status.coverage.name == "ENTIRE_FILE"
    report = pdfsig(signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report


def test_the_registry_fills_the_number_and_signs_and_the_commanders_stays_intact(
        ca, commander, tmp_path):
    from pypdf import PdfReader

    from saraban.signing.operations import fill_and_certify, sign_letter, verify

    signed = sign_letter(letter_pdf(), commander, capacity_text=CAPACITY,
                         box=(0, 300, 120, 520, 190))
    filled = fill_and_certify(signed, {"number": "ตช ๐๐๑๑.๑/๑๒๓", "date": "๔ ธันวาคม ๒๕๖๙"})
    assert filled.startswith(signed)  # one incremental update after the commander's
    assert filled[len(signed):].count(b"%%EOF") == 1

    fields = PdfReader(io.BytesIO(filled)).get_fields()
    assert fields["number"]["/V"] == "ตช ๐๐๑๑.๑/๑๒๓"
    assert fields["date"]["/V"] == "๔ ธันวาคม ๒๕๖๙"

    (first, first_status), (second, second_status) = pyhanko_statuses(filled, ca)
    assert first.field_name == "signature" and second.field_name == "registry_signature"
    assert first_status.intact and first_status.valid and first_status.trusted
    assert first_status.modification_level.name == "FORM_FILLING"
    assert first_status.docmdp_ok
    assert second_status.bottom_line, second_status.pretty_print_details()

    report = pdfsig(filled, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report

    commander_sig, registry_sig = verify(filled)
    assert commander_sig["field"] == "signature" and commander_sig["signer"] == "พล.ต.ต. สมชาย ใจดี"
    assert commander_sig["intact"] and commander_sig["valid"]
    assert not commander_sig["covers_whole"]
    assert commander_sig["modification_level"] == "FORM_FILLING"
    assert registry_sig["field"] == "registry_signature" and registry_sig["valid"]
    assert registry_sig["covers_whole"] and registry_sig["modification_level"] == "NONE"
    assert registry_sig["signer"].startswith("ทะเบียนหนังสือ")

    text = subprocess.run(["pdftotext", "-", "-"], input=filled, capture_output=True,
                          check=True, timeout=60).stdout.decode()
    assert "ตช ๐๐๑๑.๑/๑๒๓" in text and "พล.ต.ต. สมชาย ใจดี" in text


def test_a_byte_changed_inside_the_signed_range_is_invalid(ca, commander, tmp_path):
    from saraban.signing.operations import sign_letter, verify

    signed = sign_letter(letter_pdf(), commander, capacity_text=CAPACITY)
    at = signed.index(b"ReportLab")  # the letter's producer: inside the first signed range
    assert at < signed.index(b"/ByteRange")
    broken = signed[:at] + b"S" + signed[at + 1:]
    (entry,) = verify(broken)
    assert not entry["intact"] and not entry["valid"]
    report = pdfsig(broken, tmp_path)
    assert "Signature Validation: Signature is Valid." not in report, report
    assert "Signature Validation:" in report


def test_no_certificate_no_signature(ca, db_session):
    from saraban.signing.operations import has_certificate, sign_letter
    from saraban.validation import OperationError

    user = make_user(db_session)
    assert not has_certificate(user)
    with pytest.raises(OperationError) as refused:
        sign_letter(letter_pdf(), user, capacity_text=CAPACITY)
    assert refused.value.status == 403
    assert "ใบรับรอง" in refused.value.message_th


def _pkcs12(password: bytes, *, days: int = 365, name: str = "นางสาวทดสอบ ลงนาม") -> bytes:
    """A PKCS#12 file of a self-signed certificate (another CA's, as far as we know)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=30), now + dt.timedelta(days=days)) if days > 0 \
        else (now - dt.timedelta(days=400), now + dt.timedelta(days=days))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"me", key, cert, None, serialization.BestAvailableEncryption(password))


def test_a_pkcs12_upload_is_kept_encrypted_and_signs(ca, db_session, tmp_path):
    from saraban.audit.models import AuditEvent
    from saraban.signing.operations import has_certificate, sign_letter, upload_pkcs12, verify

    user = make_user(db_session)
    row = upload_pkcs12(user, _pkcs12(b"pass-1234"), "pass-1234")
    assert row.source == "pkcs12" and row.subject == "นางสาวทดสอบ ลงนาม"
    assert has_certificate(user)
    assert db_session.query(AuditEvent).filter_by(
        action="signing.upload", object_id=row.id).count() == 1
    signed = sign_letter(letter_pdf(), user, capacity_text=CAPACITY)
    (entry,) = verify(signed)
    assert entry["intact"] and not entry["valid"]  # intact, but not by our CA's certificate
    assert "Signature Validation: Signature is Valid." in pdfsig(signed, tmp_path)


@pytest.mark.parametrize(("data", "password", "words"), [
    (lambda: _pkcs12(b"right"), "wrong", "รหัสผ่าน"),
    (lambda: b"%PDF-1.7 not a certificate", "x", "PKCS#12"),
    (lambda: _pkcs12(b"right", days=-1), "right", "หมดอายุ"),
])
def test_a_pkcs12_upload_refused(ca, db_session, data, password, words):
    from saraban.signing.models import SigningCertificate
    from saraban.signing.operations import upload_pkcs12
    from saraban.validation import OperationError

    user = make_user(db_session)
    with pytest.raises(OperationError) as refused:
        upload_pkcs12(user, data(), password)
    assert words in refused.value.message_th
    assert refused.value.message_en
    assert db_session.query(SigningCertificate).filter_by(user_id=user.id).count() == 0


def test_a_revoked_certificate_no_longer_signs(ca, commander, db_session):
    from saraban.audit.models import AuditEvent
    from saraban.signing.models import SigningCertificate
    from saraban.signing.operations import has_certificate, revoke

    assert has_certificate(commander)
    row = db_session.query(SigningCertificate).filter_by(user_id=commander.id).one()
    revoke(row.fingerprint)
    assert not has_certificate(commander)
    assert db_session.query(AuditEvent).filter_by(
        action="signing.revoke", object_id=row.id).count() == 1


def test_the_signing_commands(app, db_session, tmp_path, monkeypatch):
    import stat

    from saraban.audit.models import AuditEvent
    from saraban.signing import ca as agency_ca
    from saraban.signing.models import SigningCertificate

    monkeypatch.setitem(app.config, "FILE_KEYS_DIR", str(tmp_path / "keys"))  # a CA of its own
    run = app.test_cli_runner().invoke

    made = run(args=["signing", "init-ca", "--name", "สำนักงานตำรวจแห่งชาติ ทดสอบคำสั่ง"])
    assert made.exit_code == 0, made.output
    with app.app_context():
        folder = agency_ca.ca_dir()
        assert made.output.strip().splitlines()[-1] == agency_ca.fingerprint(
            agency_ca.ca_certificate())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in (folder / "ca-key.enc").read_bytes()
    again = run(args=["signing", "init-ca", "--name", "อีกครั้ง"])
    assert again.exit_code == 1 and "มีผู้ออกใบรับรอง" in again.output

    issued = run(args=["signing", "issue", "demo-clerk"])
    assert issued.exit_code == 0, issued.output
    fingerprint = issued.output.strip().splitlines()[-1]
    registry = run(args=["signing", "issue", "demo-clerk", "--registry"])
    assert registry.exit_code == 0, registry.output
    listed = run(args=["signing", "list"]).output
    assert f"{fingerprint}\tใช้งาน\tagency_ca\tdemo-clerk" in listed
    assert "\tregistry\tdemo-clerk" in listed

    revoked = run(args=["signing", "revoke", fingerprint])
    assert revoked.exit_code == 0, revoked.output
    assert f"{fingerprint}\tเพิกถอน" in run(args=["signing", "list"]).output
    assert run(args=["signing", "revoke", fingerprint]).exit_code == 1
    assert run(args=["signing", "issue", "nobody"]).exit_code != 0

    row = db_session.query(SigningCertificate).filter_by(fingerprint=fingerprint).one()
    assert row.revoked_at is not None
    actions = {e.action for e in db_session.query(AuditEvent).filter_by(object_id=row.id)
               if e.object_type == "SigningCertificate"}
    assert actions == {"signing.issue", "signing.revoke"}


def test_a_registry_officer_signs_with_his_registry_key(ca, commander, db_session):
    from saraban.signing import ca as agency_ca
    from saraban.signing.operations import fill_and_certify, has_certificate, sign_letter, verify
    from saraban.validation import OperationError

    clerk = make_user(db_session, display_name="นางสาวสารบรรณ ออกเลข")
    signed = sign_letter(letter_pdf(), commander, capacity_text=CAPACITY)
    with pytest.raises(OperationError) as refused:
        fill_and_certify(signed, {"number": "ตช ๑/๑"}, user=clerk)
    assert refused.value.status == 403
    agency_ca.issue(clerk, registry=True)
    assert not has_certificate(clerk)  # a registry key does not sign letters
    with pytest.raises(OperationError) as unknown:
        fill_and_certify(signed, {"subject": "x"}, user=clerk)
    assert "subject" in unknown.value.message_th
    filled = fill_and_certify(signed, {"number": "ตช ๑/๑"}, user=clerk)
    first, second = verify(filled)
    assert first["intact"] and first["valid"] and first["modification_level"] == "FORM_FILLING"
    assert second["signer"] == "นางสาวสารบรรณ ออกเลข" and second["valid"]


def test_a_letter_is_certified_once_and_a_non_pdf_refused(ca, commander):
    from saraban.signing.operations import sign_letter, verify
    from saraban.validation import OperationError

    signed = sign_letter(letter_pdf(), commander, capacity_text=CAPACITY)
    with pytest.raises(OperationError) as twice:
        sign_letter(signed, commander, capacity_text=CAPACITY)
    assert twice.value.status == 409
    with pytest.raises(OperationError) as not_pdf:
        verify(b"not a pdf at all")
    assert not_pdf.value.status == 422
    with pytest.raises(OperationError):
        sign_letter(b"not a pdf at all", commander, capacity_text=CAPACITY)

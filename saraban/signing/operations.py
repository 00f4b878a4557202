"""Signing letters (PAdES): the business rules.

A commander signs a letter with a *certification* signature (DocMDP: form filling
allowed), so that the registry can later fill the letter's "number" and "date" fields and
add its own *approval* signature, in one incremental update, without breaking his.

Operations flush and never commit; refusals are OperationError with a Thai and an English
message.
"""

from __future__ import annotations

import io

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import content, layout
from sqlalchemy import select

from saraban import thaidate
from saraban.documents import filecrypt
from saraban.extensions import db
from saraban.signing import ca
from saraban.signing.models import CertificateSource, SigningCertificate
from saraban.validation import OperationError

SIGNATURE_FIELD = "signature"  # the commander's certification signature
REGISTRY_FIELD = "registry_signature"  # the registry's approval signature
FIELD_FONT_SIZE = 16
MAX_PKCS12_BYTES = 1 << 20


# -- certificates ---------------------------------------------------------------------------

def _current(user, *, registry: bool) -> SigningCertificate | None:
    """The newest current (unrevoked, within its validity) certificate of ``user`` (None:
    the installation's registry key), a registry one or not."""
    now = thaidate.now()
    holder = (SigningCertificate.user_id.is_(None) if user is None
              else SigningCertificate.user_id == user.id)
    return db.session.scalars(
        select(SigningCertificate)
        .where(holder, SigningCertificate.registry_key.is_(registry),
               SigningCertificate.revoked_at.is_(None),
               SigningCertificate.not_before <= now, SigningCertificate.not_after > now)
        .order_by(SigningCertificate.not_after.desc(), SigningCertificate.id.desc())
    ).first()


def has_certificate(user) -> bool:
    """The user holds a current signing certificate (unrevoked, unexpired; not a
    registry key)."""
    return _current(user, registry=False) is not None


def upload_pkcs12(user, data: bytes, password: str) -> SigningCertificate:
    """Keep the key and certificate of a PKCS#12 file (.p12/.pfx) from another CA as
    ``user``'s signing certificate. Kept re-packed without its password, encrypted."""
    from saraban.audit.operations import record

    if not data or len(data) > MAX_PKCS12_BYTES:
        raise OperationError("ไฟล์ใบรับรองต้องเป็นไฟล์ PKCS#12 (.p12 หรือ .pfx) ขนาดไม่เกิน ๑ เมกะไบต์",
                             "The certificate must be a PKCS#12 file (.p12 or .pfx) of at "
                             "most 1 MB.", field="file")
    if not _looks_like_pkcs12(data):
        raise OperationError("ไฟล์นี้ไม่ใช่ไฟล์ใบรับรองแบบ PKCS#12 (.p12 หรือ .pfx)",
                             "This file is not a PKCS#12 (.p12 or .pfx) file.", field="file")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None)
    except (ValueError, TypeError):
        raise OperationError("รหัสผ่านของไฟล์ใบรับรองไม่ถูกต้อง",
                             "The certificate file's password is wrong.",
                             field="password") from None
    if key is None or cert is None:
        raise OperationError("ไฟล์ใบรับรองไม่มีกุญแจส่วนตัวหรือใบรับรองสำหรับลงนาม",
                             "The file holds no private key or no signing certificate.",
                             field="file")
    if key.public_key().public_bytes(*_SPKI) != cert.public_key().public_bytes(*_SPKI):
        raise OperationError("กุญแจส่วนตัวในไฟล์ไม่ตรงกับใบรับรอง",
                             "The private key does not match the certificate.", field="file")
    now = thaidate.now()
    if cert.not_valid_after_utc <= now:
        raise OperationError(
            f"ใบรับรองหมดอายุแล้วเมื่อ {thaidate.format_date(cert.not_valid_after_utc, 'long')}",
            f"The certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}.", field="file")
    if cert.not_valid_before_utc > now:
        raise OperationError("ใบรับรองยังไม่ถึงวันเริ่มใช้งาน",
                             "The certificate is not valid yet.", field="file")
    digest = ca.fingerprint(cert)
    if db.session.scalar(select(SigningCertificate.id)
                         .where(SigningCertificate.fingerprint == digest)) is not None:
        raise OperationError("ใบรับรองนี้อยู่ในระบบแล้ว", "This certificate is already kept.",
                             status=409, field="file")
    packed = pkcs12.serialize_key_and_certificates(
        None, key, cert, extra or None, serialization.NoEncryption())
    row = ca.store(user, cert, packed, CertificateSource.PKCS12)
    record("signing.upload", user=user, obj=row,
           details={"fingerprint": row.fingerprint, "subject": row.subject})
    return row


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _looks_like_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data", "signed_data")
    except (ValueError, TypeError, KeyError):
        return False


def revoke(fingerprint: str, *, user=None) -> SigningCertificate:
    """Stop a certificate from signing (``user``: who revokes it); flushes and records."""
    from saraban.audit.operations import record

    row = db.session.scalar(select(SigningCertificate)
                            .where(SigningCertificate.fingerprint == fingerprint.lower()))
    if row is None:
        raise OperationError("ไม่พบใบรับรองนี้", "No such certificate.", status=404)
    if row.revoked_at is not None:
        raise OperationError("ใบรับรองนี้ถูกเพิกถอนไปแล้ว", "The certificate is already revoked.",
                             status=409)
    row.revoked_at = thaidate.now()
    db.session.flush()
    record("signing.revoke", user=user, obj=row,
           details={"fingerprint": row.fingerprint, "subject": row.subject})
    return row


def _signer(row: SigningCertificate):
    """pyhanko's signer for a kept certificate, its key decrypted only in memory."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    data = filecrypt.decrypt(row.key_blob, row.fingerprint)
    if row.source == CertificateSource.PKCS12:
        key, cert, extra = pkcs12.load_key_and_certificates(data, None)
        chain = list(extra)
    else:
        key = serialization.load_der_private_key(data, None)
        cert = x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))
        chain = [ca.ca_certificate()]
    der = serialization.Encoding.DER
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]))


# -- appearances ----------------------------------------------------------------------------

def _drawn(width: float, height: float, lines: list[tuple[float, float, str]],
           size: float) -> bytes:
    """A one-page PDF of ``width`` × ``height`` points with each (x, baseline, text) of
    ``lines`` drawn shaped in the letters' font (Thai vowels and tone marks in place)."""
    from reportlab.pdfgen import canvas

    from saraban.pdf import REGULAR, register_fonts
    from saraban.pdf.thaiwrap import draw_string

    register_fonts()
    out = io.BytesIO()
    canv = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    for x, y, line in lines:
        draw_string(canv, x, y, line, REGULAR, size)
    canv.showPage()
    canv.save()
    return out.getvalue()


def _xobject(writer, drawn: bytes):
    """The page of ``drawn`` as a form XObject of ``writer`` (an indirect reference)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return writer.import_page_as_xobject(PdfFileReader(io.BytesIO(drawn)), page_ix=0)


class _DrawnPage(content.PdfContent):
    """The signature's appearance for pyhanko: a page drawn by reportlab, imported as a
    form XObject (pyhanko's own ImportedPdfPage reads it from a file)."""

    def __init__(self, drawn: bytes):
        super().__init__()
        self.drawn = drawn

    def render(self) -> bytes:
        xobj = _xobject(self._ensure_writer, self.drawn)
        self.resources.xobject["/Appearance"] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return b"/Appearance Do"


def _signature_lines(name: str, capacity_text: str, at, width: float,
                     height: float) -> tuple[list[tuple[float, float, str]], float]:
    texts = [f"ลงนามโดย {name}", capacity_text,
             f"เมื่อ {thaidate.format_datetime(at, 'long')}"]
    texts = [t for t in texts if t]
    size = max(6.0, min(14.0, (height - 4) / (1.3 * len(texts))))
    leading = 1.3 * size
    top = height - 2 - size
    return [(3.0, top - i * leading, t) for i, t in enumerate(texts)], size


# -- signing --------------------------------------------------------------------------------

def sign_letter(pdf: bytes, user, *, capacity_text: str, box=None,
                reason: str | None = None) -> bytes:
    """``pdf`` with ``user``'s certification signature (PAdES, field "signature"), which
    allows the registry to fill the letter's form fields and sign after it. ``box`` =
    (page_index, x1, y1, x2, y2) in points: a visible appearance there, in Thai, with the
    signer's name, ``capacity_text`` and the date and time in the Buddhist era."""
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    row = _current(user, registry=False)
    if row is None:
        raise OperationError("ท่านยังไม่มีใบรับรองสำหรับลงนามอิเล็กทรอนิกส์ที่ใช้งานได้",
                             "You have no current signing certificate.", status=403)
    writer = _writer(pdf)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, name=row.subject)
    field_spec = style = None
    if box is not None:
        page, x1, y1, x2, y2 = _box(box, writer)
        field_spec = fields.SigFieldSpec(SIGNATURE_FIELD, on_page=page, box=(x1, y1, x2, y2))
        lines, size = _signature_lines(row.subject, capacity_text, thaidate.now(),
                                       x2 - x1, y2 - y1)
        style = StaticStampStyle(background=_DrawnPage(_drawn(x2 - x1, y2 - y1, lines, size)),
                                 background_opacity=1.0, border_width=0)
    signer = signers.PdfSigner(meta, _signer(row), stamp_style=style,
                               new_field_spec=field_spec)
    return _sign(signer, writer)


def _writer(pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError):
        raise OperationError("ไฟล์นี้ไม่ใช่ไฟล์ PDF ที่อ่านได้", "This is not a readable PDF file.",
                             status=422) from None


def _box(box, writer) -> tuple[int, float, float, float, float]:
    try:
        page, x1, y1, x2, y2 = box
        page, coords = int(page), [float(v) for v in (x1, y1, x2, y2)]
    except (TypeError, ValueError):
        raise OperationError("ตำแหน่งลายมือชื่อไม่ถูกต้อง",
                             "The signature's box must be (page, x1, y1, x2, y2).") from None
    x1, y1, x2, y2 = min(coords[0], coords[2]), min(coords[1], coords[3]), \
        max(coords[0], coords[2]), max(coords[1], coords[3])
    pages = int(writer.root["/Pages"]["/Count"])
    if not 0 <= page < pages or x2 - x1 < 20 or y2 - y1 < 10:
        raise OperationError("ตำแหน่งลายมือชื่อไม่อยู่ในหน้าเอกสาร หรือเล็กเกินไป",
                             "The signature's box is off the document's pages or too small.")
    return page, x1, y1, x2, y2


def _sign(signer, writer) -> bytes:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import SigningError

    try:
        return signer.sign_pdf(writer).getvalue()
    except (SigningError, PdfError) as error:
        raise OperationError("ลงนามเอกสารนี้ไม่ได้ เอกสารอาจมีลายมือชื่อรับรองอยู่แล้ว หรือโครงสร้างไฟล์ไม่ถูกต้อง",
                             f"The document cannot be signed: {error}", status=409) from error


# -- the registry: the number and date filled in, and its approval signature ----------------

def _text_fields(writer) -> dict[str, object]:
    """The terminal text fields of the form, by full name, as indirect references."""
    from pyhanko.pdf_utils import generic

    found: dict[str, object] = {}
    form = writer.root.get("/AcroForm")
    if form is None:
        return found

    def walk(refs, prefix: str) -> None:
        for ref in refs:
            field = ref.get_object()
            part = field.get("/T")
            name = f"{prefix}.{part}" if prefix and part else (part or prefix)
            if "/Kids" in field and any("/T" in k.get_object() for k in field["/Kids"]):
                walk(field["/Kids"], str(name))
            elif field.get("/FT", generic.NameObject("/Tx")) == "/Tx":
                found[str(name)] = ref

    walk(form.get_object().get("/Fields", []), "")
    return found


def _border_width(widget) -> float:
    """The widget's border width: reportlab writes /BS only for a field with a border."""
    style = widget.get("/BS")
    return float(style.get_object().get("/W", 1)) if style is not None else 0.0


def _fill(writer, values: dict[str, str]) -> None:
    """Set each named text field's value and its appearance (the value in Thai, 16 pt,
    left aligned, on the baseline reportlab gives a field's own text)."""
    from pyhanko.pdf_utils import generic

    fields = _text_fields(writer)
    missing = sorted(set(values) - set(fields))
    if missing:
        raise OperationError(f"ไม่พบช่อง {', '.join(missing)} ในหนังสือ",
                             f"The letter has no field {', '.join(missing)}.", status=422)
    for name, value in values.items():
        if not isinstance(value, str):
            raise OperationError(f"ค่าของช่อง {name} ต้องเป็นข้อความ",
                                 f"The value of {name} must be text.")
        ref = fields[name]
        field = ref.get_object()
        field["/V"] = generic.TextStringObject(value)
        writer.update_container(field)
        widgets = field["/Kids"] if "/Kids" in field else [ref]
        for widget_ref in widgets:
            widget = widget_ref.get_object()
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            width, height = abs(x2 - x1), abs(y2 - y1)
            border = _border_width(widget)
            drawn = _drawn(width, height,
                           [(4 * border, height - FIELD_FONT_SIZE - 2 * border, value)],
                           FIELD_FONT_SIZE)
            widget["/AP"] = generic.DictionaryObject(
                {generic.NameObject("/N"): _xobject(writer, drawn)})
            writer.update_container(widget)


def _registry_certificate(user) -> SigningCertificate:
    row = _current(user, registry=True)
    if row is not None:
        return row
    if user is not None:
        raise OperationError("ท่านยังไม่มีใบรับรองสำหรับลงนามออกเลขทะเบียนหนังสือ",
                             "You have no current registry signing certificate.", status=403)
    return ca.issue(None, registry=True)


def fill_and_certify(pdf: bytes, values: dict[str, str], *, user=None) -> bytes:
    """In one incremental update: the text fields named in ``values`` set (the letter's
    "number" and "date"), then the registry's approval signature (field
    "registry_signature"), by ``user``'s registry certificate or, ``user`` None, the
    installation's own registry key (made by the CA when there is none). A commander's
    certification signature allows that form filling and stays intact."""
    from pyhanko.sign import fields, signers

    row = _registry_certificate(user)
    writer = _writer(pdf)
    _fill(writer, values)
    meta = signers.PdfSignatureMetadata(
        field_name=REGISTRY_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256", reason="ออกเลขทะเบียนหนังสือ", name=row.subject)
    return _sign(signers.PdfSigner(meta, _signer(row)), writer)


# -- verification ---------------------------------------------------------------------------

def _validation_context():
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    roots = []
    if ca.has_ca():
        roots.append(asn1_x509.Certificate.load(
            ca.ca_certificate().public_bytes(serialization.Encoding.DER)))
    # our CA publishes no CRL or OCSP: a revoked certificate is refused at signing
    return ValidationContext(trust_roots=roots, allow_fetching=False,
                             revocation_mode="soft-fail")


def verify(pdf: bytes) -> list[dict]:
    """Each signature of ``pdf``, in the order signed: its field, signer (common name),
    signing time (as the signer claims it), whether the signed bytes are intact, whether
    it is valid (intact, a good signature, by a certificate chaining to our CA), whether
    it covers the whole file, and pyhanko's modification level of what came after it
    (NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError):
        raise OperationError("ไฟล์นี้ไม่ใช่ไฟล์ PDF ที่อ่านได้", "This is not a readable PDF file.",
                             status=422) from None
    context = _validation_context()
    found = []
    for sig in signatures:
        entry = {"field": sig.field_name, "signer": None, "signed_at": None, "intact": False,
                 "valid": False, "covers_whole": False, "modification_level": None}
        try:
            status = validate_pdf_signature(sig, context)
        except (SignatureValidationError, PdfError, ValueError) as error:
            entry["error"] = str(error)
            found.append(entry)
            continue
        level = status.modification_level
        entry.update(
            signer=status.signing_cert.subject.native.get("common_name"),
            signed_at=status.signer_reported_dt,
            intact=bool(status.intact),
            valid=bool(status.intact and status.valid and status.trusted),
            covers_whole=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            modification_level=level.name if level is not None else None,
            docmdp_ok=status.docmdp_ok)
        found.append(entry)
    return found

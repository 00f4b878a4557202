"""Scans: recognised by content, kept as sent, stamped when the document was received."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from saraban.units.models import Unit
from tests.conftest import csrf_token_from, make_document
from tests.factories import make_receipt, make_register
from tests.pdftools import dark, raster

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00"
       b"Km)\xdc\x00\x00\x00\x15IDATx\x9cc\xfc\xff\xff?\x036\xc0\x84Ut\xd0J\x00\x00V\xd4\x03\r"
       b"7\xec\xcc\xa3\x00\x00\x00\x00IEND\xaeB`\x82")  # a readable 8 x 8 white image


def _pdf(pages: int = 2) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for i in range(pages):
        canvas.drawString(100, 400, f"scan page {i + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture()
def letter(db_session) -> int:
    """A letter of its own that สทส. received (the demo clerk's unit): a scan attached to
    it is stamped with its receipt number. Its id."""
    unit = db_session.scalar(select(Unit.id).where(Unit.short_name == "สทส."))
    document = make_document(db_session, "หนังสือทดสอบแนบไฟล์", number="กข ๐๑/๒๕๖๙",
                             sender_text="กรมตัวอย่าง", origin_unit_id=unit)
    make_receipt(db_session, document, make_register(db_session, "files", "ทะเบียนรับทดสอบ"))
    return document.id


def _upload(client, headers, doc_id, data, name="scan.pdf"):
    return client.post(f"/api/v1/documents/{doc_id}/files", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_pdf_scan_of_a_received_document_gets_a_stamped_copy(client, bearer, db_session, letter):
    h = bearer("demo-clerk")
    original = _pdf(2)
    response = _upload(client, h, letter, original)
    assert response.status_code == 201, response.json
    scan, stamped = response.json["files"]
    assert (scan["role"], stamped["role"]) == ("scan", "stamped")
    assert scan["sha256"] == hashlib.sha256(original).hexdigest()
    kept = client.get(f"/api/v1/documents/{letter}/files/{scan['id']}", headers=h)
    assert kept.data == original  # the original, unchanged
    copy = client.get(f"/api/v1/documents/{letter}/files/{stamped['id']}",
                      headers=h).data
    assert len(PdfReader(io.BytesIO(copy)).pages) == 2
    assert dark(raster(copy), 0.6, 0.0, 1.0, 0.15) > 100
    again = _upload(client, h, letter, original)
    assert [f["id"] for f in again.json["files"]] == [scan["id"], stamped["id"]]


def test_images_are_kept_by_content_not_name(client, bearer, db_session, letter):
    response = _upload(client, bearer("demo-clerk"), letter, PNG, name="photo.pdf")
    assert response.status_code == 201
    # kept as the image it is; a received letter's image is stamped too, as a PDF page
    assert [(f["role"], f["media_type"]) for f in response.json["files"]] in (
        [("scan", "image/png")], [("scan", "image/png"), ("stamped", "application/pdf")])


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(1))))
    writer.encrypt("x")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, status, words",
    [
        (b"MZ\x90\x00 an executable", "scan.pdf", 415, "ตรวจจากเนื้อไฟล์"),
        (b"<html><script>alert(1)</script>", "scan.png", 415, "PDF, PNG, JPEG, TIFF"),
        (b"", "scan.pdf", 400, "ไฟล์ว่างเปล่า"),
        (b"%PDF-1.7\n garbage", "scan.pdf", 400, "เสียหาย"),
        ("encrypted", "scan.pdf", 400, "เข้ารหัส"),
    ],
)
def test_bad_files_are_refused_in_thai_and_nothing_is_kept(client, bearer, db_session, letter, data,
                                                           name, status, words):
    if data == "encrypted":
        data = _encrypted()
    h = bearer("demo-clerk")
    response = _upload(client, h, letter, data, name)
    assert response.status_code == status and words in response.json["error"]["message_th"]
    assert client.get(f"/api/v1/documents/{letter}", headers=h).status_code == 200
    from saraban.documents.models import DocumentFile

    assert db_session.scalars(select(DocumentFile)).all() == []


def test_too_large_is_413(client, bearer, db_session, letter, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = _upload(client, bearer("demo-clerk"), letter, _pdf(1) + b" " * 20_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and response.json["error"]["message_th"]


def test_staff_may_not_attach_and_others_cannot_read(client, bearer, db_session, letter):
    memo = letter
    made = _upload(client, bearer("demo-clerk"), memo, PNG).json["files"][0]
    assert _upload(client, bearer("demo-staff"), memo, PNG).status_code in (403, 404)
    hidden = client.get(f"/api/v1/documents/{memo}/files/{made['id']}",
                        headers=bearer("demo-staff"))
    assert hidden.status_code == 404


def test_upload_from_the_document_page(login, db_session, letter):
    client = login("demo-clerk")
    memo = letter
    page = client.get(f"/documents/{memo}").get_data(as_text=True)
    response = client.post(f"/documents/{memo}/files", data={
        "csrf_token": csrf_token_from(page), "file": (io.BytesIO(_pdf(1)), "หนังสือ.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "บันทึกไฟล์แล้ว พร้อมสำเนาที่ประทับตรารับ" in page
    assert "stamped-หนังสือ.pdf" in page


def _active_pdf() -> bytes:
    """A real PDF carrying every kind of active content a scan may hide."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(2))))
    writer.add_attachment("payload.exe", b"MZ zqactive-embedded")  # /EmbeddedFiles
    root = writer._root_object
    js = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                           NameObject("/JS"): TextStringObject("app.alert('zqactive-oa')")})
    names = root["/Names"].get_object()  # made by add_attachment
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("open"), writer._add_object(js.clone(writer))])})
    root[NameObject("/OpenAction")] = writer._add_object(js)
    root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): js.clone(writer)})
    root[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js.clone(writer)})
    launch = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(99),
                                          FloatObject(99)]),
        NameObject("/A"): DictionaryObject({
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe /c zqactive-launch")})})
    media = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/RichMedia"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(9),
                                          FloatObject(9)])})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(launch),
                                               writer._add_object(media)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ACTIVE = (b"/JavaScript", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"/XFA",
          b"/RichMedia", b"zqactive")


def _active_in(data: bytes) -> list[bytes]:
    """The markers present as whole names (a font called /AAAAAA+Sarabun is no /AA)."""
    import re

    return [m for m in ACTIVE if re.search(re.escape(m) + rb"(?![A-Za-z0-9+])", data)]


def test_active_content_is_kept_in_the_evidence_but_never_served_or_stamped(
        client, bearer, db_session, letter, login):
    """A scan with JavaScript, an opening action, a launch, an embedded file, rich media and
    XFA is kept as sent (its digest is the evidence), but every PDF served (the scan, the
    stamped copy, on the page and in the API) has none of it and still shows its pages."""
    from saraban.documents.files import read
    from saraban.documents.models import DocumentFile

    original = _active_pdf()
    assert _active_in(original) == list(ACTIVE)
    h = bearer("demo-clerk")
    memo = letter
    made = _upload(client, h, memo, original)
    assert made.status_code == 201, made.json
    scan, stamped = made.json["files"]
    assert scan["sha256"] == hashlib.sha256(original).hexdigest()
    kept = db_session.get(DocumentFile, scan["id"])
    assert read(kept.file) == original  # the evidence, untouched
    page_client = login("demo-clerk")
    for file_id in (scan["id"], stamped["id"]):
        for served in (client.get(f"/api/v1/documents/{memo}/files/{file_id}", headers=h),
                       page_client.get(f"/documents/{memo}/files/{file_id}")):
            assert served.status_code == 200
            found = _active_in(served.data)
            assert found == [], (file_id, found)
            assert len(PdfReader(io.BytesIO(served.data)).pages) == 2
    stored_copy = read(db_session.get(DocumentFile, stamped["id"]).file)
    assert _active_in(stored_copy) == []  # made without it

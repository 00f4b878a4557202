"""Certified copies (สำเนาถูกต้อง): certified by a named officer, numbered, circulated, linked."""

from __future__ import annotations

from sqlalchemy import func, select

from saraban.copies.models import CertifiedCopy
from saraban.documents.models import Document, DocumentFile
from saraban.registers.models import Dispatch, Register, RegisterCounter
from saraban.units.models import Unit
from tests.conftest import csrf_token_from


def _ids(db_session):
    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    register = db_session.scalar(select(Register.id).join(Register.unit).where(
        Unit.short_name == "สทส.", Register.kind == "dispatch", Register.code == "main"))
    units = dict(db_session.execute(select(Unit.short_name, Unit.id)).all())
    return memo, register, units


def _body(register, units, **extra):
    return {"register_id": register, "certifier_name": "พ.ต.ต. สมชาย ตัวอย่าง",
            "certifier_position": "สว.ฝอ.สทส.", "to": [units["ฝอ.สงป."], units["ฝทง.สงป."]],
            "purpose": "inform", "purpose_text": "เพื่อโปรดทราบ ตามบันทึกสั่งการ ตร.", **extra}


def test_a_certified_copy_is_numbered_circulated_and_linked(client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")
    made = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                       json=_body(register, units))
    assert made.status_code == 201, made.json
    body = made.json
    assert body["number"].startswith("๐๐๓๓.๑๒/") and body["source_id"] == memo
    assert body["certifier"] == "(พ.ต.ต. สมชาย ตัวอย่าง)\nสว.ฝอ.สทส."
    assert sorted(t["to_unit_id"] for t in body["transfers"]) == sorted(
        [units["ฝอ.สงป."], units["ฝทง.สงป."]])
    copy = db_session.get(Document, body["copy_id"])
    assert copy.subject.endswith("(สำเนาถูกต้อง)") and copy.references[0].target_id == memo
    assert db_session.scalar(select(Dispatch.number_text).where(
        Dispatch.document_id == copy.id)) == body["number"]
    link = db_session.scalar(select(CertifiedCopy).where(CertifiedCopy.copy_id == copy.id))
    assert link.source_id == memo
    # its remarks carry a code that /verify confirms, naming the certifier
    code = copy.remarks.split("รหัสตรวจสอบสำเนา ")[1].split()[0]
    html = client.application.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "สำเนาถูกต้อง" in html and "พ.ต.ต. สมชาย ตัวอย่าง" in html
    # the original's history shows the copy; the destination finds it in its inbox
    history = client.get(f"/api/v1/documents/{memo}/history", headers=clerk).json["events"]
    assert any(e["kind"] == "certified_copy" and e["number"] == body["number"] for e in history)
    # the clerk who keeps ฝอ.สงป.'s register receives its copy; staff of สงป. take in
    # only the copy for ฝทง.สงป., which keeps no register
    from tests.conftest import make_user

    make_user(db_session, "clerk-budget", units=[db_session.get(Unit, units["ฝอ.สงป."])],
              role="clerk")
    db_session.commit()
    waiting = client.get("/api/v1/transfers/inbox", headers=bearer("clerk-budget")).json["items"]
    assert body["copy_id"] in {t["document_id"] for t in waiting}
    staff = client.get("/api/v1/transfers/inbox", headers=bearer("demo-staff")).json["items"]
    assert [t["to_unit_id"] for t in staff if t["document_id"] == body["copy_id"]] == [
        units["ฝทง.สงป."]]


def test_the_copy_is_made_from_the_stamped_file_and_stored_as_its_own(
        client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")
    import io

    from saraban.documents.files import read
    from saraban.pdf.stamp import stamp_pdf

    pdf = stamp_pdf("ต้นฉบับ", 1, None)  # any real one-page PDF
    sent = client.post(f"/api/v1/documents/{memo}/files", headers=clerk,
                       data={"file": (io.BytesIO(pdf), "memo.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    made = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                       json=_body(register, units, to=[]))
    assert made.status_code == 201, made.json
    files = db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == made.json["copy_id"])).all()
    originals = db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == memo)).all()
    assert [f.role.value for f in files] == ["certified"]
    # a derivative of the stamped scan (it shows the receipt), not the same bytes
    stamped = [f for f in originals if f.role.value == "stamped"]
    assert files[0].file_id not in {f.file_id for f in originals}
    assert files[0].file.sha256 != stamped[0].file.sha256
    text = _page_text(read(files[0].file), 1)
    assert "เลขรับ" in text and "ต้นฉบับ" in text and "สำเนาถูกต้อง" in text
    assert made.json["transfers"] == []


def test_refusals_save_nothing_and_give_no_number(client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")

    def state():
        return (db_session.scalar(select(func.count()).select_from(Document)),
                db_session.scalar(select(func.coalesce(func.sum(RegisterCounter.last_number), 0))
                                  .where(RegisterCounter.register_id == register)))

    before = state()
    cases = [
        (_body(register, units, certifier_name=""), 400, "ชื่อผู้รับรองสำเนา"),
        (_body(register, units, to=[999_999]), 404, "ไม่พบหน่วยปลายทาง"),
        (_body(register, units, due_date="๓๒ ธ.ค. ๖๙"), 400, "กำหนดเสร็จ"),
        (_body(units["ฝอ.สงป."], units), 400, "ทะเบียนหนังสือส่ง"),
        (_body("x", units), 400, "ทะเบียนหนังสือส่ง"),
    ]
    for body, status, thai in cases:
        answer = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                             json=body)
        assert answer.status_code == status, (body, answer.json)
        assert thai in answer.json["error"]["message_th"], answer.json
    assert state() == before
    assert client.post("/api/v1/documents/999999/certified-copies", headers=clerk,
                       json=_body(register, units)).status_code == 404


def test_top_secret_is_not_copied_electronically(client, bearer, db_session):
    from tests.conftest import make_document, name_reader

    _, register, units = _ids(db_session)
    doc = make_document(db_session, subject="ลับที่สุด", secrecy=3,
                        origin_unit_id=units["สทส."])
    name_reader(db_session, doc, "demo-admin")
    db_session.commit()
    answer = client.post(f"/api/v1/documents/{doc.id}/certified-copies",
                         headers=bearer("demo-admin"), json=_body(register, units))
    assert answer.status_code == 409 and "ลับที่สุด" in answer.json["error"]["message_th"]


def test_the_page_form_makes_a_copy_and_opens_it(login, db_session):
    memo, register, units = _ids(db_session)
    client = login("demo-clerk")
    page = client.get(f"/documents/{memo}").get_data(as_text=True)
    assert "ทำสำเนาถูกต้องและเวียน" in page
    answer = client.post(f"/documents/{memo}/certified-copies", data={
        "csrf_token": csrf_token_from(page), "register_id": str(register),
        "certifier_name": "พ.ต.ต. สมชาย ตัวอย่าง", "certifier_position": "สว.ฝอ.สทส.",
        "to": [str(units["ฝอ.สงป."])], "purpose": "inform"}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "ทำสำเนาถูกต้องแล้ว ที่ ๐๐๓๓.๑๒/" in text and "(สำเนาถูกต้อง)" in text


# the certification on the paper (ข้อ ๒๘): every page of the copy's own file carries it

def _letter(pages: int = 2, word: str = "ต้นฉบับ") -> bytes:
    """An original of ``pages`` A4 pages, its Thai text down to the usual bottom margin."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.ttfonts import shapeStr
    from reportlab.pdfgen.canvas import Canvas

    from saraban.pdf import REGULAR, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for page in range(pages):
        canvas.setFont(REGULAR, 12)
        for i in range(36):  # from 30 pt below the top to 50 pt above the foot
            line = f"{word}หน้า {page + 1} แถว {i + 1}"  # no marks that read back lossy
            canvas.drawString(60, A4[1] - 30 - 21 * i, shapeStr(line, REGULAR, 12))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _copy_of(client, clerk, db_session, data: bytes, filename: str = "memo.pdf"):
    """Attach ``data`` to the memo, certify a copy; the answer, the copy's file and its bytes."""
    import io

    from saraban.documents.files import read

    memo, register, units = _ids(db_session)
    sent = client.post(f"/api/v1/documents/{memo}/files", headers=clerk,
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    made = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                       json=_body(register, units, to=[]))
    assert made.status_code == 201, made.json
    copy_file = db_session.scalar(select(DocumentFile).where(
        DocumentFile.document_id == made.json["copy_id"]))
    return made.json, copy_file, read(copy_file.file)


def _pdftotext(pdf: bytes, *args: str) -> str:
    import subprocess

    from tests.pdftools import need

    return subprocess.run([need("pdftotext"), *args, "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def _page_text(pdf: bytes, page: int) -> str:
    return " ".join(_pdftotext(pdf, "-f", str(page), "-l", str(page)).split())


def test_every_page_of_the_copy_carries_the_certification(client, bearer, db_session):
    import datetime as dt

    import time_machine
    from pypdf import PdfReader

    from saraban.documents.files import read

    clerk = bearer("demo-clerk")
    original = _letter(3)
    # 20.30 UTC on 25 Nov is 03.30 on 26 Nov in Bangkok: the copy is certified on the 26th
    with time_machine.travel(dt.datetime(2019, 11, 25, 20, 30, tzinfo=dt.UTC), tick=False):
        answer, copy_file, pdf = _copy_of(client, clerk, db_session, original)
    memo = answer["source_id"]
    sources = db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == memo)).all()
    # a file of its own, stored under its own SHA-256; the original's files are untouched
    assert copy_file.role.value == "certified" and copy_file.filename.endswith(".pdf")
    assert copy_file.file_id not in {f.file_id for f in sources}
    assert [read(f.file) for f in sources if f.role.value == "scan"] == [original]
    assert len(PdfReader(__import__("io").BytesIO(pdf)).pages) == 3
    copy = db_session.get(Document, answer["copy_id"])
    code = copy.remarks.split("รหัสตรวจสอบสำเนา ")[1].split()[0]
    for page in (1, 2, 3):
        text = _page_text(pdf, page)
        assert f"ต้นฉบับหน้า {page} แถว 36" in text  # the original's text, all of it
        for expected in ("สำเนาถูกต้อง", "(พ.ต.ต. สมชาย ตัวอย่าง)", "สว.ฝอ.สทส.",
                         "วันที่ ๒๖ พ.ย. ๒๕๖๒", f"รหัสตรวจสอบสำเนา {code}",
                         f"/verify/{code}", f"สำเนาหน้า {'๑๒๓'[page - 1]} / ๓"):
            assert expected in text, (page, expected, text)
    assert "......................" in _page_text(pdf, 1)  # the line to sign on
    # the code on the paper is the one /verify confirms
    html = client.application.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "สำเนาถูกต้อง" in html and "พ.ต.ต. สมชาย ตัวอย่าง" in html


def test_the_certification_hides_none_of_the_originals_text(client, bearer, db_session):
    """pdftotext -bbox: the original's lines stay above the band, the certification in it."""
    import html
    import re

    _, _, pdf = _copy_of(client, bearer("demo-clerk"), db_session, _letter(1))
    out = _pdftotext(pdf, "-bbox")
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    words = [(html.unescape(m[4]), float(m[1]), float(m[2]), float(m[3])) for m in re.finditer(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
        out)]
    mark_top = min(y0 for w, y0, _, _ in words if w == "สำเนาถูกต้อง")
    original = [(w, y1) for w, _, _, y1 in words if w.startswith("ต้นฉบับ")]
    assert len(original) == 36  # a span a line, read back whole
    assert max(y1 for _, y1 in original) < mark_top < height  # nothing of it under the mark


def test_an_image_scan_is_certified_as_a_pdf(client, bearer, db_session):
    import io

    from PIL import Image, ImageDraw

    from tests.pdftools import dark, raster

    image = Image.new("L", (1240, 1754), 255)
    ImageDraw.Draw(image).rectangle((100, 100, 1140, 1654), outline=0, width=12)
    png = io.BytesIO()
    image.save(png, "PNG")
    _, copy_file, pdf = _copy_of(client, bearer("demo-clerk"), db_session, png.getvalue(),
                                 "scan.png")
    assert copy_file.file.media_type == "application/pdf" and pdf.startswith(b"%PDF")
    text = _page_text(pdf, 1)
    assert "สำเนาถูกต้อง" in text and "(พ.ต.ต. สมชาย ตัวอย่าง)" in text
    page = raster(pdf)
    assert dark(page, 0.1, 0.1, 0.9, 0.8) > 100  # the scan, shrunk a little
    assert dark(page, 0.55, 0.9, 1.0, 1.0) > 100  # the certification at the foot, right


def test_a_copy_of_an_unreadable_file_is_refused_and_saves_nothing(client, bearer, db_session):
    import io

    from saraban.documents.files import file_path
    from saraban.registers.models import RegisterCounter

    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")
    sent = client.post(f"/api/v1/documents/{memo}/files", headers=clerk,
                       data={"file": (io.BytesIO(_letter(1, "เสียหาย")), "memo.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    for f in sent.json["files"]:  # the scan and its stamped copy, damaged on disk
        file_path(f["sha256"]).write_bytes(b"%PDF-1.7\n" + b"\x00" * 64)

    def state():
        return (db_session.scalar(select(func.count()).select_from(Document)),
                db_session.scalar(select(func.coalesce(func.sum(RegisterCounter.last_number), 0))
                                  .where(RegisterCounter.register_id == register)))

    before = state()
    answer = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                         json=_body(register, units, to=[]))
    assert answer.status_code == 422, answer.json
    assert "รับรองสำเนาไม่ได้" in answer.json["error"]["message_th"]
    assert state() == before


def test_rotated_and_offset_pages_are_certified_in_their_visible_box():
    """A page turned by /Rotate and one whose boxes do not start at (0, 0): the band is at
    the foot of what a viewer shows, the content above it, nothing lost."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, RectangleObject
    from reportlab.lib.units import mm

    from saraban.pdf.certify import BAND, Certification, certify_onto
    from tests.pdftools import dark, raster

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_letter(2, "หมุน"))))
    writer.pages[0].rotate(90)
    second = writer.pages[1]
    for name in ("/MediaBox", "/CropBox"):
        second[NameObject(name)] = RectangleObject([-100, -50, 495.28, 791.89])
    out = io.BytesIO()
    writer.write(out)
    cert = Certification("พ.ต.ต. สมชาย ตัวอย่าง", "สว.ฝอ.สทส.", "๒๖ พ.ย. ๒๕๖๒", "ABCD-EFGH")
    pdf = certify_onto(out.getvalue(), cert)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in (1, 2):
        text = _page_text(pdf, page)
        assert "สำเนาถูกต้อง" in text and "รหัสตรวจสอบสำเนา ABCD-EFGH" in text, (page, text)
        image = raster(pdf, page, cropbox=True)
        height = float(reader.pages[page - 1].cropbox.height)
        band, foot = BAND / height, 15 * mm / height  # name, position and date: 15 mm
        assert dark(image, 0.55, 1 - band, 1.0, 1 - foot) > 20, page  # the mark
        assert dark(image, 0.55, 1 - foot, 1.0, 1.0) > 20, page  # the lines under it, whole
        assert dark(image, 0.0, 0.0, 1.0, 1 - band) > 20, page  # the page, above it

"""Paper in, end to end: a clerk uploads a pile of scans, the reader (Tesseract, outside the
request) prefills each letter, the clerk confirms and registers them one after another,
each getting its number as it is; the scan is kept stamped in blank space and its text is
searchable, marked as machine-read."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from saraban.extensions import db
from saraban.validation import OperationError
from tests.conftest import csrf_token_from, log_in, make_unit, make_user

LETTERS = Path(__file__).parent / "data" / "letters"


def _need_tesseract() -> None:
    from saraban.intake import ocr

    if not ocr.available():
        message = "Tesseract with Thai data is not installed (apt-get install tesseract-ocr " \
                  "tesseract-ocr-tha)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _letter_pdf(number: str = "ว๔๐๙๙", subject: str | None = None) -> bytes:
    from saraban.pdf.letter import render_letter

    d = json.loads((LETTERS / "dga_4099.json").read_text(encoding="utf-8"))
    fields = dict(d["fields"], subject=subject or d["fields"]["subject"])
    return render_letter("external", fields, d["body"].splitlines()[0], d["letterhead"],
                         number=number, date=dt.date(2019, 11, 1)).pdf


def _scan_png(pdf: bytes, dpi: int = 300) -> bytes:
    """The letter as a scanner's greyscale image (no text layer: only what OCR reads;
    about 300 kB a page at 300 dpi)."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed")
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(out)).convert("L")
    data = io.BytesIO()
    image.save(data, "PNG", optimize=True, dpi=(dpi, dpi))
    return data.getvalue()


@pytest.fixture()
def office(app, db_session):
    from saraban.registers.models import Register

    tag = uuid.uuid4().hex[:6]
    unit = make_unit(db_session, f"สงป{tag}", name_th="สำนักงานงบประมาณและการเงิน")
    other = make_unit(db_session, f"อื่น{tag}")
    register = Register(unit=unit, kind="receipt", code=f"r-{tag}", name="ทะเบียนรับทดสอบ")
    db_session.add(register)
    db_session.flush()
    return {"unit": unit, "register": register,
            "clerk": make_user(db_session, f"c-{tag}", units=[unit], role="clerk"),
            "outsider": make_user(db_session, f"o-{tag}", units=[other], role="clerk")}


def _read_all() -> None:
    from saraban.intake.cli import read_pending

    read_pending()


def test_a_pile_is_read_prefilled_and_registered_one_after_another(app, office, db_session):
    from saraban.documents.models import Document, DocumentFile
    from saraban.intake import operations as ops
    from saraban.intake.models import IntakeDraft

    _need_tesseract()
    o = office
    files = [("ว๔๐๙๙.png", _scan_png(_letter_pdf())),
             ("ว๔๑๐๐.png", _scan_png(_letter_pdf("ว๔๑๐๐", "ขอเชิญประชุมคณะทำงานด้านข้อมูล")))]
    with pytest.raises(OperationError) as refused:
        ops.accept_scans(o["outsider"], files)
    assert refused.value.status == 403
    with pytest.raises(OperationError):
        ops.accept_scans(o["clerk"], [("letter.pdf", b"not a scan at all")])
    batch = ops.accept_scans(o["clerk"], files)
    ids = [d.id for d in batch.drafts]
    assert [d.status for d in batch.drafts] == ["ocr_pending", "ocr_pending"]
    db_session.commit()
    _read_all()  # the reader, outside any request
    db_session.expire_all()
    first = db.session.get(IntakeDraft, ids[0])
    assert first.status == "ready" and first.pages == 1
    fields = {k: v["value"] for k, v in first.fields.items()}
    # what the reader must get right is measured over its corpus (tests/test_intake_ocr.py,
    # bench/bench_intake.py); here: that each field comes through with where it was read
    assert fields["number"].endswith("/ว๔๐๙๙")
    assert fields["subject"].startswith("ขอแจ้งผลการสำรวจระดับความพร้อม")
    assert all(0 <= v <= 1 for v in first.fields["subject"]["box"])
    assert first.stamp_place is not None
    # the clerk confirms each in turn, with the keyboard, through the page
    client = log_in(_client(app), o["clerk"].username)
    page = client.get(f"/intake/{ids[0]}").get_data(as_text=True)
    assert 'class="read-box"' in page and "ความมั่นใจ" in page
    image = client.get(f"/intake/{ids[0]}/page.png")
    assert image.status_code == 200 and image.mimetype == "image/png", image.status_code
    token = csrf_token_from(page)
    form = {"csrf_token": token, "register_id": str(o["register"].id),
            "form_key": f"intake-{ids[0]}", "number": fields["number"], "date": "๑ พ.ย. ๒๕๖๒",
            "sender": "สำนักงานพัฒนารัฐบาลดิจิทัล", "subject": fields["subject"],
            "addressee": "ผู้บัญชาการตำรวจแห่งชาติ", "enclosures": "ผลการสำรวจ\nข้อเสนอแนะ"}
    done = client.post(f"/intake/{ids[0]}/register", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/intake/{ids[1]}")
    assert "ลงรับแล้ว เลขรับ ๑" in client.get(done.headers["Location"]).get_data(as_text=True)
    again = client.post(f"/intake/{ids[0]}/register", data=form)  # a double click
    assert again.status_code == 302
    db_session.expire_all()
    registered = db.session.get(IntakeDraft, ids[0])
    assert registered.status == "registered"
    document = db.session.get(Document, registered.document_id)
    assert document.machine_text and "สำรวจ" in document.machine_text
    assert [e.description for e in document.enclosures] == ["ผลการสำรวจ", "ข้อเสนอแนะ"]
    roles = sorted(f.role for f in db_session.query(DocumentFile).filter_by(
        document_id=document.id))
    assert roles == ["scan", "stamped"]  # an image scan is stamped too (as a PDF)
    from saraban.registers.models import Receipt

    assert db_session.query(Receipt).filter_by(register_id=o["register"].id).count() == 1
    assert "อ่านด้วยเครื่อง" in client.get(f"/documents/{document.id}").get_data(as_text=True)
    # the machine-read text is searchable
    found = client.get("/documents/?q=ข้อเสนอแนะเพื่อยกระดับ").get_data(as_text=True)
    assert document.subject in found


def test_the_api_takes_scans_and_registers_them(app, office, db_session, bearer):
    _need_tesseract()
    o = office
    client = _client(app)
    headers = bearer(o["clerk"].username)
    png = _scan_png(_letter_pdf("ว๕๐๐๐"))
    answer = client.post("/api/v1/intake/scans", headers=headers,
                         data={"files": [(io.BytesIO(png), "scan.png")]},
                         content_type="multipart/form-data")
    assert answer.status_code == 202, answer.get_data(as_text=True)
    draft_id = answer.json["drafts"][0]
    assert client.get(f"/api/v1/intake/drafts/{draft_id}", headers=headers
                      ).json["status"] == "ocr_pending"
    db_session.commit()
    _read_all()
    read = client.get(f"/api/v1/intake/drafts/{draft_id}", headers=headers).json
    assert read["status"] == "ready" and read["fields"]["number"]["value"].endswith("/ว๕๐๐๐")
    fields = {k: v["value"] for k, v in read["fields"].items() if k in (
        "number", "date", "subject", "addressee")}
    fields["sender"] = "สำนักงานพัฒนารัฐบาลดิจิทัล"
    fields["date"] = "2019-11-01"  # confirmed by the clerk whatever was read
    done = client.post(f"/api/v1/intake/drafts/{draft_id}/register", headers=headers,
                       json={"register_id": o["register"].id, "fields": fields})
    assert done.status_code == 201 and done.json["number"] >= 1, done.get_data(as_text=True)
    twice = client.post(f"/api/v1/intake/drafts/{draft_id}/register", headers=headers,
                        json={"register_id": o["register"].id, "fields": fields})
    assert twice.status_code == 409
    other = _client(app)
    hidden = other.get(f"/api/v1/intake/drafts/{draft_id}",
                       headers=bearer(o["outsider"].username))
    assert hidden.status_code == 404


def test_one_pdf_of_many_letters_is_split_at_its_blank_page(app, office, db_session):
    from pypdf import PdfReader, PdfWriter

    from saraban.intake import operations as ops

    o = office
    writer = PdfWriter()
    for part in (_letter_pdf(), _blank_pdf(), _letter_pdf("ว๔๑๐๐")):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    batch = ops.accept_scans(o["clerk"], [("pile.pdf", out.getvalue())], split=True)
    assert [d.filename for d in batch.drafts] == ["pile-1.pdf", "pile-2.pdf"]


def _blank_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _client(app):
    from tests.conftest import IsolatedClient

    return IsolatedClient(app, app.response_class, use_cookies=True)


def test_the_queue_is_the_receiving_clerks_own(app, office, db_session):
    o = office
    client = log_in(_client(app), o["outsider"].username)
    assert client.get("/intake").status_code in (200, 403)
    staff = make_user(db_session, units=[o["unit"]])
    assert log_in(_client(app), staff.username).get("/intake").status_code == 403
    page = log_in(_client(app), o["clerk"].username).get("/intake").get_data(as_text=True)
    assert re.search(r'name="scans"[^>]*multiple', page)

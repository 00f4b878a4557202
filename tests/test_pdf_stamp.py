"""The receipt stamp as a PDF and on a received scan, checked as a person would: rasterised."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from saraban.pdf.stamp import StampError, stamp_lines, stamp_onto, stamp_pdf
from saraban.thaidate import BANGKOK
from tests.pdftools import dark, raster

AT = dt.datetime(2019, 11, 11, 14, 50, tzinfo=BANGKOK)








def test_stamp_lines_in_thai_digits():
    assert stamp_lines("สทส.", 4323, AT) == [
        "สทส.", "เลขรับ ๔๓๒๓", "วันที่ ๑๑ พ.ย. ๒๕๖๒", "เวลา ๑๔.๕๐ น."]
    assert stamp_lines("ตร.", 30987, AT, time_known=False)[3] == "เวลา ................"
    utc = dt.datetime(2019, 12, 20, 8, 55, tzinfo=dt.UTC)  # 15.55 in Bangkok
    assert stamp_lines("ฝอ.สงป.", 553, utc)[2:] == ["วันที่ ๒๐ ธ.ค. ๒๕๖๒", "เวลา ๑๕.๕๕ น."]


def test_stamp_pdf_has_embedded_fonts_and_the_stamp_top_right():
    pdf = stamp_pdf("สง.ผู้ช่วย ผบ.ตร.(ปร ๓/มค ๕)", 5063, AT)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    image = raster(pdf)
    assert dark(image, 0.6, 0.0, 1.0, 0.2) > 200  # the stamp
    assert dark(image, 0.0, 0.3, 1.0, 1.0) == 0  # nothing else on the page


def _three_pages(rotate_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for i in range(3):
        canvas.setFont("Helvetica", 40)
        canvas.drawString(100, 400, f"Page {i + 1}")
        canvas.showPage()
    canvas.save()
    if not rotate_first:
        return buffer.getvalue()
    writer = PdfWriter(clone_from=PdfReader(buffer))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("rotated", [False, True])
def test_stamp_onto_a_scan_keeps_pages_and_the_original(rotated):
    original = _three_pages(rotated)
    before = bytes(original)
    stamped = stamp_onto(original, "สทส.", 4323, AT)
    assert original == before
    assert len(PdfReader(io.BytesIO(stamped)).pages) == 3
    page = raster(stamped)
    assert dark(page, 0.6, 0.0, 1.0, 0.15) > 100  # the stamp, top right as the page is read
    assert dark(raster(original), 0.6, 0.0, 1.0, 0.15) == 0
    assert dark(raster(stamped, page=2), 0.6, 0.0, 1.0, 0.15) == 0  # only the first page


def test_encrypted_and_damaged_pdfs_are_refused_in_thai():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_three_pages())))
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(StampError, match="เข้ารหัส"):
        stamp_onto(encrypted.getvalue(), "สทส.", 1, AT)
    for junk in (b"not a pdf", b"%PDF-1.7\n" + b"\x00" * 200, _three_pages()[:400]):
        with pytest.raises(StampError, match="เสียหาย"):
            stamp_onto(junk, "สทส.", 1, AT)


def test_stamp_from_the_api_and_the_page(client, login, db_session):
    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.registers.models import Receipt

    receipt_id = db_session.scalar(select(Receipt.id).where(Receipt.number == 4323))
    admin = db_session.scalar(select(User).where(User.username == "demo-admin"))
    staff = db_session.scalar(select(User).where(User.username == "demo-staff"))
    tokens = {u.username: create_token(u) for u in (admin, staff)}
    db_session.commit()
    response = client.get(f"/api/v1/receipts/{receipt_id}/stamp.pdf",
                          headers={"Authorization": f"Bearer {tokens['demo-admin']}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert dark(raster(response.data), 0.6, 0.0, 1.0, 0.2) > 200
    hidden = client.get(f"/api/v1/receipts/{receipt_id}/stamp.pdf",
                        headers={"Authorization": f"Bearer {tokens['demo-staff']}"})
    assert hidden.status_code == 404
    page = login("demo-clerk").get(f"/receipts/{receipt_id}/stamp.pdf")
    assert page.status_code == 200 and page.data.startswith(b"%PDF")


@pytest.mark.parametrize("box", [[50, 60, 545, 780], [-100, -50, 495.28, 791.89]])
def test_stamp_lands_inside_the_box_a_viewer_shows(box):
    """A scan whose CropBox is smaller than its MediaBox, or whose boxes do not start at
    (0, 0): the stamp sits at the top right of what is shown, whole."""
    from pypdf.generic import NameObject, RectangleObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_three_pages())))
    page = writer.pages[0]
    page[NameObject("/CropBox")] = RectangleObject(box)
    if box[0] < 0:
        page[NameObject("/MediaBox")] = RectangleObject(box)
    out = io.BytesIO()
    writer.write(out)
    stamped = stamp_onto(out.getvalue(), "สทส.", 4323, AT)
    image = raster(stamped, dpi=100, cropbox=True)  # what a viewer shows
    assert dark(image, 0.6, 0.02, 0.95, 0.16) > 200  # the stamp, top right of what is shown
    # with its 10 mm margins left white: whole, not cut by the edge
    assert dark(image, 0.5, 0.0, 1.0, 0.02) == 0 and dark(image, 0.96, 0.0, 1.0, 0.3) == 0

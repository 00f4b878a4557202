"""The certification of a certified copy (สำเนาถูกต้อง) on every page of the copy's PDF.

ข้อ ๒๘ of the regulation: a copy is certified on the copy itself with "สำเนาถูกต้อง", the
certifier's signature, name in brackets, position and date. ``certify_onto`` makes a new PDF
(the original file is never changed) whose every page carries, in a band at its foot: at the
right the mark, a dotted line to sign on, "(name)", position and the date; at the left the
copy's verification code, the address that confirms it and "หน้า ๑ / ๓". So that the mark
hides nothing, each page's content is scaled down a little (kept whole, top centred) to free
that band: a scan has no blank area one could find without rendering it. An image scan
(PNG, JPEG, TIFF) becomes one PDF page a frame, fitted to A4, then certified the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.stamp import MARGIN, STAMP_BLUE, StampError, opened_for
from saraban.pdf.thaiwrap import draw_string
from saraban.thaidate import to_thai_digits

__all__ = ["BAND", "Certification", "certify_onto", "image_pdf"]

BAND = 28 * mm  # the foot of each page kept for the certification
BLOCK_W = 75 * mm  # the signature block, at the right
MARK = "สำเนาถูกต้อง"
SIGN_LINE = "." * 45


@dataclass(frozen=True)
class Certification:
    """What the certifier writes on each page."""
    name: str  # "พ.ต.ต. สมชาย ตัวอย่าง", printed "(พ.ต.ต. สมชาย ตัวอย่าง)"
    position: str  # "สว.ฝอ.สทส."
    date_text: str  # the Bangkok date in Thai digits, "๒๖ พ.ย. ๒๕๖๒"
    code: str  # the verification code as printed, "ABCD-EFGH"

    def lines(self) -> list[str]:
        """The signature block, top to bottom (the dotted line second)."""
        return [MARK, SIGN_LINE, f"({self.name})", self.position, f"วันที่ {self.date_text}"]

    def code_lines(self, page: int, pages: int) -> list[str]:
        return [f"รหัสตรวจสอบสำเนา {self.code}", f"ตรวจได้ที่ /verify/{self.code}",
                f"สำเนาหน้า {to_thai_digits(page)} / {to_thai_digits(pages)}"]


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The size, at most ``size``, at which ``text`` fits ``width`` (never below 6)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw(canvas: Canvas, left: float, bottom: float, width: float, cert: Certification,
          page: int, pages: int) -> None:
    """The band's content, its bottom-left corner at (left, bottom)."""
    canvas.saveState()
    canvas.setFillColor(STAMP_BLUE)
    right = left + width - MARGIN
    centre = right - BLOCK_W / 2
    mark, sign, *rest = cert.lines()
    # baselines above the page's foot: the mark, room to sign on the dots, then name,
    # position and date; the lowest stays 5 mm clear of the edge a printer cannot reach
    draw_string(canvas, centre, bottom + 23.5 * mm, mark, BOLD, _fit(mark, BOLD, 12, BLOCK_W),
                anchor="centre")
    draw_string(canvas, centre, bottom + 17.5 * mm, sign, REGULAR, 9, anchor="centre")
    for i, line in enumerate(rest):
        draw_string(canvas, centre, bottom + (13.3 - 4.1 * i) * mm, line, REGULAR,
                    _fit(line, REGULAR, 9, BLOCK_W), anchor="centre")
    room = width - 2 * MARGIN - BLOCK_W - 4 * mm
    for i, line in enumerate(cert.code_lines(page, pages)):
        draw_string(canvas, left + MARGIN, bottom + (14 - 4 * i) * mm, line, REGULAR,
                    _fit(line, REGULAR, 9, room))
    canvas.restoreState()


def certify_onto(pdf: bytes, cert: Certification) -> bytes:
    """A new PDF: each page of ``pdf`` scaled to free a band at its foot, with the
    certification in that band. Refuses an encrypted, empty or damaged PDF (StampError)."""
    with opened_for("รับรองสำเนา"):
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise StampError("ไฟล์ PDF มีการเข้ารหัส ไม่สามารถรับรองสำเนาได้")
        writer = PdfWriter(clone_from=reader)
        pages = len(writer.pages)
        if not pages:
            raise StampError("ไฟล์ PDF ไม่มีหน้าเอกสาร")
        register_fonts()
        boxes = []
        for page in writer.pages:
            if page.get("/Rotate"):
                page.transfer_rotation_to_content()
            box = page.cropbox  # what a viewer shows and a printer prints
            boxes.append((float(box.left), float(box.bottom), float(box.width),
                          float(box.height)))
        # one overlay page a page, all in one document (the fonts embedded once)
        overlay = io.BytesIO()
        canvas = Canvas(overlay, initialFontName=REGULAR)
        for number, (_, _, width, height) in enumerate(boxes, 1):
            canvas.setPageSize((width, height))  # moved onto the page's box when merged
            _draw(canvas, 0, 0, width, cert, number, pages)
            canvas.showPage()
        canvas.save()
        marks = PdfReader(overlay).pages
        for page, mark, (left, bottom, width, height) in zip(writer.pages, marks, boxes,
                                                             strict=True):
            scale = (height - BAND) / height
            # keep the top edge and the centre line where they were
            page.add_transformation(Transformation().scale(scale).translate(
                (left + width / 2) * (1 - scale), (bottom + height) * (1 - scale)))
            page.merge_transformed_page(mark, Transformation().translate(left, bottom))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def image_pdf(data: bytes) -> bytes:
    """An image scan (each frame of a TIFF) as PDF pages, each fitted to an A4 page in the
    image's orientation; refuses an image that cannot be read (StampError)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader

    try:
        image = Image.open(io.BytesIO(data))
        out = io.BytesIO()
        canvas = Canvas(out, pageCompression=1)
        for frame in ImageSequence.Iterator(image):
            frame = frame.convert("RGB") if frame.mode not in ("RGB", "L", "1") else frame
            w, h = frame.size
            size = landscape(A4) if w > h else A4
            scale = min(size[0] / w, size[1] / h)
            canvas.setPageSize(size)
            canvas.drawImage(ImageReader(frame.copy()), (size[0] - w * scale) / 2,
                             (size[1] - h * scale) / 2, w * scale, h * scale)
            canvas.showPage()
        canvas.save()
        return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise StampError("ไฟล์ภาพเสียหาย อ่านไม่ได้") from error

"""The receipt stamp (ตรารับ): unit, เลขรับ, วันที่, เวลา in Thai digits, top right.

``stamp_pdf`` makes it as a page of its own; ``stamp_onto`` puts it on the first page of
a received PDF, as a new file (the original is never changed): where the clerk placed it, or
else in blank space near the top right found on the page's image (``find_place``), on a white
backing; the top right corner inside the margins when the page has no such space.
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import LimitReachedError, PyPdfError
from reportlab.lib.colors import Color, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.sanitize import strip_writer
from saraban.pdf.thaiwrap import draw_string
from saraban.thaidate import BANGKOK, format_date, format_time, to_thai_digits

STAMP_BLUE = Color(0.09, 0.2, 0.6)
BOX_W, BOX_H, MARGIN = 62 * mm, 27 * mm, 10 * mm


class StampError(ValueError):
    """A PDF that cannot be stamped; the message is in Thai."""


@contextmanager
def opened_for(doing: str):
    """Around reading and changing a PDF that someone uploaded: every way it can fail
    becomes a StampError whose Thai says what could not be done (``doing``, e.g.
    "ประทับตรารับ")."""
    try:
        yield
    except StampError:
        raise
    except (LimitReachedError, RecursionError) as error:  # e.g. a content stream bomb
        raise StampError(f"ไฟล์ PDF ซับซ้อนหรือขยายตัวเกินกว่าที่ระบบจะ{doing}ได้") from error
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise StampError("ไฟล์ PDF เสียหาย อ่านไม่ได้") from error


def stamp_lines(unit_name: str, number, received_at: dt.datetime | None,
                time_known: bool = True) -> list[str]:
    """The stamp's four lines, as the paper stamp reads."""
    local = received_at.astimezone(BANGKOK) if received_at else None
    date = format_date(local) if local else "................"
    time = format_time(local) if local and time_known else "................"
    return [unit_name, f"เลขรับ {to_thai_digits(number)}", f"วันที่ {date}", f"เวลา {time}"]


def draw_stamp(canvas: Canvas, x_right: float, y_top: float, unit_name: str, number,
               received_at: dt.datetime | None, time_known: bool = True, *,
               backing: bool = False) -> None:
    """Draw the stamp with its top-right corner at (x_right, y_top); with ``backing``, on
    white (whatever is under it is hidden)."""
    register_fonts()
    lines = stamp_lines(unit_name, number, received_at, time_known)
    x, y = x_right - BOX_W, y_top - BOX_H
    canvas.saveState()
    if backing:
        canvas.setFillColor(white)
        canvas.roundRect(x, y, BOX_W, BOX_H, 2 * mm, stroke=0, fill=1)
    canvas.setStrokeColor(STAMP_BLUE)
    canvas.setFillColor(STAMP_BLUE)
    canvas.setLineWidth(1.2)
    canvas.roundRect(x, y, BOX_W, BOX_H, 2 * mm)
    # the unit's name, bold and centred, shrunk to fit the box
    size = 12.0
    while size > 7 and pdfmetrics.stringWidth(lines[0], BOLD, size) > BOX_W - 6 * mm:
        size -= 0.5
    draw_string(canvas, x + BOX_W / 2, y_top - 6.5 * mm, lines[0], BOLD, size, anchor="centre")
    canvas.line(x + 3 * mm, y_top - 8.3 * mm, x_right - 3 * mm, y_top - 8.3 * mm)
    for i, line in enumerate(lines[1:]):
        draw_string(canvas, x + 4 * mm, y_top - (13.5 + 5.6 * i) * mm, line, REGULAR, 11)
    canvas.restoreState()


def stamp_pdf(unit_name: str, number, received_at: dt.datetime | None, *,
              time_known: bool = True, code: str | None = None) -> bytes:
    """An A4 page carrying the stamp at its top right, and under it the verification
    code of this printing when one is given."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(f"ตรารับ {unit_name} เลขรับ {number}")
    width, height = A4
    draw_stamp(canvas, width - MARGIN, height - MARGIN, unit_name, number, received_at,
               time_known)
    if code:
        draw_string(canvas, width - MARGIN, height - MARGIN - BOX_H - 4 * mm,
                    f"รหัสตรวจสอบ {code}", REGULAR, 9, anchor="right")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


PLACE_DPI = 60  # the first page is looked at this coarsely for blank space


def find_place(pdf: bytes, *, dpi: int = PLACE_DPI) -> tuple[float, float] | None:
    """Where the stamp would go on the first page of ``pdf`` as a viewer shows it (its
    CropBox, rotated): the stamp's top-left corner in points from the page's top-left
    corner, in blank space as near the top right as the page allows
    (saraban.intake.layout.blank_place on the page rasterised by pdftoppm). None when the
    top third has no blank space for it, or the page cannot be rasterised (no pdftoppm)."""
    import math

    from saraban.intake.layout import blank_place, page_images

    with opened_for("ประทับตรารับ"):
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted or not reader.pages:
            return None
        page = reader.pages[0]
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        if int(page.get("/Rotate", 0) or 0) % 180:
            width, height = height, width
    try:
        images = page_images(pdf, dpi=dpi, first=1, last=1)
    except OSError:
        return None
    if not images:
        return None
    image = images[0]
    sx, sy = width / image.size[0], height / image.size[1]  # points a pixel
    found = blank_place(image, math.ceil(BOX_W / sx), math.ceil(BOX_H / sy),
                        margin=math.ceil(MARGIN / min(sx, sy)))
    if found is None:
        return None
    return found[0] * sx, found[1] * sy


def stamp_onto(pdf: bytes, unit_name: str, number, received_at: dt.datetime | None,
               time_known: bool = True, *, place: tuple[float, float] | None = None,
               find: bool = True) -> bytes:
    """A copy of ``pdf`` with the stamp merged onto its first page.

    ``place``: the stamp's top-left corner in points from the top-left corner of the page
    as a viewer shows it (kept inside the page), e.g. where the clerk moved it. Without one
    (and with ``find``), blank space near the top right (``find_place``). The stamp is drawn
    on a white backing there; where neither is had (no blank space, no pdftoppm, or
    ``find=False``) it goes to the top right corner inside the margins, without backing, so
    that nothing it overlaps is hidden."""
    if place is None and find:
        place = find_place(pdf)
    with opened_for("ประทับตรารับ"):
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise StampError("ไฟล์ PDF มีการเข้ารหัส ไม่สามารถประทับตรารับได้")
        writer = PdfWriter(clone_from=reader)
        if not writer.pages:
            raise StampError("ไฟล์ PDF ไม่มีหน้าเอกสาร")
        page = writer.pages[0]
        if page.get("/Rotate"):
            page.transfer_rotation_to_content()
        # at the top right of what a viewer shows and a printer prints (the CropBox, which
        # may be smaller than the MediaBox or not start at (0, 0)): drawn at the origin and
        # moved there, since pypdf clips a merged page to the overlay's own box
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        overlay = io.BytesIO()
        register_fonts()
        canvas = Canvas(overlay, pagesize=(width, height), initialFontName=REGULAR)
        if place is None:
            draw_stamp(canvas, width - MARGIN, height - MARGIN, unit_name, number,
                       received_at, time_known)
        else:
            x = min(max(float(place[0]), 0.0), max(width - BOX_W, 0.0))
            y = min(max(float(place[1]), 0.0), max(height - BOX_H, 0.0))
            draw_stamp(canvas, x + BOX_W, height - y, unit_name, number, received_at,
                       time_known, backing=True)
        canvas.showPage()
        canvas.save()
        page.merge_transformed_page(PdfReader(overlay).pages[0], Transformation().translate(
            float(box.left), float(box.bottom)))
        if strip_writer(writer):  # the copy is made without the scan's active content
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

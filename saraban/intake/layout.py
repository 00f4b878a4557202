"""Where things are on a page image: blank space for the receipt stamp, blank pages and
separator sheets in a pile of scanned letters, and image scans as PDF.

Page images are greyscale PIL images, as pdftoppm rasterises a page (``page_images``); a
pixel darker than ``DARK`` is ink. Nothing here needs numpy: the dark pixels are counted with
an integral image (summed-area table) built a row at a time with ``itertools.accumulate``,
so that whether a box holds ink is four look-ups.
"""

from __future__ import annotations

import io
import operator
import shutil
import subprocess
import tempfile
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

__all__ = ["DARK", "SPLIT_CODE", "blank_place", "image_pdf", "is_blank", "is_separator",
           "page_images", "separator_sheet_pdf", "split_batch"]

DARK = 128  # grey levels below this are ink
SPLIT_CODE = "SARABAN-SPLIT"  # what the separator sheet's QR code holds
RASTER_DPI = 50  # enough to see text, blank pages and the separator's bands
TIMEOUT = 60  # seconds pdftoppm or zbarimg may take for an uploaded file


def dark_mask(image: Image.Image, *, despeckle: bool = False) -> Image.Image:
    """The ink of ``image`` as an "L" image of 0 (paper) and 1 (ink). With ``despeckle``,
    a dark pixel with no other dark pixel in its 5x5 neighbourhood (scanner dust, salt
    noise) is taken for paper; a Thai tone mark sits closer than that to its letter."""
    grey = image.convert("L")
    mask = grey.point(lambda p: 255 if p < DARK else 0)
    if despeckle:
        # the 5x5 mean of the mask is 255 * k / 25 for k dark pixels around: one is ~10
        crowd = mask.filter(ImageFilter.BoxBlur(2)).point(lambda p: 255 if p > 15 else 0)
        mask = ImageChops.darker(mask, crowd)
    return mask.point(lambda p: 1 if p else 0)


def integral(mask: Image.Image) -> list[list[int]]:
    """The summed-area table of a 0/1 mask: ``table[y][x]`` is the ink in the rectangle
    above and left of pixel (x, y); one row and one column of zeros lead."""
    width, height = mask.size
    data = mask.tobytes()
    table = [[0] * (width + 1)]
    previous = table[0]
    for y in range(height):
        row = [0, *accumulate(data[y * width:(y + 1) * width])]
        previous = list(map(operator.add, previous, row))
        table.append(previous)
    return table


def ink_in(table: list[list[int]], x0: int, y0: int, x1: int, y1: int) -> int:
    """The dark pixels in [x0, x1) x [y0, y1), from the summed-area table."""
    return table[y1][x1] - table[y0][x1] - table[y1][x0] + table[y0][x0]


def blank_place(image: Image.Image, box_w: int, box_h: int, *, margin: int, gap: int = 2,
                region: float = 1 / 3, despeckle: bool = False) -> tuple[int, int] | None:
    """The top-left pixel (x, y) of a ``box_w`` x ``box_h`` box on ``image`` that covers no
    dark pixel, and keeps ``gap`` pixels of paper around it, as near the top right of the
    page as possible: the nearest (in steps right-to-left plus top-to-bottom) to the box at
    the top right corner inside ``margin``. The whole box stays ``margin`` pixels inside
    the page and within the top ``region`` of it (a third). None if there is no such place.
    """
    width, height = image.size
    x_right = width - margin - box_w  # the top right corner's box, the place to be near
    y_top = margin
    y_last = min(int(height * region), height - margin) - box_h
    if x_right < margin or y_last < y_top or box_w <= 0 or box_h <= 0:
        return None
    # only the part of the page the box may take (and its gap) is summed: a third of it
    top = image.crop((0, 0, width, min(height, y_last + box_h + gap + 1)))
    table = integral(dark_mask(top, despeckle=despeckle))
    height = top.height

    def free(x: int, y: int) -> bool:
        return ink_in(table, max(x - gap, 0), max(y - gap, 0), min(x + box_w + gap, width),
                      min(y + box_h + gap, height)) == 0

    best, place = None, None
    for y in range(y_top, y_last + 1):
        down = y - y_top
        if best is not None and down >= best:
            break
        for x in range(x_right, margin - 1, -1):
            distance = down + x_right - x
            if best is not None and distance >= best:
                break
            if free(x, y):
                best, place = distance, (x, y)
                break  # further left in this row is only farther
    return place


# --- rasterising ------------------------------------------------------------------------

def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def page_images(pdf: bytes, *, dpi: int = RASTER_DPI, first: int | None = None,
                last: int | None = None, cropbox: bool = True) -> list[Image.Image]:
    """The pages of ``pdf`` (or pages ``first``..``last``, from 1) in grey, as a viewer
    shows them (the CropBox, rotated), by poppler's pdftoppm. Raises OSError when pdftoppm
    is missing, fails or takes too long."""
    tool = pdftoppm()
    if tool is None:
        raise OSError("pdftoppm (poppler-utils) is not installed")
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    with tempfile.TemporaryDirectory(prefix="saraban-raster-") as folder:
        try:
            subprocess.run([tool, "-r", str(dpi), "-gray", *pages,
                            *(["-cropbox"] if cropbox else []), "-", f"{folder}/page"],
                           input=pdf, capture_output=True, check=True, timeout=TIMEOUT)
        except subprocess.SubprocessError as error:
            raise OSError(f"pdftoppm could not rasterise the PDF: {error}") from error
        # page-1.pgm ... page-12.pgm: the numbers are padded to the same width
        files = sorted(Path(folder).glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[-1]))
        images = []
        for file in files:
            with Image.open(file) as image:
                images.append(image.convert("L"))
        return images


# --- a pile of letters in one PDF --------------------------------------------------------

EDGE = 0.08  # of each side (17 mm across): the scanner's edge shadow, punch holes, a staple
BLANK_INK = 0.0002  # of the inner page: a line of 15 characters is ~0.0006 at 50 dpi


def is_blank(image: Image.Image) -> bool:
    """Almost no ink once the edges and isolated specks are left out."""
    width, height = image.size
    inner = image.crop((int(width * EDGE), int(height * EDGE), int(width * (1 - EDGE)),
                        int(height * (1 - EDGE))))
    mask = dark_mask(inner, despeckle=True)
    ink = sum(mask.histogram()[1:])
    return ink <= BLANK_INK * inner.size[0] * inner.size[1]


def _row_ink(image: Image.Image, y0: float, y1: float) -> list[float]:
    """The ink of each row between fractions ``y0`` and ``y1`` of the page, as a fraction
    of the page's middle 80% (its sides left out: a skewed scan's corners)."""
    width, height = image.size
    band = dark_mask(image.crop((int(width * 0.1), int(height * y0), int(width * 0.9),
                                 int(height * y1))))
    w, h = band.size
    data = band.tobytes()
    return [sum(data[y * w:(y + 1) * w]) / w for y in range(h)]


def _has_band(image: Image.Image, y0: float, y1: float) -> bool:
    """Between fractions ``y0`` and ``y1`` of the page, a solid band across it (rows 85%
    ink) at least half as tall as the separator sheet's, with paper (rows under 5% ink) on
    both sides of it: printed inside the page's margins, not a scanner's black border."""
    rows = _row_ink(image, y0, y1)
    full = [y for y, ink in enumerate(rows) if ink >= 0.85]
    need = 0.5 * BAND / SHEET_H * image.size[1]
    if len(full) < need:
        return False
    return (any(ink < 0.05 for ink in rows[:full[0]])
            and any(ink < 0.05 for ink in rows[full[-1] + 1:]))


def _zbar_codes(image: Image.Image) -> list[str] | None:
    """What zbarimg (Debian's zbar-tools) reads on the page, or None without zbarimg."""
    tool = shutil.which("zbarimg")
    if tool is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        image.save(file, format="PNG")
        file.flush()
        try:
            done = subprocess.run([tool, "--quiet", "--raw", file.name], capture_output=True,
                                  timeout=TIMEOUT)
        except subprocess.SubprocessError:
            return []
    # 0: found; 4: nothing found
    return done.stdout.decode("utf-8", "replace").split() if done.returncode == 0 else []


def is_separator(image: Image.Image, *, use_zbar: bool = True) -> bool:
    """The page is a separator sheet: zbarimg reads SARABAN-SPLIT on it (a QR code or a
    barcode, ours or one a clerk printed elsewhere), or, without zbarimg or when it reads
    nothing, the sheet's own print shows: solid bands across the top and the foot of the
    page inside its margins, and print between them (``separator_sheet_pdf``), which no
    letter carries, nor a scan's black border (it touches the page's edge)."""
    codes = _zbar_codes(image) if use_zbar else None
    if codes and SPLIT_CODE in codes:
        return True
    if not (_has_band(image, 0.0, 0.2) and _has_band(image, 0.8, 1.0)):
        return False
    # and between them the sheet's words and QR code: some ink, far from all of it
    middle = _row_ink(image, 0.2, 0.8)
    return 0.01 < sum(middle) / max(len(middle), 1) < 0.4


def split_batch(pdf: bytes) -> list[bytes]:
    """One PDF of many letters as one PDF a letter: split at blank pages and at separator
    sheets, which are dropped, as are the empty groups (two separators in a row, a blank
    page at the end). Raises StampError for a PDF that cannot be read, OSError without
    pdftoppm."""
    from pypdf import PdfReader, PdfWriter

    from saraban.pdf.stamp import StampError, opened_for

    with opened_for("แยกหนังสือ"):
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise StampError("ไฟล์ PDF มีการเข้ารหัส ไม่สามารถแยกหนังสือได้")
        count = len(reader.pages)
        images = page_images(pdf)
        if len(images) != count:
            raise StampError("ไฟล์ PDF เสียหาย อ่านไม่ได้")
        groups: list[list[int]] = [[]]
        for number, image in enumerate(images):
            if is_blank(image) or is_separator(image):
                groups.append([])
            else:
                groups[-1].append(number)
        letters = []
        for group in filter(None, groups):
            writer = PdfWriter()
            for number in group:
                writer.add_page(reader.pages[number])
            out = io.BytesIO()
            writer.write(out)
            letters.append(out.getvalue())
        return letters


# --- the separator sheet -------------------------------------------------------------------

SHEET_W, SHEET_H = 595.2756, 841.8898  # A4 in points
BAND = 14 * 72 / 25.4  # the solid bands' height


@lru_cache(maxsize=1)
def separator_sheet_pdf() -> bytes:
    """An A4 sheet for clerks to put between letters in a pile before it is scanned: solid
    bands across its top and foot, "แผ่นคั่นหนังสือ" and SARABAN-SPLIT in big letters, and a
    QR code holding SARABAN-SPLIT (segno) in the middle."""
    import segno
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from saraban.pdf import BOLD, REGULAR, register_fonts
    from saraban.pdf.thaiwrap import draw_string

    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(SHEET_W, SHEET_H), pageCompression=1,
                    initialFontName=REGULAR)
    canvas.setTitle("แผ่นคั่นหนังสือ SARABAN-SPLIT")
    side = 10 * mm
    canvas.rect(side, SHEET_H - side - BAND, SHEET_W - 2 * side, BAND, stroke=0, fill=1)
    canvas.rect(side, side, SHEET_W - 2 * side, BAND, stroke=0, fill=1)
    centre = SHEET_W / 2
    draw_string(canvas, centre, SHEET_H - 65 * mm, "แผ่นคั่นหนังสือ", BOLD, 54, anchor="centre")
    draw_string(canvas, centre, SHEET_H - 90 * mm, SPLIT_CODE, BOLD, 44, anchor="centre")
    qr = segno.make_qr(SPLIT_CODE, error="h")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=10, border=4)
    png.seek(0)
    size = 80 * mm
    canvas.drawImage(ImageReader(png), centre - size / 2, SHEET_H / 2 - size / 2 - 25 * mm,
                     size, size)
    for i, line in enumerate(("วางแผ่นนี้ระหว่างหนังสือแต่ละฉบับก่อนสแกน",
                              "ระบบจะแยกหนังสือที่แผ่นนี้ และไม่เก็บแผ่นนี้ไว้")):
        draw_string(canvas, centre, (52 - 8 * i) * mm, line, REGULAR, 16, anchor="centre")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- images as PDF -----------------------------------------------------------------------------

A4_W_IN, A4_H_IN = 210 / 25.4, 297 / 25.4


def _frame_dpi(frame: Image.Image) -> tuple[float, float]:
    """The frame's resolution (x, y) from its dpi; when it has none or an implausible one,
    the resolution at which it is as large as an A4 page (in its orientation)."""
    dpi = frame.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        x = y = 0.0
    if 50 <= x <= 2400 and 50 <= y <= 2400:
        return x, y
    w, h = frame.size
    page_w, page_h = (A4_H_IN, A4_W_IN) if w > h else (A4_W_IN, A4_H_IN)
    fit = max(w / page_w, h / page_h)
    return fit, fit


def image_pdf(data: bytes) -> bytes:
    """An image scan (PNG, JPEG, TIFF; each frame of a multi-page TIFF) as a PDF, one page
    a frame at the image's real size from its dpi (an image without one is taken to be an
    A4 page), so that it can be stamped; refuses an image that cannot be read
    (StampError)."""
    from PIL import ImageSequence, UnidentifiedImageError
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from saraban.pdf.stamp import StampError

    try:
        image = Image.open(io.BytesIO(data))
        out = io.BytesIO()
        canvas = Canvas(out, pageCompression=1)
        for frame in ImageSequence.Iterator(image):
            x_dpi, y_dpi = _frame_dpi(frame)
            if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P"
                                                      and "transparency" in frame.info):
                rgba = frame.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
                frame = flat
            elif frame.mode not in ("RGB", "L", "1"):
                frame = frame.convert("RGB")
            else:
                frame = frame.copy()
            w, h = frame.size
            size = (w * 72 / x_dpi, h * 72 / y_dpi)
            canvas.setPageSize(size)
            canvas.drawImage(ImageReader(frame), 0, 0, *size)
            canvas.showPage()
        canvas.save()
        return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise StampError("ไฟล์ภาพเสียหาย อ่านไม่ได้") from error

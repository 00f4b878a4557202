"""Paper intake's page layout, checked as a person would, on rasterised pages: the receipt
stamp goes in blank space near the top right and never over text, image scans become PDF
pages of their real size and are stamped, and a pile of letters in one PDF is split at
blank pages and separator sheets."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import random
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from saraban.intake.layout import (
    blank_place,
    image_pdf,
    is_blank,
    is_separator,
    page_images,
    separator_sheet_pdf,
    split_batch,
)
from saraban.pdf import REGULAR, register_fonts
from saraban.pdf.letter import render_letter
from saraban.pdf.stamp import BOX_H, BOX_W, MARGIN, StampError, find_place, stamp_onto
from saraban.pdf.thaiwrap import draw_string
from saraban.thaidate import BANGKOK
from tests.pdftools import need

AT = dt.datetime(2019, 11, 11, 14, 50, tzinfo=BANGKOK)
LETTERS = Path(__file__).parent / "data" / "letters"
DPI = 60
PT = 72 / DPI  # points a pixel


@pytest.fixture(autouse=True)
def _poppler():
    need("pdftoppm")


def need_zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        message = "zbar-tools is not installed (apt-get install zbar-tools)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _letter(name: str) -> bytes:
    data = json.loads((LETTERS / f"{name}.json").read_text())
    return render_letter(data["kind"], data["fields"], data["body"], data["letterhead"],
                         number=data["number"], date=dt.date.fromisoformat(data["date"])).pdf


def _short_letter() -> bytes:
    return render_letter("memo", {"subject": "ทดสอบ"}, "ข้อความ", {}).pdf


def _with_top_right_block(pdf: bytes) -> bytes:
    """The letter with a reference printed in its top right corner, as some letterheads
    have it: the stamp's usual place is taken."""
    register_fonts()
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4, initialFontName=REGULAR)
    for i, line in enumerate(["โทร. ๑๑๑๑", "สพร."]):
        draw_string(canvas, A4[0] - 30, A4[1] - 50 - 15 * i, line, REGULAR, 12, anchor="right")
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pages[0].merge_page(PdfReader(overlay).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _first(pdf: bytes) -> Image.Image:
    return page_images(pdf, dpi=DPI, first=1, last=1)[0]


def _dark(image: Image.Image, box) -> int:
    return sum(image.crop(box).histogram()[:128])


def _stamp_box(place) -> tuple[int, int, int, int]:
    """The stamp's box in pixels at DPI, a pixel wider each side (its rounded border)."""
    x, y = place
    return (math.floor(x / PT) - 1, math.floor(y / PT) - 1, math.ceil((x + BOX_W) / PT) + 1,
            math.ceil((y + BOX_H) / PT) + 1)


def _check_stamped(letter: bytes, stamped: bytes, place) -> None:
    """The stamp sits where the letter had no ink, in the top third and the right half;
    the stamp is there, and the rest of the page is as it was."""
    before, after = _first(letter), _first(stamped)
    width, height = before.size
    box = _stamp_box(place)
    assert _dark(before, box) == 0, "the stamp's box covers text of the letter"
    assert _dark(after, box) > 300, "the stamp is not there"
    assert box[0] >= width / 2 and box[2] <= width and box[1] >= 0 and box[3] <= height / 3
    # outside the stamp's box nothing changed: no stamp pixel over a text pixel elsewhere
    mask = Image.new("L", before.size, 255)
    ImageDraw.Draw(mask).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    white = Image.new("L", before.size, 255)
    outside = [Image.composite(page, white, mask) for page in (before, after)]
    inked = [page.point(lambda p: 255 if p < 128 else 0) for page in outside]
    assert ImageChops.difference(*inked).getbbox() is None


@pytest.mark.parametrize(("name", "taken"), [("dga_4099", False), ("memo_5052", False),
                                             ("dga_4099", True)])
def test_blank_place_then_stamp_onto_covers_no_text(name, taken):
    letter = _letter(name)
    if taken:
        letter = _with_top_right_block(letter)
    image = _first(letter)
    found = blank_place(image, math.ceil(BOX_W / PT), math.ceil(BOX_H / PT),
                        margin=math.ceil(MARGIN / PT))
    assert found is not None
    place = (found[0] * PT, found[1] * PT)
    stamped = stamp_onto(letter, "สทส.", 4323, AT, place=place)
    _check_stamped(letter, stamped, place)
    # stamp_onto finds the same place by itself
    assert find_place(letter) == pytest.approx(place, abs=1.5)
    _check_stamped(letter, stamp_onto(letter, "สทส.", 4323, AT), place)
    if taken:  # moved off the address, which is where the stamp used to go
        default = (A4[0] - MARGIN - BOX_W, MARGIN)
        assert _dark(image, _stamp_box(default)) > 0
        assert place != pytest.approx(default, abs=3)


def test_no_blank_space_in_the_right_half_of_a_memo_with_its_corner_taken():
    """The memo's title takes the middle of its top and its first lines the width of the
    page: with the corner taken too there is no blank place for the stamp."""
    assert find_place(_with_top_right_block(_letter("memo_5052"))) is None


def test_blank_place_prefers_the_top_right_and_says_when_there_is_none():
    page = Image.new("L", (300, 420), 255)
    assert blank_place(page, 60, 30, margin=10) == (230, 10)
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 0, 299, 60), fill=0)  # ink at the top right
    x, y = blank_place(page, 60, 30, margin=10)
    assert (x, y) in {(137, 10), (230, 63)}  # left of it or under it, whichever is nearer
    assert x + 60 + 2 <= 200 or y - 2 > 60
    draw.rectangle((0, 0, 299, 139), fill=0)  # the whole top third
    assert blank_place(page, 60, 30, margin=10) is None
    assert blank_place(page, 400, 30, margin=10) is None  # wider than the page


def test_no_blank_space_falls_back_to_the_top_right_corner():
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, initialFontName=REGULAR)
    canvas.rect(0, A4[1] * 0.55, A4[0], A4[1] * 0.45, stroke=0, fill=1)  # no blank top
    canvas.showPage()
    canvas.save()
    pdf = out.getvalue()
    assert find_place(pdf) is None
    stamped = stamp_onto(pdf, "สทส.", 4323, AT)
    assert len(PdfReader(io.BytesIO(stamped)).pages) == 1
    # without a backing the black page stays black under the stamp's box
    image = _first(stamped)
    assert _dark(image, _stamp_box((A4[0] - MARGIN - BOX_W, MARGIN))) > 0.9 * (
        (BOX_W / PT) * (BOX_H / PT))


def test_a_given_place_is_kept_inside_the_page():
    letter = _letter("dga_4099")
    stamped = stamp_onto(letter, "สทส.", 4323, AT, place=(10_000, -50))
    image = _first(stamped)
    width, _ = image.size
    # pushed back to the top right edge, whole
    assert _dark(image, (width - math.ceil(BOX_W / PT), 0, width, math.ceil(BOX_H / PT))) > 300


def _png_of(pdf: bytes, dpi: int) -> bytes:
    image = page_images(pdf, dpi=dpi, first=1, last=1)[0]
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def test_a_png_scan_becomes_one_page_of_its_real_size_and_is_stamped():
    letter = _letter("dga_4099")
    png = _png_of(letter, 100)
    pdf = image_pdf(png)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4[0], abs=1.5)
    assert float(box.height) == pytest.approx(A4[1], abs=1.5)
    place = find_place(pdf)
    assert place is not None
    stamped = stamp_onto(pdf, "สทส.", 4323, AT)
    _check_stamped(pdf, stamped, place)


def test_tiff_frames_and_images_without_dpi():
    letter = _letter("dga_4099")
    frames = [page_images(letter, dpi=72, first=n, last=n)[0] for n in (1, 2)]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:],
                   dpi=(72, 72))
    reader = PdfReader(io.BytesIO(image_pdf(tiff.getvalue())))
    assert len(reader.pages) == 2
    assert float(reader.pages[1].mediabox.width) == pytest.approx(A4[0], abs=1.5)
    # a JPEG with no resolution, landscape: taken to be an A4 page on its side
    jpeg = io.BytesIO()
    Image.new("RGB", (1200, 800), "white").save(jpeg, format="JPEG")
    page = PdfReader(io.BytesIO(image_pdf(jpeg.getvalue()))).pages[0]
    assert float(page.mediabox.width) == pytest.approx(A4[1], abs=1)
    assert float(page.mediabox.height) <= A4[0] + 1
    with pytest.raises(StampError, match="ภาพ"):
        image_pdf(b"not an image")


def _blank_pdf(noisy: bool = False) -> bytes:
    """An empty page; ``noisy``: scanned, with the scanner's dark edge and dust."""
    if not noisy:
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=A4)
        canvas.showPage()
        canvas.save()
        return out.getvalue()
    page = Image.new("L", (827, 1169), 250)  # 100 dpi
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 18, 1168), fill=40)  # the edge shadow
    draw.ellipse((30, 500, 56, 526), fill=30)  # a punch hole
    rng = random.Random(23)
    for _ in range(60):  # dust
        x, y = rng.randrange(60, 800), rng.randrange(60, 1140)
        page.putpixel((x, y), 0)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(100, 100))
    return image_pdf(out.getvalue())


def _scanned_separator() -> bytes:
    """The separator sheet printed and scanned at 150 dpi, a degree and a half askew."""
    image = page_images(separator_sheet_pdf(), dpi=150)[0]
    image = image.rotate(1.5, expand=False, fillcolor=255)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return image_pdf(out.getvalue())


def _pile(*parts: bytes) -> bytes:
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _counts(letters: list[bytes]) -> list[int]:
    return [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in letters]


def test_blank_pages_and_the_separator_sheet_are_told_from_letters():
    assert is_blank(page_images(_blank_pdf())[0])
    assert is_blank(page_images(_blank_pdf(noisy=True))[0])
    short = page_images(_short_letter())[0]
    assert not is_blank(short) and not is_separator(short, use_zbar=False)
    for name in ("dga_4099", "memo_5052"):
        for page in page_images(_letter(name)):
            assert not is_blank(page) and not is_separator(page, use_zbar=False)
    for sheet in (separator_sheet_pdf(), _scanned_separator()):
        image = page_images(sheet)[0]
        assert not is_blank(image)
        assert is_separator(image, use_zbar=False)  # by its printed bands, without zbarimg
    # a letter scanned on a black background: dark borders at its edges are no bands
    framed = Image.new("L", short.size, 0)
    framed.paste(short.crop((0, 25, short.size[0], short.size[1] - 25)), (0, 25))
    assert not is_separator(framed, use_zbar=False)
    assert not is_separator(Image.new("L", short.size, 0), use_zbar=False)  # all black


def test_the_separator_sheets_qr_code_reads_saraban_split():
    need_zbarimg()
    from saraban.intake.layout import _zbar_codes

    for sheet in (separator_sheet_pdf(), _scanned_separator()):
        assert _zbar_codes(page_images(sheet)[0]) == ["SARABAN-SPLIT"]
    assert _zbar_codes(page_images(_short_letter())[0]) == []


@pytest.mark.parametrize("zbar", [True, False], ids=["zbarimg", "bands"])
def test_split_batch_at_a_blank_page_and_a_separator_sheet(zbar, monkeypatch):
    if zbar:
        need_zbarimg()
    else:  # as on a machine without zbar-tools: the sheet is known by its printed bands
        monkeypatch.setattr("saraban.intake.layout._zbar_codes", lambda image: None)
    letter1, letter2, letter3 = _letter("dga_4099"), _letter("memo_5052"), _short_letter()
    pile = _pile(letter1, _blank_pdf(noisy=True), letter2, _scanned_separator(), letter3)
    letters = split_batch(pile)
    assert _counts(letters) == [2, 3, 1]
    # the letters' own pages, in their order
    assert _first(letters[1]).tobytes() == _first(letter2).tobytes()
    # separators and blanks at the ends and twice in a row leave no empty letters
    pile = _pile(separator_sheet_pdf(), letter3, _blank_pdf(), separator_sheet_pdf(),
                 letter1, _blank_pdf())
    assert _counts(split_batch(pile)) == [1, 2]
    assert split_batch(_pile(_blank_pdf(), separator_sheet_pdf())) == []
    with pytest.raises(StampError):
        split_batch(b"%PDF-1.7 junk")


@pytest.mark.parametrize("turn", [90, 180])
def test_a_rotated_scan_is_stamped_in_the_blank_space_a_viewer_sees(turn):
    """A page with /Rotate: the place is found on the page as shown, and the stamp lands
    there (stamp_onto turns the rotation into the content first)."""
    page = io.BytesIO()
    canvas = Canvas(page, pagesize=A4)
    for x in (0, A4[0] - 150):  # ink in every corner: the stamp has to move off the corner
        for y in (0, A4[1] - 100):
            canvas.rect(x, y, 150, 100, stroke=0, fill=1)
    canvas.setFont("Helvetica", 30)
    canvas.drawString(200, 420, "Page 1")
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(page))
    writer.pages[0].rotate(turn)
    out = io.BytesIO()
    writer.write(out)
    letter = out.getvalue()
    place = find_place(letter)
    assert place is not None
    _check_stamped(letter, stamp_onto(letter, "สทส.", 4323, AT), place)

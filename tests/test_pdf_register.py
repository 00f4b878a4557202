"""Thai line wrapping and the printable register (A4 landscape), checked as a person would:
the PDF's fonts with pdffonts, and the page rasterised with pdftoppm. No database needed."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader
from pythainlp.tokenize import word_tokenize
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.register import CANCELLED_GREY, COLUMNS, RegisterRow, _table, register_pdf
from saraban.pdf.thaiwrap import clusters, paragraph, wrap_lines
from saraban.thaidate import to_thai_digits
from tests.pdftools import dark, need, raster

LONG = ("สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) ขอความร่วมมือหน่วยงานของรัฐดำเนินการตาม"
        "ข้อเสนอแนะในการพัฒนารัฐบาลดิจิทัลของประเทศไทย")
MARKS = re.compile("[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]")
LEADING = "\u0e40\u0e41\u0e42\u0e43\u0e44"
PRINTED = "พิมพ์เมื่อ ๒๔ พ.ย. ๒๕๖๙ ๑๐.๑๕ น."


@pytest.fixture(scope="module", autouse=True)
def fonts():
    register_fonts()








def _boundaries(text: str) -> set[int]:
    offsets, pos = {0}, 0
    for token in word_tokenize(text, engine="newmm", keep_whitespace=True):
        pos += len(token)
        offsets.add(pos)
    return offsets


def _fits(line: str, font: str, size: float, width: float) -> bool:
    return stringWidth(line, font, size) <= width + 1e-6


# wrapping

@pytest.mark.parametrize("width", [80, 110, 160, 240])
def test_wrap_lines_breaks_only_between_words(width):
    tokens = word_tokenize(LONG, engine="newmm", keep_whitespace=True)
    assert max(stringWidth(t, REGULAR, 11) for t in tokens) <= width  # every word fits
    lines = wrap_lines(LONG, REGULAR, 11, width)
    assert len(lines) >= 3
    boundaries = _boundaries(LONG)
    pos = 0
    for line in lines:
        assert line == line.strip() and line
        assert _fits(line, REGULAR, 11, width), line
        start = LONG.index(line, pos)
        assert LONG[pos:start].strip() == ""
        assert start in boundaries and start + len(line) in boundaries, line
        pos = start + len(line)
    assert LONG[pos:].strip() == ""
    assert "".join(lines).replace(" ", "") == LONG.replace(" ", "")


def test_wrap_lines_keeps_abbreviations_and_dates_whole():
    text = "ส่งต่อ ฝอ.สงป. ๒๕ พ.ย. ๒๕๖๒ เวลา ๑๐.๑๕ น."
    width = stringWidth("๒๕ พ.ย. ๒๕๖๒", REGULAR, 11) + 1
    assert wrap_lines(text, REGULAR, 11, width) == [
        "ส่งต่อ ฝอ.สงป.", "๒๕ พ.ย. ๒๕๖๒", "เวลา ๑๐.๑๕ น."]
    width = stringWidth("ส่งต่อ ฝอ.", REGULAR, 11)  # newmm alone would cut ฝ|อ.สง|ป.
    assert "ฝอ.สงป." in wrap_lines(text, REGULAR, 11, width)


@pytest.mark.parametrize("word", ["คอมพิวเตอร์", "ผู้บังคับบัญชา", "น้ำใจไมตรี", "ปั้" * 30])
def test_overlong_word_splits_between_clusters_only(word):
    width = stringWidth(word, REGULAR, 11) / 3
    lines = wrap_lines(word, REGULAR, 11, width)
    assert len(lines) >= 2 and "".join(lines) == word
    for line in lines:
        assert not MARKS.match(line[0]) and not unicodedata.combining(line[0]), lines
        assert line[-1] not in LEADING, lines
        assert _fits(line, REGULAR, 11, width) or len(clusters(line)) == 1


def test_clusters_keep_consonants_with_their_marks():
    assert clusters("ผู้บัญชาการน้ำไม้") == [
        "ผู้", "บั", "ญ", "ช", "า", "ก", "า", "ร", "น้ำ", "ไม้"]
    assert "".join(clusters(LONG)) == LONG


def test_hard_breaks_and_spaces():
    assert wrap_lines("บรรทัดแรก\nบรรทัดสอง", REGULAR, 11, 500) == ["บรรทัดแรก", "บรรทัดสอง"]
    assert wrap_lines("  ก  ข \r\n\n  ค  ", REGULAR, 11, 500) == ["ก ข", "", "ค"]
    assert wrap_lines("", REGULAR, 11, 100) == [] and wrap_lines("  \n ", REGULAR, 11, 100) == []
    # a hard break inside text that also wraps
    lines = wrap_lines(f"ลับ\n{LONG}", BOLD, 11, 120)
    assert lines[0] == "ลับ" and len(lines) > 3


def test_paragraph_is_shaped_escaped_and_wrapped_as_told():
    style = ParagraphStyle("t", fontName=REGULAR, fontSize=11, leading=15)
    p = paragraph("หนังสือ <ด่วน> & ลับ", style, 300)
    assert p.style.shaping == 1 and style.shaping == 0  # the caller's style is left alone
    assert "&lt;ด่วน&gt; &amp;" in p.text
    p = paragraph(LONG, style, 120)
    p.wrap(120, 1000)
    assert len(p.blPara.lines) == len(wrap_lines(LONG, REGULAR, 11, 120))
    empty = paragraph("", style, 120)
    assert empty.wrap(120, 1000)[1] == 0


# the register

SENDERS = ["สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "กองบังคับการตำรวจสื่อสาร", "ผบ.ตร.",
           "สำนักงานคณะกรรมการข้าราชการตำรวจ", "กระทรวงมหาดไทย"]
SUBJECTS = [
    "ขอความร่วมมือหน่วยงานของรัฐดำเนินการตามข้อเสนอแนะในการพัฒนารัฐบาลดิจิทัลของประเทศไทย",
    "ขออนุมัติเดินทางไปราชการ",
    "การประชุมคณะกรรมการพัฒนาระบบเทคโนโลยีสารสนเทศ ครั้งที่ ๓/๒๕๖๒",
    "ขอเชิญเข้าร่วมพิธีเปิดศูนย์ปฏิบัติการสั่งการและควบคุม (Command Center)",
]
ACTIONS = ["", "เสนอ ผช.ผบ.ตร.(ปร ๓) ๒๓ พ.ย. ๒๕๖๒",
           "ส่งต่อ ฝอ.สงป. ๒๕ พ.ย. ๒๕๖๒\nสำเนา สทส. ๒๕ พ.ย. ๒๕๖๒"]


def _rows(n: int) -> list[RegisterRow]:
    rows = []
    for i in range(n):
        cancelled = i == 7
        rows.append(RegisterRow(
            number=to_thai_digits(5063 + i),
            doc_number=to_thai_digits(f"ตช ๐๐๓๓.{i % 30 + 1}/{1000 + 37 * i}"),
            doc_date=to_thai_digits(f"{i % 28 + 1} พ.ย. ๒๕๖๒"),
            sender=SENDERS[i % len(SENDERS)],
            addressee="ผู้ช่วยผู้บัญชาการตำรวจแห่งชาติ (ปร ๓)" if i % 2 else "ผอ.สทส.",
            subject=SUBJECTS[i % len(SUBJECTS)],
            action=ACTIONS[i % len(ACTIONS)],
            remarks="ยกเลิก: ลงทะเบียนซ้ำกับเลขรับ ๕๐๖๓" if cancelled else ("ลับ" if i % 5 else ""),
            cancelled=cancelled,
        ))
    return rows


@pytest.fixture(scope="module")
def register_60() -> bytes:
    return register_pdf("ทะเบียนหนังสือรับ",
                        "สง.ผู้ช่วย ผบ.ตร.(ปร ๓) · พ.ศ. ๒๕๖๒ · เดือนพฤศจิกายน",
                        _rows(60), printed=PRINTED)


def test_register_pdf_pages_title_and_page_numbers(register_60):
    reader = PdfReader(io.BytesIO(register_60))
    pages = len(reader.pages)
    assert pages > 1
    assert reader.metadata.title.startswith("ทะเบียนหนังสือรับ")
    for i, page in enumerate(reader.pages, 1):
        # a shaped PDF gives back lossy text, but these words have no stacked marks
        text = page.extract_text()
        assert f"หน้า {to_thai_digits(i)} / {to_thai_digits(pages)}" in text
        assert "การปฏิบัติ" in text and "หมายเหตุ" in text  # the heading row on every page
    info = subprocess.run([need("pdfinfo"), "-"], input=register_60, capture_output=True,
                          check=True).stdout.decode()
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(pages)


def test_register_pdf_embeds_sarabun(register_60):
    out = subprocess.run([need("pdffonts"), "-"], input=register_60, capture_output=True,
                         check=True).stdout.decode()
    fonts = out.splitlines()[2:]
    assert any("Sarabun-Regular" in f for f in fonts) and any("Sarabun-Bold" in f for f in fonts)
    for line in fonts:  # name type encoding emb sub uni object generation
        assert "Sarabun" in line and line.split()[-5] == "yes", out


def test_register_pdf_page_is_drawn(register_60):
    image = raster(register_60)
    assert dark(image, 0.3, 0.0, 0.7, 0.12) > 50  # the title
    assert dark(image, 0.0, 0.15, 1.0, 0.9) > 2000  # the table
    assert dark(image, 0.0, 0.93, 0.4, 1.0) > 20  # the printed time, bottom left
    assert dark(image, 0.85, 0.93, 1.0, 1.0) > 10  # the page number, bottom right


def test_empty_register_says_so():
    pdf = register_pdf("ทะเบียนหนังสือส่ง", "สทส. · พ.ศ. ๒๕๖๒", [])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "ไม่มีรายการ" in text and "หน้า ๑ / ๑" in text


def test_cancelled_rows_are_marked():
    row = _rows(8)[7]
    assert row.cells()[-1].startswith("ยกเลิก: ")
    bare = RegisterRow("๑", "", "", "", "", "เรื่อง", "", "ลงซ้ำ", cancelled=True)
    assert bare.cells()[-1] == "ยกเลิก\nลงซ้ำ"
    assert RegisterRow("๑", "", "", "", "", "", "", "", cancelled=True).cells()[-1] == "ยกเลิก"
    assert RegisterRow("๑", "", "", "", "", "", "", "ลงซ้ำ").cells()[-1] == "ลงซ้ำ"
    assert len(COLUMNS) == len(row.cells()) == 9  # the 8 of the form, and when received


def test_every_cell_is_a_shaped_paragraph():
    table = _table(_rows(9), 770, 0)
    assert table.repeatRows == 1 and len(table._cellvalues) == 10
    for r, row in enumerate(table._cellvalues):
        for cell in row:
            assert isinstance(cell, Paragraph) and cell.style.shaping == 1
            assert cell.style.fontName == (BOLD if r == 0 else REGULAR)
    grey = [r for r, row in enumerate(table._cellvalues)
            if row[0].style.textColor == CANCELLED_GREY]
    assert grey == [8]  # the cancelled row (row 7 of the rows, after the heading)


def test_a_row_taller_than_a_page_is_split_not_refused():
    huge = RegisterRow("๑", "ที่ ๑", "๑ พ.ย. ๒๕๖๒", "ก", "ข", f"{LONG} " * 40, "",
                       "หมายเหตุยาวมาก " * 80)
    pdf = register_pdf("ทะเบียนหนังสือรับ", "", [huge, *_rows(2)])
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 3
